/* main.c: global options and the subcommand table. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char	*name;
	int		(*fn)(struct cli *, int, char **);
	const char	*help;
} commands[] = {
	{ "ingest", cmd_ingest,
	  "read mail logs (files, .gz, - for stdin) into the database" },
	{ "stats", cmd_stats, "what the database holds (--json for scripts)" },
	{ "purge", cmd_purge, "delete events older than the retention" },
	{ "rules", cmd_rules, "rules test FILE...: which lines the rules "
	  "match, and which they miss" },
	{ "config", cmd_config, "config check: validate and print the "
	  "effective configuration" },
	{ "why", cmd_why, "why IP|ADDRESS|USER|EVENT-ID: why relaying was "
	  "denied, and what to tell the customer" },
	{ "customer", cmd_customer, "customer USER|ADDRESS: a customer's "
	  "logins by IP and relay denials" },
	{ "probes", cmd_probes, "the IPs and networks probing for an open "
	  "relay, ranked" },
	{ "report", cmd_report, "denials by headline, day and hour; customers, "
	  "probes, ingest health" },
};

static void
usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: relayscope [--config FILE] COMMAND [ARGS]\n\n"
	    "relayscope reads an ISP's mail logs (relay denials, POP/IMAP and "
	    "SMTP AUTH\nlogins) into SQLite and explains why relaying was "
	    "denied.\n\ncommands:\n");
	for (i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\noptions:\n"
	    "  --config FILE  configuration (default: $RELAYSCOPE_CONFIG, "
	    "./config.yaml,\n                 /etc/relayscope/config.yaml)\n"
	    "  --help         this text; COMMAND --help for a command's own\n"
	    "  --version      print the version\n\n"
	    "See relayscope(1) and README.md.\n");
}

int
main(int argc, char **argv)
{
	struct cli cli;
	int	 i;
	size_t	 c;

	setlocale(LC_ALL, "");
	memset(&cli, 0, sizeof(cli));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			cli.config_path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			cli.config_path = argv[i] + 9;
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("relayscope %s\n", RS_VERSION);
			return EXIT_OK;
		} else {
			cli_error("unknown option '%s'%s", argv[i],
			    strcmp(argv[i], "--config") == 0 ?
			    " (it needs a FILE)" : "");
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* "relayscope help [COMMAND]" */
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 == argc) {
			usage(stdout);
			return EXIT_OK;
		}
		for (c = 0; c < ARRAY_LEN(commands); c++)
			if (strcmp(argv[i + 1], commands[c].name) == 0) {
				char	*hv[] = { argv[i + 1], (char *)"--help",
				    NULL };

				return commands[c].fn(&cli, 2, hv);
			}
	}
	for (c = 0; c < ARRAY_LEN(commands); c++)
		if (strcmp(argv[i], commands[c].name) == 0)
			return commands[c].fn(&cli, argc - i, argv + i);
	cli_error("unknown command '%s'", argv[i]);
	usage(stderr);
	return EXIT_USAGE;
}
