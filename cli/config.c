/*
 * config.c: config.yaml into struct config, with libyaml's document API.
 *
 * The file is small, so it is read whole, loaded as one YAML document and
 * walked once. Every mapping first has its keys checked (an unknown key
 * gets a "did you mean" from an edit distance, a duplicate is refused),
 * then each value is converted and validated. Every message starts with
 * "FILE:LINE:COLUMN: " taken from libyaml's marks (which count from 0).
 *
 * All static names start with cfg_ so that tests/unit/test_config.c can
 * include this file whole.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"

#define CFG_MAX_SIZE	(1024 * 1024)
#define CFG_MAX_KEYS	16

#define CFG_DEFAULT_WINDOW	(15 * 60)
#define CFG_DEFAULT_RETENTION	(180 * 86400)

#define CFG_DATABASE_HINT "the path of the SQLite file, e.g. " \
	"database: /var/lib/relayscope/relayscope.db"

struct cfg_ctx {
	const char	*path;
	const char	*text;		/* the whole file, for hints */
	size_t		 len;
	yaml_document_t	*doc;
	char		**cause;
};

enum {
	CFG_TOP_DATABASE,
	CFG_TOP_TIMEZONE,
	CFG_TOP_LOCAL_DOMAINS,
	CFG_TOP_RELAY_NETWORKS,
	CFG_TOP_POPAUTH,
	CFG_TOP_SOURCES,
	CFG_TOP_RULES,
	CFG_TOP_RETENTION,
	CFG_TOP_PROBES,
	CFG_TOP_ADVICE,
	CFG_TOP__COUNT
};
static const char *const cfg_top_keys[] = {
	[CFG_TOP_DATABASE] = "database",
	[CFG_TOP_TIMEZONE] = "timezone",
	[CFG_TOP_LOCAL_DOMAINS] = "local_domains",
	[CFG_TOP_RELAY_NETWORKS] = "relay_networks",
	[CFG_TOP_POPAUTH] = "popauth",
	[CFG_TOP_SOURCES] = "sources",
	[CFG_TOP_RULES] = "rules",
	[CFG_TOP_RETENTION] = "retention",
	[CFG_TOP_PROBES] = "probes",
	[CFG_TOP_ADVICE] = "advice",
};

enum {
	CFG_PROBE_WINDOW,
	CFG_PROBE_ATTEMPTS,
	CFG_PROBE_DOMAINS,
	CFG_PROBE_SCORE,
	CFG_PROBE__COUNT
};
static const char *const cfg_probe_keys[] = {
	[CFG_PROBE_WINDOW] = "window",
	[CFG_PROBE_ATTEMPTS] = "attempts",
	[CFG_PROBE_DOMAINS] = "domains",
	[CFG_PROBE_SCORE] = "score",
};

/* The bounds of the probe settings: sane, and far from overflow. */
#define CFG_PROBE_WINDOW_MIN	60
#define CFG_PROBE_WINDOW_MAX	(7 * 86400)
#define CFG_PROBE_COUNT_MAX	1000000

/* The advice mapping's keys are the headlines (cfg_keys checks them). */
_Static_assert(H__COUNT <= CFG_MAX_KEYS, "cfg_keys must hold every headline");

enum {
	CFG_POP_ENABLED,
	CFG_POP_WINDOW,
	CFG_POP_SERVICES,
	CFG_POP__COUNT
};
static const char *const cfg_popauth_keys[] = {
	[CFG_POP_ENABLED] = "enabled",
	[CFG_POP_WINDOW] = "window",
	[CFG_POP_SERVICES] = "services",
};

enum {
	CFG_SRC_PATH,
	CFG_SRC_FORMAT,
	CFG_SRC__COUNT
};
static const char *const cfg_source_keys[] = {
	[CFG_SRC_PATH] = "path",
	[CFG_SRC_FORMAT] = "format",
};

enum {
	CFG_RULE_NAME,
	CFG_RULE_KIND,
	CFG_RULE_PATTERN,
	CFG_RULE_CONTAINS,
	CFG_RULE_MTA,
	CFG_RULE_SERVICE,
	CFG_RULE__COUNT
};
static const char *const cfg_rule_keys[] = {
	[CFG_RULE_NAME] = "name",
	[CFG_RULE_KIND] = "kind",
	[CFG_RULE_PATTERN] = "pattern",
	[CFG_RULE_CONTAINS] = "contains",
	[CFG_RULE_MTA] = "mta",
	[CFG_RULE_SERVICE] = "service",
};

static const char *const cfg_services[] = {
	"pop3", "imap", "submission", "managesieve", "smtp-auth",
};
static const char *const cfg_formats[] = {
	"auto", "syslog", "postfix", "dovecot", "exim", "sendmail", "courier",
	"journal",
};
static const char *const cfg_kinds[] = {
	"relay_denial", "relay_denial_temporary", "relay", "other_reject",
	"login_ok", "login_failed",
};

/* The lengths of the fixed fields of struct event these strings go into. */
#define CFG_RULE_NAME_MAX	47
#define CFG_WORD_MAX		15

static int	 cfg_error(struct cfg_ctx *, const yaml_node_t *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));

static int
cfg_error(struct cfg_ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (c->cause == NULL)
		return -1;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (n != NULL)
		*c->cause = xasprintf("%s:%zu:%zu: %s", c->path,
		    n->start_mark.line + 1, n->start_mark.column + 1, msg);
	else
		*c->cause = xasprintf("%s: %s", c->path, msg);
	free(msg);
	return -1;
}

static yaml_node_t *
cfg_node(struct cfg_ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

static const char *
cfg_value(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain empty, ~ or null scalar: the key is there with no value. */
static int
cfg_is_null(const yaml_node_t *n)
{
	const char	*v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = cfg_value(n);
	return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static size_t
cfg_seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
}

static yaml_node_t *
cfg_seq_item(struct cfg_ctx *c, const yaml_node_t *n, size_t i)
{
	return cfg_node(c, n->data.sequence.items.start[i]);
}

/* Levenshtein distance, ignoring case; long words count as far apart. */
static size_t
cfg_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j;
	size_t	 prev[64], cur[64];

	if (la >= ARRAY_LEN(prev) || lb >= ARRAY_LEN(prev))
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t	 sub, del, ins;
			int	 ca = a[i - 1], cb = b[j - 1];

			if (ca >= 'A' && ca <= 'Z')
				ca += 'a' - 'A';
			if (cb >= 'A' && cb <= 'Z')
				cb += 'a' - 'A';
			sub = prev[j - 1] + (ca != cb);
			del = prev[j] + 1;
			ins = cur[j - 1] + 1;
			cur[j] = sub < del ? sub : del;
			if (ins < cur[j])
				cur[j] = ins;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

/*
 * The valid word closest to word, or NULL. Close is a distance of at most
 * 3 (and at most half the candidate, so "foo" does not suggest "mta"), or
 * one being a prefix of the other ("relay" for relay_networks).
 */
static const char *
cfg_suggest(const char *word, const char *const *valid, size_t n)
{
	const char	*best = NULL;
	size_t		 bestd = (size_t)-1, d, lw = strlen(word), lv, i;
	int		 close;

	for (i = 0; i < n; i++) {
		lv = strlen(valid[i]);
		d = cfg_distance(word, valid[i]);
		close = d <= 3 && d * 2 <= lv;
		if (lw >= 3 && (strncasecmp(word, valid[i], lw) == 0 ||
		    strncasecmp(word, valid[i], lv) == 0))
			close = 1;
		if (close && d < bestd) {
			best = valid[i];
			bestd = d;
		}
	}
	return best;
}

/* "a, b, c": the valid words, for a message. Free the result. */
static char *
cfg_join(const char *const *valid, size_t n)
{
	struct strbuf	 sb;
	size_t		 i;

	sb_init(&sb, 0);
	for (i = 0; i < n; i++) {
		if (i != 0)
			sb_addstr(&sb, ", ");
		sb_addstr(&sb, valid[i]);
	}
	return sb.buf;
}

/* Sets the cause for an unknown word: a suggestion, or the valid words. */
static int
cfg_unknown(struct cfg_ctx *c, const yaml_node_t *n, const char *what,
    const char *where, const char *word, const char *const *valid, size_t nv)
{
	const char	*s = cfg_suggest(word, valid, nv);
	char		*in, *list;
	int		 rv;

	in = where != NULL ? xasprintf(" in '%s'", where) : xstrdup("");
	if (s != NULL)
		rv = cfg_error(c, n, "unknown %s '%s'%s (did you mean %s?)",
		    what, word, in, s);
	else {
		list = cfg_join(valid, nv);
		rv = cfg_error(c, n, "unknown %s '%s'%s (valid: %s)", what,
		    word, in, list);
		free(list);
	}
	free(in);
	return rv;
}

/*
 * Checks the keys of mapping map (where names it in messages, NULL at the
 * top) against keys[0..nkeys) and sets vals[i] to the value of keys[i],
 * or NULL when it is not given.
 */
static int
cfg_keys(struct cfg_ctx *c, const yaml_node_t *map, const char *where,
    const char *const *keys, size_t nkeys, yaml_node_t **vals)
{
	yaml_node_pair_t *p;
	yaml_node_t	*k, *first[CFG_MAX_KEYS];
	const char	*name;
	char		 in[64] = "";
	size_t		 i;

	if (where != NULL)
		snprintf(in, sizeof(in), " in '%s'", where);
	for (i = 0; i < nkeys && i < CFG_MAX_KEYS; i++)
		vals[i] = first[i] = NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = cfg_node(c, p->key);
		if (k->type != YAML_SCALAR_NODE || cfg_is_null(k)) {
			char	*list = cfg_join(keys, nkeys);

			cfg_error(c, k, "a key%s must be a word (valid: %s)",
			    in, list);
			free(list);
			return -1;
		}
		name = cfg_value(k);
		for (i = 0; i < nkeys; i++) {
			if (strcmp(name, keys[i]) == 0)
				break;
		}
		if (i == nkeys)
			return cfg_unknown(c, k, "key", where, name, keys,
			    nkeys);
		if (first[i] != NULL)
			return cfg_error(c, k, "duplicate key '%s'%s (first "
			    "given at line %zu)", name, in,
			    first[i]->start_mark.line + 1);
		first[i] = k;
		vals[i] = cfg_node(c, p->value);
	}
	return 0;
}

/*
 * The text of a scalar that must be a non-empty string; what names it in
 * messages ("'database'") and hint says what it should be.
 */
static int
cfg_str(struct cfg_ctx *c, const yaml_node_t *n, const char *what,
    const char *hint, const char **out)
{
	if (n->type != YAML_SCALAR_NODE || cfg_is_null(n))
		return cfg_error(c, n, "%s must be %s", what, hint);
	if (strlen(cfg_value(n)) != n->data.scalar.length)
		return cfg_error(c, n, "%s must not contain a NUL byte", what);
	if (*cfg_value(n) == '\0')
		return cfg_error(c, n, "%s must not be empty (%s)", what, hint);
	*out = cfg_value(n);
	return 0;
}

static int
cfg_strdup(struct cfg_ctx *c, const yaml_node_t *n, const char *what,
    const char *hint, char **out)
{
	const char	*s = NULL;

	if (cfg_str(c, n, what, hint, &s) != 0)
		return -1;
	*out = xstrdup(s);
	return 0;
}

/* One word of the valid list; what ("popauth service") names it. */
static int
cfg_enum(struct cfg_ctx *c, const yaml_node_t *n, const char *what,
    const char *const *valid, size_t nv, const char **out)
{
	const char	*s = NULL;
	char		*list, *hint;
	size_t		 i;
	int		 rv;

	list = cfg_join(valid, nv);
	hint = xasprintf("one of %s", list);
	rv = cfg_str(c, n, what, hint, &s);
	free(hint);
	free(list);
	if (rv != 0)
		return -1;
	for (i = 0; i < nv; i++) {
		if (strcmp(s, valid[i]) == 0) {
			*out = valid[i];
			return 0;
		}
	}
	return cfg_unknown(c, n, what, NULL, s, valid, nv);
}

static int
cfg_bool(struct cfg_ctx *c, const yaml_node_t *n, const char *what, int *out)
{
	const char	*s = NULL;

	if (cfg_str(c, n, what, "true or false", &s) != 0)
		return -1;
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 ||
	    strcasecmp(s, "on") == 0)
		*out = 1;
	else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0 ||
	    strcasecmp(s, "off") == 0)
		*out = 0;
	else
		return cfg_error(c, n, "%s must be true or false, not '%s'",
		    what, s);
	return 0;
}

/* A duration; with never_ok, "never" (and 0) mean 0: keep forever. */
static int
cfg_duration(struct cfg_ctx *c, const yaml_node_t *n, const char *what,
    int never_ok, int64_t *out)
{
	const char	*s = NULL, *also = never_ok ? ", or never" : "";
	char		*hint;
	int		 rv;

	hint = xasprintf("a duration such as 60s, 15m, 2h, 30d or 1w%s", also);
	rv = cfg_str(c, n, what, hint, &s);
	free(hint);
	if (rv != 0)
		return -1;
	if (never_ok && strcasecmp(s, "never") == 0) {
		*out = 0;
		return 0;
	}
	if (parse_duration(s, out) != 0)
		return cfg_error(c, n, "%s is not a duration: '%s' (write it "
		    "as 60s, 15m, 2h, 30d or 1w%s)", what, s, also);
	if (!never_ok && *out == 0)
		return cfg_error(c, n, "%s must be longer than 0s", what);
	return 0;
}

/* n must be a sequence (what is "'x'", hint "a list of ..."). */
static int
cfg_seq(struct cfg_ctx *c, const yaml_node_t *n, const char *what,
    const char *hint)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_error(c, n, "%s must be %s", what, hint);
	return 0;
}

/* Letters, digits, '-' and '.'; no empty labels; DNS lengths. */
static int
cfg_domain_ok(const char *s)
{
	size_t	 label = 0, total = 0;

	for (; *s != '\0'; s++, total++) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && total <= 253;
}

/* A short lowercase word for a fixed event field (mta, service). */
static int
cfg_word_ok(const char *s, size_t max)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++, n++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '_'))
			return 0;
	}
	return n > 0 && n <= max;
}

static int
cfg_name_ok(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++, n++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '.'))
			return 0;
	}
	return n > 0 && n <= CFG_RULE_NAME_MAX;
}

static int
cfg_local_domains(struct cfg_ctx *c, const yaml_node_t *n, struct config *cfg)
{
	const char	*hint = "a list of domains, e.g. "
			    "[example.net, example.org]";
	const yaml_node_t *item;
	const char	*s = NULL;
	char		*d, *p;
	size_t		 i, len;

	if (cfg_seq(c, n, "'local_domains'", hint) != 0)
		return -1;
	len = cfg_seq_len(n);
	cfg->local_domains = xcalloc(len, sizeof(*cfg->local_domains));
	cfg->n_local_domains = len;
	for (i = 0; i < len; i++) {
		item = cfg_seq_item(c, n, i);
		if (cfg_str(c, item, "each entry of 'local_domains'",
		    "a domain, e.g. example.net", &s) != 0)
			return -1;
		if (!cfg_domain_ok(s))
			return cfg_error(c, item, "local_domains: '%s' is not "
			    "a domain name (letters, digits, '-' and '.', no "
			    "empty labels; write example.net, not @example.net "
			    "or *.example.net)", s);
		d = xstrdup(s);
		for (p = d; *p != '\0'; p++) {
			if (*p >= 'A' && *p <= 'Z')
				*p += 'a' - 'A';
		}
		cfg->local_domains[i] = d;
	}
	return 0;
}

static int
cfg_relay_networks(struct cfg_ctx *c, const yaml_node_t *n,
    struct config *cfg)
{
	const yaml_node_t *item;
	const char	*s = NULL;
	char		*why = NULL;
	size_t		 i, len;
	int		 rv;

	if (cfg_seq(c, n, "'relay_networks'", "a list of networks, e.g. "
	    "[192.0.2.0/24]") != 0)
		return -1;
	len = cfg_seq_len(n);
	cfg->relay_networks = xcalloc(len, sizeof(*cfg->relay_networks));
	cfg->n_relay_networks = len;
	for (i = 0; i < len; i++) {
		item = cfg_seq_item(c, n, i);
		if (cfg_str(c, item, "each entry of 'relay_networks'",
		    "a network, e.g. 192.0.2.0/24 or 2001:db8::/32", &s) != 0)
			return -1;
		if (cidr_parse(s, &cfg->relay_networks[i], &why) != 0) {
			rv = cfg_error(c, item, "relay_networks: %s",
			    why != NULL ? why : "not a network");
			free(why);
			return rv;
		}
	}
	return 0;
}

static int
cfg_popauth(struct cfg_ctx *c, const yaml_node_t *n, struct config *cfg)
{
	yaml_node_t	*v[CFG_POP__COUNT];
	const yaml_node_t *item;
	const char	*s = NULL;
	size_t		 i, len;

	if (n->type != YAML_MAPPING_NODE)
		return cfg_error(c, n, "'popauth' must be a mapping, e.g. "
		    "popauth: { enabled: true, window: 15m, "
		    "services: [pop3, imap] }");
	if (cfg_keys(c, n, "popauth", cfg_popauth_keys, CFG_POP__COUNT,
	    v) != 0)
		return -1;
	if (v[CFG_POP_ENABLED] != NULL && !cfg_is_null(v[CFG_POP_ENABLED]) &&
	    cfg_bool(c, v[CFG_POP_ENABLED], "'popauth.enabled'",
	    &cfg->popauth_enabled) != 0)
		return -1;
	if (v[CFG_POP_WINDOW] != NULL && !cfg_is_null(v[CFG_POP_WINDOW]) &&
	    cfg_duration(c, v[CFG_POP_WINDOW], "'popauth.window'", 0,
	    &cfg->popauth_window) != 0)
		return -1;
	n = v[CFG_POP_SERVICES];
	if (n == NULL || cfg_is_null(n))
		return 0;
	if (cfg_seq(c, n, "'popauth.services'", "a list of services, e.g. "
	    "[pop3, imap]") != 0)
		return -1;
	len = cfg_seq_len(n);
	if (len == 0)
		return cfg_error(c, n, "'popauth.services' is empty: list the "
		    "services whose logins open relaying, or set enabled: "
		    "false");
	/* Replace the default list. */
	for (i = 0; i < cfg->n_popauth_services; i++)
		free(cfg->popauth_services[i]);
	free(cfg->popauth_services);
	cfg->popauth_services = xcalloc(len, sizeof(*cfg->popauth_services));
	cfg->n_popauth_services = len;
	for (i = 0; i < len; i++) {
		item = cfg_seq_item(c, n, i);
		if (cfg_enum(c, item, "popauth service", cfg_services,
		    ARRAY_LEN(cfg_services), &s) != 0)
			return -1;
		cfg->popauth_services[i] = xstrdup(s);
	}
	return 0;
}

static int
cfg_sources(struct cfg_ctx *c, const yaml_node_t *n, struct config *cfg)
{
	const char	*hint = "a list of log files, e.g. [/var/log/mail.log] "
			    "or [{path: /var/log/exim4/mainlog, format: exim}]";
	yaml_node_t	*v[CFG_SRC__COUNT];
	const yaml_node_t *item;
	struct config_source *src;
	const char	*s = NULL;
	size_t		 i, len;

	if (cfg_seq(c, n, "'sources'", hint) != 0)
		return -1;
	len = cfg_seq_len(n);
	cfg->sources = xcalloc(len, sizeof(*cfg->sources));
	cfg->n_sources = len;
	for (i = 0; i < len; i++) {
		item = cfg_seq_item(c, n, i);
		src = &cfg->sources[i];
		if (item->type != YAML_MAPPING_NODE) {
			if (cfg_strdup(c, item, "each entry of 'sources'",
			    "a path or a mapping with path and format",
			    &src->path) != 0)
				return -1;
			continue;
		}
		if (cfg_keys(c, item, "sources", cfg_source_keys,
		    CFG_SRC__COUNT, v) != 0)
			return -1;
		if (v[CFG_SRC_PATH] == NULL)
			return cfg_error(c, item, "a source needs a 'path', "
			    "e.g. path: /var/log/mail.log");
		if (cfg_strdup(c, v[CFG_SRC_PATH], "'sources.path'",
		    "the path of a log file, e.g. /var/log/mail.log",
		    &src->path) != 0)
			return -1;
		if (v[CFG_SRC_FORMAT] == NULL || cfg_is_null(v[CFG_SRC_FORMAT]))
			continue;
		if (cfg_enum(c, v[CFG_SRC_FORMAT], "source format", cfg_formats,
		    ARRAY_LEN(cfg_formats), &s) != 0)
			return -1;
		src->format = xstrdup(s);
	}
	return 0;
}

/* An optional string of a rule: NULL when absent or null. */
static int
cfg_rule_opt(struct cfg_ctx *c, const yaml_node_t *n, const char *what,
    const char *hint, char **out)
{
	if (n == NULL || cfg_is_null(n))
		return 0;
	return cfg_strdup(c, n, what, hint, out);
}

static int
cfg_rule(struct cfg_ctx *c, const yaml_node_t *item, struct config *cfg,
    size_t i)
{
	struct config_rule *r = &cfg->rules[i];
	yaml_node_t	*v[CFG_RULE__COUNT];
	const char	*s = NULL;
	size_t		 j;

	if (item->type != YAML_MAPPING_NODE)
		return cfg_error(c, item, "each entry of 'rules' must be a "
		    "mapping with name, kind and pattern, e.g. { name: "
		    "no-relay, kind: relay_denial, pattern: '...' }");
	r->line = (int)item->start_mark.line + 1;
	if (cfg_keys(c, item, "rules", cfg_rule_keys, CFG_RULE__COUNT,
	    v) != 0)
		return -1;
	if (v[CFG_RULE_NAME] == NULL)
		return cfg_error(c, item, "a rule needs a 'name' (letters, "
		    "digits, '-', '_' and '.'), e.g. name: isp-no-relay");
	if (cfg_strdup(c, v[CFG_RULE_NAME], "'rules.name'",
	    "a name such as isp-no-relay", &r->name) != 0)
		return -1;
	if (!cfg_name_ok(r->name))
		return cfg_error(c, v[CFG_RULE_NAME], "rule name '%s' must be "
		    "1 to %d letters, digits, '-', '_' or '.'", r->name,
		    CFG_RULE_NAME_MAX);
	for (j = 0; j < i; j++) {
		if (strcmp(cfg->rules[j].name, r->name) == 0)
			return cfg_error(c, v[CFG_RULE_NAME], "duplicate rule "
			    "name '%s' (first used at line %d)", r->name,
			    cfg->rules[j].line);
	}
	if (v[CFG_RULE_KIND] == NULL) {
		char	*list = cfg_join(cfg_kinds, ARRAY_LEN(cfg_kinds));
		int	 rv;

		rv = cfg_error(c, item, "rule '%s' needs a 'kind' (one of %s)",
		    r->name, list);
		free(list);
		return rv;
	}
	if (cfg_enum(c, v[CFG_RULE_KIND], "rule kind", cfg_kinds,
	    ARRAY_LEN(cfg_kinds), &s) != 0)
		return -1;
	r->kind = xstrdup(s);
	if (v[CFG_RULE_PATTERN] == NULL)
		return cfg_error(c, item, "rule '%s' needs a 'pattern' (a "
		    "PCRE2 expression with named groups such as (?<ip>...))",
		    r->name);
	if (cfg_strdup(c, v[CFG_RULE_PATTERN], "'rules.pattern'",
	    "a PCRE2 expression", &r->pattern) != 0)
		return -1;
	r->pattern_line = (int)v[CFG_RULE_PATTERN]->start_mark.line + 1;
	if (cfg_rule_opt(c, v[CFG_RULE_CONTAINS], "'rules.contains'",
	    "a literal text", &r->contains) != 0)
		return -1;
	if (cfg_rule_opt(c, v[CFG_RULE_MTA], "'rules.mta'",
	    "a word such as postfix", &r->mta) != 0)
		return -1;
	if (r->mta != NULL && !cfg_word_ok(r->mta, CFG_WORD_MAX))
		return cfg_error(c, v[CFG_RULE_MTA], "'rules.mta' must be 1 to "
		    "%d lowercase letters, digits, '-' or '_', e.g. postfix, "
		    "not '%s'", CFG_WORD_MAX, r->mta);
	if (cfg_rule_opt(c, v[CFG_RULE_SERVICE], "'rules.service'",
	    "a word such as pop3", &r->service) != 0)
		return -1;
	if (r->service != NULL && !cfg_word_ok(r->service, CFG_WORD_MAX))
		return cfg_error(c, v[CFG_RULE_SERVICE], "'rules.service' must "
		    "be 1 to %d lowercase letters, digits, '-' or '_', e.g. "
		    "pop3, not '%s'", CFG_WORD_MAX, r->service);
	return 0;
}

static int
cfg_rules(struct cfg_ctx *c, const yaml_node_t *n, struct config *cfg)
{
	size_t	 i, len;

	if (cfg_seq(c, n, "'rules'", "a list of rules, each a mapping with "
	    "name, kind and pattern") != 0)
		return -1;
	len = cfg_seq_len(n);
	cfg->rules = xcalloc(len, sizeof(*cfg->rules));
	cfg->n_rules = len;
	for (i = 0; i < len; i++) {
		if (cfg_rule(c, cfg_seq_item(c, n, i), cfg, i) != 0)
			return -1;
	}
	return 0;
}

/*
 * A whole number in [min, max], written in decimal digits (no sign, no
 * fraction, no unit); what ("'probes.attempts'") and hint name it.
 */
static int
cfg_int(struct cfg_ctx *c, const yaml_node_t *n, const char *what,
    long long min, long long max, const char *hint, int *out)
{
	const char	*s = NULL, *p;
	long long	 v = 0;

	if (cfg_str(c, n, what, hint, &s) != 0)
		return -1;
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v <= max)
			v = v * 10 + (*p - '0');
	}
	if (*p != '\0')
		return cfg_error(c, n, "%s must be a whole number from %lld to "
		    "%lld, not '%s' (%s)", what, min, max, s, hint);
	if (v < min || v > max)
		return cfg_error(c, n, "%s must be from %lld to %lld, not %s "
		    "(%s)", what, min, max, s, hint);
	*out = (int)v;
	return 0;
}

static int
cfg_probes(struct cfg_ctx *c, const yaml_node_t *n, struct config *cfg)
{
	yaml_node_t	*v[CFG_PROBE__COUNT];
	const yaml_node_t *w;

	if (n->type != YAML_MAPPING_NODE)
		return cfg_error(c, n, "'probes' must be a mapping, e.g. "
		    "probes: { window: 1h, attempts: 10, domains: 5, "
		    "score: 100 }");
	if (cfg_keys(c, n, "probes", cfg_probe_keys, CFG_PROBE__COUNT,
	    v) != 0)
		return -1;
	w = v[CFG_PROBE_WINDOW];
	if (w != NULL && !cfg_is_null(w)) {
		if (cfg_duration(c, w, "'probes.window'", 0,
		    &cfg->probe_window) != 0)
			return -1;
		if (cfg->probe_window < CFG_PROBE_WINDOW_MIN ||
		    cfg->probe_window > CFG_PROBE_WINDOW_MAX)
			return cfg_error(c, w, "'probes.window' must be from "
			    "1m to 7d, not %s (the span of time in which "
			    "attempts count together, e.g. 1h)", cfg_value(w));
	}
	if (v[CFG_PROBE_ATTEMPTS] != NULL &&
	    !cfg_is_null(v[CFG_PROBE_ATTEMPTS]) &&
	    cfg_int(c, v[CFG_PROBE_ATTEMPTS], "'probes.attempts'", 2,
	    CFG_PROBE_COUNT_MAX, "relay attempts in one window that flag an "
	    "IP; one attempt alone is never a probe, so at least 2",
	    &cfg->probe_attempts) != 0)
		return -1;
	if (v[CFG_PROBE_DOMAINS] != NULL &&
	    !cfg_is_null(v[CFG_PROBE_DOMAINS]) &&
	    cfg_int(c, v[CFG_PROBE_DOMAINS], "'probes.domains'", 1,
	    CFG_PROBE_COUNT_MAX, "distinct recipient domains in one window "
	    "that flag an IP, e.g. 5", &cfg->probe_domains) != 0)
		return -1;
	if (v[CFG_PROBE_SCORE] != NULL && !cfg_is_null(v[CFG_PROBE_SCORE]) &&
	    cfg_int(c, v[CFG_PROBE_SCORE], "'probes.score'", 1,
	    CFG_PROBE_COUNT_MAX, "the score at which an IP is flagged; "
	    "attempts alone reach 100 at 'attempts'", &cfg->probe_score) != 0)
		return -1;
	return 0;
}

/* How many bytes a number takes in decimal. */
static size_t
cfg_digits(int64_t v)
{
	size_t	 n = 1;

	for (; v >= 10; v /= 10)
		n++;
	return n;
}

/*
 * One advice text: %w, %c and %% only, printable (newlines and tabs
 * allowed), and short enough once %w and %c are filled in. Stores a copy
 * without trailing blanks (a block scalar's last newline).
 */
static int
cfg_advice_text(struct cfg_ctx *c, const yaml_node_t *n, const char *name,
    int64_t window, char **out)
{
	const char	*s = NULL, *p;
	char		*what, *t;
	int64_t		 w = window / 60, cm = w > 1 ? w - 1 : 1;
	size_t		 len, expanded = 0;
	int		 rv = -1;

	what = xasprintf("'advice.%s'", name);
	if (cfg_str(c, n, what, "the text to read to the customer, e.g. "
	    "\"Call us on 0800 123 456\"", &s) != 0)
		goto out;
	len = strlen(s);
	while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
		len--;
	if (len == 0) {
		cfg_error(c, n, "%s must not be blank (leave it out for the "
		    "built-in text)", what);
		goto out;
	}
	for (p = s; p < s + len; p++) {
		const unsigned char u = (unsigned char)*p;

		if ((u < 0x20 && u != '\n' && u != '\t') || u == 0x7f) {
			cfg_error(c, n, "%s contains a control character "
			    "(byte 0x%02x at offset %zu): only text, tabs and "
			    "line breaks", what, u, (size_t)(p - s));
			goto out;
		}
		if (u != '%') {
			expanded++;
			continue;
		}
		if (p + 1 < s + len && (p[1] == 'w' || p[1] == 'c' ||
		    p[1] == '%')) {
			expanded += p[1] == 'w' ? cfg_digits(w) :
			    p[1] == 'c' ? cfg_digits(cm) : 1;
			p++;
			continue;
		}
		if (p + 1 < s + len && p[1] > 0x20 && p[1] < 0x7f)
			cfg_error(c, n, "%s: unknown '%%%c' at character %zu: "
			    "write %%w for the window in minutes, %%c for one "
			    "minute less, %%%% for a percent sign", what, p[1],
			    (size_t)(p - s) + 1);
		else if (p + 1 == s + len)
			cfg_error(c, n, "%s ends with a lone '%%': write %%%% "
			    "for a percent sign", what);
		else
			cfg_error(c, n, "%s: a '%%' at character %zu is not "
			    "followed by w, c or %%: write %%w for the window in "
			    "minutes, %%c for one minute less, %%%% for a percent "
			    "sign", what, (size_t)(p - s) + 1);
		goto out;
	}
	if (expanded > CONFIG_ADVICE_MAX) {
		cfg_error(c, n, "%s is too long: %zu bytes with %%w and %%c "
		    "filled in, at most %zu; shorten it (a URL to a page "
		    "with the details keeps it short)", what, expanded,
		    (size_t)CONFIG_ADVICE_MAX);
		goto out;
	}
	t = xstrndup(s, len);
	*out = t;
	rv = 0;
out:
	free(what);
	return rv;
}

static int
cfg_advice(struct cfg_ctx *c, const yaml_node_t *n, struct config *cfg)
{
	const char	*names[H__COUNT];
	yaml_node_t	*v[H__COUNT];
	int		 h;

	for (h = 0; h < H__COUNT; h++)
		names[h] = policy_headline_name((enum policy_headline)h);
	if (n->type != YAML_MAPPING_NODE)
		return cfg_error(c, n, "'advice' must be a mapping of headline "
		    "to text, e.g. advice: { roaming: \"Use port 587 with "
		    "your password; help: 0800 123 456\" }");
	if (cfg_keys(c, n, "advice", names, H__COUNT, v) != 0)
		return -1;
	for (h = 0; h < H__COUNT; h++) {
		if (v[h] == NULL || cfg_is_null(v[h]))
			continue;
		if (cfg_advice_text(c, v[h], names[h], cfg->popauth_window,
		    &cfg->advice[h]) != 0)
			return -1;
		/* The built-in text written out (config check) is no change. */
		if (strcmp(cfg->advice[h],
		    policy_default_advice((enum policy_headline)h)) == 0) {
			free(cfg->advice[h]);
			cfg->advice[h] = NULL;
		}
	}
	return 0;
}

static int
cfg_walk(struct cfg_ctx *c, const yaml_node_t *root, struct config *cfg)
{
	yaml_node_t	*v[CFG_TOP__COUNT], *n;
	char		*why = NULL;
	int		 rv;

	if (root == NULL || cfg_is_null(root))
		return cfg_error(c, NULL, "'database' is required: "
		    CFG_DATABASE_HINT);
	if (root->type != YAML_MAPPING_NODE)
		return cfg_error(c, root, "the configuration must be a mapping "
		    "of keys to values, e.g. database: relayscope.db");
	if (cfg_keys(c, root, NULL, cfg_top_keys, CFG_TOP__COUNT, v) != 0)
		return -1;

	if (v[CFG_TOP_DATABASE] == NULL)
		return cfg_error(c, NULL, "'database' is required: "
		    CFG_DATABASE_HINT);
	if (cfg_strdup(c, v[CFG_TOP_DATABASE], "'database'",
	    CFG_DATABASE_HINT, &cfg->database) != 0)
		return -1;

	n = v[CFG_TOP_TIMEZONE];
	if (n != NULL && !cfg_is_null(n) && cfg_strdup(c, n, "'timezone'",
	    "a zone name such as Europe/Berlin", &cfg->timezone) != 0)
		return -1;

	n = v[CFG_TOP_LOCAL_DOMAINS];
	if (n != NULL && !cfg_is_null(n) && cfg_local_domains(c, n, cfg) != 0)
		return -1;
	n = v[CFG_TOP_RELAY_NETWORKS];
	if (n != NULL && !cfg_is_null(n) &&
	    cfg_relay_networks(c, n, cfg) != 0)
		return -1;
	n = v[CFG_TOP_POPAUTH];
	if (n != NULL && !cfg_is_null(n) && cfg_popauth(c, n, cfg) != 0)
		return -1;
	n = v[CFG_TOP_SOURCES];
	if (n != NULL && !cfg_is_null(n) && cfg_sources(c, n, cfg) != 0)
		return -1;
	n = v[CFG_TOP_RULES];
	if (n != NULL && !cfg_is_null(n) && cfg_rules(c, n, cfg) != 0)
		return -1;
	n = v[CFG_TOP_RETENTION];
	if (n != NULL && !cfg_is_null(n) && cfg_duration(c, n, "'retention'",
	    1, &cfg->retention) != 0)
		return -1;
	n = v[CFG_TOP_PROBES];
	if (n != NULL && !cfg_is_null(n) && cfg_probes(c, n, cfg) != 0)
		return -1;
	/* After popauth: the length check fills in its window. */
	n = v[CFG_TOP_ADVICE];
	if (n != NULL && !cfg_is_null(n) && cfg_advice(c, n, cfg) != 0)
		return -1;

	/*
	 * The zone last: a file that fails for another reason leaves the
	 * zone in effect untouched.
	 */
	if (cfg->timezone != NULL && tz_set(cfg->timezone, &why) != 0) {
		rv = cfg_error(c, v[CFG_TOP_TIMEZONE], "%s",
		    why != NULL ? why : "unknown timezone");
		free(why);
		return rv;
	}
	return 0;
}

static void
cfg_syntax_error(struct cfg_ctx *c, const yaml_parser_t *p)
{
	const yaml_mark_t *m = &p->problem_mark;
	const char	*hint = "";
	char		*ctx;

	if (c->cause == NULL)
		return;
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		set_cause(c->cause, "%s: out of memory reading YAML", c->path);
		return;
	case YAML_READER_ERROR:
		set_cause(c->cause, "%s: not valid text at byte %zu: %s (the "
		    "file must be UTF-8)", c->path, p->problem_offset,
		    p->problem != NULL ? p->problem : "unreadable");
		return;
	default:
		break;
	}
	if (m->index < c->len && c->text[m->index] == '\t')
		hint = "; indent with spaces, YAML does not allow tabs";
	else if (p->problem != NULL &&
	    strstr(p->problem, "mapping values are not allowed") != NULL)
		hint = "; quote a value that contains ': '";
	if (p->context != NULL)
		ctx = xasprintf(" (%s at line %zu, column %zu)", p->context,
		    p->context_mark.line + 1, p->context_mark.column + 1);
	else
		ctx = xstrdup("");
	set_cause(c->cause, "%s:%zu:%zu: YAML syntax error: %s%s%s", c->path,
	    m->line + 1, m->column + 1,
	    p->problem != NULL ? p->problem : "cannot parse", ctx, hint);
	free(ctx);
}

static int
cfg_read_file(const char *path, char **text, size_t *len, char **cause)
{
	struct strbuf	 sb;
	char		 buf[8192];
	size_t		 n;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL)
		return set_cause(cause, "cannot read config '%s': %s", path,
		    strerror(errno));
	sb_init(&sb, CFG_MAX_SIZE);
	sb_add(&sb, "", 0);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (sb_add(&sb, buf, n) != 0) {
			fclose(f);
			sb_release(&sb);
			return set_cause(cause, "config '%s' is too large "
			    "(over %d bytes)", path, CFG_MAX_SIZE);
		}
	}
	if (ferror(f)) {
		int	 e = errno;

		fclose(f);
		sb_release(&sb);
		return set_cause(cause, "cannot read config '%s': %s", path,
		    strerror(e));
	}
	fclose(f);
	*text = sb.buf;
	*len = sb.len;
	return 0;
}

const char *
config_locate(const char *explicit, char **cause)
{
	static const char *const fixed[] = {
		"config.yaml", "/etc/relayscope/config.yaml",
	};
	const char	*env;
	size_t		 i;

	if (explicit != NULL) {
		if (access(explicit, R_OK) != 0) {
			set_cause(cause, "cannot read config '%s': %s",
			    explicit, strerror(errno));
			return NULL;
		}
		return explicit;
	}
	/* A variable that names a missing file is a mistake, not a miss. */
	env = getenv("RELAYSCOPE_CONFIG");
	if (env != NULL && *env != '\0') {
		if (access(env, R_OK) != 0) {
			set_cause(cause, "cannot read config '%s' (from "
			    "$RELAYSCOPE_CONFIG): %s", env, strerror(errno));
			return NULL;
		}
		return env;
	}
	for (i = 0; i < ARRAY_LEN(fixed); i++) {
		if (access(fixed[i], F_OK) == 0)
			return fixed[i];
	}
	set_cause(cause, "no configuration file: looked at --config, "
	    "$RELAYSCOPE_CONFIG, ./config.yaml and "
	    "/etc/relayscope/config.yaml; create one with at least "
	    "'database:', e.g. database: /var/lib/relayscope/relayscope.db");
	return NULL;
}

static void
cfg_defaults(struct config *cfg)
{
	struct policy_opts o;

	cfg->popauth_enabled = 1;
	cfg->popauth_window = CFG_DEFAULT_WINDOW;
	cfg->popauth_services = xcalloc(2, sizeof(*cfg->popauth_services));
	cfg->popauth_services[0] = xstrdup("pop3");
	cfg->popauth_services[1] = xstrdup("imap");
	cfg->n_popauth_services = 2;
	cfg->retention = CFG_DEFAULT_RETENTION;
	policy_opts_init(&o);
	cfg->probe_window = o.probe.window;
	cfg->probe_attempts = o.probe.attempts;
	cfg->probe_domains = o.probe.domains;
	cfg->probe_score = o.probe.score;
}

int
config_load(const char *path, struct config *cfg, char **cause)
{
	struct cfg_ctx	 c;
	yaml_parser_t	 parser;
	yaml_document_t	 doc, extra;
	const yaml_node_t *root, *more;
	char		*text = NULL;
	size_t		 len = 0;
	int		 rv = -1, have_doc = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (cfg_read_file(path, &text, &len, cause) != 0)
		return -1;
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.text = text;
	c.len = len;
	c.doc = &doc;
	c.cause = cause;

	if (!yaml_parser_initialize(&parser)) {
		free(text);
		return set_cause(cause, "%s: out of memory reading YAML", path);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	if (!yaml_parser_load(&parser, &doc)) {
		cfg_syntax_error(&c, &parser);
		goto out;
	}
	have_doc = 1;
	root = yaml_document_get_root_node(&doc);
	if (root != NULL) {
		/* Anything after the first document is an error too. */
		if (!yaml_parser_load(&parser, &extra)) {
			cfg_syntax_error(&c, &parser);
			goto out;
		}
		more = yaml_document_get_root_node(&extra);
		if (more != NULL) {
			cfg_error(&c, more, "a second YAML document: the "
			    "configuration is one document (remove the '---')");
			yaml_document_delete(&extra);
			goto out;
		}
		yaml_document_delete(&extra);
	}

	cfg->path = xstrdup(path);
	cfg_defaults(cfg);
	rv = cfg_walk(&c, root, cfg);
out:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(text);
	if (rv != 0)
		config_release(cfg);
	return rv;
}

void
config_release(struct config *cfg)
{
	size_t	 i;

	free(cfg->path);
	free(cfg->database);
	free(cfg->timezone);
	for (i = 0; i < cfg->n_local_domains; i++)
		free(cfg->local_domains[i]);
	free(cfg->local_domains);
	free(cfg->relay_networks);
	for (i = 0; i < cfg->n_popauth_services; i++)
		free(cfg->popauth_services[i]);
	free(cfg->popauth_services);
	for (i = 0; i < cfg->n_sources; i++) {
		free(cfg->sources[i].path);
		free(cfg->sources[i].format);
	}
	free(cfg->sources);
	for (i = 0; i < cfg->n_rules; i++) {
		free(cfg->rules[i].name);
		free(cfg->rules[i].kind);
		free(cfg->rules[i].pattern);
		free(cfg->rules[i].contains);
		free(cfg->rules[i].mta);
		free(cfg->rules[i].service);
	}
	free(cfg->rules);
	for (i = 0; i < ARRAY_LEN(cfg->advice); i++)
		free(cfg->advice[i]);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * Plain when made only of [A-Za-z0-9._/@:+-] and YAML cannot read it as
 * something else: not empty, no indicator first, no ':' last, no word
 * that means null or a boolean.
 */
static int
cfg_plain_ok(const char *s)
{
	static const char *const words[] = {
		"null", "true", "false", "yes", "no", "on", "off", "y", "n",
	};
	const char	*p;
	size_t		 i, len = strlen(s);

	if (len == 0 || strchr("-:@", s[0]) != NULL || s[len - 1] == ':')
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._/@:+-", *p) != NULL))
			return 0;
	}
	for (i = 0; i < ARRAY_LEN(words); i++) {
		if (strcasecmp(s, words[i]) == 0)
			return 0;
	}
	return 1;
}

/* Writes s as a YAML scalar that config_load reads back as s. */
static void
cfg_put_str(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int	 cp;

	if (cfg_plain_ok(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	while (*u != '\0') {
		if (*u == '"' || *u == '\\') {
			fputc('\\', f);
			fputc(*u++, f);
		} else if (*u == '\n') {
			fputs("\\n", f);
			u++;
		} else if (*u == '\t') {
			fputs("\\t", f);
			u++;
		} else if (*u == '\r') {
			fputs("\\r", f);
			u++;
		} else if (*u < 0x20 || *u == 0x7f) {
			fprintf(f, "\\x%02x", *u++);
		} else if (*u < 0x80) {
			fputc(*u++, f);
		} else if (*u >= 0xc2 && *u <= 0xdf && (u[1] & 0xc0) == 0x80) {
			/* C1 controls and NEL are not printable YAML. */
			cp = ((unsigned int)(u[0] & 0x1f) << 6) | (u[1] & 0x3f);
			if (cp <= 0x9f)
				fprintf(f, "\\x%02x", cp);
			else
				fwrite(u, 1, 2, f);
			u += 2;
		} else if (*u >= 0xe0 && *u <= 0xef &&
		    (u[1] & 0xc0) == 0x80 && (u[2] & 0xc0) == 0x80) {
			/* Line and paragraph separators, BOM, non-chars. */
			cp = ((unsigned int)(u[0] & 0x0f) << 12) |
			    ((unsigned int)(u[1] & 0x3f) << 6) | (u[2] & 0x3f);
			if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
			    cp >= 0xfffe || (cp >= 0xd800 && cp <= 0xdfff))
				fprintf(f, "\\u%04x", cp);
			else
				fwrite(u, 1, 3, f);
			u += 3;
		} else if (*u >= 0xf0 && *u <= 0xf4 && (u[1] & 0xc0) == 0x80 &&
		    (u[2] & 0xc0) == 0x80 && (u[3] & 0xc0) == 0x80) {
			fwrite(u, 1, 4, f);
			u += 4;
		} else {
			/* Not UTF-8 (libyaml never gives that): stay valid. */
			fputs("\\ufffd", f);
			u++;
		}
	}
	fputc('"', f);
}

/*
 * Can s be written as a block scalar that reads back as s? Text, tabs
 * excepted, in UTF-8 that YAML prints as it is (cfg_put_str escapes the
 * rest); no blank first or last, no blanks at line ends.
 */
static int
cfg_block_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int	 cp;

	if (*u == '\0' || *u == ' ' || *u == '\n')
		return 0;
	while (*u != '\0') {
		if (*u == '\n' || (*u >= 0x20 && *u < 0x7f)) {
			if (*u == ' ' && (u[1] == '\n' || u[1] == '\0'))
				return 0;
			if (*u == '\n' && u[1] == '\0')
				return 0;
			u++;
		} else if (*u >= 0xc2 && *u <= 0xdf && (u[1] & 0xc0) == 0x80) {
			cp = ((unsigned int)(u[0] & 0x1f) << 6) | (u[1] & 0x3f);
			if (cp <= 0x9f)
				return 0;
			u += 2;
		} else if (*u >= 0xe0 && *u <= 0xef &&
		    (u[1] & 0xc0) == 0x80 && (u[2] & 0xc0) == 0x80) {
			cp = ((unsigned int)(u[0] & 0x0f) << 12) |
			    ((unsigned int)(u[1] & 0x3f) << 6) | (u[2] & 0x3f);
			if (cp < 0x800 || cp == 0x2028 || cp == 0x2029 ||
			    cp == 0xfeff || cp >= 0xfffe ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return 0;
			u += 3;
		} else if (*u >= 0xf0 && *u <= 0xf4 && (u[1] & 0xc0) == 0x80 &&
		    (u[2] & 0xc0) == 0x80 && (u[3] & 0xc0) == 0x80)
			u += 4;
		else
			return 0;
	}
	return 1;
}

/*
 * Writes key: s as a block scalar when it can (one line: folded ">-",
 * wrapped at single spaces near 72 columns; several lines: literal "|-"),
 * else as a quoted string. indent is the key's.
 */
static void
cfg_put_text(FILE *f, const char *indent, const char *key, const char *s)
{
	const char	*p, *brk, *line;
	size_t		 width = 72, used;

	fprintf(f, "%s%s:", indent, key);
	if (!cfg_block_ok(s) || (strchr(s, '\n') == NULL &&
	    strlen(indent) + strlen(key) + strlen(s) + 4 <= 80)) {
		fputc(' ', f);
		cfg_put_str(f, s);
		fputc('\n', f);
		return;
	}
	if (strchr(s, '\n') != NULL) {
		fputs(" |-\n", f);
		for (line = s; *line != '\0'; line = p + (*p == '\n')) {
			p = strchr(line, '\n');
			if (p == NULL)
				p = line + strlen(line);
			if (p > line)
				fprintf(f, "%s  %.*s", indent, (int)(p - line),
				    line);
			fputc('\n', f);
		}
		return;
	}
	/*
	 * Folded: a line break between two words reads back as one space,
	 * so break only at a space with a word on either side.
	 */
	fputs(" >-\n", f);
	used = strlen(indent) + 2;
	line = s;
	while (used + strlen(line) > width) {
		brk = NULL;
		for (p = line + 1; *p != '\0'; p++) {
			if (*p != ' ' || p[-1] == ' ' || p[1] == ' ' ||
			    p[1] == '\0')
				continue;
			if (brk != NULL && used + (size_t)(p - line) > width)
				break;
			brk = p;
		}
		if (brk == NULL)
			break;
		fprintf(f, "%s  %.*s\n", indent, (int)(brk - line), line);
		line = brk + 1;
	}
	fprintf(f, "%s  %s\n", indent, line);
}

static void
cfg_put_list(FILE *f, const char *key, char *const *items, size_t n,
    const char *indent)
{
	size_t	 i;

	if (n == 0) {
		fprintf(f, "%s%s: []\n", indent, key);
		return;
	}
	fprintf(f, "%s%s:\n", indent, key);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s  - ", indent);
		cfg_put_str(f, items[i]);
		fputc('\n', f);
	}
}

static void
cfg_put_field(FILE *f, const char *lead, const char *key, const char *val)
{
	if (val == NULL)
		return;
	fprintf(f, "%s%s: ", lead, key);
	cfg_put_str(f, val);
	fputc('\n', f);
}

void
config_print(FILE *f, const struct config *cfg)
{
	char	 buf[64];
	size_t	 i;

	fputs("# relayscope: the effective configuration", f);
	if (cfg->path != NULL) {
		fputs(", from ", f);
		cfg_put_str(f, cfg->path);
	}
	fputs("\n", f);
	cfg_put_field(f, "", "database", cfg->database != NULL ?
	    cfg->database : "");
	if (cfg->timezone != NULL)
		cfg_put_field(f, "", "timezone", cfg->timezone);
	else
		fputs("# timezone: not set, log times are in the system's "
		    "zone\n", f);
	cfg_put_list(f, "local_domains", cfg->local_domains,
	    cfg->n_local_domains, "");

	if (cfg->n_relay_networks == 0)
		fputs("relay_networks: []\n", f);
	else
		fputs("relay_networks:\n", f);
	for (i = 0; i < cfg->n_relay_networks; i++) {
		cidr_format(&cfg->relay_networks[i], buf, sizeof(buf));
		fputs("  - ", f);
		cfg_put_str(f, buf);
		fputc('\n', f);
	}

	fputs("popauth:\n", f);
	fprintf(f, "  enabled: %s\n", cfg->popauth_enabled ? "true" : "false");
	fmt_duration(cfg->popauth_window, buf, sizeof(buf));
	fprintf(f, "  window: %s\n", buf);
	cfg_put_list(f, "services", cfg->popauth_services,
	    cfg->n_popauth_services, "  ");

	if (cfg->n_sources == 0)
		fputs("sources: []\n", f);
	else
		fputs("sources:\n", f);
	for (i = 0; i < cfg->n_sources; i++) {
		const struct config_source *s = &cfg->sources[i];

		if (s->format == NULL) {
			fputs("  - ", f);
			cfg_put_str(f, s->path);
			fputc('\n', f);
			continue;
		}
		cfg_put_field(f, "  - ", "path", s->path);
		cfg_put_field(f, "    ", "format", s->format);
	}

	if (cfg->n_rules == 0)
		fputs("rules: []\n", f);
	else
		fputs("rules:\n", f);
	for (i = 0; i < cfg->n_rules; i++) {
		const struct config_rule *r = &cfg->rules[i];

		cfg_put_field(f, "  - ", "name", r->name);
		cfg_put_field(f, "    ", "kind", r->kind);
		cfg_put_field(f, "    ", "pattern", r->pattern);
		cfg_put_field(f, "    ", "contains", r->contains);
		cfg_put_field(f, "    ", "mta", r->mta);
		cfg_put_field(f, "    ", "service", r->service);
	}

	if (cfg->retention == 0)
		fputs("retention: never\n", f);
	else {
		fmt_duration(cfg->retention, buf, sizeof(buf));
		fprintf(f, "retention: %s\n", buf);
	}

	fputs("probes:\n", f);
	fmt_duration(cfg->probe_window, buf, sizeof(buf));
	fprintf(f, "  window: %s\n", buf);
	fprintf(f, "  attempts: %d\n", cfg->probe_attempts);
	fprintf(f, "  domains: %d\n", cfg->probe_domains);
	fprintf(f, "  score: %d\n", cfg->probe_score);

	fputs("# %w: the popauth window in minutes, %c: one less, %%: a "
	    "percent sign\nadvice:\n", f);
	for (i = 0; i < H__COUNT; i++) {
		if (cfg->advice[i] == NULL)
			fprintf(f, "  # %s: the built-in text\n",
			    policy_headline_name((enum policy_headline)i));
		cfg_put_text(f, "  ",
		    policy_headline_name((enum policy_headline)i),
		    cfg->advice[i] != NULL ? cfg->advice[i] :
		    policy_default_advice((enum policy_headline)i));
	}
}
