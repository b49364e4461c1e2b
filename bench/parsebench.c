/*
 * parsebench.c: the parser alone over a log file, for `make bench`: reads
 * the whole file into memory, then times the parser over it as ingest
 * drives it (parser_quiet and parser_feed_quiet, parser_feed, parser_next)
 * (best of RUNS) and prints nanoseconds per line and the event count.
 *
 *	build/tests/parsebench FILE [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "parser/parser.h"

int
main(int argc, char **argv)
{
	struct parser_opts o = { 0 };
	struct parser *p;
	char	*buf, *cause = NULL;
	size_t	 len, cap = 1 << 20;
	FILE	*f;
	int	 runs = argc > 2 ? atoi(argv[2]) : 3, r;
	double	 best = 1e9;
	uint64_t lines = 0, events = 0;

	if (argc < 2 || (f = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "usage: parsebench FILE [RUNS]\n");
		return 2;
	}
	buf = xmalloc(cap);
	for (len = 0;;) {
		size_t	 n;

		if (len == cap)
			buf = xrealloc(buf, cap *= 2);
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	if ((p = parser_open(&o, &cause)) == NULL) {
		fprintf(stderr, "parsebench: %s\n", cause);
		return 1;
	}
	for (r = 0; r < runs; r++) {
		const char *s = buf, *end = buf + len, *nl;
		double	 t0 = now_mono(), t;

		parser_reset(p, 0);
		lines = events = 0;
		while (s < end) {
			/* As ingest does: quiet lines many at a time. */
			uint64_t n;
			size_t	 q = parser_quiet(p, s, (size_t)(end - s), &n);

			if (q > 0 && (nl = memrchr(s, '\n', q)) != NULL) {
				lines += parser_feed_quiet(p, s,
				    (size_t)(nl + 1 - s), n);
				while (parser_next(p) != NULL)
					events++;
				s = nl + 1;
				continue;
			}
			nl = memchr(s, '\n', (size_t)(end - s));
			if (nl == NULL)
				nl = end;
			parser_feed(p, s, (size_t)(nl - s), s - buf);
			while (parser_next(p) != NULL)
				events++;
			lines++;
			s = nl + 1;
		}
		parser_flush(p);
		while (parser_next(p) != NULL)
			events++;
		if ((t = now_mono() - t0) < best)
			best = t;
	}
	printf("%.1f ns/line, %llu lines, %llu events\n", best * 1e9 /
	    (double)lines, (unsigned long long)lines,
	    (unsigned long long)events);
	parser_close(p);
	free(buf);
	return 0;
}
