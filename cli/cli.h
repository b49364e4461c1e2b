/*
 * cli.h: the subcommands. main.c parses the global options (given before
 * the subcommand: --config FILE, --help, --version) and calls one cmd_*
 * with the subcommand's own argv (argv[0] is the subcommand name).
 *
 * Each cmd_* returns the process exit status: 0 done, 1 a run that could not
 * complete (bad input, I/O), 2 a usage error (printed with the usage), 3 a
 * bad configuration. Messages go to stderr as "relayscope: ...".
 */
#ifndef RS_CLI_H
#define RS_CLI_H

#include "config.h"

struct cli {
	const char	*config_path;	/* --config, or NULL */
};

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_CONFIG = 3,
};

/* Loads the configuration or prints why not; returns 0 or -1. */
int	 cli_load_config(struct cli *, struct config *);
struct parser;
/*
 * Warns of the operator's rules that keep ingest from skipping lines, and
 * of too many literals for p (built from cfg) to look for at once.
 */
void	 cli_warn_slow_rules(const struct config *, const struct parser *p);
void	 cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int	 cmd_ingest(struct cli *, int, char **);
int	 cmd_stats(struct cli *, int, char **);
int	 cmd_purge(struct cli *, int, char **);
int	 cmd_rules(struct cli *, int, char **);
int	 cmd_config(struct cli *, int, char **);
int	 cmd_why(struct cli *, int, char **);
int	 cmd_probes(struct cli *, int, char **);
int	 cmd_customer(struct cli *, int, char **);
int	 cmd_report(struct cli *, int, char **);

/* Shared by the diagnosing commands (cmd_why.c). */
struct policy_opts;
struct store;
struct store_event;
struct verdict;
/*
 * The verdict of one denial d under o, as why gives it; the verdict's
 * pointer facts (last_login.user and .service, roaming.last_ip) are NULL.
 * Returns 0 or -1 with *cause set.
 */
int	 cli_diagnose(struct store *, const struct policy_opts *,
	    struct store_event *d, struct verdict *, char **cause);
/*
 * The verdicts of d[0..n), each as cli_diagnose() gives it, the evidence
 * fetched once per IP and sender. Returns 0 or -1 with *cause set.
 */
int	 cli_diagnose_all(struct store *, const struct policy_opts *,
	    struct store_event *d, size_t n, struct verdict *v, char **cause);
/*
 * The start of a denial's JSON object, as why and customer give it:
 * {"id", "time", "ip", "sender" (null when unknown), "recipient"; the
 * caller adds the rest and the closing brace.
 */
struct strbuf;
void	 cli_json_denial_head(struct strbuf *, const struct store_event *);
/* The policy options of cfg (its strings, not copies): keep cfg loaded. */
void	 cli_policy_opts(const struct config *, struct policy_opts *);
/*
 * --since/--until: "2026-11-22" (its first second, or its last when end),
 * "2026-11-22T17:00:00Z" (UTC), or a duration back from now ("2h", "7d").
 * Returns 0 or -1.
 */
int	 cli_parse_time(const char *, int end, int64_t now, int64_t *out);
/*
 * The time-range options shared by why, probes and the reports to come:
 * --since T, --until T, --limit N at argv[*i]. Returns 1 when it took the
 * option (and its value: *i moves on), 0 when argv[*i] is something else,
 * -1 after printing a usage error.
 */
int	 cli_range_arg(const char *cmd, int argc, char **argv, int *i,
	    int64_t now, int64_t *since, int64_t *until, int64_t *limit);

/* The options of the query commands (why, customer, probes). */
struct cli_query {
	int		 json;
	const char	*arg;		/* the one operand, NULL if none */
	int64_t		 now, since, until;
	int64_t		 limit;		/* 0: all (default with --json),
					   else 20 */
};
/*
 * Parses --json, --since, --until, --limit, --help and at most one operand
 * (what names it, e.g. "an IP, address, user or event id"; NULL: none
 * allowed). Returns -1 to go on, or the exit status to return (help
 * printed: EXIT_OK; a usage error printed: EXIT_USAGE).
 */
int	 cli_query_args(const char *cmd, const char *usage, const char *what,
	    int argc, char **argv, struct cli_query *);

#endif
