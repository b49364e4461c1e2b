/* test_common.c: unit tests of common/ and the parser's envelope. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "parser/envelope.h"
#include "tests/unit/tap.h"

static int
norm_is(const char *in, const char *want, int fam)
{
	char	 out[IP_TEXT_MAX];
	int	 f = ip_normalize(in, strlen(in), out);

	if (f != fam || strcmp(out, want) != 0) {
		printf("  ip_normalize(%s) = %d '%s', want %d '%s'\n", in, f,
		    out, fam, want);
		return 0;
	}
	return 1;
}

static int
env_is(const char *line, const char *prog, const char *host, const char *msg)
{
	struct envelope e;
	int	 ok;

	envelope_parse(line, strlen(line), &e);
	ok = e.prog_len == strlen(prog) && memcmp(e.prog, prog,
	    e.prog_len) == 0 && e.host_len == strlen(host) &&
	    memcmp(e.host, host, e.host_len) == 0 &&
	    strncmp(e.msg, msg, strlen(msg)) == 0;
	if (!ok)
		printf("  envelope(%s): prog '%.*s' host '%.*s' msg '%s'\n",
		    line, (int)e.prog_len, e.prog, (int)e.host_len, e.host,
		    e.msg);
	return ok;
}

/*
 * ip6_format must write what inet_ntop writes (RFC 5952): addresses whose
 * groups are mostly 0 (zero runs of every length and place, ties), some
 * ffff and some random, and the forms with IPv4 inside.
 */
static int
ip6_agrees(void)
{
	static const char *const fixed[] = {
		"::", "::1", "1::", "::ffff:1.2.3.4", "::1.2.3.4", "1:0:0:1::",
		"2001:db8::1:0:0:1", "0:0:1::", "fe80::1", "::ffff:0:1.2.3.4",
	};
	char	 want[IP_TEXT_MAX], got[IP_TEXT_MAX];
	uint8_t	 a[16];
	unsigned seed = 3;
	size_t	 i, k;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 300000; i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0]))
			inet_pton(AF_INET6, fixed[i], a);
		else
			for (k = 0; k < 8; k++) {
				unsigned r;

				seed = seed * 1103515245 + 12345;
				r = seed >> 16;
				r = r % 4 < 2 ? 0 : r % 4 == 2 ? 0xffff : r;
				a[2 * k] = (uint8_t)(r >> 8);
				a[2 * k + 1] = (uint8_t)r;
			}
		inet_ntop(AF_INET6, a, want, sizeof(want));
		ip6_format(a, got);
		if (strcmp(want, got) != 0) {
			printf("  ip6_format: '%s', inet_ntop: '%s'\n", got,
			    want);
			return 0;
		}
	}
	return 1;
}

/*
 * ip4_parse must agree with inet_pton on every input: fixed edge cases,
 * then random strings of digits and dots.
 */
static int
ip4_agrees(void)
{
	static const char *const fixed[] = {
		"0.0.0.0", "255.255.255.255", "192.0.2.1", "192.0.2.01",
		"1.2.3", "1.2.3.4.5", "1.2.3.256", "1..2.3", ".1.2.3", "1.2.3.",
		"1.2.3.4 ", "0001.2.3.4", "1.2.3.0000", "10.0.0.00", "", "a.b.c.d",
	};
	char	 buf[24];
	uint8_t	 a[4];
	uint32_t v;
	size_t	 i, k, n;
	unsigned seed = 7;

	for (i = 0; i < 200000; i++) {
		const char *s;

		if (i < sizeof(fixed) / sizeof(fixed[0]))
			s = fixed[i];
		else {
			seed = seed * 1103515245 + 12345;
			n = 7 + (seed >> 16) % 10;
			for (k = 0; k < n; k++) {
				seed = seed * 1103515245 + 12345;
				buf[k] = (seed >> 16) % 5 == 0 ? '.' :
				    (char)('0' + (seed >> 18) % 10);
			}
			buf[n] = '\0';
			s = buf;
		}
		if ((ip4_parse(s, strlen(s), &v) == 0) !=
		    (inet_pton(AF_INET, s, a) == 1) || (inet_pton(AF_INET, s,
		    a) == 1 && v != ((uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
		    (uint32_t)a[2] << 8 | a[3]))) {
			printf("  ip4_parse(%s) disagrees with inet_pton\n", s);
			return 0;
		}
	}
	return 1;
}

int
main(void)
{
	struct cidr c;
	char	*cause = NULL, buf[64];
	int64_t	 d;
	struct strbuf sb;

	expect(norm_is("192.0.2.10", "192.0.2.10", 4), "ipv4 stays");
	expect(norm_is("::ffff:192.0.2.10", "192.0.2.10", 4),
	    "ipv4-mapped ipv6 becomes ipv4");
	expect(norm_is("2001:DB8:0:0:0:0:0:7", "2001:db8::7", 6),
	    "ipv6 canonical, lower case");
	expect(norm_is("IPv6:2001:db8::1", "2001:db8::1", 6),
	    "sendmail IPv6: prefix dropped");
	expect(norm_is("::1", "::1", 6), "::1");
	expect(norm_is("unknown", "", 0), "not an address");
	expect(norm_is("192.0.2.256", "", 0), "bad octet");
	expect(norm_is("192.0.2.01", "", 0), "leading zero, as inet_pton");
	expect(ip4_agrees(), "ip4_parse agrees with inet_pton");
	expect(ip6_agrees(), "ip6_format writes what inet_ntop writes");

	expect(cidr_parse("192.0.2.0/24", &c, NULL) == 0 &&
	    cidr_contains(&c, "192.0.2.77") && !cidr_contains(&c, "192.0.3.1"),
	    "cidr contains");
	expect(cidr_parse("192.0.2.1/24", &c, &cause) == -1 && cause &&
	    strstr(cause, "192.0.2.0/24") != NULL, "host bits set rejected, "
	    "with the fix");
	free(cause);
	cause = NULL;
	expect(cidr_parse("2001:db8::/32", &c, NULL) == 0 &&
	    cidr_contains(&c, "2001:db8:1::5") &&
	    !cidr_contains(&c, "192.0.2.1"), "ipv6 cidr");
	expect(cidr_parse("0.0.0.0/0", &c, NULL) == 0 && c.prefix == 0,
	    "cidr /0 parses (policy decides)");
	expect(cidr_parse("10.0.0.0/33", &c, NULL) == -1, "prefix too long");

	expect(parse_duration("15m", &d) == 0 && d == 900, "15m");
	expect(parse_duration("30d", &d) == 0 && d == 30 * 86400, "30d");
	expect(parse_duration("60", &d) == 0 && d == 60, "bare seconds");
	expect(parse_duration("15x", &d) == -1, "bad unit");
	expect(parse_duration("m", &d) == -1, "no number");
	fmt_duration(900, buf, sizeof(buf));
	expect(strcmp(buf, "15m") == 0, "format 15m");

	tz_set("UTC", NULL);
	fmt_iso_utc(local_to_utc(2026, 11, 22, 17, 14, 29), buf, sizeof(buf));
	expect(strcmp(buf, "2026-11-22T17:14:29Z") == 0, "utc zone");
	expect(tz_set("Europe/Berlin", NULL) == 0, "Europe/Berlin known");
	fmt_iso_utc(local_to_utc(2026, 11, 22, 17, 14, 29), buf, sizeof(buf));
	expect(strcmp(buf, "2026-11-22T16:14:29Z") == 0, "berlin winter +1");
	fmt_iso_utc(local_to_utc(2026, 7, 1, 12, 0, 0), buf, sizeof(buf));
	expect(strcmp(buf, "2026-07-01T10:00:00Z") == 0, "berlin summer +2");
	expect(tz_set("Mars/Olympus", &cause) == -1 && cause != NULL,
	    "unknown zone refused");
	free(cause);
	tz_set("UTC", NULL);

	sb_init(&sb, 0);
	sb_json_str(&sb, "a\"b\x1b[2J\xff", 8);
	expect(strcmp(sb.buf, "a\\\"b\\u001b[2J\\ufffd") == 0,
	    "json escapes quotes, escapes and invalid utf-8");
	sb_reset(&sb);
	/* DEL, a backslash, a C1 control (U+0085), valid 2- and 4-byte
	   characters, and a 3-byte sequence cut short at the end. */
	sb_json_str(&sb, "\x7f\\\xc2\x85\xc3\xa9\xf0\x9f\x98\x80\xe2\x82", 12);
	expect(strcmp(sb.buf, "\\u007f\\\\\\ufffd\\ufffd\xc3\xa9"
	    "\xf0\x9f\x98\x80\\ufffd\\ufffd") == 0,
	    "json: DEL, backslash, C1, utf-8 kept, cut sequence replaced");
	sb_truncate(&sb, 2);
	expect(sb.len == 2 && strcmp(sb.buf, "\\u") == 0, "sb_truncate");
	sb_release(&sb);
	sb_init(&sb, 8);
	expect(sb_add(&sb, "123456789", 9) == -1, "strbuf cap holds");
	sb_add(&sb, "ab", 2);
	sb_json_str(&sb, "1234\x01", 5);
	expect(strcmp(sb.buf, "ab") == 0,
	    "json past the cap: nothing appended");
	sb_json_str(&sb, "\"x", 2);
	expect(strcmp(sb.buf, "ab\\\"x") == 0, "json within the cap");
	sb_release(&sb);

	expect(env_is("Nov  2 03:04:05 mail postfix/smtpd[1]: x", "postfix/smtpd",
	    "mail", "x"), "rfc3164 space-padded day");
	expect(env_is("Jan 29 09:33:58 pop3-login: Info: Aborted", "pop3-login",
	    "", "Info: Aborted"), "no host");
	expect(env_is("Jun 17 14:37:39 <mail.notice> robin sm-mta[2794]: q: x",
	    "sm-mta", "robin", "q: x"), "priority word");
	expect(env_is("<34>1 2026-11-22T03:04:05.003Z host app 123 - - msg",
	    "app", "host", "msg"), "rfc 5424");
	expect(env_is("mail.example.com exim[37]: 2021-07-17 23:20:49 plain",
	    "exim", "mail.example.com", "plain"), "host before exim, exim date");
	expect(env_is("2026-11-22 17:07:52 [16206] H=(x) [1.2.3.4]", "exim", "",
	    "H=(x)"), "exim mainlog with pid");
	expect(env_is("2013-08-11 03:56:40 auth-worker(default): Info: pam",
	    "auth-worker", "", "Info: pam"), "dovecot file with date");
	expect(env_is("@400000004c91b044077a9e94 imap-login: Info: A",
	    "imap-login", "", "Info: A"), "tai64n");
	return failed;
}
