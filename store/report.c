/*
 * report.c: the reads of `relayscope report` (store.h, "report"): one scan
 * of the denials and logins in time order over events_time, the history
 * the streaming verdicts ask for (events_ip_time, events_user_time), and
 * the ingest health. Every value is bound; rows are copied out before the
 * next step, the same way (and with the same truncation) as query.c.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/common.h"
#include "store.h"
#include "store_int.h"

/*
 * events_time serves the range and the order; the kinds are checked on
 * the row. With both ends open the range is still written out (bound to
 * the extremes), so the plan is the same for every call.
 */
static const char sql_scan[] = "SELECT id, time, kind, ip, user, sender, "
    "recipient, mta, service, code FROM events WHERE time >= ?1 AND "
    "time <= ?2 AND kind IN (?3, ?4, ?5, ?6) ORDER BY time";

int
store_report_scan(struct store *st, int64_t from, int64_t to,
    int (*fn)(const struct store_event *, void *), void *arg, char **cause)
{
	sqlite3_stmt *s;

	if (store_q_prepare(st, sql_scan, &s, cause) != 0)
		return -1;
	sqlite3_bind_int64(s, 1, from != 0 ? from : INT64_MIN);
	sqlite3_bind_int64(s, 2, to != 0 ? to : INT64_MAX);
	sqlite3_bind_int(s, 3, EV_RELAY_DENIAL);
	sqlite3_bind_int(s, 4, EV_RELAY_DENIAL_TEMP);
	sqlite3_bind_int(s, 5, EV_LOGIN_OK);
	sqlite3_bind_int(s, 6, EV_LOGIN_FAILED);
	return store_each_row(st, s, fn, arg, cause);
}

static int
service_in(const unsigned char *sv, const char *const *services, size_t n)
{
	size_t	 i;

	for (i = 0; sv != NULL && i < n; i++) {
		if (services[i] != NULL &&
		    strcasecmp((const char *)sv, services[i]) == 0)
			return 1;
	}
	return 0;
}

struct store_prior {
	struct store	*st;
	const char *const *services;
	size_t		 n_services;
	sqlite3_stmt	*ip, *user;
};

struct store_prior *
store_prior_open(struct store *st, const char *const *services,
    size_t n_services, char **cause)
{
	struct store_prior *p = xcalloc(1, sizeof(*p));

	p->st = st;
	p->services = services;
	p->n_services = n_services;
	if (store_q_prepare(st, "SELECT time, service FROM events WHERE ip = ?1 AND "
	    "ip IS NOT NULL AND time < ?2 AND kind = ?3 ORDER BY time DESC",
	    &p->ip, cause) != 0 ||
	    store_q_prepare(st, "SELECT service FROM events WHERE user = ?1 AND "
	    "user IS NOT NULL AND time < ?2 AND kind = ?3 ORDER BY time DESC",
	    &p->user, cause) != 0) {
		store_prior_close(p);
		return NULL;
	}
	return p;
}

void
store_prior_close(struct store_prior *p)
{
	if (p == NULL)
		return;
	sqlite3_finalize(p->ip);
	sqlite3_finalize(p->user);
	free(p);
}

/*
 * Steps s, bound to a subject and a time, to the latest login of a
 * POP-before-SMTP service (column svc): *popauth 1 and, when time is not
 * NULL, *time its time (column 0). *any tells whether there was any login.
 */
static int
latest_popauth(struct store_prior *p, sqlite3_stmt *s, int svc, int *any,
    int *popauth, int64_t *time, char **cause)
{
	int	 rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*any = 1;
		if (service_in(sqlite3_column_text(s, svc), p->services,
		    p->n_services)) {
			*popauth = 1;
			if (time != NULL)
				*time = sqlite3_column_int64(s, 0);
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return store_q_cause(p->st, cause, "cannot read logins");
	return 0;
}

int
store_prior_ip(struct store_prior *p, const char *ip, int64_t before,
    int *found, int64_t *time, char **cause)
{
	int	 any = 0;

	*found = 0;
	*time = 0;
	if (*ip == '\0' || p->n_services == 0)
		return 0;
	sqlite3_reset(p->ip);
	store_bind_ip(p->ip, 1, ip);
	sqlite3_bind_int64(p->ip, 2, before);
	sqlite3_bind_int(p->ip, 3, EV_LOGIN_OK);
	return latest_popauth(p, p->ip, 1, &any, found, time, cause);
}

int
store_prior_user(struct store_prior *p, const char *user, int64_t before,
    int *any_ok, int *popauth_ok, char **cause)
{
	*any_ok = *popauth_ok = 0;
	if (*user == '\0')
		return 0;
	sqlite3_reset(p->user);
	sqlite3_bind_text(p->user, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p->user, 2, before);
	sqlite3_bind_int(p->user, 3, EV_LOGIN_OK);
	return latest_popauth(p, p->user, 0, any_ok, popauth_ok, NULL, cause);
}

int
store_report_health(struct store *st, struct store_health *h, char **cause)
{
	sqlite3_stmt *s;
	char	 buf[32];
	int	 rc;

	memset(h, 0, sizeof(*h));
	/* min and max of time: two seeks on events_time. */
	/* Schema 1 (read before the next ingest migrates it) counts none. */
	if (store_q_prepare(st, store_schema(st) >= 2 ?
	    "SELECT (SELECT min(time) FROM events), "
	    "(SELECT max(time) FROM events), (SELECT count(*) FROM sources), "
	    "(SELECT total(lines) FROM sources), "
	    "(SELECT total(offset) FROM sources), "
	    "(SELECT max(last_ingest) FROM sources), "
	    "(SELECT total(unmatched) FROM sources)" :
	    "SELECT (SELECT min(time) FROM events), "
	    "(SELECT max(time) FROM events), (SELECT count(*) FROM sources), "
	    "(SELECT total(lines) FROM sources), "
	    "(SELECT total(offset) FROM sources), "
	    "(SELECT max(last_ingest) FROM sources), -1", &s, cause) != 0)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		h->first_event = sqlite3_column_int64(s, 0);
		h->last_event = sqlite3_column_int64(s, 1);
		h->sources = sqlite3_column_int64(s, 2);
		h->lines_ingested = (int64_t)sqlite3_column_double(s, 3);
		h->bytes_ingested = (int64_t)sqlite3_column_double(s, 4);
		h->last_ingest = sqlite3_column_int64(s, 5);
		h->unmatched = (int64_t)sqlite3_column_double(s, 6);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_q_cause(st, cause, "cannot read the sources");
	if ((rc = store_meta_get(st, "last_purge", buf, sizeof(buf),
	    cause)) < 0)
		return -1;
	if (rc > 0)
		h->last_purge = strtoll(buf, NULL, 10);
	if ((rc = store_meta_get(st, "unmatched_since", buf, sizeof(buf),
	    cause)) < 0)
		return -1;
	if (rc > 0)
		h->unmatched_since = strtoll(buf, NULL, 10);
	return 0;
}
