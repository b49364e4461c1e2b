/* writer.c: the store thread of ingest; see writer.h. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

/*
 * An event packed for the trip between threads: its numbers, then its
 * strings one after another, their lengths in the header. A struct event
 * is 2.5 KB of mostly empty arrays; packed, a typical one is 300 bytes.
 */
enum { S_MTA, S_HOST, S_PROG, S_IP, S_CHOST, S_HELO, S_SENDER, S_RCPT,
	S_STATUS, S_USER, S_SERVICE, S_METHOD, S_RULE, S_RAW, S__COUNT };

struct packed {
	int64_t		 time, offset, lineno;
	long		 pid;
	int		 usec, kind, code, has_sender;
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

static const char *
field(const struct event *ev, int i, size_t *len)
{
	const char *s;

	switch (i) {
	case S_MTA: s = ev->mta; break;
	case S_HOST: s = ev->host; break;
	case S_PROG: s = ev->prog; break;
	case S_IP: s = ev->ip; break;
	case S_CHOST: s = ev->client_host; break;
	case S_HELO: s = ev->helo; break;
	case S_SENDER: s = ev->sender; break;
	case S_RCPT: s = ev->recipient; break;
	case S_STATUS: s = ev->status; break;
	case S_USER: s = ev->user; break;
	case S_SERVICE: s = ev->service; break;
	case S_METHOD: s = ev->method; break;
	case S_RULE: s = ev->rule; break;
	default:
		*len = ev->raw_len;
		return ev->raw;
	}
	*len = strlen(s);
	return s;
}

static void
pack(struct strbuf *sb, const struct event *ev)
{
	struct packed h;
	const char *s[S__COUNT];
	size_t	 n;
	int	 i;

	memset(&h, 0, sizeof(h));
	h.time = ev->time;
	h.offset = ev->offset;
	h.lineno = ev->lineno;
	h.pid = ev->pid;
	h.usec = ev->usec;
	h.kind = (int)ev->kind;
	h.code = ev->code;
	h.has_sender = ev->has_sender;
	for (i = 0; i < S__COUNT; i++) {
		s[i] = field(ev, i, &n);
		h.len[i] = (uint32_t)n;
	}
	sb_add(sb, &h, sizeof(h));
	for (i = 0; i < S__COUNT; i++)
		sb_add(sb, s[i], h.len[i]);
}

/* Unpacks the event at p into ev (raw points into p); returns its size. */
static size_t
unpack(const char *p, struct event *ev)
{
	struct packed h;
	const char *s;
	char	*dst[S__COUNT] = {
		ev->mta, ev->host, ev->prog, ev->ip, ev->client_host, ev->helo,
		ev->sender, ev->recipient, ev->status, ev->user, ev->service,
		ev->method, ev->rule, NULL
	};
	size_t	 dstsz[S__COUNT] = {
		sizeof(ev->mta), sizeof(ev->host), sizeof(ev->prog),
		sizeof(ev->ip), sizeof(ev->client_host), sizeof(ev->helo),
		sizeof(ev->sender), sizeof(ev->recipient), sizeof(ev->status),
		sizeof(ev->user), sizeof(ev->service), sizeof(ev->method),
		sizeof(ev->rule), 0
	};
	int	 i;

	memcpy(&h, p, sizeof(h));
	ev->time = h.time;
	ev->offset = h.offset;
	ev->lineno = h.lineno;
	ev->pid = h.pid;
	ev->usec = h.usec;
	ev->kind = (enum event_kind)h.kind;
	ev->code = h.code;
	ev->has_sender = h.has_sender;
	s = p + sizeof(h);
	for (i = 0; i < S__COUNT; i++) {
		if (dst[i] != NULL)
			copy_field(dst[i], dstsz[i], s, h.len[i]);
		else {
			ev->raw = s;
			ev->raw_len = h.len[i];
		}
		s += h.len[i];
	}
	return (size_t)(s - p);
}

/* One transaction: the batch's events and its checkpoint. */
static int
store_batch(struct writer *w, struct wbatch *b, char **cause)
{
	struct event ev;
	const char *p = b->data.buf;
	size_t	 i;

	if (store_begin(w->st, cause) != 0)
		return -1;
	/* A new source gets its row in the transaction of its first batch. */
	if (w->src.id == 0 && store_checkpoint(w->st, &w->src, cause) != 0)
		goto fail;
	for (i = 0; i < b->n; i++) {
		p += unpack(p, &ev);
		if (store_put(w->st, w->src.id, &ev, cause) != 0)
			goto fail;
	}
	w->src.offset = b->end;
	w->src.lines += (int64_t)b->lines;
	w->src.unmatched += (int64_t)b->unmatched;
	if (store_checkpoint(w->st, &w->src, cause) != 0 ||
	    store_commit(w->st, cause) != 0) {
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
