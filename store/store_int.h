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
/*
 * Binds an address the way store_put() stores it: IPv4 as an INTEGER,
 * IPv6 as 16 bytes, anything else as TEXT (ip must outlive the step);
 * NULL for "".
 */
void	 store_bind_ip(sqlite3_stmt *, int, const char *ip);

#endif
