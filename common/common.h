/*
 * common.h: the small things every layer uses.
 *
 * Memory: x* allocators abort with a message on out-of-memory (there is no
 * sensible recovery in a command-line tool); everything else returns -1 and
 * hands a reason back through a `char **cause` that the caller frees.
 *
 * Strings: copy_field() copies a span into a fixed buffer, truncating;
 * strbuf is a growable buffer with a hard cap.
 *
 * IP addresses: ip_normalize() turns what a log gives (IPv4, IPv6, IPv4-mapped
 * IPv6, "IPv6:" prefixes) into the canonical text form; struct cidr holds a
 * validated network.
 *
 * Time: tz_set() selects the zone the logs' local times are in;
 * local_to_utc() converts a broken-down local time (with a per-hour cache,
 * since it runs once per event); fmt_iso_utc() prints "2026-11-22T17:14:29Z".
 */
#ifndef RS_COMMON_H
#define RS_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RS_VERSION "0.1.0"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Allocates a formatted string; never returns NULL. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list);

/* Sets *cause (if cause is not NULL) to a formatted message; returns -1. */
int	 set_cause(char **cause, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Copies at most dstsz-1 bytes of src[0..len) into dst, NUL-terminated. */
void	 copy_field(char *dst, size_t dstsz, const char *src, size_t len);

/* A growable byte buffer that refuses to grow past cap (0: no cap). */
struct strbuf {
	char	*buf;
	size_t	 len;
	size_t	 size;
	size_t	 cap;
};
void	 sb_init(struct strbuf *, size_t cap);
void	 sb_release(struct strbuf *);
/* Return 0, or -1 when the cap would be passed (nothing is appended). */
int	 sb_add(struct strbuf *, const void *, size_t);
int	 sb_addstr(struct strbuf *, const char *);
/* Makes n more bytes part of sb (cap aside) and returns them to fill. */
char	*sb_grow(struct strbuf *, size_t n);
int	 sb_addf(struct strbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 sb_reset(struct strbuf *);
/* Shortens sb to len bytes (a longer len changes nothing). */
void	 sb_truncate(struct strbuf *, size_t len);

/*
 * Appends s as the body of a JSON string (no quotes): control bytes and
 * invalid UTF-8 are escaped or replaced by U+FFFD, so hostile log text can
 * never break the document.
 */
void	 sb_json_str(struct strbuf *, const char *s, size_t len);
/*
 * The same written at p, which has room for JSON_PUT_MAX(len) bytes;
 * returns the end of what it wrote.
 */
#define JSON_PUT_MAX(len)	((len) * 6)
char	*json_put(char *p, const char *s, size_t len);
/* The same for a NUL-terminated s, in double quotes. */
void	 sb_json_quoted(struct strbuf *, const char *s);
/* Writes s with every control byte and invalid UTF-8 made harmless. */
void	 fput_sanitized(FILE *, const char *s, size_t len);
/* Each line of s sanitized, after indent, ending in a newline. */
void	 fput_lines(FILE *, const char *indent, const char *s);

/*
 * The login names an address (or a login name) stands for: the whole of
 * it and its local part (before the last '@'), as given and in lower case,
 * without repeats. Returns how many (1 to 4).
 */
#define LOGIN_FORM_MAX 320
size_t	 login_forms(const char *addr, char forms[4][LOGIN_FORM_MAX]);

/* Durations: "60s", "15m", "2h", "30d", "1w"; a bare number is seconds. */
int	 parse_duration(const char *, int64_t *secs);
/* Formats a duration the way parse_duration reads it (largest whole unit). */
void	 fmt_duration(int64_t secs, char *buf, size_t size);

/* --- IP addresses ------------------------------------------------------ */

#define IP_TEXT_MAX 46

/*
 * Normalizes the address in s[0..len) into out (IP_TEXT_MAX bytes): IPv4
 * dotted quad; IPv6 in RFC 5952 form; ::ffff:a.b.c.d becomes a.b.c.d; an
 * "IPv6:" prefix (Sendmail) is dropped. Returns 4 or 6, or 0 when s is not
 * an address (out is then empty).
 */
/* A dotted quad as inet_pton takes it (no leading zeros): 0, or -1. */
int	 ip4_parse(const char *s, size_t len, uint32_t *out);
int	 ip_normalize(const char *s, size_t len, char *out);
/* The same, with the address's bytes in bin (4 for IPv4, 16 for IPv6). */
int	 ip_canon(const char *s, size_t len, char *out, uint8_t bin[16]);
/* The 16 bytes of an IPv6 address as RFC 5952 text (as inet_ntop). */
void	 ip6_format(const uint8_t a[16], char out[IP_TEXT_MAX]);
/* The /24 (IPv4) or /48 (IPv6) of a normalized address; "" if none. */
void	 ip_network_of(const char *ip, char *out, size_t size);

struct cidr {
	int	 family;	/* 4 or 6 */
	uint8_t	 addr[16];	/* network address, host bits zero */
	int	 prefix;	/* 0..32 or 0..128 */
};
/*
 * Parses "a.b.c.d/n", "x:y::/n" or a bare address (a host route). Host bits
 * must be zero: "192.0.2.1/24" is an error, as Postfix's cidr tables say.
 */
int	 cidr_parse(const char *, struct cidr *, char **cause);
/* Does the (normalized or not) address text fall inside the network? */
int	 cidr_contains(const struct cidr *, const char *ip);
void	 cidr_format(const struct cidr *, char *buf, size_t size);

/* --- time -------------------------------------------------------------- */

/* Selects the zone of the logs' local times (NULL or "": the system's). */
int	 tz_set(const char *name, char **cause);
/*
 * Converts a local civil time (month 1..12) in the selected zone to seconds
 * since the epoch, UTC. In the autumn hour that repeats, the first
 * occurrence wins (as mktime does); times that do not exist (spring gap)
 * are taken as standard time.
 */
int64_t	 local_to_utc(int year, int mon, int day, int hour, int min, int sec);
/* Seconds since the epoch of a UTC civil time (month 1..12). */
int64_t	 utc_from_civil(int year, int mon, int day, int hour, int min, int sec);
/* "2026-11-22T17:14:29Z"; buf needs 21 bytes. */
void	 fmt_iso_utc(int64_t t, char *buf, size_t size);
/* Monotonic seconds, for rates and timeouts. */
double	 now_mono(void);

#endif
