/* test_rng - checks mcpipe's random numbers: tools/lib/rng.h (Philox4x32-10
 * from Random123) and the uniform and normal draws simpaths makes from it
 * (det_u01 and det_normal_quantile in tools/lib/detmath.h).
 *
 * usage: test_rng kat FILE | uniform | normal | mirror | all FILE
 *   kat      every vector of FILE (lines "philox4x32 10 c0 c1 c2 c3 k0 k1
 *            r0 r1 r2 r3", as in Random123's kat_vectors) through
 *            philox4x32_R(10, ...) and through rng_block's word packing
 *   uniform  10^6 draws of det_u01: all in (0,1); mean, variance and a
 *            100-bin chi-square within 5 sigma
 *   normal   10^6 draws of det_normal_quantile(det_u01(.)): mean, variance,
 *            skewness, excess kurtosis within 5 standard errors; P(z < -3)
 *            and P(z > 4) within 5 binomial sigma
 *   mirror   the antithetic identities: det_u01(~b) == 1 - det_u01(b) and
 *            z(~b) == -z(b) bit for bit; the extreme draws and |z| bound
 * Exit 0 when every check holds; each failure is one line on stderr and the
 * exit status is 1 (2 for a usage or fixture-file error). Measurements go
 * to stdout.
 *
 * The draws are deterministic (counter-based RNG, fixed seeds), so a
 * 5-sigma check passes or fails the same way every run: no flaky tests. */
#define _POSIX_C_SOURCE 200809L
#include "detmath.h"
#include "rng.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NDRAWS 1000000

#define UNIT_SEED 1   /* draws come from rng.h here */
#include "unit.h"

/* |value - expected| <= 5 sigma, reported either way. */
static void within_5_sigma(const char *what, double value, double expected, double sigma)
{
	double z = (value - expected) / sigma;
	printf("%-28s %.9g (expected %.9g, %+.2f sigma)\n", what, value, expected, z);
	if (!(fabs(z) <= 5))
		FAIL("%s = %.9g, expected %.9g +- 5 * %.3g (%+.2f sigma)",
		     what, value, expected, sigma, z);
}

/* --- known-answer vectors ----------------------------------------------- */

static void test_kat(const char *file)
{
	FILE *fp = fopen(file, "r");
	char line[512];
	unsigned long lineno = 0;
	int nvectors = 0;

	if (!fp) {
		perror(file);
		exit(2);
	}
	while (fgets(line, sizeof line, fp)) {
		char name[32], tail[2];
		unsigned rounds;
		uint32_t w[10];
		int consumed = 0;

		lineno++;
		if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
			continue;
		if (sscanf(line, "%31s %u %" SCNx32 " %" SCNx32 " %" SCNx32 " %" SCNx32
		           " %" SCNx32 " %" SCNx32 " %" SCNx32 " %" SCNx32 " %" SCNx32
		           " %" SCNx32 "%n", name, &rounds, &w[0], &w[1], &w[2], &w[3],
		           &w[4], &w[5], &w[6], &w[7], &w[8], &w[9], &consumed) != 12 ||
		    sscanf(line + consumed, "%1s", tail) == 1 ||
		    strcmp(name, "philox4x32") != 0 || rounds != 10) {
			fprintf(stderr, "test_rng: %s:%lu: not a philox4x32 10 vector\n", file, lineno);
			exit(2);
		}
		nvectors++;

		/* Random123's C API, exactly as the vector is written */
		philox4x32_ctr_t ctr = { { w[0], w[1], w[2], w[3] } };
		philox4x32_key_t key = { { w[4], w[5] } };
		philox4x32_ctr_t r = philox4x32_R(10, ctr, key);
		int ok = 1;
		for (int i = 0; i < 4; i++)
			ok &= r.v[i] == w[6 + i];
		if (!ok)
			FAIL("%s:%lu: philox4x32_R(10) gave %08" PRIx32 " %08" PRIx32 " %08" PRIx32
			     " %08" PRIx32, file, lineno, r.v[0], r.v[1], r.v[2], r.v[3]);

		/* rng.h: seed = k1:k0, counter = { block, stream, path lo, path hi },
		 * out[0] = r1:r0, out[1] = r3:r2 */
		uint64_t seed = (uint64_t)w[5] << 32 | w[4];
		uint64_t path = (uint64_t)w[3] << 32 | w[2];
		uint64_t out[2];
		rng_block(seed, w[1], path, w[0], out);
		uint64_t want0 = (uint64_t)w[7] << 32 | w[6];
		uint64_t want1 = (uint64_t)w[9] << 32 | w[8];
		if (out[0] != want0 || out[1] != want1)
			FAIL("%s:%lu: rng_block gave %016" PRIx64 " %016" PRIx64
			     ", expected %016" PRIx64 " %016" PRIx64,
			     file, lineno, out[0], out[1], want0, want1);
	}
	fclose(fp);
	printf("kat: %d vectors from %s\n", nvectors, file);
	if (nvectors == 0)
		FAIL("%s: no vectors", file);
}

/* --- uniforms ----------------------------------------------------------- */

/* The i-th 64-bit word of the pricing stream of `seed`, in the order
 * simpaths consumes them for one-step paths: two words per path. */
static uint64_t draw_bits(uint64_t seed, uint64_t i)
{
	uint64_t out[2];
	rng_block(seed, RNG_PRICING, i / 2, 0, out);
	return out[i % 2];
}

static void test_uniform(void)
{
	enum { BINS = 100 };
	const uint64_t seed = 0x5eed0001u;
	long double sum = 0, sum2 = 0;
	long bins[BINS] = { 0 };
	long outside = 0;

	for (uint64_t i = 0; i < NDRAWS; i++) {
		double u = det_u01(draw_bits(seed, i));
		if (!(u > 0 && u < 1)) {
			if (outside++ < 5)
				FAIL("det_u01 draw %" PRIu64 " = %a is not in (0,1)", i, u);
			continue;
		}
		sum += u;
		bins[(int)(u * BINS)]++;
	}
	long double mean = sum / NDRAWS;
	for (uint64_t i = 0; i < NDRAWS; i++) {
		long double d = det_u01(draw_bits(seed, i)) - mean;
		sum2 += d * d;
	}
	double var = (double)(sum2 / (NDRAWS - 1));
	double chi2 = 0, expected = (double)NDRAWS / BINS;
	for (int b = 0; b < BINS; b++)
		chi2 += (bins[b] - expected) * (bins[b] - expected) / expected;

	printf("uniform: %d draws, %ld outside (0,1)\n", NDRAWS, outside);
	/* U(0,1): variance 1/12; Var((U-1/2)^2) = 1/80 - 1/144 = 1/180 */
	within_5_sigma("uniform mean", (double)mean, 0.5, sqrt(1.0 / 12 / NDRAWS));
	within_5_sigma("uniform variance", var, 1.0 / 12, sqrt(1.0 / 180 / NDRAWS));
	/* chi-square with 99 degrees of freedom: mean 99, sd sqrt(198) */
	within_5_sigma("uniform chi2 (100 bins)", chi2, BINS - 1, sqrt(2.0 * (BINS - 1)));
}

/* --- normals ------------------------------------------------------------ */

static void test_normal(void)
{
	const uint64_t seed = 0x5eed0002u;
	long double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
	long below_m3 = 0, above_4 = 0;
	double zmin = HUGE_VAL, zmax = -HUGE_VAL;

	for (uint64_t i = 0; i < NDRAWS; i++) {
		double z = det_normal_quantile(det_u01(draw_bits(seed, i)));
		long double zl = z;
		s1 += zl;
		s2 += zl * zl;
		s3 += zl * zl * zl;
		s4 += zl * zl * zl * zl;
		below_m3 += z < -3;
		above_4 += z > 4;
		zmin = z < zmin ? z : zmin;
		zmax = z > zmax ? z : zmax;
	}
	/* raw moments of N(0,1) are 0, 1, 0, 3; with the mean known to be 0
	 * in theory, the central sample moments use the sample mean anyway */
	double n = NDRAWS;
	double mean = (double)(s1 / n);
	double m2 = (double)(s2 / n) - mean * mean;
	double m3 = (double)(s3 / n) - 3 * mean * (double)(s2 / n) + 2 * mean * mean * mean;
	double m4 = (double)(s4 / n) - 4 * mean * (double)(s3 / n)
	            + 6 * mean * mean * (double)(s2 / n) - 3 * mean * mean * mean * mean;
	double skew = m3 / pow(m2, 1.5);
	double kurt = m4 / (m2 * m2) - 3;

	printf("normal: %d draws, min %.6f, max %.6f\n", NDRAWS, zmin, zmax);
	within_5_sigma("normal mean", mean, 0, sqrt(1 / n));
	within_5_sigma("normal variance", m2, 1, sqrt(2 / n));
	within_5_sigma("normal skewness", skew, 0, sqrt(6 / n));
	within_5_sigma("normal excess kurtosis", kurt, 0, sqrt(24 / n));

	double p3 = 0.5 * erfc(3 / sqrt(2.0));  /* P(z < -3) = 1.3499e-3 */
	double p4 = 0.5 * erfc(4 / sqrt(2.0));  /* P(z > 4) = 3.1671e-5 */
	within_5_sigma("count of z < -3", (double)below_m3, n * p3, sqrt(n * p3 * (1 - p3)));
	within_5_sigma("count of z > 4", (double)above_4, n * p4, sqrt(n * p4 * (1 - p4)));
}

/* --- antithetic mirrors and extremes --------------------------------------- */

static void test_mirror(void)
{
	const uint64_t seed = 0x5eed0003u;
	long bad_u = 0, bad_z = 0;

	for (uint64_t i = 0; i < NDRAWS; i++) {
		uint64_t b = draw_bits(seed, i);
		double u = det_u01(b), um = det_u01(~b);
		if (um != 1 - u && bad_u++ < 5)
			FAIL("det_u01(~%016" PRIx64 ") = %a, not 1 - %a", b, um, u);
		double z = det_normal_quantile(u), zm = det_normal_quantile(um);
		if (memcmp(&zm, &(double){ -z }, sizeof z) != 0 && bad_z++ < 5)
			FAIL("quantile of the mirror of %016" PRIx64 " is %a, not -%a", b, zm, z);
	}
	printf("mirror: %d draws, %ld uniform and %ld normal mirrors inexact\n",
	       NDRAWS, bad_u, bad_z);

	/* the extreme draws: bits 0 and ~0 */
	double lo = det_u01(0), hi = det_u01(UINT64_MAX);
	if (lo != 0x1p-53 || hi != 1 - 0x1p-53)
		FAIL("det_u01 extremes are %a and %a, expected 0x1p-53 and 1-0x1p-53", lo, hi);
	double zlo = det_normal_quantile(lo), zhi = det_normal_quantile(hi);
	printf("extremes: u in [%a, %a], z in [%.17g, %.17g]\n", lo, hi, zlo, zhi);
	if (zhi != -zlo)
		FAIL("extreme normals %.17g and %.17g are not mirrors", zlo, zhi);
	/* Phi^-1(2^-53) = -8.2095361... (mpmath); AS241 is good to ~1e-16 */
	if (!(fabs(zlo + 8.2095361516013874) < 1e-12))
		FAIL("det_normal_quantile(2^-53) = %.17g, expected -8.2095361516013874", zlo);
	if (!(zhi < 8.3))
		FAIL("largest normal %.17g is not below 8.3", zhi);
}

int main(int argc, char **argv)
{
	const char *part = argc >= 2 ? argv[1] : "";
	int all = strcmp(part, "all") == 0;
	int needs_file = all || strcmp(part, "kat") == 0;

	if (argc != 2 + needs_file ||
	    !(needs_file || strcmp(part, "uniform") == 0 || strcmp(part, "normal") == 0 ||
	      strcmp(part, "mirror") == 0)) {
		fprintf(stderr, "usage: test_rng kat FILE | uniform | normal | mirror | all FILE\n");
		return 2;
	}
	if (needs_file)
		test_kat(argv[2]);
	if (all || strcmp(part, "uniform") == 0)
		test_uniform();
	if (all || strcmp(part, "normal") == 0)
		test_normal();
	if (all || strcmp(part, "mirror") == 0)
		test_mirror();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("test_rng: stdout");
		return 1;
	}
	return failures ? 1 : 0;
}
