/* store.c: schema, migrations, checkpoints and the event inserts. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/common.h"
#include "store.h"
#include "store_int.h"

/*
 * Bulk loads. An index with random keys (client IP, sender, ...) costs
 * little while it fits in the page cache; past that every insert reads a
 * page, and every commit writes again all the pages its inserts touched,
 * which for random keys is most of the index: the four of them cost some
 * 30 us an event once the table has a million rows. Built by sorting, they
 * cost 1.5 us a row of the whole table. How big a load will be is not
 * known, so once it has cost about what a build would
 * (BULK_MIN events and 1/BULK_RATIO of the rows at open), those indexes
 * are dropped and built again at its end: store_close(), or
 * store_build_indexes() (ingest calls it once a followed file or a pipe
 * has caught up). A pause between transactions does not tell: a slow
 * reader pauses too, in the middle of a load.
 */
#define BULK_MIN	50000
#define BULK_RATIO	16

/*
 * Page cache, in KiB: 8 MiB while storing, 512 KiB while building an
 * index: a build reads the table in order and appends to the new index.
 * The sorter of CREATE INDEX sorts its keys in runs of that size (or of
 * SORT_RUN_PAGES pages, the larger), writes each run out and merges them.
 * Runs that fit in the CPU's cache sort faster, and the extra merging costs
 * less than that gains: 512 KiB runs built the four indexes of a bulk load
 * in nine tenths of the time 4 MiB runs (SQLite's default of 250 pages of
 * 16 KiB) took, and 2 MiB or 8 MiB runs were no faster. SORT_RUN_PAGES
 * keeps SQLite's minimum at or under 512 KiB for 16 and 64 KiB pages.
 */
#define CACHE_KIB	8192
#define BUILD_CACHE_KIB	512
#define SORT_RUN_PAGES	8

/*
 * Background checkpoints. In WAL mode a commit appends to the WAL; a
 * checkpoint copies the WAL into the database and, with synchronous =
 * NORMAL, syncs both files to disk. Run by the writing connection, it
 * stalls every 1000th page's commit on the disk: for a bulk load, about
 * a fifth of the time. With STORE_BACKGROUND a thread of the store runs
 * them on a connection of its own instead, PASSIVE (it never blocks the
 * writer or waits for readers), woken by the writer's WAL hook. The
 * safety is the same: a checkpoint only copies what is committed, and
 * either run may be killed at any moment.
 *
 * A passive checkpoint copies the WAL as it was when it started; the WAL
 * starts over only when all of it was copied, so while the writer keeps
 * committing it would grow. When a background pass left frames behind,
 * the writer copies them itself at its next commit (and syncs only
 * those), and its next transaction starts the WAL over.
 *
 * A bulk load holds its checkpoints back: until its indexes are built
 * (or its WAL reaches HOLD_BYTES), the WAL just grows. While a load
 * stores, both cores are busy (reading lines, writing rows), and a pass
 * (reading the WAL, writing the file, syncing both, and the kernel's
 * writeback that follows) took a quarter of the load's time from them.
 * Its index builds use one core; the pass that starts with them copies
 * the whole WAL on the other. Readers meanwhile read recent pages from
 * the WAL, as they always may.
 */
#define CKPT_BYTES	(16 << 20)	/* about SQLite's own default (1000
					   pages) for its default pages; the
					   environment's RELAYSCOPE_WAL_PAGES
					   sets another (tests make it small) */
#define HOLD_BYTES	(1 << 30)	/* RELAYSCOPE_WAL_HOLD (pages) sets
					   another */

struct checkpointer {
	sqlite3		*db;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 frames;	/* WAL frames that call for a pass */
	int		 hold;		/* a bulk load: no pass before
					   hold_frames (set and read by the
					   thread using the connection) */
	int		 hold_frames;
	int		 due;		/* a pass is asked for */
	int		 running;	/* a pass runs */
	int		 passed;	/* a pass left frames behind: the writer
					   copies them at its next commit */
	int		 stop;
};

struct store {
	sqlite3		*db;
	struct checkpointer *ckpt;	/* NULL: SQLite's own checkpoints */
	char		*path;
	sqlite3_stmt	*put;
	sqlite3_stmt	*src_insert;
	sqlite3_stmt	*src_update;
	int		 in_tx;
	int		 version;	/* of the schema */
	int		 deferred;	/* some index is missing */
	int		 page_size;
	struct strbuf	 detail;	/* store_put()'s, for the detail column */
	store_next_fn	 next;		/* store_put()'s events, for */
	void		*next_arg;	/* store_batch */
	int64_t		 next_source;
	int64_t		 rows;		/* about the events at open */
	int64_t		 loaded;	/* events committed since open */
	int64_t		 pending;	/* events in the open transaction */
};

/*
 * Schema versions, applied in order. Never edit a released step: add one.
 * The encodings of events are described in store.h. The columns that
 * indexes use come first: building an index reads them without decoding
 * the rest of the row.
 */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	"CREATE TABLE sources("
	"  id INTEGER PRIMARY KEY,"
	"  ident TEXT NOT NULL,"
	"  head_len INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  offset INTEGER NOT NULL DEFAULT 0,"
	"  lines INTEGER NOT NULL DEFAULT 0,"
	"  first_ingest INTEGER NOT NULL,"
	"  last_ingest INTEGER NOT NULL,"
	"  UNIQUE(head_len, ident));"
	"CREATE TABLE events("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  usec INTEGER NOT NULL DEFAULT 0,"
	"  kind INTEGER NOT NULL,"
	"  ip,"
	"  user TEXT, sender TEXT, rcpt_domain TEXT, recipient TEXT,"
	"  mta TEXT NOT NULL, service TEXT, method TEXT,"
	"  code INTEGER, status TEXT,"
	"  host TEXT, prog TEXT, pid INTEGER,"
	"  client_host TEXT, helo TEXT,"
	"  rule TEXT NOT NULL,"
	"  source_id INTEGER NOT NULL REFERENCES sources(id),"
	"  offset INTEGER NOT NULL,"
	"  raw TEXT NOT NULL);",
	/*
	 * 2: lines that look like a denial or a login that no rule read;
	 * counted from now on (meta unmatched_since when sources came before)
	 */
	"ALTER TABLE sources ADD COLUMN unmatched INTEGER NOT NULL DEFAULT 0;"
	"INSERT OR REPLACE INTO meta(key, value) SELECT 'unmatched_since', "
	"strftime('%s', 'now') WHERE EXISTS (SELECT 1 FROM sources);",
	/*
	 * 3: what no query selects on goes to one JSON column, detail: a
	 * row of 15 columns instead of 22 is stored in three quarters of
	 * the time. The table is copied (its indexes come back as after a
	 * bulk load).
	 */
	"CREATE TABLE events3("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  ip,"
	"  user TEXT, sender TEXT, rcpt_domain TEXT, recipient TEXT,"
	"  mta TEXT NOT NULL, service TEXT,"
	"  code INTEGER,"
	"  source_id INTEGER NOT NULL REFERENCES sources(id),"
	"  offset INTEGER NOT NULL,"
	"  detail TEXT,"
	"  raw TEXT NOT NULL);"
	"INSERT INTO events3 SELECT id, time, kind, ip, user, sender, "
	"rcpt_domain, recipient, mta, service, code, source_id, offset, "
	"nullif(json_patch('{}', json_object('usec', nullif(usec, 0), "
	"'method', method, 'status', status, 'host', host, 'prog', prog, "
	"'pid', pid, 'client_host', client_host, 'helo', helo, "
	"'rule', rule)), '{}'), raw FROM events ORDER BY id;"
	"DROP TABLE events;"
	"ALTER TABLE events3 RENAME TO events;",
};

/*
 * Indexes serve what the diagnosis and the console ask: by time, by client
 * IP and time, by sender, by recipient domain, by user and time. They are
 * not in the migrations: a session that writes creates any that is
 * missing (see "Bulk loads"), so one dropped for a bulk load comes back
 * even after a crash. Meanwhile readers get the same answers, slower.
 * events_time takes its keys in order and is never dropped. The others
 * are built largest first: a background pass copies each into the file
 * while the next builds, and what the last one leaves for the close to
 * copy (and wait on the disk for) is small.
 */
static const struct index {
	const char	*name;
	const char	*def;
	int		 deferrable;	/* random keys: dropped for bulk loads */
} indexes[] = {
	{ "events_time", "events(time)", 0 },
	{ "events_ip_time", "events(ip, time) WHERE ip IS NOT NULL", 1 },
	{ "events_user_time", "events(user, time) WHERE user IS NOT NULL", 1 },
	{ "events_sender", "events(sender) WHERE sender IS NOT NULL", 1 },
	{ "events_rcpt_domain",
	    "events(rcpt_domain) WHERE rcpt_domain IS NOT NULL", 1 },
};

static int
db_cause(struct store *st, char **cause, const char *what)
{
	int	 rc = sqlite3_extended_errcode(st->db);
	const char *hint = "";

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		hint = " (another process is writing to it; try again when "
		    "it is done)";
		break;
	case SQLITE_FULL:
		hint = " (the disk is full: free space and run again; "
		    "nothing after the last checkpoint was kept)";
		break;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		hint = " (check the path and its permissions)";
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		hint = " (this is not a relayscope database, or it is damaged)";
		break;
	}
	return set_cause(cause, "database '%s': %s: %s%s", st->path, what,
	    sqlite3_errmsg(st->db), hint);
}

static int
exec(struct store *st, const char *sql, char **cause)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_cause(st, cause, "cannot run a statement");
	return 0;
}

static int
migrate(struct store *st, int readonly, char **cause)
{
	sqlite3_stmt *s;
	int	 version, i, n = (int)ARRAY_LEN(migrations);

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s,
	    NULL) != SQLITE_OK)
		return db_cause(st, cause, "cannot read the schema version");
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return db_cause(st, cause, "cannot read the schema version");
	}
	version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version > n)
		return set_cause(cause, "database '%s' has schema %d, newer than "
		    "this relayscope knows (%d): upgrade relayscope", st->path,
		    version, n);
	st->version = version;
	if (version == n)
		return 0;
	/*
	 * A reader takes a database of an older schema as it is (every
	 * query reads what schema 1 has; store_report_health says what is
	 * missing): the helpdesk keeps working after an upgrade until the
	 * next ingest migrates it.
	 */
	if (readonly && version == 0)
		return set_cause(cause, "database '%s' is empty: run "
		    "'relayscope ingest' first", st->path);
	if (readonly)
		return 0;
	if (exec(st, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	st->version = n;
	for (i = version; i < n; i++) {
		char	 sql[64];

		if (exec(st, migrations[i], cause) != 0)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if (exec(st, sql, cause) != 0)
			goto fail;
	}
	return exec(st, "COMMIT", cause);
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

static int
prepare(struct store *st, sqlite3_stmt **s, const char *sql, char **cause)
{
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s,
	    NULL) != SQLITE_OK)
		return db_cause(st, cause, "cannot prepare a statement");
	return 0;
}

static int
set_cache(struct store *st, int kib, char **cause)
{
	char	 sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", kib);
	return exec(st, sql, cause);
}

static const sqlite3_module batch_module;

/* The value of an integer pragma, or -1. */
static int
pragma_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	int	 v = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* 1 when the index exists, 0 when not, -1 on error. */
static int
index_exists(struct store *st, const char *name, char **cause)
{
	sqlite3_stmt *s;
	int	 rc;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_schema WHERE "
	    "type = 'index' AND name = ?", -1, &s, NULL) != SQLITE_OK)
		return db_cause(st, cause, "cannot read the schema");
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_cause(st, cause, "cannot read the schema");
	return rc == SQLITE_ROW;
}

/*
 * Whether some index waits for the end of a bulk load; while one does,
 * the load's checkpoints wait too (see "Background checkpoints").
 */
static void
set_deferred(struct store *st, int deferred)
{
	st->deferred = deferred;
	if (st->ckpt != NULL)
		st->ckpt->hold = deferred;
}

/* The end of a bulk load: a pass copies its WAL while indexes build. */
static void
release_hold(struct store *st)
{
	struct checkpointer *c = st->ckpt;

	if (c == NULL || !c->hold)
		return;
	c->hold = 0;
	pthread_mutex_lock(&c->mu);
	if (!c->running) {
		c->due = 1;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
}

/*
 * Creates the missing indexes (with deferrable, else only the others),
 * each in a transaction of its own. Returns how many it skipped, or -1.
 * It asks first: CREATE INDEX IF NOT EXISTS of one that exists costs.
 */
static int
build_indexes(struct store *st, int deferrable, char **cause)
{
	char	 sql[256];
	size_t	 i;
	int	 rc, skipped = 0;

	/*
	 * The sorter of CREATE INDEX works in this thread: two more threads
	 * of its own doubled its CPU time and did not shorten a build, and
	 * the other core is the checkpoint's (see "Background checkpoints").
	 */
	if (set_cache(st, BUILD_CACHE_KIB, cause) != 0 ||
	    exec(st, "PRAGMA threads = 0", cause) != 0)
		return -1;
	if (deferrable)
		release_hold(st);
	for (i = 0; i < ARRAY_LEN(indexes); i++) {
		if ((rc = index_exists(st, indexes[i].name, cause)) < 0)
			goto fail;
		if (rc == 1)
			continue;
		if (indexes[i].deferrable && !deferrable) {
			skipped++;
			continue;
		}
		snprintf(sql, sizeof(sql), "CREATE INDEX IF NOT EXISTS %s ON %s",
		    indexes[i].name, indexes[i].def);
		if (exec(st, sql, cause) != 0)
			goto fail;
	}
	set_deferred(st, skipped > 0);
	if (!st->deferred) {
		/* What was loaded is now the table a next load is held to. */
		st->rows += st->loaded;
		st->loaded = 0;
	}
	if (set_cache(st, CACHE_KIB, cause) != 0)
		return -1;
	return skipped;
fail:
	set_cache(st, CACHE_KIB, NULL);
	return -1;
}

/* Drops the indexes a bulk load builds at its end, in a transaction. */
static int
defer_indexes(struct store *st, char **cause)
{
	char	 sql[128];
	size_t	 i;

	if (exec(st, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	for (i = 0; i < ARRAY_LEN(indexes); i++) {
		if (!indexes[i].deferrable)
			continue;
		snprintf(sql, sizeof(sql), "DROP INDEX IF EXISTS %s",
		    indexes[i].name);
		if (exec(st, sql, cause) != 0)
			goto fail;
	}
	if (exec(st, "COMMIT", cause) != 0)
		goto fail;
	set_deferred(st, 1);
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* About the number of events: the largest id. */
static int
count_rows(struct store *st, char **cause)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, "SELECT max(id) FROM events", -1, &s,
	    NULL) != SQLITE_OK)
		return db_cause(st, cause, "cannot count events");
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return db_cause(st, cause, "cannot count events");
	}
	st->rows = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return 0;
}

static void *
checkpoint_loop(void *arg)
{
	struct checkpointer *c = arg;
	int	 frames, copied;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->due && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->due = 0;
		c->running = 1;
		pthread_mutex_unlock(&c->mu);
		/*
		 * Busy (another checkpoint runs) or full: the next one
		 * retries. A pass that copied the whole WAL lets the writer's
		 * next transaction start it over; one that left frames asks
		 * the writer to copy them.
		 */
		frames = copied = -1;
		sqlite3_wal_checkpoint_v2(c->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
		pthread_mutex_lock(&c->mu);
		c->running = 0;
		c->passed = copied < frames;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* After each commit of the writing connection: frames in the WAL. */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct checkpointer *c = arg;
	int	 catch_up = 0;

	if (frames < c->frames || (c->hold && frames < c->hold_frames))
		return SQLITE_OK;
	pthread_mutex_lock(&c->mu);
	if (!c->running) {
		if (c->passed) {
			c->passed = 0;
			catch_up = 1;
		} else {
			c->due = 1;
			pthread_cond_signal(&c->cv);
		}
	} else
		c->due = 1;	/* another pass once this one is done */
	pthread_mutex_unlock(&c->mu);
	if (catch_up)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
		    NULL, NULL);
	return SQLITE_OK;
}

/* A count of pages from the environment: a positive integer, else dflt. */
static int
env_pages(const char *v, int dflt)
{
	char	*end;
	long	 n;

	if (v == NULL)
		return dflt;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n <= 0 || n > INT_MAX)
		return dflt;
	return (int)n;
}

static int
checkpointer_start(struct store *st, char **cause)
{
	struct checkpointer *c = xcalloc(1, sizeof(*c));
	const char *env = getenv("RELAYSCOPE_WAL_PAGES");
	sigset_t all, old;
	int	 rc;

	c->frames = env_pages(env, CKPT_BYTES / st->page_size);
	c->hold_frames = env_pages(getenv("RELAYSCOPE_WAL_HOLD"),
	    HOLD_BYTES / st->page_size);
	c->hold = st->deferred;
	/* A connection knows the file is in WAL mode once it has read it. */
	if (sqlite3_open_v2(st->path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(c->db, 5000) != SQLITE_OK || sqlite3_exec(c->db,
	    "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		set_cause(cause, "database '%s': cannot open: %s", st->path,
		    c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	/* Signals go to the threads that handle them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&c->thread, NULL, checkpoint_loop, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		sqlite3_close(c->db);
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		free(c);
		return set_cause(cause, "cannot start the checkpoint thread");
	}
	st->ckpt = c;
	sqlite3_wal_hook(st->db, wal_hook, c);
	return 0;
}

static void
checkpointer_stop(struct store *st)
{
	struct checkpointer *c = st->ckpt;

	if (c == NULL)
		return;
	/* SQLite's own checkpoints again, as before. */
	sqlite3_wal_autocheckpoint(st->db, CKPT_BYTES / st->page_size);
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
	st->ckpt = NULL;
}

struct store *
store_open(const char *path, int flags, char **cause)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int	 ro = flags & STORE_READONLY;
	int	 oflags = SQLITE_OPEN_NOMUTEX | (ro ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	static int configured;

	/*
	 * A connection is used by one thread at a time (the writer thread
	 * takes it over for an ingest), so it needs no mutex of its own, and
	 * memory statistics (a global mutex per allocation) are not read.
	 * Sorts run in pieces of SORT_RUN_PAGES pages at least (see "Page
	 * cache"). All are set before the library's first use.
	 */
	if (!configured) {
		configured = 1;
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		sqlite3_config(SQLITE_CONFIG_PMASZ, SORT_RUN_PAGES);
	}

	st->path = xstrdup(path);
	if (ro && access(path, F_OK) != 0) {
		set_cause(cause, "database '%s' does not exist yet: run "
		    "'relayscope ingest' first", path);
		goto fail;
	}
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
		if (st->db == NULL)
			set_cause(cause, "database '%s': cannot open", path);
		else
			db_cause(st, cause, "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	/*
	 * WAL lets readers work while an ingest writes; synchronous=NORMAL
	 * keeps every commit durable against a process crash (the WAL is
	 * written before COMMIT returns) and costs one fsync per checkpoint.
	 * The page cache is capped so memory stays small whatever the log.
	 * Pages of 64 KiB (for a new file; it must come first), SQLite's
	 * largest: a bulk load writes a fifth of the WAL frames it writes
	 * with 16 KiB pages (two system calls each), and its index builds
	 * read the table in a quarter of the calls; it took nine tenths of
	 * the time. Lookups read more a page, which the diagnosis's few
	 * hundred pages do not feel.
	 * Foreign keys are not checked on insert (a lookup per event): the
	 * protocol stores a source before its events, and none is deleted.
	 */
	if (!ro && exec(st, "PRAGMA page_size = 65536", cause) != 0)
		goto fail;
	if ((st->page_size = pragma_int(st, "PRAGMA page_size")) <= 0) {
		db_cause(st, cause, "cannot read the page size");
		goto fail;
	}
	if (set_cache(st, CACHE_KIB, cause) != 0 ||
	    exec(st, "PRAGMA temp_store = FILE;", cause) != 0)
		goto fail;
	/*
	 * STORE_MAPPED maps the file instead of copying each page visited:
	 * for a few rows on many pages (one customer's logins over a month),
	 * not for scans, which copy whole pages faster than they fault them.
	 */
	if ((flags & STORE_MAPPED) &&
	    exec(st, "PRAGMA mmap_size = 1073741824", cause) != 0)
		goto fail;
	if (!ro && exec(st, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;", cause) != 0)
		goto fail;
	/*
	 * A WAL that a bulk load grew is cut back to 32 MiB once it starts
	 * over, rather than keep its size while ingest --follow runs on.
	 */
	if (!ro) {
		char	 sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %d",
		    2 * CKPT_BYTES);
		if (exec(st, sql, cause) != 0)
			goto fail;
	}
	if (migrate(st, ro, cause) != 0)
		goto fail;
	if (!ro && (flags & STORE_BACKGROUND) &&
	    checkpointer_start(st, cause) != 0)
		goto fail;
	/*
	 * The missing indexes with random keys (all of them in a new file,
	 * some after a killed bulk load) are left to build like those of a
	 * bulk load: this session may well be one.
	 */
	if (!ro && (build_indexes(st, 0, cause) < 0 ||
	    count_rows(st, cause) != 0))
		goto fail;
	if (!ro && sqlite3_create_module(st->db, "store_batch", &batch_module,
	    st) != SQLITE_OK) {
		db_cause(st, cause, "cannot register store_batch");
		goto fail;
	}
	/*
	 * OR FAIL: a batch that fails is rolled back whole by its caller, so
	 * the statement needs no journal of its own to undo just itself. With
	 * one (ABORT, the default), every batch copied the pages it touched
	 * into a temporary file first, opened and deleted each time.
	 */
	if (!ro && (prepare(st, &st->put, "INSERT OR FAIL INTO events(time, "
	    "kind, ip, user, sender, rcpt_domain, recipient, mta, service, code, "
	    "source_id, offset, detail, raw) SELECT time, kind, ip, user, "
	    "sender, rcpt_domain, recipient, mta, service, code, source_id, "
	    "offset, detail, raw FROM store_batch", cause) != 0 ||
	    prepare(st, &st->src_insert, "INSERT INTO sources(ident, head_len,"
	    " name, offset, lines, unmatched, first_ingest, last_ingest) "
	    "VALUES (?,?,?,?,?,?,strftime('%s','now'),strftime('%s','now'))",
	    cause) != 0 ||
	    prepare(st, &st->src_update, "UPDATE sources SET ident = ?, "
	    "head_len = ?, name = ?, offset = ?, lines = ?, unmatched = ?, "
	    "last_ingest = strftime('%s','now') WHERE id = ?", cause) != 0))
		goto fail;
	return st;
fail:
	store_close(st);
	return NULL;
}

sqlite3 *
store_sqlite(struct store *st)
{
	return st->db;
}

int
store_schema(const struct store *st)
{
	return st->version;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->in_tx)
		store_rollback(st);
	/* On failure the next session that writes tries again. */
	if (st->deferred)
		build_indexes(st, 1, NULL);
	checkpointer_stop(st);
	sqlite3_finalize(st->put);
	sqlite3_finalize(st->src_insert);
	sqlite3_finalize(st->src_update);
	sb_release(&st->detail);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

int
store_begin(struct store *st, char **cause)
{
	if (!st->deferred && st->loaded >= BULK_MIN &&
	    st->loaded >= st->rows / BULK_RATIO &&
	    defer_indexes(st, cause) != 0)
		return -1;
	if (exec(st, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	st->in_tx = 1;
	st->pending = 0;
	return 0;
}

int
store_snapshot(struct store *st, char **cause)
{
	/* Deferred: the snapshot is taken by the first read. */
	return exec(st, "BEGIN", cause);
}

void
store_snapshot_end(struct store *st)
{
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

int
store_commit(struct store *st, char **cause)
{
	if (exec(st, "COMMIT", cause) != 0) {
		store_rollback(st);
		return -1;
	}
	st->in_tx = 0;
	st->loaded += st->pending;
	return 0;
}

void
store_rollback(struct store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_tx = 0;
}

int
store_build_indexes(struct store *st, char **cause)
{
	if (!st->deferred)
		return 0;
	return build_indexes(st, 1, cause) < 0 ? -1 : 0;
}

/* The identity of head[0..len): two 64-bit hashes in hex. */
static void
store_ident(const void *head, size_t len, char out[33])
{
	const unsigned char *p = head;
	uint64_t a = 1469598103934665603ULL, b = 0x9e3779b97f4a7c15ULL;
	size_t	 i;

	/* Two independent 64-bit hashes: FNV-1a and a multiply-xorshift. */
	for (i = 0; i < len; i++) {
		a = (a ^ p[i]) * 1099511628211ULL;
		b = (b + p[i] + 1) * 0xff51afd7ed558ccdULL;
		b ^= b >> 29;
	}
	a ^= len;
	b ^= (uint64_t)len << 32;
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)a,
	    (unsigned long long)b);
}

static void
fill_source(sqlite3_stmt *s, struct store_source *src)
{
	const unsigned char *t;

	src->id = sqlite3_column_int64(s, 0);
	t = sqlite3_column_text(s, 1);
	copy_field(src->ident, sizeof(src->ident), (const char *)t,
	    t ? strlen((const char *)t) : 0);
	src->head_len = sqlite3_column_int64(s, 2);
	src->offset = sqlite3_column_int64(s, 3);
	src->lines = sqlite3_column_int64(s, 4);
	src->unmatched = sqlite3_column_int64(s, 6);
	t = sqlite3_column_text(s, 5);
	copy_field(src->name, sizeof(src->name), (const char *)t,
	    t ? strlen((const char *)t) : 0);
}

int
store_source_lookup(struct store *st, const void *head, size_t len,
    struct store_source *src, char **cause)
{
	sqlite3_stmt *s;
	int	 rc, found = 0;

	memset(src, 0, sizeof(*src));
	store_ident(head, len, src->ident);
	src->head_len = (int64_t)len;
	if (len == 0)
		return 0;
	/*
	 * The same head, or a source first seen while shorter than a KiB
	 * whose bytes this one starts with (the file grew since).
	 */
	if (sqlite3_prepare_v2(st->db, "SELECT id, ident, head_len, offset, "
	    "lines, name, unmatched FROM sources WHERE (head_len = ? AND ident = ?) OR "
	    "(head_len < ? AND head_len < ?) ORDER BY head_len DESC", -1, &s,
	    NULL) != SQLITE_OK)
		return db_cause(st, cause, "cannot look up sources");
	sqlite3_bind_int64(s, 1, (int64_t)len);
	sqlite3_bind_text(s, 2, src->ident, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, (int64_t)len);
	sqlite3_bind_int64(s, 4, STORE_HEAD);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_source cand;
		char	 id[33];

		fill_source(s, &cand);
		if (cand.head_len > (int64_t)len)
			continue;
		store_ident(head, (size_t)cand.head_len, id);
		if (strcmp(id, cand.ident) != 0)
			continue;
		/* Keep the longer, current identity for the next time. */
		cand.head_len = (int64_t)len;
		memcpy(cand.ident, src->ident, sizeof(cand.ident));
		*src = cand;
		found = 1;
		break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_finalize(s);
		return db_cause(st, cause, "cannot look up sources");
	}
	sqlite3_finalize(s);
	return found;
}

int
store_checkpoint(struct store *st, struct store_source *src, char **cause)
{
	sqlite3_stmt *s = src->id ? st->src_update : st->src_insert;

	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, src->ident, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, src->head_len);
	sqlite3_bind_text(s, 3, src->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, src->offset);
	sqlite3_bind_int64(s, 5, src->lines);
	sqlite3_bind_int64(s, 6, src->unmatched);
	if (src->id)
		sqlite3_bind_int64(s, 7, src->id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_reset(s);
		return db_cause(st, cause, "cannot save the checkpoint");
	}
	sqlite3_reset(s);
	if (src->id == 0)
		src->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* IPv4 as an integer, IPv6 as 16 bytes, anything else as it is. */
void
store_bind_ip(sqlite3_stmt *s, int i, const char *ip)
{
	unsigned char a[16];
	uint32_t v4;

	if (*ip == '\0')
		sqlite3_bind_null(s, i);
	else if (ip4_parse(ip, strlen(ip), &v4) == 0)
		sqlite3_bind_int64(s, i, (int64_t)v4);
	else if (inet_pton(AF_INET6, ip, a) == 1)
		sqlite3_bind_blob(s, i, a, 16, SQLITE_TRANSIENT);
	else
		sqlite3_bind_text(s, i, ip, -1, SQLITE_STATIC);
}

/*
 * The detail column of ev into sb (emptied first): what the rule read that
 * has no column of its own, "" when none of it is set. The line's envelope
 * (host, program, pid, fraction of a second) is not repeated: it starts
 * raw. Written in one piece, room made once.
 */
static void
store_detail(struct strbuf *sb, const struct store_row *ev)
{
	const struct {
		const char	*key;
		size_t		 klen;
		struct store_text v;
	} m[] = {
		{ "method", 6, ev->method },
		{ "status", 6, ev->status },
		{ "client_host", 11, ev->client_host },
		{ "helo", 4, ev->helo },
		{ "rule", 4, ev->rule },
	};
	size_t	 room = 1, i;
	char	*base, *p;

	sb_reset(sb);
	for (i = 0; i < ARRAY_LEN(m); i++)
		if (m[i].v.len != 0)
			room += m[i].klen + 6 + JSON_PUT_MAX(m[i].v.len);
	if (room == 1)
		return;
	p = base = sb_grow(sb, room);
	for (i = 0; i < ARRAY_LEN(m); i++) {
		if (m[i].v.len == 0)
			continue;
		*p = p == base ? '{' : ',';
		p++;
		*p++ = '"';
		memcpy(p, m[i].key, m[i].klen);
		p += m[i].klen;
		*p++ = '"';
		*p++ = ':';
		*p++ = '"';
		p = json_put(p, m[i].v.s, m[i].v.len);
		*p++ = '"';
	}
	*p++ = '}';
	sb_truncate(sb, (size_t)(p - sb->buf));
}

/*
 * store_put()'s events as a virtual table, store_batch: one INSERT ...
 * SELECT reads them all, with its cursors opened once, where a statement
 * for each event spends more on starting and ending it than on the row.
 * Values are in the columns' encodings (store.h); the cursor computes the
 * recipient's domain and the detail of its current row.
 */
struct batch_vtab {
	sqlite3_vtab	 base;
	struct store	*st;
};

struct batch_cursor {
	sqlite3_vtab_cursor base;
	struct store	*st;
	struct store_row row;
	int		 eof;
	size_t		 dlen;
	char		 domain[256];
};

static int
batch_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
    sqlite3_vtab **vtab, char **err)
{
	struct batch_vtab *v;
	int	 rc;

	(void)argc;
	(void)argv;
	(void)err;
	rc = sqlite3_declare_vtab(db, "CREATE TABLE x(time, kind, ip, user, "
	    "sender, rcpt_domain, recipient, mta, service, code, source_id, "
	    "offset, detail, raw)");
	if (rc != SQLITE_OK)
		return rc;
	if ((v = sqlite3_malloc(sizeof(*v))) == NULL)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof(*v));
	v->st = aux;
	*vtab = &v->base;
	return SQLITE_OK;
}

static int
batch_disconnect(sqlite3_vtab *vtab)
{
	sqlite3_free(vtab);
	return SQLITE_OK;
}

static int
batch_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info)
{
	(void)vtab;
	info->estimatedCost = 1e6;
	return SQLITE_OK;
}

static int
batch_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **cur)
{
	struct batch_cursor *c;

	if ((c = sqlite3_malloc(sizeof(*c))) == NULL)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->st = ((struct batch_vtab *)vtab)->st;
	*cur = &c->base;
	return SQLITE_OK;
}

static int
batch_close(sqlite3_vtab_cursor *cur)
{
	sqlite3_free(cur);
	return SQLITE_OK;
}

/* The next event of store_put(), and its recipient's domain, lowercased. */
static int
batch_next(sqlite3_vtab_cursor *cur)
{
	struct batch_cursor *c = (struct batch_cursor *)cur;
	const struct store_row *ev = &c->row;
	const char *at, *end;
	size_t	 n = 0;

	c->eof = !c->st->next(c->st->next_arg, &c->row);
	if (c->eof)
		return SQLITE_OK;
	c->st->pending++;
	if (ev->recipient.len > 0 && (at = memrchr(ev->recipient.s, '@',
	    ev->recipient.len)) != NULL)
		for (end = ev->recipient.s + ev->recipient.len, at++; at < end &&
		    n < sizeof(c->domain) && *at != '>' && *at != '"' &&
		    *at != ' ';
		    at++)
			c->domain[n++] = (char)tolower((unsigned char)*at);
	c->dlen = n;
	return SQLITE_OK;
}

static int
batch_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxstr, int argc,
    sqlite3_value **argv)
{
	(void)idx;
	(void)idxstr;
	(void)argc;
	(void)argv;
	return batch_next(cur);
}

static int
batch_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct batch_cursor *)cur)->eof;
}

/* A string column: NULL when empty (store.h), else text in place. */
static void
result_text(sqlite3_context *ctx, struct store_text t)
{
	if (t.len == 0)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_text(ctx, t.s, (int)t.len, SQLITE_STATIC);
}

static int
batch_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	struct batch_cursor *c = (struct batch_cursor *)cur;
	const struct store_row *ev = &c->row;
	const unsigned char *b = (const unsigned char *)ev->ip.s;

	switch (col) {
	case 0:
		sqlite3_result_int64(ctx, ev->time);
		break;
	case 1:
		sqlite3_result_int(ctx, ev->kind);
		break;
	case 2:
		if (ev->ip.len == 4)
			sqlite3_result_int64(ctx, (int64_t)((uint32_t)b[0] << 24 |
			    (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]));
		else if (ev->ip.len == 16)
			sqlite3_result_blob(ctx, b, 16, SQLITE_STATIC);
		else
			sqlite3_result_null(ctx);
		break;
	case 3:
		result_text(ctx, ev->user);
		break;
	case 4:
		if (ev->has_sender)
			sqlite3_result_text(ctx, ev->sender.s,
			    (int)ev->sender.len, SQLITE_STATIC);
		else
			sqlite3_result_null(ctx);
		break;
	case 5:
		if (c->dlen == 0)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_text(ctx, c->domain, (int)c->dlen,
			    SQLITE_TRANSIENT);
		break;
	case 6:
		result_text(ctx, ev->recipient);
		break;
	case 7:
		sqlite3_result_text(ctx, ev->mta.s, (int)ev->mta.len,
		    SQLITE_STATIC);
		break;
	case 8:
		result_text(ctx, ev->service);
		break;
	case 9:
		if (ev->code)
			sqlite3_result_int(ctx, ev->code);
		else
			sqlite3_result_null(ctx);
		break;
	case 10:
		sqlite3_result_int64(ctx, c->st->next_source);
		break;
	case 11:
		sqlite3_result_int64(ctx, ev->offset);
		break;
	case 12:
		store_detail(&c->st->detail, ev);
		if (c->st->detail.len == 0)
			sqlite3_result_null(ctx);
		else
			sqlite3_result_text(ctx, c->st->detail.buf,
			    (int)c->st->detail.len, SQLITE_TRANSIENT);
		break;
	case 13:
		sqlite3_result_text(ctx, ev->raw.s, (int)ev->raw.len,
		    SQLITE_STATIC);
		break;
	}
	return SQLITE_OK;
}

static int
batch_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = ((struct batch_cursor *)cur)->st->pending;
	return SQLITE_OK;
}

static const sqlite3_module batch_module = {
	.xConnect = batch_connect,
	.xBestIndex = batch_best_index,
	.xDisconnect = batch_disconnect,
	.xOpen = batch_open,
	.xClose = batch_close,
	.xFilter = batch_filter,
	.xNext = batch_next,
	.xEof = batch_eof,
	.xColumn = batch_column,
	.xRowid = batch_rowid,
};

int
store_put(struct store *st, int64_t source_id, store_next_fn next, void *arg,
    char **cause)
{
	int	 rc;

	st->next = next;
	st->next_arg = arg;
	st->next_source = source_id;
	rc = sqlite3_step(st->put);
	sqlite3_reset(st->put);
	st->next = NULL;
	if (rc != SQLITE_DONE)
		return db_cause(st, cause, "cannot store an event");
	return 0;
}

int
store_purge(struct store *st, int64_t before, int64_t *n, char **cause)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, "DELETE FROM events WHERE time < ?",
	    -1, &s, NULL) != SQLITE_OK)
		return db_cause(st, cause, "cannot purge");
	sqlite3_bind_int64(s, 1, before);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		return db_cause(st, cause, "cannot purge");
	}
	sqlite3_finalize(s);
	*n = sqlite3_changes64(st->db);
	return 0;
}

int
store_meta_get(struct store *st, const char *key, char *buf, size_t size,
    char **cause)
{
	sqlite3_stmt *s;
	int	 rc;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = ?",
	    -1, &s, NULL) != SQLITE_OK)
		return db_cause(st, cause, "cannot read settings");
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		copy_field(buf, size, (const char *)sqlite3_column_text(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0));
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_cause(st, cause, "cannot read settings");
	return rc == SQLITE_ROW;
}

int
store_meta_set(struct store *st, const char *key, const char *value,
    char **cause)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO meta(key, value) VALUES "
	    "(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	    -1, &s, NULL) != SQLITE_OK)
		return db_cause(st, cause, "cannot save settings");
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		return db_cause(st, cause, "cannot save settings");
	}
	sqlite3_finalize(s);
	return 0;
}

int
store_stats(struct store *st, struct store_stats *out, char **cause)
{
	sqlite3_stmt *s;
	int	 rc;

	memset(out, 0, sizeof(*out));
	/* Counts by kind, MTA and service: one pass over the table. */
	if (sqlite3_prepare_v2(st->db, "SELECT kind, mta, service, count(*) "
	    "FROM events GROUP BY kind, mta, service", -1, &s, NULL) !=
	    SQLITE_OK)
		return db_cause(st, cause, "cannot count events");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int	 kind = sqlite3_column_int(s, 0);
		const char *mta = (const char *)sqlite3_column_text(s, 1);
		const char *svc = (const char *)sqlite3_column_text(s, 2);
		int64_t	 n = sqlite3_column_int64(s, 3);
		int	 i;

		if (kind <= 0 || kind >= EV__COUNT)
			continue;
		out->events[kind] += n;
		if (kind == EV_RELAY_DENIAL) {
			for (i = 0; i < out->n_relay_by_mta; i++)
				if (strcmp(out->relay_by_mta[i].mta,
				    mta ? mta : "other") == 0)
					break;
			if (i == out->n_relay_by_mta &&
			    i < (int)ARRAY_LEN(out->relay_by_mta)) {
				out->n_relay_by_mta++;
				copy_field(out->relay_by_mta[i].mta,
				    sizeof(out->relay_by_mta[i].mta),
				    mta ? mta : "other",
				    strlen(mta ? mta : "other"));
			}
			if (i < (int)ARRAY_LEN(out->relay_by_mta))
				out->relay_by_mta[i].n += n;
		}
		if (kind == EV_LOGIN_OK) {
			const char *k = svc ? svc : "unknown";

			for (i = 0; i < out->n_login_ok_by_service; i++)
				if (strcmp(out->login_ok_by_service[i].service,
				    k) == 0)
					break;
			if (i == out->n_login_ok_by_service &&
			    i < STORE_MAX_SERVICES) {
				out->n_login_ok_by_service++;
				copy_field(out->login_ok_by_service[i].service,
				    sizeof(out->login_ok_by_service[i].service),
				    k, strlen(k));
			}
			if (i < STORE_MAX_SERVICES)
				out->login_ok_by_service[i].n += n;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_cause(st, cause, "cannot count events");
	if (sqlite3_prepare_v2(st->db, "SELECT (SELECT count(*) FROM sources),"
	    " (SELECT min(time) FROM events), (SELECT max(time) FROM events),"
	    " (SELECT total(offset) FROM sources),"
	    " (SELECT total(lines) FROM sources)", -1, &s, NULL) != SQLITE_OK)
		return db_cause(st, cause, "cannot count sources");
	if (sqlite3_step(s) == SQLITE_ROW) {
		out->sources = sqlite3_column_int64(s, 0);
		out->first_event = sqlite3_column_int64(s, 1);
		out->last_event = sqlite3_column_int64(s, 2);
		out->bytes_ingested = (int64_t)sqlite3_column_double(s, 3);
		out->lines_ingested = (int64_t)sqlite3_column_double(s, 4);
	}
	sqlite3_finalize(s);
	return 0;
}
