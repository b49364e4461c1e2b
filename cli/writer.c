/* writer.c: the store thread of ingest; see writer.h. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

/*
 * An event packed for the trip between threads: its numbers, then its
 * strings one after another, their lengths in the header, as store_put()
 * takes them (it makes the JSON detail of the last five, on this side). A
 * struct event is 2.5 KB of mostly empty arrays; packed, a typical one is
 * 250 bytes.
 */
enum { S_IP, S_USER, S_SENDER, S_RCPT, S_MTA, S_SERVICE, S_RAW, S_METHOD,
	S_STATUS, S_CLIENT_HOST, S_HELO, S_RULE, S__COUNT };

struct packed {
	int64_t		 time, offset;
	int		 kind, code, has_sender;
	uint32_t	 len[S__COUNT];
};

struct wbatch {
	struct strbuf	 data;		/* packed events */
	size_t		 n;
	int64_t		 end;
	uint64_t	 lines;
	uint64_t	 unmatched;
	uint64_t	 counts[EV__COUNT];
	struct wbatch	*next;
};

#define NBATCH 3	/* one filling, up to two queued */

struct writer {
	struct store	*st;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct wbatch	 pool[NBATCH];
	struct wbatch	*freelist;
	struct wbatch	*head, *tail;	/* submitted, oldest first */
	struct wbatch	*fill;		/* the ingest thread's */
	int		 busy;		/* a batch is being stored */
	int		 stop;
	char		*cause;		/* a failure; nothing commits after */
	struct store_source src;	/* the writer thread's */
	uint64_t	 events[EV__COUNT];
	uint64_t	 lines;
};

static void
pack(struct strbuf *sb, const struct event *ev)
{
	struct packed h;
	const char *s[S__COUNT];
	char	*p;
	size_t	 n;
	int	 i;

	memset(&h, 0, sizeof(h));
	h.time = ev->time;
	h.offset = ev->offset;
	h.kind = (int)ev->kind;
	h.code = ev->code;
	h.has_sender = ev->has_sender;
	s[S_IP] = (const char *)ev->ip_bin;
	s[S_USER] = ev->user;
	s[S_SENDER] = ev->sender;
	s[S_RCPT] = ev->recipient;
	s[S_MTA] = ev->mta;
	s[S_SERVICE] = ev->service;
	s[S_RAW] = ev->raw;
	s[S_METHOD] = ev->method;
	s[S_STATUS] = ev->status;
	s[S_CLIENT_HOST] = ev->client_host;
	s[S_HELO] = ev->helo;
	s[S_RULE] = ev->rule;
	h.len[S_IP] = ev->ip_family == 4 ? 4 : ev->ip_family == 6 ? 16 : 0;
	for (i = S_IP + 1; i < S__COUNT; i++)
		h.len[i] = i == S_RAW ? (uint32_t)ev->raw_len :
		    (uint32_t)strlen(s[i]);
	for (n = sizeof(h), i = 0; i < S__COUNT; i++)
		n += h.len[i];
	/* One copy of each piece into room made once. */
	p = sb_grow(sb, n);
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	for (i = 0; i < S__COUNT; i++) {
		memcpy(p, s[i], h.len[i]);
		p += h.len[i];
	}
}

/* The event at p as a row whose strings point into p; returns its size. */
static size_t
unpack(const char *p, struct store_row *row)
{
	struct packed h;
	struct store_text *dst[S__COUNT] = {
		&row->ip, &row->user, &row->sender, &row->recipient, &row->mta,
		&row->service, &row->raw, &row->method, &row->status,
		&row->client_host, &row->helo, &row->rule
	};
	const char *s;
	int	 i;

	memcpy(&h, p, sizeof(h));
	row->time = h.time;
	row->offset = h.offset;
	row->kind = h.kind;
	row->code = h.code;
	row->has_sender = h.has_sender;
	s = p + sizeof(h);
	for (i = 0; i < S__COUNT; i++) {
		dst[i]->s = s;
		dst[i]->len = h.len[i];
		s += h.len[i];
	}
	return (size_t)(s - p);
}

/* The packed events of a batch, one by one, for store_put(). */
struct unpacker {
	const char	*p;
	size_t		 left;
};

static int
next_row(void *arg, struct store_row *row)
{
	struct unpacker *u = arg;

	if (u->left == 0)
		return 0;
	u->p += unpack(u->p, row);
	u->left--;
	return 1;
}

/* One transaction: the batch's events and its checkpoint. */
static int
store_batch(struct writer *w, struct wbatch *b, char **cause)
{
	struct unpacker u = { b->data.buf, b->n };

	if (store_begin(w->st, cause) != 0)
		return -1;
	/* A new source gets its row in the transaction of its first batch. */
	if (w->src.id == 0 && store_checkpoint(w->st, &w->src, cause) != 0)
		goto fail;
	if (b->n > 0 && store_put(w->st, w->src.id, next_row, &u, cause) != 0)
		goto fail;
	w->src.offset = b->end;
	w->src.lines += (int64_t)b->lines;
	w->src.unmatched += (int64_t)b->unmatched;
	if (store_checkpoint(w->st, &w->src, cause) != 0) {
		w->src.lines -= (int64_t)b->lines;
		w->src.unmatched -= (int64_t)b->unmatched;
		goto fail;
	}
	if (store_commit(w->st, cause) != 0) {	/* rolled back */
		w->src.lines -= (int64_t)b->lines;
		w->src.unmatched -= (int64_t)b->unmatched;
		return -1;
	}
	return 0;
fail:
	store_rollback(w->st);
	return -1;
}

static void *
run(void *arg)
{
	struct writer *w = arg;
	struct wbatch *b;
	char	*cause;
	int	 k;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->head == NULL)
			break;
		b = w->head;
		w->head = b->next;
		if (w->head == NULL)
			w->tail = NULL;
		w->busy = 1;
		pthread_mutex_unlock(&w->mu);

		cause = NULL;
		if (w->cause == NULL && store_batch(w, b, &cause) != 0) {
			pthread_mutex_lock(&w->mu);
			w->cause = cause;
			pthread_mutex_unlock(&w->mu);
		}

		pthread_mutex_lock(&w->mu);
		if (cause == NULL && w->cause == NULL) {
			for (k = 0; k < EV__COUNT; k++)
				w->events[k] += b->counts[k];
			w->lines += b->lines;
		}
		sb_reset(&b->data);
		b->n = 0;
		b->lines = 0;
		b->unmatched = 0;
		memset(b->counts, 0, sizeof(b->counts));
		b->next = w->freelist;
		w->freelist = b;
		w->busy = 0;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct writer *
writer_start(struct store *st)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	sigset_t all, old;
	int	 i;

	w->st = st;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	for (i = 0; i < NBATCH; i++) {
		sb_init(&w->pool[i].data, 0);
		w->pool[i].next = w->freelist;
		w->freelist = &w->pool[i];
	}
	w->fill = w->freelist;
	w->freelist = w->fill->next;
	/* Signals (Ctrl-C) go to the ingest thread, which stops cleanly. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&w->thread, NULL, run, w) != 0) {
		fputs("relayscope: cannot start the writer thread\n", stderr);
		abort();
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return w;
}

static int
take_cause(struct writer *w, char **cause)
{
	if (w->cause == NULL)
		return 0;
	if (cause != NULL)
		*cause = xstrdup(w->cause);
	return -1;
}

int
writer_stop(struct writer *w, char **cause)
{
	int	 rc;
	size_t	 i;

	rc = writer_sync(w, cause);
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	for (i = 0; i < NBATCH; i++)
		sb_release(&w->pool[i].data);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->cause);
	free(w);
	return rc;
}

void
writer_source(struct writer *w, const struct store_source *src)
{
	/* A new source starts afresh: an earlier one's failure stays its own. */
	pthread_mutex_lock(&w->mu);
	w->src = *src;
	free(w->cause);
	w->cause = NULL;
	pthread_mutex_unlock(&w->mu);
}

void
writer_add(struct writer *w, const struct event *ev)
{
	pack(&w->fill->data, ev);
	w->fill->n++;
	w->fill->counts[ev->kind]++;
}

void
writer_discard(struct writer *w)
{
	struct wbatch *b = w->fill;

	sb_reset(&b->data);
	b->n = 0;
	b->lines = 0;
	b->unmatched = 0;
	memset(b->counts, 0, sizeof(b->counts));
}

int
writer_submit(struct writer *w, int64_t end, uint64_t lines,
    uint64_t unmatched, char **cause)
{
	struct wbatch *b = w->fill;
	int	 rc;

	b->end = end;
	b->lines = lines;
	b->unmatched = unmatched;
	b->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->tail != NULL)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	pthread_cond_broadcast(&w->cv);
	while (w->freelist == NULL)
		pthread_cond_wait(&w->cv, &w->mu);
	w->fill = w->freelist;
	w->freelist = w->fill->next;
	rc = take_cause(w, cause);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int
writer_sync(struct writer *w, char **cause)
{
	int	 rc;

	pthread_mutex_lock(&w->mu);
	while (w->head != NULL || w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	rc = take_cause(w, cause);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

void
writer_totals(struct writer *w, uint64_t events[EV__COUNT], uint64_t *lines)
{
	pthread_mutex_lock(&w->mu);
	memcpy(events, w->events, sizeof(w->events));
	*lines = w->lines;
	pthread_mutex_unlock(&w->mu);
}
