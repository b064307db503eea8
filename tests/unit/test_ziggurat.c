/* test_ziggurat - checks tools/lib/ziggurat.h, simpaths --normals ziggurat.
 *
 * usage: test_ziggurat tables|moments|determinism|mirror|kat|bench|all
 *   tables       every layer's area is v, the top layer closes, Q(r) is right
 *   moments      10^7 normals drawn as simpaths draws them: mean, variance,
 *                skewness, kurtosis and 7 tail probabilities each within
 *                |z| < 5 of N(0,1); Kolmogorov-Smirnov sqrt(n) D < 2.3
 *                (P < 5e-5 under N(0,1)); chi-square on 2000 equiprobable
 *                bins within 5 standard deviations of its mean
 *   determinism  a word's z is the same whatever its place in a block, the
 *                block's length and width (the rare words' counters follow)
 *   mirror       the word with its sign bit flipped gives exactly -z
 *   kat          a known-answer hash of 10^6 normals (the same bits on
 *                every CPU and compiler that builds mcpipe)
 * Each failure is one line on stderr, exit status 1; measurements on stdout.
 * Reference: the normal law through libm's erfc (x87 long double erfcl for
 * the areas), independent of detmath.h's functions under test. */
#define _POSIX_C_SOURCE 200809L
#include "ziggurat.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define UNIT_SEED 0x6d63706970650014u
#include "unit.h"

static struct zig_scratch scratch;

/* The normals of paths first .. first+len-1 at step 0 of the pricing
 * stream, as simpaths --steps 1 draws them (one word per path). */
static void draw(uint64_t seed, uint64_t first, int len, double *z)
{
	static uint32_t lo[NORMALS_MAX], hi[NORMALS_MAX];
	uint64_t out[2];
	for (int k = 0; k < len; k++) {
		rng_block(seed, RNG_PRICING, first + (uint64_t)k, 0, out);
		lo[k] = (uint32_t)out[0];
		hi[k] = (uint32_t)(out[0] >> 32);
	}
	const struct zig_where where = { seed, first, RNG_PRICING, len, 0 };
	ziggurat_from_words(lo, hi, len, z, &scratch, &where);
}

static long double f_exact(long double x)
{
	return expl(-0.5L * x * x);
}

static void test_tables(void)
{
	double z[1];
	draw(1, 0, 1, z);   /* fills the tables */
	const long double v = 0.004928673233974655347361775L;
	long double worst = 0;
	CHECK(zig_x[1] == ZIG_R, "X[1] = %a, want r", zig_x[1]);
	CHECK(zig_x[256] == 0, "X[256] = %a", zig_x[256]);
	for (int i = 0; i < 256; i++)
		CHECK(zig_x[i + 1] < zig_x[i], "X[%d] = %a not below X[%d] = %a", i + 1,
		      zig_x[i + 1], i, zig_x[i]);
	/* F[i] = f(X[i]) but for the rounding of x^2/2 (relative x^2 2^-53,
	 * amplified by exp) and det_exp's own 0.57 ulp */
	for (int i = 0; i <= 256; i++) {
		long double x = zig_x[i], want = i == 0 ? 0 : f_exact(x);
		CHECK(fabsl(zig_f[i] - want) <= 0x1p-52L * (1 + x * x) * want,
		      "F[%d] = %a, f(X[%d]) = %La", i, zig_f[i], i, want);
	}
	/* layer 0: the rectangle [0, X[0]] x [0, f(r)] is v, and so is
	 * [0, r] x [0, f(r)] plus the tail beyond r */
	long double a0 = (long double)zig_x[0] * f_exact(ZIG_R);
	long double tail = sqrtl(acosl(-1.0L) / 2) * erfcl(ZIG_R / sqrtl(2.0L));
	long double a0b = (long double)ZIG_R * f_exact(ZIG_R) + tail;
	CHECK(fabsl(a0 / v - 1) < 1e-14L, "layer 0: area %.20Lg, want v", a0);
	CHECK(fabsl(a0b / v - 1) < 1e-14L, "layer 0 with the tail: %.20Lg, want v", a0b);
	CHECK(fabsl(0.5L * erfcl(ZIG_R / sqrtl(2.0L)) / ZIG_Q - 1) < 1e-15L, "Q(r) %a", ZIG_Q);
	for (int i = 1; i < 256; i++) {
		long double top = i == 255 ? 1.0L : f_exact(zig_x[i + 1]);
		long double area = (long double)zig_x[i] * (top - f_exact(zig_x[i]));
		long double err = fabsl(area / v - 1);
		worst = err > worst ? err : worst;
		CHECK(err < (i == 255 ? 1e-12L : 1e-13L), "layer %d: area %.20Lg, want v", i, area);
	}
	printf("tables: 256 layers of area v within %.2Lg relative (the top one closing at 0)\n",
	       worst);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double phi(double x)
{
	return 0.5 * erfc(-x / sqrt(2.0));
}

static void test_moments(void)
{
	enum { N = 10000000, BINS = 2000 };
	double *all = malloc(N * sizeof *all);
	static long bin[BINS];
	if (!all) {
		FAIL("out of memory");
		return;
	}
	for (long k = 0; k < N; k += NORMALS_MAX)
		draw(20261206, (uint64_t)k, N - k < NORMALS_MAX ? (int)(N - k) : NORMALS_MAX, all + k);
	long double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
	static const double t[] = { 1, 2, 3, ZIG_R, 4, 4.5, 5 };
	long beyond[7] = { 0 };
	for (long k = 0; k < N; k++) {
		long double x = all[k], x2 = x * x;
		s1 += x;
		s2 += x2;
		s3 += x2 * x;
		s4 += x2 * x2;
		for (int j = 0; j < 7; j++)
			beyond[j] += fabs(all[k]) > t[j];
		int b = (int)(phi(all[k]) * BINS);
		bin[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
	}
	double n = N, m1 = (double)(s1 / n), m2 = (double)(s2 / n), m3 = (double)(s3 / n),
	       m4 = (double)(s4 / n);
	/* sd of the sample mean of z, z^2, z^3, z^4 under N(0,1): sqrt(1, 2, 15, 96 / n) */
	double zs[4] = { m1 / sqrt(1 / n), (m2 - 1) / sqrt(2 / n), m3 / sqrt(15 / n),
	                 (m4 - 3) / sqrt(96 / n) };
	static const char *const name[4] = { "mean", "variance", "skewness", "kurtosis" };
	printf("moments: n=%d mean %.3g variance %.6f third %.3g fourth %.5f; z", N, m1, m2, m3, m4);
	for (int j = 0; j < 4; j++) {
		printf(" %.2f", zs[j]);
		CHECK(fabs(zs[j]) < 5, "%s: z = %.2f", name[j], zs[j]);
	}
	printf("\n");
	for (int j = 0; j < 7; j++) {
		double p = erfc(t[j] / sqrt(2.0)), e = n * p, zt = (beyond[j] - e) / sqrt(e * (1 - p));
		printf("moments: P(|z| > %.4g) = %.4g, want %.4g, z %.2f\n", t[j], beyond[j] / n, p, zt);
		CHECK(fabs(zt) < 5, "P(|z| > %g): %ld of %d, want %.1f (z = %.2f)", t[j], beyond[j], N, e,
		      zt);
	}
	double chi2 = 0, e = n / BINS;
	for (int b = 0; b < BINS; b++)
		chi2 += (bin[b] - e) * (bin[b] - e) / e;
	double zc = (chi2 - (BINS - 1)) / sqrt(2.0 * (BINS - 1));
	printf("moments: chi-square %.1f on %d bins (df %d), z %.2f\n", chi2, BINS, BINS - 1, zc);
	CHECK(fabs(zc) < 5, "chi-square %.1f on %d bins: z = %.2f", chi2, BINS, zc);
	qsort(all, N, sizeof *all, by_value);
	double d = 0;
	for (long k = 0; k < N; k++) {
		double c = phi(all[k]), lo = c - k / n, hi = (k + 1) / n - c;
		d = lo > d ? lo : d;
		d = hi > d ? hi : d;
	}
	printf("moments: Kolmogorov-Smirnov sqrt(n) D = %.3f\n", sqrt(n) * d);
	CHECK(sqrt(n) * d < 2.3, "Kolmogorov-Smirnov sqrt(n) D = %.3f", sqrt(n) * d);
	free(all);
}

/* A word's z by itself (a block of one) and in blocks of every length and
 * width: the same bits. */
static void test_determinism(void)
{
	enum { LEN = NORMALS_MAX };
	static uint32_t lo[LEN], hi[LEN];
	static double z[LEN], one[LEN], by_ids[LEN];
	static uint64_t ids[64];
	long diffs = 0, slow = 0, checked = 0;
	for (int round = 0; round < 200; round++) {
		uint64_t seed = next_u64(), first = next_u64() >> 2;
		int width = 1 + (int)below(64), len = 1 + (int)below(LEN);
		long step0 = (long)below(100000);
		for (int k = 0; k < len; k++) {
			uint64_t w = next_u64();
			/* a third of the words in the rare set: top layer or tail */
			if (k % 3 == 0)
				w = (w & ~UINT64_C(255)) | (below(2) ? 255 : 0);
			lo[k] = (uint32_t)w;
			hi[k] = (uint32_t)(w >> 32);
		}
		const struct zig_where where = { seed, first, RNG_TRAINING, width, step0 };
		ziggurat_from_words(lo, hi, len, z, &scratch, &where);
		/* the paths given one by one (ziggurat_from_words_ids): the same z */
		for (int j = 0; j < width; j++)
			ids[j] = first + (uint64_t)j;
		ziggurat_from_words_ids(lo, hi, len, by_ids, &scratch, &where, ids);
		for (int k = 0; k < len; k++)
			if (to_bits(by_ids[k]) != to_bits(z[k]) && diffs++ < 10)
				FAIL("word %016" PRIx64 ": %a in a block, %a by ids",
				     (uint64_t)hi[k] << 32 | lo[k], z[k], by_ids[k]);
		for (int k = 0; k < len; k++) {
			const struct zig_where alone = { seed, first + (uint64_t)(k % width),
				                         RNG_TRAINING, 1, step0 + k / width };
			ziggurat_from_words(lo + k, hi + k, 1, one + k, &scratch, &alone);
			slow += scratch.slow[0];
			checked++;
			if (to_bits(one[k]) != to_bits(z[k]) && diffs++ < 10)
				FAIL("word %016" PRIx64 ": %a in a block, %a alone",
				     (uint64_t)hi[k] << 32 | lo[k], z[k], one[k]);
		}
	}
	printf("determinism: %ld words (%ld rare), %ld differences between a block and one word (or by ids)\n",
	       checked, slow, diffs);
}

static void test_mirror(void)
{
	enum { LEN = NORMALS_MAX };
	static uint32_t lo[LEN], hi[LEN], lo2[LEN];
	static double z[LEN], m[LEN];
	long bad = 0, n = 0;
	for (int round = 0; round < 1000; round++) {
		for (int k = 0; k < LEN; k++) {
			uint64_t w = next_u64();
			lo[k] = (uint32_t)w;
			hi[k] = (uint32_t)(w >> 32);
			lo2[k] = lo[k] ^ 256;
		}
		const struct zig_where where = { (uint64_t)round, 0, RNG_PRICING, 32, 0 };
		ziggurat_from_words(lo, hi, LEN, z, &scratch, &where);
		ziggurat_from_words(lo2, hi, LEN, m, &scratch, &where);
		for (int k = 0; k < LEN; k++, n++)
			if (to_bits(m[k]) != to_bits(-z[k]) && bad++ < 10)
				FAIL("word %016" PRIx64 ": %a, its mirror %a", (uint64_t)hi[k] << 32 | lo[k],
				     z[k], m[k]);
	}
	printf("mirror: %ld words, %ld whose sign-flipped word is not exactly -z\n", n, bad);
}

static void test_kat(void)
{
	static double z[NORMALS_MAX];
	uint64_t h = 0xcbf29ce484222325u;
	for (uint64_t first = 0; first < 1000000; first += 1000) {
		draw(42, first, 1000, z);
		for (int k = 0; k < 1000; k++) {
			h ^= to_bits(z[k]);
			h *= 0x100000001b3u;
		}
	}
	const uint64_t want = 0x73ab185deff68ba1u;
	printf("kat: %016" PRIx64 "\n", h);
	CHECK(h == want, "known-answer hash %016" PRIx64 ", want %016" PRIx64, h, want);
}

/* Not a test: CPU ns per normal, ziggurat and inversion, on this machine
 * (CPU time: a loaded machine stretches the wall clock). */
static void bench(void)
{
	static uint32_t lo[NORMALS_MAX], hi[NORMALS_MAX];
	static double z[NORMALS_MAX];
	static struct normal_scratch ns;
	for (int k = 0; k < NORMALS_MAX; k++) {
		uint64_t w = next_u64();
		lo[k] = (uint32_t)w;
		hi[k] = (uint32_t)(w >> 32);
	}
	const struct zig_where where = { 1, 0, RNG_PRICING, 16, 0 };
	double sum = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		for (int r = 0; r < 20000; r++) {
			lo[r % NORMALS_MAX] += 1;
			if (pass == 0)
				ziggurat_from_words(lo, hi, NORMALS_MAX, z, &scratch, &where);
			else
				normals_from_words(lo, hi, NORMALS_MAX, z, &ns);
			sum += z[r % NORMALS_MAX];
		}
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
		printf("bench: %s %.3f ns per normal\n", pass ? "inversion" : "ziggurat",
		       s / (20000.0 * NORMALS_MAX) * 1e9);
	}
	printf("bench: (checksum %g)\n", sum);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} part[] = { { "tables", test_tables }, { "moments", test_moments },
		     { "determinism", test_determinism }, { "mirror", test_mirror },
		     { "kat", test_kat }, { "bench", bench } };
	const size_t nparts = sizeof part / sizeof part[0];
	if (argc != 2) {
		fprintf(stderr, "usage: test_ziggurat tables|moments|determinism|mirror|kat|bench|all\n");
		return 2;
	}
	int found = 0;
	for (size_t i = 0; i < nparts; i++)
		if (strcmp(argv[1], part[i].name) == 0 ||
		    (strcmp(argv[1], "all") == 0 && strcmp(part[i].name, "bench") != 0)) {
			part[i].run();
			found = 1;
		}
	if (!found) {
		fprintf(stderr, "test_ziggurat: unknown part '%s'\n", argv[1]);
		return 2;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("test_ziggurat: stdout");
		return 1;
	}
	return failures ? 1 : 0;
}
