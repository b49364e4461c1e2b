/*
 * cmd_why.c: `relayscope why IP|ADDRESS|USER|EVENT-ID`: the relay denials
 * that match, each diagnosed by policy_diagnose() under the current
 * config.yaml (computed at query time, so a changed window or domain list
 * answers under the new settings).
 *
 * Also the helpers the diagnosing commands share (cli.h): the policy
 * options from the configuration and the --since/--until times.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "../policy/policy.h"
#include "../store/store.h"

static const char why_usage[] =
    "usage: relayscope [--config FILE] why [--json] [--since T] [--until T]\n"
    "                  [--limit N] IP|ADDRESS|USER|EVENT-ID\n"
    "\n"
    "Explains the relay denials (5xx and 4xx, every MTA) that match, newest\n"
    "first: the client IP, the sender address (user@domain), the login name\n"
    "(denials whose sender is the user or user@any domain), or one event id\n"
    "(as the evidence lines show it, #N). Each denial gets a headline, the\n"
    "facts behind it (the last login from the IP, logins from elsewhere,\n"
    "failed logins, relay_networks, the probe score), the log lines that\n"
    "prove them and the advice to read to the customer.\n"
    "\n"
    "  --json      {\"denials\": [...]} for scripts (times UTC, ISO 8601)\n"
    "  --since T   only denials at or after T: 2026-11-22,\n"
    "              2026-11-22T17:00:00Z, or a duration back from now (2h, 7d)\n"
    "  --until T   only denials at or before T (a date alone: its end)\n"
    "  --limit N   at most N denials; 0: all (default: 20 as text, all\n"
    "              with --json)\n"
    "\n"
    "With no match it says so and exits 0 (--json: {\"denials\": []}).\n"
    "Times are UTC. The settings (local_domains, relay_networks, popauth,\n"
    "probes, advice) come from config.yaml at the time of asking.\n";

void
cli_policy_opts(const struct config *cfg, struct policy_opts *o)
{
	int	 h;

	policy_opts_init(o);
	o->local_domains = (const char *const *)cfg->local_domains;
	o->n_local_domains = cfg->n_local_domains;
	o->relay_networks = cfg->relay_networks;
	o->n_relay_networks = cfg->n_relay_networks;
	o->popauth_enabled = cfg->popauth_enabled;
	if (cfg->popauth_window > 0)
		o->window = cfg->popauth_window;
	if (cfg->n_popauth_services > 0) {
		o->services = (const char *const *)cfg->popauth_services;
		o->n_services = cfg->n_popauth_services;
	}
	/* probes: and advice: (config_load checked them; 0 or NULL: the
	   built-in default). */
	if (cfg->probe_window > 0)
		o->probe.window = cfg->probe_window;
	if (cfg->probe_attempts > 0)
		o->probe.attempts = cfg->probe_attempts;
	if (cfg->probe_domains > 0)
		o->probe.domains = cfg->probe_domains;
	if (cfg->probe_score > 0)
		o->probe.score = cfg->probe_score;
	for (h = 0; h < H__COUNT; h++)
		o->advice[h] = cfg->advice[h];
}

int
cli_range_arg(const char *cmd, int argc, char **argv, int *i, int64_t now,
    int64_t *since, int64_t *until, int64_t *limit)
{
	const char *a = argv[*i];
	char	*end;

	if ((strcmp(a, "--since") == 0 || strcmp(a, "--until") == 0) &&
	    *i + 1 < argc) {
		int	 u = a[2] == 'u';

		if (cli_parse_time(argv[++*i], u, now, u ? until : since) !=
		    0) {
			cli_error("%s: %s '%s': give a date (2026-11-22), a "
			    "time (2026-11-22T17:00:00Z) or a duration back "
			    "from now (2h, 7d)", cmd, a, argv[*i]);
			return -1;
		}
		return 1;
	}
	if (strcmp(a, "--limit") == 0 && *i + 1 < argc) {
		*limit = strtoll(argv[++*i], &end, 10);
		if (*end != '\0' || *limit < 0 || argv[*i][0] == '\0') {
			cli_error("%s: --limit '%s': give a number", cmd,
			    argv[*i]);
			return -1;
		}
		return 1;
	}
	return 0;
}

int
cli_query_args(const char *cmd, const char *usage, const char *what,
    int argc, char **argv, struct cli_query *q)
{
	int	 i;

	memset(q, 0, sizeof(*q));
	q->now = (int64_t)time(NULL);
	q->limit = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int	 took = cli_range_arg(cmd, argc, argv, &i, q->now,
		    &q->since, &q->until, &q->limit);

		if (took < 0)
			return EXIT_USAGE;
		if (took > 0)
			continue;
		if (strcmp(a, "--json") == 0)
			q->json = 1;
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return EXIT_OK;
		} else if ((a[0] == '-' && a[1] != '\0') || what == NULL) {
			cli_error("%s: unknown argument '%s'", cmd, a);
			fputs(usage, stderr);
			return EXIT_USAGE;
		} else if (q->arg != NULL) {
			cli_error("%s: one %s, not '%s' too", cmd, what, a);
			return EXIT_USAGE;
		} else
			q->arg = a;
	}
	if (what != NULL && (q->arg == NULL || *q->arg == '\0')) {
		cli_error("%s: give %s", cmd, what);
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (q->limit < 0)
		q->limit = q->json ? 0 : 20;
	return -1;
}

int
cli_parse_time(const char *s, int end, int64_t now, int64_t *out)
{
	int	 y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	int64_t	 dur;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10) {
		if (s[n] == '\0') {
			if (mo < 1 || mo > 12 || d < 1 || d > 31)
				return -1;
			*out = utc_from_civil(y, mo, d, 0, 0, 0) +
			    (end ? 86399 : 0);
			return 0;
		}
		if ((s[n] != 'T' && s[n] != ' ') ||
		    sscanf(s + n + 1, "%2d:%2d:%2d", &h, &mi, &sec) != 3)
			return -1;
		n += 9;
		if (s[n] == 'Z')
			n++;
		if (s[n] != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 ||
		    h > 23 || mi > 59 || sec > 60)
			return -1;
		*out = utc_from_civil(y, mo, d, h, mi, sec);
		return 0;
	}
	if (parse_duration(s, &dur) != 0 || dur < 0)
		return -1;
	*out = now - dur;
	return 0;
}

/* What the argument names. */
static int
classify(const char *arg, char *ip, enum store_match *how)
{
	size_t	 i;

	if (*arg == '\0')
		return -1;
	if (ip_normalize(arg, strlen(arg), ip) != 0) {
		*how = STORE_BY_IP;
		return 0;
	}
	for (i = 0; arg[i] >= '0' && arg[i] <= '9'; i++)
		;
	if (arg[i] == '\0' || (arg[0] == '#' && arg[1] != '\0' &&
	    arg[1 + strspn(arg + 1, "0123456789")] == '\0')) {
		*how = STORE_BY_ID;
		return 0;
	}
	*how = strchr(arg, '@') != NULL ? STORE_BY_SENDER : STORE_BY_USER;
	return 0;
}

/*
 * The evidence the denials of one command share, fetched once (why and
 * customer diagnose hundreds of denials of one IP or one sender):
 *
 *	- per distinct IP, its probe events (relay denials and failed
 *	  logins) over [first denial - W, last denial + W], W the probe
 *	  window: one query; and its logins as store_ip_logins() gives them
 *	  for the span [first denial - window, last denial]: two queries;
 *	- per distinct local sender, the ok logins of its user up to its
 *	  last denial: one query.
 *
 * A denial then takes its slice of each: the probe events in [t - W,
 * t + W] (every window that contains t lies inside), the IP's logins in
 * [t - window, t] and before that the latest ok one of each service, and
 * the user's logins at or before t: exactly the rows its own queries
 * would give,
 * so its verdict is the one it gets alone (cli_diagnose). The probe
 * sweep runs on that slice, once for each distinct slice: the denials of
 * a burst that fits in the window share one. Rows are sorted by time
 * and id, as the queries give them, and found by binary search.
 */
struct ip_evidence {
	const char		*ip;		/* points into a denial */
	int64_t			 first, last;	/* its denials' times */
	struct store_events	 ev;
	struct store_events	 logins;	/* oldest first */
	struct policy_probe_event *pe;
	unsigned char		*flagged;	/* of the slice swept last */
	size_t			 lo, hi;	/* that slice */
	struct policy_probe	 best;
	int			 swept;
};

struct user_evidence {
	const char		*sender;	/* points into a denial */
	int64_t			 last;
	struct store_events	 ev;
	struct policy_login	*pl;
};

struct batch {
	struct ip_evidence	*ips;		/* sorted by ip */
	size_t			 n_ips;
	struct user_evidence	*users;		/* sorted by sender */
	size_t			 n_users;
};

/* One denial, its own evidence rows, its share of the batch, its verdict. */
struct case_ {
	struct store_event	*d;
	struct store_events	 ip_logins;	/* owned */
	struct policy_login	*ipl;		/* owned */
	const struct user_evidence *user;	/* NULL: not a local sender */
	size_t			 n_user;	/* its rows at or before d */
	struct policy_probe	 probe;
	struct verdict		 v;
};

static void
to_logins(const struct store_events *e, struct policy_login **out)
{
	size_t	 i;

	*out = xcalloc(e->n + 1, sizeof(**out));
	for (i = 0; i < e->n; i++) {
		(*out)[i].id = e->v[i].id;
		(*out)[i].time = e->v[i].time;
		(*out)[i].ok = e->v[i].kind == EV_LOGIN_OK;
		(*out)[i].ip = e->v[i].ip;
		(*out)[i].user = e->v[i].user;
		(*out)[i].service = e->v[i].service;
	}
}

/* The first row in v[0..n) after (time, id), or n. */
static size_t
rows_after(const struct store_event *v, size_t n, int64_t time, int64_t id)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid].time < time || (v[mid].time == time &&
		    v[mid].id <= id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
ip_evidence_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ip_evidence *)a)->ip,
	    ((const struct ip_evidence *)b)->ip);
}

static int
user_evidence_cmp(const void *a, const void *b)
{
	return strcmp(((const struct user_evidence *)a)->sender,
	    ((const struct user_evidence *)b)->sender);
}

static struct ip_evidence *
batch_ip(const struct batch *b, const char *ip)
{
	struct ip_evidence key;

	if (*ip == '\0' || b->n_ips == 0)
		return NULL;
	key.ip = ip;
	return bsearch(&key, b->ips, b->n_ips, sizeof(*b->ips),
	    ip_evidence_cmp);
}

static struct user_evidence *
batch_user(const struct batch *b, const struct policy_opts *o,
    const struct store_event *d)
{
	struct user_evidence key;

	if (!d->has_sender || !policy_is_local(o, d->sender) ||
	    b->n_users == 0)
		return NULL;
	key.sender = d->sender;
	return bsearch(&key, b->users, b->n_users, sizeof(*b->users),
	    user_evidence_cmp);
}

static void
batch_free(struct batch *b)
{
	size_t	 i;

	for (i = 0; i < b->n_ips; i++) {
		store_events_free(&b->ips[i].ev);
		store_events_free(&b->ips[i].logins);
		free(b->ips[i].pe);
		free(b->ips[i].flagged);
	}
	free(b->ips);
	for (i = 0; i < b->n_users; i++) {
		store_events_free(&b->users[i].ev);
		free(b->users[i].pl);
	}
	free(b->users);
	memset(b, 0, sizeof(*b));
}

/*
 * The distinct IPs and local senders of d[0..n), with their time spans,
 * sorted and merged; then one query for each.
 */
static int
batch_open(struct store *st, const struct policy_opts *o,
    const struct store_event *d, size_t n, struct batch *b, char **cause)
{
	struct ip_evidence *ie;
	struct user_evidence *ue;
	size_t	 i, k, m;
	int64_t	 w = o->probe.window;

	memset(b, 0, sizeof(*b));
	b->ips = xcalloc(n + 1, sizeof(*b->ips));
	b->users = xcalloc(n + 1, sizeof(*b->users));
	for (i = 0; i < n; i++) {
		if (d[i].ip[0] != '\0') {
			ie = &b->ips[b->n_ips++];
			ie->ip = d[i].ip;
			ie->first = ie->last = d[i].time;
		}
		if (d[i].has_sender && policy_is_local(o, d[i].sender)) {
			ue = &b->users[b->n_users++];
			ue->sender = d[i].sender;
			ue->last = d[i].time;
		}
	}
	qsort(b->ips, b->n_ips, sizeof(*b->ips), ip_evidence_cmp);
	for (i = 0, m = 0; i < b->n_ips; i = k) {
		b->ips[m] = b->ips[i];
		for (k = i + 1; k < b->n_ips &&
		    strcmp(b->ips[k].ip, b->ips[i].ip) == 0; k++) {
			if (b->ips[k].first < b->ips[m].first)
				b->ips[m].first = b->ips[k].first;
			if (b->ips[k].last > b->ips[m].last)
				b->ips[m].last = b->ips[k].last;
		}
		m++;
	}
	b->n_ips = m;
	qsort(b->users, b->n_users, sizeof(*b->users), user_evidence_cmp);
	for (i = 0, m = 0; i < b->n_users; i = k) {
		b->users[m] = b->users[i];
		for (k = i + 1; k < b->n_users &&
		    strcmp(b->users[k].sender, b->users[i].sender) == 0; k++) {
			if (b->users[k].last > b->users[m].last)
				b->users[m].last = b->users[k].last;
		}
		m++;
	}
	b->n_users = m;

	for (i = 0; i < b->n_ips; i++) {
		ie = &b->ips[i];
		if (store_probe_events(st, ie->ip, ie->first - w, ie->last + w,
		    &ie->ev, cause) != 0 ||
		    store_ip_logins(st, ie->ip, ie->last, ie->last - ie->first +
		    o->window, o->services, o->n_services, &ie->logins,
		    cause) != 0)
			return -1;
		ie->pe = xcalloc(ie->ev.n + 1, sizeof(*ie->pe));
		ie->flagged = xcalloc(ie->ev.n + 1, 1);
		for (k = 0; k < ie->ev.n; k++) {
			const struct store_event *e = &ie->ev.v[k];

			ie->pe[k].time = e->time;
			ie->pe[k].is_denial = e->kind != EV_LOGIN_FAILED;
			ie->pe[k].sender = e->has_sender ? e->sender : NULL;
			ie->pe[k].recipient = e->recipient;
		}
	}
	for (i = 0; i < b->n_users; i++) {
		ue = &b->users[i];
		if (store_user_logins(st, ue->sender, ue->last, 0, &ue->ev,
		    cause) != 0)
			return -1;
		to_logins(&ue->ev, &ue->pl);
	}
	return 0;
}

/*
 * The probe figures of the denial's ip: the sweep over its events in
 * [t - W, t + W], flagged when a flagged window contains this denial.
 */
static void
probe_of(const struct batch *b, const struct policy_opts *o,
    const struct store_event *d, struct policy_probe *p)
{
	struct ip_evidence *ie = batch_ip(b, d->ip);
	const struct store_event *v;
	size_t	 lo, hi, self;
	int64_t	 w = o->probe.window;

	memset(p, 0, sizeof(*p));
	if (ie == NULL || ie->ev.n == 0)
		return;
	v = ie->ev.v;
	lo = rows_after(v, ie->ev.n, d->time - w - 1, INT64_MAX);
	hi = rows_after(v, ie->ev.n, d->time + w, INT64_MAX);
	if (!ie->swept || lo != ie->lo || hi != ie->hi) {
		policy_probe_sweep(o, ie->pe + lo, hi - lo, ie->flagged,
		    &ie->best);
		ie->lo = lo;
		ie->hi = hi;
		ie->swept = 1;
	}
	*p = ie->best;
	/* The denial itself is one of the events: (time, id) finds it. */
	self = rows_after(v, ie->ev.n, d->time, d->id);
	p->flagged = self > lo && self <= hi && v[self - 1].id == d->id &&
	    ie->flagged[self - 1 - lo];
}

static void
copy_row(struct store_events *out, const struct store_event *e)
{
	struct store_event *r;

	if (out->n == out->size) {
		out->size = out->size ? out->size * 2 : 8;
		out->v = xrealloc(out->v, out->size * sizeof(*out->v));
	}
	r = &out->v[out->n++];
	*r = *e;
	if (e->raw != NULL)
		r->raw = xstrndup(e->raw, e->raw_len);
}

/*
 * The logins store_ip_logins(ip, t, window) gives, from the IP's logins
 * over the span of its denials: those in [t - window, t], and before
 * them, newest first, the latest ok one of each service (the same walk).
 */
static void
ip_logins_of(const struct ip_evidence *ie, const struct policy_opts *o,
    const struct store_event *d, struct store_events *out)
{
	const struct store_event *v = ie->logins.v;
	unsigned char *seen;
	size_t	 lo, hi, i, k, found = 0, first;

	lo = rows_after(v, ie->logins.n, d->time - o->window - 1, INT64_MAX);
	hi = rows_after(v, ie->logins.n, d->time, INT64_MAX);
	seen = xcalloc(o->n_services + 1, 1);
	for (i = lo; i > 0 && found < o->n_services; i--) {
		if (v[i - 1].kind != EV_LOGIN_OK)
			continue;
		for (k = 0; k < o->n_services; k++) {
			if (seen[k] || strcasecmp(v[i - 1].service,
			    o->services[k]) != 0)
				continue;
			seen[k] = 1;
			found++;
			break;
		}
		if (k < o->n_services)
			copy_row(out, &v[i - 1]);
	}
	free(seen);
	/* Those are newest first: turn them round, then the window. */
	for (first = 0, k = out->n; first + 1 < k; first++, k--) {
		struct store_event t = out->v[first];

		out->v[first] = out->v[k - 1];
		out->v[k - 1] = t;
	}
	for (i = lo; i < hi; i++)
		copy_row(out, &v[i]);
}

static int
diagnose(struct store *st, const struct policy_opts *o,
    const struct batch *b, struct case_ *c, char **cause)
{
	struct policy_evidence ev;
	const struct store_event *d = c->d;
	const struct ip_evidence *ie = batch_ip(b, d->ip);

	/* An IP outside the batch (none: every denial's is in it). */
	if (ie == NULL && store_ip_logins(st, d->ip, d->time, o->window,
	    o->services, o->n_services, &c->ip_logins, cause) != 0)
		return -1;
	if (ie != NULL)
		ip_logins_of(ie, o, d, &c->ip_logins);
	c->user = batch_user(b, o, d);
	c->n_user = c->user == NULL ? 0 : rows_after(c->user->ev.v,
	    c->user->ev.n, d->time, INT64_MAX);
	probe_of(b, o, d, &c->probe);
	to_logins(&c->ip_logins, &c->ipl);
	memset(&ev, 0, sizeof(ev));
	ev.denial.id = d->id;
	ev.denial.time = d->time;
	ev.denial.temporary = d->kind == EV_RELAY_DENIAL_TEMP;
	ev.denial.ip = d->ip;
	ev.denial.sender = d->has_sender ? d->sender : NULL;
	ev.denial.recipient = d->recipient;
	ev.denial.mta = d->mta;
	ev.ip_logins = c->ipl;
	ev.n_ip_logins = c->ip_logins.n;
	ev.user_logins = c->user != NULL ? c->user->pl : NULL;
	ev.n_user_logins = c->n_user;
	ev.probe = c->probe;
	policy_diagnose(o, &ev, &c->v);
	return 0;
}

static void
case_free(struct case_ *c)
{
	store_events_free(&c->ip_logins);
	free(c->ipl);
	c->ipl = NULL;
}

/*
 * The verdicts of d[0..n) under o, each as cli_diagnose() gives it (the
 * pointer facts NULL), with the evidence fetched once per IP and sender.
 * For customer, and for reports over many denials. Returns 0 or -1 with
 * *cause set.
 */
int
cli_diagnose_all(struct store *st, const struct policy_opts *o,
    struct store_event *d, size_t n, struct verdict *v, char **cause)
{
	struct batch b;
	struct case_ c;
	size_t	 i;
	int	 rc = 0;

	if (batch_open(st, o, d, n, &b, cause) != 0) {
		batch_free(&b);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		memset(&c, 0, sizeof(c));
		c.d = &d[i];
		rc = diagnose(st, o, &b, &c, cause);
		v[i] = c.v;
		/* They pointed into the evidence rows, freed here. */
		v[i].last_login.user = v[i].last_login.service = NULL;
		v[i].roaming.last_ip = NULL;
		case_free(&c);
	}
	batch_free(&b);
	return rc;
}

int
cli_diagnose(struct store *st, const struct policy_opts *o,
    struct store_event *d, struct verdict *v, char **cause)
{
	return cli_diagnose_all(st, o, d, 1, v, cause);
}

/* The stored row of an evidence id, or NULL. */
static const struct store_event *
find_row(const struct case_ *c, int64_t id)
{
	size_t	 i;

	if (id == 0)
		return NULL;
	for (i = 0; i < c->ip_logins.n; i++)
		if (c->ip_logins.v[i].id == id)
			return &c->ip_logins.v[i];
	for (i = c->n_user; c->user != NULL && i > 0; i--)
		if (c->user->ev.v[i - 1].id == id)
			return &c->user->ev.v[i - 1];
	return NULL;
}

/* --- JSON -------------------------------------------------------------- */

static void
js_time(struct strbuf *sb, int64_t t)
{
	char	 buf[32];

	fmt_iso_utc(t, buf, sizeof(buf));
	sb_json_quoted(sb, buf);
}

void
cli_json_denial_head(struct strbuf *sb, const struct store_event *d)
{
	sb_addf(sb, "{\"id\": %lld, \"time\": ", (long long)d->id);
	js_time(sb, d->time);
	sb_addstr(sb, ", \"ip\": ");
	sb_json_quoted(sb, d->ip);
	sb_addstr(sb, ", \"sender\": ");
	if (d->has_sender)
		sb_json_quoted(sb, d->sender);
	else
		sb_addstr(sb, "null");
	sb_addstr(sb, ", \"recipient\": ");
	sb_json_quoted(sb, d->recipient);
}

static void
json_probe(struct strbuf *sb, const struct policy_probe *p)
{
	sb_addf(sb, "{\"score\": %d, \"flagged\": %s, \"attempts\": %d, "
	    "\"domains\": %d, \"senders\": %d, \"empty_or_foreign\": %d, "
	    "\"tricks\": %d, \"failed_logins\": %d, \"per_minute\": %.1f}",
	    p->score, p->flagged ? "true" : "false", p->attempts, p->domains,
	    p->senders, p->empty_or_foreign, p->tricks, p->failed_logins,
	    p->per_minute);
}

static void
json_case(struct strbuf *sb, const struct case_ *c)
{
	const struct store_event *d = c->d;
	const struct verdict *v = &c->v;

	cli_json_denial_head(sb, d);
	sb_addstr(sb, ", \"mta\": ");
	sb_json_quoted(sb, d->mta);
	/* A line without a reply code (Exim's) has none: null, not 0. */
	if (d->code > 0)
		sb_addf(sb, ", \"code\": %d", d->code);
	else
		sb_addstr(sb, ", \"code\": null");
	sb_addf(sb, ", \"temporary\": %s, \"headline\": \"%s\", "
	    "\"evidence_class\": \"%s\", \"probe\": %s, \"facts\": {",
	    d->kind == EV_RELAY_DENIAL_TEMP ? "true" : "false",
	    policy_headline_name(v->headline),
	    policy_class_name(v->evidence_class), v->probe ? "true" : "false");
	/* Facts: the scalar ones first, then the objects. */
	sb_addf(sb, "\"failed_logins\": %d, \"last_failed_login_id\": ",
	    v->failed_logins);
	if (v->last_failed_login_id)
		sb_addf(sb, "%lld", (long long)v->last_failed_login_id);
	else
		sb_addstr(sb, "null");
	sb_addf(sb, ", \"user_logins\": %d, \"in_relay_networks\": %s, "
	    "\"expired_by\": %lld, \"probe_score\": %d, \"exception\": null, "
	    "\"last_login\": ", v->user_logins,
	    v->in_relay_networks ? "true" : "false", (long long)v->expired_by,
	    c->probe.score);
	if (v->last_login.login_id) {
		sb_addf(sb, "{\"id\": %lld, \"user\": ",
		    (long long)v->last_login.login_id);
		sb_json_quoted(sb, v->last_login.user ? v->last_login.user : "");
		sb_addstr(sb, ", \"service\": ");
		sb_json_quoted(sb, v->last_login.service ? v->last_login.service : "");
		sb_addf(sb, ", \"seconds_before\": %lld}",
		    (long long)v->last_login.seconds_before);
	} else
		sb_addstr(sb, "null");
	sb_addf(sb, ", \"roaming\": {\"count\": %d", v->roaming.count);
	if (v->roaming.last_login_id) {
		sb_addf(sb, ", \"last_login_id\": %lld, \"last_ip\": ",
		    (long long)v->roaming.last_login_id);
		sb_json_quoted(sb, v->roaming.last_ip ? v->roaming.last_ip : "");
		sb_addstr(sb, ", \"last_time\": ");
		js_time(sb, v->roaming.last_time);
	}
	sb_addstr(sb, "}, \"probe\": ");
	json_probe(sb, &c->probe);
	sb_addstr(sb, "}, \"advice\": ");
	sb_json_quoted(sb, v->advice);
	sb_addstr(sb, "}");
}

/* --- text -------------------------------------------------------------- */

static void
put(const char *s)
{
	fput_sanitized(stdout, s, strlen(s));
}

static void
ago(int64_t secs, char *buf, size_t size)
{
	if (secs < 0)
		secs = -secs;
	if (secs < 120)
		snprintf(buf, size, "%llds", (long long)secs);
	else if (secs < 2 * 3600)
		snprintf(buf, size, "%lldm %llds", (long long)secs / 60,
		    (long long)secs % 60);
	else if (secs < 2 * 86400)
		snprintf(buf, size, "%lldh %lldm", (long long)secs / 3600,
		    (long long)secs % 3600 / 60);
	else
		snprintf(buf, size, "%lldd %lldh", (long long)secs / 86400,
		    (long long)secs % 86400 / 3600);
}

static void
evidence_line(const char *what, const struct store_event *e)
{
	if (e == NULL || e->raw == NULL)
		return;
	printf("    #%-8lld %-8s ", (long long)e->id, what);
	fput_sanitized(stdout, e->raw, e->raw_len);
	printf("\n");
}

static void
text_case(const struct case_ *c, const struct policy_opts *o, int64_t now)
{
	const struct store_event *d = c->d;
	const struct verdict *v = &c->v;
	char	 t[32], a[32], w[32], code[16] = "";

	fmt_iso_utc(d->time, t, sizeof(t));
	ago(now - d->time, a, sizeof(a));
	fmt_duration(o->window, w, sizeof(w));
	if (d->code > 0)
		snprintf(code, sizeof(code), " %d", d->code);
	/* A log's clock (or the year guessed for it) may be ahead of ours. */
	printf("denial #%lld  %s (UTC, %s%s%s)  %s%s%s\n", (long long)d->id,
	    t, now < d->time ? "in " : "", a, now < d->time ? "" : " ago",
	    d->mta[0] ? d->mta : "?", code,
	    d->kind == EV_RELAY_DENIAL_TEMP ? " (temporary)" : "");
	printf("  client    ");
	put(d->ip[0] ? d->ip : "(unknown)");
	printf("\n  envelope  ");
	put(!d->has_sender ? "(unknown)" : d->sender[0] ? d->sender : "<>");
	printf(" -> ");
	put(d->recipient[0] ? d->recipient : "(unknown)");
	printf("\n  headline  %s (evidence: %s)%s\n",
	    policy_headline_name(v->headline),
	    policy_class_name(v->evidence_class),
	    v->probe && v->headline != H_PROBE ? ", probe" : "");
	printf("  facts\n");
	if (v->last_login.login_id) {
		ago(v->last_login.seconds_before, a, sizeof(a));
		printf("    last login from this IP: ");
		put(v->last_login.user ? v->last_login.user : "?");
		printf(" by ");
		put(v->last_login.service ? v->last_login.service : "?");
		printf(", %s before (window %s)", a, w);
		if (v->evidence_class == PC_EXPIRED) {
			ago(v->expired_by, a, sizeof(a));
			printf(": expired %s earlier", a);
		}
		printf("\n");
	} else
		printf("    no successful POP/IMAP login from this IP before\n");
	if (v->roaming.count > 0) {
		fmt_iso_utc(v->roaming.last_time, t, sizeof(t));
		printf("    roaming: the sender's user logged in %d time%s "
		    "from other IPs, last from ", v->roaming.count,
		    v->roaming.count == 1 ? "" : "s");
		put(v->roaming.last_ip ? v->roaming.last_ip : "?");
		printf(" at %s\n", t);
	} else if (d->has_sender && policy_is_local(o, d->sender))
		printf("    the sender's user has %d login%s on record\n",
		    v->user_logins, v->user_logins == 1 ? "" : "s");
	if (v->failed_logins > 0)
		printf("    failed logins from this IP in the %s before: %d\n",
		    w, v->failed_logins);
	printf("    in relay_networks: %s\n", v->in_relay_networks ? "yes" :
	    "no");
	/* The figures of the busiest probe window around the denial. */
	fmt_duration(o->probe.window > 0 ? o->probe.window : 3600, a,
	    sizeof(a));
	printf("    probe score %d%s, in the busiest %s around it: %d "
	    "attempt%s, %d domain%s, %d sender%s, %d trick%s, %d failed "
	    "login%s, %.1f/min\n", c->probe.score,
	    c->probe.flagged ? " (flagged)" : "", a, c->probe.attempts,
	    c->probe.attempts == 1 ? "" : "s", c->probe.domains,
	    c->probe.domains == 1 ? "" : "s", c->probe.senders,
	    c->probe.senders == 1 ? "" : "s", c->probe.tricks,
	    c->probe.tricks == 1 ? "" : "s", c->probe.failed_logins,
	    c->probe.failed_logins == 1 ? "" : "s", c->probe.per_minute);
	printf("  evidence\n");
	evidence_line("denial", d);
	evidence_line("login", find_row(c, v->last_login.login_id));
	evidence_line("failed", find_row(c, v->last_failed_login_id));
	evidence_line("roaming", find_row(c, v->roaming.last_login_id));
	printf("  advice\n");
	fput_lines(stdout, "    ", v->advice);
	printf("\n");
}

/* --- the command --------------------------------------------------------- */

int
cmd_why(struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	struct policy_opts o;
	struct store *st = NULL;
	struct store_events den = { 0 };
	struct batch b = { 0 };
	struct strbuf sb;
	enum store_match how = STORE_BY_USER;
	char	 ip[IP_TEXT_MAX], *cause = NULL;
	const char *key;
	struct cli_query q;
	int	 rc;
	size_t	 k;

	if ((rc = cli_query_args("why", why_usage, "an IP, address, user or event id",
	    argc, argv, &q)) >= 0)
		return rc;
	rc = EXIT_FAIL;
	if (strchr(q.arg, '/') != NULL && strchr(q.arg, '@') == NULL) {
		struct cidr net;

		if (cidr_parse(q.arg, &net, NULL) == 0) {
			cli_error("why: '%s' is a network: give one IP of it "
			    "(probes lists the networks that probe)", q.arg);
			return EXIT_USAGE;
		}
	}
	if (classify(q.arg, ip, &how) != 0) {
		cli_error("why: give an IP, an address, a user or an event id");
		fputs(why_usage, stderr);
		return EXIT_USAGE;
	}
	key = how == STORE_BY_IP ? ip : q.arg[0] == '#' ? q.arg + 1 : q.arg;
	if (cli_load_config(cli, &cfg) != 0)
		return EXIT_CONFIG;
	cli_policy_opts(&cfg, &o);
	sb_init(&sb, 0);
	if ((st = store_open(cfg.database, STORE_READONLY |
	    STORE_MAPPED, &cause)) == NULL ||
	    store_denials(st, how, key, q.since, q.until, q.limit, &den,
	    &cause) != 0)
		goto out;
	if (q.json)
		sb_addstr(&sb, "{\"denials\": [");
	if (batch_open(st, &o, den.v, den.n, &b, &cause) != 0)
		goto out;
	for (k = 0; k < den.n; k++) {
		struct case_ c;

		memset(&c, 0, sizeof(c));
		c.d = &den.v[k];
		if (diagnose(st, &o, &b, &c, &cause) != 0) {
			case_free(&c);
			goto out;
		}
		if (q.json) {
			if (k > 0)
				sb_addstr(&sb, ", ");
			json_case(&sb, &c);
		} else
			text_case(&c, &o, q.now);
		case_free(&c);
	}
	if (q.json) {
		sb_addstr(&sb, "]}\n");
		fwrite(sb.buf, 1, sb.len, stdout);
	} else if (den.n == 0) {
		printf("no relay denials match ");
		put(q.arg);
		printf(" (matched as %s)%s\n", how == STORE_BY_IP ? "an IP" :
		    how == STORE_BY_ID ? "an event id" : how ==
		    STORE_BY_SENDER ? "a sender address" :
		    "a user: sender user or user@any domain",
		    q.since || q.until ? " in that time range" : "");
	} else if (q.limit != 0 && den.n == (size_t)q.limit)
		printf("(the newest %lld shown; --limit N for more)\n",
		    (long long)q.limit);
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK) {
		cli_error("%s", cause != NULL ? cause : "why failed");
		free(cause);
	}
	sb_release(&sb);
	batch_free(&b);
	store_events_free(&den);
	store_close(st);
	config_release(&cfg);
	return rc;
}
