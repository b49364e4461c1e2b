/* reader.c: lines from files, gzip files and stdin. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest.h"
#include "../store/store.h"

#define READER_BUF (1024 * 1024)

int
reader_open(struct reader *r, const char *path, char **cause)
{
	struct stat sb;
	unsigned char magic[2];
	ssize_t	 n;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->name = xstrdup(path);
	if (strcmp(path, "-") == 0) {
		r->is_stdin = 1;
		r->fd = 0;
		/* zlib reads plain text through unchanged. */
		if ((r->gz = gzdopen(dup(0), "rb")) == NULL)
			return set_cause(cause, "cannot read standard input");
	} else {
		if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			return set_cause(cause, "cannot open '%s': %s", path,
			    strerror(errno));
		if (fstat(r->fd, &sb) == -1)
			return set_cause(cause, "cannot stat '%s': %s", path,
			    strerror(errno));
		if (S_ISDIR(sb.st_mode))
			return set_cause(cause, "'%s' is a directory: give the "
			    "log files in it", path);
		r->regular = S_ISREG(sb.st_mode);
		r->dev = sb.st_dev;
		r->ino = sb.st_ino;
		r->size = r->regular ? (int64_t)sb.st_size : 0;
		n = pread(r->fd, magic, 2, 0);
		if (n < 0)
			return set_cause(cause, "cannot read '%s': %s", path,
			    strerror(errno));
		if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
			if ((r->gz = gzdopen(dup(r->fd), "rb")) == NULL)
				return set_cause(cause, "cannot read '%s'",
				    path);
			gzbuffer(r->gz, 256 * 1024);
		}
	}
	r->cap = READER_BUF;
	r->buf = xmalloc(r->cap + 1);
	return 0;
}

void
reader_close(struct reader *r)
{
	if (r->gz != NULL)
		gzclose(r->gz);
	if (r->fd > 0)
		close(r->fd);
	free(r->buf);
	free(r->name);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
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
	if (r->gz != NULL) {
		int	 err;

		n = gzread(r->gz, r->buf + r->end, (unsigned)room);
		if (n < 0) {
			const char *m = gzerror(r->gz, &err);

			(void)m;
			r->read_error = err == Z_ERRNO ? errno : EIO;
			return -1;
		}
		if (n == 0) {
			/* A truncated gzip stream is an error, not an EOF. */
			gzerror(r->gz, &err);
			if (err != Z_OK && err != Z_BUF_ERROR) {
				r->read_error = EIO;
				return -1;
			}
		}
	} else {
		do
			n = read(r->fd, r->buf + r->end, room);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			r->read_error = errno;
			return -1;
		}
	}
	r->end += (size_t)n;
	return n;
}

int
reader_head(struct reader *r, const char **head, size_t *len)
{
	while (r->end - r->start < STORE_HEAD && !r->eof) {
		ssize_t	 n = fill(r);

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
	if (r->gz == NULL && r->regular) {
		if (off > r->size)
			return set_cause(cause, "'%s' is shorter (%lld bytes) "
			    "than what was stored from it (%lld)", r->name,
			    (long long)r->size, (long long)off);
		if (lseek(r->fd, (off_t)off, SEEK_SET) == -1)
			return set_cause(cause, "cannot seek in '%s': %s",
			    r->name, strerror(errno));
		r->start = r->end = 0;
		r->pos = off;
		return 0;
	}
	while (r->pos < off) {
		size_t	 have = r->end - r->start;

		if (have == 0) {
			ssize_t	 n = fill(r);

			if (n < 0)
				return set_cause(cause, "cannot read '%s': %s",
				    r->name, strerror(r->read_error));
			if (n == 0)
				return set_cause(cause, "'%s' ended before the "
				    "offset already stored (%lld)", r->name,
				    (long long)off);
			continue;
		}
		if ((int64_t)have > off - r->pos)
			have = (size_t)(off - r->pos);
		r->start += have;
		r->pos += (int64_t)have;
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
			if (skip)
				continue;	/* the tail of a long line */
			r->lineno++;
			if (n > READER_MAX_LINE) {
				r->too_long++;
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
			}
			r->skipping = 1;
			r->start += have;
			r->pos += (int64_t)have;
			continue;
		}
		if (!r->eof) {
			ssize_t	 n = fill(r);

			if (n < 0)
				return -1;
			if (n > 0)
				continue;
			r->eof = 1;
		}
		/* EOF: an unterminated last line. */
		if (have > 0 && (final || r->is_stdin || r->gz != NULL)) {
			if (r->skipping) {
				r->start += have;
				r->pos += (int64_t)have;
				r->skipping = 0;
				return 0;
			}
			*off = r->pos;
			r->start += have;
			r->pos += (int64_t)have;
			r->lineno++;
			s[have] = '\0';
			*line = s;
			*len = have;
			return 1;
		}
		return 0;
	}
}

int64_t
reader_disk_pos(struct reader *r)
{
	if (r->gz != NULL)
		return (int64_t)gzoffset(r->gz);
	return r->pos;
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
		char	*c = xasprintf("%s: %s", cfg->path, *cause);

		free(*cause);
		*cause = c;
	}
	free(defs);
	return p;
}
