/* util.c: memory, causes, strbuf, sanitizing and durations. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

static void
oom(void)
{
	fputs("relayscope: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void	*p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char	*p;

	if (vasprintf(&p, fmt, ap) < 0)
		oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

int
set_cause(char **cause, const char *fmt, ...)
{
	va_list	 ap;

	if (cause == NULL)
		return -1;
	va_start(ap, fmt);
	*cause = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

void
copy_field(char *dst, size_t dstsz, const char *src, size_t len)
{
	if (dstsz == 0)
		return;
	if (len >= dstsz)
		len = dstsz - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void
sb_init(struct strbuf *sb, size_t cap)
{
	sb->buf = NULL;
	sb->len = sb->size = 0;
	sb->cap = cap;
}

void
sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb_init(sb, sb->cap);
}

void
sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf != NULL)
		sb->buf[0] = '\0';
}

char *
sb_grow(struct strbuf *sb, size_t n)
{
	char	*p;

	if (sb->len + n + 1 > sb->size) {
		size_t	 want = sb->size ? sb->size : 256;

		while (want < sb->len + n + 1)
			want *= 2;
		sb->buf = xrealloc(sb->buf, want);
		sb->size = want;
	}
	p = sb->buf + sb->len;
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return p;
}

void
sb_truncate(struct strbuf *sb, size_t len)
{
	if (len < sb->len) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

int
sb_add(struct strbuf *sb, const void *p, size_t n)
{
	if (sb->cap != 0 && sb->len + n > sb->cap)
		return -1;
	memcpy(sb_grow(sb, n), p, n);
	return 0;
}

int
sb_addstr(struct strbuf *sb, const char *s)
{
	return sb_add(sb, s, strlen(s));
}

int
sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 r;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	r = sb_addstr(sb, p);
	free(p);
	return r;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	size_t	 n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls (U+0080..U+009F) can act as escape introducers. */
	if (cp >= 0x80 && cp <= 0x9f)
		return 0;
	return n;
}

char *
json_put(char *p, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	static const char hex[] = "0123456789abcdef";
	size_t	 i = 0, n;

	while (i < len) {
		unsigned char c = u[i];
		size_t	 run = i;

		/* Plain printable ASCII, the most of it, in one piece. */
		while (run < len && u[run] >= 0x20 && u[run] < 0x7f &&
		    u[run] != '"' && u[run] != '\\')
			run++;
		if (run > i) {
			memcpy(p, &u[i], run - i);
			p += run - i;
			i = run;
			continue;
		}
		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(p, "\\u00", 4);
			p[4] = hex[c >> 4];
			p[5] = hex[c & 0xf];
			p += 6;
			i++;
		} else if ((n = utf8_seq(&u[i], len - i)) == 0) {
			memcpy(p, "\\ufffd", 6);
			p += 6;
			i++;
		} else {
			memcpy(p, &u[i], n);
			p += n;
			i += n;
		}
	}
	return p;
}

void
sb_json_str(struct strbuf *sb, const char *s, size_t len)
{
	size_t	 start = sb->len;
	char	*end = json_put(sb_grow(sb, JSON_PUT_MAX(len)), s, len);

	sb_truncate(sb, (size_t)(end - sb->buf));
	/* Past the cap, nothing is appended (as sb_add()). */
	if (sb->cap != 0 && sb->len > sb->cap)
		sb_truncate(sb, start);
}

void
fput_sanitized(FILE *f, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t	 i = 0, n;

	while (i < len) {
		if (u[i] == '\t') {
			fputc(' ', f);
			i++;
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			fprintf(f, "\\x%02x", u[i]);
			i++;
		} else if ((n = utf8_seq(&u[i], len - i)) == 0) {
			fputs("\xef\xbf\xbd", f);
			i++;
		} else {
			fwrite(&u[i], 1, n, f);
			i += n;
		}
	}
}

int
parse_duration(const char *s, int64_t *secs)
{
	char	*end;
	long long v;
	int64_t	 mult = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return -1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	case 'w':
		mult = 7 * 86400;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v > INT64_MAX / mult / 2)
		return -1;
	*secs = (int64_t)v * mult;
	return 0;
}

void
fmt_duration(int64_t secs, char *buf, size_t size)
{
	if (secs != 0 && secs % 86400 == 0)
		snprintf(buf, size, "%lldd", (long long)(secs / 86400));
	else if (secs != 0 && secs % 3600 == 0)
		snprintf(buf, size, "%lldh", (long long)(secs / 3600));
	else if (secs != 0 && secs % 60 == 0)
		snprintf(buf, size, "%lldm", (long long)(secs / 60));
	else
		snprintf(buf, size, "%llds", (long long)secs);
}

double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
fput_lines(FILE *f, const char *indent, const char *s)
{
	const char *nl;

	for (;;) {
		nl = strchr(s, '\n');
		fputs(indent, f);
		fput_sanitized(f, s, nl != NULL ? (size_t)(nl - s) : strlen(s));
		fputc('\n', f);
		if (nl == NULL)
			break;
		s = nl + 1;
	}
}

size_t
login_forms(const char *addr, char forms[4][LOGIN_FORM_MAX])
{
	const char *at;
	size_t	 i, j, n = 0, m = 0;
	int	 dup;

	copy_field(forms[n++], LOGIN_FORM_MAX, addr, strlen(addr));
	if ((at = strrchr(addr, '@')) != NULL && at > addr)
		copy_field(forms[n++], LOGIN_FORM_MAX, addr,
		    (size_t)(at - addr));
	for (i = 0, j = n; i < j; i++) {
		char	*p;

		copy_field(forms[n], LOGIN_FORM_MAX, forms[i],
		    strlen(forms[i]));
		for (p = forms[n]; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		n++;
	}
	for (i = 0; i < n; i++) {
		for (j = 0, dup = 0; j < m; j++)
			dup |= strcmp(forms[i], forms[j]) == 0;
		if (!dup && m != i)
			memcpy(forms[m], forms[i], LOGIN_FORM_MAX);
		m += !dup;
	}
	return m;
}

void
sb_json_quoted(struct strbuf *sb, const char *s)
{
	sb_addstr(sb, "\"");
	sb_json_str(sb, s, strlen(s));
	sb_addstr(sb, "\"");
}
