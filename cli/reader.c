/* reader.c: lines from files, gzip files and stdin. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "ingest.h"
#include "../store/store.h"

#define READER_BUF (1024 * 1024)
#define READER_ZBUF (128 * 1024)

int
reader_open(struct reader *r, const char *path, char **cause)
{
	struct stat sb;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->name = xstrdup(path);
	r->cap = READER_BUF;
	r->buf = xmalloc(r->cap + 1);
	if (strcmp(path, "-") == 0) {
		r->is_stdin = 1;
		r->fd = 0;
		return 0;
	}
	if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return set_cause(cause, "cannot open '%s': %s", path,
		    strerror(errno));
	if (fstat(r->fd, &sb) == -1)
		return set_cause(cause, "cannot stat '%s': %s", path,
		    strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return set_cause(cause, "'%s' is a directory: give the log "
		    "files in it", path);
	r->regular = S_ISREG(sb.st_mode);
	r->dev = sb.st_dev;
	r->ino = sb.st_ino;
	r->size = r->regular ? (int64_t)sb.st_size : 0;
	return 0;
}

void
reader_close(struct reader *r)
{
	if (r->z != NULL) {
		inflateEnd(r->z);
		free(r->z);
		free(r->zbuf);
	}
	if (r->fd > 0)
		close(r->fd);
	free(r->buf);
	free(r->name);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

static ssize_t
raw_read(struct reader *r, char *p, size_t n)
{
	ssize_t	 got;

	do
		got = read(r->fd, p, n);
	while (got < 0 && errno == EINTR && (r->stop == NULL || !*r->stop));
	if (got < 0)
		r->read_error = errno;
	else
		r->disk += got;
	return got;
}

/*
 * Decompresses into p: gzip members one after another (as `cat a.gz b.gz`
 * makes), returning as soon as some output is there, so a pipe is never
 * waited on for more than it has.
 */
static ssize_t
inflate_read(struct reader *r, char *p, size_t n)
{
	z_stream *z = r->z;
	int	 rc;

	z->next_out = (Bytef *)p;
	z->avail_out = (uInt)n;
	while (z->avail_out == n) {
		if (z->avail_in == 0) {
			ssize_t	 got;

			if (r->zeof)
				return 0;
			got = raw_read(r, r->zbuf, READER_ZBUF);
			if (got < 0)
				return -1;
			if (got == 0) {
				r->zeof = 1;
				if (r->zmid) {
					r->read_error = EIO;
					r->zerr = READER_GZ_CUT;
					return -1;
				}
				return 0;
			}
			z->next_in = (Bytef *)r->zbuf;
			z->avail_in = (uInt)got;
		}
		rc = inflate(z, Z_NO_FLUSH);
		r->zmid = 1;
		if (rc == Z_STREAM_END) {
			r->zmid = 0;
			if (inflateReset(z) != Z_OK) {
				r->read_error = EIO;
				r->zerr = READER_GZ_BAD;
				return -1;
			}
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			r->read_error = EIO;
			r->zerr = READER_GZ_BAD;
			return -1;
		}
	}
	return (ssize_t)(n - z->avail_out);
}

/* Appends more content to the buffer; returns bytes read, 0 EOF, -1. */
static ssize_t
fill(struct reader *r)
{
	ssize_t	 n;
	size_t	 room;

	if (r->start > 0 && (r->start == r->end || r->end == r->cap)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	room = r->cap - r->end;
	if (room == 0)
		return -2;
	if (!r->sniffed) {
		/*
		 * gzip is known by its magic bytes, not by its name. The
		 * first read is no bigger than the compressed input buffer,
		 * where it goes when it is gzip.
		 */
		r->sniffed = 1;
		n = raw_read(r, r->buf + r->end, room < READER_ZBUF ? room :
		    READER_ZBUF);
		if (n >= 2 && (unsigned char)r->buf[r->end] == 0x1f &&
		    (unsigned char)r->buf[r->end + 1] == 0x8b) {
			r->z = xcalloc(1, sizeof(*r->z));
			r->zbuf = xmalloc(READER_ZBUF);
			if (inflateInit2(r->z, 16 + MAX_WBITS) != Z_OK) {
				r->read_error = ENOMEM;
				return -1;
			}
			memcpy(r->zbuf, r->buf + r->end, (size_t)n);
			r->z->next_in = (Bytef *)r->zbuf;
			r->z->avail_in = (uInt)n;
			n = inflate_read(r, r->buf + r->end, room);
		}
	} else if (r->z != NULL)
		n = inflate_read(r, r->buf + r->end, room);
	else
		n = raw_read(r, r->buf + r->end, room);
	if (n < 0)
		return -1;
	if (r->nul == 0 && n > 0) {
		const char *z = memchr(r->buf + r->end, '\0', (size_t)n);

		if (z != NULL)
			r->nul = r->pos + (int64_t)(z - (r->buf + r->start)) + 1;
	}
	r->end += (size_t)n;
	return n;
}

size_t
reader_quiet_span(const struct reader *r, int64_t until, const char **text,
    int *whole)
{
	const char *s = r->buf + r->start, *nl;
	int64_t	 room = (int64_t)(r->end - r->start);

	*whole = 0;
	if (r->skipping)
		return 0;
	if (until - r->pos < room)
		room = until - r->pos;
	*whole = room == until - r->pos;
	if (room > READER_MAX_LINE) {
		room = READER_MAX_LINE;
		*whole = 0;
	}
	/* Never over a NUL byte (binary lines are counted one by one). */
	if (r->nul != 0 && r->nul - 1 - r->pos < room) {
		room = r->nul - 1 - r->pos;
		*whole = 0;
	}
	if (room <= 0 || (nl = memrchr(s, '\n', (size_t)room)) == NULL)
		return 0;
	*text = s;
	return (size_t)(nl - s) + 1;
}

void
reader_consume(struct reader *r, size_t len, int64_t lines)
{
	r->start += len;
	r->pos += (int64_t)len;
	r->lineno += lines;
	r->binary = 0;
}

size_t
reader_ahead(const struct reader *r)
{
	return r->end - r->start;
}

const char *
reader_here(const struct reader *r)
{
	return r->buf + r->start;
}

/* After consuming past the known NUL byte: look for the next one. */
static void
next_nul(struct reader *r)
{
	const char *s = r->buf + r->start, *z;

	if (r->nul == 0 || r->nul > r->pos)
		return;
	z = memchr(s, '\0', r->end - r->start);
	r->nul = z != NULL ? r->pos + (int64_t)(z - s) + 1 : 0;
}

int
reader_head(struct reader *r, const char **head, size_t *len)
{
	while (r->end - r->start < STORE_HEAD && !r->eof) {
		ssize_t	 n;

		/* A quiet pipe: a shorter head identifies it well enough. */
		if (!r->regular && r->end > r->start && !reader_ready(r, 1000))
			break;
		n = fill(r);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
	}
	*head = r->buf + r->start;
	*len = r->end - r->start < STORE_HEAD ? r->end - r->start : STORE_HEAD;
	return 0;
}

int
reader_skip(struct reader *r, int64_t off, char **cause)
{
	if (off <= r->pos)
		return 0;
	if (r->z == NULL && r->regular) {
		if (off > r->size)
			return 1;
		if (lseek(r->fd, (off_t)off, SEEK_SET) == -1)
			return set_cause(cause, "cannot seek in '%s': %s",
			    r->name, strerror(errno));
		r->start = r->end = 0;
		r->pos = off;
		r->nul = 0;
		return 0;
	}
	while (r->pos < off) {
		size_t	 have = r->end - r->start;

		if (have == 0) {
			ssize_t	 n = fill(r);

			if (n < 0)
				return set_cause(cause, "cannot read '%s': %s",
				    r->name, reader_error(r));
			if (n == 0)
				return 1;
			continue;
		}
		if ((int64_t)have > off - r->pos)
			have = (size_t)(off - r->pos);
		r->start += have;
		r->pos += (int64_t)have;
		next_nul(r);
	}
	return 0;
}

int
reader_line(struct reader *r, char **line, size_t *len, int64_t *off,
    int final)
{
	for (;;) {
		char	*s = r->buf + r->start;
		size_t	 have = r->end - r->start;
		char	*nl = have ? memchr(s, '\n', have) : NULL;

		if (nl != NULL) {
			size_t	 n = (size_t)(nl - s);
			int	 skip = r->skipping;

			r->start += n + 1;
			*off = r->pos;
			r->pos += (int64_t)(n + 1);
			r->skipping = 0;
			r->binary = r->nul != 0 && r->nul <= r->pos;
			next_nul(r);
			if (skip) {
				r->too_long_done++;
				continue;	/* the tail of a long line */
			}
			r->lineno++;
			if (n > READER_MAX_LINE) {
				r->too_long++;
				r->too_long_done++;
				continue;
			}
			if (n > 0 && s[n - 1] == '\r')
				n--;
			s[n] = '\0';
			*line = s;
			*len = n;
			return 1;
		}
		if (have > READER_MAX_LINE) {
			/* Drop what we have of an over-long line. */
			if (!r->skipping) {
				r->lineno++;
				r->too_long++;
				r->skip_from = r->pos;
			}
			r->skipping = 1;
			r->start += have;
			r->pos += (int64_t)have;
			next_nul(r);
			continue;
		}
		if (!r->eof) {
			ssize_t	 n;

			/* A pipe with nothing to read yet: let the caller commit. */
			if (!r->regular && r->idle_check && !reader_ready(r, 0))
				return 2;
			n = fill(r);

			if (n < 0)
				return -1;
			if (n > 0)
				continue;
			r->eof = 1;
		}
		/* EOF: an unterminated last line. */
		if (have > 0 && (final || r->is_stdin || r->z != NULL)) {
			if (r->skipping) {
				r->start += have;
				r->pos += (int64_t)have;
				r->skipping = 0;
				r->too_long_done++;
				next_nul(r);
				return 0;
			}
			*off = r->pos;
			r->start += have;
			r->pos += (int64_t)have;
			r->lineno++;
			r->binary = r->nul != 0 && r->nul <= r->pos;
			next_nul(r);
			s[have] = '\0';
			*line = s;
			*len = have;
			return 1;
		}
		return 0;
	}
}

int
reader_ready(struct reader *r, int timeout_ms)
{
	struct pollfd pfd;

	pfd.fd = r->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, timeout_ms) != 0;
}

int64_t
reader_disk_pos(struct reader *r)
{
	return r->z != NULL ? r->disk : r->pos;
}

struct parser *
cli_open_parser(const struct config *cfg, int year, int64_t ref_time,
    int find_suspicious, char **cause)
{
	struct parser_opts o;
	struct parser_rule_def *defs;
	struct parser *p;
	size_t	 i;

	memset(&o, 0, sizeof(o));
	o.year = year;
	o.ref_time = ref_time;
	o.find_suspicious = find_suspicious;
	defs = xcalloc(cfg->n_rules, sizeof(*defs));
	for (i = 0; i < cfg->n_rules; i++) {
		defs[i].name = cfg->rules[i].name;
		defs[i].kind = cfg->rules[i].kind;
		defs[i].pattern = cfg->rules[i].pattern;
		defs[i].contains = cfg->rules[i].contains;
		defs[i].mta = cfg->rules[i].mta;
		defs[i].service = cfg->rules[i].service;
	}
	o.rules = defs;
	o.n_rules = cfg->n_rules;
	p = parser_open(&o, cause);
	if (p == NULL && cause != NULL && *cause != NULL && cfg->path) {
		char	*c, *named;
		int	 line = 0;

		/*
		 * "rule 'NAME': ...": the line of that rule's pattern in the
		 * file. The config has checked all else of a rule (kind,
		 * name), so what the parser refuses is the pattern.
		 */
		for (i = 0; i < cfg->n_rules && line == 0; i++) {
			named = xasprintf("rule '%s':", cfg->rules[i].name);
			if (strncmp(*cause, named, strlen(named)) == 0)
				line = cfg->rules[i].pattern_line;
			free(named);
		}
		c = line > 0 ? xasprintf("%s:%d: %s", cfg->path, line, *cause) :
		    xasprintf("%s: %s", cfg->path, *cause);
		free(*cause);
		*cause = c;
	}
	free(defs);
	return p;
}

const char *
reader_error(const struct reader *r)
{
	switch (r->zerr) {
	case READER_GZ_CUT:
		return "the gzip data ends early (a file cut short, or one "
		    "still being compressed): run again once it is whole";
	case READER_GZ_BAD:
		return "the gzip data is damaged (or this is not gzip after "
		    "its first two bytes)";
	}
	return strerror(r->read_error);
}
