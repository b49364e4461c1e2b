/*
 * ingest.h: reading log sources line by line, shared by `ingest` and
 * `rules test`.
 *
 * A reader yields complete lines (NUL-terminated in place, without the
 * newline) with their byte offsets in the (decompressed) content. Lines
 * over READER_MAX_LINE bytes are skipped and counted; a gzip file or
 * stream is read directly. An unterminated last line of a regular file is
 * held back (it may still be being written) unless the reader is told the
 * content is final.
 */
#ifndef RS_INGEST_H
#define RS_INGEST_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>

#include "cli.h"
#include "../parser/parser.h"

#define READER_MAX_LINE (64 * 1024)
#define READER_GZ_CUT	1	/* gzip content that ends early */
#define READER_GZ_BAD	2	/* gzip content that is not valid */

struct reader {
	char		*name;		/* as given, "-" for stdin */
	int		 fd;
	z_stream	*z;		/* gzip content, else NULL */
	char		*zbuf;		/* compressed input */
	int		 sniffed, zeof, zmid;
	int64_t		 disk;		/* bytes read from fd */
	int		 is_stdin, regular;
	dev_t		 dev;
	ino_t		 ino;
	int64_t		 size;		/* of the file on disk, 0 unknown */
	char		*buf;
	size_t		 cap, start, end;
	int64_t		 pos;		/* content offset of buf[start] */
	int		 eof;
	int		 skipping;	/* inside an over-long line */
	int64_t		 skip_from;	/* where that line starts: a checkpoint
					   never lies inside it */
	int64_t		 lineno;	/* lines yielded or skipped so far */
	uint64_t	 too_long;
	uint64_t	 too_long_done;	/* of them, those read to their end
					   (counted as lines read) */
	int		 read_error;	/* errno of a failed read */
	int		 zerr;		/* why gzip content failed:
					   READER_GZ_CUT or READER_GZ_BAD
					   (then read_error is EIO) */
	int		 idle_check;	/* reader_line returns 2 when a pipe
					   has nothing to read yet */
	int64_t		 nul;		/* 1 + content offset of the first NUL
					   byte at or after pos; 0: none in
					   the buffer */
	int		 binary;	/* the last line had a NUL byte */
	int64_t		 quiet_end;	/* content before it holds no rule's
					   literal (parser_quiet) */
	int64_t		 quiet_from;	/* where parser_quiet looked from */
	uint64_t	 quiet_lines;	/* newlines from there to quiet_end */
	int		 quiet_open;	/* no literal up to quiet_end: the line
					   it cuts is looked at afresh */
	const volatile sig_atomic_t *stop; /* set: a read a signal interrupts
					   gives up (else it is retried) */
};

int	 reader_open(struct reader *, const char *path, char **cause);
void	 reader_close(struct reader *);
/* Reads the first STORE_HEAD bytes (fewer at EOF) without consuming them. */
int	 reader_head(struct reader *, const char **head, size_t *len);
/*
 * Moves forward to content offset off (lseek or read and discard).
 * Returns 0; 1 when the content ends before off (a copy cut short: all of
 * it is behind off); -1 with a cause.
 */
int	 reader_skip(struct reader *, int64_t off, char **cause);
/*
 * Next line: 1 with line, len and off set (and binary when the line holds
 * a NUL byte, found a buffer at a time rather than a line at a time); 0 at EOF (or no complete line
 * yet); 2 when idle_check is set and a pipe has no data yet; -1 on a read
 * error. final: take an unterminated last line too.
 */
int	 reader_line(struct reader *, char **line, size_t *len, int64_t *off,
	    int final);
/* The content read in and not yet consumed: where, and how many bytes. */
const char *reader_here(const struct reader *);
size_t	 reader_ahead(const struct reader *);
/*
 * Whole lines at once: reader_quiet_span() gives the text of those that
 * end before content offset until, within 64 KiB (so none is over-long)
 * and before a NUL byte (so none is binary); returns its length, newlines
 * included (0: none), and sets *whole when it holds every newline before
 * until (neither limit cut it). reader_consume() then takes them, lines
 * of them.
 */
size_t	 reader_quiet_span(const struct reader *, int64_t until,
	    const char **text, int *whole);
void	 reader_consume(struct reader *, size_t len, int64_t lines);
/* Is there data to read within timeout_ms? */
int	 reader_ready(struct reader *, int timeout_ms);
/* What went wrong with the last read, for a message. */
const char *reader_error(const struct reader *);
/* Bytes consumed so far, on disk (compressed offset for gzip). */
int64_t	 reader_disk_pos(struct reader *);

/* Builds the parser from the config's rules (operator rules first). */
struct parser *cli_open_parser(const struct config *, int year,
	    int64_t ref_time, int find_suspicious, char **cause);

#endif
