/*
 * envelope.h (private to parser/): the part of a log line around the
 * message: when, which host, which program.
 *
 * envelope_parse() recognises, line by line:
 *   RFC 3164       "Nov  2 03:04:05 host prog[pid]: msg", "Nov 02", "Sep 8",
 *                  with or without host, with a "<mail.notice>" word, with a
 *                  leading "<34>" priority
 *   ISO 8601       "2026-11-22T03:04:05.123456+01:00 host prog[pid]: msg"
 *                  (rsyslog high precision, journalctl -o short-iso)
 *   RFC 5424       "<34>1 2026-11-22T03:04:05.003Z host app 123 - - msg"
 *   space ISO      "2026-11-22 17:07:52 [pid] msg" (Exim mainlog) and
 *                  "2013-08-11 03:56:40 auth-worker(default): msg" (Dovecot)
 *   TAI64N         "@4000000050f2a1c40a1b2c3d prog: msg" (daemontools)
 *   no time        "host exim[pid]: 2021-07-17 23:20:49 msg"
 * For Exim the message's own "YYYY-MM-DD HH:MM:SS" stamp and "[pid]" are
 * taken off the message (and supply the time when the envelope had none).
 */
#ifndef RS_ENVELOPE_H
#define RS_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

enum env_time {
	ENV_NOTIME = 0,
	ENV_NOYEAR,	/* RFC 3164: month, day, time; local zone */
	ENV_LOCAL,	/* full date and time, local zone */
	ENV_UTC,	/* utc holds the answer */
};

struct envelope {
	enum env_time	 tkind;
	int		 year, mon, day, hour, min, sec, usec;
	int64_t		 utc;		/* ENV_UTC only */
	const char	*host;
	size_t		 host_len;
	const char	*prog;		/* program name, without [pid] */
	size_t		 prog_len;
	long		 pid;
	const char	*tag;		/* start of the program token: rules
					   match from here ("dovecot: ...") */
	const char	*msg;		/* after "prog[pid]: " */
	int		 exim_mainlog;	/* Exim's own file, no program token */
	int		 exim_syslog;	/* Exim through syslog */
};

/* Returns 0, or -1 when no envelope could be read (msg is the line). */
int	 envelope_parse(const char *line, size_t len, struct envelope *);

#endif
