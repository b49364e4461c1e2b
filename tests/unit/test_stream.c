/* test_stream.c: unit tests of policy/stream.c against policy_diagnose(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "policy/policy.h"
#include "tests/unit/tap.h"

#define T0 1795000000

static const char *const locals[] = { "example.net" };

static void
login(struct policy_stream *ps, int64_t id, int64_t t, int ok,
    const char *ip, const char *user, const char *service)
{
	struct policy_login l = { id, t, ok, ip, user, service };

	policy_stream_login(ps, &l);
}

static void
denial(struct policy_stream *ps, int64_t id, int64_t t, const char *ip,
    const char *sender, const char *rcpt)
{
	struct policy_denial d = { id, t, 0, ip, sender, rcpt, "postfix" };

	policy_stream_denial(ps, &d);
}

static const struct policy_stream_verdict *
find(struct policy_stream *ps, int64_t id)
{
	const struct policy_stream_verdict *v;
	size_t	 i, n = policy_stream_verdicts(ps, &v);

	for (i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

/* History before the scan: one old pop3 login from 192.0.2.50 by ann. */
static int
ip_hist(void *arg, const char *ip, int64_t before, int *found, int64_t *t)
{
	(void)arg;
	*found = strcmp(ip, "192.0.2.50") == 0 && before > T0 - 86400;
	*t = T0 - 86400;
	return 0;
}

static int
user_hist(void *arg, const char *user, int64_t before, int *any, int *pop)
{
	(void)arg;
	(void)before;
	*any = *pop = strcmp(user, "ann") == 0;
	return 0;
}

int
main(void)
{
	struct policy_opts o;
	struct policy_stream *ps;
	struct policy_stream_hooks h = { ip_hist, user_hist, NULL };
	const struct policy_stream_verdict *v;
	int	 i;

	policy_opts_init(&o);
	o.local_domains = locals;
	o.n_local_domains = 1;

	ps = policy_stream_new(&o, 0, 0, NULL);
	/* Denial fed before the login of the same second: in_window. */
	denial(ps, 1, T0, "192.0.2.1", "joe@example.net", "a@remote.example");
	login(ps, 2, T0, 1, "192.0.2.1", "joe", "pop3");
	/* A login a second later is not evidence. */
	denial(ps, 3, T0 + 10, "192.0.2.2", "bob@example.net", "b@remote.example");
	login(ps, 4, T0 + 11, 1, "192.0.2.2", "bob", "pop3");
	/* Exactly at the window: in_window; a second more: expired. */
	login(ps, 5, T0 + 100, 1, "192.0.2.3", "kim", "imap");
	denial(ps, 6, T0 + 1000, "192.0.2.3", "kim@example.net", "c@remote.example");
	denial(ps, 7, T0 + 1001, "192.0.2.3", "kim@example.net", "c@remote.example");
	/* Roaming: joe (any case) from elsewhere. */
	denial(ps, 8, T0 + 2000, "198.51.100.7", "JOE@example.net", "d@remote.example");
	/* A burst: the first attempt becomes a probe through the later ones. */
	for (i = 0; i < 12; i++)
		denial(ps, 100 + i, T0 + 5000 + 30 * i, "203.0.113.9",
		    "x@spam.example", "v@victim.example");
	/* A lone attempt is not a probe; a failed login makes login-failed. */
	login(ps, 200, T0 + 9000, 0, "192.0.2.9", "sue", "pop3");
	denial(ps, 201, T0 + 9100, "192.0.2.9", "z@elsewhere.example", "e@remote.example");
	expect(policy_stream_finish(ps) == 0, "finish");
	expect(find(ps, 1)->evidence_class == PC_IN_WINDOW &&
	    find(ps, 1)->headline == H_POPAUTH_NOT_APPLIED,
	    "a login in the same second counts as earlier");
	expect(find(ps, 3)->evidence_class == PC_NONE &&
	    find(ps, 3)->headline == H_NO_LOGIN,
	    "a login a second later is not evidence");
	expect(find(ps, 6)->evidence_class == PC_IN_WINDOW,
	    "exactly at the window: in_window");
	expect(find(ps, 7)->evidence_class == PC_EXPIRED &&
	    find(ps, 7)->headline == H_POPAUTH_EXPIRED,
	    "a second past the window: expired");
	expect(find(ps, 8)->evidence_class == PC_ROAMING &&
	    find(ps, 8)->headline == H_ROAMING, "roaming, sender in upper case");
	expect(find(ps, 100)->probe && find(ps, 100)->headline == H_PROBE,
	    "the burst's first attempt is a probe");
	expect(find(ps, 111)->probe, "the burst's last attempt is a probe");
	expect(!find(ps, 201)->probe && find(ps, 201)->headline ==
	    H_LOGIN_FAILED, "a lone attempt after a failed login: login-failed");
	policy_stream_free(ps);

	/* A range: history comes through the hooks. */
	ps = policy_stream_new(&o, T0, 0, &h);
	denial(ps, 1, T0 + 10, "192.0.2.50", "ann@example.net", "a@remote.example");
	denial(ps, 2, T0 + 20, "192.0.2.60", "ann@example.net", "a@remote.example");
	denial(ps, 3, T0 - 10, "192.0.2.60", "ann@example.net", "a@remote.example");
	expect(policy_stream_finish(ps) == 0, "range: finish");
	expect(policy_stream_verdicts(ps, &v) == 2, "range: only the denials in it");
	expect(find(ps, 1)->evidence_class == PC_EXPIRED,
	    "range: an old login from history: expired");
	expect(find(ps, 2)->evidence_class == PC_ROAMING,
	    "range: the user's old login elsewhere: roaming");
	policy_stream_free(ps);
	return failed;
}
