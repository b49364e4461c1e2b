/*
 * cmd_customer.c: `relayscope customer USER|ADDRESS`: what the helpdesk
 * needs on the phone about one customer: their POP/IMAP logins by IP
 * (first and last seen, how many, the services) and their relay denials,
 * newest first, each with the headline and advice of `why` (diagnosed by
 * cli_diagnose_all() under the current config.yaml). Exceptions are not yet
 * supported.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "../policy/policy.h"
#include "../store/store.h"

static const char customer_usage[] =
    "usage: relayscope [--config FILE] customer [--json] [--since T]\n"
    "                  [--until T] [--limit N] USER|ADDRESS\n"
    "\n"
    "A customer's logins by IP (first and last seen, how many, how many\n"
    "failed, the services) and their relay denials, newest first, each\n"
    "with its headline and the advice to read to them (relayscope why\n"
    "IP|EVENT-ID tells the full story of one). A login name (joe) covers\n"
    "the logins as joe and the denials of joe@any domain; an address\n"
    "(joe@example.net) covers the logins as joe or joe@example.net and the\n"
    "denials of that sender.\n"
    "\n"
    "  --json      {\"customer\": ..., \"logins\": [...], \"denials\": [...]}\n"
    "              for scripts (times UTC, ISO 8601)\n"
    "  --since T   only logins and denials at or after T: 2026-11-22,\n"
    "              2026-11-22T17:00:00Z, or a duration back from now (2h, 7d)\n"
    "  --until T   only those at or before T (a date alone: its end)\n"
    "  --limit N   at most N IPs and N denials; 0: all (default: 20 as\n"
    "              text, all with --json)\n"
    "\n"
    "An unknown customer: it says so and exits 0 (--json: empty lists).\n";

static void
put(const char *s)
{
	fput_sanitized(stdout, s, strlen(s));
}

static void
json_login(struct strbuf *sb, const struct store_login_ip *l)
{
	char	 f[32], t[32];
	size_t	 k;

	fmt_iso_utc(l->first, f, sizeof(f));
	fmt_iso_utc(l->last, t, sizeof(t));
	sb_addstr(sb, "{\"ip\": ");
	sb_json_quoted(sb, l->ip);
	sb_addf(sb, ", \"first\": \"%s\", \"last\": \"%s\", \"count\": %lld, "
	    "\"ok\": %lld, \"failed\": %lld, \"services\": [", f, t,
	    (long long)l->count, (long long)(l->count - l->failed),
	    (long long)l->failed);
	for (k = 0; k < l->n_services; k++) {
		if (k > 0)
			sb_addstr(sb, ", ");
		sb_json_quoted(sb, l->services[k]);
	}
	sb_addstr(sb, "]}");
}

static void
text_login(const struct store_login_ip *l)
{
	char	 f[32], t[32];
	size_t	 k;

	fmt_iso_utc(l->first, f, sizeof(f));
	fmt_iso_utc(l->last, t, sizeof(t));
	printf("  ");
	put(l->ip[0] ? l->ip : "(no IP)");
	printf("  %s .. %s  %lld ok, %lld failed  ", f, t,
	    (long long)(l->count - l->failed), (long long)l->failed);
	for (k = 0; k < l->n_services; k++) {
		if (k > 0)
			printf(",");
		put(l->services[k]);
	}
	printf("\n");
}

static void
json_denial(struct strbuf *sb, const struct store_event *d,
    const struct verdict *v)
{
	cli_json_denial_head(sb, d);
	sb_addf(sb, ", \"headline\": \"%s\", \"evidence_class\": \"%s\", "
	    "\"probe\": %s, \"advice\": ", policy_headline_name(v->headline),
	    policy_class_name(v->evidence_class), v->probe ? "true" : "false");
	sb_json_quoted(sb, v->advice);
	sb_addstr(sb, "}");
}

static void
text_denial(const struct store_event *d, const struct verdict *v)
{
	char	 t[32];

	fmt_iso_utc(d->time, t, sizeof(t));
	printf("  #%-8lld %s  ", (long long)d->id, t);
	put(d->ip[0] ? d->ip : "(unknown)");
	printf(" -> ");
	put(d->recipient[0] ? d->recipient : "(unknown)");
	printf("  %s\n", policy_headline_name(v->headline));
	fput_lines(stdout, "    ", v->advice);
}

int
cmd_customer(struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	struct policy_opts o;
	struct store *st = NULL;
	struct store_events den = { 0 };
	struct store_login_ips lg = { 0 };
	struct verdict *vs = NULL;
	struct strbuf sb;
	char	*cause = NULL;
	struct cli_query q;
	int	 rc;
	size_t	 k, nl;

	if ((rc = cli_query_args("customer", customer_usage, "user or address",
	    argc, argv, &q)) >= 0)
		return rc;
	rc = EXIT_FAIL;
	if (cli_load_config(cli, &cfg) != 0)
		return EXIT_CONFIG;
	cli_policy_opts(&cfg, &o);
	sb_init(&sb, 0);
	if ((st = store_open(cfg.database, STORE_READONLY |
	    STORE_MAPPED, &cause)) == NULL ||
	    store_user_login_ips(st, q.arg, q.since, q.until, &lg, &cause) != 0 ||
	    store_denials(st, strchr(q.arg, '@') != NULL ? STORE_BY_SENDER :
	    STORE_BY_USER, q.arg, q.since, q.until, q.limit, &den, &cause) != 0)
		goto out;
	nl = q.limit != 0 && lg.n > (size_t)q.limit ? (size_t)q.limit : lg.n;
	if (q.json) {
		sb_addstr(&sb, "{\"customer\": ");
		sb_json_quoted(&sb, q.arg);
		sb_addstr(&sb, ", \"logins\": [");
		for (k = 0; k < nl; k++) {
			if (k > 0)
				sb_addstr(&sb, ", ");
			json_login(&sb, &lg.v[k]);
		}
		sb_addstr(&sb, "], \"denials\": [");
	} else if (lg.n == 0 && den.n == 0) {
		printf("no logins and no relay denials on record for ");
		put(q.arg);
		printf("%s\n", q.since || q.until ? " in that time range" : "");
		rc = EXIT_OK;
		goto out;
	} else {
		printf("customer ");
		put(q.arg);
		printf("\nlogins by IP (UTC, last seen first)\n");
		if (lg.n == 0)
			printf("  none on record\n");
		for (k = 0; k < nl; k++)
			text_login(&lg.v[k]);
		if (nl < lg.n)
			printf("  (%zu more IPs; --limit N for more)\n",
			    lg.n - nl);
		printf("relay denials (newest first)\n");
		if (den.n == 0)
			printf("  none on record\n");
	}
	vs = xcalloc(den.n + 1, sizeof(*vs));
	if (cli_diagnose_all(st, &o, den.v, den.n, vs, &cause) != 0)
		goto out;
	for (k = 0; k < den.n; k++) {
		if (q.json) {
			if (k > 0)
				sb_addstr(&sb, ", ");
			json_denial(&sb, &den.v[k], &vs[k]);
		} else
			text_denial(&den.v[k], &vs[k]);
	}
	if (q.json) {
		sb_addstr(&sb, "]}\n");
		fwrite(sb.buf, 1, sb.len, stdout);
	} else {
		if (q.limit != 0 && den.n == (size_t)q.limit)
			printf("  (the newest %lld shown; --limit N for more)\n",
			    (long long)q.limit);
		printf("no exceptions (not yet supported)\n");
	}
	rc = EXIT_OK;
out:
	if (rc != EXIT_OK) {
		cli_error("%s", cause != NULL ? cause : "customer failed");
		free(cause);
	}
	sb_release(&sb);
	free(vs);
	store_events_free(&den);
	store_login_ips_free(&lg);
	store_close(st);
	config_release(&cfg);
	return rc;
}
