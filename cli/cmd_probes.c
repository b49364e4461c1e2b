/*
 * cmd_probes.c: `relayscope probes`: the IPs (and /24 and /48 networks)
 * probing for an open relay, ranked by score.
 *
 * One pass over the probe events (relay denials and failed logins) in ip
 * order (store_probe_scan()): each IP's events, then each network's, go
 * through policy_probe_sweep() as the run of one ends, so memory holds
 * one network's events at a time.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "../policy/policy.h"
#include "../store/store.h"

static const char probes_usage[] =
    "usage: relayscope [--config FILE] probes [--json] [--since T] "
    "[--until T]\n                  [--limit N]\n"
    "\n"
    "The IPs probing for an open relay, ranked by score, with the figures\n"
    "behind the score (relay attempts, recipient domains, senders, open-relay\n"
    "tricks in the recipient, failed logins, attempts per minute) in their\n"
    "worst window; then the /24 (IPv4) and /48 (IPv6) networks of more than\n"
    "one IP whose events together are flagged (probes spread over a network).\n"
    "\n"
    "  --json      {\"ips\": [...], \"networks\": [...]} for scripts: every\n"
    "              flagged IP and network (times UTC, ISO 8601)\n"
    "  --since T   only events at or after T: 2026-11-22,\n"
    "              2026-11-22T17:00:00Z, or a duration back from now (7d)\n"
    "  --until T   only events at or before T\n"
    "  --limit N   at most N rows in each list; 0: all (default: 20 as\n"
    "              text, all with --json)\n"
    "\n"
    "With no --since/--until it covers the whole database.\n";

/* One event of the run being collected (strings owned). */
struct pev {
	int64_t	 time;
	int	 is_denial;
	char	*sender;	/* NULL: unknown */
	char	*recipient;
};

struct run {
	struct pev *v;
	size_t	 n, size;
	size_t	 n_ips;		/* distinct IPs in it (networks) */
	size_t	 flagged_ips;
	int	 denials;
	int64_t	 first, last;
};

struct row {
	char	 name[IP_TEXT_MAX + 8];
	struct policy_probe p;
	int	 denials;	/* in the range */
	size_t	 n_ips, flagged_ips;
	int64_t	 first, last;
};

struct rows {
	struct row *v;
	size_t	 n, size;
};

struct scan {
	const struct policy_opts *o;
	char	 ip[IP_TEXT_MAX];
	char	 net[IP_TEXT_MAX + 8];
	struct run ipr, netr;
	struct rows ips, nets;
	size_t	 seen_ips;
};

static void
run_add(struct run *r, const struct store_event *e)
{
	struct pev *p;

	if (r->n == r->size) {
		r->size = r->size ? r->size * 2 : 64;
		r->v = xrealloc(r->v, r->size * sizeof(*r->v));
	}
	p = &r->v[r->n++];
	p->time = e->time;
	p->is_denial = e->kind != EV_LOGIN_FAILED;
	p->sender = e->has_sender ? xstrdup(e->sender) : NULL;
	p->recipient = xstrdup(e->recipient);
	if (p->is_denial)
		r->denials++;
	if (r->n == 1 || e->time < r->first)
		r->first = e->time;
	if (r->n == 1 || e->time > r->last)
		r->last = e->time;
}

static void
run_reset(struct run *r)
{
	size_t	 i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].sender);
		free(r->v[i].recipient);
	}
	r->n = 0;
	r->n_ips = r->flagged_ips = 0;
	r->denials = 0;
	r->first = r->last = 0;
}

static void
run_free(struct run *r)
{
	run_reset(r);
	free(r->v);
}

/* Sweeps a finished run; appends a row when flagged. Returns flagged. */
static int
run_close(const struct policy_opts *o, struct run *r, const char *name,
    struct rows *out)
{
	struct policy_probe_event *pe;
	struct policy_probe best;
	unsigned char *flagged;
	struct row *w;
	size_t	 i;

	if (r->n == 0)
		return 0;
	pe = xcalloc(r->n, sizeof(*pe));
	flagged = xcalloc(r->n, 1);
	for (i = 0; i < r->n; i++) {
		pe[i].time = r->v[i].time;
		pe[i].is_denial = r->v[i].is_denial;
		pe[i].sender = r->v[i].sender;
		pe[i].recipient = r->v[i].recipient;
	}
	policy_probe_sweep(o, pe, r->n, flagged, &best);
	free(pe);
	free(flagged);
	if (!best.flagged)
		return 0;
	if (out->n == out->size) {
		out->size = out->size ? out->size * 2 : 16;
		out->v = xrealloc(out->v, out->size * sizeof(*out->v));
	}
	w = &out->v[out->n++];
	memset(w, 0, sizeof(*w));
	copy_field(w->name, sizeof(w->name), name, strlen(name));
	w->p = best;
	w->denials = r->denials;
	w->n_ips = r->n_ips;
	w->flagged_ips = r->flagged_ips;
	w->first = r->first;
	w->last = r->last;
	return 1;
}

static void
close_ip(struct scan *sc)
{
	if (sc->ip[0] == '\0')
		return;
	sc->netr.flagged_ips += (size_t)run_close(sc->o, &sc->ipr, sc->ip,
	    &sc->ips);
	run_reset(&sc->ipr);
	sc->ip[0] = '\0';
}

static void
close_net(struct scan *sc)
{
	/* Networks of one IP would repeat the IP's row. */
	if (sc->net[0] != '\0' && sc->netr.n_ips > 1)
		run_close(sc->o, &sc->netr, sc->net, &sc->nets);
	run_reset(&sc->netr);
	sc->net[0] = '\0';
}

static int
on_event(const struct store_event *e, void *arg)
{
	struct scan *sc = arg;
	char	 net[IP_TEXT_MAX + 8];

	if (e->ip[0] == '\0')
		return 0;
	if (strcmp(e->ip, sc->ip) != 0) {
		close_ip(sc);
		ip_network_of(e->ip, net, sizeof(net));
		if (strcmp(net, sc->net) != 0 || net[0] == '\0')
			close_net(sc);
		copy_field(sc->ip, sizeof(sc->ip), e->ip, strlen(e->ip));
		copy_field(sc->net, sizeof(sc->net), net, strlen(net));
		sc->netr.n_ips++;
		sc->seen_ips++;
	}
	run_add(&sc->ipr, e);
	if (sc->net[0] != '\0')
		run_add(&sc->netr, e);
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->p.score != y->p.score)
		return x->p.score > y->p.score ? -1 : 1;
	if (x->p.attempts != y->p.attempts)
		return x->p.attempts > y->p.attempts ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void
json_rows(struct strbuf *sb, const char *key, const struct rows *r,
    size_t limit, int nets)
{
	char	 t1[32], t2[32];
	size_t	 i;

	sb_addf(sb, "\"%s\": [", key);
	for (i = 0; i < r->n && (limit == 0 || i < limit); i++) {
		const struct row *w = &r->v[i];

		fmt_iso_utc(w->first, t1, sizeof(t1));
		fmt_iso_utc(w->last, t2, sizeof(t2));
		sb_addf(sb, "%s{\"%s\": \"", i ? ", " : "", nets ? "network" :
		    "ip");
		sb_json_str(sb, w->name, strlen(w->name));
		sb_addf(sb, "\", \"score\": %d, \"flagged\": %s, "
		    "\"attempts\": %d, \"domains\": %d, \"senders\": %d, "
		    "\"empty_or_foreign\": %d, \"tricks\": %d, "
		    "\"failed_logins\": %d, \"per_minute\": %.1f, "
		    "\"denials\": %d, ", w->p.score,
		    w->p.flagged ? "true" : "false", w->p.attempts,
		    w->p.domains, w->p.senders, w->p.empty_or_foreign,
		    w->p.tricks, w->p.failed_logins, w->p.per_minute,
		    w->denials);
		if (nets)
			sb_addf(sb, "\"ips\": %zu, \"flagged_ips\": %zu, ",
			    w->n_ips, w->flagged_ips);
		sb_addf(sb, "\"first\": \"%s\", \"last\": \"%s\"}", t1, t2);
	}
	sb_addstr(sb, "]");
}

static void
text_rows(const char *title, const struct rows *r, size_t limit, int nets)
{
	char	 t1[32], t2[32];
	size_t	 i;

	printf("%s\n", title);
	if (r->n == 0) {
		printf("  (none)\n");
		return;
	}
	printf("  %-4s %-22s %6s %8s %7s %7s %6s %6s %6s  %-20s  %s\n", "rank",
	    nets ? "network" : "ip", "score", "attempts", "domains", "senders",
	    "tricks", "failed", "/min", "first", nets ? "ips" : "last");
	for (i = 0; i < r->n && (limit == 0 || i < limit); i++) {
		const struct row *w = &r->v[i];

		fmt_iso_utc(w->first, t1, sizeof(t1));
		fmt_iso_utc(w->last, t2, sizeof(t2));
		printf("  %-4zu ", i + 1);
		fput_sanitized(stdout, w->name, strlen(w->name));
		printf("%*s %6d %8d %7d %7d %6d %6d %6.1f  %-20s  ",
		    (int)(22 - (strlen(w->name) < 22 ? strlen(w->name) : 22)),
		    "", w->p.score, w->p.attempts, w->p.domains, w->p.senders,
		    w->p.tricks, w->p.failed_logins, w->p.per_minute, t1);
		if (nets)
			printf("%zu (%zu flagged)\n", w->n_ips,
			    w->flagged_ips);
		else
			printf("%s\n", t2);
	}
	if (limit != 0 && r->n > limit)
		printf("  ... %zu more (--limit N, or --json for all)\n",
		    r->n - limit);
}

int
cmd_probes(struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	struct policy_opts o;
	struct store *st = NULL;
	struct scan sc;
	struct strbuf sb;
	char	*cause = NULL;
	struct cli_query q;
	int	 rc;

	if ((rc = cli_query_args("probes", probes_usage, NULL,
	    argc, argv, &q)) >= 0)
		return rc;
	rc = EXIT_FAIL;
	if (cli_load_config(cli, &cfg) != 0)
		return EXIT_CONFIG;
	cli_policy_opts(&cfg, &o);
	memset(&sc, 0, sizeof(sc));
	sc.o = &o;
	sb_init(&sb, 0);
	if ((st = store_open(cfg.database, STORE_READONLY, &cause)) == NULL ||
	    store_probe_scan(st, q.since, q.until, on_event, &sc, &cause) != 0)
		goto out;
	close_ip(&sc);
	close_net(&sc);
	if (sc.ips.n > 1)
		qsort(sc.ips.v, sc.ips.n, sizeof(*sc.ips.v), row_cmp);
	if (sc.nets.n > 1)
		qsort(sc.nets.v, sc.nets.n, sizeof(*sc.nets.v), row_cmp);
	if (q.json) {
		sb_addstr(&sb, "{");
		json_rows(&sb, "ips", &sc.ips, (size_t)q.limit, 0);
		sb_addstr(&sb, ", ");
		json_rows(&sb, "networks", &sc.nets, (size_t)q.limit, 1);
		sb_addf(&sb, ", \"ips_seen\": %zu}\n", sc.seen_ips);
		fwrite(sb.buf, 1, sb.len, stdout);
	} else {
		char	 w[32];

		fmt_duration(o.probe.window, w, sizeof(w));
		printf("%zu of %zu IPs with relay denials or failed logins "
		    "are probing (window %s, %d attempts, %d domains, "
		    "score %d)\n\n", sc.ips.n, sc.seen_ips, w,
		    o.probe.attempts, o.probe.domains, o.probe.score);
		text_rows("probing IPs", &sc.ips, (size_t)q.limit, 0);
		printf("\n");
		text_rows("probing networks (/24, /48; more than one IP)",
		    &sc.nets, (size_t)q.limit, 1);
	}
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK) {
		cli_error("%s", cause != NULL ? cause : "probes failed");
		free(cause);
	}
	sb_release(&sb);
	run_free(&sc.ipr);
	run_free(&sc.netr);
	free(sc.ips.v);
	free(sc.nets.v);
	store_close(st);
	config_release(&cfg);
	return rc;
}
