/*
 * cmd_rules.c: `relayscope rules test [--tsv] FILE...`, in the manner of
 * fail2ban-regex: lines read, hits per rule, and the lines that look like
 * a denial or a login but that no rule matched. --tsv prints what each line
 * became, one row a line (line kind mta ip user service sender recipient
 * code), the format of the corpus's .expect.tsv files.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ingest.h"

#define SHOW_UNMATCHED 20

struct row {
	int64_t	 line;
	char	*text;
};

static void
tsv_field(struct strbuf *sb, const char *s)
{
	size_t	 i;

	sb_addstr(sb, "\t");
	for (i = 0; s[i]; i++)
		if (s[i] != '\t' && s[i] != '\n')
			sb_add(sb, &s[i], 1);
}

static char *
event_row(const struct event *ev)
{
	struct strbuf sb;
	char	 code[16] = "";

	sb_init(&sb, 0);
	sb_addstr(&sb, parser_kind_name(ev->kind));
	tsv_field(&sb, ev->mta);
	tsv_field(&sb, ev->ip);
	tsv_field(&sb, ev->user);
	tsv_field(&sb, ev->service);
	tsv_field(&sb, ev->sender);
	tsv_field(&sb, ev->recipient);
	if (ev->code)
		snprintf(code, sizeof(code), "%d", ev->code);
	tsv_field(&sb, code);
	return sb.buf;
}

static int
test_file(struct parser *p, const char *path, int tsv, uint64_t *shown)
{
	struct reader r;
	const struct event *ev;
	struct row *rows = NULL;
	size_t	 nrows = 0, i;
	char	*cause = NULL, *line;
	size_t	 len;
	int64_t	 off, n = 0, l;
	int	 rc;

	if (reader_open(&r, path, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		reader_close(&r);
		return -1;
	}
	parser_reset(p, 0);
	for (;;) {
		rc = reader_line(&r, &line, &len, &off, 1);
		if (rc == 1) {
			n = r.lineno;
			parser_feed(p, line, len, off);
			if (!tsv && parser_last_suspicious(p) &&
			    (*shown)++ < SHOW_UNMATCHED) {
				printf("  unmatched %s:%lld: ", path,
				    (long long)n);
				fput_sanitized(stdout, line, len);
				putchar('\n');
			}
		} else
			parser_flush(p);
		while ((ev = parser_next(p)) != NULL) {
			rows = xrealloc(rows, (nrows + 1) * sizeof(*rows));
			rows[nrows].line = ev->lineno;
			rows[nrows].text = event_row(ev);
			nrows++;
		}
		if (rc != 1)
			break;
	}
	if (rc < 0)
		cli_error("cannot read '%s'", path);
	if (tsv) {
		/* Event line numbers count from the parser's start: rebase. */
		int64_t	 base = (int64_t)parser_get_stats(p)->lines - n;

		printf("line\tkind\tmta\tip\tuser\tservice\tsender\trecipient"
		    "\tcode\n");
		for (l = 1, i = 0; l <= n; l++) {
			if (i < nrows && rows[i].line - base == l)
				printf("%lld\t%s\n", (long long)l,
				    rows[i++].text);
			else
				printf("%lld\tnone\t\t\t\t\t\t\t\n",
				    (long long)l);
		}
	}
	for (i = 0; i < nrows; i++)
		free(rows[i].text);
	free(rows);
	reader_close(&r);
	return rc < 0 ? -1 : 0;
}

int
cmd_rules(struct cli *cli, int argc, char **argv)
{
	struct config cfg;
	struct parser *p;
	const struct parser_stats *ps;
	char	*cause = NULL;
	int	 i = 2, tsv = 0, rc = EXIT_OK, k;
	uint64_t shown = 0;
	size_t	 r;

	int	 help = argc >= 2 && (strcmp(argv[argc - 1], "--help") == 0 ||
	    strcmp(argv[argc - 1], "-h") == 0);

	if (argc < 2 || strcmp(argv[1], "test") != 0 || help) {
		if (argc >= 2 && !help)
			cli_error("rules: unknown subcommand '%s'", argv[1]);

		fprintf(help ? stdout : stderr, "usage: relayscope [--config "
		    "FILE] rules test [--tsv] FILE...\n\nRuns the rules "
		    "(built-in and config.yaml's) over log files: lines read,"
		    "\nhits per rule, and the lines that look like a denial or "
		    "a login but that\nno rule matched. --tsv prints what every "
		    "line became instead.\n");
		return help ? EXIT_OK : EXIT_USAGE;
	}
	if (i < argc && strcmp(argv[i], "--tsv") == 0) {
		tsv = 1;
		i++;
	}
	if (i == argc) {
		cli_error("rules test: no FILE given");
		return EXIT_USAGE;
	}
	/*
	 * Without a config file the built-in rules are tested alone; a config
	 * that is named (--config, $RELAYSCOPE_CONFIG) must load.
	 */
	memset(&cfg, 0, sizeof(cfg));
	if (cli->config_path != NULL || getenv("RELAYSCOPE_CONFIG") != NULL ||
	    config_locate(NULL, NULL) != NULL) {
		if (cli_load_config(cli, &cfg) != 0)
			return EXIT_CONFIG;
	}
	if ((p = cli_open_parser(&cfg, 0, 0, 1, &cause)) == NULL) {
		cli_error("%s", cause);
		free(cause);
		config_release(&cfg);
		return EXIT_CONFIG;
	}
	if (!tsv)
		printf("rules test\n");
	for (; i < argc; i++)
		if (test_file(p, argv[i], tsv, &shown) != 0)
			rc = EXIT_FAIL;
	ps = parser_get_stats(p);
	if (!tsv) {
		if (shown > SHOW_UNMATCHED)
			printf("  ... and %llu more unmatched lines\n",
			    (unsigned long long)(shown - SHOW_UNMATCHED));
		printf("\nlines: %llu read, %llu without a readable timestamp\n"
		    "events:", (unsigned long long)ps->lines,
		    (unsigned long long)ps->no_envelope);
		for (k = 1; k < EV__COUNT; k++)
			printf(" %s %llu%s", parser_kind_name(k),
			    (unsigned long long)ps->events[k],
			    k + 1 < EV__COUNT ? "," : "\n");
		printf("unmatched lines that look like a denial or a login: "
		    "%llu\n\nhits per rule:\n", (unsigned long long)shown);
		for (r = 0; r < parser_rule_count(p); r++)
			printf("  %-28s %llu\n", parser_rule_name(p, r),
			    (unsigned long long)parser_rule_hits(p, r));
	}
	parser_close(p);
	config_release(&cfg);
	return rc;
}
