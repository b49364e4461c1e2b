/*
 * teddy.h (private to parser/): where, in a text, is the first of a set of
 * literals? The parser's first question for what it has read: most lines
 * of a mail log are delivery traffic that no rule reads, and a line that
 * holds none of the rules' literals needs no envelope and no rule.
 *
 * The algorithm is Teddy, from Hyperscan: each literal is reduced to a
 * fingerprint of four of its bytes in a row (where it is least like the
 * rest of a log; a literal of three bytes takes any fourth) and put in one
 * of eight buckets. 64 positions at a time (AVX-512BW, else 32 with AVX2,
 * else 16 with SSSE3), two table lookups per byte (PSHUFB on the low and the high
 * nibble) tell which buckets' fingerprints may start there, and only those
 * positions are compared with the literals. The cost hardly grows with the
 * number of literals.
 *
 *	struct teddy t;
 *	if (teddy_build(&t, lits, n) == 0 &&
 *	    teddy_find(&t, text, len, NULL) == len)
 *		-- no literal in text
 */
#ifndef RS_TEDDY_H
#define RS_TEDDY_H

#include <stddef.h>
#include <stdint.h>

#define TEDDY_MAX 64
#define TEDDY_FP 4		/* fingerprint bytes */
#define TEDDY_MIN 3		/* the shortest literal (its fingerprint's
				   last byte is any byte) */

struct teddy {
	size_t		 n;
	const char	*lit[TEDDY_MAX];	/* not owned */
	size_t		 len[TEDDY_MAX];
	size_t		 fp[TEDDY_MAX];		/* offset of its fingerprint */
	uint64_t	 bucket[8];		/* the literals of each bucket */
	unsigned char	 lo[TEDDY_FP][16];	/* buckets by low nibble */
	unsigned char	 hi[TEDDY_FP][16];	/* buckets by high nibble */
	int		 width;			/* positions at a time: 16, 32
						   or 64 (what the CPU has) */
};

/*
 * Builds the set from n literals (kept by pointer; duplicates allowed).
 * Returns -1 when it cannot serve: no literal, a literal shorter than
 * TEDDY_MIN, more than TEDDY_MAX, or a CPU without SSSE3.
 */
int	 teddy_build(struct teddy *, const char *const *lits, size_t n);

/*
 * Where a literal of the set starts in text (the one whose fingerprint
 * comes first: any other that starts before it overlaps it), or len when
 * none occurs. With newlines, also how many '\n' bytes come before that
 * (counted in the same pass: a caller skipping lines needs their count).
 */
size_t	 teddy_find(const struct teddy *, const char *text, size_t len,
	    uint64_t *newlines);
/* Which literals of the set occur in text: bit i for literal i. */
uint64_t teddy_all(const struct teddy *, const char *text, size_t len);

#endif
