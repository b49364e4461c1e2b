/*
 * test_needles.c: the one-pass literal finder agrees with memmem on every
 * line: fixed cases (a literal at the start, at the end, across the last
 * overlapping block, a near miss) and random lines over a small alphabet
 * so literals occur often, of every length around the 16-byte blocks.
 */
#include <stdio.h>
#include <string.h>

#include "parser/needles.h"
#include "tests/unit/tap.h"

static uint64_t
naive(const struct needles *s, const char *text, size_t len)
{
	uint64_t found = 0;
	size_t	 i;

	for (i = 0; i < s->n; i++)
		if (memmem(text, len, s->lit[i], s->len[i]) != NULL)
			found |= (uint64_t)1 << i;
	return found;
}

static int
agrees(const struct needles *s, const char *text)
{
	size_t	 len = strlen(text);
	uint64_t a = needles_find(s, text, len), b = naive(s, text, len);

	if (a != b) {
		printf("  '%s': found %#llx, want %#llx\n", text,
		    (unsigned long long)a, (unsigned long long)b);
		return 0;
	}
	return 1;
}

int
main(void)
{
	static const char *const lits[] = {
		"reject: ", "sasl_username=", "authentication failed",
		"Login: user=", "ab", "ba", "aab", "b", "x|y",
	};
	static const char *const lines[] = {
		"reject: at the start", "at the end reject: ",
		"0123456789abcdef0123456789reject: ", "reject:x", "rejec",
		"sasl_username=joe", "xx Login: user=<a>", "authentication fail",
		"", "a", "b",
	};
	struct needles s = { 0 }, many = { 0 };
	char	 buf[128], lit[80][4];
	size_t	 i, k, n, nlits = sizeof(lits) / sizeof(lits[0]);
	unsigned seed = 1;
	int	 ok = 1;

	for (i = 0; i < nlits; i++)
		needles_add(&s, lits[i]);
	expect(needles_add(&s, "ab") == 4, "a literal added twice keeps its bit");
	expect(needles_add(&s, "") == -1, "an empty literal is refused");
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ok &= agrees(&s, lines[i]);
	expect(ok, "fixed lines");
	for (i = 0; i < 200000 && ok; i++) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % 70;
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245 + 12345;
			buf[k] = "abxy| "[(seed >> 16) % 6];
		}
		buf[n] = '\0';
		ok &= agrees(&s, buf);
	}
	expect(ok, "random lines");
	/* A full set: the 65th literal is refused and the rest still work. */
	for (i = 0; i < 80; i++)
		snprintf(lit[i], sizeof(lit[i]), "%c%c", 'A' + (int)(i / 26),
		    'a' + (int)(i % 26));
	for (i = 0, ok = 1; i < 64; i++)
		ok &= needles_add(&many, lit[i]) == (int)i;
	expect(ok && needles_add(&many, lit[64]) == -1, "64 literals, then full");
	expect(agrees(&many, "xxAaxxCl and Bz"), "a full set finds its literals");
	return failed;
}
