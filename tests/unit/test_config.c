/*
 * test_config.c: config_load() on the shipped config.yaml and on small
 * files written into a temporary directory.
 *
 * The Makefile links unit tests with the common, parser and store objects
 * only, so the loader is included whole. Run from the repository root.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cli/config.c"

static char	 t_dir[64];
static int	 t_failed;
static int	 t_count;
static char	*t_files[64];
static size_t	 t_nfiles;

static void	 t_check(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
t_check(int ok, const char *fmt, ...)
{
	va_list	 ap;

	t_count++;
	if (!ok)
		t_failed++;
	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Keeps path (allocated) for the cleanup; returns the kept copy. */
static const char *
t_remember(char *path)
{
	size_t	 i;

	for (i = 0; i < t_nfiles; i++) {
		if (strcmp(t_files[i], path) == 0) {
			free(path);
			return t_files[i];
		}
	}
	if (t_nfiles == ARRAY_LEN(t_files)) {
		fprintf(stderr, "too many test files\n");
		exit(1);
	}
	t_files[t_nfiles++] = path;
	return path;
}

/* Writes text to name in the temporary directory; returns the path. */
static const char *
t_write(const char *name, const char *text)
{
	char	*path;
	FILE	*f;

	path = xasprintf("%s/%s", t_dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "cannot write '%s': %s\n", path,
		    strerror(errno));
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return t_remember(path);
}

static int
t_is_released(const struct config *cfg)
{
	static const struct config zero;

	return memcmp(cfg, &zero, sizeof(zero)) == 0;
}

/*
 * Loads text, which must fail with a cause containing every one of the
 * NULL-terminated needles (and leave the struct released).
 */
static void
t_fails(const char *what, const char *text, ...)
{
	struct config	 cfg;
	const char	*path, *needle;
	char		*cause = NULL;
	va_list		 ap;
	int		 ok;

	path = t_write("bad.yaml", text);
	ok = config_load(path, &cfg, &cause) == -1 && cause != NULL &&
	    t_is_released(&cfg);
	va_start(ap, text);
	while (ok && (needle = va_arg(ap, const char *)) != NULL) {
		if (strstr(cause, needle) == NULL)
			ok = 0;
	}
	va_end(ap);
	t_check(ok, "%s: %s", what, cause != NULL ? cause : "(loaded)");
	if (cause == NULL)
		config_release(&cfg);
	free(cause);
}

/* Loads text, which must succeed; the caller releases cfg. */
static int
t_loads(const char *what, const char *text, struct config *cfg)
{
	const char	*path;
	char		*cause = NULL;

	path = t_write("good.yaml", text);
	if (config_load(path, cfg, &cause) != 0) {
		t_check(0, "%s: %s", what, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* config_print of cfg, reloaded, printed again: the same text. */
static void
t_round_trip(const char *what, const struct config *cfg)
{
	struct config	 again;
	char		*p1 = NULL, *p2 = NULL, *cause = NULL;
	const char	*path;
	size_t		 n1 = 0, n2 = 0;
	FILE		*f;
	int		 ok = 0;

	path = t_remember(xasprintf("%s/printed.yaml", t_dir));
	f = open_memstream(&p1, &n1);
	config_print(f, cfg);
	fclose(f);
	f = fopen(path, "w");
	fputs(p1, f);
	fclose(f);
	if (config_load(path, &again, &cause) == 0) {
		f = open_memstream(&p2, &n2);
		config_print(f, &again);
		fclose(f);
		/* The first line names the file it came from. */
		ok = strcmp(strchr(p1, '\n'), strchr(p2, '\n')) == 0;
		config_release(&again);
	}
	t_check(ok, "%s: config_print re-loads to the same config%s%s", what,
	    cause != NULL ? ": " : "", cause != NULL ? cause : "");
	if (!ok)
		fprintf(stderr, "--- printed:\n%s--- again:\n%s", p1,
		    p2 != NULL ? p2 : "");
	free(cause);
	free(p1);
	free(p2);
}

static void
t_default_config(void)
{
	struct config	 cfg;
	char		*cause = NULL;
	char		 net[64];

	if (config_load("config.yaml", &cfg, &cause) != 0) {
		t_check(0, "the shipped config.yaml loads: %s", cause);
		free(cause);
		return;
	}
	t_check(1, "the shipped config.yaml loads");
	t_check(strcmp(cfg.database, "relayscope.db") == 0,
	    "config.yaml: database is relayscope.db");
	t_check(cfg.timezone == NULL, "config.yaml: timezone is the system's");
	t_check(cfg.n_local_domains == 3 &&
	    strcmp(cfg.local_domains[0], "example.net") == 0,
	    "config.yaml: local_domains start with example.net");
	t_check(cfg.n_relay_networks == 2, "config.yaml: two relay_networks");
	if (cfg.n_relay_networks == 2) {
		cidr_format(&cfg.relay_networks[1], net, sizeof(net));
		t_check(strcmp(net, "::1/128") == 0,
		    "config.yaml: ::1/128 is a relay network");
	}
	t_check(cfg.popauth_enabled == 1 && cfg.popauth_window == 900 &&
	    cfg.n_popauth_services == 2, "config.yaml: popauth 15m pop3 imap");
	t_check(cfg.retention == 180 * 86400, "config.yaml: retention 180d");
	t_check(cfg.probe_window == 3600 && cfg.probe_attempts == 10 &&
	    cfg.probe_domains == 5 && cfg.probe_score == 100,
	    "config.yaml: probes 1h, 10 attempts, 5 domains, score 100");
	t_round_trip("config.yaml", &cfg);
	config_release(&cfg);
}

/*
 * The commented-out probes: and advice: examples of config.yaml, with
 * their '#' taken off ("#key:" and "#  ..." lines; prose is "# ..."),
 * load and say what the comments say.
 */
static void
t_config_examples(void)
{
	struct config	 cfg;
	struct strbuf	 sb;
	char		 line[512];
	FILE		*f;
	int		 on = 0;

	if ((f = fopen("config.yaml", "r")) == NULL) {
		t_check(0, "config.yaml examples: cannot read config.yaml");
		return;
	}
	sb_init(&sb, 0);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "#probes:", 8) == 0)
			on = 1;
		if (on && line[0] == '#' && (line[1] != ' ' ||
		    strncmp(line, "#  ", 3) == 0))
			sb_addstr(&sb, line + 1);
		else
			sb_addstr(&sb, line);
	}
	fclose(f);
	if (t_loads("config.yaml with its probes and advice examples",
	    sb.buf, &cfg) == 0) {
		t_check(cfg.probe_window == 3600 && cfg.probe_attempts == 10 &&
		    cfg.probe_domains == 5 && cfg.probe_score == 100,
		    "config.yaml examples: the probes shown are the defaults");
		t_check(cfg.advice[H_ROAMING] != NULL &&
		    strstr(cfg.advice[H_ROAMING], "0800 123 4567") != NULL &&
		    strstr(cfg.advice[H_ROAMING], "https://") != NULL &&
		    strchr(cfg.advice[H_ROAMING], '\n') != NULL,
		    "config.yaml examples: roaming advice with a phone number "
		    "and a URL, on several lines");
		t_check(cfg.advice[H_POPAUTH_EXPIRED] != NULL &&
		    strstr(cfg.advice[H_POPAUTH_EXPIRED], "%w") != NULL &&
		    strchr(cfg.advice[H_POPAUTH_EXPIRED], '\n') == NULL,
		    "config.yaml examples: popauth-expired folded, with %%w");
		t_round_trip("config.yaml examples", &cfg);
		config_release(&cfg);
	}
	sb_release(&sb);
}

static void
t_defaults(void)
{
	struct config	 cfg;

	if (t_loads("only database", "database: /var/lib/rs.db\n", &cfg) != 0)
		return;
	t_check(cfg.popauth_enabled == 1 && cfg.popauth_window == 900 &&
	    cfg.n_popauth_services == 2 &&
	    strcmp(cfg.popauth_services[0], "pop3") == 0 &&
	    strcmp(cfg.popauth_services[1], "imap") == 0 &&
	    cfg.retention == 180 * 86400 && cfg.n_rules == 0 &&
	    cfg.n_sources == 0 && cfg.n_local_domains == 0,
	    "only database: the defaults are filled in");
	t_check(cfg.probe_window == 3600 && cfg.probe_attempts == 10 &&
	    cfg.probe_domains == 5 && cfg.probe_score == 100,
	    "only database: probes 1h, 10 attempts, 5 domains, score 100");
	t_check(cfg.advice[H_ROAMING] == NULL && cfg.advice[H_FOREIGN] == NULL,
	    "only database: the built-in advice");
	t_round_trip("only database", &cfg);
	config_release(&cfg);
}

static void
t_values(void)
{
	struct config	 cfg;

	if (t_loads("full", "database: db.sqlite\n"
	    "timezone: UTC\n"
	    "local_domains: [Example.NET, mail.example.org]\n"
	    "relay_networks: [192.0.2.0/24, '2001:db8::/32', 198.51.100.7]\n"
	    "popauth:\n"
	    "  enabled: no\n"
	    "  window: 2h\n"
	    "  services: [imap, smtp-auth]\n"
	    "sources:\n"
	    "  - /var/log/mail.log\n"
	    "  - path: /var/log/exim4/mainlog\n"
	    "    format: exim\n"
	    "  - {path: \"/var/log/with space.log\"}\n"
	    "rules:\n"
	    "  - name: isp-no-relay\n"
	    "    kind: relay_denial\n"
	    "    contains: We do not relay\n"
	    "    pattern: '\\[(?<ip>[0-9.]+)\\] \"quoted\" \\d+ "
	    "# not a comment'\n"
	    "    mta: sendmail\n"
	    "  - name: drac-login\n"
	    "    kind: login_ok\n"
	    "    pattern: \"drac: (?<user>\\\\S+)\\t\\u00e9\\x85\"\n"
	    "    service: pop3\n"
	    "retention: never\n", &cfg) != 0)
		return;
	t_check(strcmp(cfg.timezone, "UTC") == 0, "timezone UTC");
	t_check(strcmp(cfg.local_domains[0], "example.net") == 0,
	    "local_domains are lowercased");
	t_check(cfg.n_relay_networks == 3 &&
	    cfg.relay_networks[1].family == 6 &&
	    cfg.relay_networks[2].prefix == 32,
	    "relay_networks: IPv6 and a bare address");
	t_check(cfg.popauth_enabled == 0 && cfg.popauth_window == 7200 &&
	    cfg.n_popauth_services == 2 &&
	    strcmp(cfg.popauth_services[1], "smtp-auth") == 0,
	    "popauth: enabled no, window 2h, services");
	t_check(cfg.n_sources == 3 &&
	    strcmp(cfg.sources[0].path, "/var/log/mail.log") == 0 &&
	    cfg.sources[0].format == NULL &&
	    strcmp(cfg.sources[1].path, "/var/log/exim4/mainlog") == 0 &&
	    strcmp(cfg.sources[1].format, "exim") == 0 &&
	    strcmp(cfg.sources[2].path, "/var/log/with space.log") == 0,
	    "sources as strings and as maps");
	t_check(cfg.n_rules == 2 && strcmp(cfg.rules[0].kind,
	    "relay_denial") == 0 && strcmp(cfg.rules[0].pattern,
	    "\\[(?<ip>[0-9.]+)\\] \"quoted\" \\d+ # not a comment") == 0 &&
	    strcmp(cfg.rules[0].contains, "We do not relay") == 0 &&
	    strcmp(cfg.rules[0].mta, "sendmail") == 0 &&
	    cfg.rules[0].service == NULL && cfg.rules[0].line == 15 &&
	    strcmp(cfg.rules[1].service, "pop3") == 0,
	    "rules are stored as written");
	t_check(cfg.retention == 0, "retention never is 0");
	t_round_trip("full", &cfg);
	config_release(&cfg);

	if (t_loads("retention 0", "database: x\nretention: 0\n", &cfg) == 0) {
		t_check(cfg.retention == 0, "retention 0 is 0");
		config_release(&cfg);
	}
	if (t_loads("retention 1w", "database: x\nretention: 1w\n"
	    "popauth:\n", &cfg) == 0) {
		t_check(cfg.retention == 7 * 86400 && cfg.popauth_enabled,
		    "retention 1w, empty popauth keeps the defaults");
		config_release(&cfg);
	}
	if (t_loads("odd strings", "database: \"null\"\n"
	    "sources: ['-x', 'a: b', 'yes', ':x', 'x:', \"\\x01\\u2028\"]\n",
	    &cfg) == 0) {
		t_check(strcmp(cfg.database, "null") == 0,
		    "a quoted null is a string");
		t_round_trip("odd strings", &cfg);
		config_release(&cfg);
	}
}

/* probes: and advice: */
static void
t_policy(void)
{
	struct config	 cfg;
	struct policy_opts o;
	char		 buf[1100], *big;
	size_t		 i;

	if (t_loads("probes and advice", "database: x\n"
	    "popauth: {window: 20m}\n"
	    "probes:\n"
	    "  window: 2h\n"
	    "  attempts: 25\n"
	    "  domains: 3\n"
	    "  score: 250\n"
	    "advice:\n"
	    "  roaming: |\n"
	    "    Sending from outside our network? Use port 587.\n"
	    "    Help: +49 30 1234567, https://help.example.net/smtp?a=1&b=2\n"
	    "\n"
	    "  popauth-expired: >\n"
	    "    Check mail every %c minutes: the window is %w minutes,\n"
	    "    100%% sure.\n"
	    "  probe: \"Blocklist it: abuse@example.net\"\n"
	    "  foreign:\n", &cfg) != 0)
		return;
	t_check(cfg.probe_window == 7200 && cfg.probe_attempts == 25 &&
	    cfg.probe_domains == 3 && cfg.probe_score == 250,
	    "probes: window 2h, attempts 25, domains 3, score 250");
	t_check(cfg.advice[H_ROAMING] != NULL && strcmp(cfg.advice[H_ROAMING],
	    "Sending from outside our network? Use port 587.\n"
	    "Help: +49 30 1234567, https://help.example.net/smtp?a=1&b=2") == 0,
	    "advice: a literal block keeps its lines, not its last newline");
	t_check(cfg.advice[H_POPAUTH_EXPIRED] != NULL &&
	    strcmp(cfg.advice[H_POPAUTH_EXPIRED], "Check mail every %c "
	    "minutes: the window is %w minutes, 100%% sure.") == 0,
	    "advice: a folded block is one line");
	t_check(cfg.advice[H_FOREIGN] == NULL && cfg.advice[H_NO_LOGIN] ==
	    NULL, "advice: null or absent is the built-in text");
	/* As cli_policy_opts() passes them on (cli/ is not linked here). */
	policy_opts_init(&o);
	o.window = cfg.popauth_window;
	o.advice[H_POPAUTH_EXPIRED] = cfg.advice[H_POPAUTH_EXPIRED];
	policy_advice(&o, H_POPAUTH_EXPIRED, buf, sizeof(buf));
	t_check(strcmp(buf, "Check mail every 19 minutes: the window is 20 "
	    "minutes, 100% sure.") == 0, "advice: %%w, %%c and %%%% filled "
	    "in: %s", buf);
	t_round_trip("probes and advice", &cfg);
	config_release(&cfg);

	/* The built-in text written out is the built-in text. */
	big = xasprintf("database: x\nadvice:\n  foreign: \"%s\"\n",
	    policy_default_advice(H_FOREIGN));
	if (t_loads("advice: the built-in text", big, &cfg) == 0) {
		t_check(cfg.advice[H_FOREIGN] == NULL,
		    "advice: the built-in text given is no change");
		config_release(&cfg);
	}
	free(big);

	/* Odd text goes out quoted and comes back the same. */
	if (t_loads("advice: odd text", "database: x\nadvice:\n"
	    "  no-login: \"  leading blanks\\ttab\\n\\nand \u00e9 \"\n"
	    "  login-failed: \"a: b # c\"\n", &cfg) == 0) {
		t_check(strcmp(cfg.advice[H_NO_LOGIN],
		    "  leading blanks\ttab\n\nand \xc3\xa9") == 0,
		    "advice: leading blanks kept, trailing ones dropped");
		t_round_trip("advice: odd text", &cfg);
		config_release(&cfg);
	}

	/* The longest text that fits, and one byte more. */
	big = xmalloc(CONFIG_ADVICE_MAX + 64);
	i = (size_t)snprintf(big, 64, "database: x\nadvice: {probe: \"");
	memset(big + i, 'a', CONFIG_ADVICE_MAX - 2);
	memcpy(big + i + CONFIG_ADVICE_MAX - 2, "%w\"}\n", 6);
	if (t_loads("advice: at the cap", big, &cfg) == 0) {
		t_check(strlen(cfg.advice[H_PROBE]) == CONFIG_ADVICE_MAX,
		    "advice: %zu bytes with %%w filled in is allowed",
		    (size_t)CONFIG_ADVICE_MAX);
		config_release(&cfg);
	}
	memcpy(big + i + CONFIG_ADVICE_MAX - 2, "a%w\"}\n", 7);
	t_fails("advice over the cap", big, ":2:17: ",
	    "'advice.probe' is too long: 1024 bytes with %w and %c filled in, "
	    "at most 1023", NULL);
	free(big);

	t_fails("misspelt headline", "database: x\nadvice:\n"
	    "  roming: text\n", "bad.yaml:3:3: ",
	    "unknown key 'roming' in 'advice' (did you mean roaming?)", NULL);
	t_fails("unknown headline", "database: x\nadvice:\n"
	    "  zzzzzzzz: text\n", ":3:3: ", "unknown key 'zzzzzzzz' in "
	    "'advice' (valid: in-relay-networks, exception-not-applied", NULL);
	t_fails("duplicate headline", "database: x\nadvice:\n"
	    "  probe: a\n  probe: b\n", ":4:3: ",
	    "duplicate key 'probe' in 'advice'", NULL);
	t_fails("advice not a mapping", "database: x\nadvice: [a, b]\n",
	    ":2:9: ", "'advice' must be a mapping of headline to text", NULL);
	t_fails("advice: unknown %-sequence", "database: x\nadvice:\n"
	    "  roaming: \"Save 50%d now\"\n", ":3:12: ",
	    "'advice.roaming': unknown '%d' at character 8",
	    "%w for the window in minutes", "%% for a percent sign", NULL);
	t_fails("advice: a lone % at the end", "database: x\nadvice:\n"
	    "  roaming: \"100%\"\n", "'advice.roaming' ends with a lone "
	    "'%': write %% for a percent sign", NULL);
	t_fails("advice: % and a blank", "database: x\nadvice:\n"
	    "  roaming: \"100% sure\"\n", "a '%' at character 4 is not "
	    "followed by w, c or %", NULL);
	t_fails("advice: blank", "database: x\nadvice:\n"
	    "  roaming: \"  \\n\"\n", "'advice.roaming' must not be blank",
	    NULL);
	t_fails("advice: control character", "database: x\nadvice:\n"
	    "  roaming: \"a\\x1b[31mb\"\n", "'advice.roaming' contains a "
	    "control character (byte 0x1b", NULL);
	t_fails("advice: a list", "database: x\nadvice:\n"
	    "  roaming: [a]\n", ":3:12: ", "'advice.roaming' must be the "
	    "text to read to the customer", NULL);

	t_fails("misspelt probes key", "database: x\nprobes:\n"
	    "  attempt: 5\n", ":3:3: ",
	    "unknown key 'attempt' in 'probes' (did you mean attempts?)", NULL);
	t_fails("misspelt probes", "database: x\nprobe:\n  attempts: 5\n",
	    ":2:1: ", "unknown key 'probe' (did you mean probes?)", NULL);
	t_fails("probes not a mapping", "database: x\nprobes: 10\n",
	    ":2:9: ", "'probes' must be a mapping", NULL);
	t_fails("probes: window not a duration", "database: x\n"
	    "probes: {window: 1hour}\n", ":2:18: ",
	    "'probes.window' is not a duration: '1hour'", NULL);
	t_fails("probes: window too short", "database: x\n"
	    "probes: {window: 30s}\n", ":2:18: ",
	    "'probes.window' must be from 1m to 7d, not 30s", NULL);
	t_fails("probes: window too long", "database: x\n"
	    "probes: {window: 30d}\n", "must be from 1m to 7d, not 30d", NULL);
	t_fails("probes: attempts 1", "database: x\n"
	    "probes: {attempts: 1}\n", ":2:20: ",
	    "'probes.attempts' must be from 2 to 1000000, not 1",
	    "one attempt alone is never a probe", NULL);
	t_fails("probes: attempts not a number", "database: x\n"
	    "probes: {attempts: ten}\n", "'probes.attempts' must be a whole "
	    "number from 2 to 1000000, not 'ten'", NULL);
	t_fails("probes: negative domains", "database: x\n"
	    "probes: {domains: -5}\n", "'probes.domains' must be a whole "
	    "number from 1 to 1000000, not '-5'", NULL);
	t_fails("probes: domains 0", "database: x\n"
	    "probes: {domains: 0}\n", "'probes.domains' must be from 1 to "
	    "1000000, not 0", NULL);
	t_fails("probes: fractional score", "database: x\n"
	    "probes: {score: 99.5}\n", "'probes.score' must be a whole "
	    "number", NULL);
	t_fails("probes: huge score", "database: x\n"
	    "probes: {score: 99999999999999999999999}\n", "'probes.score' "
	    "must be from 1 to 1000000, not 99999999999999999999999", NULL);
}

static void
t_errors(void)
{
	t_fails("misspelt key", "database: x\nrelay_network: [10.0.0.0/8]\n",
	    "bad.yaml:2:1: ", "unknown key 'relay_network'",
	    "did you mean relay_networks?", NULL);
	t_fails("misspelt nested key", "database: x\npopauth:\n  windw: 5m\n",
	    ":3:3: ", "'windw' in 'popauth'", "did you mean window?", NULL);
	t_fails("prefix of a key", "database: x\nlocal: [example.net]\n",
	    "did you mean local_domains?", NULL);
	t_fails("nothing close", "database: x\nzzzzzzzz: 1\n",
	    "unknown key 'zzzzzzzz'", "valid: database, timezone", NULL);
	t_fails("host bits", "database: x\nrelay_networks:\n"
	    "  - 10.0.0.0/8\n  - 192.0.2.1/24\n",
	    ":4:5: ", "host bits", "192.0.2.0/24", NULL);
	t_fails("not a network", "database: x\nrelay_networks: [mx.example]\n",
	    ":2:18: ", "relay_networks: 'mx.example'", NULL);
	t_fails("networks not a list", "database: x\n"
	    "relay_networks: 192.0.2.0/24\n", ":2:17: ",
	    "'relay_networks' must be a list of networks, e.g. [192.0.2.0/24]",
	    NULL);
	t_fails("bad window", "database: x\npopauth:\n  window: 15x\n",
	    ":3:11: ", "'popauth.window'", "'15x'", NULL);
	t_fails("bad retention", "database: x\nretention: 15x\n",
	    ":2:12: ", "'retention'", "'15x'", NULL);
	t_fails("zero window", "database: x\npopauth: {window: 0}\n",
	    "'popauth.window' must be longer than 0s", NULL);
	t_fails("bad bool", "database: x\npopauth: {enabled: maybe}\n",
	    "'popauth.enabled' must be true or false", NULL);
	t_fails("bad service", "database: x\npopauth: {services: [pop]}\n",
	    "unknown popauth service 'pop' (did you mean pop3?)", NULL);
	t_fails("empty services", "database: x\npopauth: {services: []}\n",
	    "'popauth.services' is empty", NULL);
	t_fails("missing database", "timezone: UTC\nretention: 1d\n",
	    "bad.yaml: 'database' is required: the path of the SQLite file, "
	    "e.g. database: /var/lib/relayscope/relayscope.db", NULL);
	t_fails("empty file", "", "bad.yaml: 'database' is required", NULL);
	t_fails("only comments", "# nothing\n",
	    "'database' is required", NULL);
	t_fails("null database", "database:\n", ":1:10: ",
	    "'database' must be the path of the SQLite file", NULL);
	t_fails("duplicate key", "database: a\nretention: 1d\ndatabase: b\n",
	    ":3:1: ", "duplicate key 'database'", "line 1", NULL);
	t_fails("duplicate nested key", "database: a\npopauth:\n"
	    "  window: 1m\n  window: 2m\n", ":4:3: ",
	    "duplicate key 'window' in 'popauth'", NULL);
	t_fails("syntax error", "database: x\nlocal_domains: [a, b\n"
	    "retention: 1d\n", "bad.yaml:", "YAML syntax error", NULL);
	t_fails("syntax error position", "database: x\nretention: 1d: 2d\n",
	    "bad.yaml:2:14: YAML syntax error: mapping values are not allowed",
	    NULL);
	t_fails("tab indent", "database: x\npopauth:\n\tenabled: true\n",
	    "bad.yaml:3:1: YAML syntax error", "tabs", NULL);
	t_fails("not a mapping", "- database\n- x\n", ":1:1: ",
	    "must be a mapping", NULL);
	t_fails("two documents", "database: x\n---\ndatabase: y\n",
	    ":3:1: ", "second YAML document", NULL);
	t_fails("bad domain", "database: x\nlocal_domains: [example..net]\n",
	    ":2:17: ", "'example..net' is not a domain name", NULL);
	t_fails("at domain", "database: x\nlocal_domains: ['@example.net']\n",
	    "'@example.net' is not a domain name", NULL);
	t_fails("rule without pattern", "database: x\nrules:\n"
	    "  - name: r1\n    kind: relay_denial\n",
	    ":3:5: ", "rule 'r1' needs a 'pattern'", NULL);
	t_fails("rule without name", "database: x\nrules:\n"
	    "  - kind: relay_denial\n    pattern: x\n",
	    ":3:5: ", "a rule needs a 'name'", NULL);
	t_fails("rule bad kind", "database: x\nrules:\n"
	    "  - {name: r1, kind: relay_deny, pattern: x}\n",
	    "unknown rule kind 'relay_deny' (did you mean relay_denial?)",
	    NULL);
	t_fails("rule unknown key", "database: x\nrules:\n"
	    "  - {name: r1, kind: relay, patern: x}\n",
	    "unknown key 'patern' in 'rules' (did you mean pattern?)", NULL);
	t_fails("rule duplicate name", "database: x\nrules:\n"
	    "  - {name: r1, kind: relay, pattern: x}\n"
	    "  - {name: r1, kind: relay, pattern: y}\n",
	    ":4:12: ", "duplicate rule name 'r1' (first used at line 3)",
	    NULL);
	t_fails("rule not a map", "database: x\nrules: [r1]\n",
	    "each entry of 'rules' must be a mapping", NULL);
	t_fails("empty source path", "database: x\nsources: ['/x', '']\n",
	    ":2:17: ", "each entry of 'sources' must not be empty", NULL);
	t_fails("source without path", "database: x\nsources:\n"
	    "  - format: exim\n", "a source needs a 'path'", NULL);
	t_fails("source bad format", "database: x\nsources:\n"
	    "  - {path: /x, format: postfx}\n",
	    "unknown source format 'postfx' (did you mean postfix?)", NULL);
	t_fails("bad timezone", "database: x\ntimezone: Mars/Olympus\n",
	    ":2:11: ", "unknown timezone 'Mars/Olympus'", NULL);
	t_fails("undefined alias", "database: *nowhere\n",
	    "bad.yaml:1:11: YAML syntax error", NULL);
}

static void
t_locate(void)
{
	const char	*path;
	char		*cause = NULL, *missing;

	missing = xasprintf("%s/missing.yaml", t_dir);
	path = config_locate(missing, &cause);
	t_check(path == NULL && cause != NULL &&
	    strstr(cause, "cannot read config '") != NULL &&
	    strstr(cause, "No such file") != NULL,
	    "config_locate: a missing --config: %s", cause);
	free(cause);
	cause = NULL;
	path = config_locate("config.yaml", &cause);
	t_check(path != NULL && strcmp(path, "config.yaml") == 0,
	    "config_locate: an explicit file is used");
	free(missing);

	unsetenv("RELAYSCOPE_CONFIG");
	path = config_locate(NULL, &cause);
	t_check(path != NULL && strcmp(path, "config.yaml") == 0,
	    "config_locate: ./config.yaml");
}

int
main(void)
{
	size_t	 i;

	snprintf(t_dir, sizeof(t_dir), "/tmp/rs-config-XXXXXX");
	if (mkdtemp(t_dir) == NULL) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	t_default_config();
	t_config_examples();
	t_defaults();
	t_values();
	t_errors();
	t_policy();
	t_locate();
	for (i = 0; i < t_nfiles; i++) {
		unlink(t_files[i]);
		free(t_files[i]);
	}
	rmdir(t_dir);
	printf("%d of %d config checks failed\n", t_failed, t_count);
	return t_failed != 0;
}
