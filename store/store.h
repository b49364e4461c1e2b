/*
 * store.h: the SQLite file.
 *
 * One file in WAL mode with a busy timeout, so an ingest, consoles and
 * exports run at once. store_open() creates the schema or migrates it
 * forward (PRAGMA user_version); a file from a newer relayscope is refused.
 *
 * Ingest protocol, exactly once:
 *
 *	store_begin(st)
 *	store_put(st, source_id, next, arg)	-- events of lines [a, b)
 *	store_checkpoint(st, &src)		-- src.offset = b
 *	store_commit(st)
 *
 * The checkpoint and the events it covers commit in one transaction, so a
 * crash at any moment leaves either both or neither. A source is known by
 * its content: the hash of its first KiB (store_source_lookup), so a
 * renamed, copied or compressed file is the same source.
 *
 * Bulk loads: once a session has stored 50,000 events and a sixteenth of
 * what the table held, the indexes with random keys (IP, sender, domain,
 * user) are dropped, and built again by store_close() or by
 * store_build_indexes() (ingest calls it once a followed file or a pipe
 * has caught up). A session that writes and finds one missing (a
 * new file, a killed bulk load) builds it the same way. Readers get the
 * same answers meanwhile, slower; the index by time is always there.
 *
 * How store_put() stores an event (table events, schema 3):
 *	time		UTC seconds
 *	kind		enum event_kind
 *	ip		IPv4 as the INTEGER a<<24 | b<<16 | c<<8 | d, IPv6 as
 *			its 16 bytes (BLOB), anything else as TEXT
 *	user, recipient, mta, service
 *			TEXT as in struct event; NULL when empty
 *	sender		TEXT when has_sender ('' for <>), else NULL
 *	rcpt_domain	the domain of recipient, lowercased
 *	code		INTEGER; NULL for 0
 *	source_id	the source; offset: the byte offset of the line
 *	detail		what the rule read that no query selects on, as a
 *			JSON object of the members that are set (store_put
 *			makes it): method, status, client_host, helo, rule;
 *			NULL when none is. SQLite's json_extract() reads
 *			them. The envelope (host, program, pid,
 *			fraction of a second) starts raw: rows upgraded from
 *			schema 1 have it in detail too, new ones do not.
 *	raw		the line as read (raw_len bytes)
 * Schemas 1 and 2 had the members of detail as columns of their own.
 *
 * Errors: every function returns 0 (or a count) or -1 with an allocated
 * cause; nothing here prints. Strings returned in structs are copies owned
 * by the caller's struct (fixed arrays), valid after the next query.
 */
#ifndef RS_STORE_H
#define RS_STORE_H

#include <stdint.h>

#include "../parser/parser.h"

#define STORE_HEAD 1024		/* bytes of a source that identify it */
#define STORE_SCHEMA 3

struct store;

enum store_flags {
	STORE_READONLY = 1 << 0,	/* never create or migrate */
	STORE_BACKGROUND = 1 << 1,	/* checkpoint the WAL on a thread of
					   its own: for long writes (ingest) */
	STORE_MAPPED = 1 << 2,		/* read through a memory map: for
					   lookups of scattered rows */
};

struct store *store_open(const char *path, int flags, char **cause);
void	 store_close(struct store *);

int	 store_begin(struct store *, char **cause);
int	 store_commit(struct store *, char **cause);
/*
 * A reader's snapshot: every query between the two sees the database as it
 * was at the first, whatever an ingest commits meanwhile.
 */
int	 store_snapshot(struct store *, char **cause);
void	 store_snapshot_end(struct store *);
void	 store_rollback(struct store *);

struct store_source {
	int64_t	 id;		/* 0: not stored yet */
	char	 ident[33];	/* hex hash of the first head_len bytes */
	int64_t	 head_len;
	int64_t	 offset;	/* bytes of the source already stored */
	int64_t	 lines;		/* lines already stored */
	int64_t	 unmatched;	/* of them, lines that look like a denial
				   or a login that no rule read */
	char	 name[512];
};

/*
 * Finds the source whose content starts as head[0..len) does: either the
 * same first KiB, or a source first seen shorter whose bytes this head
 * begins with (a small file that grew). Returns 1 and fills src, 0 when
 * unknown (src gets a fresh identity), -1 on error.
 */
int	 store_source_lookup(struct store *, const void *head, size_t len,
	    struct store_source *src, char **cause);
/*
 * Inserts src (id 0) or updates its name, identity, offset, lines and
 * unmatched lines.
 */
int	 store_checkpoint(struct store *, struct store_source *, char **cause);

/*
 * An event as store_put() takes it: its strings by pointer and length
 * (not NUL-terminated), as the writer thread of ingest has them.
 */
struct store_text {
	const char	*s;
	size_t		 len;
};

struct store_row {
	int64_t		 time, offset;
	int		 kind, code, has_sender;
	struct store_text ip;		/* its 4 (IPv4) or 16 (IPv6) bytes,
					   as struct event's ip_bin; len 0:
					   none */
	struct store_text user, sender, recipient, mta, service, raw;
	/* what detail holds (see above) */
	struct store_text method, status, client_host, helo, rule;
};

/*
 * Stores the events that next() gives, one by one, until it returns 0
 * (1: *row is the next one; its strings stay valid until store_put()
 * returns). One statement stores them all: the writer thread of ingest
 * spends about a third less CPU on a row than with a statement for each.
 */
typedef int (*store_next_fn)(void *arg, struct store_row *row);
int	 store_put(struct store *, int64_t source_id, store_next_fn next,
	    void *arg, char **cause);
/*
 * Outside a transaction: builds now the indexes a bulk load left to build
 * (0 at once when there are none). For ingest --follow when it has caught
 * up, so that the wait does not fall on its next transaction.
 */
int	 store_build_indexes(struct store *, char **cause);

/* Deletes events older than before; *n gets how many. */
int	 store_purge(struct store *, int64_t before, int64_t *n, char **cause);
int	 store_meta_get(struct store *, const char *key, char *buf,
	    size_t size, char **cause);
int	 store_meta_set(struct store *, const char *key, const char *value,
	    char **cause);

#define STORE_MAX_SERVICES 16
struct store_stats {
	int64_t	 events[EV__COUNT];
	struct {
		char	 mta[16];
		int64_t	 n;
	}	 relay_by_mta[16];
	int	 n_relay_by_mta;
	struct {
		char	 service[16];
		int64_t	 n;
	}	 login_ok_by_service[STORE_MAX_SERVICES];
	int	 n_login_ok_by_service;
	int64_t	 sources;
	int64_t	 first_event, last_event;	/* 0 when empty */
	int64_t	 bytes_ingested, lines_ingested;
};
int	 store_stats(struct store *, struct store_stats *, char **cause);


/*
 * --- queries (query.c) ---------------------------------------------------
 *
 * Read-only, for the diagnosis of relay denials (policy/): each returns
 * plain structs with the strings copied out, so the results outlive the
 * statement. Every query is backed by an index (by ip and time, sender,
 * user and time, or id), and binds its parameters: no SQL is built from
 * log data. Times are UTC seconds; since and until are inclusive, 0 for
 * either means open; limit 0 means no limit.
 */

/* One event as the queries give it. */
struct store_event {
	int64_t	 id;
	int64_t	 time;
	int	 kind;			/* enum event_kind */
	int	 has_sender;		/* sender known (may be "": <>) */
	int	 code;
	char	 ip[IP_TEXT_MAX];	/* normalized text, "" when none */
	char	 user[EV_TEXT];
	char	 sender[EV_ADDR];
	char	 recipient[EV_ADDR];
	char	 mta[16];
	char	 service[16];
	char	*raw;			/* the line, NUL-terminated; NULL
					   where a query says so */
	size_t	 raw_len;
};

struct store_events {
	struct store_event *v;
	size_t	 n, size;
};
/* Frees the rows (and their raw lines) and empties the list. */
void	 store_events_free(struct store_events *);

enum store_match {
	STORE_BY_IP,		/* key: a normalized address */
	STORE_BY_SENDER,	/* key: the sender address, exactly */
	STORE_BY_USER,		/* key: a login name: senders equal to it or
				   to it@anything (as given or lower case) */
	STORE_BY_ID,		/* key: an event id in decimal */
};

/*
 * The relay denials (relay_denial and relay_denial_temporary) matching
 * key, newest first, appended to out (with raw).
 */
int	 store_denials(struct store *, enum store_match, const char *key,
	    int64_t since, int64_t until, int64_t limit, struct store_events *,
	    char **cause);
/*
 * The logins (ok and failed) from ip at or before t, oldest first, appended
 * to out (with raw): all of those in [t - window, t], and before that the
 * latest ok one of each of the services (what policy_evidence.ip_logins
 * needs).
 */
int	 store_ip_logins(struct store *, const char *ip, int64_t t,
	    int64_t window, const char *const *services, size_t n_services,
	    struct store_events *, char **cause);
/*
 * The ok logins at or before t of the user a sender address names (login
 * name = the whole address or its local part; as given and in lower case),
 * from any address, oldest first, appended to out (with raw); at most
 * limit (0: all), the latest ones kept.
 */
int	 store_user_logins(struct store *, const char *sender, int64_t t,
	    int64_t limit, struct store_events *, char **cause);
/*
 * The logins (ok and failed) in [since, until] of a user (login name = the
 * key as given, and for an address also its local part; as given and in
 * lower case), one row per ip: first and last seen, how many, how many
 * failed, the services (at most 8). Added to out, which is then sorted
 * newest last seen first.
 */
struct store_login_ip {
	char	 ip[IP_TEXT_MAX];	/* "" when none */
	int64_t	 first, last;
	int64_t	 count, failed;
	char	 services[8][16];
	size_t	 n_services;
};
struct store_login_ips {
	struct store_login_ip *v;
	size_t	 n, size;
};
int	 store_user_login_ips(struct store *, const char *user,
	    int64_t since, int64_t until, struct store_login_ips *,
	    char **cause);
void	 store_login_ips_free(struct store_login_ips *);
/*
 * The probe events of ip (relay denials and failed logins) in [from, to],
 * oldest first, appended to out (raw NULL).
 */
int	 store_probe_events(struct store *, const char *ip, int64_t from,
	    int64_t to, struct store_events *, char **cause);
/*
 * Every probe event (relay denials and failed logins, with an ip) in
 * [since, until], ordered by the stored ip (IPv4 numerically, then other
 * text, then IPv6 bytewise: a /24 or /48 is one run) and time, passed one
 * by one to fn (raw NULL); fn returns 0 to go on, -1 to stop (the call
 * then returns -1, cause untouched).
 */
int	 store_probe_scan(struct store *, int64_t since, int64_t until,
	    int (*fn)(const struct store_event *, void *), void *arg,
	    char **cause);

/*
 * --- report (report.c) ---------------------------------------------------
 *
 * What `relayscope report` reads: one ordered scan of the relay denials and
 * logins over events_time, the history before it that the streaming
 * verdicts (policy.h) ask for, and the ingest health. Read-only, bound
 * parameters, strings copied as in the queries above.
 */

/*
 * Every relay denial (5xx, 4xx) and login (ok, failed) in [from, to] (0:
 * open), oldest first (by time; within a second in any order), passed one
 * by one to fn with only id, time, kind, ip, user, sender (has_sender),
 * recipient, mta, service and code filled (raw NULL); fn returns 0 to go
 * on, -1 to stop (the call then returns -1, cause untouched).
 */
int	 store_report_scan(struct store *, int64_t from, int64_t to,
	    int (*fn)(const struct store_event *, void *), void *arg,
	    char **cause);
/*
 * The history before a scan, for the streaming verdicts' hooks: one
 * handle keeps its two statements prepared for the many calls of a run.
 * services (the popauth ones) must outlive it.
 */
struct store_prior;
struct store_prior *store_prior_open(struct store *,
	    const char *const *services, size_t n_services, char **cause);
void	 store_prior_close(struct store_prior *);
/*
 * The latest ok login from ip before `before` whose service is one of the
 * services (any case): *found 1 and *time, or *found 0 (events_ip_time).
 */
int	 store_prior_ip(struct store_prior *, const char *ip, int64_t before,
	    int *found, int64_t *time, char **cause);
/*
 * Whether the login name user (exactly) has an ok login before `before`
 * of any service (*any_ok) and of one of the services (*popauth_ok),
 * newest first until both are known (events_user_time).
 */
int	 store_prior_user(struct store_prior *, const char *user,
	    int64_t before, int *any_ok, int *popauth_ok, char **cause);

/* Ingest health: what the database records of its own filling. */
struct store_health {
	int64_t	 first_event, last_event;	/* 0 when empty */
	int64_t	 sources;
	int64_t	 lines_ingested, bytes_ingested;
	int64_t	 last_ingest;		/* latest source checkpoint; 0: none */
	int64_t	 last_purge;		/* meta last_purge; 0: never */
	int64_t	 unmatched;		/* lines that look like a denial or
					   a login that no rule read; -1:
					   not counted (schema 1) */
	int64_t	 unmatched_since;	/* counted from then on (sources
					   came before the count); 0: all */
};
int	 store_report_health(struct store *, struct store_health *,
	    char **cause);

#endif
