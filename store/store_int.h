/*
 * store_int.h: what store.c shares with the other files of store/ (the
 * queries in query.c). Not for use outside store/: the rest of relayscope
 * never sees SQLite.
 */
#ifndef RS_STORE_INT_H
#define RS_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

/* The connection of an open store. */
sqlite3	*store_sqlite(struct store *);
/* Its schema version (a reader may have an older one than STORE_SCHEMA). */
int	 store_schema(const struct store *);
/* Sets *cause to "database: what: SQLite's message"; returns -1. */
int	 store_q_cause(struct store *, char **cause, const char *what);
/* Prepares sql into *s, or sets *s to NULL and *cause; returns 0 or -1. */
int	 store_q_prepare(struct store *, const char *sql, sqlite3_stmt **s,
	    char **cause);
/*
 * Binds an address the way store_put() stores it: IPv4 as an INTEGER,
 * IPv6 as 16 bytes, anything else as TEXT (ip must outlive the step);
 * NULL for "".
 */
void	 store_bind_ip(sqlite3_stmt *, int, const char *ip);
/* The stored ip of column i (INTEGER, 16-byte BLOB or TEXT) as text. */
void	 store_column_ip(sqlite3_stmt *, int i, char out[IP_TEXT_MAX]);
/*
 * The row of a query selecting id, time, kind, ip, user, sender,
 * recipient, mta, service, code, raw (in this order) into e; raw (a copy
 * to free) only when with_raw.
 */
void	 store_read_row(sqlite3_stmt *, struct store_event *e, int with_raw);
/*
 * Steps s (selecting the columns of store_read_row, raw aside), calling
 * fn for each row, and finalizes it. Returns 0, or -1: fn returned
 * non-zero (its cause is its own) or the read failed (*cause set).
 */
int	 store_each_row(struct store *, sqlite3_stmt *s,
	    int (*fn)(const struct store_event *, void *), void *arg,
	    char **cause);
/* Column i as text into dst, truncated as copy_field does; "" for NULL. */
void	 store_column_str(sqlite3_stmt *, int i, char *dst, size_t size);

#endif
