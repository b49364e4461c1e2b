/*
 * query.c: the read-only queries of the diagnosis (store.h, "queries").
 *
 * Each statement is written so that an index serves it: the terms that
 * match a partial index's WHERE clause (ip IS NOT NULL, ...) are spelled
 * out, and every value is bound. Rows are copied into struct store_event
 * before the next step.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/common.h"
#include "store.h"
#include "store_int.h"

/* The columns every query selects, in this order (store_read_row()). */
#define COLS "id, time, kind, ip, user, sender, recipient, mta, service, " \
	"code, raw"

/* The kinds, as numbers in SQL (bound, to keep them in one place). */
#define KIND_TERM "kind IN (?8, ?9)"

int
store_q_cause(struct store *st, char **cause, const char *what)
{
	return set_cause(cause, "database: %s: %s", what,
	    sqlite3_errmsg(store_sqlite(st)));
}

int
store_q_prepare(struct store *st, const char *sql, sqlite3_stmt **s,
    char **cause)
{
	if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, s, NULL) !=
	    SQLITE_OK) {
		*s = NULL;
		return store_q_cause(st, cause, "cannot prepare a query");
	}
	return 0;
}

/* The stored ip (INTEGER, 16-byte BLOB or TEXT) as normalized text. */
void
store_column_ip(sqlite3_stmt *s, int i, char out[IP_TEXT_MAX])
{
	const unsigned char *b;
	int64_t	 v;
	char	*p;
	int	 k;

	out[0] = '\0';
	switch (sqlite3_column_type(s, i)) {
	case SQLITE_INTEGER:
		/* "%u.%u.%u.%u" without printf: it runs once a row. */
		v = sqlite3_column_int64(s, i);
		for (k = 24, p = out; k >= 0; k -= 8) {
			unsigned o = (unsigned)(v >> k & 0xff);

			if (o >= 100)
				*p++ = (char)('0' + o / 100);
			if (o >= 10)
				*p++ = (char)('0' + o / 10 % 10);
			*p++ = (char)('0' + o % 10);
			*p++ = k > 0 ? '.' : '\0';
		}
		break;
	case SQLITE_BLOB:
		b = sqlite3_column_blob(s, i);
		if (sqlite3_column_bytes(s, i) == 16)
			ip6_format(b, out);
		else
			out[0] = '\0';
		break;
	case SQLITE_TEXT:
		copy_field(out, IP_TEXT_MAX,
		    (const char *)sqlite3_column_text(s, i),
		    (size_t)sqlite3_column_bytes(s, i));
		break;
	}
}

void
store_column_str(sqlite3_stmt *s, int i, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	if (t == NULL)
		dst[0] = '\0';
	else
		copy_field(dst, size, (const char *)t,
		    (size_t)sqlite3_column_bytes(s, i));
}

/* The current row (columns COLS) into e; raw copied when with_raw. */
void
store_read_row(sqlite3_stmt *s, struct store_event *e, int with_raw)
{
	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(s, 0);
	e->time = sqlite3_column_int64(s, 1);
	e->kind = sqlite3_column_int(s, 2);
	store_column_ip(s, 3, e->ip);
	store_column_str(s, 4, e->user, sizeof(e->user));
	e->has_sender = sqlite3_column_type(s, 5) != SQLITE_NULL;
	store_column_str(s, 5, e->sender, sizeof(e->sender));
	store_column_str(s, 6, e->recipient, sizeof(e->recipient));
	store_column_str(s, 7, e->mta, sizeof(e->mta));
	store_column_str(s, 8, e->service, sizeof(e->service));
	e->code = sqlite3_column_int(s, 9);
	if (with_raw) {
		const unsigned char *t = sqlite3_column_text(s, 10);

		e->raw_len = (size_t)sqlite3_column_bytes(s, 10);
		e->raw = xstrndup(t != NULL ? (const char *)t : "",
		    t != NULL ? e->raw_len : 0);
	}
}

static struct store_event *
push(struct store_events *out)
{
	if (out->n == out->size) {
		out->size = out->size ? out->size * 2 : 16;
		out->v = xrealloc(out->v, out->size * sizeof(*out->v));
	}
	return &out->v[out->n++];
}

void
store_events_free(struct store_events *out)
{
	size_t	 i;

	for (i = 0; i < out->n; i++)
		free(out->v[i].raw);
	free(out->v);
	memset(out, 0, sizeof(*out));
}

/*
 * Steps s to the end, appending the rows to out; at most limit rows (0:
 * all). Finalizes s.
 */
static int
collect(struct store *st, sqlite3_stmt *s, struct store_events *out,
    int with_raw, int64_t limit, char **cause)
{
	int64_t	 n = 0;
	int	 rc = SQLITE_DONE;

	while ((limit == 0 || n < limit) &&
	    (rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_read_row(s, push(out), with_raw);
		n++;
	}
	if (limit != 0 && n == limit)
		rc = SQLITE_DONE;
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_q_cause(st, cause, "cannot read events");
	return 0;
}

/* Binds the time range ?6, ?7 and the kinds ?8, ?9. */
static void
bind_range(sqlite3_stmt *s, int64_t since, int64_t until, int k1, int k2)
{
	sqlite3_bind_int64(s, 6, since != 0 ? since : INT64_MIN);
	sqlite3_bind_int64(s, 7, until != 0 ? until : INT64_MAX);
	sqlite3_bind_int(s, 8, k1);
	sqlite3_bind_int(s, 9, k2);
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/*
 * Denials by sender: the whole address (?1) or, for STORE_BY_USER, any
 * address whose local part is the user: the range [user@, userA) (as
 * given ?2, ?3 and lower case ?4, ?5; '@' + 1 is 'A'). Both are ranges of
 * events_sender. "+time" keeps the planner off events_time, which it
 * would otherwise take for the OR of ranges.
 */
static const char sql_by_ip[] = "SELECT " COLS " FROM events WHERE "
    "ip = ?1 AND ip IS NOT NULL AND time >= ?6 AND time <= ?7 AND "
    KIND_TERM " ORDER BY time DESC, id DESC";
static const char sql_by_sender[] = "SELECT " COLS " FROM events WHERE "
    "sender = ?1 AND sender IS NOT NULL AND +time >= ?6 AND +time <= ?7 AND "
    KIND_TERM " ORDER BY time DESC, id DESC";
static const char sql_by_user[] = "SELECT " COLS " FROM events WHERE "
    "sender IS NOT NULL AND (sender = ?1 OR (sender >= ?2 AND sender < ?3) "
    "OR (sender >= ?4 AND sender < ?5)) AND +time >= ?6 AND +time <= ?7 AND "
    KIND_TERM " ORDER BY time DESC, id DESC";
static const char sql_by_id[] = "SELECT " COLS " FROM events WHERE "
    "id = ?1 AND time >= ?6 AND time <= ?7 AND " KIND_TERM;

int
store_denials(struct store *st, enum store_match how, const char *key,
    int64_t since, int64_t until, int64_t limit, struct store_events *out,
    char **cause)
{
	sqlite3_stmt *s;
	const char *sql = sql_by_id;
	char	 lo[EV_ADDR], hi[EV_ADDR], llo[EV_ADDR], lhi[EV_ADDR];
	char	*end;
	long long id;

	switch (how) {
	case STORE_BY_IP:
		sql = sql_by_ip;
		break;
	case STORE_BY_SENDER:
		sql = sql_by_sender;
		break;
	case STORE_BY_USER:
		sql = sql_by_user;
		break;
	case STORE_BY_ID:
		break;
	}
	if (store_q_prepare(st, sql, &s, cause) != 0)
		return -1;
	switch (how) {
	case STORE_BY_IP:
		store_bind_ip(s, 1, key);
		break;
	case STORE_BY_SENDER:
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		break;
	case STORE_BY_USER:
		snprintf(lo, sizeof(lo), "%s@", key);
		snprintf(hi, sizeof(hi), "%sA", key);
		memcpy(llo, lo, sizeof(llo));
		memcpy(lhi, hi, sizeof(lhi));
		lower(llo);
		lower(lhi);
		lhi[strlen(lhi) - 1] = 'A';
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, hi, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, llo, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, lhi, -1, SQLITE_STATIC);
		break;
	case STORE_BY_ID:
		id = strtoll(key, &end, 10);
		if (*end != '\0' || id <= 0) {
			sqlite3_finalize(s);
			return set_cause(cause, "'%s' is not an event id", key);
		}
		sqlite3_bind_int64(s, 1, id);
		break;
	}
	bind_range(s, since, until, EV_RELAY_DENIAL, EV_RELAY_DENIAL_TEMP);
	return collect(st, s, out, 1, limit, cause);
}

static int
time_cmp(const void *a, const void *b)
{
	const struct store_event *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
store_ip_logins(struct store *st, const char *ip, int64_t t, int64_t window,
    const char *const *services, size_t n_services,
    struct store_events *out, char **cause)
{
	sqlite3_stmt *s;
	size_t	 first = out->n, i, found = 0;
	unsigned char *seen;
	int	 rc;

	if (*ip == '\0')
		return 0;
	/* The window before: ok and failed. */
	if (store_q_prepare(st, "SELECT " COLS " FROM events WHERE ip = ?1 AND "
	    "ip IS NOT NULL AND time >= ?6 AND time <= ?7 AND " KIND_TERM
	    " ORDER BY time, id", &s, cause) != 0)
		return -1;
	store_bind_ip(s, 1, ip);
	bind_range(s, t - window, t, EV_LOGIN_OK, EV_LOGIN_FAILED);
	if (collect(st, s, out, 1, 0, cause) != 0)
		return -1;
	/* Before it, newest first: the latest ok login of each service. */
	if (store_q_prepare(st, "SELECT " COLS " FROM events WHERE ip = ?1 AND "
	    "ip IS NOT NULL AND time >= ?6 AND time <= ?7 AND " KIND_TERM
	    " ORDER BY time DESC, id DESC", &s, cause) != 0)
		return -1;
	store_bind_ip(s, 1, ip);
	bind_range(s, INT64_MIN + 1, t - window - 1, EV_LOGIN_OK,
	    EV_LOGIN_OK);
	seen = xcalloc(n_services + 1, 1);
	while (found < n_services && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *sv = sqlite3_column_text(s, 8);

		for (i = 0; sv != NULL && i < n_services; i++) {
			if (seen[i] ||
			    strcasecmp((const char *)sv, services[i]) != 0)
				continue;
			seen[i] = 1;
			found++;
			store_read_row(s, push(out), 1);
			break;
		}
	}
	if (found == n_services)
		rc = SQLITE_DONE;
	free(seen);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_q_cause(st, cause, "cannot read logins");
	if (out->n - first > 1)
		qsort(out->v + first, out->n - first, sizeof(*out->v),
		    time_cmp);
	return 0;
}

int
store_user_logins(struct store *st, const char *sender, int64_t t,
    int64_t limit, struct store_events *out, char **cause)
{
	sqlite3_stmt *s;
	char	 forms[4][EV_ADDR];
	size_t	 first = out->n, i, n, keep;

	if (sender == NULL || *sender == '\0')
		return 0;
	n = login_forms(sender, forms);
	for (i = 0; i < n; i++) {
		if (store_q_prepare(st, "SELECT " COLS " FROM events WHERE "
		    "user = ?1 AND user IS NOT NULL AND time >= ?6 AND "
		    "time <= ?7 AND " KIND_TERM " ORDER BY time DESC", &s,
		    cause) != 0)
			return -1;
		sqlite3_bind_text(s, 1, forms[i], -1, SQLITE_STATIC);
		bind_range(s, 0, t, EV_LOGIN_OK, EV_LOGIN_OK);
		if (collect(st, s, out, 1, limit, cause) != 0)
			return -1;
	}
	if (out->n - first > 1)
		qsort(out->v + first, out->n - first, sizeof(*out->v),
		    time_cmp);
	/* The latest limit rows over all the forms. */
	if (limit > 0 && out->n - first > (size_t)limit) {
		keep = (size_t)limit;
		for (i = first; i < out->n - keep; i++)
			free(out->v[i].raw);
		memmove(out->v + first, out->v + out->n - keep,
		    keep * sizeof(*out->v));
		out->n = first + keep;
	}
	return 0;
}

/* The logins of one form of a user, by ip and service (events_user_time). */
static const char sql_login_ips[] = "SELECT ip, service, min(time), "
    "max(time), count(*), sum(kind = ?10) FROM events WHERE user = ?1 AND "
    "user IS NOT NULL AND time >= ?6 AND time <= ?7 AND " KIND_TERM
    " GROUP BY ip, service";

static int
login_ip_cmp(const void *a, const void *b)
{
	const struct store_login_ip *x = a, *y = b;

	if (x->last != y->last)
		return x->last > y->last ? -1 : 1;
	return strcmp(x->ip, y->ip);
}

int
store_user_login_ips(struct store *st, const char *user, int64_t since,
    int64_t until, struct store_login_ips *out, char **cause)
{
	sqlite3_stmt *s;
	char	 forms[4][EV_ADDR], ip[IP_TEXT_MAX], sv[16];
	struct store_login_ip *r;
	size_t	 i, j, k, n;
	int	 rc;

	if (user == NULL || *user == '\0')
		return 0;
	n = login_forms(user, forms);
	for (i = 0; i < n; i++) {
		if (store_q_prepare(st, sql_login_ips, &s, cause) != 0)
			return -1;
		sqlite3_bind_text(s, 1, forms[i], -1, SQLITE_STATIC);
		bind_range(s, since, until, EV_LOGIN_OK, EV_LOGIN_FAILED);
		sqlite3_bind_int(s, 10, EV_LOGIN_FAILED);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			store_column_ip(s, 0, ip);
			store_column_str(s, 1, sv, sizeof(sv));
			for (j = 0; j < out->n; j++)
				if (strcmp(out->v[j].ip, ip) == 0)
					break;
			if (j == out->n) {
				if (out->n == out->size) {
					out->size = out->size ?
					    out->size * 2 : 16;
					out->v = xrealloc(out->v, out->size *
					    sizeof(*out->v));
				}
				r = &out->v[out->n++];
				memset(r, 0, sizeof(*r));
				memcpy(r->ip, ip, sizeof(r->ip));
				r->first = INT64_MAX;
				r->last = INT64_MIN;
			}
			r = &out->v[j];
			if (sqlite3_column_int64(s, 2) < r->first)
				r->first = sqlite3_column_int64(s, 2);
			if (sqlite3_column_int64(s, 3) > r->last)
				r->last = sqlite3_column_int64(s, 3);
			r->count += sqlite3_column_int64(s, 4);
			r->failed += sqlite3_column_int64(s, 5);
			for (k = 0; k < r->n_services; k++)
				if (strcmp(r->services[k], sv) == 0)
					break;
			if (k == r->n_services && sv[0] != '\0' &&
			    k < ARRAY_LEN(r->services))
				memcpy(r->services[r->n_services++], sv,
				    sizeof(sv));
		}
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return store_q_cause(st, cause, "cannot read logins");
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), login_ip_cmp);
	return 0;
}

void
store_login_ips_free(struct store_login_ips *out)
{
	free(out->v);
	memset(out, 0, sizeof(*out));
}

/* Denials (5xx, 4xx) and failed logins: ?8, ?9 and the literal 5. */
static const char sql_probe_ip[] = "SELECT " COLS " FROM events WHERE "
    "ip = ?1 AND ip IS NOT NULL AND time >= ?6 AND time <= ?7 AND "
    "(kind IN (?8, ?9) OR kind = ?10) ORDER BY time, id";

int
store_probe_events(struct store *st, const char *ip, int64_t from,
    int64_t to, struct store_events *out, char **cause)
{
	sqlite3_stmt *s;

	if (*ip == '\0')
		return 0;
	if (store_q_prepare(st, sql_probe_ip, &s, cause) != 0)
		return -1;
	store_bind_ip(s, 1, ip);
	bind_range(s, from, to, EV_RELAY_DENIAL, EV_RELAY_DENIAL_TEMP);
	sqlite3_bind_int(s, 10, EV_LOGIN_FAILED);
	return collect(st, s, out, 0, 0, cause);
}

int
store_probe_scan(struct store *st, int64_t since, int64_t until,
    int (*fn)(const struct store_event *, void *), void *arg, char **cause)
{
	sqlite3_stmt *s;

	/*
	 * In ip order: events_ip_time gives it without a sort when the
	 * range is most of the table; the planner picks events_time and a
	 * sort when it is a small part.
	 */
	if (store_q_prepare(st, "SELECT " COLS " FROM events WHERE "
	    "ip IS NOT NULL AND time >= ?6 AND time <= ?7 AND "
	    "(kind IN (?8, ?9) OR kind = ?10) ORDER BY ip, time, id", &s,
	    cause) != 0)
		return -1;
	bind_range(s, since, until, EV_RELAY_DENIAL, EV_RELAY_DENIAL_TEMP);
	sqlite3_bind_int(s, 10, EV_LOGIN_FAILED);
	return store_each_row(st, s, fn, arg, cause);
}

int
store_each_row(struct store *st, sqlite3_stmt *s,
    int (*fn)(const struct store_event *, void *), void *arg, char **cause)
{
	struct store_event *e = xmalloc(sizeof(*e));
	int	 rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_read_row(s, e, 0);
		if (fn(e, arg) != 0)
			break;
	}
	sqlite3_finalize(s);
	free(e);
	if (rc == SQLITE_ROW)
		return -1;
	if (rc != SQLITE_DONE)
		return store_q_cause(st, cause, "cannot read events");
	return 0;
}
