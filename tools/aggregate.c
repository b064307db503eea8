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
#include "stream.h"

#define MAX_COLUMNS 64
#define Z95 1.959963984540054   /* Phi^{-1}(0.975) */

static const char partial_header[] = "stat\tcolumn\tcolumn2\tvalue";

/* The exact state: row count, and per column the sum and the sums of
 * products with every later column (for variances and covariances). */
static int ncolumns;
static char *column_names[MAX_COLUMNS];
static uint64_t nrows;
static xsum sums[MAX_COLUMNS];
static xsum products[MAX_COLUMNS][MAX_COLUMNS];   /* [i][j], j >= i */

/* The run's identity: metadata every input must agree on. */
struct identity_entry { char *key, *value, *where; };
static struct identity_entry *identity;
static int nidentity;
static bool have_identity;

/* Path ranges counted so far. */
struct range { uint64_t first, count; char *where; size_t order; };
static struct range *ranges;
static size_t nranges, ranges_cap;
static uint64_t unranged_rows;

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

static char *xstrdup(const char *text)
{
	char *copy = strdup(text);
	if (!copy)
		fatal("out of memory");
	return copy;
}

/* Names joined by TABs for a message, cut short with "..." if need be. */
static void join_names(char *text, size_t size, char **names, int count)
{
	size_t len = 0;

	text[0] = '\0';
	for (int i = 0; i < count && len < size; i++)
		len += (size_t)snprintf(text + len, size - len, "%s%s", i ? "\t" : "", names[i]);
	if (len >= size)
		strcpy(text + size - 4, "...");
}

static void set_columns(struct stream *in, char **names, int count)
{
	if (count > MAX_COLUMNS)
		data_error(stream_where(in), "%d columns: at most %d", count, MAX_COLUMNS);
	if (ncolumns == 0) {
		for (int i = 0; i < count; i++)
			column_names[i] = xstrdup(names[i]);
		ncolumns = count;
		return;
	}
	bool same = count == ncolumns;
	for (int i = 0; same && i < count; i++)
		same = strcmp(names[i], column_names[i]) == 0;
	if (!same) {
		char these[200], first[200];
		join_names(these, sizeof these, names, count);
		join_names(first, sizeof first, column_names, ncolumns);
		data_error(stream_where(in), "columns '%s' differ from the first input's '%s'",
		           these, first);
	}
}

static void add_range(uint64_t first, uint64_t count, const char *where)
{
	if (nranges == ranges_cap) {
		ranges_cap = ranges_cap ? 2 * ranges_cap : 64;
		ranges = realloc(ranges, ranges_cap * sizeof *ranges);
		if (!ranges)
			fatal("out of memory");
	}
	ranges[nranges] = (struct range){ first, count, xstrdup(where), nranges };
	nranges++;
}

/* Every input must describe the same run: the same identity keys with the
 * same values. */
static void check_identity(struct stream *in)
{
	int count = 0;

	for (int i = 0; i < in->nmeta; i++) {
		const struct meta_entry *m = &in->meta[i];
		if (!meta_key_is_identity(m->key) || strcmp(m->key, "partial") == 0)
			continue;
		count++;
		if (!have_identity) {
			identity = realloc(identity, (size_t)(nidentity + 1) * sizeof *identity);
			if (!identity)
				fatal("out of memory");
			identity[nidentity++] = (struct identity_entry){
				xstrdup(m->key), xstrdup(m->value), xstrdup(m->where) };
			continue;
		}
		int j = 0;
		while (j < nidentity && strcmp(identity[j].key, m->key) != 0)
			j++;
		if (j == nidentity)
			data_error(m->where, "metadata %.120s=%.120s is not in the first input (another run?)",
			           m->key, m->value);
		if (strcmp(identity[j].value, m->value) != 0)
			data_error(m->where, "metadata %.120s=%.120s conflicts with %.120s=%.120s (%s)", m->key,
			           m->value, m->key, identity[j].value, identity[j].where);
	}
	if (have_identity && count != nidentity) {
		for (int j = 0; j < nidentity; j++)
			if (!stream_meta(in, identity[j].key))
				data_error(in->name, "metadata has no %.120s= but %s has %.120s=%.120s (another run?)",
				           identity[j].key, identity[j].where, identity[j].key,
				           identity[j].value);
	}
	have_identity = true;
}

/* x*y added exactly: the product and its rounding error (fma). The error is a
 * double, hence exact, unless x*y underflows: |x*y| below about 2^-969. */
static void add_product(xsum *to, double x, double y)
{
	double product = x * y;
	xsum_add(to, product);
	xsum_add(to, fma(x, y, -product));
}

static void add_row(struct stream *in)
{
	double values[MAX_COLUMNS];

	for (int i = 0; i < ncolumns; i++) {
		values[i] = stream_field_double(in, i);
		xsum_add(&sums[i], values[i]);
	}
	for (int i = 0; i < ncolumns; i++)
		for (int j = i; j < ncolumns; j++) {
			double product = values[i] * values[j];
			if (!isfinite(product)) {
				char text[NUM_TEXT_MAX];
				num_format(text, fabs(values[i]) > fabs(values[j]) ? values[i] : values[j]);
				data_error(stream_where(in), "value too large to square: %s", text);
			}
			add_product(&products[i][j], values[i], values[j]);
		}
	nrows++;
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

	set_columns(in, in->columns, in->ncolumns);
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
			add_range(in->range_first, in->range_count, range_where);
			continue;
		}
		add_row(in);
		if (in_range)
			range_rows++;
		else
			unranged_rows++;
	}
	if (in_range)
		check_range_rows(range_where, range_rows, range_count);
}

static int column_index(struct stream *in, const char *name)
{
	for (int i = 0; i < ncolumns; i++)
		if (strcmp(column_names[i], name) == 0)
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
static void read_partial(struct stream *in, enum record r)
{
	char *names[MAX_COLUMNS];
	int nnames;
	bool seen_n, columns_fixed, seen_end;
	static bool seen_product[MAX_COLUMNS][MAX_COLUMNS];
	uint64_t n;
	xsum part_sums[MAX_COLUMNS];
	static xsum part_products[MAX_COLUMNS][MAX_COLUMNS];

	for (;;) {
		nnames = 0;
		seen_n = columns_fixed = seen_end = false;
		n = 0;
		memset(seen_product, 0, sizeof seen_product);
		for (; r != RECORD_END; r = stream_next(in)) {
			if (r == RECORD_META) {
				if (in->range_opened)
					add_range(in->range_first, in->range_count, stream_where(in));
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
				if (nnames == MAX_COLUMNS)
					data_error(stream_where(in), "more than %d columns", MAX_COLUMNS);
				for (int i = 0; i < nnames; i++)
					if (strcmp(names[i], in->fields[1]) == 0)
						data_error(stream_where(in), "repeated sum for column '%.120s'", names[i]);
				names[nnames] = xstrdup(in->fields[1]);
				xsum_init(&part_sums[nnames]);
				parse_xsum(in, &part_sums[nnames]);
				nnames++;
			} else if (strcmp(stat, "prod") == 0) {
				if (!columns_fixed) {   /* the sums are complete: they name the columns */
					set_columns(in, names, nnames);
					columns_fixed = true;
				}
				int i = column_index(in, in->fields[1]), j = column_index(in, in->fields[2]);
				if (j < i || seen_product[i][j])
					data_error(stream_where(in), "misplaced or repeated product row");
				xsum_init(&part_products[i][j]);
				parse_xsum(in, &part_products[i][j]);
				seen_product[i][j] = true;
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
			set_columns(in, names, nnames);
		for (int i = 0; i < ncolumns; i++)
			for (int j = i; j < ncolumns; j++)
				if (!seen_product[i][j])
					data_error(in->name, "truncated partial: no product %.120s*%.120s",
					           column_names[i], column_names[j]);
		if (!seen_end)
			data_error(in->name, "truncated partial: no end row");
		for (int i = 0; i < ncolumns; i++) {
			xsum_merge(&sums[i], &part_sums[i]);
			for (int j = i; j < ncolumns; j++)
				xsum_merge(&products[i][j], &part_products[i][j]);
			free(names[i]);
		}
		nrows += n;
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
	if (strcmp(in.header_text, partial_header) == 0)
		read_partial(&in, r);
	else
		read_rows(&in, r);
	check_identity(&in);
	stream_close(&in);
}

/* By first path, then in input order (qsort is not stable): the same
 * inputs always give the same message. */
static int by_first(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts the ranges, refuses overlaps, and (for a final result) gaps. */
static uint64_t check_coverage(bool complete)
{
	const char *paths_text = NULL;
	uint64_t paths = 0, next = 0, covered = 0;

	if (nranges == 0)
		return 0;
	if (unranged_rows)
		fatal("%llu rows lie outside any path range (first=/count= metadata)",
		      (unsigned long long)unranged_rows);
	qsort(ranges, nranges, sizeof *ranges, by_first);
	for (size_t i = 0; i < nranges; i++) {
		const struct range *r = &ranges[i];
		if (i > 0 && r->first < next)
			data_error(r->where, "paths %llu..%llu overlap paths %llu..%llu (%s)",
			           (unsigned long long)r->first,
			           (unsigned long long)(r->first + r->count - 1),
			           (unsigned long long)ranges[i - 1].first,
			           (unsigned long long)(next - 1), ranges[i - 1].where);
		if (complete && r->first > next)
			fatal("paths %llu..%llu are missing", (unsigned long long)next,
			      (unsigned long long)(r->first - 1));
		next = r->first + r->count;
		covered += r->count;
	}
	for (int j = 0; j < nidentity; j++)
		if (strcmp(identity[j].key, "paths") == 0)
			paths_text = identity[j].value;
	if (complete) {
		if (!paths_text || !num_parse_u64(paths_text, strlen(paths_text), &paths))
			fatal("path ranges without a valid paths= in the metadata");
		if (next < paths)
			fatal("paths %llu..%llu are missing", (unsigned long long)next,
			      (unsigned long long)(paths - 1));
		if (next > paths)
			fatal("paths up to %llu counted, but the run has paths=%llu",
			      (unsigned long long)(next - 1), (unsigned long long)paths);
	}
	if (covered != nrows)
		fatal("%llu rows for %llu paths in the ranges", (unsigned long long)nrows,
		      (unsigned long long)covered);
	return covered;
}

static void put_identity(const char *tool_words)
{
	printf("# %s", tool_words);
	for (int j = 0; j < nidentity; j++)
		printf(" %s=%s", identity[j].key, identity[j].value);
	printf("\n");
}

static void put_xsum(const char *stat, const char *a, const char *b, const xsum *x)
{
	char text[XSUM_TEXT_MAX];
	xsum_format(x, text, sizeof text);
	printf("%s\t%s\t%s\t%s\n", stat, a, b, text);
}

static void print_partial(void)
{
	put_identity("tool=aggregate partial=1");
	printf("%s\n", partial_header);
	/* Adjacent ranges merge, so a complete partial says first=0 count=paths. */
	for (size_t i = 0; i < nranges;) {
		uint64_t first = ranges[i].first, end = first + ranges[i].count;
		for (i++; i < nranges && ranges[i].first == end; i++)
			end += ranges[i].count;
		printf("# first=%llu count=%llu\n", (unsigned long long)first,
		       (unsigned long long)(end - first));
	}
	printf("n\t-\t-\t%llu\n", (unsigned long long)nrows);
	for (int i = 0; i < ncolumns; i++)
		put_xsum("sum", column_names[i], "-", &sums[i]);
	for (int i = 0; i < ncolumns; i++)
		for (int j = i; j < ncolumns; j++)
			put_xsum("prod", column_names[i], column_names[j], &products[i][j]);
	printf("end\t-\t-\t%llu\n", (unsigned long long)nrows);
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
		add_product(&d, nh, ldexp(b[i], -2 * k));
		add_product(&d, nl, ldexp(b[i], -2 * k));
		for (int j = 0; j < 3; j++)
			add_product(&d, -ldexp(a[i], -k), ldexp(a[j], -k));
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

	if (!split3(&sums[i], x) || !split3(&sums[j], y) || !split3(&products[i][j], xy) ||
	    !split3(&products[i][i], xx) || !split3(&products[j][j], yy))
		return NAN;
	if (xx[0] == 0 || yy[0] == 0)
		return 0;
	int kx = scale_exponent(x[0], xx[0]), ky = scale_exponent(y[0], yy[0]);
	double nh = (double)n, nl = (double)((long double)n - nh);
	xsum_init(&d);
	for (int a = 0; a < 3; a++) {
		add_product(&d, nh, ldexp(xy[a], -kx - ky));
		add_product(&d, nl, ldexp(xy[a], -kx - ky));
		for (int b = 0; b < 3; b++)
			add_product(&d, -ldexp(x[a], -kx), ldexp(y[b], -ky));
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
	put_number(estimate - Z95 * stderr_, '\t');
	put_number(estimate + Z95 * stderr_, '\t');
	printf("%llu\n", (unsigned long long)nrows);
}

/* The control-variate estimate of column y with control c of known mean mu:
 *     beta = Cov(y, c) / Var(c),  estimate = mean(y) - beta (mean(c) - mu),
 * its variance the residual variance over n - 2 (one degree of freedom for
 * the mean, one for beta), divided by n. beta comes from the same exact
 * sums as everything else, so it too is the same for any split. */
static void print_controlled(int y, int c, double mu)
{
	long double n = (long double)nrows;
	long double syy = spread(&sums[y], &products[y][y], nrows);
	long double scc = spread(&sums[c], &products[c][c], nrows);
	long double syc = c > y ? cross_spread(y, c, nrows) : cross_spread(c, y, nrows);
	long double mean_y = xsum_round_ld(&sums[y]) / n, mean_c = xsum_round_ld(&sums[c]) / n;

	if (isnan(syy) || isnan(scc) || isnan(syc))
		fatal("column %.120s: sums beyond the double range, no control estimate", column_names[y]);
	long double beta = scc > 0 ? syc / scc : 0;
	long double residual = syy - beta * syc;
	if (residual < 0)   /* y is (numerically) a multiple of c */
		residual = 0;
	long double variance = residual / (n * (n - 2));
	print_row(column_names[y], (double)(mean_y - beta * (mean_c - mu)),
	          (double)sqrtl(variance / n));
}

/* Mean and standard error from the exact sums, each rounded once: the
 * same sums always give the same bits. */
static void print_estimates(void)
{
	if (nrows < 2)
		fatal("%llu rows: a standard error needs at least 2", (unsigned long long)nrows);
	/* A control column with its known mean in the metadata (payoff
	 * --control) turns the price into a control-variate estimate; the plain
	 * one is kept as price-plain. */
	int price = -1, control = -1;
	double control_mean = 0;
	for (int i = 0; i < ncolumns; i++) {
		if (strcmp(column_names[i], "price") == 0)
			price = i;
		if (strcmp(column_names[i], "control") == 0)
			control = i;
	}
	if (control >= 0) {
		const char *text = NULL;
		for (int j = 0; j < nidentity; j++)
			if (strcmp(identity[j].key, "control_mean") == 0)
				text = identity[j].value;
		if (!text || !num_parse(text, strlen(text), &control_mean))
			fatal("a control column needs a valid control_mean= in the metadata");
		if (price < 0)
			fatal("a control column needs a price column to control");
		if (nrows < 3)
			fatal("%llu rows: a control-variate estimate needs at least 3",
			      (unsigned long long)nrows);
	}
	put_identity("tool=aggregate");
	printf("name\testimate\tstderr\tci95_low\tci95_high\tpaths\n");
	long double n = (long double)nrows;
	for (int i = 0; i < ncolumns; i++) {
		long double sum = xsum_round_ld(&sums[i]);
		long double sum_squares = xsum_round_ld(&products[i][i]);
		long double mean = sum / n;
		long double variance = spread(&sums[i], &products[i][i], nrows) / (n * (n - 1));
		if (isnan(variance))   /* sums beyond the double range: no better way */
			variance = (sum_squares - sum * mean) / (n - 1);
		if (variance < 0)   /* rounding */
			variance = 0;
		char plain_name[128];
		if (i == price && control >= 0) {
			print_controlled(i, control, control_mean);
			snprintf(plain_name, sizeof plain_name, "%s-plain", column_names[i]);
		} else {
			snprintf(plain_name, sizeof plain_name, "%s", column_names[i]);
		}
		if (i != control)
			print_row(plain_name, (double)mean, (double)sqrtl(variance / n));
	}
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
	check_coverage(!write_partial);
	if (write_partial)
		print_partial();
	else
		print_estimates();
	finish_output();
	return 0;
}
