/* test_policy.c: unit tests of policy/ (diagnosis of denials, probes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "policy/policy.h"
#include "tests/unit/tap.h"

#define T0 1795000000		/* the denial's time in most cases */

static const char *const locals[] = {
	"example.com", "example.net", "example.org"
};
static struct cidr nets[2];

static void
opts_setup(struct policy_opts *o)
{
	policy_opts_init(o);
	o->local_domains = locals;
	o->n_local_domains = ARRAY_LEN(locals);
	o->relay_networks = nets;
	o->n_relay_networks = ARRAY_LEN(nets);
}

static struct policy_login
login(int64_t id, int64_t time, int ok, const char *ip, const char *user,
    const char *service)
{
	struct policy_login	 l;

	memset(&l, 0, sizeof(l));
	l.id = id;
	l.time = time;
	l.ok = ok;
	l.ip = ip;
	l.user = user;
	l.service = service;
	return l;
}

/* Diagnoses a denial at T0 from ip by sender. */
static void
diag(const struct policy_opts *o, const char *ip, const char *sender,
    const struct policy_login *il, size_t nil, const struct policy_login *ul,
    size_t nul, int probe, struct verdict *v)
{
	struct policy_evidence	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.denial.id = 42;
	ev.denial.time = T0;
	ev.denial.ip = ip;
	ev.denial.sender = sender;
	ev.denial.recipient = "friend@remote.example";
	ev.denial.mta = "postfix";
	ev.ip_logins = il;
	ev.n_ip_logins = nil;
	ev.user_logins = ul;
	ev.n_user_logins = nul;
	ev.probe.flagged = probe;
	policy_diagnose(o, &ev, v);
}

static int
is(const struct verdict *v, enum policy_headline h, enum policy_class c)
{
	if (v->headline == h && v->evidence_class == c)
		return 1;
	printf("  got %s/%s, want %s/%s\n", policy_headline_name(v->headline),
	    policy_class_name(v->evidence_class), policy_headline_name(h),
	    policy_class_name(c));
	return 0;
}

static void
test_names(void)
{
	int	 h;

	expect(strcmp(policy_class_name(PC_IN_WINDOW), "in_window") == 0 &&
	    strcmp(policy_class_name(PC_EXPIRED), "expired") == 0 &&
	    strcmp(policy_class_name(PC_ROAMING), "roaming") == 0 &&
	    strcmp(policy_class_name(PC_NONE), "none") == 0, "class names");
	for (h = 0; h < H__COUNT; h++) {
		if (policy_headline_from_name(policy_headline_name(h)) != h)
			break;
	}
	expect(h == H__COUNT, "headline names round-trip");
	expect(strcmp(policy_headline_name(H_POPAUTH_NOT_APPLIED),
	    "popauth-not-applied") == 0 &&
	    policy_headline_from_name("no-such") == -1 &&
	    policy_headline_from_name(NULL) == -1, "headline name lookup");
	for (h = 0; h < H__COUNT; h++) {
		if (*policy_default_advice(h) == '\0')
			break;
	}
	expect(h == H__COUNT, "every headline has built-in advice");
}

static void
test_window(void)
{
	struct policy_opts	 o;
	struct verdict		 v;
	struct policy_login	 l[4];
	const char		*ip = "198.51.100.7";

	opts_setup(&o);
	l[0] = login(1, T0 - 100, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_POPAUTH_NOT_APPLIED, PC_IN_WINDOW) &&
	    v.last_login.login_id == 1 && v.last_login.seconds_before == 100 &&
	    strcmp(v.last_login.user, "leo") == 0 &&
	    strcmp(v.last_login.service, "pop3") == 0,
	    "pop3 login 100s before: popauth-not-applied, in_window, facts");

	l[0] = login(1, T0 - 900, 1, ip, "leo", "imap");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_POPAUTH_NOT_APPLIED, PC_IN_WINDOW),
	    "login exactly the window before (900s) is in_window");

	l[0] = login(1, T0 - 901, 1, ip, "leo", "imap");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_POPAUTH_EXPIRED, PC_EXPIRED) && v.expired_by == 1 &&
	    v.last_login.seconds_before == 901,
	    "window + 1s is expired, expired_by 1");

	l[0] = login(1, T0 - 900 - 3600, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_POPAUTH_EXPIRED, PC_EXPIRED) && v.expired_by == 3600,
	    "expired by an hour");

	l[0] = login(1, T0, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_POPAUTH_NOT_APPLIED, PC_IN_WINDOW) &&
	    v.last_login.seconds_before == 0,
	    "login in the same second counts as earlier");

	l[0] = login(1, T0 + 1, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_NO_LOGIN, PC_NONE) && v.last_login.login_id == 0,
	    "login one second after the denial is not evidence");
	diag(&o, ip, "spam@elsewhere.example", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_FOREIGN, PC_NONE),
	    "later login, foreign sender: foreign");

	/* The latest ok login decides, whatever the array order. */
	l[0] = login(1, T0 - 5000, 1, ip, "leo", "pop3");
	l[1] = login(2, T0 - 100, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 2, NULL, 0, 0, &v);
	expect(is(&v, H_POPAUTH_NOT_APPLIED, PC_IN_WINDOW) &&
	    v.last_login.login_id == 2, "latest login decides (in_window)");
	l[0] = login(2, T0 - 100, 1, ip, "leo", "pop3");
	l[1] = login(1, T0 - 5000, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 2, NULL, 0, 0, &v);
	expect(v.evidence_class == PC_IN_WINDOW && v.last_login.login_id == 2,
	    "latest login decides in any array order");
	l[0] = login(1, T0 - 5000, 1, ip, "leo", "pop3");
	l[1] = login(2, T0 - 100, 0, ip, "leo", "pop3");
	l[2] = login(3, T0 - 50, 1, ip, "leo", "smtp-auth");
	l[3] = login(4, T0 + 10, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 4, NULL, 0, 0, &v);
	expect(is(&v, H_POPAUTH_EXPIRED, PC_EXPIRED) &&
	    v.last_login.login_id == 1 && v.failed_logins == 1 &&
	    v.last_failed_login_id == 2,
	    "failed, non-popauth and later logins do not open a window");

	l[0] = login(1, T0 - 60, 1, ip, "leo", "POP3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(v.evidence_class == PC_IN_WINDOW, "service names in any case");

	o.window = 1800;
	l[0] = login(1, T0 - 1500, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(v.evidence_class == PC_IN_WINDOW,
	    "a longer window from the options");
	o.window = 900;
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(v.evidence_class == PC_EXPIRED,
	    "the same evidence under a shorter window: expired");

	/* A login from another address of the same user is not in_window. */
	l[0] = login(1, T0 - 60, 1, "198.51.100.8", "leo", "pop3");
	diag(&o, ip, "someone@elsewhere.example", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_FOREIGN, PC_NONE),
	    "a login from a neighbouring address is not evidence");
}

static void
test_addresses(void)
{
	struct policy_opts	 o;
	struct verdict		 v;
	struct policy_login	 l[2];
	char			 norm[IP_TEXT_MAX];

	opts_setup(&o);
	l[0] = login(1, T0 - 60, 1, "2001:db8:1::5", "leo", "pop3");
	diag(&o, "2001:db8:1::5", "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(v.evidence_class == PC_IN_WINDOW, "ipv6 same address");
	diag(&o, "2001:db8:1::6", "x@elsewhere.example", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_FOREIGN, PC_NONE),
	    "ipv6 in the same /64 is not the same address");
	diag(&o, "2001:db8:1:0:0:0:0:5", "x@elsewhere.example", l, 1, NULL, 0,
	    0, &v);
	expect(v.evidence_class == PC_IN_WINDOW,
	    "ipv6 written out in full is the same address");
	l[0] = login(1, T0 - 60, 1, "2001:DB8:1::5", "leo", "pop3");
	diag(&o, "2001:db8:1::5", "x@elsewhere.example", l, 1, NULL, 0, 0, &v);
	expect(v.evidence_class == PC_IN_WINDOW, "ipv6 hex digits any case");

	expect(ip_normalize("::ffff:203.0.113.9", 18, norm) == 4 &&
	    strcmp(norm, "203.0.113.9") == 0, "store's form of ::ffff:");
	l[0] = login(1, T0 - 60, 1, norm, "leo", "pop3");
	diag(&o, "203.0.113.9", "x@elsewhere.example", l, 1, NULL, 0, 0, &v);
	expect(v.evidence_class == PC_IN_WINDOW,
	    "normalized ::ffff: login equals the ipv4 denial");
	l[0] = login(1, T0 - 60, 1, "::ffff:203.0.113.9", "leo", "pop3");
	diag(&o, "203.0.113.9", "x@elsewhere.example", l, 1, NULL, 0, 0, &v);
	expect(v.evidence_class == PC_IN_WINDOW,
	    "un-normalized ::ffff: login still equals the ipv4 denial");
	l[0] = login(1, T0 - 60, 1, "203.0.113.9", "leo", "pop3");
	diag(&o, "::ffff:203.0.113.10", "x@elsewhere.example", l, 1, NULL, 0,
	    0, &v);
	expect(v.evidence_class == PC_NONE, "::ffff: of another address");

	l[0] = login(1, T0 - 60, 1, "", "leo", "pop3");
	diag(&o, "", "x@elsewhere.example", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_FOREIGN, PC_NONE) && !v.in_relay_networks,
	    "unknown address: no evidence, not ours");
	diag(&o, NULL, "x@elsewhere.example", NULL, 0, NULL, 0, 0, &v);
	expect(is(&v, H_FOREIGN, PC_NONE), "NULL address does not crash");
}

static void
test_roaming(void)
{
	struct policy_opts	 o;
	struct verdict		 v;
	struct policy_login	 u[6], il[1];
	const char		*ip = "203.0.113.50";

	opts_setup(&o);
	u[0] = login(10, T0 - 86400 * 30, 1, "198.51.100.1", "leo", "pop3");
	u[1] = login(11, T0 - 86400, 1, "198.51.100.2", "leo", "imap");
	u[2] = login(12, T0 - 7200, 1, "198.51.100.3", "leo", "pop3");
	u[3] = login(13, T0 - 3600, 1, "198.51.100.4", "leo", "smtp-auth");
	u[4] = login(14, T0 - 60, 0, "198.51.100.5", "leo", "pop3");
	u[5] = login(15, T0 + 5, 1, "198.51.100.6", "leo", "pop3");
	diag(&o, ip, "leo@example.net", NULL, 0, u, 6, 0, &v);
	expect(is(&v, H_ROAMING, PC_ROAMING) && v.roaming.count == 3 &&
	    v.roaming.last_login_id == 12 &&
	    strcmp(v.roaming.last_ip, "198.51.100.3") == 0 &&
	    v.roaming.last_time == T0 - 7200 && v.user_logins == 4,
	    "user with logins from many ips: roaming, count 3, last ip");
	diag(&o, ip, "LEO@Example.NET", NULL, 0, u, 6, 0, &v);
	expect(is(&v, H_ROAMING, PC_ROAMING), "sender in any case");

	u[0] = login(10, T0 - 86400 * 365, 1, "198.51.100.1",
	    "leo@example.net", "pop3");
	diag(&o, ip, "leo@example.net", NULL, 0, u, 1, 0, &v);
	expect(is(&v, H_ROAMING, PC_ROAMING) && v.roaming.count == 1,
	    "login by the whole address, a year ago: roaming");
	diag(&o, ip, "leo@example.org", NULL, 0, u, 1, 0, &v);
	expect(is(&v, H_NO_LOGIN, PC_NONE),
	    "leo@example.net's login does not match leo@example.org");

	u[0] = login(10, T0 - 86400, 1, "198.51.100.1", "leo", "pop3");
	diag(&o, ip, "leo@elsewhere.example", NULL, 0, u, 1, 0, &v);
	expect(is(&v, H_FOREIGN, PC_NONE) && v.roaming.count == 0,
	    "same local part, foreign domain: not roaming");
	u[0] = login(10, T0 - 86400, 1, "198.51.100.1", "ann", "pop3");
	diag(&o, ip, "leo@example.net", NULL, 0, u, 1, 0, &v);
	expect(is(&v, H_NO_LOGIN, PC_NONE), "another user's login");

	/* Same-address evidence beats roaming; the fact is still there. */
	u[0] = login(10, T0 - 86400, 1, "198.51.100.1", "leo", "pop3");
	il[0] = login(20, T0 - 30, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", il, 1, u, 1, 0, &v);
	expect(is(&v, H_POPAUTH_NOT_APPLIED, PC_IN_WINDOW) &&
	    v.roaming.count == 1, "in_window wins over roaming, fact kept");

	/* Only a non-popauth login on record: a customer, class none. */
	u[0] = login(10, T0 - 86400, 1, "198.51.100.1", "leo", "smtp-auth");
	diag(&o, ip, "leo@example.net", NULL, 0, u, 1, 0, &v);
	expect(is(&v, H_ROAMING, PC_NONE) && v.roaming.count == 0 &&
	    v.user_logins == 1,
	    "only an smtp-auth login on record: roaming headline, class none");
}

static void
test_order(void)
{
	struct policy_opts	 o;
	struct policy_exception	 x[2];
	struct verdict		 v;
	struct policy_login	 l[2], u[1];
	const char		*ip = "198.51.100.7";

	opts_setup(&o);
	l[0] = login(1, T0 - 60, 1, "192.0.2.10", "leo", "pop3");
	diag(&o, "192.0.2.10", "leo@example.net", l, 1, NULL, 0, 1, &v);
	expect(is(&v, H_IN_RELAY_NETWORKS, PC_IN_WINDOW) &&
	    v.in_relay_networks && v.probe,
	    "in-relay-networks beats popauth and probe; class kept");
	diag(&o, "2001:db8:ffff:1::9", "x@elsewhere.example", NULL, 0, NULL, 0,
	    0, &v);
	expect(is(&v, H_IN_RELAY_NETWORKS, PC_NONE), "ipv6 relay network");
	expect(policy_in_relay_networks(&o, "192.0.2.255") &&
	    !policy_in_relay_networks(&o, "192.0.3.0") &&
	    !policy_in_relay_networks(&o, "") &&
	    !policy_in_relay_networks(&o, NULL), "relay networks lookup");

	/* Exceptions. */
	memset(x, 0, sizeof(x));
	cidr_parse("198.51.100.0/28", &x[0].net, NULL);
	x[0].id = 7;
	x[0].created = T0 - 86400;
	o.exceptions = x;
	o.n_exceptions = 1;
	l[0] = login(1, T0 - 60, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 1, &v);
	expect(is(&v, H_EXCEPTION_NOT_APPLIED, PC_IN_WINDOW) &&
	    v.exception == &x[0], "active exception: exception-not-applied");
	x[0].expires = T0 + 1;
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(v.headline == H_EXCEPTION_NOT_APPLIED,
	    "exception expiring a second later still active");
	x[0].expires = T0;
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_EXCEPTION_EXPIRED, PC_IN_WINDOW) &&
	    v.exception == &x[0], "exception expiring at the denial: expired");
	x[0].expires = 0;
	x[0].revoked = T0 - 10;
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(v.headline == H_EXCEPTION_EXPIRED && v.exception == &x[0],
	    "revoked exception: exception-expired");
	x[0].revoked = T0 + 10;
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(v.headline == H_EXCEPTION_NOT_APPLIED,
	    "revoked only after the denial: still active then");
	x[0].revoked = T0 - 10;
	x[1] = x[0];
	x[1].id = 8;
	x[1].revoked = 0;
	cidr_parse("198.51.100.7", &x[1].net, NULL);
	o.n_exceptions = 2;
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(v.headline == H_EXCEPTION_NOT_APPLIED && v.exception == &x[1],
	    "an active exception wins over a revoked one");
	x[1].created = T0 + 60;
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(v.headline == H_EXCEPTION_EXPIRED && v.exception == &x[0],
	    "an exception created after the denial does not count");
	diag(&o, "198.51.100.77", "x@elsewhere.example", NULL, 0, NULL, 0, 0,
	    &v);
	expect(v.headline == H_FOREIGN && v.exception == NULL,
	    "exception of another network does not cover");
	o.n_exceptions = 0;

	/* popauth before probe; probe before roaming and the rest. */
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 1, &v);
	expect(is(&v, H_POPAUTH_NOT_APPLIED, PC_IN_WINDOW) && v.probe,
	    "popauth-not-applied beats probe");
	u[0] = login(10, T0 - 86400, 1, "198.51.100.1", "leo", "pop3");
	diag(&o, "203.0.113.66", "leo@example.net", NULL, 0, u, 1, 1, &v);
	expect(is(&v, H_PROBE, PC_ROAMING) && v.probe,
	    "probe beats roaming with a forged local sender; class roaming");
	l[1] = login(2, T0 - 30, 0, "203.0.113.66", "ann", "smtp-auth");
	diag(&o, "203.0.113.66", "", &l[1], 1, NULL, 0, 1, &v);
	expect(is(&v, H_PROBE, PC_NONE) && v.failed_logins == 1,
	    "probe beats login-failed; failed login is a fact");

	/* popauth disabled: same-address logins make no popauth headline. */
	o.popauth_enabled = 0;
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_ROAMING, PC_IN_WINDOW),
	    "popauth disabled: in_window customer is roaming");
	diag(&o, ip, "someone@elsewhere.example", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_ROAMING, PC_IN_WINDOW),
	    "popauth disabled: in_window with foreign sender still roaming");
	l[0] = login(1, T0 - 5000, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_ROAMING, PC_EXPIRED),
	    "popauth disabled: expired customer is roaming");
	diag(&o, "198.51.100.9", "ann@example.net", NULL, 0, NULL, 0, 0, &v);
	expect(is(&v, H_NO_LOGIN, PC_NONE),
	    "popauth disabled: local sender never logged in: no-login");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 1, &v);
	expect(is(&v, H_PROBE, PC_EXPIRED),
	    "popauth disabled: probe beats the customer");
	o.popauth_enabled = 1;

	/* login-failed. */
	l[0] = login(1, T0 - 300, 0, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_LOGIN_FAILED, PC_NONE) && v.failed_logins == 1 &&
	    v.last_failed_login_id == 1,
	    "failed login within the window: login-failed beats no-login");
	diag(&o, ip, "friend@elsewhere.example", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_LOGIN_FAILED, PC_NONE), "login-failed beats foreign");
	l[0] = login(1, T0 - 900, 0, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(v.headline == H_LOGIN_FAILED, "failed exactly the window ago");
	l[0] = login(1, T0 - 901, 0, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(is(&v, H_NO_LOGIN, PC_NONE) && v.failed_logins == 0,
	    "failed login before the window: no-login");
	l[0] = login(1, T0 + 1, 0, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(v.failed_logins == 0, "failed login after the denial ignored");
	l[0] = login(1, T0 - 60, 0, ip, "leo", "pop3");
	u[0] = login(10, T0 - 86400, 1, "198.51.100.1", "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, u, 1, 0, &v);
	expect(is(&v, H_ROAMING, PC_ROAMING) && v.failed_logins == 1,
	    "roaming beats login-failed");
	l[1] = login(2, T0 - 30, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 2, NULL, 0, 0, &v);
	expect(is(&v, H_POPAUTH_NOT_APPLIED, PC_IN_WINDOW) &&
	    v.failed_logins == 1, "failed then ok: popauth-not-applied");

	/* no-login and foreign. */
	diag(&o, ip, "ann@example.com", NULL, 0, NULL, 0, 0, &v);
	expect(is(&v, H_NO_LOGIN, PC_NONE), "local sender, no login: no-login");
	diag(&o, ip, "<Ann@EXAMPLE.ORG>", NULL, 0, NULL, 0, 0, &v);
	expect(v.headline == H_NO_LOGIN, "local sender in <> and any case");
	diag(&o, ip, "x@elsewhere.example", NULL, 0, NULL, 0, 0, &v);
	expect(is(&v, H_FOREIGN, PC_NONE), "foreign sender: foreign");
	diag(&o, ip, "", NULL, 0, NULL, 0, 0, &v);
	expect(is(&v, H_FOREIGN, PC_NONE), "null sender: foreign");
	diag(&o, ip, NULL, NULL, 0, NULL, 0, 0, &v);
	expect(is(&v, H_FOREIGN, PC_NONE), "unknown sender: foreign");
}

static void
test_advice(void)
{
	struct policy_opts	 o;
	struct verdict		 v;
	struct policy_login	 l[1];
	char			 buf[16];
	const char		*ip = "198.51.100.7";

	opts_setup(&o);
	l[0] = login(1, T0 - 5000, 1, ip, "leo", "pop3");
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(strstr(v.advice, "every 14 minutes") != NULL &&
	    strstr(v.advice, "15 minutes") != NULL &&
	    strchr(v.advice, '%') == NULL,
	    "popauth-expired advice: %w 15, %c 14");
	o.window = 1800;
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(strstr(v.advice, "every 29 minutes") != NULL,
	    "advice follows the window (30m: every 29 minutes)");
	o.window = 60;
	policy_advice(&o, H_POPAUTH_EXPIRED, v.advice, sizeof(v.advice));
	expect(strstr(v.advice, "every 1 minutes") != NULL,
	    "one-minute window: %c is at least 1");
	o.window = 900;
	o.advice[H_POPAUTH_EXPIRED] = "W=%w C=%c 100%% %x end";
	diag(&o, ip, "leo@example.net", l, 1, NULL, 0, 0, &v);
	expect(strcmp(v.advice, "W=15 C=14 100% %x end") == 0,
	    "advice override with %w, %c, %%, unknown % kept");
	policy_advice(&o, H_POPAUTH_EXPIRED, buf, sizeof(buf));
	expect(strcmp(buf, "W=15 C=14 100% ") == 0,
	    "advice truncated to the buffer");
	policy_advice(&o, H_POPAUTH_EXPIRED, buf, 3);
	expect(strcmp(buf, "W=") == 0, "advice truncated to 3 bytes");
	o.advice[H_POPAUTH_EXPIRED] = NULL;
	diag(&o, "203.0.113.66", "", NULL, 0, NULL, 0, 1, &v);
	expect(strstr(v.advice, "blocklist") != NULL, "probe advice");
	diag(&o, "203.0.113.5", "leo@example.net", NULL, 0, l, 1, 0, &v);
	expect(v.headline == H_ROAMING && strstr(v.advice, "587") != NULL &&
	    strstr(v.advice, "web mail") != NULL &&
	    strstr(v.advice, "exception") != NULL, "roaming advice");
	policy_advice(&o, H_POPAUTH_NOT_APPLIED, v.advice, sizeof(v.advice));
	expect(strstr(v.advice, "15 minutes") != NULL &&
	    strstr(v.advice, "map") != NULL, "popauth-not-applied advice");
}

static void
test_addr_helpers(void)
{
	struct policy_opts	 o;

	opts_setup(&o);
	expect(policy_is_local(&o, "leo@example.net") &&
	    policy_is_local(&o, "<Leo@Example.NET>") &&
	    policy_is_local(&o, "leo@example.net.") &&
	    policy_is_local(&o, "\"leo@other.example\"@example.com") &&
	    policy_is_local(&o, "\"leo@example.org\""), "local addresses");
	expect(!policy_is_local(&o, "leo@sub.example.net") &&
	    !policy_is_local(&o, "leo@example.net.evil.example") &&
	    !policy_is_local(&o, "example.net") &&
	    !policy_is_local(&o, "leo@") && !policy_is_local(&o, "") &&
	    !policy_is_local(&o, "<>") && !policy_is_local(&o, NULL),
	    "not local addresses");

	expect(policy_user_matches("leo", "leo@example.net") &&
	    policy_user_matches("LEO", "leo@Example.net") &&
	    policy_user_matches("leo@example.net", "leo@example.net") &&
	    policy_user_matches("leo@example.net", "<LEO@EXAMPLE.NET>") &&
	    policy_user_matches("leo", "\"leo\"@example.net"),
	    "login name matches sender or its local part");
	expect(!policy_user_matches("leo", "leon@example.net") &&
	    !policy_user_matches("le", "leo@example.net") &&
	    !policy_user_matches("leo@example.org", "leo@example.net") &&
	    !policy_user_matches("example.net", "leo@example.net") &&
	    !policy_user_matches("", "") &&
	    !policy_user_matches("", "leo@example.net") &&
	    !policy_user_matches(NULL, "leo@example.net") &&
	    !policy_user_matches("leo", NULL), "login name mismatches");

	expect(policy_relay_trick("user%other.example@example.net"),
	    "percent hack");
	expect(policy_relay_trick("other.example!user@example.net"),
	    "bang path");
	expect(policy_relay_trick("\"user@other.example\"@example.net"),
	    "quoted local part with @");
	expect(policy_relay_trick("user@other.example@example.net"),
	    "two @");
	expect(policy_relay_trick("@example.net:user@other.example"),
	    "source route (postfix's rewritten form)");
	expect(policy_relay_trick("<user%other.example@[192.0.2.1]>"),
	    "percent hack in <>");
	expect(policy_relay_trick("other.example!user"), "bare bang path");
	expect(!policy_relay_trick("leo@example.net") &&
	    !policy_relay_trick("<first.last+tag@example.com>") &&
	    !policy_relay_trick("\"leo smith\"@example.net") &&
	    !policy_relay_trick("o'brien@remote.example") &&
	    !policy_relay_trick("user@remote.example") &&
	    !policy_relay_trick("") && !policy_relay_trick(NULL),
	    "normal recipients are no trick");
}

static struct policy_probe_event
pev(int64_t time, int is_denial, const char *sender, const char *rcpt)
{
	struct policy_probe_event	 e;

	e.time = time;
	e.is_denial = is_denial;
	e.sender = sender;
	e.recipient = rcpt;
	return e;
}

static int
count_flagged(const unsigned char *f, size_t n)
{
	size_t	 i;
	int	 c = 0;

	for (i = 0; i < n; i++)
		c += f[i] != 0;
	return c;
}

static void
test_probe_score(void)
{
	struct policy_opts	 o;
	struct policy_probe	 p;

	opts_setup(&o);
	memset(&p, 0, sizeof(p));
	p.attempts = 1;
	p.domains = 1;
	p.senders = 1;
	policy_probe_score(&o, &p);
	expect(!p.flagged && p.score < 100, "one plain attempt: not flagged");
	p.empty_or_foreign = 1;
	p.failed_logins = 1000;
	p.per_minute = 1;
	policy_probe_score(&o, &p);
	expect(!p.flagged, "one attempt, empty sender, many failed logins: "
	    "still not flagged");
	o.probe.domains = 1;
	o.probe.attempts = 1;
	o.probe.score = 1;
	policy_probe_score(&o, &p);
	expect(!p.flagged, "one plain attempt never flagged, whatever the "
	    "thresholds");
	opts_setup(&o);
	memset(&p, 0, sizeof(p));
	p.attempts = 1;
	p.domains = 1;
	p.senders = 1;
	p.tricks = 1;
	policy_probe_score(&o, &p);
	expect(p.flagged && p.score >= 100,
	    "one attempt with a trick: flagged");
	memset(&p, 0, sizeof(p));
	p.attempts = 10;
	p.domains = 1;
	p.senders = 1;
	policy_probe_score(&o, &p);
	expect(p.flagged && p.score == 100, "10 attempts: score 100, flagged");
	p.attempts = 9;
	policy_probe_score(&o, &p);
	expect(!p.flagged && p.score == 90,
	    "9 plain attempts: 90, not flagged");
	p.attempts = 5;
	p.domains = 5;
	policy_probe_score(&o, &p);
	expect(p.flagged, "5 recipient domains: flagged");
	p.domains = 4;
	p.senders = 1;
	policy_probe_score(&o, &p);
	expect(!p.flagged && p.score == 80, "4 domains, 5 attempts: 80");
	p.empty_or_foreign = 5;
	p.per_minute = 5;
	policy_probe_score(&o, &p);
	expect(p.flagged && p.score == 120,
	    "4 domains with empty senders at 5/min: 120, flagged");
	memset(&p, 0, sizeof(p));
	p.attempts = 2;
	p.domains = 2;
	p.senders = 2;
	p.empty_or_foreign = 2;
	p.failed_logins = 100;
	p.per_minute = 2;
	policy_probe_score(&o, &p);
	expect(!p.flagged && p.score < 100,
	    "2 attempts with every extra: not flagged");
	o.probe.score = 150;
	memset(&p, 0, sizeof(p));
	p.attempts = 10;
	p.domains = 1;
	policy_probe_score(&o, &p);
	expect(p.flagged, "attempts threshold flags whatever the score "
	    "threshold");
	memset(&p, 0, sizeof(p));
	p.attempts = 2000000000;
	p.domains = 2000000000;
	p.senders = 2000000000;
	p.failed_logins = 2000000000;
	p.per_minute = 1e12;
	policy_probe_score(&o, &p);
	expect(p.flagged && p.score > 0, "huge figures do not overflow");
}

static void
test_probe_sweep(void)
{
	struct policy_opts		 o;
	struct policy_probe		 best;
	struct policy_probe_event	 e[40], r[40];
	unsigned char			 f[40];
	static const char *const doms[] = {
		"a@one.example", "b@two.example", "c@three.example",
		"d@four.example", "e@five.example", "f@six.example",
		"g@seven.example", "h@eight.example", "i@nine.example",
		"j@ten.example", "k@eleven.example", "l@twelve.example"
	};
	size_t				 i, n;
	int				 ok;

	opts_setup(&o);
	policy_probe_sweep(&o, e, 0, f, &best);
	expect(best.attempts == 0 && !best.flagged, "sweep of nothing");

	e[0] = pev(T0, 1, "spam@elsewhere.example", "x@remote.example");
	memset(f, 0xff, sizeof(f));
	policy_probe_sweep(&o, e, 1, f, &best);
	expect(f[0] == 0 && !best.flagged && best.attempts == 1 &&
	    best.empty_or_foreign == 1 && best.domains == 1,
	    "sweep: one plain attempt not flagged, figures");
	e[0] = pev(T0, 1, "", "relaytest%remote.example@example.net");
	policy_probe_sweep(&o, e, 1, f, &best);
	expect(f[0] == 1 && best.flagged && best.tricks == 1,
	    "sweep: one attempt with a trick flagged");

	/* 10 attempts in an hour (6 minutes apart): all flagged. */
	for (i = 0; i < 10; i++)
		e[i] = pev(T0 + (int64_t)i * 360, 1, "leo@example.net",
		    "friend@remote.example");
	policy_probe_sweep(&o, e, 10, f, &best);
	expect(count_flagged(f, 10) == 10 && best.attempts == 10 &&
	    best.domains == 1 && best.senders == 1 &&
	    best.empty_or_foreign == 0 && best.per_minute == 1,
	    "10 attempts in an hour: all flagged");
	for (i = 0; i < 10; i++)
		e[i].time = T0 + (int64_t)i * 400;
	policy_probe_sweep(&o, e, 10, f, &best);
	expect(count_flagged(f, 10) == 10,
	    "10 attempts, the last exactly an hour after the first: flagged");
	for (i = 0; i < 10; i++)
		e[i].time = T0 + (int64_t)i * 401;
	policy_probe_sweep(&o, e, 10, f, &best);
	expect(count_flagged(f, 10) == 0 && best.attempts == 9,
	    "10 attempts over 3609 seconds: at most 9 in a window");

	/* 9 attempts over 5 hours, foreign senders, all domains distinct. */
	for (i = 0; i < 9; i++)
		e[i] = pev(T0 + (int64_t)i * 2250, 1, doms[i], doms[i]);
	policy_probe_sweep(&o, e, 9, f, &best);
	expect(count_flagged(f, 9) == 0 && !best.flagged &&
	    best.attempts == 2, "9 attempts over 5 hours: not flagged");

	/*
	 * A burst of 12 within 2 minutes, a lone attempt 2 hours before and
	 * one 2 hours after, failed logins in the burst: the burst's first
	 * attempts are flagged too, the lone ones and the logins are not.
	 */
	n = 0;
	e[n++] = pev(T0 - 7200, 1, "x@elsewhere.example", "a@remote.example");
	for (i = 0; i < 12; i++) {
		e[n++] = pev(T0 + (int64_t)i * 10, 1, "", doms[i]);
		if (i == 3)
			e[n++] = pev(T0 + 35, 0, NULL, NULL);
	}
	e[n++] = pev(T0 + 7200, 1, "x@elsewhere.example", "a@remote.example");
	policy_probe_sweep(&o, e, n, f, &best);
	ok = f[0] == 0 && f[n - 1] == 0 && f[5] == 0;
	for (i = 1; i < n - 1; i++) {
		if (i != 5 && !f[i])
			ok = 0;
	}
	expect(ok && best.attempts == 12 && best.domains == 12 &&
	    best.failed_logins == 1 && best.senders == 1 &&
	    best.empty_or_foreign == 12 && best.per_minute == 6 &&
	    best.flagged,
	    "burst flagged from its first attempt, lone ones not");

	/* The same events in reverse order: the same answer. */
	for (i = 0; i < n; i++)
		r[i] = e[n - 1 - i];
	policy_probe_sweep(&o, r, n, f, &best);
	ok = f[n - 1] == 0 && f[0] == 0 && f[n - 1 - 5] == 0;
	for (i = 1; i < n - 1; i++) {
		if (i != n - 1 - 5 && !f[i])
			ok = 0;
	}
	expect(ok && best.attempts == 12, "sweep in any input order");

	/* An earlier attempt is flagged when a flagged window holds it. */
	n = 0;
	e[n++] = pev(T0, 1, "a@elsewhere.example", "x@remote.example");
	for (i = 0; i < 10; i++)
		e[n++] = pev(T0 + 3000 + (int64_t)i, 1, "a@elsewhere.example",
		    "x@remote.example");
	policy_probe_sweep(&o, e, n, f, &best);
	expect(count_flagged(f, n) == 11 && best.attempts == 11,
	    "a lone attempt within the window before a burst is in it");
	e[0].time = T0 + 3000 - 3601;
	policy_probe_sweep(&o, e, n, f, &best);
	expect(count_flagged(f, n) == 10 && f[0] == 0 && best.attempts == 10,
	    "one attempt more than the window before a burst: not flagged");

	/* Distinct counts ignore case; unknown senders are not counted. */
	n = 0;
	e[n++] = pev(T0, 1, "A@Elsewhere.example", "x@Remote.example");
	e[n++] = pev(T0 + 1, 1, "a@elsewhere.EXAMPLE", "y@remote.EXAMPLE.");
	e[n++] = pev(T0 + 2, 1, NULL, "z@other.example");
	e[n++] = pev(T0 + 3, 1, "<>", "nodomain");
	policy_probe_sweep(&o, e, n, f, &best);
	expect(best.senders == 2 && best.domains == 2 &&
	    best.empty_or_foreign == 3 && best.attempts == 4,
	    "distinct senders and domains in any case");

	/* The per-minute peak is cut at the window's end. */
	o.probe.window = 30;
	n = 0;
	e[n++] = pev(T0, 1, "", "a@remote.example");
	e[n++] = pev(T0 + 10, 1, "", "a@remote.example");
	e[n++] = pev(T0 + 20, 1, "", "a@remote.example");
	e[n++] = pev(T0 + 40, 1, "", "a@remote.example");
	e[n++] = pev(T0 + 50, 1, "", "a@remote.example");
	policy_probe_sweep(&o, e, n, f, &best);
	expect(best.per_minute == 3 && best.attempts == 3,
	    "per-minute peak within a 30s window");
	o.probe.window = 3600;
	policy_probe_sweep(&o, e, n, f, &best);
	expect(best.per_minute == 5 && best.attempts == 5,
	    "per-minute peak within an hour");
}

int
main(void)
{
	if (cidr_parse("192.0.2.0/24", &nets[0], NULL) != 0 ||
	    cidr_parse("2001:db8:ffff::/48", &nets[1], NULL) != 0) {
		printf("not ok - cidr setup\n");
		return 1;
	}
	test_names();
	test_window();
	test_addresses();
	test_roaming();
	test_order();
	test_advice();
	test_addr_helpers();
	test_probe_score();
	test_probe_sweep();
	return failed;
}
