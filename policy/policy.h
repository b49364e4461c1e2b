/*
 * policy.h: why was relaying denied? Pure functions over plain records:
 * no I/O, no SQLite, no clock (the caller passes everything in).
 *
 * The protocol, for one relay denial (kind relay_denial or
 * relay_denial_temporary, any MTA):
 *
 *	struct policy_evidence ev = { .denial = d,
 *	    .ip_logins = logins from d.ip up to d.time (oldest first),
 *	    .user_logins = successful logins of the sender's user from any
 *	        address up to d.time (oldest first),
 *	    .probe = the probe figures of d.ip around d.time };
 *	policy_diagnose(&opts, &ev, &verdict);
 *
 * The store supplies the rows (store_ queries); policy decides. Changing
 * the options and diagnosing again gives the answer under the new settings.
 *
 * Evidence class (from logins alone, see policy_diagnose):
 *	in_window  a successful login of a popauth service from the very same
 *	           address at most window seconds before (same second counts)
 *	expired    such a login exists, but the latest is older
 *	roaming    neither; the sender is user@local-domain and that user
 *	           logged in successfully before, from another address
 *	none       none of these
 *
 * Headlines, first match wins (configuration faults first):
 *	in-relay-networks, exception-not-applied, exception-expired,
 *	popauth-not-applied, popauth-expired, probe, roaming, login-failed,
 *	no-login, foreign.
 */
#ifndef RS_POLICY_H
#define RS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "../common/common.h"

enum policy_class {
	PC_IN_WINDOW,
	PC_EXPIRED,
	PC_ROAMING,
	PC_NONE,
	PC__COUNT
};

/* X-macro: headline, name, default advice. The order is the priority. */
#define POLICY_HEADLINES(X) \
	X(H_IN_RELAY_NETWORKS, "in-relay-networks") \
	X(H_EXCEPTION_NOT_APPLIED, "exception-not-applied") \
	X(H_EXCEPTION_EXPIRED, "exception-expired") \
	X(H_POPAUTH_NOT_APPLIED, "popauth-not-applied") \
	X(H_POPAUTH_EXPIRED, "popauth-expired") \
	X(H_PROBE, "probe") \
	X(H_ROAMING, "roaming") \
	X(H_LOGIN_FAILED, "login-failed") \
	X(H_NO_LOGIN, "no-login") \
	X(H_FOREIGN, "foreign")

enum policy_headline {
#define X(e, s) e,
	POLICY_HEADLINES(X)
#undef X
	H__COUNT
};

const char *policy_class_name(enum policy_class);
const char *policy_headline_name(enum policy_headline);
int	 policy_headline_from_name(const char *);	/* -1 if unknown */

/* A relay denial, as the store gives it. Strings are owned by the caller. */
struct policy_denial {
	int64_t		 id;
	int64_t		 time;		/* UTC seconds */
	int		 temporary;	/* 4xx */
	const char	*ip;		/* normalized; may be "" */
	const char	*sender;	/* NULL: unknown; "": null sender */
	const char	*recipient;
	const char	*mta;
};

/* A login (ok or failed). */
struct policy_login {
	int64_t		 id;
	int64_t		 time;
	int		 ok;
	const char	*ip;
	const char	*user;
	const char	*service;	/* pop3, imap, smtp-auth, ... */
};

/* An IP exception (the exceptions issue fills these; none until then). */
struct policy_exception {
	int64_t		 id;
	struct cidr	 net;
	int64_t		 created, expires;	/* expires 0: never */
	int64_t		 revoked;		/* 0: not revoked */
	const char	*reason;
};

/* What the probe scoring saw for one IP (or network) over its window. */
struct policy_probe {
	int		 attempts;	/* relay attempts (denials) */
	int		 domains;	/* distinct recipient domains */
	int		 senders;	/* distinct senders */
	int		 empty_or_foreign;	/* senders <> or not local */
	int		 tricks;	/* recipients with open-relay tricks */
	int		 failed_logins;
	double		 per_minute;	/* attempts per minute, peak */
	int		 score;
	int		 flagged;
};

struct policy_probe_opts {
	int64_t		 window;	/* default 3600 */
	int		 attempts;	/* default 10 */
	int		 domains;	/* default 5 */
	int		 score;		/* flag at or above, default 100 */
};

struct policy_opts {
	const char *const *local_domains;	/* lower case */
	size_t		 n_local_domains;
	const struct cidr *relay_networks;
	size_t		 n_relay_networks;
	int		 popauth_enabled;
	int64_t		 window;		/* seconds */
	const char *const *services;		/* that open a window */
	size_t		 n_services;
	const struct policy_exception *exceptions;
	size_t		 n_exceptions;
	struct policy_probe_opts probe;
	/* Advice per headline; NULL: the built-in text. "%w" in a text is
	   replaced by the window in minutes, "%c" by window - 1. */
	const char	*advice[H__COUNT];
};

/* Defaults for everything (no domains, no networks, popauth on, 15m). */
void	 policy_opts_init(struct policy_opts *);

struct policy_evidence {
	struct policy_denial	 denial;
	const struct policy_login *ip_logins;	/* from denial.ip, time <=
						   denial.time, oldest first */
	size_t			 n_ip_logins;
	const struct policy_login *user_logins;	/* ok logins of the sender's
						   user, any ip, time <=
						   denial.time, oldest first */
	size_t			 n_user_logins;
	struct policy_probe	 probe;		/* of denial.ip; flagged set
						   by the caller from
						   policy_probe_score() */
};

struct verdict {
	enum policy_headline	 headline;
	enum policy_class	 evidence_class;
	int			 probe;
	/* Facts, each with the rows that prove it (ids; 0: none). */
	struct {
		int64_t		 login_id;	/* latest ok login, same ip */
		int64_t		 seconds_before;	/* denial - login */
		const char	*user;		/* points into the evidence */
		const char	*service;
	}			 last_login;
	struct {
		int		 count;		/* ok logins of the user from
						   other ips */
		int64_t		 last_login_id;
		const char	*last_ip;
		int64_t		 last_time;
	}			 roaming;
	int			 failed_logins;	/* same ip, within window */
	int64_t			 last_failed_login_id;
	int			 in_relay_networks;
	const struct policy_exception *exception;	/* covering ip */
	int64_t			 expired_by;	/* popauth-expired: seconds
						   past the window */
	char			 advice[1024];
};

/*
 * Diagnoses one denial. Never fails: every denial gets a verdict. The
 * verdict's pointers point into ev or opts.
 */
void	 policy_diagnose(const struct policy_opts *,
	    const struct policy_evidence *, struct verdict *);

/* Is this address inside the provider's own networks? */
int	 policy_in_relay_networks(const struct policy_opts *, const char *ip);
/* Is user@domain (any case) in a local domain? */
int	 policy_is_local(const struct policy_opts *, const char *address);
/* Does a login name match a sender (whole address or its local part)? */
int	 policy_user_matches(const char *login_user, const char *sender);
/* Open-relay test tricks in a recipient: %-hack, bang path, quoted local
   part with @, two @. */
int	 policy_relay_trick(const char *recipient);

/*
 * Probe scoring over the denials and failed logins of one IP (or one
 * /24 or /48) inside a window. Fills score and flagged. One plain attempt
 * is never flagged; one attempt with an open-relay trick always is.
 */
void	 policy_probe_score(const struct policy_opts *, struct policy_probe *);

/* One event of an IP (or network) for the sliding-window probe sweep. */
struct policy_probe_event {
	int64_t		 time;
	int		 is_denial;	/* else a failed login */
	const char	*sender;	/* denials: NULL unknown, "" null */
	const char	*recipient;
};

/*
 * Slides the probe window over one IP's events (oldest first): flagged[i]
 * is set for every denial i that lies in any window whose figures are
 * flagged (so the first attempts of a burst are probes too); best gets the
 * figures of the highest-scoring window. flagged has n entries.
 */
void	 policy_probe_sweep(const struct policy_opts *,
	    const struct policy_probe_event *, size_t n, unsigned char *flagged,
	    struct policy_probe *best);

#endif
