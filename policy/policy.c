/*
 * policy.c: the diagnosis of relay denials and the probe scoring. Pure
 * functions over the records of policy.h: no I/O, no clock, no state.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

static const char *const class_names[PC__COUNT] = {
	"in_window", "expired", "roaming", "none"
};

static const char *const headline_names[H__COUNT] = {
#define X(e, s) s,
	POLICY_HEADLINES(X)
#undef X
};

/*
 * The built-in advice, in the words providers use with their customers.
 * "%w" is the window in minutes, "%c" one minute less (see policy_advice).
 */
static const char *const default_advice[H__COUNT] = {
	[H_IN_RELAY_NETWORKS] =
	    "Configuration fault, not the customer's: this address is inside "
	    "relay_networks, yet the mail server refused to relay for it. The "
	    "MTA's own trusted networks (Postfix mynetworks, Sendmail access "
	    "RELAY, Exim relay_from_hosts) and relayscope's relay_networks "
	    "disagree: bring them in line. Nothing for the customer to change.",
	[H_EXCEPTION_NOT_APPLIED] =
	    "Configuration fault, not the customer's: an active relay "
	    "exception covers this address, yet the mail server did not apply "
	    "it. The MTA's exception map is stale or missing: rebuild it (for "
	    "Postfix, postmap the access table) and reload the MTA. Nothing "
	    "for the customer to change.",
	[H_EXCEPTION_EXPIRED] =
	    "The relay exception for this address has expired or was revoked. "
	    "If the customer still sends from this fixed IP address, renew the "
	    "exception; otherwise set the mail program to authenticated "
	    "submission (outgoing server port 587 with SMTP AUTH, the same "
	    "user name and password as for reading mail), which works from "
	    "anywhere.",
	[H_POPAUTH_NOT_APPLIED] =
	    "Configuration fault, not the customer's: the customer checked "
	    "mail from this address less than %w minutes before sending, so "
	    "POP-before-SMTP should have allowed it. The MTA's POP-before-SMTP "
	    "map is missing or stale: check the daemon that fills it "
	    "(pop-before-smtp, DRAC) and that the MTA's relay restrictions "
	    "consult it. Nothing for the customer to change.",
	[H_POPAUTH_EXPIRED] =
	    "Check mail before sending: after the mail program checks for new "
	    "mail, it may send for %w minutes. Set the mail program to check "
	    "for new mail every %c minutes, or better, turn on authentication "
	    "for the outgoing (SMTP) server, port 587 with SMTP AUTH, which "
	    "works without checking first and from anywhere.",
	[H_PROBE] =
	    "This address is probing for an open relay; it is not a customer, "
	    "even when it forges a customer's address as the sender. Nothing "
	    "to tell a customer: add it to the blocklist, or report it to the "
	    "abuse contact of its network.",
	[H_ROAMING] =
	    "The customer is sending from a network that is not ours (a "
	    "hotel, another provider, a mobile network). Change the outgoing "
	    "(SMTP) server to that of the network you are on, or use "
	    "authenticated submission: port 587 with SMTP AUTH, the same user "
	    "name and password as for reading mail, which works from anywhere. "
	    "The web mail works from anywhere too. A fixed IP address or a "
	    "very small range can get an exception.",
	[H_LOGIN_FAILED] =
	    "The mail program tried to log in from this address and failed: "
	    "the password (or user name) set in it is wrong, so no sending "
	    "window was opened. Correct the password in the mail program's "
	    "account settings (reset it if it is forgotten), then check mail "
	    "before sending.",
	[H_NO_LOGIN] =
	    "The customer's mail program sends without checking mail first, "
	    "and there is no login on record for this address. Check mail "
	    "before sending (set the program to check every %c minutes), or "
	    "better, configure the outgoing server with authentication: port "
	    "587 with SMTP AUTH, the same user name and password as for "
	    "reading mail, which works from anywhere.",
	[H_FOREIGN] =
	    "Not one of our customers, or a mail program configured with the "
	    "wrong outgoing server: we relay only for our customers. A "
	    "customer should set the outgoing (SMTP) server to that of the "
	    "network they are on, or use ours with authentication (port 587, "
	    "SMTP AUTH).",
};

static const char *const default_services[] = { "pop3", "imap" };

const char *
policy_class_name(enum policy_class c)
{
	if ((int)c < 0 || c >= PC__COUNT)
		return "none";
	return class_names[c];
}

const char *
policy_headline_name(enum policy_headline h)
{
	if ((int)h < 0 || h >= H__COUNT)
		return "foreign";
	return headline_names[h];
}

int
policy_headline_from_name(const char *name)
{
	int	 h;

	if (name == NULL)
		return -1;
	for (h = 0; h < H__COUNT; h++) {
		if (strcasecmp(name, headline_names[h]) == 0)
			return h;
	}
	return -1;
}

const char *
policy_default_advice(enum policy_headline h)
{
	if ((int)h < 0 || h >= H__COUNT)
		return "";
	return default_advice[h];
}

void
policy_opts_init(struct policy_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->popauth_enabled = 1;
	o->window = 900;
	o->services = default_services;
	o->n_services = ARRAY_LEN(default_services);
	o->probe.window = 3600;
	o->probe.attempts = 10;
	o->probe.domains = 5;
	o->probe.score = 100;
}

void
policy_advice(const struct policy_opts *o, enum policy_headline h, char *buf,
    size_t size)
{
	const char	*p;
	int64_t		 w, c;
	size_t		 len = 0;
	char		 num[24];

	if (size == 0)
		return;
	if ((int)h < 0 || h >= H__COUNT)
		h = H_FOREIGN;
	p = o->advice[h] != NULL ? o->advice[h] : default_advice[h];
	/* "Check every N-1 minutes": never 0, even for a one-minute window. */
	w = o->window > 0 ? o->window / 60 : 0;
	c = w > 1 ? w - 1 : 1;
	for (; *p != '\0' && len + 1 < size; p++) {
		const char	*ins = NULL;
		size_t		 n;

		if (p[0] == '%' && (p[1] == 'w' || p[1] == 'c')) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)(p[1] == 'w' ? w : c));
			ins = num;
		} else if (p[0] == '%' && p[1] == '%')
			ins = "%";
		if (ins == NULL) {
			buf[len++] = *p;
			continue;
		}
		p++;
		n = strlen(ins);
		if (n > size - 1 - len)
			n = size - 1 - len;
		memcpy(buf + len, ins, n);
		len += n;
	}
	buf[len] = '\0';
}

/* --- addresses ------------------------------------------------------- */

/*
 * The address proper inside a, as a span: surrounding blanks and one pair
 * of <> dropped, and the quotes of a wholly quoted address.
 */
static void
addr_span(const char *a, const char **s, size_t *len)
{
	size_t	 n;

	while (*a == ' ' || *a == '\t')
		a++;
	n = strlen(a);
	while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
		n--;
	if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
		a++;
		n -= 2;
	}
	if (n >= 2 && a[0] == '"' && a[n - 1] == '"' &&
	    memchr(a + 1, '"', n - 2) == NULL) {
		a++;
		n -= 2;
	}
	*s = a;
	*len = n;
}

/* The last '@' in s[0..len), or NULL. */
static const char *
last_at(const char *s, size_t len)
{
	while (len > 0) {
		len--;
		if (s[len] == '@')
			return s + len;
	}
	return NULL;
}

/* The domain of an address (after its last '@', no trailing dot). */
static int
addr_domain(const char *a, const char **dom, size_t *len)
{
	const char	*s, *at;
	size_t		 n;

	if (a == NULL)
		return 0;
	addr_span(a, &s, &n);
	if ((at = last_at(s, n)) == NULL)
		return 0;
	*dom = at + 1;
	*len = n - (size_t)(at + 1 - s);
	while (*len > 0 && (*dom)[*len - 1] == '.')
		(*len)--;
	return *len > 0;
}

static int
span_eq(const char *a, const char *s, size_t len)
{
	return strlen(a) == len && strncasecmp(a, s, len) == 0;
}

int
policy_is_local(const struct policy_opts *o, const char *address)
{
	const char	*dom;
	size_t		 len, i;

	if (!addr_domain(address, &dom, &len))
		return 0;
	for (i = 0; i < o->n_local_domains; i++) {
		if (o->local_domains[i] != NULL &&
		    span_eq(o->local_domains[i], dom, len))
			return 1;
	}
	return 0;
}

int
policy_user_matches(const char *login_user, const char *sender)
{
	const char	*s, *at;
	size_t		 len, lp;

	if (login_user == NULL || *login_user == '\0' || sender == NULL)
		return 0;
	addr_span(sender, &s, &len);
	if (len == 0)
		return 0;
	if (span_eq(login_user, s, len))
		return 1;
	if ((at = last_at(s, len)) == NULL)
		return 0;
	lp = (size_t)(at - s);
	if (span_eq(login_user, s, lp))
		return 1;
	/* "leo"@example.net is leo. */
	return lp >= 2 && s[0] == '"' && s[lp - 1] == '"' &&
	    span_eq(login_user, s + 1, lp - 2);
}

int
policy_relay_trick(const char *recipient)
{
	const char	*s, *at;
	size_t		 len, i, n_at = 0;

	if (recipient == NULL)
		return 0;
	addr_span(recipient, &s, &len);
	if (len == 0)
		return 0;
	/* Source route, as Postfix rewrites it: @local:user@other. */
	if (s[0] == '@')
		return 1;
	for (i = 0; i < len; i++) {
		if (s[i] == '@')
			n_at++;
	}
	/* user@other@local, "user@other"@local */
	if (n_at >= 2)
		return 1;
	/* user%other@local, other!user@local: in the local part. */
	at = last_at(s, len);
	if (at != NULL)
		len = (size_t)(at - s);
	return memchr(s, '%', len) != NULL || memchr(s, '!', len) != NULL;
}

/* --- diagnosis ------------------------------------------------------- */

/*
 * The store gives normalized addresses, so equal text is the usual case;
 * anything else is compared in its normalized form (case of IPv6 hex
 * digits, ::ffff:a.b.c.d). Exact equality: no prefix matching.
 */
static int
ip_equal(const char *a, const char *b)
{
	char	 na[IP_TEXT_MAX], nb[IP_TEXT_MAX];

	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return 0;
	if (strcmp(a, b) == 0)
		return 1;
	if (ip_normalize(a, strlen(a), na) == 0 ||
	    ip_normalize(b, strlen(b), nb) == 0)
		return 0;
	return strcmp(na, nb) == 0;
}

static int
service_opens_window(const struct policy_opts *o, const char *service)
{
	size_t	 i;

	if (service == NULL)
		return 0;
	for (i = 0; i < o->n_services; i++) {
		if (o->services[i] != NULL &&
		    strcasecmp(o->services[i], service) == 0)
			return 1;
	}
	return 0;
}

int
policy_in_relay_networks(const struct policy_opts *o, const char *ip)
{
	size_t	 i;

	if (ip == NULL || *ip == '\0')
		return 0;
	for (i = 0; i < o->n_relay_networks; i++) {
		if (cidr_contains(&o->relay_networks[i], ip))
			return 1;
	}
	return 0;
}

static int
exception_active(const struct policy_exception *x, int64_t t)
{
	return x->created <= t && (x->expires == 0 || x->expires > t) &&
	    (x->revoked == 0 || x->revoked > t);
}

/* When x stopped covering (expired or revoked) at or before t; 0: not. */
static int64_t
exception_ended(const struct policy_exception *x, int64_t t)
{
	int64_t	 end = 0;

	if (x->created > t)
		return 0;
	if (x->expires != 0 && x->expires <= t)
		end = x->expires;
	if (x->revoked != 0 && x->revoked <= t &&
	    (end == 0 || x->revoked < end))
		end = x->revoked;
	return end;
}

void
policy_diagnose(const struct policy_opts *o, const struct policy_evidence *ev,
    struct verdict *v)
{
	const struct policy_denial *d = &ev->denial;
	const struct policy_login *l, *last = NULL, *failed = NULL;
	const struct policy_login *roam = NULL;
	const struct policy_exception *active = NULL, *ended = NULL;
	const char	*ip = d->ip != NULL ? d->ip : "";
	int64_t		 ended_at = 0, end;
	int		 local;
	size_t		 i;

	memset(v, 0, sizeof(*v));
	v->evidence_class = PC_NONE;

	/*
	 * Logins from this very address. The store sends them up to the
	 * denial's second; they are checked again so that a careless caller
	 * cannot turn a later login into evidence. A login in the same
	 * second counts as earlier (the log cannot order them finer). The
	 * latest successful one decides; among equal times the later row.
	 */
	for (i = 0; i < ev->n_ip_logins; i++) {
		l = &ev->ip_logins[i];
		if (l->time > d->time || !ip_equal(l->ip, ip))
			continue;
		if (l->ok) {
			if (service_opens_window(o, l->service) &&
			    (last == NULL || l->time >= last->time))
				last = l;
		} else if (d->time - l->time <= o->window) {
			/* Any service: a wrong password is a wrong password. */
			v->failed_logins++;
			if (failed == NULL || l->time >= failed->time)
				failed = l;
		}
	}
	if (failed != NULL)
		v->last_failed_login_id = failed->id;
	if (last != NULL) {
		v->last_login.login_id = last->id;
		v->last_login.seconds_before = d->time - last->time;
		v->last_login.user = last->user;
		v->last_login.service = last->service;
		if (v->last_login.seconds_before <= o->window)
			v->evidence_class = PC_IN_WINDOW;
		else {
			v->evidence_class = PC_EXPIRED;
			v->expired_by = v->last_login.seconds_before -
			    o->window;
		}
	}

	/* The sender's own logins: roaming, or a customer never seen. */
	local = d->sender != NULL && policy_is_local(o, d->sender);
	for (i = 0; local && i < ev->n_user_logins; i++) {
		l = &ev->user_logins[i];
		if (!l->ok || l->time > d->time ||
		    !policy_user_matches(l->user, d->sender))
			continue;
		v->user_logins++;
		if (!service_opens_window(o, l->service) || ip_equal(l->ip, ip))
			continue;
		v->roaming.count++;
		if (roam == NULL || l->time >= roam->time)
			roam = l;
	}
	if (roam != NULL) {
		v->roaming.last_login_id = roam->id;
		v->roaming.last_ip = roam->ip;
		v->roaming.last_time = roam->time;
		if (v->evidence_class == PC_NONE)
			v->evidence_class = PC_ROAMING;
	}

	v->in_relay_networks = policy_in_relay_networks(o, ip);
	for (i = 0; *ip != '\0' && i < o->n_exceptions; i++) {
		const struct policy_exception *x = &o->exceptions[i];

		if (!cidr_contains(&x->net, ip))
			continue;
		if (exception_active(x, d->time)) {
			if (active == NULL)
				active = x;
		} else if ((end = exception_ended(x, d->time)) > ended_at) {
			ended_at = end;
			ended = x;
		}
	}
	v->exception = active != NULL ? active : ended;
	v->probe = ev->probe.flagged != 0;

	/* First match wins, in the order of POLICY_HEADLINES. */
	if (v->in_relay_networks)
		v->headline = H_IN_RELAY_NETWORKS;
	else if (active != NULL)
		v->headline = H_EXCEPTION_NOT_APPLIED;
	else if (ended != NULL)
		v->headline = H_EXCEPTION_EXPIRED;
	else if (o->popauth_enabled && v->evidence_class == PC_IN_WINDOW)
		v->headline = H_POPAUTH_NOT_APPLIED;
	else if (o->popauth_enabled && v->evidence_class == PC_EXPIRED)
		v->headline = H_POPAUTH_EXPIRED;
	else if (v->probe)
		v->headline = H_PROBE;
	else if (v->evidence_class != PC_NONE || (local && v->user_logins > 0))
		/*
		 * Without POP-before-SMTP a login from this address still
		 * shows a customer, and one the MTA cannot let relay from
		 * outside our networks.
		 */
		v->headline = H_ROAMING;
	else if (v->failed_logins > 0)
		v->headline = H_LOGIN_FAILED;
	else if (local)
		v->headline = H_NO_LOGIN;
	else
		v->headline = H_FOREIGN;
	policy_advice(o, v->headline, v->advice, sizeof(v->advice));
}

/* --- probes ---------------------------------------------------------- */

static int
clamp_int(int64_t x)
{
	if (x > 1000000000)
		return 1000000000;
	return x < 0 ? 0 : (int)x;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

void
policy_probe_score(const struct policy_opts *o, struct policy_probe *p)
{
	int64_t	 a_thr, d_thr, s_thr, base, dbase, score;

	a_thr = o->probe.attempts > 0 ? o->probe.attempts : 10;
	d_thr = o->probe.domains > 0 ? o->probe.domains : 5;
	s_thr = o->probe.score > 0 ? o->probe.score : 100;

	/* The formula is documented at struct policy_probe_opts. */
	base = 100 * (int64_t)p->attempts / a_thr;
	dbase = 100 * (int64_t)p->domains / d_thr;
	score = base > dbase ? base : dbase;
	if (p->tricks > 0)
		score += 100;
	score += min64(25, 5 * (int64_t)p->failed_logins);
	score += min64(20, 5 * (int64_t)p->empty_or_foreign);
	if (p->senders > 1)
		score += min64(20, 5 * ((int64_t)p->senders - 1));
	if (p->per_minute >= 2)
		score += min64(25, 5 * ((int64_t)p->per_minute - 1));
	p->score = clamp_int(score);

	if (p->tricks > 0)
		p->flagged = 1;
	else if (p->attempts < 2)
		p->flagged = 0;
	else
		p->flagged = p->attempts >= a_thr || p->domains >= d_thr ||
		    p->score >= s_thr;
}

/* One event of the sweep, in time order, with what it contributes. */
struct sweep_item {
	int64_t		 time;
	size_t		 idx;		/* in the caller's array */
	int		 is_denial;
	int		 trick;
	int		 empty_or_foreign;
	size_t		 domain;	/* rank + 1; 0: none */
	size_t		 sender;	/* rank + 1; 0: unknown */
};

struct rank_key {
	const char	*s;
	size_t		 len;
	size_t		 pos;		/* in the sorted sweep_item array */
};

static int
sweep_item_cmp(const void *a, const void *b)
{
	const struct sweep_item *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return 0;
}

static int
rank_key_cmp(const void *a, const void *b)
{
	const struct rank_key *x = a, *y = b;
	size_t		 n = x->len < y->len ? x->len : y->len;
	int		 c = strncasecmp(x->s, y->s, n);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return 0;
}

/*
 * Gives each distinct key (any case) a rank from 1, stored in the domain
 * (which_domain) or the sender of its item. Returns the number of distinct
 * keys.
 */
static size_t
assign_ranks(struct rank_key *keys, size_t n, struct sweep_item *items,
    int which_domain)
{
	size_t	 i, r = 0;

	qsort(keys, n, sizeof(*keys), rank_key_cmp);
	for (i = 0; i < n; i++) {
		if (i == 0 || rank_key_cmp(&keys[i - 1], &keys[i]) != 0)
			r++;
		if (which_domain)
			items[keys[i].pos].domain = r;
		else
			items[keys[i].pos].sender = r;
	}
	return r;
}

/* Running figures of the window being slid. */
struct sweep_state {
	struct policy_probe	 p;
	int			*n_domain;	/* per rank */
	int			*n_sender;
};

static void
sweep_count(struct sweep_state *st, const struct sweep_item *it, int dir)
{
	if (!it->is_denial) {
		st->p.failed_logins += dir;
		return;
	}
	st->p.attempts += dir;
	st->p.tricks += dir * it->trick;
	st->p.empty_or_foreign += dir * it->empty_or_foreign;
	if (it->domain != 0) {
		st->n_domain[it->domain - 1] += dir;
		if (st->n_domain[it->domain - 1] == (dir > 0 ? 1 : 0))
			st->p.domains += dir;
	}
	if (it->sender != 0) {
		st->n_sender[it->sender - 1] += dir;
		if (st->n_sender[it->sender - 1] == (dir > 0 ? 1 : 0))
			st->p.senders += dir;
	}
}

/*
 * The windows are [t, t + window] (both ends inclusive, as the POP window
 * is), one starting at each event: any window's events are a subset of the
 * one starting at its first event, and every figure only grows with more
 * events, so these windows are the only ones that can be flagged first.
 *
 * The per-minute peak is the most denials in [t_i, t_i + 60) for a denial
 * i in the window, cut at the window's end. With me[i] the first denial
 * at or after t_i + 60 and the window's denials [da, db): denials i whose
 * minute ends inside the window (me[i] < db, a prefix [da, c) since me
 * only grows) count me[i] - i, kept in a monotonic deque; the others
 * count db - i, largest at c. All of da, c, db only move forward: O(n)
 * after the sort.
 */
void
policy_probe_sweep(const struct policy_opts *o,
    const struct policy_probe_event *ev, size_t n, unsigned char *flagged,
    struct policy_probe *best)
{
	struct sweep_item	*it;
	struct rank_key		*keys;
	struct sweep_state	 st;
	size_t			*den, *me, *dq;
	size_t			 i, k, m = 0, nk, n_dom, n_snd;
	size_t			 s, e = 0, da = 0, db = 0, c = 0, marked = 0;
	size_t			 qh = 0, qt = 0;
	int64_t			 w;
	int			 have = 0;

	memset(best, 0, sizeof(*best));
	if (n == 0)
		return;
	memset(flagged, 0, n);
	w = o->probe.window > 0 ? o->probe.window : 3600;

	it = xcalloc(n, sizeof(*it));
	for (i = 0; i < n; i++) {
		it[i].time = ev[i].time;
		it[i].idx = i;
		it[i].is_denial = ev[i].is_denial != 0;
		if (!it[i].is_denial)
			continue;
		it[i].trick = policy_relay_trick(ev[i].recipient);
		it[i].empty_or_foreign = ev[i].sender != NULL &&
		    !policy_is_local(o, ev[i].sender);
	}
	qsort(it, n, sizeof(*it), sweep_item_cmp);

	keys = xcalloc(n, sizeof(*keys));
	for (i = 0, nk = 0; i < n; i++) {
		const char	*dom;
		size_t		 len;

		if (it[i].is_denial &&
		    addr_domain(ev[it[i].idx].recipient, &dom, &len)) {
			keys[nk].s = dom;
			keys[nk].len = len;
			keys[nk++].pos = i;
		}
	}
	n_dom = assign_ranks(keys, nk, it, 1);
	for (i = 0, nk = 0; i < n; i++) {
		if (it[i].is_denial && ev[it[i].idx].sender != NULL) {
			addr_span(ev[it[i].idx].sender, &keys[nk].s,
			    &keys[nk].len);
			keys[nk++].pos = i;
		}
	}
	n_snd = assign_ranks(keys, nk, it, 0);
	free(keys);

	/* The denials in time order, and where each one's minute ends. */
	den = xcalloc(n, sizeof(*den));
	for (i = 0; i < n; i++) {
		if (it[i].is_denial)
			den[m++] = i;
	}
	me = xcalloc(m, sizeof(*me));
	dq = xcalloc(m, sizeof(*dq));
	for (i = 0, k = 0; i < m; i++) {
		if (k < i)
			k = i;
		while (k < m && it[den[k]].time - it[den[i]].time < 60)
			k++;
		me[i] = k;
	}

	memset(&st, 0, sizeof(st));
	st.n_domain = xcalloc(n_dom, sizeof(*st.n_domain));
	st.n_sender = xcalloc(n_snd, sizeof(*st.n_sender));
	for (s = 0; s < n; s++) {
		int64_t	 peak = 0;

		while (e < n && it[e].time - it[s].time <= w) {
			sweep_count(&st, &it[e], 1);
			if (it[e].is_denial)
				db++;
			e++;
		}
		if (c < da)
			c = da;
		while (c < db && me[c] < db) {
			while (qt > qh && me[dq[qt - 1]] - dq[qt - 1] <=
			    me[c] - c)
				qt--;
			dq[qt++] = c++;
		}
		while (qt > qh && dq[qh] < da)
			qh++;
		if (qt > qh)
			peak = (int64_t)(me[dq[qh]] - dq[qh]);
		if (c < db && (int64_t)(db - c) > peak)
			peak = (int64_t)(db - c);
		st.p.per_minute = (double)peak;
		policy_probe_score(o, &st.p);

		if (st.p.flagged) {
			for (k = marked > s ? marked : s; k < e; k++) {
				if (it[k].is_denial)
					flagged[it[k].idx] = 1;
			}
			marked = e;
		}
		if (!have || st.p.flagged > best->flagged ||
		    (st.p.flagged == best->flagged &&
		    st.p.score > best->score)) {
			*best = st.p;
			have = 1;
		}

		sweep_count(&st, &it[s], -1);
		if (it[s].is_denial)
			da++;
	}

	free(st.n_domain);
	free(st.n_sender);
	free(dq);
	free(me);
	free(den);
	free(it);
}
