/*
 * teddy.c: many literals looked for at once, 64 positions at a time with
 * AVX-512BW, 32 with AVX2, else 16 with SSSE3 (see teddy.h).
 */
#include <string.h>

#include "needles.h"
#include "teddy.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_TEDDY 1
#endif

/*
 * The 1024 commonest byte triples of mail logs, commonest first: counted
 * over the real Postfix, Dovecot, Exim and Sendmail logs of samples/logs
 * and tests/corpus, and as much generated traffic (bench/genlog.py). A
 * fingerprint is best taken where the literal is least like the rest of
 * the log, and a bucket should let few of these through.
 */
static const char common[] =
    "]: ostNovov  poposfixstftfiix/.0.ailmtpectmairom8 0 mxfro frmx1 8 v  "
    "  8smtplemplampexaxamx1 =1 /smx/s matpdpd[0.01 pom onnnnenecelalaycon"
    " re cocom.ex7:1le. unnow22 knoown[19ct unkil 17:nkn2 1 17sert fwn[ion"
    "to=, dent to 227.027.127ed o=<net dev 2m u, s>, .ne[12uset=1l pdelrel"
    "ove2.0: c, rlo=on t: essn[1ay=iscd[1rcpcptsco.comantio: r@ex0.61 muth"
    "cti0, 07:0.2andet>0.1ecoaute.npt=.66>: stale>cotvecestdov9]:om=m=< 07"
    "ted66]4]:mmaommjeceje:14rej14:: Rer id= do sendsd: 192/0.[25 didis2.1"
    "tes: dogiip=.2. quSMTgin7]:MTP auoto92.06:1 cprods=TLS6]:ed: st] e [1"
    "hloehl ehot:202ile prTP fai1 d:1300:qui7.1 fa13: ac 06cte1]:253mgrx/q"
    "/qmqmggr[1 rlog: 5=0/veruitl=1 us190it= me rc1.11 q197 TLil=emorot0/0"
    "=0.nt 1, ay n:  RCRCPCPTticPT 537izeE: ive clout2]:sens=0in st.sizin:"
    "79]): 379r[2t>, size=o=108:7 mtatp=1256T flede.celoved905: uhel: N: m"
    "ingremthe1.254]icaESMo=E=ESque9 m17]5 miencat.10 hehos54  dshen50 2 m"
    "om>.1  5.ati.7., mct:yte: Dss  da NO9713]:0 m: p717UEUNOQOQUQUEEUEUE:"
    "er=P h: td=<4 m> pnti> t; f5.7054.21ueueue=2..16 088 m3.16 mdsnssisn="
    "0]:ata01: Retuspid 554:5t (.0,sion=2.11[17dat3:2locil.ays.12<usccelie"
    "iedatunt=1 <: f05::25: a inys=us=calaytto nrc 00t.e, n nraccden29 3 m"
    "4.1cleabls=s=se02:6] met56 orgnot.13ter10:4 5n for actop3pop: Loteage"
    "ripe> eninie: A lices-lo.or.23 loue 8.1th le[0/1.19Relocanfo554eanssa"
    " ri5]:.17sager@pamclis dmes/0/wore a/1 04:d; tiv, l:10lipnam.20up[ve)"
    "r=<lea LoLog.14ge-d f fo:00=<r(qu (qed;erv DiDis0248]:tho=3/AINy ae-i"
    "anu128<rex/c/clnup-id0:0on=lmt5, PLALAIame nos=3st 0:5=19101000 0503:"
    "aveot t=015:d[3movd[2 (2(258:0IN,N, ta=a=1for 01t> resart-11hodeth1 ("
    ": sod=3/4ass.01178 sm:12:57:11250l.e8:1026mot=PL.1,.18y=06.1mapd=P: C"
    "ain4:22.22, 51011-9.1 ho ouan.1082 s extem=<s5.2], ses:15.24e>:e.e.0 "
    "5.1banspable:33ann: ltp[.25.22n=<s=120111:4:4urbrbang  04ima3:1/0,:55"
    " 02m m1/0pts2.328 4, redrapn.ntteinf.1.]:2@maid-api sa:24 im.15=<209:"
    "toptarcip12: at5:3:027:4:56241omaork) [1104-1end6:1.1]ged: 4ounn a: 2"
    ":46rve<20 037:2:53d[5:29d[46:06:4o m6-1ereual=<u3.4SHA57 1-2 Inlos2:5"
    "errLS 0 21:0[26non.3.mis4:03.2 2.5: set, T H=4:3:058.2 <u24 :58ate=mx"
    "-urAESetr7:3:013, elism-:17d-usedGCM7:0trae[1empcheherl, bit ad 12=<j"
    "7:5te.tor3: :26 29vir01/=<>ninpri:54:49: iexi:30g: tua6: irtrtuhedatt"
    "al,08008 lis SMithdom:214.2ng:joe0:4:19:51she Coy=m:47: Tut  (d3-lp3-"
    ":09411d mt ted)4: ts)30 e.o16:tab-22=2 :18sec6:36:202 :48ersmta0:1us "
    "m-m-mtta[ 1 x1.:28tel: Sorttls:16er.:20d t21 =<it a35 :08:06n[26.212."
    "rs. wiwitogg68.corm [x/let[:04xxxssw168 watin25 mptliv6:5(dee@e55 @ra"
    ":353:56, 104s ittlmx2ipheck9.21:4d[7100262=0,its: 1212no ut. pa5:4:22"
    "s): cipheiss=121 a:44@re:50im[017 biecsn eom[bobal[ggend P ceb :2721."
    ":07:45addrttls=179LSvishSv1h c=[1reccouine7, 123MayJunilo93.l[1:38ant"
    "ordy=1:34steSASASLv1.ftehec1.e=lo3:3t.b4:124-Feb=<aomem> er1ymo:32rg>"
    "4.4cs)1:5ous1: s Tonynymmousofoftlouaft af:36ddr<jo7.25:19 1a: 26-Con"
    "arnrni12 18:3:0mpiLOGblits  AnAno esS c5:217 msgdre 15<spxim1.3.br:59"
    "18 9, un =<br ( mpmx3d o11 ern-00:370:2l dquao=233 ret:4033.:23: I: w"
    "war:41as d, 0:3<in SAferm>,:52istt[1fo@d[6il[=1. a:5:58, 20.1:3OGIGIN"
    "d[8SL 3:4:43sub146: 9ed,o.e.te27 lur";

/* How common three bytes in a row are: by the table, then byte by byte. */
static size_t
triple_cost(const char *t)
{
	size_t	 i, k, cost = 0;

	for (i = 0; i + 3 <= sizeof(common) - 1; i += 3)
		if (memcmp(common + i, t, 3) == 0)
			return 100000 + (sizeof(common) - i) * 100;
	for (k = 0; k < 3; k++)
		cost += needles_frequency((unsigned char)t[k]);
	return cost;
}

/*
 * The offset of the TEDDY_FP bytes in a row that are rarest together: as
 * rare as the rarer of their two triples. A literal of TEDDY_MIN bytes
 * has one place.
 */
static size_t
fingerprint(const char *lit, size_t len)
{
	size_t	 o, best = 0, cost, c2, best_cost = (size_t)-1;

	for (o = 0; o + TEDDY_FP <= len; o++) {
		cost = triple_cost(lit + o);
		if ((c2 = triple_cost(lit + o + 1)) < cost)
			cost = c2;
		if (cost < best_cost) {
			best_cost = cost;
			best = o;
		}
	}
	return best;
}

/*
 * What a bucket costs: the nibbles are looked up on their own, so it lets
 * through every mix of its literals' nibbles. Each common triple it lets
 * through weighs by how common it is; the count of all of them breaks
 * ties.
 */
static uint64_t
bucket_triples(const uint16_t lo[3], const uint16_t hi[3])
{
	uint64_t cost = 0;
	size_t	 i;
	int	 k;

	for (i = 0; i + 3 <= sizeof(common) - 1; i += 3) {
		for (k = 0; k < 3; k++) {
			unsigned char c = (unsigned char)common[i + (size_t)k];

			if (!(lo[k] >> (c & 15) & 1) || !(hi[k] >> (c >> 4) & 1))
				break;
		}
		if (k == 3)
			cost += (sizeof(common) - i) * 64;
	}
	return cost;
}

static uint64_t
bucket_cost(const uint16_t lo[TEDDY_FP], const uint16_t hi[TEDDY_FP])
{
	uint64_t n = 1, a, b;
	int	 k;

	for (k = 0; k < TEDDY_FP; k++)
		n *= (uint64_t)(__builtin_popcount(lo[k]) *
		    __builtin_popcount(hi[k]));
	if (n == 0)
		return 0;
	/* Four bytes pass when both their triples do. */
	a = bucket_triples(lo, hi);
	b = bucket_triples(lo + 1, hi + 1);
	return (a < b ? a : b) + n;
}

int
teddy_build(struct teddy *t, const char *const *lits, size_t n)
{
	uint16_t lo[8][TEDDY_FP], hi[8][TEDDY_FP];
	size_t	 i, k;

	memset(t, 0, sizeof(*t));
#ifdef HAVE_TEDDY
	if (!__builtin_cpu_supports("ssse3"))
		return -1;
	t->width = __builtin_cpu_supports("avx512bw") ? 64 :
	    __builtin_cpu_supports("avx2") ? 32 : 16;
#else
	return -1;
#endif
	if (n == 0 || n > TEDDY_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		t->lit[i] = lits[i];
		t->len[i] = strlen(lits[i]);
		if (t->len[i] < TEDDY_MIN)
			return -1;
		t->fp[i] = fingerprint(lits[i], t->len[i]);
	}
	t->n = n;
	/*
	 * Each literal goes to the bucket it widens least, so that a bucket
	 * holds literals of like nibbles and lets few other triples through.
	 */
	memset(lo, 0, sizeof(lo));
	memset(hi, 0, sizeof(hi));
	for (i = 0; i < n; i++) {
		uint64_t best_cost = UINT64_MAX;
		size_t	 b, best = 0;

		for (b = 0; b < 8; b++) {
			uint16_t l2[TEDDY_FP], h2[TEDDY_FP];
			uint64_t cost;

			for (k = 0; k < TEDDY_FP; k++) {
				unsigned char c;

				if (t->fp[i] + k >= t->len[i]) {
					l2[k] = h2[k] = 0xffff;	/* any */
					continue;
				}
				c = (unsigned char)t->lit[i][t->fp[i] + k];
				l2[k] = lo[b][k] | (uint16_t)(1u << (c & 15));
				h2[k] = hi[b][k] | (uint16_t)(1u << (c >> 4));
			}
			cost = bucket_cost(l2, h2) - bucket_cost(lo[b], hi[b]);
			if (cost < best_cost) {
				best_cost = cost;
				best = b;
			}
		}
		t->bucket[best] |= (uint64_t)1 << i;
		for (k = 0; k < TEDDY_FP; k++) {
			unsigned char c;
			int	 x;

			if (t->fp[i] + k >= t->len[i]) {
				/* Past a short literal's end: any byte. */
				lo[best][k] = hi[best][k] = 0xffff;
				for (x = 0; x < 16; x++) {
					t->lo[k][x] |= (unsigned char)(1u << best);
					t->hi[k][x] |= (unsigned char)(1u << best);
				}
				continue;
			}
			c = (unsigned char)t->lit[i][t->fp[i] + k];
			lo[best][k] |= (uint16_t)(1u << (c & 15));
			hi[best][k] |= (uint16_t)(1u << (c >> 4));
			t->lo[k][c & 15] |= (unsigned char)(1u << best);
			t->hi[k][c >> 4] |= (unsigned char)(1u << best);
		}
	}
	return 0;
}

#ifdef HAVE_TEDDY
/* Newlines in a few bytes: a block's part, a tail. */
static uint64_t
newlines(const char *s, size_t n)
{
	uint64_t c = 0;

	while (n-- > 0)
		c += *s++ == '\n';
	return c;
}

/*
 * What a find returns: where the literal starts, from at (1 + that place,
 * or 0: none, then len), and in *nl the newlines before it, given nls,
 * those before the block at i (a literal found may start in the block
 * before).
 */
static size_t
found(size_t at, size_t len, const char *text, size_t i, uint64_t nls,
    uint64_t *nl)
{
	size_t	 pos = at != 0 ? at - 1 : len;

	if (nl != NULL)
		*nl = pos >= i ? nls + newlines(text + i, pos - i) :
		    nls - newlines(text + pos, i - pos);
	return pos;
}

/*
 * Does a literal of the buckets in mask have its fingerprint at pos?
 * Returns 1 + where it starts, or 0. With all, adds every such literal
 * to *all instead and returns 0.
 */
static size_t
verify(const struct teddy *t, const char *text, size_t len, size_t pos,
    unsigned mask, uint64_t *all)
{
	while (mask != 0) {
		uint64_t lits = t->bucket[__builtin_ctz(mask)];

		mask &= mask - 1;
		if (all != NULL)
			lits &= ~*all;
		while (lits != 0) {
			int	 L = __builtin_ctzll(lits);
			size_t	 start;

			lits &= lits - 1;
			if (pos < t->fp[L])
				continue;
			start = pos - t->fp[L];
			/* The bytes around the fingerprint turn most away. */
			if (start + t->len[L] <= len &&
			    text[start] == t->lit[L][0] &&
			    text[start + t->len[L] - 1] ==
			    t->lit[L][t->len[L] - 1] &&
			    memcmp(text + start, t->lit[L], t->len[L]) == 0) {
				if (all == NULL)
					return start + 1;
				*all |= (uint64_t)1 << L;
			}
		}
	}
	return 0;
}

/* The buckets whose fingerprint may start at each of the 16 positions. */
#define CANDIDATES(p) \
	_mm_and_si128(_mm_and_si128( \
	    NIBBLES(l0, h0, _mm_loadu_si128((const void *)(p))), \
	    NIBBLES(l1, h1, _mm_loadu_si128((const void *)((p) + 1)))), \
	    _mm_and_si128( \
	    NIBBLES(l2, h2, _mm_loadu_si128((const void *)((p) + 2))), \
	    NIBBLES(l3, h3, _mm_loadu_si128((const void *)((p) + 3)))))
#define NIBBLES(lo, hi, b) \
	_mm_and_si128(_mm_shuffle_epi8(lo, _mm_and_si128(b, nib)), \
	    _mm_shuffle_epi8(hi, _mm_and_si128(_mm_srli_epi16(b, 4), nib)))

/*
 * Checks the positions in bits (bit j: text + i + j), whose buckets are
 * in buckets[j]. Returns 1 + where a literal starts, or 0.
 */
static size_t
check_bits(const struct teddy *t, const char *text, size_t len, size_t i,
    uint64_t bits, const unsigned char *buckets, uint64_t *all)
{
	for (; bits != 0; bits &= bits - 1) {
		int	 j = __builtin_ctzll(bits);
		size_t	 at = verify(t, text, len, i + (size_t)j, buckets[j],
		    all);

		if (at != 0)
			return at;
	}
	return 0;
}

/*
 * The last block of a text of len >= span - 1 bytes: its last span - 1
 * bytes copied to pad, then a NUL, so that the block ends a byte past the
 * end and a short literal at the very end is a candidate too. Returns
 * where in text the copy starts.
 */
static size_t
pad_tail(char *pad, const char *text, size_t len, size_t span)
{
	memcpy(pad, text + len - (span - 1), span - 1);
	pad[span - 1] = '\0';
	return len - (span - 1);
}

/* The positions marked in r, the first at text + i; skip: checked before. */
__attribute__((target("ssse3"))) static inline size_t
check_block(const struct teddy *t, const char *text, size_t len, size_t i,
    __m128i r, unsigned skip, uint64_t *all)
{
	unsigned char buckets[16];
	uint32_t bits = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(r,
	    _mm_setzero_si128())) ^ 0xffff;

	bits = bits >> skip << skip;
	if (bits == 0)
		return 0;
	_mm_storeu_si128((void *)buckets, r);
	return check_bits(t, text, len, i, bits, buckets, all);
}

__attribute__((target("ssse3"))) static size_t
find_ssse3(const struct teddy *t, const char *text, size_t len, uint64_t *all,
    uint64_t *nl)
{
	const __m128i nib = _mm_set1_epi8(0x0f);
	const __m128i l0 = _mm_loadu_si128((const void *)t->lo[0]);
	const __m128i h0 = _mm_loadu_si128((const void *)t->hi[0]);
	const __m128i l1 = _mm_loadu_si128((const void *)t->lo[1]);
	const __m128i h1 = _mm_loadu_si128((const void *)t->hi[1]);
	const __m128i l2 = _mm_loadu_si128((const void *)t->lo[2]);
	const __m128i h2 = _mm_loadu_si128((const void *)t->hi[2]);
	const __m128i l3 = _mm_loadu_si128((const void *)t->lo[3]);
	const __m128i h3 = _mm_loadu_si128((const void *)t->hi[3]);
	const __m128i eol = _mm_set1_epi8('\n');
	enum { SPAN = 16 + TEDDY_FP - 1 };	/* bytes a block reads */
	char	 pad[SPAN];
	size_t	 i, at, last;
	uint64_t nls = 0;	/* newlines before block i */

	if (len < SPAN) {
		/*
		 * Short text from a copy padded with NULs, which no
		 * literal holds (literals are text): a short literal's "any
		 * fourth byte" lets its candidates through at the end.
		 */
		at = 0;
		if (len >= TEDDY_MIN) {
			memset(pad, 0, sizeof(pad));
			memcpy(pad, text, len);
			at = check_block(t, text, len, 0, CANDIDATES(pad), 0,
			    all);
		}
		return found(at, len, text, 0, 0, nl);
	}
	for (i = 0; i + SPAN <= len; i += 16) {
		__m128i	 r = CANDIDATES(text + i);

		if (_mm_movemask_epi8(_mm_cmpeq_epi8(r, _mm_setzero_si128())) !=
		    0xffff &&	/* a fingerprint: few blocks */
		    (at = check_block(t, text, len, i, r, 0, all)) != 0)
			return found(at, len, text, i, nls, nl);
		nls += (uint64_t)__builtin_popcount((unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(_mm_loadu_si128((const void *)(text + i)),
		    eol)));
	}
	/* The last block (pad_tail), over positions checked already. */
	at = 0;
	if (i + TEDDY_MIN <= len) {
		last = pad_tail(pad, text, len, SPAN);
		at = check_block(t, text, len, last, CANDIDATES(pad),
		    (unsigned)(i - last), all);
	}
	return found(at, len, text, i, nls, nl);
}

/* The same, 32 positions at a time. */
#define CANDIDATES32(p) \
	_mm256_and_si256(_mm256_and_si256( \
	    NIBBLES32(l0, h0, _mm256_loadu_si256((const void *)(p))), \
	    NIBBLES32(l1, h1, _mm256_loadu_si256((const void *)((p) + 1)))), \
	    _mm256_and_si256( \
	    NIBBLES32(l2, h2, _mm256_loadu_si256((const void *)((p) + 2))), \
	    NIBBLES32(l3, h3, _mm256_loadu_si256((const void *)((p) + 3)))))
#define NIBBLES32(lo, hi, b) \
	_mm256_and_si256(_mm256_shuffle_epi8(lo, _mm256_and_si256(b, nib)), \
	    _mm256_shuffle_epi8(hi, \
	    _mm256_and_si256(_mm256_srli_epi16(b, 4), nib)))
#define TABLE32(tab) \
	_mm256_broadcastsi128_si256(_mm_loadu_si128((const void *)(tab)))

__attribute__((target("avx2"), noinline)) static size_t
check_block32(const struct teddy *t, const char *text, size_t len, size_t i,
    __m256i r, unsigned skip, uint64_t *all)
{
	unsigned char buckets[32];
	uint32_t bits = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(r,
	    _mm256_setzero_si256()));

	bits = skip < 32 ? bits >> skip << skip : 0;
	if (bits == 0)
		return 0;
	_mm256_storeu_si256((void *)buckets, r);
	return check_bits(t, text, len, i, bits, buckets, all);
}

__attribute__((target("avx2,popcnt"))) static size_t
find_avx2(const struct teddy *t, const char *text, size_t len, uint64_t *all,
    uint64_t *nl)
{
	const __m256i nib = _mm256_set1_epi8(0x0f);
	const __m256i eol = _mm256_set1_epi8('\n');
	const __m256i l0 = TABLE32(t->lo[0]), h0 = TABLE32(t->hi[0]);
	const __m256i l1 = TABLE32(t->lo[1]), h1 = TABLE32(t->hi[1]);
	const __m256i l2 = TABLE32(t->lo[2]), h2 = TABLE32(t->hi[2]);
	const __m256i l3 = TABLE32(t->lo[3]), h3 = TABLE32(t->hi[3]);
	enum { SPAN = 32 + TEDDY_FP - 1 };
	char	 pad[SPAN];
	size_t	 i, at, last;
	uint64_t nls = 0;

	if (len < SPAN)
		return find_ssse3(t, text, len, all, nl);
	for (i = 0; i + SPAN <= len; i += 32) {
		__m256i	 r = CANDIDATES32(text + i);

		if (!_mm256_testz_si256(r, r) &&
		    (at = check_block32(t, text, len, i, r, 0, all)) != 0)
			return found(at, len, text, i, nls, nl);
		nls += (uint64_t)__builtin_popcount((unsigned)
		    _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_loadu_si256(
		    (const void *)(text + i)), eol)));
	}
	at = 0;
	if (i + TEDDY_MIN <= len) {
		last = pad_tail(pad, text, len, SPAN);
		at = check_block32(t, text, len, last, CANDIDATES32(pad),
		    (unsigned)(i - last), all);
	}
	return found(at, len, text, i, nls, nl);
}

/* The same, 64 positions at a time. */
#define CANDIDATES64(p) \
	_mm512_and_si512(_mm512_and_si512( \
	    NIBBLES64(l0, h0, _mm512_loadu_si512((const void *)(p))), \
	    NIBBLES64(l1, h1, _mm512_loadu_si512((const void *)((p) + 1)))), \
	    _mm512_and_si512( \
	    NIBBLES64(l2, h2, _mm512_loadu_si512((const void *)((p) + 2))), \
	    NIBBLES64(l3, h3, _mm512_loadu_si512((const void *)((p) + 3)))))
#define NIBBLES64(lo, hi, b) \
	_mm512_and_si512(_mm512_shuffle_epi8(lo, _mm512_and_si512(b, nib)), \
	    _mm512_shuffle_epi8(hi, \
	    _mm512_and_si512(_mm512_srli_epi16(b, 4), nib)))
#define TABLE64(tab) \
	_mm512_broadcast_i32x4(_mm_loadu_si128((const void *)(tab)))

__attribute__((target("avx512f,avx512bw"), noinline)) static size_t
check_block64(const struct teddy *t, const char *text, size_t len, size_t i,
    __m512i r, unsigned skip, uint64_t *all)
{
	unsigned char buckets[64];
	uint64_t bits = _mm512_test_epi8_mask(r, r);

	bits = skip < 64 ? bits >> skip << skip : 0;
	if (bits == 0)
		return 0;
	_mm512_storeu_si512((void *)buckets, r);
	return check_bits(t, text, len, i, bits, buckets, all);
}

__attribute__((target("avx512f,avx512bw,popcnt"))) static size_t
find_avx512(const struct teddy *t, const char *text, size_t len,
    uint64_t *all, uint64_t *nl)
{
	const __m512i nib = _mm512_set1_epi8(0x0f);
	const __m512i eol = _mm512_set1_epi8('\n');
	const __m512i l0 = TABLE64(t->lo[0]), h0 = TABLE64(t->hi[0]);
	const __m512i l1 = TABLE64(t->lo[1]), h1 = TABLE64(t->hi[1]);
	const __m512i l2 = TABLE64(t->lo[2]), h2 = TABLE64(t->hi[2]);
	const __m512i l3 = TABLE64(t->lo[3]), h3 = TABLE64(t->hi[3]);
	enum { SPAN = 64 + TEDDY_FP - 1 };
	char	 pad[SPAN];
	size_t	 i, at, last;
	uint64_t nls = 0;

	if (len < SPAN)
		return find_avx2(t, text, len, all, nl);
	for (i = 0; i + SPAN <= len; i += 64) {
		__m512i	 r = CANDIDATES64(text + i);

		if (_mm512_test_epi8_mask(r, r) != 0 &&
		    (at = check_block64(t, text, len, i, r, 0, all)) != 0)
			return found(at, len, text, i, nls, nl);
		nls += (uint64_t)__builtin_popcountll(_mm512_cmpeq_epi8_mask(
		    _mm512_loadu_si512((const void *)(text + i)), eol));
	}
	at = 0;
	if (i + TEDDY_MIN <= len) {
		last = pad_tail(pad, text, len, SPAN);
		at = check_block64(t, text, len, last, CANDIDATES64(pad),
		    (unsigned)(i - last), all);
	}
	return found(at, len, text, i, nls, nl);
}

static size_t
find(const struct teddy *t, const char *text, size_t len, uint64_t *all,
    uint64_t *nl)
{
	switch (t->width) {
	case 64:
		return find_avx512(t, text, len, all, nl);
	case 32:
		return find_avx2(t, text, len, all, nl);
	default:
		return find_ssse3(t, text, len, all, nl);
	}
}

size_t
teddy_find(const struct teddy *t, const char *text, size_t len,
    uint64_t *newlines)
{
	return find(t, text, len, NULL, newlines);
}

uint64_t
teddy_all(const struct teddy *t, const char *text, size_t len)
{
	uint64_t all = 0;

	find(t, text, len, &all, NULL);
	return all;
}
#else
size_t
teddy_find(const struct teddy *t, const char *text, size_t len,
    uint64_t *newlines)
{
	(void)t;
	(void)text;
	(void)len;
	if (newlines != NULL)
		*newlines = 0;
	return 0;
}

uint64_t
teddy_all(const struct teddy *t, const char *text, size_t len)
{
	(void)text;
	(void)len;
	return t->n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << t->n) - 1;
}
#endif
