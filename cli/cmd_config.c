/*
 * cmd_config.c: `relayscope config check`, and the helpers every subcommand
 * uses to load the configuration and to complain.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ingest.h"
#include "../parser/parser.h"

static const char cmd_config_usage[] =
    "usage: relayscope [--config FILE] config check\n"
    "\n"
    "Loads and validates the configuration (--config FILE, else\n"
    "$RELAYSCOPE_CONFIG, ./config.yaml, /etc/relayscope/config.yaml),\n"
    "compiles the rules' patterns as ingest would, and prints the effective\n"
    "configuration, defaults filled in, as YAML. It warns of rules that make\n"
    "ingest parse every line.\n";

void
cli_error(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	/* Messages quote file contents; keep the terminal safe from them. */
	fputs("relayscope: ", stderr);
	fput_sanitized(stderr, msg, strlen(msg));
	fputc('\n', stderr);
	free(msg);
}

int
cli_load_config(struct cli *cli, struct config *cfg)
{
	const char	*path;
	char		*cause = NULL;

	if ((path = config_locate(cli->config_path, &cause)) == NULL ||
	    config_load(path, cfg, &cause) != 0) {
		cli_error("%s", cause != NULL ? cause : "cannot load config");
		free(cause);
		return -1;
	}
	return 0;
}

void
cli_warn_slow_rules(const struct config *cfg, const struct parser *p)
{
	size_t	 i;
	int	 warned = 0;

	for (i = 0; i < cfg->n_rules; i++) {
		const struct config_rule *r = &cfg->rules[i];
		const char *c = r->contains, *bar;
		size_t	 n;

		/* Each '|'-separated alternative must be long enough. */
		for (; c != NULL; c = *bar != '\0' ? bar + 1 : NULL) {
			bar = c + strcspn(c, "|");
			n = (size_t)(bar - c);
			if (n > 0 && n < PARSER_LITERAL_MIN)
				break;
		}
		if (r->contains == NULL)
			cli_error("%s:%d: rule '%s' has no 'contains': while "
			    "it stands, ingest parses every line (about a third "
			    "slower); give it a text its lines always hold",
			    cfg->path, r->line, r->name);
		else if (c != NULL)
			cli_error("%s:%d: rule '%s': 'contains' has '%.*s', "
			    "shorter than %d bytes: while it stands, ingest "
			    "parses every line (about a third slower)",
			    cfg->path, r->line, r->name, (int)n, c,
			    PARSER_LITERAL_MIN);
		else
			continue;
		warned = 1;
	}
	if (!warned && p != NULL && !parser_skims(p))
		cli_error("%s: the rules' 'contains' texts and the built-in "
		    "ones are more than %d distinct literals (texts that "
		    "share their first 5 bytes count once): ingest parses "
		    "every line (about a third slower); let rules share "
		    "texts or give fewer alternatives", cfg->path,
		    PARSER_LITERALS_MAX);
}

int
cmd_config(struct cli *cli, int argc, char **argv)
{
	struct config	 cfg;
	struct parser	*p;
	char		*cause = NULL;
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "help") == 0) {
			fputs(cmd_config_usage, stdout);
			return EXIT_OK;
		}
	}
	if (argc < 2) {
		fputs(cmd_config_usage, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "check") != 0) {
		cli_error("unknown config subcommand '%s'", argv[1]);
		fputs(cmd_config_usage, stderr);
		return EXIT_USAGE;
	}
	if (argc > 2) {
		cli_error("config check takes no arguments (give the file "
		    "with --config FILE before 'config')");
		fputs(cmd_config_usage, stderr);
		return EXIT_USAGE;
	}

	if (cli_load_config(cli, &cfg) != 0)
		return EXIT_CONFIG;
	/* The operator's rules must compile, as ingest would compile them. */
	if ((p = cli_open_parser(&cfg, 0, 0, 0, &cause)) == NULL) {
		cli_error("%s", cause);
		free(cause);
		config_release(&cfg);
		return EXIT_CONFIG;
	}
	config_print(stdout, &cfg);
	cli_warn_slow_rules(&cfg, p);
	parser_close(p);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write the configuration to stdout");
		config_release(&cfg);
		return EXIT_FAIL;
	}
	fputs("config OK: ", stderr);
	fput_sanitized(stderr, cfg.path, strlen(cfg.path));
	fputc('\n', stderr);
	config_release(&cfg);
	return EXIT_OK;
}
