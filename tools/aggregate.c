/* aggregate: mean, standard error and 95% interval of numeric columns.
 *
 * Sums are exact (exactsum.h), so the result is the same bits whatever the
 * order or grouping of the rows: `--partial` writes the exact state, and
 * merging any set of partials in any order equals one pass over all rows.
 * Path ranges from the stream's metadata are tracked so that a result is
 * only given when every path of the run was counted exactly once. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exactsum.h"
#include "numtext.h"
#include "partial.h"
#include "sobol.h"
#include "stream.h"
#include "xalloc.h"

#define Z95 1.959963984540054   /* Phi^{-1}(0.975) */

/* The 95% interval's half-width in standard errors: Z95, or under
 * randomized QMC Student's t quantile on replicates - 1 degrees of freedom. */
static double ci_quantile = Z95;

/* The exact state: rows, sums and products, the run's identity and the
 * path ranges counted (partial.h). */
static struct partial state;

static bool write_partial;

static const char synopsis[] = "aggregate [-p] [file ...]";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Estimate the mean of each numeric column with its standard error.\n"
	       "Inputs are tables of numeric rows (payoff's output) or partials.\n\n"
	       "  -p, --partial   write the exact, mergeable state instead of estimates\n"
	       "  -h, --help      show this help\n"
	       "  -V, --version   show the version\n\n"
	       "Output: name estimate stderr ci95_low ci95_high paths, one row per column.\n",
	       synopsis);
	finish_output();
	exit(0);
}

/* One row of numbers, of path `path` in a range (summed by the block
 * rule, partial.h) or outside any (ranged false: summed exactly as it
 * is); a product that overflows is an error here, where the line is
 * known. */
static void add_row(struct stream *in, bool ranged, uint64_t path)
{
	double values[PARTIAL_MAX_COLUMNS];

	for (int i = 0; i < state.ncolumns; i++)
		values[i] = stream_field_double(in, i);
	int too_large = ranged ? partial_add_path_row(&state, path, values)
	                       : partial_add_row(&state, values);
	if (too_large >= 0) {
		char text[NUM_TEXT_MAX];
		num_format(text, values[too_large]);
		data_error(stream_where(in), "value too large to square: %s", text);
	}
}

static void check_range_rows(const char *where, uint64_t rows, uint64_t count)
{
	if (rows != count)
		data_error(where, "range has %llu rows, its metadata says count=%llu%s",
		           (unsigned long long)rows, (unsigned long long)count,
		           rows < count ? " (truncated?)" : "");
}

/* Rows in a table of numbers; path ranges open with first=/count= metadata. */
static void read_rows(struct stream *in, enum record r)
{
	bool in_range = false;
	uint64_t range_rows = 0, range_count = 0;
	char range_where[512] = "";

	partial_set_columns(&state, stream_header_where(in), in->columns, in->ncolumns);
	for (; r != RECORD_END; r = stream_next(in)) {
		if (r == RECORD_META && !in->range_opened)
			continue;
		if (r == RECORD_META) {
			if (in_range)
				check_range_rows(range_where, range_rows, range_count);
			in_range = true;
			range_rows = 0;
			range_count = in->range_count;
			snprintf(range_where, sizeof range_where, "%s", stream_where(in));
			partial_add_range(&state, in->range_first, in->range_count, range_where);
			continue;
		}
		/* QMC: the row's replicate from its path (the block rule sums it) */
		if (state.replicates && !in_range)
			data_error(stream_where(in), "replicates= needs path ranges (first= count=) "
			           "to tell each row's replicate");
		add_row(in, in_range, in->range_first + range_rows);
		if (in_range)
			range_rows++;
		else
			state.unranged_rows++;
	}
	if (in_range)
		check_range_rows(range_where, range_rows, range_count);
}

static int column_index(struct stream *in, const char *name)
{
	for (int i = 0; i < state.ncolumns; i++)
		if (strcmp(state.names[i], name) == 0)
			return i;
	data_error(stream_where(in), "partial names an unknown column '%.120s'", name);
}

static void parse_xsum(struct stream *in, xsum *into)
{
	xsum value;
	const char *text = in->fields[3];

	if (xsum_parse(&value, text, strlen(text)) != 0)
		data_error(stream_where(in), "invalid exact sum '%.40s'", text);
	xsum_merge(into, &value);
}

/* A partial: its ranges as metadata, then n, the sums, the products and
 * an end row repeating n. Several may follow one another (`cat a.part
 * b.part`): an n row after the end row starts the next. The end row makes
 * a partial cut short refused, wherever the cut: without it, a cut in the
 * last product's exponent (p-116 to p-11), or after "prod x x 0", leaves a
 * partial that parses and is wrong. */
/* A partial with ranges must count as many rows as they hold paths: the
 * merged total is checked too, but two wrong partials could cancel. */
static void partial_counts_its_paths(struct stream *in, size_t first, size_t end, uint64_t n)
{
	uint64_t paths = 0;

	if (first == end)
		return;
	for (size_t i = first; i < end; i++)
		paths += state.ranges[i].count;
	if (paths != n)
		data_error(in->name, "partial of n=%llu rows, but its ranges hold %llu paths",
		           (unsigned long long)n, (unsigned long long)paths);
}

/* A partial summed by another rule (another block size, or from before
 * block sums) would merge into sums that no split of this version gives. */
static void check_block_rule(struct stream *in)
{
	const char *block = stream_meta(in, PARTIAL_BLOCK_KEY);
	const char *where = in->name ? in->name : "stdin";

	if (!block)
		data_error(where, "partial has no %s= (from a version before block sums?): "
		           "want %s=%d", PARTIAL_BLOCK_KEY, PARTIAL_BLOCK_KEY, PARTIAL_BLOCK);
	if (strcmp(block, PARTIAL_BLOCK_TEXT) != 0)
		data_error(where, "partial summed in blocks of %s=%.40s paths: want %s=%d",
		           PARTIAL_BLOCK_KEY, block, PARTIAL_BLOCK_KEY, PARTIAL_BLOCK);
	/* QMC: the replicate sums' rule, the same blocks (partial.h) */
	const char *rep_block = stream_meta(in, PARTIAL_REP_BLOCK_KEY);
	bool qmc = stream_meta(in, "replicates") != NULL;
	if (qmc && !rep_block)
		data_error(where, "partial has replicates= but no %s= (replicate sums path by path, "
		           "from a version before their block sums?): want %s=%d", PARTIAL_REP_BLOCK_KEY,
		           PARTIAL_REP_BLOCK_KEY, PARTIAL_BLOCK);
	if (rep_block && !qmc)
		data_error(where, "partial has %s= but no replicates=", PARTIAL_REP_BLOCK_KEY);
	if (rep_block && strcmp(rep_block, PARTIAL_BLOCK_TEXT) != 0)
		data_error(where, "partial's replicate sums in blocks of %s=%.40s paths: want %s=%d",
		           PARTIAL_REP_BLOCK_KEY, rep_block, PARTIAL_REP_BLOCK_KEY, PARTIAL_BLOCK);
}

/* A `path - PATH VALUES` row: a path of a block the partial holds only in
 * part, inside one of its ranges (state.ranges[first_range..]). */
static void read_pending(struct stream *in, size_t first_range)
{
	double values[PARTIAL_MAX_COLUMNS];
	uint64_t path;
	const char *text = in->fields[3];
	bool inside = false;

	if (!num_parse_u64(in->fields[2], strlen(in->fields[2]), &path))
		data_error(stream_where(in), "invalid path '%.40s'", in->fields[2]);
	for (size_t k = first_range; k < state.nranges && !inside; k++)
		inside = path >= state.ranges[k].first &&
		         path - state.ranges[k].first < state.ranges[k].count;
	if (!inside)
		data_error(stream_where(in), "path %llu is outside the partial's ranges",
		           (unsigned long long)path);
	for (int i = 0; i < state.ncolumns; i++) {
		const char *end = i + 1 < state.ncolumns ? strchr(text, ',') : text + strlen(text);
		if (!end || !num_parse(text, (size_t)(end - text), &values[i]))
			data_error(stream_where(in), "path %llu: want %d value(s), comma-separated", (unsigned long long)path,
			           state.ncolumns);
		text = end + (i + 1 < state.ncolumns);
	}
	if (partial_row_refused(values, state.ncolumns) >= 0)
		data_error(stream_where(in), "path %llu: value too large to square",
		           (unsigned long long)path);
	partial_add_pending(&state, path, values);
}

static void read_partial(struct stream *in, enum record r)
{
	char *names[PARTIAL_MAX_COLUMNS];
	int nnames;
	bool seen_n, columns_fixed, seen_end;
	static bool seen_product[PARTIAL_MAX_COLUMNS][PARTIAL_MAX_COLUMNS];
	static bool seen_replicate[SOBOL_MAX_REPLICATES][PARTIAL_MAX_COLUMNS];
	long nreplicate_rows;
	uint64_t n;
	xsum part_sums[PARTIAL_MAX_COLUMNS];
	static xsum part_products[PARTIAL_MAX_COLUMNS][PARTIAL_MAX_COLUMNS];
	/* This partial's ranges, state.ranges[first_range..]; those after its
	 * end row are the next one's. */
	size_t first_range = state.nranges, next_first_range;

	for (;;) {
		next_first_range = SIZE_MAX;
		nnames = 0;
		seen_n = columns_fixed = seen_end = false;
		n = 0;
		memset(seen_product, 0, sizeof seen_product);
		memset(seen_replicate, 0, sizeof seen_replicate);
		nreplicate_rows = 0;
		for (; r != RECORD_END; r = stream_next(in)) {
			if (r == RECORD_META) {
				if (in->range_opened && seen_end && next_first_range == SIZE_MAX)
					next_first_range = state.nranges;
				if (in->range_opened)
					partial_add_range(&state, in->range_first, in->range_count,
					                  stream_where(in));
				continue;
			}
			const char *stat = in->fields[0];
			if (seen_end && strcmp(stat, "n") != 0)
				data_error(stream_where(in), "row after the end of the partial");
			if (strcmp(stat, "n") == 0) {
				if (seen_end)
					break;   /* the next partial */
				if (seen_n || !num_parse_u64(in->fields[3], strlen(in->fields[3]), &n))
					data_error(stream_where(in), "invalid or repeated row count in partial");
				seen_n = true;
			} else if (strcmp(stat, "sum") == 0) {
				if (columns_fixed)
					data_error(stream_where(in), "sum row after the products");
				if (nnames == PARTIAL_MAX_COLUMNS)
					data_error(stream_where(in), "more than %d columns", PARTIAL_MAX_COLUMNS);
				for (int i = 0; i < nnames; i++)
					if (strcmp(names[i], in->fields[1]) == 0)
						data_error(stream_where(in), "repeated sum for column '%.120s'", names[i]);
				names[nnames] = xstrdup(in->fields[1]);
				xsum_init(&part_sums[nnames]);
				parse_xsum(in, &part_sums[nnames]);
				nnames++;
			} else if (strcmp(stat, "prod") == 0) {
				if (!columns_fixed) {   /* the sums are complete: they name the columns */
					partial_set_columns(&state, stream_where(in), names, nnames);
					columns_fixed = true;
				}
				int i = column_index(in, in->fields[1]), j = column_index(in, in->fields[2]);
				if (j < i || seen_product[i][j])
					data_error(stream_where(in), "misplaced or repeated product row");
				xsum_init(&part_products[i][j]);
				parse_xsum(in, &part_products[i][j]);
				seen_product[i][j] = true;
			} else if (strcmp(stat, "rep") == 0) {
				int i = column_index(in, in->fields[1]);
				if (!state.replicates || !columns_fixed)
					data_error(stream_where(in), "replicate sum without replicates= in the "
					           "metadata, or before the sums");
				uint64_t k;
				const char *rtext = in->fields[2];
				if (!num_parse_u64(rtext, strlen(rtext), &k) || k >= (uint64_t)state.replicates ||
				    seen_replicate[k][i])
					data_error(stream_where(in), "invalid or repeated replicate '%.40s'", rtext);
				if (!partial_merge_replicate(&state, i, rtext, in->fields[3]))
					data_error(stream_where(in), "invalid exact sum '%.40s'", in->fields[3]);
				seen_replicate[k][i] = true;
				nreplicate_rows++;
			} else if (strcmp(stat, "path") == 0) {
				if (!columns_fixed)
					data_error(stream_where(in), "path row before the products");
				read_pending(in, first_range);
			} else if (strcmp(stat, "end") == 0) {
				uint64_t end_n;
				if (seen_n && (!num_parse_u64(in->fields[3], strlen(in->fields[3]), &end_n) ||
				               end_n != n))
					data_error(stream_where(in), "end row of a partial cut short");
				seen_end = true;
			} else {
				data_error(stream_where(in), "unknown partial row '%.40s'", stat);
			}
		}
		if (!seen_n || nnames == 0)
			data_error(in->name, "truncated partial: missing its count or sums");
		if (!columns_fixed)   /* no product rows at all: reported below */
			partial_set_columns(&state, stream_where(in), names, nnames);
		for (int i = 0; i < state.ncolumns; i++)
			for (int j = i; j < state.ncolumns; j++)
				if (!seen_product[i][j])
					data_error(in->name, "truncated partial: no product %.120s*%.120s",
					           state.names[i], state.names[j]);
		if (!seen_end)
			data_error(in->name, "truncated partial: no end row");
		if (nreplicate_rows != (long)state.replicates * state.ncolumns)
			data_error(in->name, "truncated partial: %ld replicate sums, not %d (replicates=%d, "
			           "%d columns)", nreplicate_rows, state.replicates * state.ncolumns,
			           state.replicates, state.ncolumns);
		for (int i = 0; i < state.ncolumns; i++) {
			xsum_merge(&state.sums[i], &part_sums[i]);
			for (int j = i; j < state.ncolumns; j++)
				xsum_merge(&state.products[i][j], &part_products[i][j]);
			free(names[i]);
		}
		partial_counts_its_paths(in, first_range,
		                     next_first_range == SIZE_MAX ? state.nranges : next_first_range, n);
		first_range = next_first_range == SIZE_MAX ? state.nranges : next_first_range;
		state.nrows += n;
		if (r == RECORD_END)
			return;
	}
}

static void read_input(char *name)
{
	struct stream in;
	enum record r;

	stream_open(&in, name ? 1 : 0, name ? &name : NULL);
	while ((r = stream_next(&in)) == RECORD_META && in.ncolumns == 0)
		if (in.range_opened)
			data_error(stream_where(&in), "path range before the header");
	if (in.ncolumns == 0)
		data_error(in.name ? in.name : "stdin", "no header: empty input?");
	const char *replicates = stream_meta(&in, "replicates");
	if (replicates) {
		uint64_t count;
		if (!num_parse_u64(replicates, strlen(replicates), &count) || count < 2 ||
		    count > SOBOL_MAX_REPLICATES)
			data_error(in.name ? in.name : "stdin", "invalid replicates=%.40s (2 to %d)",
			           replicates, SOBOL_MAX_REPLICATES);
		partial_set_replicates(&state, (int)count, in.name ? in.name : "stdin");
	}
	if (strcmp(in.header_text, PARTIAL_HEADER) == 0) {
		check_block_rule(&in);
		read_partial(&in, r);
	}
	else
		read_rows(&in, r);
	partial_take_identity(&state, &in);
	stream_close(&in);
}

static void put_number(double value, char separator)
{
	char text[NUM_TEXT_MAX];
	num_format(text, value);
	printf("%s%c", text, separator);
}

/* An exact sum as three doubles, largest first, each the rounding of what
 * the others leave: x = t[0] + t[1] + t[2] to within 2^-150 |x|. False
 * when x is beyond the double range. */
static bool split3(const xsum *x, double t[3])
{
	xsum rest = *x;
	for (int k = 0; k < 3; k++) {
		t[k] = xsum_round(&rest);
		if (!isfinite(t[k]))
			return false;
		xsum_add(&rest, -t[k]);
	}
	return true;
}

/* The power of two that brings a column's sum s1 and sum of squares s2
 * (leading parts, s2 > 0) into range: ceil(log2(s2)/2), or log2(s1) if
 * larger. */
static int scale_exponent(double s1, double s2)
{
	int kb = ilogb(s2), k = kb >= 0 ? (kb + 1) / 2 : -(-kb / 2);   /* ceil(kb/2) */
	if (s1 != 0 && ilogb(s1) > k)
		k = ilogb(s1);
	return k;
}

/* n S2 - S1^2, that is n (n - 1) times the sample variance, from the sum
 * S1 and the sum of squares S2. Rounding S1 and S2 first and subtracting
 * loses everything when the mean is large against the spread (1e12 plus
 * noise of 1 gives 0): instead each is split into three doubles, scaled by
 * 2^-k and 2^-2k into range, multiplied out exactly and summed exactly, so
 * that only the split's 2^-150 is lost. NaN when S1 or S2 is beyond the
 * double range. */
static long double spread(const xsum *s1, const xsum *s2, uint64_t n)
{
	double a[3], b[3];
	xsum d;

	if (!split3(s1, a) || !split3(s2, b))
		return NAN;
	if (b[0] == 0)
		return 0;
	int k = scale_exponent(a[0], b[0]);
	double nh = (double)n, nl = (double)((long double)n - nh);
	xsum_init(&d);
	for (int i = 0; i < 3; i++) {
		partial_add_product(&d, nh, ldexp(b[i], -2 * k));
		partial_add_product(&d, nl, ldexp(b[i], -2 * k));
		for (int j = 0; j < 3; j++)
			partial_add_product(&d, -ldexp(a[i], -k), ldexp(a[j], -k));
	}
	return ldexpl(xsum_round_ld(&d), 2 * k);
}

/* n Sxy - Sx Sy for columns i and j, as spread() does it for one column:
 * each sum split into three doubles, scaled into range, multiplied out and
 * summed exactly. NaN when a sum is beyond the double range. */
static long double cross_spread(int i, int j, uint64_t n)
{
	double x[3], y[3], xy[3], xx[3], yy[3];
	xsum d;

	if (!split3(&state.sums[i], x) || !split3(&state.sums[j], y) ||
	    !split3(&state.products[i][j], xy) || !split3(&state.products[i][i], xx) ||
	    !split3(&state.products[j][j], yy))
		return NAN;
	if (xx[0] == 0 || yy[0] == 0)
		return 0;
	int kx = scale_exponent(x[0], xx[0]), ky = scale_exponent(y[0], yy[0]);
	double nh = (double)n, nl = (double)((long double)n - nh);
	xsum_init(&d);
	for (int a = 0; a < 3; a++) {
		partial_add_product(&d, nh, ldexp(xy[a], -kx - ky));
		partial_add_product(&d, nl, ldexp(xy[a], -kx - ky));
		for (int b = 0; b < 3; b++)
			partial_add_product(&d, -ldexp(x[a], -kx), ldexp(y[b], -ky));
	}
	return ldexpl(xsum_round_ld(&d), kx + ky);
}

static void print_row(const char *name, double estimate, double stderr_)
{
	if (!isfinite(estimate) || !isfinite(stderr_))
		fatal("column %.120s: the estimate overflows", name);
	printf("%s\t", name);
	put_number(estimate, '\t');
	put_number(stderr_, '\t');
	put_number(estimate - ci_quantile * stderr_, '\t');
	put_number(estimate + ci_quantile * stderr_, '\t');
	printf("%llu\n", (unsigned long long)state.nrows);
}

/* The control-variate estimate of column y with control c of known mean mu:
 *     beta = Cov(y, c) / Var(c),  estimate = mean(y) - beta (mean(c) - mu),
 * its variance the residual variance over n - 2 (one degree of freedom for
 * the mean, one for beta), divided by n. beta comes from the same exact
 * sums as everything else, so it too is the same for any split. */
static void print_controlled(int y, int c, double mu)
{
	uint64_t rows = state.nrows;
	long double n = (long double)rows;
	long double syy = spread(&state.sums[y], &state.products[y][y], rows);
	long double scc = spread(&state.sums[c], &state.products[c][c], rows);
	long double syc = c > y ? cross_spread(y, c, rows) : cross_spread(c, y, rows);
	long double mean_y = xsum_round_ld(&state.sums[y]) / n;
	long double mean_c = xsum_round_ld(&state.sums[c]) / n;

	if (isnan(syy) || isnan(scc) || isnan(syc))
		fatal("column %.120s: sums beyond the double range, no control estimate",
		      state.names[y]);
	long double beta = scc > 0 ? syc / scc : 0;
	long double residual = syy - beta * syc;
	if (residual < 0)   /* y is (numerically) a multiple of c */
		residual = 0;
	long double variance = residual / (n * (n - 2));
	print_row(state.names[y], (double)(mean_y - beta * (mean_c - mu)),
	          (double)sqrtl(variance / n));
}

/* P(|T| <= t) for Student's t on df degrees of freedom, by the finite
 * series of Abramowitz and Stegun 26.7.3 (df odd) and 26.7.4 (df even),
 * theta = atan(t / sqrt(df)). */
static long double t_central(long double t, int df)
{
	long double theta = atanl(t / sqrtl((long double)df)), c = cosl(theta), s = sinl(theta);
	long double term, sum;

	if (df % 2 == 0) {
		term = sum = 1;
		for (int k = 2; k <= df - 2; k += 2) {
			term *= c * c * (long double)(k - 1) / (long double)k;
			sum += term;
		}
		return s * sum;
	}
	if (df == 1)
		return 2 * theta / acosl(-1);
	term = sum = c;
	for (int k = 3; k <= df - 2; k += 2) {
		term *= c * c * (long double)(k - 1) / (long double)k;
		sum += term;
	}
	return 2 / acosl(-1) * (theta + s * sum);
}

/* t_{df}(0.975): the t with P(|T| <= t) = 0.95, by bisection to the last
 * bit (A&S's series is exact but for rounding; tests/qmc.bats checks
 * scipy's values). */
static double t975(int df)
{
	long double lo = 0, hi = 1e6;
	for (int k = 0; k < 200 && hi - lo > 0; k++) {
		long double mid = (lo + hi) / 2;
		if (mid == lo || mid == hi)
			break;
		if (t_central(mid, df) < 0.95L)
			lo = mid;
		else
			hi = mid;
	}
	return (double)((lo + hi) / 2);
}

/* Randomized QMC (replicates=R): each column's estimate is the mean of its
 * R replicate means, its standard error their standard deviation over
 * sqrt(R), the interval Student's t on R - 1 degrees of freedom (the
 * replicates are independent and each mean is unbiased; the points within
 * one are not independent, so their spread says nothing). With a control,
 * beta comes from all rows pooled (as print_controlled's) and each
 * replicate's mean is controlled with it: y_r - beta (c_r - mu). */
static void print_qmc_estimates(int price, int control, double control_mean)
{
	const int R = state.replicates;
	uint64_t rows = state.nrows;
	long double beta = 0, per = (long double)(rows / (uint64_t)R);

	for (size_t k = 0; k < state.nranges; k++)
		if (state.ranges[k].first % (uint64_t)R || state.ranges[k].count % (uint64_t)R)
			data_error(state.ranges[k].where, "paths %llu..%llu: with replicates=%d a range "
			           "starts and ends on a multiple of %d",
			           (unsigned long long)state.ranges[k].first,
			           (unsigned long long)(state.ranges[k].first + state.ranges[k].count - 1),
			           R, R);
	if (state.nranges == 0 || rows < 2 * (uint64_t)R)
		fatal("replicates=%d: %llu rows in path ranges: at least %d needed", R,
		      (unsigned long long)rows, 2 * R);
	if (control >= 0) {
		long double scc = spread(&state.sums[control], &state.products[control][control], rows);
		long double syc = control > price ? cross_spread(price, control, rows)
		                                  : cross_spread(control, price, rows);
		if (isnan(scc) || isnan(syc))
			fatal("column %.120s: sums beyond the double range, no control estimate",
			      state.names[price]);
		beta = scc > 0 ? syc / scc : 0;
	}
	ci_quantile = t975(R - 1);
	printf("# tool=aggregate interval=student-t df=%d", R - 1);
	for (int j = 0; j < state.nidentity; j++)
		printf(" %s=%s", state.identity[j].key, state.identity[j].value);
	printf("\nname\testimate\tstderr\tci95_low\tci95_high\tpaths\n");
	for (int i = 0; i < state.ncolumns; i++) {
		if (i == control)
			continue;
		for (int pass = i == price && control >= 0 ? 0 : 1; pass < 2; pass++) {
			long double m[SOBOL_MAX_REPLICATES], mean = 0, ss = 0;
			for (int r = 0; r < R; r++) {
				m[r] = xsum_round_ld(&state.rsums[r * PARTIAL_MAX_COLUMNS + i]) / per;
				if (pass == 0)   /* controlled */
					m[r] -= beta * (xsum_round_ld(&state.rsums[r * PARTIAL_MAX_COLUMNS +
					                                           control]) / per - control_mean);
				mean += m[r];
			}
			mean /= R;
			for (int r = 0; r < R; r++)
				ss += (m[r] - mean) * (m[r] - mean);
			char name[128];
			snprintf(name, sizeof name, "%s%s", state.names[i],
			         pass == 1 && i == price && control >= 0 ? "-plain" : "");
			print_row(name, (double)mean, (double)sqrtl(ss / (R - 1) / R));
		}
	}
}

/* Mean and standard error from the exact sums, each rounded once: the
 * same sums always give the same bits. */
static void print_estimates(void)
{
	uint64_t rows = state.nrows;

	if (rows < 2)
		fatal("%llu rows: a standard error needs at least 2", (unsigned long long)rows);
	/* A control column with its known mean in the metadata (payoff
	 * --control) turns the price into a control-variate estimate; the plain
	 * one is kept as price-plain. */
	int price = -1, control = -1;
	double control_mean = 0;
	for (int i = 0; i < state.ncolumns; i++) {
		if (strcmp(state.names[i], "price") == 0)
			price = i;
		if (strcmp(state.names[i], "control") == 0)
			control = i;
	}
	if (control >= 0) {
		const char *text = partial_identity_value(&state, "control_mean");
		if (!text)
			data_error(state.columns_where, "a control column needs a valid control_mean= in "
			           "the metadata");
		if (!num_parse(text, strlen(text), &control_mean))
			data_error(partial_identity_where(&state, "control_mean"), "a control column needs "
			           "a valid control_mean= in the metadata");
		if (price < 0)
			data_error(state.columns_where, "a control column needs a price column to control");
		if (rows < 3)
			fatal("%llu rows: a control-variate estimate needs at least 3",
			      (unsigned long long)rows);
	}
	if (state.replicates) {
		print_qmc_estimates(price, control, control_mean);
		return;
	}
	partial_write_identity(&state, "tool=aggregate");
	printf("name\testimate\tstderr\tci95_low\tci95_high\tpaths\n");
	long double n = (long double)rows;
	for (int i = 0; i < state.ncolumns; i++) {
		long double sum = xsum_round_ld(&state.sums[i]);
		long double sum_squares = xsum_round_ld(&state.products[i][i]);
		long double mean = sum / n;
		long double variance = spread(&state.sums[i], &state.products[i][i], rows) / (n * (n - 1));
		if (isnan(variance))   /* sums beyond the double range: no better way */
			variance = (sum_squares - sum * mean) / (n - 1);
		if (variance < 0)   /* rounding */
			variance = 0;
		char plain_name[128];
		if (i == price && control >= 0) {
			print_controlled(i, control, control_mean);
			snprintf(plain_name, sizeof plain_name, "%s-plain", state.names[i]);
		} else {
			snprintf(plain_name, sizeof plain_name, "%s", state.names[i]);
		}
		if (i != control)
			print_row(plain_name, (double)mean, (double)sqrtl(variance / n));
	}
}

/* Once every input is read: the partial, or the estimates, of all paths. */
static void write_result(void)
{
	partial_check_coverage(&state, !write_partial);
	partial_settle(&state, !write_partial && state.nranges > 0);
	if (write_partial)
		partial_write(&state);
	else
		print_estimates();
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "partial", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	tool_init("aggregate", argv);
	while ((c = getopt_long(argc, argv, "phV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': write_partial = true; break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (optind == argc)
		read_input(NULL);
	for (int i = optind; i < argc; i++)
		read_input(argv[i]);
	write_result();
	finish_output();
	return 0;
}
