/*
 * writer.h: the store side of ingest, on a thread of its own, so parsing
 * and storing overlap (two cores: one reads and parses, one writes SQLite).
 *
 * The ingest thread fills the current batch (writer_add) and hands it over
 * with the checkpoint that covers it (writer_submit); the writer thread
 * stores its events, writes the checkpoint and commits, all in one
 * transaction, so exactly-once holds as before. Batches are committed in
 * the order submitted; after a failure no later batch is committed (a gap
 * would lose events), and the next submit or sync returns the cause.
 *
 * The store handle belongs to the writer between writer_start and
 * writer_stop, except while it is idle: after writer_sync returns, the
 * ingest thread may use the store (source lookups, index builds) until
 * its next submit.
 */
#ifndef RS_WRITER_H
#define RS_WRITER_H

#include <stdint.h>

#include "../parser/parser.h"
#include "../store/store.h"

struct writer;

struct writer *writer_start(struct store *);
/* Waits for every batch, stops the thread; returns 0 or -1 (cause). */
int	 writer_stop(struct writer *, char **cause);

/* Sets the source the next batches belong to (writer idle: after sync). */
void	 writer_source(struct writer *, const struct store_source *);
/* Adds an event to the batch being filled (copied). */
void	 writer_add(struct writer *, const struct event *);
/*
 * Hands the batch over with its checkpoint: the source's content up to
 * offset end is stored, lines more lines, of which unmatched looked like
 * a denial or a login that no rule read. Returns -1 (cause) when an
 * earlier batch failed.
 */
int	 writer_submit(struct writer *, int64_t end, uint64_t lines,
	    uint64_t unmatched, char **cause);
/* Drops the events added since the last submit (ingest thread). */
void	 writer_discard(struct writer *);
/* Waits until everything submitted is committed (or has failed). */
int	 writer_sync(struct writer *, char **cause);
/* Committed so far: events by kind, and lines. */
void	 writer_totals(struct writer *, uint64_t events[EV__COUNT],
	    uint64_t *lines);

#endif
