/*
 * parser.c: rules over envelopes; the queue that keeps events in line order
 * while a Sendmail denial waits for its sender; the Exim twin filter.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "../common/common.h"
#include "envelope.h"
#include "needles.h"
#include "teddy.h"
#include "parser.h"
#include "rules.h"

enum field {
	F_IP, F_HOST, F_HELO, F_SENDER, F_RECIPIENT, F_RCPT, F_USER,
	F_SERVICE, F_METHOD, F_CODE, F_STATUS, F_REASON, F_QID, F_RULESET,
	F__COUNT
};
static const char *const field_names[F__COUNT] = {
	"ip", "host", "helo", "sender", "recipient", "rcpt", "user",
	"service", "method", "code", "status", "reason", "qid", "ruleset"
};

struct rule {
	char		*name;
	unsigned	 classes;
	enum rule_kind	 kind;
	char		*mta;
	char		*service;
	char		**needles;	/* NULL-terminated; NULL: always */
	size_t		*needle_len;
	size_t		*needle_anchor;	/* index of the needle's rarest byte */
	uint64_t	 need[PC_NCLASS];	/* its needles in each class's
						   set; 0: look on its own */
	pcre2_code	*re;
	int		 group[F__COUNT];	/* -1: not in the pattern */
	uint64_t	 hits;
};

/* An event in the output queue, with its own copy of the line. */
struct slot {
	struct event	 ev;
	char		*raw;
	size_t		 rawsize;
	int		 waiting;	/* a Sendmail denial awaiting from= */
	char		 qid[24];
	int64_t		 born;		/* line count when queued */
};

#define SM_WAIT_LINES 200
#define EXIM_TWIN_LINES 8

struct parser {
	struct rule	*rules;
	size_t		 n_rules;
	size_t		*by_class[PC_NCLASS];	/* rule indexes, per class */
	size_t		 n_by_class[PC_NCLASS];
	struct needles	 needles[PC_NCLASS];	/* of each class's rules */
	struct teddy	 class_set[PC_NCLASS];	/* the same, looked for the
						   Teddy way when they allow */
	int		 class_teddy[PC_NCLASS];
	/*
	 * Every rule's literals, the first question for each line: one
	 * without any needs no envelope and no rule. pre[1] adds those of
	 * Sendmail's from= lines, asked for only while a denial waits for
	 * its sender (Postfix's qmgr writes as many). use_pre is 0 when a
	 * rule has no literal or the set cannot be built.
	 */
	struct teddy	 pre[2];
	char		*pre_lits[2][TEDDY_MAX];	/* what they look for */
	size_t		 n_pre_lits[2];
	int		 use_pre;
	pcre2_code	*relay_re;
	pcre2_code	*suspicious_re;
	pcre2_match_data *md;
	pcre2_match_data *md2;
	pcre2_jit_stack	*jit;

	int		 fixed_year;
	int64_t		 ref_time;
	int		 ref_year, ref_mon;
	int		 cur_year;	/* year of RFC 3164 lines, 0: not yet */
	uint64_t	 skim_key;	/* first bytes of the last line skimmed */
	int		 last_mon;
	int64_t		 last_time;

	struct slot	*q;		/* ring of queued events */
	size_t		 qcap, qhead, qlen;
	size_t		 n_waiting;

	uint64_t	 twin_hash[EXIM_TWIN_LINES];
	int64_t		 twin_line[EXIM_TWIN_LINES];
	unsigned	 twin_next;
	int64_t		 twin_await;	/* line of an Exim event whose twin
					   may still come; 0: none */
	int		 twins_seen;

	int		 last_suspicious;
	int		 find_suspicious;
	struct parser_stats st;
};

static const char *const kind_names[EV__COUNT] = {
	"none", "relay_denial", "relay_denial_temporary", "other_reject",
	"login_ok", "login_failed"
};

const char *
parser_kind_name(enum event_kind k)
{
	return (unsigned)k < EV__COUNT ? kind_names[k] : "none";
}

static pcre2_code *
compile(const char *pat, uint32_t flags, const char *name, char **cause)
{
	pcre2_code *re;
	int	 err;
	PCRE2_SIZE off;

	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, flags, &err,
	    &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(err, msg, sizeof(msg));
		set_cause(cause, "rule '%s': bad pattern at offset %zu: %s",
		    name, (size_t)off, (const char *)msg);
		return NULL;
	}
	/* JIT is an optimisation: without it the interpreter still works. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/* Is needle (with its rarest byte at anchor) in text? */
static int
contains(const char *text, size_t tlen, const char *needle, size_t nlen,
    size_t anchor)
{
	const char *p, *end, *q;
	char	 c = needle[anchor];

	if (nlen > tlen)
		return 0;
	p = text + anchor;
	end = text + tlen - (nlen - anchor) + 1;
	while (p < end && (q = memchr(p, c, (size_t)(end - p))) != NULL) {
		if (memcmp(q - anchor, needle, nlen) == 0)
			return 1;
		p = q + 1;
	}
	return 0;
}

static char **
split_needles(const char *s)
{
	char	**v;
	size_t	 n = 1, i = 0;
	const char *p, *start;

	if (s == NULL || *s == '\0')
		return NULL;
	for (p = s; *p; p++)
		n += *p == '|';
	v = xcalloc(n + 1, sizeof(*v));
	for (start = p = s;; p++) {
		if (*p == '|' || *p == '\0') {
			if (p > start)
				v[i++] = xstrndup(start, (size_t)(p - start));
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	return v;
}

static int
add_rule(struct parser *p, const char *name, unsigned classes,
    enum rule_kind kind, const char *mta, const char *service,
    const char *needles, const char *pattern, uint32_t flags, char **cause)
{
	struct rule *r;
	size_t	 i;

	for (i = 0; i < p->n_rules; i++)
		if (strcmp(p->rules[i].name, name) == 0)
			return set_cause(cause, "rule '%s' is defined twice",
			    name);
	p->rules = xrealloc(p->rules, (p->n_rules + 1) * sizeof(*p->rules));
	r = &p->rules[p->n_rules];
	memset(r, 0, sizeof(*r));
	if ((r->re = compile(pattern, flags, name, cause)) == NULL)
		return -1;
	r->name = xstrdup(name);
	r->classes = classes;
	r->kind = kind;
	r->mta = xstrdup(mta != NULL ? mta : "other");
	r->service = xstrdup(service != NULL ? service : "");
	r->needles = split_needles(needles);
	if (r->needles != NULL) {
		size_t	 k, nn = 0;

		while (r->needles[nn] != NULL)
			nn++;
		r->needle_len = xcalloc(nn + 1, sizeof(size_t));
		r->needle_anchor = xcalloc(nn + 1, sizeof(size_t));
		for (k = 0; k < nn; k++) {
			r->needle_len[k] = strlen(r->needles[k]);
			r->needle_anchor[k] = needles_rarest(r->needles[k]);
		}
	}
	for (i = 0; i < F__COUNT; i++) {
		int	 g = pcre2_substring_number_from_name(r->re,
		    (PCRE2_SPTR)field_names[i]);

		r->group[i] = g > 0 ? g : -1;
	}
	p->n_rules++;
	return 0;
}

/*
 * An operator's named groups must be fields: a misspelt one (ipaddr)
 * would leave its events without the value, silently.
 */
static int
check_groups(const struct rule *r, char **cause)
{
	PCRE2_SPTR table;
	uint32_t count = 0, size = 0, i;
	size_t	 f;

	if (pcre2_pattern_info(r->re, PCRE2_INFO_NAMECOUNT, &count) != 0 ||
	    pcre2_pattern_info(r->re, PCRE2_INFO_NAMEENTRYSIZE, &size) != 0 ||
	    pcre2_pattern_info(r->re, PCRE2_INFO_NAMETABLE, &table) != 0)
		return 0;
	for (i = 0; i < count; i++) {
		const char *name = (const char *)(table + i * size + 2);

		for (f = 0; f < F__COUNT; f++)
			if (strcmp(name, field_names[f]) == 0)
				break;
		if (f == F__COUNT)
			return set_cause(cause, "rule '%s': the group '%s' is "
			    "not a field (use ip, host, helo, sender, "
			    "recipient, user, service, method, code or "
			    "status)", r->name, name);
	}
	return 0;
}

/*
 * Puts a rule's needles in its class's set. When one does not fit, the
 * rule looks for its needles on its own (need stays 0).
 */
static void
index_needles(struct needles *set, struct rule *r, size_t cls)
{
	uint64_t mask = 0;
	size_t	 j;
	int	 bit;

	for (j = 0; r->needles != NULL && r->needles[j] != NULL; j++) {
		if ((bit = needles_add(set, r->needles[j])) < 0)
			return;
		mask |= (uint64_t)1 << bit;
	}
	r->need[cls] = mask;
}

static int
operator_kind(const char *k, enum rule_kind *out)
{
	static const struct {
		const char	*name;
		enum rule_kind	 kind;
	} map[] = {
		{ "relay_denial", RK_RELAY_DENIAL },
		{ "relay_denial_temporary", RK_RELAY_TEMP },
		{ "relay", RK_RELAY },
		{ "other_reject", RK_OTHER_REJECT },
		{ "login_ok", RK_LOGIN_OK },
		{ "login_failed", RK_LOGIN_FAILED },
	};
	size_t	 i;

	for (i = 0; i < ARRAY_LEN(map); i++)
		if (k != NULL && strcmp(k, map[i].name) == 0) {
			*out = map[i].kind;
			return 0;
		}
	return -1;
}

/*
 * The literals a prefilter looks for: fewer literals mix fewer nibbles in
 * a bucket (see teddy.h), and it only has to find a line that holds some
 * rule's literal, not which. One that holds another is dropped ("Login
 * failed" holds "fail"), and ones that share a start of 5 bytes or more
 * become that start ("Login user=" and "Login: user=" become "Login").
 * Returns how many are left in out, copies to free.
 */
#define PREFIX_MIN 5

static int
by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t
shared_start(const char *a, const char *b)
{
	size_t	 n = 0;

	while (a[n] != '\0' && a[n] == b[n])
		n++;
	return n;
}

static size_t
reduce_literals(const char **in, size_t n, char **out)
{
	size_t	 i, j, k, m = 0;

	qsort(in, n, sizeof(*in), by_text);
	for (i = 0; i < n; i = j) {
		size_t	 keep = strlen(in[i]);

		for (j = i + 1; j < n; j++) {
			size_t	 s = shared_start(in[i], in[j]);

			if (s < PREFIX_MIN)
				break;
			if (s < keep)
				keep = s;
		}
		out[m++] = xstrndup(in[i], keep);
	}
	for (i = 0; i < m; i++)
		for (k = 0; k < m; k++)
			if (k != i && out[i] != NULL && out[k] != NULL &&
			    strstr(out[i], out[k]) != NULL) {
				free(out[i]);
				out[i] = NULL;
				break;
			}
	for (i = j = 0; i < m; i++)
		if (out[i] != NULL)
			out[j++] = out[i];
	return j;
}

_Static_assert(TEDDY_MIN == PARSER_LITERAL_MIN, "the shortest literal "
    "the finder takes");
_Static_assert(TEDDY_MAX == PARSER_LITERALS_MAX, "the literals the finder "
    "takes");

/*
 * The sets of parser.pre; -1 when some rule has no literal to look for, or
 * when more than TEDDY_MAX are left once reduced.
 */
static int
build_prefilter(struct parser *p)
{
	const char **lits[2];
	char	**out;
	size_t	 n[2] = { 0, 0 }, total = 0, i, j, k, m;
	int	 w, rc = -1;

	for (i = 0; i < p->n_rules; i++) {
		if (p->rules[i].needles == NULL)
			return -1;
		for (j = 0; p->rules[i].needles[j] != NULL; j++)
			total++;
	}
	lits[0] = xcalloc(total + 1, sizeof(*lits[0]));
	lits[1] = xcalloc(total + 1, sizeof(*lits[1]));
	out = xcalloc(total + 1, sizeof(*out));
	for (i = 0; i < p->n_rules; i++) {
		const struct rule *r = &p->rules[i];

		for (j = 0; r->needles[j] != NULL; j++)
			for (w = r->kind == RK_SM_FROM; w < 2; w++) {
				for (k = 0; k < n[w]; k++)
					if (strcmp(lits[w][k], r->needles[j]) == 0)
						break;
				if (k == n[w])
					lits[w][n[w]++] = r->needles[j];
			}
	}
	for (w = 0; w < 2; w++) {
		m = reduce_literals(lits[w], n[w], out);
		if (m > TEDDY_MAX) {
			while (m > 0)
				free(out[--m]);
			goto done;
		}
		memcpy(p->pre_lits[w], out, m * sizeof(*out));
		p->n_pre_lits[w] = m;
		if (teddy_build(&p->pre[w], (const char *const *)p->pre_lits[w],
		    m) != 0)
			goto done;
	}
	rc = 0;
done:
	free(lits[0]);
	free(lits[1]);
	free(out);
	return rc;
}

static void	 track_year(struct parser *, int);

/*
 * A line that no rule reads still moves the year of RFC 3164 stamps on:
 * its month, when it starts like one ("Nov  2", "Nov 02", "<34>Nov 2").
 */
static void
skim_month(struct parser *p, const char *line, size_t len)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *s = line, *end = line + len, *m, *t;

	if (s < end && *s == '<') {
		while (s < end && *s != '>' && *s != '\n')
			s++;
		if (s == end || *s++ != '>')
			return;
	}
	/* "Nov  2 03:04:05", "Nov 02 ...", "Sep 8 ...": as the envelope reads. */
	t = s + 4;
	if (t < end && *t == ' ')
		t++;
	if (end - s < 15 || s[3] != ' ' || !isdigit((unsigned char)*t))
		return;
	t += isdigit((unsigned char)t[1]) ? 2 : 1;
	if (end - t < 9 || t[0] != ' ' || !isdigit((unsigned char)t[1]) ||
	    !isdigit((unsigned char)t[2]) || t[3] != ':' ||
	    !isdigit((unsigned char)t[4]) || !isdigit((unsigned char)t[5]) ||
	    t[6] != ':' || !isdigit((unsigned char)t[7]) ||
	    !isdigit((unsigned char)t[8]))
		return;
	for (m = months; *m != '\0'; m += 3)
		if (memcmp(m, s, 3) == 0) {
			track_year(p, (int)((m - months) / 3) + 1);
			return;
		}
}

struct parser *
parser_open(const struct parser_opts *o, char **cause)
{
	struct parser *p = xcalloc(1, sizeof(*p));
	size_t	 i, c;

	/*
	 * Operator rules come first: a site's own message should win over a
	 * built-in reading of the same line.
	 */
	for (i = 0; i < o->n_rules; i++) {
		const struct parser_rule_def *d = &o->rules[i];
		enum rule_kind k;

		if (operator_kind(d->kind, &k) != 0) {
			set_cause(cause, "rule '%s': unknown kind '%s'",
			    d->name, d->kind ? d->kind : "");
			goto fail;
		}
		if (add_rule(p, d->name, PC_ALL, k, d->mta, d->service,
		    d->contains, d->pattern, 0, cause) != 0 ||
		    check_groups(&p->rules[p->n_rules - 1], cause) != 0)
			goto fail;
	}
	for (i = 0; i < n_builtin_rules; i++) {
		const struct rule_def *d = &builtin_rules[i];

		if (add_rule(p, d->name, d->classes, d->kind, d->mta,
		    d->service, d->needles, d->pattern, 0, cause) != 0)
			goto fail;
	}
	for (c = 0; c < PC_NCLASS; c++) {
		p->by_class[c] = xcalloc(p->n_rules, sizeof(size_t));
		for (i = 0; i < p->n_rules; i++)
			if (p->rules[i].classes & (1u << c)) {
				p->by_class[c][p->n_by_class[c]++] = i;
				index_needles(&p->needles[c], &p->rules[i], c);
			}
	}
	p->use_pre = !o->find_suspicious && build_prefilter(p) == 0;
	for (c = 0; c < PC_NCLASS; c++)
		p->class_teddy[c] = p->needles[c].n > 0 && teddy_build(
		    &p->class_set[c], p->needles[c].lit, p->needles[c].n) == 0;
	p->relay_re = compile(relay_reason_pattern, PCRE2_CASELESS, "relay",
	    cause);
	p->suspicious_re = compile(suspicious_pattern, PCRE2_CASELESS,
	    "suspicious", cause);
	if (p->relay_re == NULL || p->suspicious_re == NULL)
		goto fail;
	p->md = pcre2_match_data_create(64, NULL);
	p->md2 = pcre2_match_data_create(4, NULL);
	p->jit = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	p->fixed_year = o->year;
	p->find_suspicious = o->find_suspicious;
	parser_reset(p, o->ref_time);
	return p;
fail:
	parser_close(p);
	return NULL;
}

void
parser_close(struct parser *p)
{
	size_t	 i, j;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_rules; i++) {
		struct rule *r = &p->rules[i];

		free(r->name);
		free(r->mta);
		free(r->service);
		for (j = 0; r->needles != NULL && r->needles[j] != NULL; j++)
			free(r->needles[j]);
		free(r->needles);
		free(r->needle_len);
		free(r->needle_anchor);
		pcre2_code_free(r->re);
	}
	free(p->rules);
	for (i = 0; i < PC_NCLASS; i++)
		free(p->by_class[i]);
	for (i = 0; i < 2; i++)
		for (j = 0; j < p->n_pre_lits[i]; j++)
			free(p->pre_lits[i][j]);
	pcre2_code_free(p->relay_re);
	pcre2_code_free(p->suspicious_re);
	pcre2_match_data_free(p->md);
	pcre2_match_data_free(p->md2);
	pcre2_jit_stack_free(p->jit);
	for (i = 0; i < p->qcap; i++)
		free(p->q[i].raw);
	free(p->q);
	free(p);
}

void
parser_reset(struct parser *p, int64_t ref_time)
{
	time_t	 t = (time_t)(ref_time ? ref_time : time(NULL));
	struct tm tm;

	localtime_r(&t, &tm);
	p->ref_time = (int64_t)t;
	p->ref_year = tm.tm_year + 1900;
	p->ref_mon = tm.tm_mon + 1;
	p->cur_year = 0;
	p->skim_key = 0;
	p->last_mon = 0;
	p->last_time = 0;
	p->twin_await = 0;
	memset(p->twin_hash, 0, sizeof(p->twin_hash));
	memset(p->twin_line, 0, sizeof(p->twin_line));
}

/* Which rules to try, from the program name. */
static int
classify(const struct envelope *env)
{
	const char *s = env->prog;
	size_t	 n = env->prog_len;

#define IS(lit) (n == sizeof(lit) - 1 && memcmp(s, lit, n) == 0)
#define STARTS(lit) (n >= sizeof(lit) - 1 && memcmp(s, lit, sizeof(lit) - 1) == 0)
#define ENDS(lit) (n >= sizeof(lit) - 1 && \
	memcmp(s + n - (sizeof(lit) - 1), lit, sizeof(lit) - 1) == 0)
	if (env->exim_mainlog || IS("exim") || IS("exim4"))
		return 4;
	if (STARTS("postfix")) {
		if (ENDS("smtpd") || ENDS("postscreen"))
			return 0;
		return 1;
	}
	if (IS("dovecot") || IS("auth") || IS("auth-worker") ||
	    IS("dovecot-auth") || ENDS("-login"))
		return 2;
	if (IS("sendmail") || STARTS("sm-"))
		return 3;
	if (STARTS("courier") || STARTS("pop3") || STARTS("imap") ||
	    STARTS("cyrus") || STARTS("ipop") || IS("popper") ||
	    STARTS("vchkpw") || IS("vpopmail") || IS("solid-pop3d") ||
	    IS("lmtpd") || IS("imapd-ssl") || IS("pop3d-ssl"))
		return 5;
	if (STARTS("qmail") || IS("rblsmtpd") || IS("tcpserver"))
		return 6;
	return 7;
#undef IS
#undef STARTS
#undef ENDS
}

static const char *
normalize_service(const char *s, size_t n)
{
	char	 buf[64];

	/* The names most logins give, as they are. */
	if (n == 4 && memcmp(s, "pop3", 4) == 0)
		return "pop3";
	if (n == 4 && memcmp(s, "imap", 4) == 0)
		return "imap";
	copy_field(buf, sizeof(buf), s, n);
	if (strstr(buf, "sieve"))
		return "managesieve";
	if (strstr(buf, "submission"))
		return "submission";
	if (strstr(buf, "pop"))
		return "pop3";
	if (strstr(buf, "imap"))
		return "imap";
	if (strstr(buf, "smtp"))
		return "smtp-auth";
	return NULL;
}

/* Copies group g of the last match into dst; returns its length or -1. */
static int
grab(struct parser *p, const struct rule *r, enum field f, const char *text,
    char *dst, size_t dstsz)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
	int	 g = r->group[f];

	if (g < 0 || ov[2 * g] == PCRE2_UNSET)
		return -1;
	copy_field(dst, dstsz, text + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
	return (int)(ov[2 * g + 1] - ov[2 * g]);
}

/*
 * RFC 3164 has no year: start from the file's time, roll over at New Year.
 * A month 9 or more back from the one before is next year's (a log with a
 * quiet December and January still rolls over); a December right after a
 * January is last year's (merged logs); any other jump keeps the year.
 */
static void
track_year(struct parser *p, int mon)
{
	if (p->cur_year == 0)
		/* A month after the file's own time is last year's. */
		p->cur_year = mon > p->ref_mon ? p->ref_year - 1 : p->ref_year;
	else if (mon + 9 <= p->last_mon)
		p->cur_year++;		/* December (or November), then January
					   (or February): a new year */
	else if (p->last_mon == 1 && mon == 12)
		p->cur_year--;		/* January, then last December */
	p->last_mon = mon;
}

static int64_t
line_time(struct parser *p, const struct envelope *env)
{
	int	 year;

	switch (env->tkind) {
	case ENV_UTC:
		return env->utc;
	case ENV_LOCAL:
		return local_to_utc(env->year, env->mon, env->day, env->hour,
		    env->min, env->sec);
	case ENV_NOYEAR:
		year = p->fixed_year ? p->fixed_year : p->cur_year;
		return local_to_utc(year, env->mon, env->day, env->hour,
		    env->min, env->sec);
	case ENV_NOTIME:
		break;
	}
	return 0;
}

/*
 * An empty event: numbers 0, strings "". Field by field, as a memset of
 * its 2.5 KB for every event costs more than the rest of storing it; keep
 * it in step with struct event.
 */
static void
event_clear(struct event *ev)
{
	ev->time = 0;
	ev->usec = 0;
	ev->kind = EV_NONE;
	ev->mta[0] = ev->host[0] = ev->prog[0] = ev->ip[0] = '\0';
	ev->ip_family = 0;
	ev->pid = 0;
	ev->client_host[0] = ev->helo[0] = '\0';
	ev->has_sender = 0;
	ev->sender[0] = ev->recipient[0] = '\0';
	ev->code = 0;
	ev->status[0] = ev->user[0] = ev->service[0] = ev->method[0] = '\0';
	ev->rule[0] = '\0';
	ev->offset = ev->lineno = 0;
	ev->raw = NULL;
	ev->raw_len = 0;
}

static struct slot *
queue_push(struct parser *p)
{
	struct slot *s;

	if (p->qlen == p->qcap) {
		size_t	 ncap = p->qcap ? p->qcap * 2 : 16, i;
		struct slot *nq = xcalloc(ncap, sizeof(*nq));

		for (i = 0; i < p->qlen; i++)
			nq[i] = p->q[(p->qhead + i) % p->qcap];
		free(p->q);
		p->q = nq;
		p->qcap = ncap;
		p->qhead = 0;
	}
	s = &p->q[(p->qhead + p->qlen++) % p->qcap];
	event_clear(&s->ev);
	s->waiting = 0;
	s->qid[0] = '\0';
	s->born = 0;
	return s;
}

static uint64_t
hash_text(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* Is this Exim syslog line the twin of one just seen? Remembers it if not. */
static int
exim_twin(struct parser *p, const char *text, size_t n)
{
	uint64_t h = hash_text(text, n);
	int64_t	 line = (int64_t)p->st.lines;
	unsigned i;

	for (i = 0; i < EXIM_TWIN_LINES; i++)
		if (p->twin_hash[i] == h && p->twin_line[i] != 0 &&
		    line - p->twin_line[i] <= 64) {
			p->twin_line[i] = 0;
			p->twin_await = 0;
			p->twins_seen = 1;
			return 1;
		}
	p->twin_hash[p->twin_next] = h;
	p->twin_line[p->twin_next] = line;
	p->twin_next = (p->twin_next + 1) % EXIM_TWIN_LINES;
	p->twin_await = line;
	return 0;
}

static enum event_kind
kind_of(struct parser *p, const struct rule *r, struct event *ev,
    const char *reason, int reason_len)
{
	int	 temp = ev->code >= 400 && ev->code < 500;

	switch (r->kind) {
	case RK_REJECT:
		if (reason_len >= 0 && pcre2_match(p->relay_re,
		    (PCRE2_SPTR)reason, (size_t)reason_len, 0, 0, p->md2,
		    NULL) >= 0)
			return temp ? EV_RELAY_DENIAL_TEMP : EV_RELAY_DENIAL;
		return EV_OTHER_REJECT;
	case RK_RELAY:
		/* By the reply code: any but 4xx and 5xx is no refusal. */
		if (temp)
			return EV_RELAY_DENIAL_TEMP;
		if (ev->code == 0 || (ev->code >= 500 && ev->code < 600))
			return EV_RELAY_DENIAL;
		return EV_NONE;
	case RK_RELAY_DENIAL:
		return EV_RELAY_DENIAL;
	case RK_RELAY_TEMP:
		return EV_RELAY_DENIAL_TEMP;
	case RK_OTHER_REJECT:
		return EV_OTHER_REJECT;
	case RK_LOGIN_OK:
		return EV_LOGIN_OK;
	case RK_LOGIN_FAILED:
		return EV_LOGIN_FAILED;
	case RK_SM_FROM:
		break;
	}
	return EV_NONE;
}

/* A Sendmail from= line: give the waiting denial of that queue ID its sender. */
static void
sendmail_join(struct parser *p, const struct rule *r, const char *text)
{
	char	 qid[24], sender[EV_ADDR];
	size_t	 i;

	if (p->n_waiting == 0 ||
	    grab(p, r, F_QID, text, qid, sizeof(qid)) < 0 ||
	    grab(p, r, F_SENDER, text, sender, sizeof(sender)) < 0)
		return;
	for (i = 0; i < p->qlen; i++) {
		struct slot *s = &p->q[(p->qhead + i) % p->qcap];

		if (s->waiting && strcmp(s->qid, qid) == 0) {
			memcpy(s->ev.sender, sender, sizeof(sender));
			s->ev.has_sender = 1;
			s->waiting = 0;
			p->n_waiting--;
		}
	}
}

/* Queues the line's event; -1 when the rule's reading of it is no event. */
static int
make_event(struct parser *p, const struct rule *r, const struct envelope *env,
    const char *line, size_t len, const char *text, int64_t offset)
{
	struct slot *s;
	struct event *ev;
	char	 buf[EV_ADDR], reason[1024];
	int	 reason_len, n;
	enum event_kind kind;

	s = queue_push(p);
	ev = &s->ev;
	ev->pid = env->pid;
	copy_field(ev->mta, sizeof(ev->mta), r->mta, strlen(r->mta));
	copy_field(ev->host, sizeof(ev->host), env->host, env->host_len);
	copy_field(ev->prog, sizeof(ev->prog), env->prog, env->prog_len);
	copy_field(ev->rule, sizeof(ev->rule), r->name, strlen(r->name));
	if (grab(p, r, F_IP, text, buf, sizeof(buf)) >= 0)
		ev->ip_family = ip_canon(buf, strlen(buf), ev->ip, ev->ip_bin);
	grab(p, r, F_HOST, text, ev->client_host, sizeof(ev->client_host));
	grab(p, r, F_HELO, text, ev->helo, sizeof(ev->helo));
	if (grab(p, r, F_SENDER, text, ev->sender, sizeof(ev->sender)) >= 0)
		ev->has_sender = 1;
	if (grab(p, r, F_RECIPIENT, text, ev->recipient,
	    sizeof(ev->recipient)) < 0 &&
	    (r->group[F_RULESET] < 0 ||
	    (grab(p, r, F_RULESET, text, buf, sizeof(buf)) >= 0 &&
	    strcmp(buf, "rcpt") == 0)))
		grab(p, r, F_RCPT, text, ev->recipient, sizeof(ev->recipient));
	grab(p, r, F_USER, text, ev->user, sizeof(ev->user));
	grab(p, r, F_METHOD, text, ev->method, sizeof(ev->method));
	grab(p, r, F_STATUS, text, ev->status, sizeof(ev->status));
	if (grab(p, r, F_CODE, text, buf, sizeof(buf)) >= 0)
		ev->code = atoi(buf);
	{
		/* The line's own word, else the rule's, else the program's. */
		const char *svc = NULL;

		if ((n = grab(p, r, F_SERVICE, text, buf, sizeof(buf))) > 0)
			svc = normalize_service(buf, (size_t)n);
		if (svc == NULL && r->service[0] != '\0')
			svc = r->service;
		if (svc == NULL)
			svc = normalize_service(env->prog, env->prog_len);
		if (svc != NULL && (r->kind == RK_LOGIN_OK ||
		    r->kind == RK_LOGIN_FAILED))
			copy_field(ev->service, sizeof(ev->service), svc,
			    strlen(svc));
	}
	reason_len = grab(p, r, F_REASON, text, reason, sizeof(reason));
	if ((kind = kind_of(p, r, ev, reason, reason_len)) == EV_NONE) {
		p->qlen--;	/* the slot just taken */
		return -1;
	}
	ev->kind = kind;
	if (ev->kind == EV_RELAY_DENIAL && ev->code == 0 &&
	    reason_len > 0 && strstr(reason, "temporar") != NULL)
		ev->kind = EV_RELAY_DENIAL_TEMP;
	ev->offset = offset;
	ev->lineno = (int64_t)p->st.lines;
	if (s->rawsize < len + 1) {
		s->raw = xrealloc(s->raw, len + 1);
		s->rawsize = len + 1;
	}
	memcpy(s->raw, line, len);
	s->raw[len] = '\0';
	ev->raw = s->raw;
	ev->raw_len = len;
	s->born = (int64_t)p->st.lines;
	/* A Sendmail denial names its sender on a later from= line. */
	if (strcmp(r->mta, "sendmail") == 0 && r->kind == RK_REJECT &&
	    grab(p, r, F_QID, text, s->qid, sizeof(s->qid)) > 0) {
		s->waiting = 1;
		p->n_waiting++;
	}
	return 0;
}

/* What every line does first: count it, age what waits for later lines. */
static void
line_start(struct parser *p)
{
	size_t	 i;

	p->st.lines++;
	p->last_suspicious = 0;
	/*
	 * Release Sendmail denials whose from= line never came. The queue is
	 * in line order: past the first slot young enough, all are.
	 */
	for (i = 0; p->n_waiting > 0 && i < p->qlen; i++) {
		struct slot *s = &p->q[(p->qhead + i) % p->qcap];

		if ((int64_t)p->st.lines - s->born <= SM_WAIT_LINES)
			break;
		if (s->waiting) {
			s->waiting = 0;
			p->n_waiting--;
		}
	}
	if (p->twin_await && (int64_t)p->st.lines - p->twin_await >
	    (p->twins_seen ? 64 : 4))
		p->twin_await = 0;
}

/* The literals the parser looks for now (more while a denial waits). */
static const struct teddy *
prefilter(const struct parser *p)
{
	return &p->pre[p->n_waiting > 0];
}

int
parser_skims(const struct parser *p)
{
	return p->use_pre;
}

size_t
parser_quiet(const struct parser *p, const char *text, size_t len,
    uint64_t *lines)
{
	if (!p->use_pre) {
		if (lines != NULL)
			*lines = 0;
		return 0;
	}
	return teddy_find(prefilter(p), text, len, lines);
}

/*
 * Skims the month of a line, unless its first 8 bytes are those of the
 * last line skimmed ("Nov  2 0": the same month).
 */
static inline void
skim_line(struct parser *p, const char *line, size_t avail)
{
	uint64_t key = 0;

	memcpy(&key, line, avail < sizeof(key) ? avail : sizeof(key));
	if (key != p->skim_key) {
		p->skim_key = key;
		skim_month(p, line, avail);
	}
}

/* How many newlines text[0..len) holds: 16 bytes at a time. */
static uint64_t
count_newlines(const char *text, size_t len)
{
	uint64_t n = 0;
	size_t	 i = 0;

#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();

	while (i + 16 <= len) {
		/* Each byte lane counts up to 255 blocks, then they are summed. */
		__m128i	 acc = zero, sum;
		size_t	 stop = len - i > 255 * 16 ? i + 255 * 16 : len;

		for (; i + 16 <= stop; i += 16)
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(
			    _mm_loadu_si128((const void *)(text + i)), nl));
		sum = _mm_sad_epu8(acc, zero);
		n += (uint64_t)(_mm_extract_epi16(sum, 0) +
		    _mm_extract_epi16(sum, 4));
	}
#endif
	for (; i < len; i++)
		n += text[i] == '\n';
	return n;
}

uint64_t
parser_feed_quiet(struct parser *p, const char *text, size_t len,
    uint64_t lines)
{
	const char *last = NULL, *s, *end = text + len;
	uint64_t first_key = 0, last_key = 0;

	if (lines == 0 && (lines = count_newlines(text, len)) == 0)
		return 0;
	p->st.lines += lines - 1;
	line_start(p);
	if (p->fixed_year)
		return lines;
	/*
	 * The months of the lines carry the year on. Lines that start with
	 * the same 8 bytes as the first and the last of the span ("Nov  2
	 * 0", the same day) are of the same month in between: then the two
	 * are enough, else every line is skimmed.
	 */
	if (len > 1)
		last = memrchr(text, '\n', len - 1);
	last = last != NULL ? last + 1 : text;
	memcpy(&first_key, text, len < 8 ? len : 8);
	memcpy(&last_key, last, (size_t)(end - last) < 8 ?
	    (size_t)(end - last) : 8);
	skim_line(p, text, len);
	if (first_key != last_key)
		for (s = text; (s = memchr(s, '\n', (size_t)(end - s))) != NULL &&
		    ++s < end;)
			skim_line(p, s, (size_t)(end - s));
	return lines;
}

void
parser_feed(struct parser *p, const char *line, size_t len, int64_t offset)
{
	struct envelope env;
	const char *text;
	size_t	 tlen, i, j;
	int	 cls, candidate = 0, scanned = 0;
	int64_t	 t = 0;
	uint64_t found = 0;

	/* A line given here is read in full (parser_quiet skips the rest). */
	line_start(p);
	if (envelope_parse(line, len, &env) != 0)
		p->st.no_envelope++;
	/* Every line moves the year on; only events need their UTC time. */
	if (env.tkind == ENV_NOYEAR && !p->fixed_year) {
		track_year(p, env.mon);
		p->skim_key = 0;
	}

	text = env.tag;
	tlen = len - (size_t)(text - line);
	cls = classify(&env);
	for (i = 0; i < p->n_by_class[cls]; i++) {
		struct rule *r = &p->rules[p->by_class[cls][i]];
		int	 rc;

		if (r->need[cls] != 0) {
			if (!scanned) {
				found = p->class_teddy[cls] ?
				    teddy_all(&p->class_set[cls], text, tlen) :
				    needles_find(&p->needles[cls], text, tlen);
				scanned = 1;
			}
			if ((found & r->need[cls]) == 0)
				continue;
		} else if (r->needles != NULL) {
			for (j = 0; r->needles[j] != NULL; j++)
				if (contains(text, tlen, r->needles[j],
				    r->needle_len[j], r->needle_anchor[j]))
					break;
			if (r->needles[j] == NULL)
				continue;
		}
		/* The catch-all relay text rule sees every unknown program. */
		if (r->kind != RK_RELAY || (r->classes & PC_POSTFIX_SMTPD))
			candidate = 1;
		rc = pcre2_jit_match(r->re, (PCRE2_SPTR)text, tlen, 0, 0,
		    p->md, NULL);
		if (rc == PCRE2_ERROR_JIT_BADOPTION)
			rc = pcre2_match(r->re, (PCRE2_SPTR)text, tlen, 0, 0,
			    p->md, NULL);
		if (rc < 0)
			continue;
		r->hits++;
		if (r->kind == RK_SM_FROM) {
			sendmail_join(p, r, text);
			return;
		}
		/*
		 * The twin has the same program, [pid] and Exim's own stamp:
		 * from the tag on, the same text. A retry (another second,
		 * another process) is an event of its own.
		 */
		if (env.exim_syslog && exim_twin(p, env.tag,
		    len - (size_t)(env.tag - line))) {
			p->st.exim_twins++;
			return;
		}
		if (make_event(p, r, &env, line, len, text, offset) != 0)
			return;
		t = line_time(p, &env);
		if (t != 0) {
			if (t < p->last_time)
				p->st.time_backwards++;
			p->last_time = t;
		}
		{
			struct slot *s = &p->q[(p->qhead + p->qlen - 1) %
			    p->qcap];

			s->ev.time = t;
			s->ev.usec = env.usec;
			p->st.events[s->ev.kind]++;
		}
		return;
	}
	if (candidate) {
		p->st.unmatched_suspicious++;
		p->last_suspicious = 1;
	} else if (p->find_suspicious && cls != 1 && cls != 2 && len < 4096 &&
	    pcre2_match(p->suspicious_re, (PCRE2_SPTR)text, tlen, 0, 0,
	    p->md2, NULL) >= 0 && memmem(text, tlen, "(in reply to", 13) ==
	    NULL && memmem(text, tlen, "no auth attempts", 16) == NULL) {
		p->last_suspicious = 1;
	}
}

const struct event *
parser_next(struct parser *p)
{
	struct slot *s;

	if (p->qlen == 0)
		return NULL;
	s = &p->q[p->qhead];
	if (s->waiting)
		return NULL;
	p->qhead = (p->qhead + 1) % p->qcap;
	p->qlen--;
	return &s->ev;
}

void
parser_flush(struct parser *p)
{
	size_t	 i;

	for (i = 0; i < p->qlen; i++)
		p->q[(p->qhead + i) % p->qcap].waiting = 0;
	p->n_waiting = 0;
	p->twin_await = 0;
}

int
parser_settled(const struct parser *p)
{
	return p->qlen == 0 && p->twin_await == 0;
}

size_t
parser_held(const struct parser *p)
{
	return p->qlen;
}

const struct parser_stats *
parser_get_stats(const struct parser *p)
{
	return &p->st;
}

size_t
parser_rule_count(const struct parser *p)
{
	return p->n_rules;
}

const char *
parser_rule_name(const struct parser *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].name : NULL;
}

uint64_t
parser_rule_hits(const struct parser *p, size_t i)
{
	return i < p->n_rules ? p->rules[i].hits : 0;
}

int
parser_last_suspicious(const struct parser *p)
{
	return p->last_suspicious;
}
