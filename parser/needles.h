/*
 * needles.h (private to parser/): the literals the rules of one program
 * class look for, found together in one pass over a line.
 *
 * A rule is tried only when one of its literals occurs in the line. Looking
 * for each literal on its own costs a scan per literal (nine for a Dovecot
 * line); a set looks for the rarest byte of every literal at once, 16 bytes
 * at a time, and compares the whole literal only where its byte occurs.
 *
 *	struct needles set = { 0 };
 *	int bit = needles_add(&set, "reject: ");	   // -1: set full
 *	uint64_t found = needles_find(&set, text, len);	   // bit set: occurs
 */
#ifndef RS_NEEDLES_H
#define RS_NEEDLES_H

#include <stddef.h>
#include <stdint.h>

#define NEEDLES_MAX 64

struct needles {
	size_t		 n;
	const char	*lit[NEEDLES_MAX];	/* not owned */
	size_t		 len[NEEDLES_MAX];
	size_t		 anchor[NEEDLES_MAX];	/* index of the rarest byte */
	unsigned char	 bytes[NEEDLES_MAX];	/* the distinct anchor bytes */
	size_t		 nbytes;
	uint64_t	 at[256];	/* the needles anchored on each byte */
};

/* How common byte c is in mail logs: 0 for the rarest, higher for more. */
size_t	 needles_frequency(unsigned char c);

/* The index of its rarest byte, by how common bytes are in mail logs. */
size_t	 needles_rarest(const char *lit);

/*
 * Adds lit (kept by pointer) unless already there. Returns its bit (0..63),
 * or -1 when the set is full or lit is empty: look for it on its own.
 */
int	 needles_add(struct needles *, const char *lit);

/* Which of the set's literals occur in text: bit i for literal i. */
uint64_t needles_find(const struct needles *, const char *text, size_t len);

#endif
