/* ip.c: address normalization and CIDR networks. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

int
ip4_parse(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;
	size_t	 i = 0;
	int	 part;

	for (part = 0; part < 4; part++) {
		unsigned n = 0, digits = 0;

		if (part > 0 && (i >= len || s[i++] != '.'))
			return -1;
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			n = n * 10 + (unsigned)(s[i++] - '0');
			digits++;
		}
		/* As inet_pton: 1 to 3 digits, no leading zero, at most 255. */
		if (digits == 0 || digits > 3 || n > 255 ||
		    (digits > 1 && s[i - digits] == '0'))
			return -1;
		v = v << 8 | n;
	}
	if (i != len)
		return -1;
	*out = v;
	return 0;
}

/* Appends v in decimal; returns the end. */
static char *
put_dec(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

void
ip6_format(const uint8_t a[16], char out[IP_TEXT_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int	 i, base = -1, len = 0, cur = -1, run = 0;
	char	*p = out;

	/* RFC 5952, as glibc's inet_ntop writes it, without its printf. */
	for (i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, run = 0;
			if (++run > len)
				base = cur, len = run;
		} else
			cur = -1;
	}
	if (len < 2)
		base = -1;
	for (i = 0; i < 8; i++) {
		int	 k, started = 0;

		if (base >= 0 && i >= base && i < base + len) {
			if (i == base)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		/* ::a.b.c.d and ::ffff:a.b.c.d, IPv4 inside. */
		if (i == 6 && base == 0 && (len == 6 ||
		    (len == 5 && w[5] == 0xffff))) {
			p = put_dec(p, a[12]);
			*p++ = '.';
			p = put_dec(p, a[13]);
			*p++ = '.';
			p = put_dec(p, a[14]);
			*p++ = '.';
			p = put_dec(p, a[15]);
			break;
		}
		for (k = 12; k >= 0; k -= 4)
			if (started || (w[i] >> k & 0xf) != 0 || k == 0) {
				*p++ = hex[w[i] >> k & 0xf];
				started = 1;
			}
	}
	if (base >= 0 && base + len == 8)
		*p++ = ':';
	*p = '\0';
}

int
ip_normalize(const char *s, size_t len, char *out)
{
	uint8_t	 bin[16];

	return ip_canon(s, len, out, bin);
}

int
ip_canon(const char *s, size_t len, char *out, uint8_t bin[16])
{
	char	 tmp[IP_TEXT_MAX + 8];
	uint8_t	 a[16];
	char	*pct;
	uint32_t v4;

	out[0] = '\0';
	/* The common case: a dotted quad is its own canonical form. */
	if (len < IP_TEXT_MAX && ip4_parse(s, len, &v4) == 0) {
		memcpy(out, s, len);
		out[len] = '\0';
		bin[0] = (uint8_t)(v4 >> 24);
		bin[1] = (uint8_t)(v4 >> 16);
		bin[2] = (uint8_t)(v4 >> 8);
		bin[3] = (uint8_t)v4;
		return 4;
	}
	if (len >= 5 && strncasecmp(s, "IPv6:", 5) == 0) {
		s += 5;
		len -= 5;
	}
	if (len == 0 || len >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	/* A zone index (fe80::1%eth0) is not part of the address. */
	if ((pct = strchr(tmp, '%')) != NULL)
		*pct = '\0';
	if (inet_pton(AF_INET, tmp, a) == 1) {
		inet_ntop(AF_INET, a, out, IP_TEXT_MAX);
		memcpy(bin, a, 4);
		return 4;
	}
	if (inet_pton(AF_INET6, tmp, a) == 1) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0xff, 0xff };

		if (memcmp(a, mapped, 12) == 0) {
			inet_ntop(AF_INET, a + 12, out, IP_TEXT_MAX);
			memcpy(bin, a + 12, 4);
			return 4;
		}
		ip6_format(a, out);
		memcpy(bin, a, 16);
		return 6;
	}
	return 0;
}

static int
addr_parse(const char *s, uint8_t *a, int *family)
{
	char	 norm[IP_TEXT_MAX];

	switch (ip_normalize(s, strlen(s), norm)) {
	case 4:
		*family = 4;
		return inet_pton(AF_INET, norm, a) == 1 ? 0 : -1;
	case 6:
		*family = 6;
		return inet_pton(AF_INET6, norm, a) == 1 ? 0 : -1;
	}
	return -1;
}

int
cidr_parse(const char *s, struct cidr *c, char **cause)
{
	char	 buf[64], *slash, *end;
	long	 n;
	int	 bits, i;

	if (strlen(s) >= sizeof(buf))
		return set_cause(cause, "'%s' is not a network", s);
	strcpy(buf, s);
	memset(c, 0, sizeof(*c));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (addr_parse(buf, c->addr, &c->family) != 0)
		return set_cause(cause, "'%s' is not an IP address or network "
		    "(write it as 192.0.2.0/24 or 2001:db8::/48)", s);
	bits = c->family == 4 ? 32 : 128;
	if (slash == NULL)
		n = bits;
	else {
		if (*slash < '0' || *slash > '9')
			return set_cause(cause, "'%s': the prefix length after "
			    "'/' must be a number", s);
		n = strtol(slash, &end, 10);
		if (*end != '\0' || n < 0 || n > bits)
			return set_cause(cause, "'%s': the prefix length must be "
			    "0 to %d", s, bits);
	}
	c->prefix = (int)n;
	for (i = c->prefix; i < bits; i++) {
		if (c->addr[i / 8] & (0x80 >> (i % 8))) {
			char	 net[64];
			struct cidr fixed = *c;
			int	 j;

			for (j = c->prefix; j < bits; j++)
				fixed.addr[j / 8] &= ~(0x80 >> (j % 8));
			cidr_format(&fixed, net, sizeof(net));
			return set_cause(cause, "'%s' has host bits set: did you "
			    "mean %s?", s, net);
		}
	}
	return 0;
}

int
cidr_contains(const struct cidr *c, const char *ip)
{
	uint8_t	 a[16];
	int	 family, i;

	if (addr_parse(ip, a, &family) != 0 || family != c->family)
		return 0;
	for (i = 0; i < c->prefix; i++) {
		int	 m = 0x80 >> (i % 8);

		if ((a[i / 8] & m) != (c->addr[i / 8] & m))
			return 0;
	}
	return 1;
}

void
cidr_format(const struct cidr *c, char *buf, size_t size)
{
	char	 a[IP_TEXT_MAX];

	inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, a, sizeof(a));
	snprintf(buf, size, "%s/%d", a, c->prefix);
}

void
ip_network_of(const char *ip, char *out, size_t size)
{
	unsigned char a[16];
	char	 t[IP_TEXT_MAX];

	out[0] = '\0';
	if (inet_pton(AF_INET, ip, a) == 1)
		snprintf(out, size, "%u.%u.%u.0/24", a[0], a[1], a[2]);
	else if (inet_pton(AF_INET6, ip, a) == 1) {
		memset(a + 6, 0, 10);
		if (inet_ntop(AF_INET6, a, t, sizeof(t)) != NULL)
			snprintf(out, size, "%s/48", t);
	}
}
