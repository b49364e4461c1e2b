/*
 * needles.c: several literals looked for in one pass (see needles.h).
 */
#include <string.h>

#include "needles.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * Bytes of mail logs from the most common to the least, as counted over a
 * month of an ISP's mixed log; a byte not listed is rarer than all.
 */
static const char by_frequency[] =
    " 1oet20m:.sian3p54=dlrx98c76vfu/[],N-gAb<>hyCEqDSB@kFLw()T_zPHOMIjRGX"
    "UQVKWJYZ+;";

size_t
needles_frequency(unsigned char c)
{
	const char *p = c != '\0' ? strchr(by_frequency, c) : NULL;

	return p != NULL ? sizeof(by_frequency) - (size_t)(p - by_frequency) :
	    0;
}

size_t
needles_rarest(const char *lit)
{
	size_t	 i, best = 0;

	for (i = 1; lit[i] != '\0'; i++)
		if (needles_frequency((unsigned char)lit[i]) <
		    needles_frequency((unsigned char)lit[best]))
			best = i;
	return best;
}

int
needles_add(struct needles *s, const char *lit)
{
	size_t	 i;
	unsigned char c;

	if (lit[0] == '\0')
		return -1;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->lit[i], lit) == 0)
			return (int)i;
	if (s->n == NEEDLES_MAX)
		return -1;
	s->lit[s->n] = lit;
	s->len[s->n] = strlen(lit);
	s->anchor[s->n] = needles_rarest(lit);
	c = (unsigned char)lit[s->anchor[s->n]];
	if (s->at[c] == 0)
		s->bytes[s->nbytes++] = c;
	s->at[c] |= (uint64_t)1 << s->n;
	return (int)s->n++;
}

/* Which literals anchored on the byte at text[pos] occur there. */
static uint64_t
check(const struct needles *s, const char *text, size_t len, size_t pos,
    uint64_t want)
{
	uint64_t cand = s->at[(unsigned char)text[pos]] & want, found = 0;

	while (cand != 0) {
		int	 i = __builtin_ctzll(cand);
		size_t	 a = s->anchor[i];

		cand &= cand - 1;
		/* The first and last bytes turn most false starts away. */
		if (pos >= a && pos - a + s->len[i] <= len &&
		    text[pos - a] == s->lit[i][0] &&
		    text[pos - a + s->len[i] - 1] == s->lit[i][s->len[i] - 1] &&
		    memcmp(text + pos - a, s->lit[i], s->len[i]) == 0)
			found |= (uint64_t)1 << i;
	}
	return found;
}

uint64_t
needles_find(const struct needles *s, const char *text, size_t len)
{
	uint64_t all, found = 0;
	size_t	 i = 0;

	if (s->n == 0)
		return 0;
	all = s->n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << s->n) - 1;
#ifdef __SSE2__
	if (s->nbytes <= 16 && len >= 16) {
		__m128i	 v[16];
		size_t	 k;

		for (k = 0; k < s->nbytes; k++)
			v[k] = _mm_set1_epi8((char)s->bytes[k]);
		/* The last block overlaps the one before: no byte loop. */
		for (; i < len && found != all; i += 16) {
			__m128i	 c, m;
			unsigned bits, skip = 0;

			if (i + 16 > len) {
				skip = (unsigned)(i + 16 - len);
				i = len - 16;
			}
			c = _mm_loadu_si128((const void *)(text + i));
			m = _mm_cmpeq_epi8(c, v[0]);
			for (k = 1; k < s->nbytes; k++)
				m = _mm_or_si128(m, _mm_cmpeq_epi8(c, v[k]));
			bits = (unsigned)_mm_movemask_epi8(m) >> skip << skip;
			while (bits != 0) {
				found |= check(s, text, len,
				    i + (size_t)__builtin_ctz(bits),
				    all & ~found);
				bits &= bits - 1;
			}
		}
		return found;
	}
#endif
	for (; i < len && found != all; i++)
		if (s->at[(unsigned char)text[i]] != 0)
			found |= check(s, text, len, i, all & ~found);
	return found;
}
