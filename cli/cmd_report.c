/*
 * cmd_report.c: `relayscope report`: every relay denial of a time range
 * counted by headline, evidence class and MTA, by day and hour, with the
 * customers most affected, the probing IPs and networks and the ingest
 * health; as text, JSON or CSV.
 *
 * One pass: store_report_scan() gives the denials and logins oldest first
 * and policy_stream (policy.h, "streaming verdicts") judges each denial
 * exactly as `why` would, without a query per denial. The tables are
 * then built in memory from the verdicts.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "../policy/policy.h"
#include "../store/store.h"

static const char report_usage[] =
    "usage: relayscope [--config FILE] report [--json | --csv] [--since T]\n"
    "                  [--until T] [--limit N]\n"
    "\n"
    "Every relay denial (5xx and 4xx, every MTA) of the range, diagnosed as\n"
    "`why` does: by headline, by evidence class and MTA, by day and by hour\n"
    "(UTC); the customers most affected (local senders, probes left out);\n"
    "the probing IPs and their /24 (IPv4) or /48 (IPv6) networks; the\n"
    "ingest health (first and last event, sources, lines, last ingest and\n"
    "purge, unmatched lines: those that look like a denial or a login\n"
    "but that no rule read; `rules test` lists them).\n"
    "\n"
    "  --json      one JSON object for scripts (times UTC, ISO 8601):\n"
    "              by_headline (every headline), evidence_class_by_mta\n"
    "              (postfix, sendmail, exim, courier, other), by_day,\n"
    "              by_hour, customers, probe_ips, probe_networks, ingest\n"
    "  --csv       one table with the header\n"
    "                section,key,detail,count,probe,score,first,last\n"
    "              and one row per figure; filter on section:\n"
    "                summary        key denials|temporary|logins_ok|\n"
    "                               logins_failed; count; probe; first, last\n"
    "                headline       key a headline; count\n"
    "                class          key an evidence class; count\n"
    "                class_by_mta   key an MTA, detail a class; count\n"
    "                day            key YYYY-MM-DD; count, probe\n"
    "                hour           key 00..23; count, probe\n"
    "                customer       key the sender, detail its most frequent\n"
    "                               headline; count, first, last\n"
    "                probe_ip       key the IP, detail its network; count\n"
    "                               (its probe denials), score, first, last\n"
    "                probe_network  key the network, detail its probing\n"
    "                               IPs; count, first, last\n"
    "                health         key a name, detail its value\n"
    "              Fields are quoted as RFC 4180 says; a text field that\n"
    "              starts with = + - @ (a spreadsheet formula) gets a\n"
    "              leading ' so that it stays text. Times are UTC.\n"
    "  --since T   only denials at or after T: 2026-11-22,\n"
    "              2026-11-22T17:00:00Z, or a duration back from now (7d)\n"
    "  --until T   only denials at or before T (a date alone: its end)\n"
    "  --limit N   at most N customers, probing IPs and networks; 0: all\n"
    "              (default: 20 as text, all with --json and --csv)\n"
    "\n"
    "With no --since/--until it covers the whole database. The settings\n"
    "(local_domains, relay_networks, popauth, probe thresholds) come from\n"
    "config.yaml at the time of asking.\n";

/* The MTAs the report always names, as stats does; others are "other". */
static const char *const mtas[] = {
	"postfix", "sendmail", "exim", "courier", "other"
};
#define N_MTAS ARRAY_LEN(mtas)

enum { OUT_TEXT, OUT_JSON, OUT_CSV };

/* One ranked row: a customer, a probing IP or a network. */
struct rank {
	const char	*key;		/* customer: owned; else borrowed */
	char		 net[IP_TEXT_MAX + 8];
	int64_t		 count, first, last;
	int64_t		 ips;		/* networks */
	int		 score;		/* probing IPs */
	int64_t		 by_headline[H__COUNT];
};

struct ranks {
	struct rank	*v;
	size_t		 n, size;
};

struct day {
	int64_t		 day;		/* days since the epoch */
	int64_t		 count, temporary, probe;
};

struct report {
	int64_t		 since, until;
	int64_t		 n, temporary, probe;
	int64_t		 first, last;	/* of the denials */
	int64_t		 logins_ok, logins_failed;
	int64_t		 by_headline[H__COUNT];
	int64_t		 by_class[PC__COUNT];
	int64_t		 class_by_mta[N_MTAS][PC__COUNT];
	struct day	*days;
	size_t		 n_days;
	int64_t		 hours[24], hours_probe[24];
	struct ranks	 customers, ips, nets;
	struct store_health health;
};

/* What the scan callback and the history hooks share. */
struct ctx {
	struct store	*st;
	struct store_prior *prior;
	const struct policy_opts *o;
	struct policy_stream *ps;
	int64_t		 since, until;
	int64_t		 logins_ok, logins_failed;
	char		*cause;
};

static int
hook_ip(void *arg, const char *ip, int64_t before, int *found, int64_t *t)
{
	struct ctx *c = arg;

	return store_prior_ip(c->prior, ip, before, found, t, &c->cause);
}

static int
hook_user(void *arg, const char *user, int64_t before, int *any, int *pop)
{
	struct ctx *c = arg;

	return store_prior_user(c->prior, user, before, any, pop, &c->cause);
}

static int
feed(const struct store_event *e, void *arg)
{
	struct ctx *c = arg;
	struct policy_denial d;
	struct policy_login l;
	int	 in_range = (c->since == 0 || e->time >= c->since) &&
	    (c->until == 0 || e->time <= c->until);

	if (e->kind == EV_LOGIN_OK || e->kind == EV_LOGIN_FAILED) {
		if (in_range && e->kind == EV_LOGIN_OK)
			c->logins_ok++;
		else if (in_range)
			c->logins_failed++;
		memset(&l, 0, sizeof(l));
		l.id = e->id;
		l.time = e->time;
		l.ok = e->kind == EV_LOGIN_OK;
		l.ip = e->ip;
		l.user = e->user;
		l.service = e->service;
		return policy_stream_login(c->ps, &l);
	}
	memset(&d, 0, sizeof(d));
	d.id = e->id;
	d.time = e->time;
	d.temporary = e->kind == EV_RELAY_DENIAL_TEMP;
	d.ip = e->ip;
	d.sender = e->has_sender ? e->sender : NULL;
	d.recipient = e->recipient;
	d.mta = e->mta;
	return policy_stream_denial(c->ps, &d);
}

/* --- the tables ---------------------------------------------------------- */

static size_t
mta_index(const char *mta)
{
	size_t	 i;

	for (i = 0; i + 1 < N_MTAS; i++) {
		if (strcmp(mta, mtas[i]) == 0)
			return i;
	}
	return N_MTAS - 1;
}

static int64_t
day_of(int64_t t)
{
	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

static struct rank *
rank_push(struct ranks *r)
{
	if (r->n == r->size) {
		r->size = r->size ? r->size * 2 : 64;
		r->v = xrealloc(r->v, r->size * sizeof(*r->v));
	}
	memset(&r->v[r->n], 0, sizeof(r->v[0]));
	return &r->v[r->n++];
}

static void
rank_count(struct rank *r, int64_t t)
{
	if (r->count == 0 || t < r->first)
		r->first = t;
	if (r->count == 0 || t > r->last)
		r->last = t;
	r->count++;
}

/* Most first; then the latest; then by name. */
static int
rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->last != y->last)
		return x->last > y->last ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* A verdict index with the key it is grouped by. */
struct keyed {
	const char	*key;
	size_t		 i;
};

static int
keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int	 c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

static char *
lower_dup(const char *s)
{
	char	*d = xstrdup(s), *p;

	for (p = d; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	return d;
}

/* The headline a customer met most (the first in priority on a tie). */
static enum policy_headline
top_headline(const struct rank *r)
{
	int	 h, best = H_FOREIGN;

	for (h = H__COUNT - 1; h >= 0; h--) {
		if (r->by_headline[h] >= r->by_headline[best])
			best = h;
	}
	return (enum policy_headline)best;
}

static void
build(struct report *r, const struct policy_opts *o,
    const struct policy_stream *ps, const struct policy_stream_verdict *v,
    size_t n)
{
	struct keyed	*k;
	struct rank	*cur = NULL;
	struct policy_probe best;
	size_t		 i, m, mi;

	for (i = 0; i < n; i++) {
		const struct policy_stream_verdict *d = &v[i];
		int64_t	 day = day_of(d->time);
		int	 hour = (int)((d->time - day * 86400) / 3600);

		if (r->n == 0 || d->time < r->first)
			r->first = d->time;
		if (r->n == 0 || d->time > r->last)
			r->last = d->time;
		r->n++;
		r->temporary += d->temporary;
		r->probe += d->headline == H_PROBE;
		r->by_headline[d->headline]++;
		r->by_class[d->evidence_class]++;
		r->class_by_mta[mta_index(d->mta)][d->evidence_class]++;
		/* Fed oldest first: a new day is the last one or a new one. */
		if (r->n_days == 0 || r->days[r->n_days - 1].day != day) {
			r->days = xrealloc(r->days,
			    (r->n_days + 1) * sizeof(*r->days));
			memset(&r->days[r->n_days], 0, sizeof(*r->days));
			r->days[r->n_days++].day = day;
		}
		r->days[r->n_days - 1].count++;
		r->days[r->n_days - 1].temporary += d->temporary;
		r->days[r->n_days - 1].probe += d->headline == H_PROBE;
		r->hours[hour]++;
		r->hours_probe[hour] += d->headline == H_PROBE;
	}

	/* Customers: local senders, the probes' forged ones left out. */
	k = xcalloc(n + 1, sizeof(*k));
	for (i = 0, m = 0; i < n; i++) {
		if (v[i].headline == H_PROBE || v[i].sender == NULL ||
		    !policy_is_local(o, v[i].sender))
			continue;
		k[m].key = lower_dup(v[i].sender);
		k[m++].i = i;
	}
	if (m > 1)
		qsort(k, m, sizeof(*k), keyed_cmp);
	for (mi = 0; mi < m; mi++) {
		if (cur == NULL || strcmp(cur->key, k[mi].key) != 0) {
			cur = rank_push(&r->customers);
			cur->key = k[mi].key;
		} else
			free((char *)k[mi].key);
		rank_count(cur, v[k[mi].i].time);
		cur->by_headline[v[k[mi].i].headline]++;
	}
	if (r->customers.n > 1)
		qsort(r->customers.v, r->customers.n,
		    sizeof(*r->customers.v), rank_cmp);

	/* Probing IPs: those with denials flagged as probes in the range. */
	for (i = 0, m = 0, cur = NULL; i < n; i++) {
		if (v[i].headline != H_PROBE || v[i].ip[0] == '\0')
			continue;
		k[m].key = v[i].ip;
		k[m++].i = i;
	}
	if (m > 1)
		qsort(k, m, sizeof(*k), keyed_cmp);
	for (mi = 0; mi < m; mi++) {
		if (cur == NULL || strcmp(cur->key, k[mi].key) != 0) {
			cur = rank_push(&r->ips);
			cur->key = k[mi].key;
			ip_network_of(cur->key, cur->net, sizeof(cur->net));
			policy_stream_probe(ps, cur->key, &best);
			cur->score = best.score;
		}
		rank_count(cur, v[k[mi].i].time);
	}
	free(k);

	/* Their networks. */
	k = xcalloc(r->ips.n + 1, sizeof(*k));
	for (i = 0, m = 0, cur = NULL; i < r->ips.n; i++) {
		if (r->ips.v[i].net[0] == '\0')
			continue;
		k[m].key = r->ips.v[i].net;
		k[m++].i = i;
	}
	if (m > 1)
		qsort(k, m, sizeof(*k), keyed_cmp);
	for (mi = 0; mi < m; mi++) {
		const struct rank *ip = &r->ips.v[k[mi].i];

		if (cur == NULL || strcmp(cur->key, k[mi].key) != 0) {
			cur = rank_push(&r->nets);
			cur->key = k[mi].key;
			cur->first = ip->first;
			cur->last = ip->last;
		}
		if (ip->first < cur->first)
			cur->first = ip->first;
		if (ip->last > cur->last)
			cur->last = ip->last;
		cur->count += ip->count;
		cur->ips++;
	}
	free(k);
	/* The networks point into the IPs' rows: sort the IPs after. */
	for (i = 0; i < r->nets.n; i++) {
		char	*key = xstrdup(r->nets.v[i].key);

		r->nets.v[i].key = key;
	}
	if (r->nets.n > 1)
		qsort(r->nets.v, r->nets.n, sizeof(*r->nets.v), rank_cmp);
	if (r->ips.n > 1)
		qsort(r->ips.v, r->ips.n, sizeof(*r->ips.v), rank_cmp);
}

static void
report_release(struct report *r)
{
	size_t	 i;

	for (i = 0; i < r->customers.n; i++)
		free((char *)r->customers.v[i].key);
	for (i = 0; i < r->nets.n; i++)
		free((char *)r->nets.v[i].key);
	free(r->customers.v);
	free(r->ips.v);
	free(r->nets.v);
	free(r->days);
}

/* How many rows of a ranked list to show: all, or at most limit. */
static size_t
shown(const struct ranks *r, int64_t limit)
{
	return limit > 0 && (size_t)limit < r->n ? (size_t)limit : r->n;
}

/*
 * The days from the first denial's to the last's, those without denials
 * included (a chart wants them); only the days with denials when that
 * would be more than ten years of rows.
 */
static size_t
day_rows(const struct report *r, struct day **out)
{
	size_t	 i, j, span;

	if (r->n_days == 0) {
		*out = NULL;
		return 0;
	}
	span = (size_t)(r->days[r->n_days - 1].day - r->days[0].day + 1);
	if (span > 3660) {
		*out = xcalloc(r->n_days, sizeof(**out));
		memcpy(*out, r->days, r->n_days * sizeof(**out));
		return r->n_days;
	}
	*out = xcalloc(span, sizeof(**out));
	for (i = 0, j = 0; i < span; i++) {
		(*out)[i].day = r->days[0].day + (int64_t)i;
		if (j < r->n_days && r->days[j].day == (*out)[i].day)
			(*out)[i] = r->days[j++];
	}
	return span;
}

static void
fmt_day(int64_t day, char *buf, size_t size)
{
	char	 t[32];

	fmt_iso_utc(day * 86400, t, sizeof(t));
	copy_field(buf, size, t, 10);
}

/* --- JSON ---------------------------------------------------------------- */

/* A time, or null for 0 (none). */
static void
js_time(struct strbuf *sb, int64_t t, int have)
{
	char	 buf[32];

	if (!have) {
		sb_addstr(sb, "null");
		return;
	}
	fmt_iso_utc(t, buf, sizeof(buf));
	sb_json_quoted(sb, buf);
}

static void
json_counts(struct strbuf *sb, const int64_t *n, int count, int classes)
{
	int	 i;

	sb_addstr(sb, "{");
	for (i = 0; i < count; i++) {
		sb_addf(sb, "%s\"%s\": %lld", i ? ", " : "", classes ?
		    policy_class_name((enum policy_class)i) :
		    policy_headline_name((enum policy_headline)i),
		    (long long)n[i]);
	}
	sb_addstr(sb, "}");
}

static void
json_report(struct strbuf *sb, const struct report *r, int64_t limit)
{
	const struct store_health *h = &r->health;
	struct day *days;
	size_t	 i, j, nd;

	sb_addstr(sb, "{\"since\": ");
	js_time(sb, r->since, r->since != 0);
	sb_addstr(sb, ", \"until\": ");
	js_time(sb, r->until, r->until != 0);
	sb_addstr(sb, ", \"first_denial\": ");
	js_time(sb, r->first, r->n > 0);
	sb_addstr(sb, ", \"last_denial\": ");
	js_time(sb, r->last, r->n > 0);
	sb_addf(sb, ", \"denials\": %lld, \"temporary\": %lld, \"probe\": %lld, "
	    "\"logins_ok\": %lld, \"logins_failed\": %lld, \"by_headline\": ",
	    (long long)r->n, (long long)r->temporary, (long long)r->probe,
	    (long long)r->logins_ok, (long long)r->logins_failed);
	json_counts(sb, r->by_headline, H__COUNT, 0);
	sb_addstr(sb, ", \"by_class\": ");
	json_counts(sb, r->by_class, PC__COUNT, 1);
	sb_addstr(sb, ", \"evidence_class_by_mta\": {");
	for (i = 0; i < N_MTAS; i++) {
		sb_addf(sb, "%s\"%s\": ", i ? ", " : "", mtas[i]);
		json_counts(sb, r->class_by_mta[i], PC__COUNT, 1);
	}
	sb_addstr(sb, "}, \"by_day\": [");
	nd = day_rows(r, &days);
	for (i = 0; i < nd; i++) {
		char	 d[16];

		fmt_day(days[i].day, d, sizeof(d));
		sb_addf(sb, "%s{\"day\": \"%s\", \"denials\": %lld, "
		    "\"temporary\": %lld, \"probe\": %lld}", i ? ", " : "", d,
		    (long long)days[i].count, (long long)days[i].temporary,
		    (long long)days[i].probe);
	}
	free(days);
	sb_addstr(sb, "], \"by_hour\": [");
	for (i = 0; i < 24; i++)
		sb_addf(sb, "%s{\"hour\": %zu, \"denials\": %lld, "
		    "\"probe\": %lld}", i ? ", " : "", i,
		    (long long)r->hours[i], (long long)r->hours_probe[i]);
	sb_addstr(sb, "], \"customers\": [");
	for (i = 0; i < shown(&r->customers, limit); i++) {
		const struct rank *c = &r->customers.v[i];
		int	 first = 1;

		sb_addstr(sb, i ? ", {\"sender\": " : "{\"sender\": ");
		sb_json_quoted(sb, c->key);
		sb_addf(sb, ", \"denials\": %lld, \"headline\": \"%s\", "
		    "\"by_headline\": {", (long long)c->count,
		    policy_headline_name(top_headline(c)));
		for (j = 0; j < H__COUNT; j++) {
			if (c->by_headline[j] == 0)
				continue;
			sb_addf(sb, "%s\"%s\": %lld", first ? "" : ", ",
			    policy_headline_name((enum policy_headline)j),
			    (long long)c->by_headline[j]);
			first = 0;
		}
		sb_addstr(sb, "}, \"first\": ");
		js_time(sb, c->first, 1);
		sb_addstr(sb, ", \"last\": ");
		js_time(sb, c->last, 1);
		sb_addstr(sb, "}");
	}
	sb_addstr(sb, "], \"probe_ips\": [");
	for (i = 0; i < shown(&r->ips, limit); i++) {
		const struct rank *p = &r->ips.v[i];

		sb_addstr(sb, i ? ", {\"ip\": " : "{\"ip\": ");
		sb_json_quoted(sb, p->key);
		sb_addstr(sb, ", \"network\": ");
		if (p->net[0] != '\0')
			sb_json_quoted(sb, p->net);
		else
			sb_addstr(sb, "null");
		sb_addf(sb, ", \"denials\": %lld, \"score\": %d, \"first\": ",
		    (long long)p->count, p->score);
		js_time(sb, p->first, 1);
		sb_addstr(sb, ", \"last\": ");
		js_time(sb, p->last, 1);
		sb_addstr(sb, "}");
	}
	sb_addstr(sb, "], \"probe_networks\": [");
	for (i = 0; i < shown(&r->nets, limit); i++) {
		const struct rank *p = &r->nets.v[i];

		sb_addstr(sb, i ? ", {\"network\": " : "{\"network\": ");
		sb_json_quoted(sb, p->key);
		sb_addf(sb, ", \"ips\": %lld, \"denials\": %lld, \"first\": ",
		    (long long)p->ips, (long long)p->count);
		js_time(sb, p->first, 1);
		sb_addstr(sb, ", \"last\": ");
		js_time(sb, p->last, 1);
		sb_addstr(sb, "}");
	}
	sb_addstr(sb, "], \"ingest\": {\"first_event\": ");
	js_time(sb, h->first_event, h->last_event != 0);
	sb_addstr(sb, ", \"last_event\": ");
	js_time(sb, h->last_event, h->last_event != 0);
	sb_addf(sb, ", \"sources\": %lld, \"lines_ingested\": %lld, "
	    "\"bytes_ingested\": %lld, \"last_ingest\": ",
	    (long long)h->sources, (long long)h->lines_ingested,
	    (long long)h->bytes_ingested);
	js_time(sb, h->last_ingest, h->last_ingest != 0);
	sb_addstr(sb, ", \"last_purge\": ");
	js_time(sb, h->last_purge, h->last_purge != 0);
	sb_addstr(sb, ", \"unmatched_lines\": ");
	if (h->unmatched >= 0)
		sb_addf(sb, "%lld", (long long)h->unmatched);
	else
		sb_addstr(sb, "null");
	sb_addstr(sb, ", \"unmatched_since\": ");
	js_time(sb, h->unmatched_since, h->unmatched_since != 0);
	sb_addstr(sb, "}}\n");
}

/* --- CSV ----------------------------------------------------------------- */

/*
 * One text field: sanitized as for the terminal (control bytes shown as
 * \xNN, invalid UTF-8 as U+FFFD), a leading = + - @ made text with a ',
 * and quoted (RFC 4180) when it holds a comma, a quote or a blank at an
 * end.
 */
static void
csv_text(struct strbuf *sb, const char *s)
{
	char	*buf = NULL;
	size_t	 len = 0, i;
	FILE	*f;
	int	 quote;

	if ((f = open_memstream(&buf, &len)) == NULL) {
		sb_addstr(sb, "\"?\"");
		return;
	}
	fput_sanitized(f, s, strlen(s));
	fclose(f);
	quote = strpbrk(buf, ",\"") != NULL ||
	    (len > 0 && (buf[0] == ' ' || buf[len - 1] == ' '));
	if (quote)
		sb_addstr(sb, "\"");
	if (strchr("=+-@", buf[0]) != NULL && buf[0] != '\0')
		sb_addstr(sb, "'");
	for (i = 0; i < len; i++) {
		if (buf[i] == '"')
			sb_addstr(sb, "\"");
		sb_add(sb, &buf[i], 1);
	}
	if (quote)
		sb_addstr(sb, "\"");
	free(buf);
}

/*
 * A row: section, key, detail (text; NULL: empty), count, probe, score
 * (-1: empty), first, last (0 with have 0: empty).
 */
static void
csv_row(struct strbuf *sb, const char *section, const char *key,
    const char *detail, int64_t count, int64_t probe, int64_t score,
    int64_t first, int64_t last, int have)
{
	char	 t[32];

	sb_addf(sb, "%s,", section);
	csv_text(sb, key);
	sb_addstr(sb, ",");
	if (detail != NULL)
		csv_text(sb, detail);
	sb_addstr(sb, ",");
	if (count >= 0)
		sb_addf(sb, "%lld", (long long)count);
	sb_addstr(sb, ",");
	if (probe >= 0)
		sb_addf(sb, "%lld", (long long)probe);
	sb_addstr(sb, ",");
	if (score >= 0)
		sb_addf(sb, "%lld", (long long)score);
	sb_addstr(sb, ",");
	if (have) {
		fmt_iso_utc(first, t, sizeof(t));
		sb_addf(sb, "%s,", t);
		fmt_iso_utc(last, t, sizeof(t));
		sb_addstr(sb, t);
	} else
		sb_addstr(sb, ",");
	sb_addstr(sb, "\r\n");
}

static void
csv_health(struct strbuf *sb, const char *key, int64_t v, int is_time,
    int have)
{
	char	 buf[32];

	if (!have)
		copy_field(buf, sizeof(buf), "", 0);
	else if (is_time)
		fmt_iso_utc(v, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%lld", (long long)v);
	csv_row(sb, "health", key, buf, -1, -1, -1, 0, 0, 0);
}

static void
csv_report(struct strbuf *sb, const struct report *r, int64_t limit)
{
	const struct store_health *h = &r->health;
	struct day *days;
	char	 d[16], num[24];
	size_t	 i, j, nd;

	sb_addstr(sb, "section,key,detail,count,probe,score,first,last\r\n");
	csv_row(sb, "summary", "denials", NULL, r->n, r->probe, -1, r->first,
	    r->last, r->n > 0);
	csv_row(sb, "summary", "temporary", NULL, r->temporary, -1, -1, 0, 0,
	    0);
	csv_row(sb, "summary", "logins_ok", NULL, r->logins_ok, -1, -1, 0, 0,
	    0);
	csv_row(sb, "summary", "logins_failed", NULL, r->logins_failed, -1,
	    -1, 0, 0, 0);
	for (i = 0; i < H__COUNT; i++)
		csv_row(sb, "headline",
		    policy_headline_name((enum policy_headline)i), NULL,
		    r->by_headline[i], -1, -1, 0, 0, 0);
	for (i = 0; i < PC__COUNT; i++)
		csv_row(sb, "class", policy_class_name((enum policy_class)i),
		    NULL, r->by_class[i], -1, -1, 0, 0, 0);
	for (i = 0; i < N_MTAS; i++)
		for (j = 0; j < PC__COUNT; j++)
			csv_row(sb, "class_by_mta", mtas[i],
			    policy_class_name((enum policy_class)j),
			    r->class_by_mta[i][j], -1, -1, 0, 0, 0);
	nd = day_rows(r, &days);
	for (i = 0; i < nd; i++) {
		fmt_day(days[i].day, d, sizeof(d));
		csv_row(sb, "day", d, NULL, days[i].count, days[i].probe, -1,
		    0, 0, 0);
	}
	free(days);
	for (i = 0; i < 24; i++) {
		snprintf(d, sizeof(d), "%02zu", i);
		csv_row(sb, "hour", d, NULL, r->hours[i], r->hours_probe[i],
		    -1, 0, 0, 0);
	}
	for (i = 0; i < shown(&r->customers, limit); i++) {
		const struct rank *c = &r->customers.v[i];

		csv_row(sb, "customer", c->key,
		    policy_headline_name(top_headline(c)), c->count, -1, -1,
		    c->first, c->last, 1);
	}
	for (i = 0; i < shown(&r->ips, limit); i++) {
		const struct rank *p = &r->ips.v[i];

		csv_row(sb, "probe_ip", p->key, p->net, p->count, -1,
		    p->score, p->first, p->last, 1);
	}
	for (i = 0; i < shown(&r->nets, limit); i++) {
		const struct rank *p = &r->nets.v[i];

		snprintf(num, sizeof(num), "%lld", (long long)p->ips);
		csv_row(sb, "probe_network", p->key, num, p->count, -1, -1,
		    p->first, p->last, 1);
	}
	csv_health(sb, "first_event", h->first_event, 1, h->last_event != 0);
	csv_health(sb, "last_event", h->last_event, 1, h->last_event != 0);
	csv_health(sb, "sources", h->sources, 0, 1);
	csv_health(sb, "lines_ingested", h->lines_ingested, 0, 1);
	csv_health(sb, "bytes_ingested", h->bytes_ingested, 0, 1);
	csv_health(sb, "last_ingest", h->last_ingest, 1, h->last_ingest != 0);
	csv_health(sb, "last_purge", h->last_purge, 1, h->last_purge != 0);
	csv_health(sb, "unmatched_lines", h->unmatched, 0, h->unmatched >= 0);
	csv_health(sb, "unmatched_since", h->unmatched_since, 1,
	    h->unmatched_since != 0);
}

/* --- text ---------------------------------------------------------------- */

static void
put(const char *s)
{
	fput_sanitized(stdout, s, strlen(s));
}

static double
pct(int64_t n, int64_t of)
{
	return of > 0 ? 100.0 * (double)n / (double)of : 0.0;
}

/* A bar of up to 40 '#' for n out of max. */
static void
bar(int64_t n, int64_t max)
{
	int64_t	 w = max > 0 ? (n * 40 + max - 1) / max : 0;

	while (w-- > 0)
		putchar('#');
}

static void
text_more(const struct ranks *r, int64_t limit)
{
	if (shown(r, limit) < r->n)
		printf("  (%zu of %zu shown; --limit N for more)\n",
		    shown(r, limit), r->n);
}

static void
text_report(const struct report *r, int64_t limit)
{
	const struct store_health *h = &r->health;
	struct day *days;
	char	 a[32], b[32];
	int64_t	 max;
	size_t	 i, j, nd;

	if (r->since != 0 || r->until != 0) {
		if (r->since != 0)
			fmt_iso_utc(r->since, a, sizeof(a));
		else
			copy_field(a, sizeof(a), "the beginning", 13);
		if (r->until != 0)
			fmt_iso_utc(r->until, b, sizeof(b));
		else
			copy_field(b, sizeof(b), "now", 3);
		printf("relay denials from %s to %s\n", a, b);
	} else
		printf("relay denials in the whole database\n");
	if (r->n == 0) {
		printf("  none\n");
	} else {
		fmt_iso_utc(r->first, a, sizeof(a));
		fmt_iso_utc(r->last, b, sizeof(b));
		printf("  %lld denials (%lld temporary, %lld probes), %s .. %s\n",
		    (long long)r->n, (long long)r->temporary,
		    (long long)r->probe, a, b);
	}
	printf("  %lld successful and %lld failed logins in the same range\n",
	    (long long)r->logins_ok, (long long)r->logins_failed);

	printf("\nby headline\n");
	for (i = 0; i < H__COUNT; i++)
		printf("  %-22s %9lld %6.1f%%\n",
		    policy_headline_name((enum policy_headline)i),
		    (long long)r->by_headline[i],
		    pct(r->by_headline[i], r->n));

	printf("\nevidence class by MTA\n  %-10s", "");
	for (j = 0; j < PC__COUNT; j++)
		printf(" %9s", policy_class_name((enum policy_class)j));
	printf(" %9s\n", "total");
	for (i = 0; i < N_MTAS; i++) {
		int64_t	 t = 0;

		printf("  %-10s", mtas[i]);
		for (j = 0; j < PC__COUNT; j++) {
			printf(" %9lld", (long long)r->class_by_mta[i][j]);
			t += r->class_by_mta[i][j];
		}
		printf(" %9lld\n", (long long)t);
	}

	printf("\nby day (UTC)        denials    probes\n");
	nd = day_rows(r, &days);
	for (i = 0, max = 0; i < nd; i++)
		if (days[i].count > max)
			max = days[i].count;
	for (i = 0; i < nd; i++) {
		fmt_day(days[i].day, a, sizeof(a));
		printf("  %-14s %10lld %9lld  ", a, (long long)days[i].count,
		    (long long)days[i].probe);
		bar(days[i].count, max);
		printf("\n");
	}
	free(days);
	if (nd == 0)
		printf("  none\n");

	printf("\nby hour of day (UTC) denials    probes\n");
	for (i = 0, max = 0; i < 24; i++)
		if (r->hours[i] > max)
			max = r->hours[i];
	for (i = 0; i < 24; i++) {
		printf("  %02zu:00          %10lld %9lld  ", i,
		    (long long)r->hours[i], (long long)r->hours_probe[i]);
		bar(r->hours[i], max);
		printf("\n");
	}

	printf("\ncustomers most affected (local senders, probes left out)\n");
	if (r->customers.n == 0)
		printf("  none\n");
	else
		printf("  %7s  %-20s  %-20s  %s\n", "denials", "last (UTC)",
		    "mostly", "sender");
	for (i = 0; i < shown(&r->customers, limit); i++) {
		const struct rank *c = &r->customers.v[i];

		fmt_iso_utc(c->last, a, sizeof(a));
		printf("  %7lld  %-20s  %-20s  ", (long long)c->count, a,
		    policy_headline_name(top_headline(c)));
		put(c->key);
		printf("\n");
	}
	text_more(&r->customers, limit);

	printf("\nprobing IPs\n");
	if (r->ips.n == 0)
		printf("  none\n");
	else
		printf("  %7s  %5s  %-20s  %-20s  %s\n", "denials", "score",
		    "first (UTC)", "last (UTC)", "ip");
	for (i = 0; i < shown(&r->ips, limit); i++) {
		const struct rank *p = &r->ips.v[i];

		fmt_iso_utc(p->first, a, sizeof(a));
		fmt_iso_utc(p->last, b, sizeof(b));
		printf("  %7lld  %5d  %-20s  %-20s  ", (long long)p->count,
		    p->score, a, b);
		put(p->key);
		printf("\n");
	}
	text_more(&r->ips, limit);

	printf("\nprobing networks (/24, /48)\n");
	if (r->nets.n == 0)
		printf("  none\n");
	else
		printf("  %7s  %5s  %-20s  %-20s  %s\n", "denials", "IPs",
		    "first (UTC)", "last (UTC)", "network");
	for (i = 0; i < shown(&r->nets, limit); i++) {
		const struct rank *p = &r->nets.v[i];

		fmt_iso_utc(p->first, a, sizeof(a));
		fmt_iso_utc(p->last, b, sizeof(b));
		printf("  %7lld  %5lld  %-20s  %-20s  ", (long long)p->count,
		    (long long)p->ips, a, b);
		put(p->key);
		printf("\n");
	}
	text_more(&r->nets, limit);

	printf("\ningest health\n");
	if (h->last_event != 0) {
		fmt_iso_utc(h->first_event, a, sizeof(a));
		fmt_iso_utc(h->last_event, b, sizeof(b));
		printf("  events        %s .. %s\n", a, b);
	} else
		printf("  events        none\n");
	printf("  sources       %lld (%lld lines, %lld bytes)\n",
	    (long long)h->sources, (long long)h->lines_ingested,
	    (long long)h->bytes_ingested);
	if (h->last_ingest != 0) {
		fmt_iso_utc(h->last_ingest, a, sizeof(a));
		printf("  last ingest   %s\n", a);
	} else
		printf("  last ingest   never\n");
	if (h->last_purge != 0) {
		fmt_iso_utc(h->last_purge, a, sizeof(a));
		printf("  last purge    %s\n", a);
	} else
		printf("  last purge    never\n");
	if (h->unmatched < 0)
		printf("  unmatched     not counted yet (the next ingest "
		    "upgrades the database)\n");
	else {
		printf("  unmatched     %lld line%s", (long long)h->unmatched,
		    h->unmatched == 1 ? "" : "s");
		if (h->unmatched_since != 0) {
			fmt_iso_utc(h->unmatched_since, a, sizeof(a));
			printf(" since %s", a);
		}
		printf("%s\n", h->unmatched > 0 ? " (relayscope rules test FILE "
		    "lists them)" : "");
	}
}

/* --- the command ----------------------------------------------------------- */

static int
report_args(int argc, char **argv, int *out, int64_t *now, int64_t *since,
    int64_t *until, int64_t *limit)
{
	int	 i, took;

	*out = OUT_TEXT;
	*now = (int64_t)time(NULL);
	*since = *until = 0;
	*limit = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		took = cli_range_arg("report", argc, argv, &i, *now, since,
		    until, limit);
		if (took < 0)
			return EXIT_USAGE;
		if (took > 0)
			continue;
		if (strcmp(a, "--json") == 0 || strcmp(a, "--csv") == 0) {
			int	 want = a[2] == 'j' ? OUT_JSON : OUT_CSV;

			if (*out != OUT_TEXT && *out != want) {
				cli_error("report: --json or --csv, not both");
				return EXIT_USAGE;
			}
			*out = want;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(report_usage, stdout);
			return EXIT_OK;
		} else {
			cli_error("report: unknown argument '%s'%s", a,
			    strcmp(a, "--since") == 0 ||
			    strcmp(a, "--until") == 0 ||
			    strcmp(a, "--limit") == 0 ?
			    " (it needs a value)" : "");
			fputs(report_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (*since != 0 && *until != 0 && *until < *since) {
		cli_error("report: --until is before --since");
		return EXIT_USAGE;
	}
	if (*limit < 0)
		*limit = *out == OUT_TEXT ? 20 : 0;
	return -1;
}

int
cmd_report(struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	struct policy_opts o;
	struct policy_stream_hooks hooks;
	const struct policy_stream_verdict *v;
	struct report r;
	struct ctx c;
	struct strbuf sb;
	int64_t	 now, limit, from, to;
	size_t	 n;
	int	 out, rc;

	memset(&r, 0, sizeof(r));
	if ((rc = report_args(argc, argv, &out, &now, &r.since, &r.until,
	    &limit)) >= 0)
		return rc;
	if (cli_load_config(cli, &cfg) != 0)
		return EXIT_CONFIG;
	cli_policy_opts(&cfg, &o);
	memset(&c, 0, sizeof(c));
	c.o = &o;
	c.since = r.since;
	c.until = r.until;
	hooks.ip_history = hook_ip;
	hooks.user_history = hook_user;
	hooks.arg = &c;
	sb_init(&sb, 0);
	rc = EXIT_FAIL;
	if ((c.st = store_open(cfg.database, STORE_READONLY, &c.cause)) ==
	    NULL)
		goto out;
	/* The health's first event and the scan must see the same data. */
	if (store_snapshot(c.st, &c.cause) != 0 ||
	    store_report_health(c.st, &r.health, &c.cause) != 0 ||
	    (c.prior = store_prior_open(c.st, o.services, o.n_services,
	    &c.cause)) == NULL)
		goto out;
	/*
	 * The history before the scan comes from the hooks, an index lookup
	 * per address and login name. When little lies before the scan (less
	 * than a quarter of its span), reading it all is cheaper: the scan
	 * starts at the first event and there is no history to ask for.
	 */
	policy_stream_range(&o, r.since, r.until, &from, &to);
	if (from > r.health.first_event && from - r.health.first_event <=
	    ((to != 0 ? to : r.health.last_event) - from) / 4)
		from = r.health.first_event;
	c.ps = policy_stream_new(&o, r.since, r.until,
	    from <= r.health.first_event ? NULL : &hooks);
	if (store_report_scan(c.st, from, to, feed, &c, &c.cause) != 0 ||
	    policy_stream_finish(c.ps) != 0) {
		if (c.cause == NULL)
			c.cause = xstrdup("report: cannot read the database");
		goto out;
	}
	n = policy_stream_verdicts(c.ps, &v);
	r.logins_ok = c.logins_ok;
	r.logins_failed = c.logins_failed;
	build(&r, &o, c.ps, v, n);
	if (out == OUT_JSON) {
		json_report(&sb, &r, limit);
		fwrite(sb.buf, 1, sb.len, stdout);
	} else if (out == OUT_CSV) {
		csv_report(&sb, &r, limit);
		fwrite(sb.buf, 1, sb.len, stdout);
	} else
		text_report(&r, limit);
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK) {
		cli_error("%s", c.cause != NULL ? c.cause : "report failed");
		free(c.cause);
	}
	report_release(&r);
	sb_release(&sb);
	policy_stream_free(c.ps);
	store_prior_close(c.prior);
	if (c.st != NULL)
		store_snapshot_end(c.st);
	store_close(c.st);
	config_release(&cfg);
	return rc;
}
