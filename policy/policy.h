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
 * Logins are compared by exact address (the store normalizes them, so
 * ::ffff:192.0.2.1 is 192.0.2.1; IPv6 has no prefix matching); only ok
 * logins of a service in opts.services count for in_window, expired and
 * roaming. A login at the denial's second counts as earlier; one a second
 * later is not evidence. A login name matches a sender when it equals the
 * whole address or its local part (any case).
 *
 * Headlines, first match wins (configuration faults first):
 *	in-relay-networks	the ip is in relay_networks
 *	exception-not-applied	an exception covered the ip at that time
 *	exception-expired	none did, but one had expired or was revoked
 *	popauth-not-applied	popauth enabled, class in_window
 *	popauth-expired		popauth enabled, class expired
 *	probe			ev.probe.flagged (never changes the class; a
 *				forged local sender does not make a customer)
 *	roaming			class roaming; or popauth disabled and class
 *				in_window or expired (a customer, outside our
 *				networks); or a local sender whose user has
 *				some ok login on record (any service)
 *	login-failed		failed logins (any service) from the ip within
 *				the window before
 *	no-login		a local sender whose user has no ok login on
 *				record at all
 *	foreign			none of these
 *
 * Advice: every headline has a built-in text (policy_default_advice());
 * opts.advice[h] replaces it. In either, "%w" becomes the window in whole
 * minutes, "%c" that minus one (at least 1: "check mail every %c minutes")
 * and "%%" a percent sign.
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

/*
 * X-macro: headline, name. The order is the priority. The default advice
 * lives in policy.c (policy_default_advice()).
 */
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
	int		 empty_or_foreign;	/* senders <> or not local
						   (unknown ones: neither) */
	int		 tricks;	/* recipients with open-relay tricks */
	int		 failed_logins;
	double		 per_minute;	/* attempts per minute, peak: the
					   most in [t, t + 60) */
	int		 score;
	int		 flagged;
};

/*
 * The probe score of a window's figures (A = attempts, D = domains, S =
 * score below; a value <= 0 means its default):
 *
 *	score = max(100 * attempts / A, 100 * domains / D)
 *	      + 100				if any open-relay trick
 *	      + min(25, 5 * failed_logins)
 *	      + min(20, 5 * empty_or_foreign)
 *	      + min(20, 5 * (senders - 1))	if senders > 1
 *	      + min(25, 5 * (per_minute - 1))	if per_minute >= 2
 *
 * flagged = tricks > 0
 *	  || (attempts >= 2 && (attempts >= A || domains >= D || score >= S))
 *
 * So one plain attempt is never flagged (whatever the weights add up to),
 * one attempt with a trick always is, A attempts or D recipient domains in
 * a window are, and the other signals (failed logins, empty or foreign
 * senders, many senders, a high rate) push a smaller burst over S. With
 * the defaults the extras add at most 90, so 2 attempts never reach 100.
 */
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

/*
 * Defaults for everything: no domains, no networks, no exceptions, popauth
 * on, window 15m, services pop3 and imap (static storage), probes 1h, 10
 * attempts, 5 domains, score 100, the built-in advice.
 */
void	 policy_opts_init(struct policy_opts *);

/* The built-in advice text of a headline, with %w and %c unexpanded. */
const char *policy_default_advice(enum policy_headline);
/*
 * Writes the advice of headline h (opts.advice[h] or the built-in text)
 * into buf, %w and %c expanded, truncated to size - 1 bytes.
 */
void	 policy_advice(const struct policy_opts *, enum policy_headline h,
	    char *buf, size_t size);

struct policy_evidence {
	struct policy_denial	 denial;
	const struct policy_login *ip_logins;	/* ok and failed, from
						   denial.ip, time <=
						   denial.time, oldest
						   first: the failed ones of
						   the window before, and
						   at least the latest ok
						   one of a popauth
						   service */
	size_t			 n_ip_logins;
	const struct policy_login *user_logins;	/* ok logins of the sender's
						   user (login name = the
						   sender or its local
						   part), any ip, any
						   service, time <=
						   denial.time, oldest first;
						   only needed when the
						   sender is local */
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
						   other ips (popauth
						   services), when the
						   sender is local */
		int64_t		 last_login_id;
		const char	*last_ip;
		int64_t		 last_time;
	}			 roaming;
	int			 user_logins;	/* ok logins of the sender's
						   user on record (any ip,
						   any service), when the
						   sender is local */
	int			 failed_logins;	/* same ip, within window */
	int64_t			 last_failed_login_id;
	int			 in_relay_networks;
	/* Covering ip: the active one at denial.time, else the one that
	   stopped covering it last (expires or revoked <= denial.time);
	   NULL: none. Active when created <= time < expires (0: never) and
	   not revoked at or before time. */
	const struct policy_exception *exception;
	int64_t			 expired_by;	/* class expired: seconds
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
 * /24 or /48) inside a window. Fills score and flagged from the other
 * figures (formula at struct policy_probe_opts). One plain attempt is
 * never flagged; one attempt with an open-relay trick always is.
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
 * Slides the probe window over one IP's events: flagged[i] is set (1) for
 * every denial i that lies in any window [t, t + opts.probe.window] whose
 * figures are flagged (so the first attempts of a burst are probes too),
 * and cleared otherwise (failed logins are never set); best gets the
 * figures of the flagged window with the highest score, or of the
 * highest-scoring window when none is flagged (best->flagged tells), all
 * zero when n is 0. flagged has n entries. Events should come oldest
 * first; any order gives the same answer (they are sorted, O(n log n)).
 * Allocates (x* allocators) and frees before returning.
 */
void	 policy_probe_sweep(const struct policy_opts *,
	    const struct policy_probe_event *, size_t n, unsigned char *flagged,
	    struct policy_probe *best);

/*
 * --- streaming verdicts (stream.c) -------------------------------------
 *
 * The verdicts of many denials in one pass, for `report`: the same
 * evidence class, headline and probe flag as policy_diagnose() and
 * policy_probe_sweep() give each denial on its own (as `why` asks them),
 * without a query per denial. The protocol:
 *
 *	policy_stream_range(&opts, since, until, &from, &to);
 *	ps = policy_stream_new(&opts, since, until, &hooks);
 *	for each relay denial and login (ok or failed) in [from, to],
 *	    oldest first (within one second, any order):
 *		policy_stream_login(ps, &login) or policy_stream_denial(ps, &d);
 *	policy_stream_finish(ps);
 *	policy_stream_verdicts(ps, &v) ... policy_stream_free(ps);
 *
 * What it keeps: per address, the latest ok login of a popauth service and
 * the latest failed login (so a login in the denial's second counts as
 * earlier: the denials of a second are judged once the stream has moved
 * past it); per login name, whether it has an ok login of any service and
 * one of a popauth service (roaming only decides the class when no popauth
 * login from the denial's address exists at all, so then any of the
 * user's popauth logins came from elsewhere); per address, the probe
 * events (denials and failed logins from since - probe.window to until +
 * probe.window), swept by policy_probe_sweep() at the end, which sets the
 * probe flag of each denial and turns its headline into probe when no
 * configuration-fault or popauth headline comes first (POLICY_HEADLINES
 * order). Each denial's headline comes from policy_diagnose() over that
 * state, so the two paths cannot drift apart.
 *
 * History: with since set, what happened before from (a login long ago,
 * for expired and roaming) is asked through the hooks, once per address
 * or login name and only when the stream has not answered it already.
 * Hooks return 0, or -1 on error (the caller keeps its own cause); the
 * engine then returns -1 from the call that needed them. With since 0 the
 * scan starts at the beginning and the hooks are never called (they may
 * be NULL).
 *
 * Only the denials in [since, until] (0: open) get verdicts; the others
 * are probe events. Strings in verdicts are the engine's, valid until
 * policy_stream_free().
 */
struct policy_stream;

struct policy_stream_hooks {
	/* The latest ok login from ip before `before` of one of the popauth
	   services: *found 1 and *time, or *found 0. */
	int	(*ip_history)(void *arg, const char *ip, int64_t before,
		    int *found, int64_t *time);
	/* Ok logins of the login name user (exactly) before `before`: any
	   service (*any_ok), a popauth service (*popauth_ok). */
	int	(*user_history)(void *arg, const char *user, int64_t before,
		    int *any_ok, int *popauth_ok);
	void	*arg;
};

struct policy_stream_verdict {
	int64_t		 id;
	int64_t		 time;
	int		 temporary;
	const char	*ip;		/* "" when none */
	const char	*sender;	/* NULL: unknown; "": <> */
	const char	*mta;
	enum policy_class evidence_class;
	enum policy_headline headline;
	int		 probe;
};

/*
 * The events to feed for denials in [since, until] (0: open): from (0:
 * the beginning) = since - the larger of the popauth and probe windows,
 * to (0: the end) = until + the probe window.
 */
void	 policy_stream_range(const struct policy_opts *, int64_t since,
	    int64_t until, int64_t *from, int64_t *to);
/* opts and hooks must outlive the stream. hooks may be NULL (since 0). */
struct policy_stream *policy_stream_new(const struct policy_opts *,
	    int64_t since, int64_t until, const struct policy_stream_hooks *);
/* Return 0, or -1 when a hook failed. Strings are copied. */
int	 policy_stream_login(struct policy_stream *,
	    const struct policy_login *);
int	 policy_stream_denial(struct policy_stream *,
	    const struct policy_denial *);
/* Judges what is pending and sweeps the probe windows: 0 or -1. */
int	 policy_stream_finish(struct policy_stream *);
/* The verdicts, in the order fed (oldest first). */
size_t	 policy_stream_verdicts(const struct policy_stream *,
	    const struct policy_stream_verdict **);
/*
 * The probe figures of ip's worst window in the swept range (as
 * policy_probe_sweep()'s best), after finish; all zero when ip has no
 * denial in [since, until].
 */
void	 policy_stream_probe(const struct policy_stream *, const char *ip,
	    struct policy_probe *best);
void	 policy_stream_free(struct policy_stream *);

#endif
