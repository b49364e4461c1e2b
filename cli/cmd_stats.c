/* cmd_stats.c: `relayscope stats [--json]` and `relayscope purge`. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "../store/store.h"

/* The MTAs stats always names, in this order; others count as "other". */
static const char *const stat_mtas[] = {
	"postfix", "sendmail", "exim", "courier", "other"
};

static int64_t
relay_count(const struct store_stats *s, const char *mta)
{
	int64_t	 n = 0;
	int	 i;
	size_t	 j;

	for (i = 0; i < s->n_relay_by_mta; i++) {
		const char *m = s->relay_by_mta[i].mta;
		int	 known = 0;

		for (j = 0; j + 1 < ARRAY_LEN(stat_mtas); j++)
			if (strcmp(m, stat_mtas[j]) == 0)
				known = 1;
		if (strcmp(m, mta) == 0 || (!known &&
		    strcmp(mta, "other") == 0))
			n += s->relay_by_mta[i].n;
	}
	return n;
}

static void
print_json(const struct store_stats *s)
{
	char	 t1[32] = "", t2[32] = "";
	size_t	 i;
	int	 k, j;

	printf("{\"events\": {");
	for (k = 1; k < EV__COUNT; k++)
		printf("%s\"%s\": %lld", k > 1 ? ", " : "",
		    parser_kind_name(k), (long long)s->events[k]);
	printf("}, \"relay_denial_by_mta\": {");
	for (i = 0; i < ARRAY_LEN(stat_mtas); i++)
		printf("%s\"%s\": %lld", i ? ", " : "", stat_mtas[i],
		    (long long)relay_count(s, stat_mtas[i]));
	printf("}, \"login_ok_by_service\": {");
	for (j = 0; j < s->n_login_ok_by_service; j++)
		printf("%s\"%s\": %lld", j ? ", " : "",
		    s->login_ok_by_service[j].service,
		    (long long)s->login_ok_by_service[j].n);
	printf("}, \"sources\": %lld", (long long)s->sources);
	if (s->first_event) {
		fmt_iso_utc(s->first_event, t1, sizeof(t1));
		fmt_iso_utc(s->last_event, t2, sizeof(t2));
		printf(", \"first_event\": \"%s\", \"last_event\": \"%s\"",
		    t1, t2);
	} else
		printf(", \"first_event\": null, \"last_event\": null");
	printf(", \"lines_ingested\": %lld, \"bytes_ingested\": %lld}\n",
	    (long long)s->lines_ingested, (long long)s->bytes_ingested);
}

static void
print_text(const struct store_stats *s, const char *db)
{
	char	 t1[32] = "-", t2[32] = "-";
	size_t	 i;
	int	 k, j;

	if (s->first_event) {
		fmt_iso_utc(s->first_event, t1, sizeof(t1));
		fmt_iso_utc(s->last_event, t2, sizeof(t2));
	}
	printf("database  %s\nsources   %lld (%lld lines, %.1f MB)\n"
	    "events    %s .. %s\n\n", db, (long long)s->sources,
	    (long long)s->lines_ingested, (double)s->bytes_ingested / 1e6,
	    t1, t2);
	for (k = 1; k < EV__COUNT; k++)
		printf("  %-24s %10lld\n", parser_kind_name(k),
		    (long long)s->events[k]);
	printf("\nrelay denials (5xx) by MTA:\n");
	for (i = 0; i < ARRAY_LEN(stat_mtas); i++)
		printf("  %-24s %10lld\n", stat_mtas[i],
		    (long long)relay_count(s, stat_mtas[i]));
	printf("\nsuccessful logins by service:\n");
	for (j = 0; j < s->n_login_ok_by_service; j++)
		printf("  %-24s %10lld\n", s->login_ok_by_service[j].service,
		    (long long)s->login_ok_by_service[j].n);
}

int
cmd_stats(struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	struct store *st;
	struct store_stats s;
	char	*cause = NULL;
	int	 json = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			printf("usage: relayscope [--config FILE] stats "
			    "[--json]\n\nWhat the database holds: events by "
			    "kind, relay denials by MTA, logins by\nservice, "
			    "sources and the time span. Times are UTC.\n");
			return EXIT_OK;
		} else {
			cli_error("stats: unknown argument '%s'", argv[i]);
			fprintf(stderr, "usage: relayscope [--config FILE] stats "
			    "[--json]\n");
			return EXIT_USAGE;
		}
	}
	if (cli_load_config(cli, &cfg) != 0)
		return EXIT_CONFIG;
	if ((st = store_open(cfg.database, STORE_READONLY, &cause)) == NULL ||
	    store_stats(st, &s, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		store_close(st);
		config_release(&cfg);
		return EXIT_FAIL;
	}
	if (json)
		print_json(&s);
	else
		print_text(&s, cfg.database);
	store_close(st);
	config_release(&cfg);
	return EXIT_OK;
}

int
cmd_purge(struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	struct store *st;
	char	*cause = NULL, buf[32];
	int64_t	 n = 0, now = (int64_t)time(NULL);

	if (argc > 1) {
		int	 help = strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0;

		if (!help)
			cli_error("purge: unknown argument '%s'", argv[1]);
		fprintf(help ? stdout : stderr, "usage: relayscope [--config "
		    "FILE] purge\n\nDeletes events older than 'retention' "
		    "(config.yaml; default 180d).\nCustomers' IP addresses "
		    "and logins are personal data: keep no more\nthan you "
		    "need. ingest also purges, once a day.\n");
		return help ? EXIT_OK : EXIT_USAGE;
	}
	if (cli_load_config(cli, &cfg) != 0)
		return EXIT_CONFIG;
	if (cfg.retention <= 0) {
		printf("retention is 'never': nothing to purge\n");
		config_release(&cfg);
		return EXIT_OK;
	}
	if ((st = store_open(cfg.database, 0, &cause)) == NULL ||
	    store_begin(st, &cause) != 0 ||
	    store_purge(st, now - cfg.retention, &n, &cause) != 0 ||
	    (snprintf(buf, sizeof(buf), "%lld", (long long)now),
	    store_meta_set(st, "last_purge", buf, &cause)) != 0 ||
	    store_commit(st, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		store_close(st);
		config_release(&cfg);
		return EXIT_FAIL;
	}
	fmt_duration(cfg.retention, buf, sizeof(buf));
	printf("purged %lld events older than %s\n", (long long)n, buf);
	store_close(st);
	config_release(&cfg);
	return EXIT_OK;
}
