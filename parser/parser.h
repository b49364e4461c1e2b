/*
 * parser.h: a log line becomes a struct event.
 *
 * The protocol:
 *
 *	p = parser_open(&opts, &cause);
 *	for each line (without its newline):
 *		parser_feed(p, line, len, offset);
 *		while ((ev = parser_next(p)))	-- events that are ready
 *			store it;
 *	parser_flush(p);			-- at the end of a source
 *	while ((ev = parser_next(p))) store it;
 *	parser_close(p);
 *
 * Events come out in the order of their lines. Some are held back for a few
 * lines: a Sendmail denial waits for the `from=<...>` line of its queue ID,
 * which carries its sender. parser_settled() is true when nothing is held
 * back and no Exim syslog twin is expected, so a caller that commits a
 * checkpoint ("everything before offset X is stored") commits only then.
 *
 * Each line given to parser_feed goes through the envelope (RFC 3164 with
 * or without host and with priority words, ISO 8601, RFC 5424, journal
 * short-iso, Exim's mainlog, Dovecot log files, TAI64N), then the rules of
 * its program (a literal test first, the PCRE2 pattern only on
 * candidates). Lines that hold no rule's literal need not be given to it:
 * see parser_quiet below.
 *
 * Ownership: a struct event returned by parser_next() is owned by the
 * parser and valid until the next parser_* call; its raw pointer points
 * into the parser's own copy of the line.
 */
#ifndef RS_PARSER_H
#define RS_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "../common/common.h"

enum event_kind {
	EV_NONE = 0,
	EV_RELAY_DENIAL,	/* a 5xx refusal to relay */
	EV_RELAY_DENIAL_TEMP,	/* a 4xx refusal to relay */
	EV_OTHER_REJECT,	/* RBL, unknown user, HELO, sender, ... */
	EV_LOGIN_OK,
	EV_LOGIN_FAILED,
	EV__COUNT
};

/* "relay_denial", ... as in stats --json. */
const char *parser_kind_name(enum event_kind);

#define EV_TEXT 256
#define EV_ADDR LOGIN_FORM_MAX	/* 320 */

struct event {
	int64_t	 time;			/* UTC seconds; 0 when unknown */
	int	 usec;
	enum event_kind kind;
	char	 mta[16];		/* postfix, sendmail, exim, courier,
					   dovecot, cyrus, uw, qpopper, ... */
	char	 host[EV_TEXT];		/* the logging host */
	char	 prog[64];
	long	 pid;			/* -1 when absent */
	char	 ip[IP_TEXT_MAX];	/* normalized client address */
	int	 ip_family;		/* of ip: 4, 6, or 0 when none */
	uint8_t	 ip_bin[16];		/* its 4 or 16 bytes */
	char	 client_host[EV_TEXT];
	char	 helo[EV_TEXT];
	int	 has_sender;		/* sender given (may be empty: <>) */
	char	 sender[EV_ADDR];
	char	 recipient[EV_ADDR];
	int	 code;			/* SMTP reply code, 0 when absent */
	char	 status[16];		/* enhanced status, 5.7.1 */
	char	 user[EV_TEXT];
	char	 service[16];		/* pop3, imap, submission, smtp-auth */
	char	 method[32];
	char	 rule[48];		/* name of the rule that matched */
	int64_t	 offset;		/* byte offset of the line */
	int64_t	 lineno;		/* 1-based line number in its source */
	const char *raw;		/* the line, not NUL-terminated */
	size_t	 raw_len;
};

/*
 * The shortest literal (each alternative of a rule's contains) that lets
 * ingest skip the lines without it unparsed; with a shorter one, or none,
 * in any rule, every line is parsed.
 */
#define PARSER_LITERAL_MIN 3
/* The most distinct literals (built-in and operators') looked for at once. */
#define PARSER_LITERALS_MAX 64

/* An operator's rule from config.yaml. */
struct parser_rule_def {
	const char *name;
	const char *kind;	/* relay_denial, relay_denial_temporary, relay,
				   other_reject, login_ok, login_failed */
	const char *pattern;
	const char *contains;	/* may be NULL */
	const char *mta;	/* may be NULL: "other" */
	const char *service;	/* may be NULL */
};

struct parser_opts {
	int	 year;		/* year of RFC 3164 stamps; 0: infer */
	int64_t	 ref_time;	/* for inference: the file's mtime, or now */
	const struct parser_rule_def *rules;
	size_t	 n_rules;
	int	 find_suspicious;	/* also flag lines that no rule was
					   tried on but look like a denial or a
					   login (slower; for `rules test`) */
};

/* Counters of what the parser saw, for the ingest summary. */
struct parser_stats {
	uint64_t lines;
	uint64_t events[EV__COUNT];
	uint64_t unmatched_suspicious;	/* looks like a denial/login, no rule */
	uint64_t no_envelope;		/* no timestamp could be read */
	uint64_t exim_twins;		/* Exim syslog duplicates collapsed */
	uint64_t time_backwards;	/* a line older than the one before */
};

struct parser;

struct parser *parser_open(const struct parser_opts *, char **cause);
void	 parser_close(struct parser *);
/* Starts a new source: resets year inference and per-source state. */
void	 parser_reset(struct parser *, int64_t ref_time);
void	 parser_feed(struct parser *, const char *line, size_t len,
	    int64_t offset);
/*
 * Most lines of a mail log hold no event. A caller with more text than
 * the next line (a reader's buffer) asks once for many lines:
 * parser_quiet() returns how many bytes from text on hold none of the
 * literals that every rule needs (len when none; 0 when some rule needs
 * none, so it cannot tell), and with lines, how many newlines are in
 * them (counted in the same pass). The whole lines within them go to
 * parser_feed_quiet() together (text, len bytes, ending with a newline,
 * and the count of its lines when known, else 0), which only counts them
 * (and returns how many) instead of one by one to parser_feed(). Ask
 * again after the next line fed by parser_feed().
 */
size_t	 parser_quiet(const struct parser *, const char *text, size_t len,
	    uint64_t *lines);
/*
 * Whether parser_quiet() can tell: 0 while some rule has no literal of
 * PARSER_LITERAL_MIN bytes or more, or when the rules hold more than
 * PARSER_LITERALS_MAX distinct ones (literals that share a start count
 * once), so that every line must be parsed; and for `rules test`, which
 * reads every line.
 */
int	 parser_skims(const struct parser *);
uint64_t parser_feed_quiet(struct parser *, const char *text, size_t len,
	    uint64_t lines);
/* The next event ready, or NULL. */
const struct event *parser_next(struct parser *);
void	 parser_flush(struct parser *);
int	 parser_settled(const struct parser *);
/* How many events are held back (waiting, or queued behind one). */
size_t	 parser_held(const struct parser *);
const struct parser_stats *parser_get_stats(const struct parser *);

/*
 * For `rules test`: the rule names (built-in first, then the operator's),
 * hits per rule, and whether a line that matched nothing looks like a
 * denial or a login.
 */
size_t	 parser_rule_count(const struct parser *);
const char *parser_rule_name(const struct parser *, size_t);
uint64_t parser_rule_hits(const struct parser *, size_t);
int	 parser_last_suspicious(const struct parser *);

#endif
