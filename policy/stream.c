/*
 * stream.c: the verdicts of many relay denials in one pass over the events
 * in time order (policy.h, "streaming verdicts"). Pure: no I/O of its own;
 * what lies before the scan comes through the caller's hooks.
 *
 * Each denial is judged by policy_diagnose() over evidence built from the
 * running state (the latest ok popauth login and the latest failed login
 * of its address, the ok logins of the login names its sender stands
 * for), so the headline order and the class rules live in one place. The
 * probe flag needs the future (a later attempt of a burst flags the
 * earlier ones): every address's probe events are kept and swept by
 * policy_probe_sweep() at the end.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "../parser/parser.h"

/* --- an arena for the strings, freed at once ----------------------------- */

struct chunk {
	struct chunk	*next;
	size_t		 used, size;
	char		 data[];
};

struct arena {
	struct chunk	*head;
};

static const char *
arena_strdup(struct arena *a, const char *s)
{
	size_t		 n = strlen(s) + 1, size;
	struct chunk	*c = a->head;
	char		*p;

	if (c == NULL || c->size - c->used < n) {
		size = n > 65536 ? n : 65536;
		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	memcpy(p, s, n);
	c->used += n;
	return p;
}

static void
arena_free(struct arena *a)
{
	struct chunk	*c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* --- a string-keyed hash map (open addressing) ---------------------------- */

struct slot {
	const char	*key;		/* in the arena; NULL: empty */
	uint32_t	 hash;
	void		*val;
};

struct smap {
	struct slot	*v;
	size_t		 n, cap;	/* cap a power of two */
};

static uint32_t
str_hash(const char *s)
{
	uint32_t	 h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static struct slot *
smap_slot(const struct smap *m, const char *key, uint32_t h)
{
	size_t	 i = h & (m->cap - 1);

	for (;;) {
		struct slot *s = &m->v[i];

		if (s->key == NULL ||
		    (s->hash == h && strcmp(s->key, key) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

static void *
smap_get(const struct smap *m, const char *key)
{
	if (m->cap == 0)
		return NULL;
	return smap_slot(m, key, str_hash(key))->val;
}

static void
smap_grow(struct smap *m)
{
	struct slot	*old = m->v;
	size_t		 i, ocap = m->cap;

	m->cap = ocap ? ocap * 2 : 4096;
	m->v = xcalloc(m->cap, sizeof(*m->v));
	for (i = 0; i < ocap; i++) {
		if (old[i].key != NULL)
			*smap_slot(m, old[i].key, old[i].hash) = old[i];
	}
	free(old);
}

/*
 * The slot of key, added (key copied into the arena, val NULL) when new;
 * *added says which.
 */
static struct slot *
smap_put(struct smap *m, struct arena *a, const char *key, int *added)
{
	struct slot	*s;
	uint32_t	 h = str_hash(key);

	*added = 0;
	if (m->cap == 0 || 2 * (m->n + 1) > m->cap)
		smap_grow(m);
	s = smap_slot(m, key, h);
	if (s->key == NULL) {
		s->key = arena_strdup(a, key);
		s->hash = h;
		s->val = NULL;
		m->n++;
		*added = 1;
	}
	return s;
}

/* --- state ----------------------------------------------------------------- */

/*
 * One probe event of an address (a denial, or a failed login). They are
 * kept in one array for all addresses and sorted by address at the end.
 */
struct pev {
	int64_t		 time;
	int64_t		 id;
	uint32_t	 ip;		/* the pool index of the address */
	const char	*sender;	/* NULL: unknown */
	const char	*recipient;
	int		 is_denial;
	size_t		 verdict;	/* index, or NO_VERDICT */
};

#define NO_VERDICT ((size_t)-1)

/*
 * An address's state. The states live in one pool (the map holds their
 * index): the addresses of a month of logins run to hundreds of
 * thousands, so each is kept small and allocated with the others.
 */
struct ip_state {
	const char	*ip;		/* the map's key */
	int64_t		 last_ok;	/* of an ok popauth login */
	int64_t		 last_failed;
	uint32_t	 in_range;	/* denials with a verdict */
	uint32_t	 best;		/* in ps->best + 1; 0: not swept */
	const char	*ok_service;	/* one of opts->services */
	unsigned char	 has_ok, has_failed, hist_done;
};

struct user_state {
	int		 any_ok;
	int		 popauth_ok;
	int		 hist_done;
};

struct policy_stream {
	const struct policy_opts *o;
	struct policy_stream_hooks hooks;
	int64_t		 since, until;	/* 0: open */
	int64_t		 from;		/* of the scan; 0: the beginning */
	int64_t		 probe_from, probe_to;
	int64_t		 cur;		/* the second being fed */
	int		 started;
	int		 failed;
	int		 finished;
	struct arena	 arena;
	struct smap	 ips, users, names;
	struct ip_state	*pool;		/* ips' values: index + 1 */
	size_t		 n_pool, size_pool;
	struct pev	*pev;		/* of every address */
	size_t		 n_pev, size_pev;
	struct policy_probe *best;	/* of the swept addresses */
	size_t		 n_best;
	struct policy_stream_verdict *v;
	size_t		 n, size;
	size_t		 pending;	/* v[pending..n) not judged yet */
};

static int64_t
probe_window(const struct policy_opts *o)
{
	return o->probe.window > 0 ? o->probe.window : 3600;
}

void
policy_stream_range(const struct policy_opts *o, int64_t since,
    int64_t until, int64_t *from, int64_t *to)
{
	int64_t	 w = o->window > probe_window(o) ? o->window : probe_window(o);

	*from = since != 0 ? since - w : 0;
	*to = until != 0 ? until + probe_window(o) : 0;
	/* 0 means open: a range ending at the epoch is still a range. */
	if (since != 0 && *from == 0)
		*from = -1;
	if (until != 0 && *to == 0)
		*to = 1;
}

struct policy_stream *
policy_stream_new(const struct policy_opts *o, int64_t since, int64_t until,
    const struct policy_stream_hooks *hooks)
{
	struct policy_stream *ps = xcalloc(1, sizeof(*ps));
	int64_t	 to;

	ps->o = o;
	if (hooks != NULL)
		ps->hooks = *hooks;
	ps->since = since;
	ps->until = until;
	policy_stream_range(o, since, until, &ps->from, &to);
	ps->probe_from = since != 0 ? since - probe_window(o) : INT64_MIN;
	ps->probe_to = until != 0 ? until + probe_window(o) : INT64_MAX;
	return ps;
}

static const char *
intern(struct policy_stream *ps, const char *s)
{
	int	 added;

	return smap_put(&ps->names, &ps->arena, s != NULL ? s : "",
	    &added)->key;
}

/* The state of ip, added when new. The pointer lives until the next add. */
static struct ip_state *
ip_state(struct policy_stream *ps, const char *ip)
{
	struct slot	*s;
	int		 added;

	s = smap_put(&ps->ips, &ps->arena, ip, &added);
	if (added) {
		if (ps->n_pool == ps->size_pool) {
			ps->size_pool = ps->size_pool ? ps->size_pool * 2 :
			    1024;
			ps->pool = xrealloc(ps->pool, ps->size_pool *
			    sizeof(*ps->pool));
		}
		memset(&ps->pool[ps->n_pool], 0, sizeof(*ps->pool));
		ps->pool[ps->n_pool].ip = s->key;
		s->val = (void *)(uintptr_t)++ps->n_pool;
	}
	return &ps->pool[(uintptr_t)s->val - 1];
}

static struct user_state *
user_state(struct policy_stream *ps, const char *user)
{
	struct slot	*s;
	int		 added;

	s = smap_put(&ps->users, &ps->arena, user, &added);
	if (added)
		s->val = xcalloc(1, sizeof(struct user_state));
	return s->val;
}

/* The service as one of opts->services (any case), or NULL. */
static const char *
popauth_service(const struct policy_opts *o, const char *service)
{
	size_t	 i;

	if (service == NULL)
		return NULL;
	for (i = 0; i < o->n_services; i++) {
		if (o->services[i] != NULL &&
		    strcasecmp(o->services[i], service) == 0)
			return o->services[i];
	}
	return NULL;
}

static void
pev_push(struct policy_stream *ps, const struct ip_state *is,
    const struct pev *p)
{
	if (ps->n_pev == ps->size_pev) {
		ps->size_pev = ps->size_pev ? ps->size_pev * 2 : 4096;
		ps->pev = xrealloc(ps->pev, ps->size_pev * sizeof(*ps->pev));
	}
	ps->pev[ps->n_pev] = *p;
	ps->pev[ps->n_pev++].ip = (uint32_t)(is - ps->pool);
}

/* Judges one denial from the state (without the probe flag). */
static int
judge(struct policy_stream *ps, struct policy_stream_verdict *pv)
{
	const struct policy_opts *o = ps->o;
	struct policy_evidence ev;
	struct policy_login il[2], ul[8];
	struct ip_state	*is = NULL;
	struct user_state *us;
	struct verdict	 v;
	char		 forms[4][EV_ADDR];
	size_t		 nil = 0, nul = 0, nf, i;
	int		 found, any, pop, history;
	int64_t		 t;

	/* History is only asked for when the scan did not start at 0. */
	history = ps->since != 0;
	memset(il, 0, sizeof(il));
	memset(ul, 0, sizeof(ul));
	if (pv->ip[0] != '\0') {
		is = ip_state(ps, pv->ip);
		if (!is->has_ok && history && !is->hist_done &&
		    ps->hooks.ip_history != NULL && o->n_services > 0) {
			found = 0;
			if (ps->hooks.ip_history(ps->hooks.arg, pv->ip,
			    ps->from, &found, &t) != 0)
				return -1;
			is->hist_done = 1;
			if (found) {
				is->has_ok = 1;
				is->last_ok = t;
				is->ok_service = o->services[0];
			}
		}
		if (is->has_ok) {
			il[nil].ok = 1;
			il[nil].time = is->last_ok;
			il[nil].ip = pv->ip;
			il[nil++].service = is->ok_service;
		}
		if (is->has_failed && pv->time - is->last_failed <= o->window) {
			il[nil].time = is->last_failed;
			il[nil++].ip = pv->ip;
		}
	}

	/*
	 * The sender's logins. Without a popauth login from this address
	 * ever (the only case where they decide anything), any popauth
	 * login of the user came from another address: roaming. One
	 * synthetic login of each kind stands for them.
	 */
	if (pv->sender != NULL && policy_is_local(o, pv->sender)) {
		nf = login_forms(pv->sender, forms);
		for (i = 0; i < nf; i++) {
			us = smap_get(&ps->users, forms[i]);
			if ((is == NULL || !is->has_ok) && history &&
			    ps->hooks.user_history != NULL &&
			    (us == NULL || (!us->hist_done &&
			    !(us->any_ok && us->popauth_ok)))) {
				us = user_state(ps, forms[i]);
				any = pop = 0;
				if (ps->hooks.user_history(ps->hooks.arg,
				    forms[i], ps->from, &any, &pop) != 0)
					return -1;
				us->hist_done = 1;
				us->any_ok |= any != 0;
				us->popauth_ok |= pop != 0 && o->n_services > 0;
			}
			if (us == NULL)
				continue;
			if (us->any_ok) {
				ul[nul].ok = 1;
				ul[nul].time = pv->time;
				ul[nul].ip = "";
				ul[nul++].user = forms[i];
			}
			if (us->popauth_ok) {
				ul[nul].ok = 1;
				ul[nul].time = pv->time;
				ul[nul].ip = "";
				ul[nul].user = forms[i];
				ul[nul++].service = o->services[0];
			}
		}
	}

	memset(&ev, 0, sizeof(ev));
	ev.denial.id = pv->id;
	ev.denial.time = pv->time;
	ev.denial.temporary = pv->temporary;
	ev.denial.ip = pv->ip;
	ev.denial.sender = pv->sender;
	ev.denial.mta = pv->mta;
	ev.ip_logins = il;
	ev.n_ip_logins = nil;
	ev.user_logins = ul;
	ev.n_user_logins = nul;
	policy_diagnose(o, &ev, &v);
	pv->evidence_class = v.evidence_class;
	pv->headline = v.headline;
	return 0;
}

/* Judges the denials of the second fed so far. */
static int
flush(struct policy_stream *ps)
{
	for (; ps->pending < ps->n; ps->pending++) {
		if (judge(ps, &ps->v[ps->pending]) != 0) {
			ps->failed = 1;
			return -1;
		}
	}
	return 0;
}

/* A new event at t: the denials of earlier seconds can be judged now. */
static int
advance(struct policy_stream *ps, int64_t t)
{
	if (ps->failed)
		return -1;
	if (!ps->started || t > ps->cur) {
		if (flush(ps) != 0)
			return -1;
		ps->cur = t;
		ps->started = 1;
	}
	return 0;
}

int
policy_stream_login(struct policy_stream *ps, const struct policy_login *l)
{
	const char	*svc = popauth_service(ps->o, l->service);
	struct ip_state	*is;
	struct user_state *us;
	struct pev	 p;

	if (advance(ps, l->time) != 0)
		return -1;
	if (l->ip != NULL && l->ip[0] != '\0') {
		if (l->ok && svc != NULL) {
			is = ip_state(ps, l->ip);
			if (!is->has_ok || l->time >= is->last_ok) {
				is->has_ok = 1;
				is->last_ok = l->time;
				is->ok_service = svc;
			}
		} else if (!l->ok) {
			is = ip_state(ps, l->ip);
			if (!is->has_failed || l->time >= is->last_failed) {
				is->has_failed = 1;
				is->last_failed = l->time;
			}
			if (l->time >= ps->probe_from &&
			    l->time <= ps->probe_to) {
				memset(&p, 0, sizeof(p));
				p.time = l->time;
				p.id = l->id;
				p.verdict = NO_VERDICT;
				pev_push(ps, is, &p);
			}
		}
	}
	if (l->ok && l->user != NULL && l->user[0] != '\0') {
		us = user_state(ps, l->user);
		us->any_ok = 1;
		if (svc != NULL)
			us->popauth_ok = 1;
	}
	return 0;
}

int
policy_stream_denial(struct policy_stream *ps, const struct policy_denial *d)
{
	struct policy_stream_verdict *v = NULL;
	struct ip_state	*is = NULL;
	const char	*ip = d->ip != NULL ? d->ip : "";
	struct pev	 p;
	int		 in_range;

	if (advance(ps, d->time) != 0)
		return -1;
	in_range = (ps->since == 0 || d->time >= ps->since) &&
	    (ps->until == 0 || d->time <= ps->until);
	if (ip[0] != '\0')
		is = ip_state(ps, ip);
	if (in_range) {
		if (ps->n == ps->size) {
			ps->size = ps->size ? ps->size * 2 : 1024;
			ps->v = xrealloc(ps->v, ps->size * sizeof(*ps->v));
		}
		v = &ps->v[ps->n++];
		memset(v, 0, sizeof(*v));
		v->id = d->id;
		v->time = d->time;
		v->temporary = d->temporary != 0;
		v->ip = is != NULL ? is->ip : "";
		v->sender = d->sender != NULL ?
		    arena_strdup(&ps->arena, d->sender) : NULL;
		v->mta = intern(ps, d->mta);
		v->evidence_class = PC_NONE;
		v->headline = H_FOREIGN;
	}
	if (is != NULL && d->time >= ps->probe_from &&
	    d->time <= ps->probe_to) {
		memset(&p, 0, sizeof(p));
		p.time = d->time;
		p.id = d->id;
		p.is_denial = 1;
		p.sender = v != NULL ? v->sender : d->sender != NULL ?
		    arena_strdup(&ps->arena, d->sender) : NULL;
		p.recipient = arena_strdup(&ps->arena,
		    d->recipient != NULL ? d->recipient : "");
		p.verdict = v != NULL ? (size_t)(v - ps->v) : NO_VERDICT;
		pev_push(ps, is, &p);
		if (v != NULL)
			is->in_range++;
	}
	return 0;
}

static int
pev_cmp(const void *a, const void *b)
{
	const struct pev *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Sweeps the probe windows of one address's events and flags denials. */
static void
sweep_ip(struct policy_stream *ps, struct ip_state *is, struct pev *ev,
    size_t n, struct policy_probe_event *pe, unsigned char *flagged)
{
	struct policy_stream_verdict *v;
	size_t		 i;

	for (i = 0; i < n; i++) {
		pe[i].time = ev[i].time;
		pe[i].is_denial = ev[i].is_denial;
		pe[i].sender = ev[i].sender;
		pe[i].recipient = ev[i].recipient;
	}
	policy_probe_sweep(ps->o, pe, n, flagged, &ps->best[ps->n_best++]);
	is->best = (uint32_t)ps->n_best;
	for (i = 0; i < n; i++) {
		if (!flagged[i] || ev[i].verdict == NO_VERDICT)
			continue;
		v = &ps->v[ev[i].verdict];
		v->probe = 1;
		/* The headlines before probe are faults; after it, it wins. */
		if (v->headline > H_PROBE)
			v->headline = H_PROBE;
	}
}

int
policy_stream_finish(struct policy_stream *ps)
{
	struct policy_probe_event *pe;
	unsigned char	*flagged;
	size_t		 i, j, n;

	if (ps->failed)
		return -1;
	if (ps->finished)
		return 0;
	if (flush(ps) != 0)
		return -1;
	/*
	 * Each address's events oldest first, as the store gives them to
	 * `why` (time, id); only the addresses with a denial to judge.
	 */
	if (ps->n_pev > 1)
		qsort(ps->pev, ps->n_pev, sizeof(*ps->pev), pev_cmp);
	for (i = 0, n = 0; i < ps->n_pool; i++)
		n += ps->pool[i].in_range > 0;
	ps->best = xcalloc(n + 1, sizeof(*ps->best));
	pe = xcalloc(ps->n_pev + 1, sizeof(*pe));
	flagged = xcalloc(ps->n_pev + 1, 1);
	for (i = 0; i < ps->n_pev; i = j) {
		for (j = i; j < ps->n_pev && ps->pev[j].ip == ps->pev[i].ip; j++)
			;
		if (ps->pool[ps->pev[i].ip].in_range > 0)
			sweep_ip(ps, &ps->pool[ps->pev[i].ip], ps->pev + i,
			    j - i, pe, flagged);
	}
	free(flagged);
	free(pe);
	ps->finished = 1;
	return 0;
}

size_t
policy_stream_verdicts(const struct policy_stream *ps,
    const struct policy_stream_verdict **v)
{
	*v = ps->v;
	return ps->n;
}

void
policy_stream_probe(const struct policy_stream *ps, const char *ip,
    struct policy_probe *best)
{
	uintptr_t	 k = 0;

	memset(best, 0, sizeof(*best));
	if (ip != NULL && ip[0] != '\0')
		k = (uintptr_t)smap_get(&ps->ips, ip);
	if (k != 0 && ps->pool[k - 1].best != 0)
		*best = ps->best[ps->pool[k - 1].best - 1];
}

void
policy_stream_free(struct policy_stream *ps)
{
	size_t	 i;

	if (ps == NULL)
		return;
	free(ps->pev);
	free(ps->pool);
	free(ps->best);
	for (i = 0; i < ps->users.cap; i++)
		free(ps->users.v[i].val);
	free(ps->ips.v);
	free(ps->users.v);
	free(ps->names.v);
	free(ps->v);
	arena_free(&ps->arena);
	free(ps);
}
