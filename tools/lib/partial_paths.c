/* partial_paths.c: the block rule of partials (partial.h, DESIGN.md's
 * "Partials: exact sums that merge"): paths summed in blocks fixed in path-index space, only the
 * block sums exact.
 *
 * Summing every path's value and products exactly costs a few ns a path,
 * a quarter of a European shard's time. A block's sums in plain double
 * arithmetic cost a fraction of a ns, and are the same bits wherever the
 * block is summed, as long as it is summed whole and in one order: its
 * paths in index order, spread over BLOCK_LANES running sums (lane l takes
 * the paths l, l + 8, ...; the compiler vectorises the lanes at any
 * vector width with the same bits, -ffp-contract=off keeping x*y a
 * rounded product), the lanes then added pairwise in a fixed tree. So a
 * block lying inside one call is summed at once; the paths of a block
 * split between calls, ranges or partials wait (the stage, then the
 * pending list, written as a partial's `path` rows) until every path of
 * the block is at hand, in one partial_settle or another. Which split
 * there was never shows in the sums. */
#define _POSIX_C_SOURCE 200809L
#include "partial.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "numtext.h"
#include "simd.h"
#include "xalloc.h"

#define BLOCK_LANES PARTIAL_BLOCK_LANES
#define lane_tree partial_lane_tree

/* sum over r of x[r] * y[r] (y NULL: of x[r]), r < len, the block order. */
ALWAYS_INLINE static double lane_sum(const double *x, const double *y, size_t len)
{
	double acc[BLOCK_LANES] = { 0 };
	size_t r = 0;

	if (y) {
		for (; r + BLOCK_LANES <= len; r += BLOCK_LANES)
			for (int l = 0; l < BLOCK_LANES; l++)
				acc[l] = acc[l] + x[r + l] * y[r + l];
		for (int l = 0; r + (size_t)l < len; l++)
			acc[l] = acc[l] + x[r + l] * y[r + l];
	} else {
		for (; r + BLOCK_LANES <= len; r += BLOCK_LANES)
			for (int l = 0; l < BLOCK_LANES; l++)
				acc[l] = acc[l] + x[r + l];
		for (int l = 0; r + (size_t)l < len; l++)
			acc[l] = acc[l] + x[r + l];
	}
	return lane_tree(acc);
}

/* Four lanes of running sums: a GCC vector (one AVX2 or AVX-512 register,
 * two SSE2 ones), so that the sums stay in registers; element by element
 * the same operations as an array's. The eight lanes are two of them. */
typedef double lanes4 __attribute__((vector_size(4 * sizeof(double))));
_Static_assert(BLOCK_LANES == 8, "the block's lanes are two lanes4");

/* block_deviation_sums for n = 1 or 2 columns (a price; a price and its
 * control): D and Q in one pass, the deviations never stored. Each running
 * sum takes the operations lane_sum gives it, in the same order (d0 d1 is
 * d1 d0: a product is commutative), so the same bits, from one read of the
 * block instead of one per sum (make price's European spent a tenth of a
 * shard's time on the block sums). */
ALWAYS_INLINE static void deviation_sums_small(int n, const double *const *x, size_t len,
                                               double *D, double (*Q)[PARTIAL_MAX_COLUMNS])
{
	const double c0 = x[0][0], c1 = n > 1 ? x[1][0] : 0;
	lanes4 a0[2] = { { 0 } }, a1[2] = { { 0 } };
	lanes4 q00[2] = { { 0 } }, q01[2] = { { 0 } }, q11[2] = { { 0 } };
	size_t r = 0;

	for (; r + BLOCK_LANES <= len; r += BLOCK_LANES)
		for (int h = 0; h < 2; h++) {
			lanes4 v0, v1, d0, d1;
			memcpy(&v0, x[0] + r + 4 * h, sizeof v0);
			d0 = v0 - c0;
			a0[h] = a0[h] + d0;
			q00[h] = q00[h] + d0 * d0;
			if (n > 1) {
				memcpy(&v1, x[1] + r + 4 * h, sizeof v1);
				d1 = v1 - c1;
				a1[h] = a1[h] + d1;
				q01[h] = q01[h] + d0 * d1;
				q11[h] = q11[h] + d1 * d1;
			}
		}
	double s[5][BLOCK_LANES];
	memcpy(s[0], a0, sizeof a0);
	memcpy(s[1], q00, sizeof q00);
	memcpy(s[2], a1, sizeof a1);
	memcpy(s[3], q01, sizeof q01);
	memcpy(s[4], q11, sizeof q11);
	for (int l = 0; r + (size_t)l < len; l++) {   /* a short last block */
		double d0 = x[0][r + l] - c0;
		s[0][l] = s[0][l] + d0;
		s[1][l] = s[1][l] + d0 * d0;
		if (n > 1) {
			double d1 = x[1][r + l] - c1;
			s[2][l] = s[2][l] + d1;
			s[3][l] = s[3][l] + d0 * d1;
			s[4][l] = s[4][l] + d1 * d1;
		}
	}
	D[0] = lane_tree(s[0]);
	Q[0][0] = lane_tree(s[1]);
	if (n > 1) {
		D[1] = lane_tree(s[2]);
		Q[0][1] = lane_tree(s[3]);
		Q[1][1] = lane_tree(s[4]);
	}
}

/* The block's sums of deviations from its first path's values c[i]:
 * d[i][r] = x[i][r] - c[i], D[i] = sum of d[i][r], Q[i][j] = sum of
 * d[i][r] d[j][r] (j >= i). False when one is not finite. d is filled
 * only for more than 2 columns. */
SIMD_CLONES static bool block_deviation_sums(int n, const double *const *x, size_t len,
                                             double (*d)[PARTIAL_BLOCK], double *D,
                                             double (*Q)[PARTIAL_MAX_COLUMNS])
{
	bool finite = true;

	if (n <= 2) {
		if (n == 1)
			deviation_sums_small(1, x, len, D, Q);
		else
			deviation_sums_small(2, x, len, D, Q);
		for (int i = 0; i < n; i++)
			for (int j = i; j < n; j++)
				finite &= isfinite(D[i]) && isfinite(Q[i][j]);
		return finite;
	}
	for (int i = 0; i < n; i++) {
		double c = x[i][0];
		for (size_t r = 0; r < len; r++)
			d[i][r] = x[i][r] - c;
		D[i] = lane_sum(d[i], NULL, len);
		finite &= isfinite(D[i]);
	}
	for (int i = 0; i < n; i++)
		for (int j = i; j < n; j++) {
			Q[i][j] = lane_sum(d[i], d[j], len);
			finite &= isfinite(Q[i][j]);
		}
	return finite;
}

/* to += x, exactly; a 0 is not added: a sum is exact, so adding 0
 * changes nothing (and the carries only restore the form, never the
 * value). A call's block of paths that all pay nothing, or whose first
 * path pays nothing (half of an at-the-money call's), has c = 0, and so
 * most of its terms below are 0: the European shard's exact adds fell
 * from 7 to 4.5 a block (bench/RESULTS.md, issue 20 session 11). */
ALWAYS_INLINE static void add_nonzero(xsum *to, double x)
{
	if (x != 0)
		xsum_add_inline(to, x);
}

/* x * y, exactly, into to: the product and its error (partial_add_product).
 * With a whole block (128 paths, a power of two) most products here are
 * exact: their error is 0. */
ALWAYS_INLINE static void add_exact_product(xsum *to, double x, double y)
{
	double xy = x * y, error = fma(x, y, -xy);
	add_nonzero(to, xy);
	add_nonzero(to, error);
}

/* x * y twice (c_i D_i, both cross terms of a square), exactly: 2 xy and
 * twice its error are exact when 2 xy is finite, so two adds instead of
 * four, and the same sum. */
ALWAYS_INLINE static void add_exact_product_twice(xsum *to, double x, double y)
{
	double xy = x * y, error = fma(x, y, -xy);

	if (!isfinite(2 * xy)) {
		add_exact_product(to, x, y);
		add_exact_product(to, x, y);
		return;
	}
	add_nonzero(to, 2 * xy);
	add_nonzero(to, 2 * error);
}

/* The block's replicate sums (randomized QMC, partial.h): path start + k
 * is replicate (start + k) % R, so the block holds cnt[j] paths of
 * replicate (start % R + j) % R, j < min(R, len). Each replicate's values
 * are shifted by the block's first value c, as add_block's are, and summed
 * in path order in double arithmetic: rsum += cnt c (an exact product) +
 * D. Two exact adds a replicate and block (cnt c is exact when cnt is a
 * power of two, as with R = 16: 8 paths each) instead of one a path; the
 * rounding is relative to the spread, and a constant column gives every
 * replicate the same exact sum. No overflow: a value partial_add_row
 * accepts is at most partial_largest_squarable (~1e154), so 128 of its
 * deviations sum far below DBL_MAX. */
ALWAYS_INLINE static void add_replicate_block(struct partial *p, uint64_t start,
                                              const double *const *x, size_t len)
{
	static double D[PARTIAL_BLOCK];
	static unsigned cnt[PARTIAL_BLOCK];
	const size_t R = (size_t)p->replicates, nrep = R < len ? R : len;
	const size_t r0 = (size_t)(start % R);

	for (size_t j = 0; j < nrep; j++)
		cnt[j] = (unsigned)((len - j + R - 1) / R);
	for (int i = 0; i < p->ncolumns; i++) {
		const double c = x[i][0];
		size_t k = 0;
		for (size_t j = 0; j < nrep; j++)
			D[j] = 0;
		/* round by round of R paths: replicate j's running sum takes its
		 * paths in path order, and the loop over j vectorises */
		for (; k + R <= len; k += R)
			for (size_t j = 0; j < R; j++)
				D[j] = D[j] + (x[i][k + j] - c);
		for (size_t j = 0; k + j < len; j++)
			D[j] = D[j] + (x[i][k + j] - c);
		for (size_t j = 0; j < nrep; j++) {
			size_t r = r0 + j < R ? r0 + j : r0 + j - R;
			xsum *to = &p->rsums[r * PARTIAL_MAX_COLUMNS + (size_t)i];
			add_exact_product(to, (double)cnt[j], c);
			if (D[j] != 0)
				xsum_add(to, D[j]);
		}
	}
}

/* One whole block, x[i][0..len-1] its paths' values in path order.
 * Shifted by the block's first values c: x = c + d, so
 *     sum x = len c + D,  sum x_i x_j = len c_i c_j + c_i D_j + c_j D_i + Q_ij,
 * the products of c exact, D and Q in double arithmetic in the block
 * order. Rounding is then relative to the spread of the values, not to
 * their size: a mean large against the spread keeps its variance (and a
 * constant column has variance exactly 0), as with exact sums. A block
 * where something overflows is summed exactly path by path instead: also
 * a function of its values only. The clones inline fma (the default
 * build's is a libm call for each product; fma is exactly rounded either
 * way, so the same bits). */
static void add_block_sums(struct partial *p, const double *const *x, size_t len, bool finite,
                           const double *D, double (*Q)[PARTIAL_MAX_COLUMNS]);

SIMD_CLONES static void add_block(struct partial *p, uint64_t start, const double *const *x,
                                  size_t len)
{
	static double d[PARTIAL_MAX_COLUMNS][PARTIAL_BLOCK], D[PARTIAL_MAX_COLUMNS];
	static double Q[PARTIAL_MAX_COLUMNS][PARTIAL_MAX_COLUMNS];

	if (p->replicates)
		add_replicate_block(p, start, x, len);
	bool finite = block_deviation_sums(p->ncolumns, x, len, d, D, Q);
	add_block_sums(p, x, len, finite, D, Q);
}

/* add_block's exact part, from the block's deviation sums D and Q
 * (finite: all of them are). */
SIMD_CLONES static void add_block_sums(struct partial *p, const double *const *x, size_t len,
                                       bool finite, const double *D,
                                       double (*Q)[PARTIAL_MAX_COLUMNS])
{
	int n = p->ncolumns;
	double count = (double)len;

	/* every term below finite (the exact products' errors are then too) */
	for (int i = 0; finite && i < n; i++)
		for (int j = i; finite && j < n; j++) {
			double ci = x[i][0], cj = x[j][0], cc = ci * cj;
			finite = isfinite(count * ci) && isfinite(count * cc) && isfinite(ci * D[j]) &&
			         isfinite(cj * D[i]);
		}
	if (finite) {
		for (int i = 0; i < n; i++) {
			double ci = x[i][0];
			add_exact_product(&p->sums[i], count, ci);
			add_nonzero(&p->sums[i], D[i]);
			for (int j = i; j < n; j++) {
				double cj = x[j][0], cc = ci * cj;
				xsum *to = &p->products[i][j];
				add_exact_product(to, count, cc);
				add_exact_product(to, count, fma(ci, cj, -cc));
				if (i == j) {
					add_exact_product_twice(to, ci, D[i]);
				} else {
					add_exact_product(to, ci, D[j]);
					add_exact_product(to, cj, D[i]);
				}
				add_nonzero(to, Q[i][j]);
			}
		}
		return;
	}
	for (size_t r = 0; r < len; r++)
		for (int i = 0; i < n; i++) {
			xsum_add(&p->sums[i], x[i][r]);
			for (int j = i; j < n; j++)
				partial_add_product(&p->products[i][j], x[i][r], x[j][r]);
		}
}

bool partial_takes_summed_blocks(const struct partial *p, uint64_t first)
{
	return p->ncolumns == 1 && !p->replicates && p->stage_count == 0 && first % PARTIAL_BLOCK == 0;
}

/* add_block_sums of one column and a whole block (count 128), its terms
 * spelled out: the same exact adds (the ones that are not 0), without the
 * loops over columns that made the general one about 60 ns a block, 4% of
 * a European shard (bench/RESULTS.md, issue 20 session 11). A block whose
 * first value c is 0 (an at-the-money call's, half of them) adds only D
 * and Q. Not finite: the general one, path by path. */
ALWAYS_INLINE static void add_block_sums1(struct partial *p, const double *x, double D, double Q)
{
	const double count = PARTIAL_BLOCK, c = x[0];

	if (c == 0 && isfinite(D) && isfinite(Q)) {
		add_nonzero(&p->sums[0], D);
		add_nonzero(&p->products[0][0], Q);
		return;
	}
	double cc = c * c;
	if (isfinite(D) && isfinite(Q) && isfinite(count * c) && isfinite(count * cc) &&
	    isfinite(c * D)) {
		xsum *to = &p->products[0][0];
		add_exact_product(&p->sums[0], count, c);
		add_nonzero(&p->sums[0], D);
		add_exact_product(to, count, cc);
		add_exact_product(to, count, fma(c, c, -cc));
		add_exact_product_twice(to, c, D);
		add_nonzero(to, Q);
		return;
	}
	double Qk[1][PARTIAL_MAX_COLUMNS] = { { Q } };
	add_block_sums(p, &x, PARTIAL_BLOCK, false, &D, Qk);
}

/* (cloned: the default build's fma is a libm call, the clones' an
 * instruction; fma is exactly rounded either way, so the same bits) */
SIMD_CLONES void partial_add_summed_blocks(struct partial *p, uint64_t first, const double *x,
                                           size_t nrows, const double *D, const double *Q)
{
	size_t whole = nrows / PARTIAL_BLOCK;

	for (size_t k = 0; k < whole; k++)
		add_block_sums1(p, x + k * PARTIAL_BLOCK, D[k], Q[k]);
	p->nrows += whole * PARTIAL_BLOCK;
	if (nrows > whole * PARTIAL_BLOCK) {
		const double *rest = x + whole * PARTIAL_BLOCK;
		partial_add_checked_paths(p, first + whole * PARTIAL_BLOCK, &rest,
		                          nrows - whole * PARTIAL_BLOCK);
	}
}

/* A path of a block not complete here joins the pending list. */
void partial_add_pending(struct partial *p, uint64_t path, const double *values)
{
	size_t words = 1 + (size_t)p->ncolumns;

	if (p->npending == p->pending_cap) {
		p->pending_cap = p->pending_cap ? 2 * p->pending_cap : 2 * PARTIAL_BLOCK;
		p->pending = xreallocarray(p->pending, p->pending_cap, words * sizeof *p->pending);
	}
	uint64_t *at = p->pending + p->npending * words;
	at[0] = path;
	memcpy(at + 1, values, (size_t)p->ncolumns * sizeof *values);
	p->npending++;
}

/* The stage's paths, a block's only in part, join the pending list. */
static void flush_stage(struct partial *p)
{
	for (size_t r = 0; r < p->stage_count; r++) {
		double row[PARTIAL_MAX_COLUMNS];
		for (int i = 0; i < p->ncolumns; i++)
			row[i] = p->stage[i][r];
		partial_add_pending(p, p->stage_first + r, row);
	}
	p->stage_count = 0;
}

int partial_add_paths(struct partial *p, uint64_t first, const double *const *columns, size_t nrows)
{
	int refused = partial_first_refused(p, columns, nrows);

	if (refused >= 0)
		return refused;
	partial_add_checked_paths(p, first, columns, nrows);
	return -1;
}

void partial_add_checked_paths(struct partial *p, uint64_t first, const double *const *columns,
                               size_t nrows)
{
	int n = p->ncolumns;

	for (size_t r = 0; r < nrows;) {
		uint64_t path = first + r, offset = path % PARTIAL_BLOCK;
		size_t left = nrows - r;
		if (p->stage_count && (path != p->stage_first + p->stage_count || offset == 0))
			flush_stage(p);
		if (p->stage_count == 0 && offset == 0 && left >= PARTIAL_BLOCK) {
			const double *x[PARTIAL_MAX_COLUMNS];
			for (int i = 0; i < n; i++)
				x[i] = columns[i] + r;
			add_block(p, path, x, PARTIAL_BLOCK);
			r += PARTIAL_BLOCK;
			continue;
		}
		size_t take = PARTIAL_BLOCK - offset < left ? PARTIAL_BLOCK - offset : left;
		if (p->stage_count == 0)
			p->stage_first = path;
		for (int i = 0; i < n; i++) {
			if (!p->stage[i])
				p->stage[i] = xreallocarray(NULL, PARTIAL_BLOCK, sizeof *p->stage[i]);
			memcpy(p->stage[i] + p->stage_count, columns[i] + r, take * sizeof *columns[i]);
		}
		p->stage_count += take;
		r += take;
		if (p->stage_first % PARTIAL_BLOCK == 0 && p->stage_count == PARTIAL_BLOCK) {
			add_block(p, p->stage_first, (const double *const *)p->stage, PARTIAL_BLOCK);
			p->stage_count = 0;
		}
	}
	p->nrows += nrows;
}

int partial_add_path_row(struct partial *p, uint64_t path, const double *values)
{
	const double *columns[PARTIAL_MAX_COLUMNS];

	for (int i = 0; i < p->ncolumns; i++)
		columns[i] = &values[i];
	if (partial_add_paths(p, path, columns, 1) < 0)
		return -1;
	return partial_row_refused(values, p->ncolumns);   /* which value */
}

static int by_path(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void partial_settle(struct partial *p, bool complete)
{
	static double *block[PARTIAL_MAX_COLUMNS];
	size_t words = 1 + (size_t)p->ncolumns, kept = 0;
	const char *paths_text = partial_identity_value(p, "paths");
	uint64_t paths = UINT64_MAX;

	flush_stage(p);
	if (p->npending == 0)
		return;
	if (paths_text && !num_parse_u64(paths_text, strlen(paths_text), &paths))
		paths = UINT64_MAX;
	qsort(p->pending, p->npending, words * sizeof *p->pending, by_path);
	for (size_t g = 0, end; g < p->npending; g = end) {
		uint64_t *at = p->pending + g * words, start = at[0] - at[0] % PARTIAL_BLOCK;
		uint64_t len = paths > start && paths - start < PARTIAL_BLOCK ? paths - start : PARTIAL_BLOCK;
		for (end = g + 1; end < p->npending && p->pending[end * words] - start < PARTIAL_BLOCK; end++)
			if (p->pending[end * words] == p->pending[(end - 1) * words])
				fatal("path %llu is counted twice", (unsigned long long)p->pending[end * words]);
		if (end - g == len && p->pending[(end - 1) * words] < start + len) {
			/* every path of the block, in path order */
			for (int i = 0; i < p->ncolumns; i++) {
				if (!block[i])
					block[i] = xreallocarray(NULL, PARTIAL_BLOCK, sizeof *block[i]);
				for (size_t r = 0; r < len; r++)
					memcpy(&block[i][r], &p->pending[(g + r) * words + 1 + (size_t)i],
					       sizeof block[i][r]);
			}
			add_block(p, start, (const double *const *)block, len);
			continue;
		}
		if (complete)
			fatal("paths %llu..%llu: %llu of the block's %llu paths counted",
			      (unsigned long long)start, (unsigned long long)(start + len - 1),
			      (unsigned long long)(end - g), (unsigned long long)len);
		memmove(p->pending + kept * words, at, (end - g) * words * sizeof *p->pending);
		kept += end - g;
	}
	p->npending = kept;
}

void partial_write_pending(const struct partial *p)
{
	size_t words = 1 + (size_t)p->ncolumns;
	char text[NUM_TEXT_MAX];

	for (size_t k = 0; k < p->npending; k++) {
		const uint64_t *at = p->pending + k * words;
		printf("path\t-\t%llu\t", (unsigned long long)at[0]);
		for (int i = 0; i < p->ncolumns; i++) {
			double x;
			memcpy(&x, &at[1 + i], sizeof x);
			num_format(text, x);
			printf("%s%c", text, i + 1 < p->ncolumns ? ',' : '\n');
		}
	}
}
