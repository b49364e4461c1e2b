/*
 * test_teddy.c: the many-literal finder agrees with memmem, for the first
 * literal (teddy_find) and for all of them (teddy_all): fixed cases
 * (a literal at the start, at the end, in the last overlapping block, in a
 * text shorter than a block) and random texts over a small alphabet, of
 * every length around the 16- and 32-byte blocks, so that fingerprints and
 * near misses occur often; with each block width the CPU has (64, 32 and
 * 16 bytes). Where it reports a literal, one starts there,
 * and any that starts before overlaps it (so the line is the same); and
 * the newlines it counts before that place are those there are.
 */
#include <stdio.h>
#include <string.h>

#include "parser/teddy.h"
#include "tests/unit/tap.h"

static int
agrees(const struct teddy *t, const char *text, size_t len)
{
	uint64_t nl = 0, want_nl = 0;
	size_t	 at = teddy_find(t, text, len, &nl), i, q, first = len;
	uint64_t all = teddy_all(t, text, len), want = 0;
	int	 starts_at = 0;

	for (i = 0; i < t->n; i++)
		for (q = 0; q + t->len[i] <= len; q++)
			if (memcmp(text + q, t->lit[i], t->len[i]) == 0) {
				want |= (uint64_t)1 << i;
				if (q < first)
					first = q;
				if (q == at)
					starts_at = 1;
				if (q < at && q + t->len[i] <= at) {
					printf("  '%.*s': %zu, but one ends "
					    "before it at %zu\n", (int)len,
					    text, at, q);
					return 0;
				}
			}
	if (all != want) {
		printf("  '%.*s': teddy_all %#llx, want %#llx\n", (int)len, text,
		    (unsigned long long)all, (unsigned long long)want);
		return 0;
	}
	for (i = 0; i < at && i < len; i++)
		want_nl += text[i] == '\n';
	if (nl != want_nl || teddy_find(t, text, len, NULL) != at) {
		printf("  '%.*s': %llu newlines before %zu, want %llu\n",
		    (int)len, text, (unsigned long long)nl, at,
		    (unsigned long long)want_nl);
		return 0;
	}
	if ((first == len) != (at == len) || (at < len && !starts_at)) {
		printf("  '%.*s': found at %zu, want %zu\n", (int)len, text,
		    at, first);
		return 0;
	}
	return 1;
}

/* Fixed texts, then random ones over a small alphabet: all agree? */
static int
all_agree(const struct teddy *t, const char *const *fixed, size_t nfixed)
{
	char	 buf[160];
	size_t	 i, k, n;
	unsigned seed = 7;
	int	 ok = 1;

	for (i = 0; i < nfixed; i++)
		ok &= agrees(t, fixed[i], strlen(fixed[i]));
	for (i = 0; i < 300000 && ok; i++) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % 150;
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245 + 12345;
			buf[k] = "abxy| A=\n"[(seed >> 16) % 9];
		}
		ok &= agrees(t, buf, n);
	}
	return ok;
}

int
main(void)
{
	static const char *const lits[] = {
		"reject: ", "sasl_username=", "authentication failed",
		"Login", " A=", "abx", "xyab|", "bbbb", "y|x",
	};
	static const char *const fixed[] = {
		"reject: at the start", "at the end reject: ",
		"0123456789abcdef0123456789012345 A=",
		"0123456789abcdef0123456789012 A=", "reject:x", "rejec", "",
		"ab", "abx", " A", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzLogin",
		"sasl_username", "Logi\nn", "authentication fail",
		"\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
		"\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
		"\n\n\nreject: \n", "a\nb\nc\n0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef0123456789abcdef\n\nLogin\n",
	};
	static const char *const short_lits[] = { "ok", "fine" };
	struct teddy t;
	size_t	 nlits = sizeof(lits) / sizeof(lits[0]);
	int	 width;

	expect(teddy_build(&t, lits, nlits) == 0, "a good set builds");
	if (failed)
		return failed;
	/* Each block width this CPU has, widest (the one used) first. */
	for (width = t.width; width >= 16; width /= 2) {
		char	 name[64];

		snprintf(name, sizeof(name), "fixed and random texts, %d bytes "
		    "at a time", width);
		t.width = width;
		expect(all_agree(&t, fixed, sizeof(fixed) / sizeof(fixed[0])),
		    name);
	}
	expect(teddy_build(&t, short_lits, 2) == -1,
	    "a literal shorter than three bytes is refused");
	expect(teddy_build(&t, lits, 0) == -1, "an empty set is refused");
	return failed;
}
