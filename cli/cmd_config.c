/*
 * cmd_config.c: `relayscope config check`, and the helpers every subcommand
 * uses to load the configuration and to complain.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char cmd_config_usage[] =
    "usage: relayscope [--config FILE] config check\n"
    "\n"
    "Loads and validates the configuration (--config FILE, else\n"
    "$RELAYSCOPE_CONFIG, ./config.yaml, /etc/relayscope/config.yaml) and\n"
    "prints the effective configuration, defaults filled in, as YAML.\n";

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

int
cmd_config(struct cli *cli, int argc, char **argv)
{
	struct config	 cfg;
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
	config_print(stdout, &cfg);
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
