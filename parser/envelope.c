/* envelope.c: timestamps, hosts and program tags of log lines. */
#include <string.h>

#include "../common/common.h"
#include "envelope.h"

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* Bytes of program names and host names: one table lookup a byte. */
enum { CH_PROG = 1, CH_HOST = 2 };
static unsigned char chclass[256];

static void
chclass_init(void)
{
	int	 c;

	for (c = 0; c < 256; c++) {
		int	 alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z');

		if (alnum || c == '-' || c == '_' || c == '.' || c == '/')
			chclass[c] |= CH_PROG;
		if (alnum || c == '-' || c == '_' || c == '.' || c == ':')
			chclass[c] |= CH_HOST;
	}
}

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

/* Reads n digits at s; -1 if any is not a digit. */
static int
num(const char *s, int n)
{
	int	 v = 0;

	while (n-- > 0) {
		if (!isdig(*s))
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

static int
month_of(const char *s)
{
	/* The letters pick the month; one memcmp confirms it. */
	int	 m;

	switch (s[0]) {
	case 'J':
		m = s[1] == 'a' ? 1 : s[2] == 'n' ? 6 : 7;
		break;
	case 'F':
		m = 2;
		break;
	case 'M':
		m = s[2] == 'r' ? 3 : 5;
		break;
	case 'A':
		m = s[1] == 'p' ? 4 : 8;
		break;
	case 'S':
		m = 9;
		break;
	case 'O':
		m = 10;
		break;
	case 'N':
		m = 11;
		break;
	case 'D':
		m = 12;
		break;
	default:
		return 0;
	}
	return memcmp(s, months + 3 * (m - 1), 3) == 0 ? m : 0;
}

/* "HH:MM:SS" at s; returns 0 and fills env, or -1. */
static int
hms(const char *s, struct envelope *env)
{
	if (s[2] != ':' || s[5] != ':')
		return -1;
	env->hour = num(s, 2);
	env->min = num(s + 3, 2);
	env->sec = num(s + 6, 2);
	if (env->hour < 0 || env->hour > 23 || env->min < 0 || env->min > 59 ||
	    env->sec < 0 || env->sec > 60)
		return -1;
	if (env->sec == 60)
		env->sec = 59;
	return 0;
}

/* Optional ".digits": microseconds. Returns characters used. */
static int
frac(const char *s, int *usec)
{
	int	 n = 0, scale = 100000;

	*usec = 0;
	if (*s != '.' && *s != ',')
		return 0;
	while (isdig(s[n + 1])) {
		if (scale > 0) {
			*usec += (s[n + 1] - '0') * scale;
			scale /= 10;
		}
		n++;
	}
	return n ? n + 1 : 0;
}

/*
 * "YYYY-MM-DD" then sep then "HH:MM:SS[.frac]" and, for 'T', an optional zone
 * (Z, +HH:MM, +HHMM). Returns the characters used, or -1.
 */
static int
iso(const char *s, char sep, struct envelope *env)
{
	int	 n, sign, oh, om;

	if (s[4] != '-' || s[7] != '-' || s[10] != sep)
		return -1;
	env->year = num(s, 4);
	env->mon = num(s + 5, 2);
	env->day = num(s + 8, 2);
	if (env->year < 1970 || env->mon < 1 || env->mon > 12 ||
	    env->day < 1 || env->day > 31 || hms(s + 11, env) != 0)
		return -1;
	n = 19;
	n += frac(s + n, &env->usec);
	env->tkind = ENV_LOCAL;
	if (s[n] == 'Z') {
		env->tkind = ENV_UTC;
		env->utc = utc_from_civil(env->year, env->mon, env->day,
		    env->hour, env->min, env->sec);
		return n + 1;
	}
	if (s[n] == '+' || s[n] == '-') {
		sign = s[n] == '-' ? -1 : 1;
		oh = num(s + n + 1, 2);
		if (oh < 0)
			return n;
		if (s[n + 3] == ':') {
			om = num(s + n + 4, 2);
			n += 6;
		} else {
			om = num(s + n + 3, 2);
			n += 5;
		}
		if (om < 0)
			return -1;
		env->tkind = ENV_UTC;
		env->utc = utc_from_civil(env->year, env->mon, env->day,
		    env->hour, env->min, env->sec) - sign * (oh * 3600 +
		    om * 60);
	}
	return n;
}

/* The token at s up to the next space (or end). */
static size_t
toklen(const char *s)
{
	const char *p = s;

	while (*p != '\0' && *p != ' ')
		p++;
	return (size_t)(p - s);
}

/*
 * Is s[0..n) a program tag "name[pid]:", "name(x):", "name(x)<y>:",
 * "name:"? Fills prog and pid if so.
 */
static int
prog_token(const char *s, size_t n, struct envelope *env)
{
	size_t	 i = 0;

	if (n < 2 || s[n - 1] != ':')
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	while (i < n - 1 && (chclass[(unsigned char)s[i]] & CH_PROG))
		i++;
	if (i < n - 1 && s[i] != '[' && s[i] != '(' && s[i] != '<')
		return 0;
	env->prog = s;
	env->prog_len = i;
	env->pid = -1;
	if (s[i] == '[') {
		long	 pid = 0;
		size_t	 j = i + 1;

		while (j < n && isdig(s[j]))
			pid = pid * 10 + (s[j++] - '0');
		if (j < n && s[j] == ']' && j > i + 1)
			env->pid = pid;
	}
	return 1;
}

static int
host_token(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > 255)
		return 0;
	for (i = 0; i < n; i++)
		if (!(chclass[(unsigned char)s[i]] & CH_HOST))
			return 0;
	return 1;
}

/* Exim's program name: exim, or Debian's exim4. */
static int
is_exim(const struct envelope *env)
{
	return (env->prog_len == 4 && memcmp(env->prog, "exim", 4) == 0) ||
	    (env->prog_len == 5 && memcmp(env->prog, "exim4", 5) == 0);
}

/* Exim through syslog puts its own stamp and [pid] in the message. */
static void
exim_message(struct envelope *env)
{
	const char *m = env->msg;
	struct envelope t;
	int	 n;

	env->exim_syslog = 1;
	memset(&t, 0, sizeof(t));
	if (isdig(m[0]) && (n = iso(m, ' ', &t)) > 0 && m[n] == ' ') {
		if (env->tkind == ENV_NOTIME) {
			env->tkind = t.tkind;
			env->year = t.year;
			env->mon = t.mon;
			env->day = t.day;
			env->hour = t.hour;
			env->min = t.min;
			env->sec = t.sec;
			env->usec = t.usec;
			env->utc = t.utc;
		}
		m += n + 1;
	}
	if (m[0] == '[' && isdig(m[1])) {
		const char *p = m + 1;

		while (isdig(*p))
			p++;
		if (p[0] == ']' && p[1] == ' ')
			m = p + 2;
	}
	env->msg = m;
}

/* After the time: "[<pri>] [host] prog: msg", or Exim's mainlog. */
static int
after_time(const char *p, struct envelope *env, int allow_mainlog)
{
	size_t	 n1, n2;

	while (*p == ' ')
		p++;
	/* rsyslog's %syslogpriority% style word: "<mail.notice>" */
	if (*p == '<') {
		const char *q = strchr(p, '>');

		if (q != NULL && q[1] == ' ' && q - p < 32)
			p = q + 2;
	}
	n1 = toklen(p);
	if (prog_token(p, n1, env)) {
		env->tag = p;
		env->msg = p[n1] == ' ' ? p + n1 + 1 : p + n1;
	} else if (host_token(p, n1) && p[n1] == ' ' &&
	    (n2 = toklen(p + n1 + 1), prog_token(p + n1 + 1, n2, env))) {
		env->host = p;
		env->host_len = n1;
		env->tag = p + n1 + 1;
		env->msg = env->tag[n2] == ' ' ? env->tag + n2 + 1 :
		    env->tag + n2;
	} else if (allow_mainlog) {
		env->exim_mainlog = 1;
		env->prog = "exim";
		env->prog_len = 4;
		env->tag = env->msg = p;
		if (p[0] == '[' && isdig(p[1])) {
			const char *q = p + 1;
			long	 pid = 0;

			while (isdig(*q))
				pid = pid * 10 + (*q++ - '0');
			if (q[0] == ']' && q[1] == ' ') {
				env->pid = pid;
				env->tag = env->msg = q + 2;
			}
		}
		return 0;
	} else {
		/* A host and a message with no program tag. */
		if (host_token(p, n1) && p[n1] == ' ') {
			env->host = p;
			env->host_len = n1;
			p += n1 + 1;
		}
		env->tag = env->msg = p;
		return 0;
	}
	if (is_exim(env))
		exim_message(env);
	return 0;
}

int
envelope_parse(const char *line, size_t len, struct envelope *env)
{
	const char *p = line;
	size_t	 rest;
	int	 n, mon;

	if (chclass['a'] == 0)
		chclass_init();
	memset(env, 0, sizeof(*env));
	env->pid = -1;
	env->host = env->prog = "";
	if (len < 8) {
		env->tag = env->msg = line;
		return -1;
	}
	/* "<34>" syslog priority, and "<34>1 " RFC 5424. */
	if (p[0] == '<' && isdig(p[1])) {
		const char *q = p + 1;

		while (isdig(*q) && q - p < 5)
			q++;
		if (*q == '>') {
			p = q + 1;
			if (p[0] == '1' && p[1] == ' ' && isdig(p[2]) &&
			    (n = iso(p + 2, 'T', env)) > 0 && p[2 + n] == ' ')
				goto rfc5424;
		}
	}
	/*
	 * The line ends in a NUL at len: a byte further is only looked at
	 * once every byte before it matched, or once rest says it is there.
	 */
	rest = len - (size_t)(p - line);
	if (p[0] == '@' && p[1] == '4' && rest >= 26 && p[25] == ' ') {
		uint64_t secs = 0;
		uint32_t nano = 0;
		int	 i, ok = 1;

		for (i = 1; i < 25 && ok; i++) {
			int	 c = p[i], v;

			v = isdig(c) ? c - '0' : (c >= 'a' && c <= 'f') ?
			    c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 :
			    -1;
			if (v < 0)
				ok = 0;
			else if (i <= 16)
				secs = secs * 16 + (uint64_t)v;
			else
				nano = nano * 16 + (uint32_t)v;
		}
		if (ok) {
			/* TAI64 label: 2^62 + 10 + seconds since 1970. */
			env->tkind = ENV_UTC;
			env->utc = (int64_t)(secs - 4611686018427387914ULL);
			env->usec = (int)(nano / 1000);
			return after_time(p + 26, env, 0);
		}
	}
	if (rest > 10 && isdig(p[0]) && isdig(p[3])) {
		if (p[10] == 'T' && (n = iso(p, 'T', env)) > 0 &&
		    p[n] == ' ')
			return after_time(p + n + 1, env, 0);
		if (p[10] == ' ' && (n = iso(p, ' ', env)) > 0 &&
		    p[n] == ' ')
			return after_time(p + n + 1, env, 1);
	}
	if ((mon = month_of(p)) != 0 && p[3] == ' ') {
		const char *q = p + 4;
		int	 day;

		if (*q == ' ')
			q++;
		if (isdig(q[0]) && isdig(q[1])) {
			day = num(q, 2);
			q += 2;
		} else if (isdig(q[0])) {
			day = q[0] - '0';
			q += 1;
		} else
			goto notime;
		if (*q != ' ' || day < 1 || day > 31 || hms(q + 1, env) != 0)
			goto notime;
		env->mon = mon;
		env->day = day;
		env->tkind = ENV_NOYEAR;
		q += 9;
		q += frac(q, &env->usec);
		return after_time(q, env, 0);
	}
notime:
	memset(env, 0, sizeof(*env));
	env->pid = -1;
	env->host = env->prog = "";
	after_time(line, env, 0);
	return env->tkind == ENV_NOTIME ? -1 : 0;

rfc5424:
	{
		/* HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG */
		const char *f[5];
		size_t	 fl[5];
		const char *q = p + 2 + n + 1;
		int	 i;

		for (i = 0; i < 4; i++) {
			f[i] = q;
			fl[i] = toklen(q);
			q += fl[i];
			if (*q == ' ')
				q++;
		}
		/* Structured data: "-" or one or more [..] elements. */
		if (*q == '[') {
			while (*q == '[') {
				while (*q != '\0' && *q != ']') {
					if (*q == '\\' && q[1] != '\0')
						q++;
					q++;
				}
				if (*q == ']')
					q++;
			}
		} else
			q += toklen(q);
		if (*q == ' ')
			q++;
		if (fl[0] != 1 || f[0][0] != '-') {
			env->host = f[0];
			env->host_len = fl[0];
		}
		env->prog = f[1];
		env->prog_len = fl[1];
		if (isdig(f[2][0])) {
			env->pid = 0;
			for (i = 0; (size_t)i < fl[2] && isdig(f[2][i]); i++)
				env->pid = env->pid * 10 + (f[2][i] - '0');
		}
		/* BOM before a UTF-8 message */
		if ((unsigned char)q[0] == 0xef && (unsigned char)q[1] == 0xbb &&
		    (unsigned char)q[2] == 0xbf)
			q += 3;
		env->tag = f[1];
		env->msg = q;
		if (is_exim(env))
			exim_message(env);
		return 0;
	}
}
