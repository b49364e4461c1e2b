/*
 * cmd_ingest.c: `relayscope ingest [--follow] FILE...`.
 *
 * Each source is read from its checkpoint on; events go into the store in
 * batches, and each batch commits together with the checkpoint that covers
 * it, at a line boundary where the parser holds nothing back. So a kill at
 * any moment loses nothing and stores nothing twice, and the counts printed
 * are exactly what was committed. This thread reads and parses; the writer
 * thread (writer.h) stores, so the two overlap.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ingest.h"
#include "writer.h"
#include "../store/store.h"

#define BATCH_EVENTS 8192
#define BATCH_SECONDS 1.0
#define HOLD_SECONDS 3.0	/* the longest events are held back */
#define MAX_WARNINGS 5

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct totals {
	uint64_t lines;
	uint64_t events[EV__COUNT];	/* committed */
	uint64_t suspicious;
	uint64_t too_long;
	uint64_t binary;
	uint64_t no_timestamp;
	uint64_t too_old;
	uint64_t exim_twins;
	uint64_t backwards;
	uint64_t held_back;		/* bytes of an unterminated last line */
	double	 index_seconds;		/* building a bulk load's indexes */
	uint64_t bytes;
	int	 files_ok, files_known, files_failed;
};

struct ingest {
	struct cli	*cli;
	struct config	 cfg;
	struct store	*st;
	struct writer	*w;
	struct parser	*p;
	int		 quiet, json, follow, year;
	int		 progress;	/* stderr is a terminal */
	int64_t		 oldest;	/* events before this are too old */
	struct totals	 t;
	struct strbuf	 files_json;
	double		 started;
	double		 last_progress;
};

/* The batch being filled for one source. */
struct batch {
	struct store_source src;
	uint64_t n;		/* events in this batch */
	double	 opened;	/* when its first line was read */
	uint64_t lines;		/* lines in this batch */
	uint64_t clocked;	/* lines when the clock was last read */
	uint64_t unmatched;	/* of them, looking like events no rule read */
	int64_t	 end;		/* content offset after the last line read */
};

static void
warn_line(struct ingest *in, struct reader *r, int64_t lineno,
    uint64_t count, const char *what)
{
	if (in->quiet || count > MAX_WARNINGS)
		return;
	fprintf(stderr, "relayscope: ");
	fput_sanitized(stderr, r->name, strlen(r->name));
	fprintf(stderr, ":%lld: %s%s\n", (long long)lineno, what,
	    count == MAX_WARNINGS ? " (further such lines are only counted)" :
	    "");
}

/* A note about a file as a whole (not one of its lines). */
static void
note_file(struct ingest *in, const char *path, const char *what)
{
	if (in->quiet)
		return;
	fprintf(stderr, "relayscope: ");
	fput_sanitized(stderr, path, strlen(path));
	fprintf(stderr, ": %s\n", what);
}

/* Events stored so far in this run. */
static uint64_t
events_stored(const struct ingest *in)
{
	uint64_t n = 0;
	int	 k;

	for (k = 1; k < EV__COUNT; k++)	/* EV_NONE is never stored */
		n += in->t.events[k];
	return n;
}

static void
progress(struct ingest *in, struct reader *r, int done)
{
	double	 now = now_mono(), el = now - in->started;
	int64_t	 pos = reader_disk_pos(r);
	char	 pct[32] = "", eta[32] = "";

	if (!in->progress || (!done && now - in->last_progress < 0.25))
		return;
	in->last_progress = now;
	if (r->size > 0) {
		double	 f = (double)pos / (double)r->size;

		snprintf(pct, sizeof(pct), " %3.0f%%", f * 100);
		if (f > 0.01 && el > 0.5)
			snprintf(eta, sizeof(eta), ", %.0fs left",
			    el / f - el > 0 ? el / f - el : 0);
	}
	fprintf(stderr, "\r\033[K%s: %.1f MB, %llu lines, %.0f lines/s%s%s",
	    r->name, (double)(in->t.bytes + (uint64_t)r->pos) / 1e6,
	    (unsigned long long)in->t.lines, el > 0 ? in->t.lines / el : 0,
	    pct, eta);
	if (done)
		fputs("\r\033[K", stderr);
}

/* Hands the events the parser has ready to the batch. */
static void
drain(struct ingest *in, struct batch *b)
{
	const struct event *ev;

	while ((ev = parser_next(in->p)) != NULL) {
		if (ev->time != 0 && ev->time < in->oldest) {
			in->t.too_old++;
			continue;
		}
		writer_add(in->w, ev);
		b->n++;
	}
}

/* Submits the batch with the checkpoint at b->end. */
static int
commit(struct ingest *in, struct batch *b, char **cause)
{
	if (b->n == 0 && b->lines == 0)
		return 0;
	if (writer_submit(in->w, b->end, b->lines, b->unmatched, cause) != 0)
		return -1;
	b->lines = 0;
	b->clocked = 0;
	b->unmatched = 0;
	b->n = 0;
	return 0;
}

static int
batch_due(struct batch *b)
{
	if (b->n >= BATCH_EVENTS)
		return 1;
	/*
	 * The clock is read every 4096 lines: about every millisecond when
	 * they are parsed, less when they are skipped many at a time.
	 */
	if (b->lines - b->clocked < 4096)
		return 0;
	b->clocked = b->lines;
	return now_mono() - b->opened >= BATCH_SECONDS;
}

/* Committed totals, from the writer. */
static void
refresh_totals(struct ingest *in)
{
	writer_totals(in->w, in->t.events, &in->t.lines);
}

/*
 * Ends a batch for good: releases held events, commits the last batch and
 * waits for the writer, which is then idle (the store is ours again).
 */
static int
finish(struct ingest *in, struct batch *b, char **cause)
{
	int	 rc;

	parser_flush(in->p);
	drain(in, b);
	rc = commit(in, b, cause);
	if (writer_sync(in->w, rc == 0 ? cause : NULL) != 0)
		rc = -1;
	refresh_totals(in);
	return rc;
}

/* Lines read into the batch: n more, up to content offset end. */
static void
batch_lines(struct batch *b, uint64_t n, int64_t end)
{
	if (b->lines == 0)
		b->opened = now_mono();
	b->lines += n;
	b->end = end;
}

/*
 * Hands the events ready over; commits when the batch is due, at a line
 * where nothing is held back (parser_settled). Held events are let go
 * (a Sendmail denial then has no sender) when there are more than a
 * batch of them, or when no such line came for HOLD_SECONDS: a log of
 * Sendmail rejects alone (or a busy one) may have none for long.
 */
static int
settle(struct ingest *in, struct reader *r, struct batch *b, char **cause)
{
	drain(in, b);
	if (parser_held(in->p) > BATCH_EVENTS) {
		parser_flush(in->p);
		drain(in, b);
	}
	if (!batch_due(b))
		return 0;
	if (!parser_settled(in->p)) {
		if (now_mono() - b->opened < HOLD_SECONDS)
			return 0;
		parser_flush(in->p);
		drain(in, b);
	}
	if (commit(in, b, cause) != 0)
		return -1;
	refresh_totals(in);
	progress(in, r, 0);
	return 0;
}

/*
 * Caught up with a file being written, or a quiet pipe: commits what is
 * there, but gives a held Sendmail denial HOLD_SECONDS for its from= line
 * (written when the client's session ends) before it goes without.
 */
static int
caught_up(struct ingest *in, struct batch *b, char **cause)
{
	drain(in, b);
	if (!parser_settled(in->p) && (b->n > 0 || b->lines > 0) &&
	    now_mono() - b->opened < HOLD_SECONDS)
		return writer_sync(in->w, cause);
	return finish(in, b, cause);
}

/* The over-long lines the reader skipped, as far as pump() has seen. */
struct long_seen {
	uint64_t	 warned;	/* of reader.too_long */
	uint64_t	 counted;	/* of reader.too_long_done */
};

/*
 * Over-long lines skipped since the last call: each named in a warning
 * (they are the lines up to last, one after another), and those read to
 * their end counted as lines read.
 */
static void
long_lines(struct ingest *in, struct reader *r, struct batch *b,
    struct long_seen *seen, int64_t last)
{
	uint64_t k;

	for (k = r->too_long - seen->warned; k > 0; k--) {
		in->t.too_long++;
		warn_line(in, r, last - (int64_t)k + 1, in->t.too_long,
		    "line longer than 64 KiB skipped");
	}
	seen->warned = r->too_long;
	if (r->too_long_done != seen->counted) {
		batch_lines(b, r->too_long_done - seen->counted, r->pos);
		seen->counted = r->too_long_done;
	}
}

/*
 * Reads lines until EOF (or, following, until nothing new is there), storing
 * events and committing at safe points. Returns 0, or -1 with a cause.
 */
static int
pump(struct ingest *in, struct reader *r, struct batch *b, int final,
    char **cause)
{
	char	*line;
	size_t	 len;
	int64_t	 off;
	int	 rc = 0;
	struct long_seen seen = { r->too_long, r->too_long_done };

	r->idle_check = 1;
	while (!stop_requested) {
		const char *text;
		size_t	 tlen;
		int64_t	 n;
		int	 whole;

		/*
		 * Lines that cannot hold an event (most of them), many at a
		 * time: no envelope and no rule is read for them. They are
		 * looked through 64 KiB at a time, the most a span takes, so
		 * that the newlines counted on the way are the span's.
		 */
		if (r->quiet_end <= r->pos) {
			size_t	 win = reader_ahead(r), q;

			if (win > READER_MAX_LINE)
				win = READER_MAX_LINE;
			q = parser_quiet(in->p, reader_here(r), win,
			    &r->quiet_lines);
			r->quiet_from = r->pos;
			r->quiet_end = r->pos + (int64_t)q;
			r->quiet_open = q > 0 && q == win;
		}
		if ((tlen = reader_quiet_span(r, r->quiet_end, &text,
		    &whole)) > 0) {
			n = (int64_t)parser_feed_quiet(in->p, text, tlen,
			    whole && r->pos == r->quiet_from ? r->quiet_lines :
			    0);
			reader_consume(r, tlen, n);
			/* The line the window cut: looked at afresh. */
			if (r->quiet_open)
				r->quiet_end = r->pos;
			batch_lines(b, (uint64_t)n, r->pos);
			if (settle(in, r, b, cause) != 0)
				return -1;
			continue;
		}
		if ((rc = reader_line(r, &line, &len, &off, final)) == 0)
			break;
		if (rc == 2) {
			/*
			 * A pipe went quiet: never hold the write lock while
			 * waiting for input. What came a second ago or more
			 * is committed now (a steady trickle is never quiet
			 * for a second). Then give a second for the rest of a
			 * burst, and commit what we have: caught up, build
			 * what a bulk load left to its end.
			 */
			if ((b->n || b->lines) && now_mono() - b->opened >=
			    BATCH_SECONDS && caught_up(in, b, cause) != 0)
				return -1;
			if (!reader_ready(r, 1000) && ((b->n || b->lines ?
			    caught_up(in, b, cause) : writer_sync(in->w,
			    cause)) != 0 || store_build_indexes(in->st,
			    cause) != 0))
				return -1;
			r->idle_check = 0;
			continue;
		}
		if (rc < 0)
			break;
		r->idle_check = 1;
		/* Over-long lines the reader skipped right before this one. */
		long_lines(in, r, b, &seen, r->lineno - 1);
		batch_lines(b, 1, r->pos);
		if (r->binary) {
			in->t.binary++;
			warn_line(in, r, r->lineno, in->t.binary,
			    "binary data (NUL bytes) skipped");
			continue;
		}
		parser_feed(in->p, line, len, off);
		b->unmatched += parser_last_suspicious(in->p) != 0;
		if (settle(in, r, b, cause) != 0)
			return -1;
	}
	long_lines(in, r, b, &seen, r->lineno);
	/* Inside an over-long line still being written: resume at its start. */
	b->end = r->skipping ? r->skip_from : r->pos;
	if (rc < 0 && !stop_requested) {
		set_cause(cause, "cannot read '%s': %s", r->name,
		    reader_error(r));
		return -2;
	}
	return 0;
}

static void
file_json(struct ingest *in, const char *name, const char *status,
    uint64_t lines, uint64_t events, const char *error)
{
	struct strbuf *sb = &in->files_json;

	if (sb->len)
		sb_addstr(sb, ",");
	sb_addstr(sb, "{\"name\":\"");
	sb_json_str(sb, name, strlen(name));
	sb_addf(sb, "\",\"status\":\"%s\",\"lines\":%llu,\"events\":%llu",
	    status, (unsigned long long)lines, (unsigned long long)events);
	if (error != NULL) {
		sb_addstr(sb, ",\"error\":\"");
		sb_json_str(sb, error, strlen(error));
		sb_addstr(sb, "\"");
	}
	sb_addstr(sb, "}");
}

static int
same_file(struct reader *r)
{
	struct stat sb;

	if (stat(r->name, &sb) == -1)
		return 0;
	return sb.st_dev == r->dev && sb.st_ino == r->ino;
}

/* Ingests one source; with follow, keeps reading it like tail -F. */
static int
ingest_one(struct ingest *in, const char *path)
{
	struct reader r;
	struct batch b;
	struct stat sb;
	char	*cause = NULL;
	const char *head;
	size_t	 hlen;
	int	 found, final, rc, cut = 0, closed = 0;
	int64_t	 from = 0;
	uint64_t lines0 = in->t.lines, ev0 = events_stored(in);
	time_t	 mtime = 0;

	memset(&b, 0, sizeof(b));
reopen:
	if (reader_open(&r, path, &cause) != 0)
		goto fail;
	r.stop = &stop_requested;	/* a signal ends a wait for input */
	if (!r.is_stdin && fstat(r.fd, &sb) == 0)
		mtime = sb.st_mtime;
	parser_reset(in->p, (int64_t)(mtime ? mtime : time(NULL)));
	if (reader_head(&r, &head, &hlen) != 0) {
		set_cause(&cause, "cannot read '%s': %s", path,
		    reader_error(&r));
		goto fail;
	}
	while (hlen == 0 && in->follow && !r.is_stdin && !stop_requested) {
		usleep(200 * 1000);
		r.eof = 0;
		if (reader_head(&r, &head, &hlen) != 0) {
			set_cause(&cause, "cannot read '%s': %s", path,
			    reader_error(&r));
			goto fail;
		}
	}
	if (hlen == 0) {
		reader_close(&r);
		in->t.files_ok++;
		file_json(in, path, "empty", 0, 0, NULL);
		return 0;
	}
	/* The writer is idle between sources: the store is ours here. */
	if ((found = store_source_lookup(in->st, head, hlen, &b.src,
	    &cause)) < 0)
		goto fail;
	/* A source keeps the name it was first read under, stdin aside. */
	if (!found || strcmp(b.src.name, "-") == 0)
		copy_field(b.src.name, sizeof(b.src.name), path, strlen(path));
	writer_source(in->w, &b.src);
	if (found && (rc = reader_skip(&r, b.src.offset, &cause)) != 0) {
		if (rc < 0)
			goto fail;
		/*
		 * Shorter than what was read from it: a copy made while the
		 * file was still being written (copytruncate). Nothing new.
		 */
		{
			char	*what = xasprintf("shorter than the %lld bytes "
			    "already read from it (a copy cut short): nothing "
			    "new", (long long)b.src.offset);

			note_file(in, path, what);
			free(what);
		}
		in->t.files_known++;
		file_json(in, path, "already ingested", 0, 0, NULL);
		reader_close(&r);
		return 0;
	}
	/* Line numbers in messages go on from the lines already read. */
	if (found)
		r.lineno = b.src.lines;
	from = r.pos;
	b.end = b.src.offset;
	final = 0;
	for (;;) {
		if ((rc = pump(in, &r, &b, final, &cause)) != 0) {
			cut = rc == -2;
			goto fail;
		}
		progress(in, &r, 0);
		if (!in->follow || stop_requested || r.is_stdin)
			break;
		/* Following: commit what we have, then watch the path. */
		if (caught_up(in, &b, &cause) != 0)
			goto fail;
		/* Caught up: build what a bulk load left, not on the next line. */
		if (store_build_indexes(in->st, &cause) != 0)
			goto fail;
		usleep(200 * 1000);
		if (!same_file(&r)) {
			/* Rotated by rename: drain the old file, then reopen. */
			r.eof = 0;
			if ((rc = pump(in, &r, &b, 1, &cause)) != 0) {
				cut = rc == -2;
				goto fail;
			}
			if (finish(in, &b, &cause) != 0)
				goto fail;
			in->t.bytes += (uint64_t)(r.pos - from);
			reader_close(&r);
			while (!stop_requested && access(path, R_OK) != 0)
				usleep(200 * 1000);
			if (stop_requested) {
				closed = 1;	/* and counted */
				break;
			}
			memset(&b, 0, sizeof(b));
			goto reopen;
		}
		/* (A .gz is compared by what was read of it, not its text.) */
		if (fstat(r.fd, &sb) == 0 &&
		    (int64_t)sb.st_size < reader_disk_pos(&r)) {
			/* Truncated in place (copytruncate): start over. */
			if (finish(in, &b, &cause) != 0)
				goto fail;
			in->t.bytes += (uint64_t)(r.pos - from);
			reader_close(&r);
			memset(&b, 0, sizeof(b));
			goto reopen;
		}
		r.eof = 0;
	}
	if (finish(in, &b, &cause) != 0)
		goto fail;
	if (!closed) {
		progress(in, &r, 1);
		if (r.end > r.start && !r.is_stdin && r.z == NULL) {
			char	*what = xasprintf("the last line has no newline "
			    "yet (%zu bytes); it is read when it is complete",
			    r.end - r.start);

			in->t.held_back += r.end - r.start;
			note_file(in, path, what);
			free(what);
		}
		in->t.bytes += (uint64_t)(r.pos - from);
	}
	if (found && in->t.lines == lines0)
		in->t.files_known++;
	else
		in->t.files_ok++;
	file_json(in, path, found && in->t.lines == lines0 ?
	    "already ingested" : "ingested", in->t.lines - lines0,
	    events_stored(in) - ev0, NULL);
	reader_close(&r);
	return 0;
fail:
	/*
	 * A read that failed (a gzip file cut short, an I/O error) leaves
	 * the whole lines before it good: they are stored, and a next run
	 * resumes after them.
	 */
	if (cut) {
		char	*why = NULL;

		if (finish(in, &b, &why) != 0) {
			free(cause);
			cause = why;
			cut = 0;
		}
	}
	/*
	 * Whatever was submitted commits or fails; then the store is idle.
	 * What was read since is dropped, so none of it is stored under the
	 * next source: this one resumes from its last checkpoint.
	 */
	writer_sync(in->w, NULL);
	writer_discard(in->w);
	refresh_totals(in);
	parser_flush(in->p);
	while (parser_next(in->p) != NULL)
		;
	if (in->progress)
		fputs("\r\033[K", stderr);
	if (cut)
		cli_error("%s (the %llu lines before it are stored)", cause,
		    (unsigned long long)(in->t.lines - lines0));
	else
		cli_error("%s", cause ? cause : "ingest failed");
	file_json(in, path, "failed", in->t.lines - lines0,
	    events_stored(in) - ev0, cause);
	free(cause);
	in->t.files_failed++;
	if (r.buf != NULL)
		reader_close(&r);
	return -1;
}

static void
summary(struct ingest *in)
{
	const struct parser_stats *ps = parser_get_stats(in->p);
	double	 el = now_mono() - in->started;
	uint64_t total = events_stored(in);
	int	 k;

	in->t.suspicious = ps->unmatched_suspicious;
	in->t.no_timestamp = ps->no_envelope;
	in->t.exim_twins = ps->exim_twins;
	in->t.backwards = ps->time_backwards;
	if (in->json) {
		struct strbuf sb;

		sb_init(&sb, 0);
		sb_addf(&sb, "{\"ok\":%s,\"files\":[%s],\"lines\":%llu,"
		    "\"bytes\":%llu,\"events\":{",
		    in->t.files_failed ? "false" : "true",
		    in->files_json.buf ? in->files_json.buf : "",
		    (unsigned long long)in->t.lines,
		    (unsigned long long)in->t.bytes);
		for (k = 1; k < EV__COUNT; k++)
			sb_addf(&sb, "%s\"%s\":%llu", k > 1 ? "," : "",
			    parser_kind_name(k),
			    (unsigned long long)in->t.events[k]);
		sb_addf(&sb, "},\"events_total\":%llu,"
		    "\"suspicious_unmatched\":%llu,\"skipped\":{"
		    "\"too_long\":%llu,\"binary\":%llu,\"older_than_retention\":"
		    "%llu},\"no_timestamp\":%llu,\"exim_duplicates\":%llu,"
		    "\"timestamps_backwards\":%llu,\"held_back_bytes\":%llu,"
		    "\"seconds\":%.3f,\"index_seconds\":%.6f}\n",
		    (unsigned long long)total,
		    (unsigned long long)in->t.suspicious,
		    (unsigned long long)in->t.too_long,
		    (unsigned long long)in->t.binary,
		    (unsigned long long)in->t.too_old,
		    (unsigned long long)in->t.no_timestamp,
		    (unsigned long long)in->t.exim_twins,
		    (unsigned long long)in->t.backwards,
		    (unsigned long long)in->t.held_back, el,
		    in->t.index_seconds);
		fputs(sb.buf, stdout);
		sb_release(&sb);
		return;
	}
	if (in->quiet)
		return;
	printf("ingested %d file%s (%d already known, %d failed): %llu lines, "
	    "%.1f MB in %.2fs\n", in->t.files_ok, in->t.files_ok == 1 ? "" :
	    "s", in->t.files_known, in->t.files_failed,
	    (unsigned long long)in->t.lines, (double)in->t.bytes / 1e6, el);
	printf("stored %llu events:", (unsigned long long)total);
	for (k = 1; k < EV__COUNT; k++)
		printf(" %s %llu%s", parser_kind_name(k),
		    (unsigned long long)in->t.events[k],
		    k + 1 < EV__COUNT ? "," : "\n");
	if (in->t.suspicious)
		printf("suspicious lines no rule matched: %llu (see "
		    "'relayscope rules test FILE')\n",
		    (unsigned long long)in->t.suspicious);
	if (in->t.too_long || in->t.binary || in->t.too_old)
		printf("skipped: %llu longer than 64 KiB, %llu binary, %llu "
		    "older than the retention\n",
		    (unsigned long long)in->t.too_long,
		    (unsigned long long)in->t.binary,
		    (unsigned long long)in->t.too_old);
	if (in->t.no_timestamp)
		printf("lines that may hold an event without a readable "
		    "timestamp: %llu\n",
		    (unsigned long long)in->t.no_timestamp);
	if (in->t.exim_twins)
		printf("Exim syslog duplicates collapsed: %llu\n",
		    (unsigned long long)in->t.exim_twins);
	if (in->t.backwards)
		printf("timestamps going backwards (normal in merged logs): "
		    "%llu\n", (unsigned long long)in->t.backwards);
}

static void
ingest_usage(FILE *f)
{
	fprintf(f, "usage: relayscope [--config FILE] ingest [-q] [--json] "
	    "[--follow] [--year N] [FILE...]\n\n"
	    "Reads mail logs into the database: relay denials, other "
	    "rejections and\nPOP/IMAP/SMTP AUTH logins. FILE may be a plain or "
	    "gzip-compressed log, or -\nfor standard input. A file is known "
	    "by its first KiB, so a rotated, renamed\nor compressed copy of "
	    "what was already read adds nothing. Without FILE, the\n"
	    "config's sources are read.\n\n"
	    "  -f, --follow  keep reading as the file grows, across rotation "
	    "(like tail -F)\n"
	    "  -q, --quiet   no progress line and no summary\n"
	    "      --json    the summary as JSON on stdout\n"
	    "      --year N  the year of timestamps that have none "
	    "(default: inferred)\n"
	    "  -h, --help    this text\n");
}

static int
maybe_purge(struct ingest *in)
{
	char	 buf[32], *cause = NULL;
	int64_t	 now = (int64_t)time(NULL), last, n;

	if (in->cfg.retention <= 0)
		return 0;
	if (store_meta_get(in->st, "last_purge", buf, sizeof(buf), &cause) < 0)
		goto fail;
	last = strtoll(buf, NULL, 10);
	if (now - last < 86400)
		return 0;
	if (store_begin(in->st, &cause) != 0 ||
	    store_purge(in->st, now - in->cfg.retention, &n, &cause) != 0)
		goto fail;
	snprintf(buf, sizeof(buf), "%lld", (long long)now);
	if (store_meta_set(in->st, "last_purge", buf, &cause) != 0 ||
	    store_commit(in->st, &cause) != 0)
		goto fail;
	if (n > 0 && !in->quiet && !in->json)
		printf("purged %lld events older than the retention\n",
		    (long long)n);
	return 0;
fail:
	store_rollback(in->st);
	cli_error("%s", cause);
	free(cause);
	return -1;
}

int
cmd_ingest(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "year", required_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ingest in;
	char	*cause = NULL, *end, **files;
	int	 c, i, nfiles, rc = EXIT_OK;
	struct sigaction sa;

	memset(&in, 0, sizeof(in));
	in.cli = cli;
	optind = 1;
	while ((c = getopt_long(argc, argv, "fqh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			in.follow = 1;
			break;
		case 'q':
			in.quiet = 1;
			break;
		case 'j':
			in.json = 1;
			break;
		case 'y':
			in.year = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || in.year < 1970 || in.year > 9999) {
				cli_error("--year: '%s' is not a year", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			ingest_usage(stdout);
			return EXIT_OK;
		default:
			ingest_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (cli_load_config(cli, &in.cfg) != 0)
		return EXIT_CONFIG;
	/* No FILE: the config's sources. */
	if (optind == argc && in.cfg.n_sources > 0) {
		size_t	 k;

		files = xcalloc(in.cfg.n_sources, sizeof(*files));
		for (k = 0; k < in.cfg.n_sources; k++)
			files[k] = in.cfg.sources[k].path;
		nfiles = (int)in.cfg.n_sources;
	} else {
		files = argv + optind;
		nfiles = argc - optind;
	}
	if (nfiles == 0) {
		cli_error("ingest: no FILE given and no sources in the config "
		    "(use - for standard input)");
		ingest_usage(stderr);
		config_release(&in.cfg);
		return EXIT_USAGE;
	}
	if (in.follow && nfiles > 1) {
		cli_error("ingest --follow takes one file");
		config_release(&in.cfg);
		free(files == argv + optind ? NULL : files);
		return EXIT_USAGE;
	}
	if ((in.p = cli_open_parser(&in.cfg, in.year, 0, 0, &cause)) == NULL) {
		cli_error("%s", cause);
		free(cause);
		config_release(&in.cfg);
		return EXIT_CONFIG;
	}
	if (!in.quiet && !in.json)
		cli_warn_slow_rules(&in.cfg, in.p);
	if ((in.st = store_open(in.cfg.database, STORE_BACKGROUND,
	    &cause)) == NULL) {
		cli_error("%s", cause);
		free(cause);
		parser_close(in.p);
		config_release(&in.cfg);
		return EXIT_FAIL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	in.progress = !in.quiet && !in.json && isatty(2);
	in.oldest = in.cfg.retention > 0 ? (int64_t)time(NULL) -
	    in.cfg.retention : INT64_MIN;
	sb_init(&in.files_json, 0);
	in.started = now_mono();
	if (maybe_purge(&in) != 0)
		rc = EXIT_FAIL;
	/* A file that fails does not stop the others; the exit status says. */
	in.w = writer_start(in.st);
	for (i = 0; i < nfiles && !stop_requested; i++)
		if (ingest_one(&in, files[i]) != 0)
			rc = EXIT_FAIL;
	/* A bulk load builds its indexes at the end: say so, it takes a while. */
	if (in.progress)
		fputs("building indexes...", stderr);
	if (writer_stop(in.w, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		rc = EXIT_FAIL;
	} else {
		double	 t = now_mono();

		if (store_build_indexes(in.st, &cause) != 0) {
			cli_error("%s", cause);
			free(cause);
			rc = EXIT_FAIL;
		}
		in.t.index_seconds = now_mono() - t;
	}
	if (in.progress)
		fputs("\r\033[K", stderr);
	summary(&in);
	sb_release(&in.files_json);
	store_close(in.st);
	parser_close(in.p);
	if (files != argv + optind)
		free(files);
	config_release(&in.cfg);
	return rc;
}
