/* test_partial.c: partial_add_columns against partial_add_row.
 *
 * usage: test_partial [batches]   (default 3000)
 *
 * partial_add_columns (simpaths --partial) sums by binary exponent in
 * integer buckets; partial_add_row (aggregate) adds each value, product and
 * product error to an xsum. Both must reach the same exact sums, so the
 * same partial. Each batch draws 1 to 4 columns of 1 to 3000 rows from one
 * of several kinds of data (payoff-like, signed, every exponent from the
 * subnormals up, products below 2^-1074's grid, values past 2^400 that take
 * the plain path, many zeros, repeated values), adds them both ways into
 * two states, and compares every sum and product; a value that
 * partial_add_row refuses (NaN, too large to square) must make
 * partial_add_columns return the first such row and add nothing.
 *
 * test_partial blocks [batches]: the block rule (partial_add_paths), see
 * test_blocks.
 *
 * Failures go to stderr, one line each; the exit status is 1 if any. */
#include "partial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_SEED 0x7061727469616c01
#include "unit.h"

/* A value of the kind: see the header. */
static double draw(int kind)
{
	double sign = below(2) ? -1 : 1;

	switch (kind) {
	case 0:   /* a call's payoffs: half zero, the rest up to 50 */
		return below(2) ? 0 : 50 * uniform();
	case 1:   /* signed, moderate */
		return sign * 1e3 * uniform();
	case 2:   /* any finite double up to 2^400, subnormals included */
		/* biased exponents below 0x58f = 1423: below 2^400 */
		return sign * from_bits((next_u64() & ~(UINT64_C(1) << 63)) % (UINT64_C(0x58f) << 52));
	case 3:   /* tiny: products fall below the grid of 2^-1074 */
		return sign * ldexp(1 + uniform(), -500 - (int)below(560));
	case 4:   /* large: past 2^400, the plain path; squares still finite */
		return sign * ldexp(1 + uniform(), 400 + (int)below(110));
	case 5:   /* mostly zeros, a few repeated values */
		return below(10) ? 0 : (double)below(3) * 0.1;
	}
	abort();
}

static bool same_state(const struct partial *a, const struct partial *b, int n)
{
	if (a->nrows != b->nrows)
		return false;
	for (int i = 0; i < n; i++) {
		if (!xsum_equal(&a->sums[i], &b->sums[i]))
			return false;
		for (int j = i; j < n; j++)
			if (!xsum_equal(&a->products[i][j], &b->products[i][j]))
				return false;
	}
	return true;
}

static struct partial by_rows, by_columns, before;
static double values[4][3000];

/* The same pending paths, in the same (path) order, in both. */
static bool same_pending(const struct partial *a, const struct partial *b, int n)
{
	return a->npending == b->npending &&
	       (a->npending == 0 ||
	        memcmp(a->pending, b->pending, a->npending * (1 + (size_t)n) * sizeof *a->pending) == 0);
}

static struct partial whole, pieces;

/* test_partial blocks N: the block rule (partial_add_paths) gives the
 * same state, sums and waiting paths, however the paths are split into
 * calls and in whatever order the pieces come; a refused row leaves the
 * state as it was. */
static int test_blocks(long batches)
{
	char *names[4] = { "a", "b", "c", "d" };

	for (long t = 0; t < batches; t++) {
		partial_free(&whole);
		partial_free(&pieces);
		memset(&whole, 0, sizeof whole);
		memset(&pieces, 0, sizeof pieces);
		int n = 1 + (int)below(4), kind = (int)below(6);
		size_t rows = 1 + below(3000);
		uint64_t first = below(2) ? 128 * below(4) : below(1000);
		partial_set_columns(&whole, "test", names, n);
		partial_set_columns(&pieces, "test", names, n);
		for (int i = 0; i < n; i++)
			for (size_t r = 0; r < rows; r++)
				values[i][r] = draw(kind);
		const double *columns[4] = { values[0], values[1], values[2], values[3] };
		CHECK(partial_add_paths(&whole, first, columns, rows) == -1, "batch %ld: refused", t);

		/* up to 12 pieces at random cuts, fed in a random order */
		size_t cut[14];
		int ncut = 0;
		cut[ncut++] = 0;
		for (int k = (int)below(12); k > 0; k--)
			cut[ncut++] = below(rows);
		cut[ncut++] = rows;
		for (int a = 1; a < ncut; a++)   /* sort */
			for (int b = a; b > 0 && cut[b] < cut[b - 1]; b--) {
				size_t x = cut[b]; cut[b] = cut[b - 1]; cut[b - 1] = x;
			}
		int order[13];
		for (int k = 0; k < ncut - 1; k++)
			order[k] = k;
		for (int k = ncut - 2; k > 0; k--) {
			int j = (int)below((uint64_t)k + 1), x = order[k];
			order[k] = order[j];
			order[j] = x;
		}
		for (int k = 0; k < ncut - 1; k++) {
			size_t a = cut[order[k]], b = cut[order[k] + 1];
			const double *part[4] = { values[0] + a, values[1] + a, values[2] + a, values[3] + a };
			if (b > a && below(8) == 0) {   /* a value to refuse: nothing added */
				size_t r = a + below(b - a);
				int i = (int)below((uint64_t)n);
				double kept = values[i][r];
				values[i][r] = below(2) ? NAN : 1e200;
				before = pieces;
				int got = partial_add_paths(&pieces, first + a, part, b - a);
				CHECK(got == (int)(r - a), "batch %ld: refused row %d, expected %zu", t, got, r - a);
				CHECK(same_state(&pieces, &before, n) && pieces.stage_count == before.stage_count &&
				      pieces.npending == before.npending,
				      "batch %ld: a refused piece changed the state", t);
				values[i][r] = kept;
			}
			CHECK(partial_add_paths(&pieces, first + a, part, b - a) == -1, "batch %ld: refused", t);
		}
		partial_settle(&whole, false);
		partial_settle(&pieces, false);
		CHECK(same_state(&whole, &pieces, n) && same_pending(&whole, &pieces, n),
		      "batch %ld (kind %d, %d columns, paths %llu..+%zu, %d pieces): states differ", t, kind,
		      n, (unsigned long long)first, rows, ncut - 1);
	}
	if (failures)
		fprintf(stderr, "test_partial: %ld failures\n", failures);
	else
		printf("test_partial: %ld batches, the same block sums for every split\n", batches);
	return failures != 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "blocks") == 0)
		return test_blocks(argc > 2 ? atol(argv[2]) : 1000);
	long batches = argc > 1 ? atol(argv[1]) : 3000;
	char *names[4] = { "a", "b", "c", "d" };

	for (long t = 0; t < batches; t++) {
		partial_free(&by_rows);
		partial_free(&by_columns);
		int n = 1 + (int)below(4);
		size_t rows = 1 + below(below(4) ? 1500 : 3000);
		int kind = (int)below(6), mixed = below(4) == 0;   /* mixed: a kind per value */
		memset(&by_rows, 0, sizeof by_rows);
		memset(&by_columns, 0, sizeof by_columns);
		partial_set_columns(&by_rows, "test", names, n);
		partial_set_columns(&by_columns, "test", names, n);
		for (int i = 0; i < n; i++)
			for (size_t r = 0; r < rows; r++)
				values[i][r] = draw(mixed ? (int)below(6) : kind);

		/* now and then a value to refuse */
		long refused_at = -1;
		if (below(8) == 0) {
			size_t r = below(rows);
			values[below((uint64_t)n)][r] = below(2) ? NAN : 1e200;
			refused_at = (long)r;
		}
		const double *columns[4] = { values[0], values[1], values[2], values[3] };
		before = by_columns;
		int got = partial_add_columns(&by_columns, columns, rows);
		if (refused_at >= 0) {
			CHECK(got == refused_at, "batch %ld: refused row %d, expected %ld", t, got, refused_at);
			CHECK(same_state(&by_columns, &before, n), "batch %ld: a refused batch changed the state",
			      t);
			continue;
		}
		if (got != -1) {
			FAIL("batch %ld: refused row %d of good data", t, got);
			continue;
		}
		for (size_t r = 0; r < rows; r++) {
			double row[4];
			for (int i = 0; i < n; i++)
				row[i] = values[i][r];
			if (partial_add_row(&by_rows, row) != -1)
				FAIL("batch %ld: partial_add_row refused row %zu", t, r);
		}
		CHECK(same_state(&by_rows, &by_columns, n), "batch %ld (kind %d%s, %d columns, %zu rows)",
		      t, kind, mixed ? ", mixed" : "", n, rows);
	}
	if (failures)
		fprintf(stderr, "test_partial: %ld failures\n", failures);
	else
		printf("test_partial: %ld batches, the same sums both ways\n", batches);
	return failures != 0;
}
