/*
 * config.h: config.yaml turned into plain structs.
 *
 * Only cli/ sees libyaml. config_locate() picks the file (--config, then
 * $RELAYSCOPE_CONFIG, ./config.yaml, /etc/relayscope/config.yaml);
 * config_load() reads and validates it completely before anything runs: on
 * error it returns -1 with a cause of the form
 *     "config.yaml:12:3: unknown key 'relay_network' (did you mean relay_networks?)"
 * and the struct is left released. config_print() writes the effective
 * configuration (defaults filled in) as YAML that config_load() reads back.
 */
#ifndef RS_CONFIG_H
#define RS_CONFIG_H

#include <stdio.h>
#include <stdint.h>

#include "../common/common.h"
#include "../policy/policy.h"

/* An operator's own PCRE2 rule (config key `rules`, a list of maps). */
struct config_rule {
	char	*name;		/* required, unique */
	char	*kind;		/* relay_denial | relay_denial_temporary |
				   relay (5xx or 4xx by the code group) |
				   other_reject | login_ok | login_failed */
	char	*pattern;	/* required: PCRE2, named groups ip, host, helo,
				   sender, recipient, user, service, method,
				   code, status */
	char	*contains;	/* optional literal the line must contain */
	char	*mta;		/* optional: postfix, sendmail, exim, courier,
				   dovecot, ... (default "other") */
	char	*service;	/* optional default service (pop3, imap, ...) */
	int	 line;		/* where it stands in the file, for messages */
	int	 pattern_line;	/* where its pattern does */
};

struct config_source {
	char	*path;
	char	*format;	/* optional hint: auto, syslog, exim, ... */
};

struct config {
	char	*path;			/* file loaded, NULL if built-in */
	char	*database;		/* required */
	char	*timezone;		/* NULL: the system's zone */
	char	**local_domains;
	size_t	 n_local_domains;
	struct cidr *relay_networks;
	size_t	 n_relay_networks;
	int	 popauth_enabled;	/* default 1 */
	int64_t	 popauth_window;	/* seconds, default 900 */
	char	**popauth_services;	/* default pop3, imap */
	size_t	 n_popauth_services;
	struct config_source *sources;
	size_t	 n_sources;
	struct config_rule *rules;
	size_t	 n_rules;
	int64_t	 retention;		/* seconds; default 180d; 0: forever */
	/* probes: the sliding window of the probe scoring (policy.h,
	   struct policy_probe_opts); defaults from policy_opts_init(). */
	int64_t	 probe_window;		/* seconds, default 3600 */
	int	 probe_attempts;	/* default 10 */
	int	 probe_domains;		/* default 5 */
	int	 probe_score;		/* default 100 */
	/* advice: a text per headline (NULL: the built-in one), as written
	   but without trailing blanks; %w, %c and %% as policy.h says, no
	   other %; at most CONFIG_ADVICE_MAX bytes once they are filled in
	   with popauth's window. */
	char	*advice[H__COUNT];
};

/* The longest advice text, %w and %c filled in (struct verdict holds it). */
#define CONFIG_ADVICE_MAX \
	(sizeof(((struct verdict *)0)->advice) - 1)

/*
 * Returns the path to load: explicit if not NULL, else the first of
 * $RELAYSCOPE_CONFIG, ./config.yaml, /etc/relayscope/config.yaml that
 * exists. Returns NULL (and sets cause) when none is found.
 */
const char *config_locate(const char *explicit, char **cause);
int	 config_load(const char *path, struct config *, char **cause);
void	 config_release(struct config *);
void	 config_print(FILE *, const struct config *);

#endif
