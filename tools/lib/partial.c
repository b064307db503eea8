/* partial.c: the exact, mergeable state behind aggregate --partial
 * (partial.h). */
#define _POSIX_C_SOURCE 200809L
#include "partial.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "numtext.h"
#include "simd.h"
#include "xalloc.h"

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

void partial_free(struct partial *p)
{
	for (int i = 0; i < p->ncolumns; i++)
		free(p->names[i]);
	free(p->columns_where);
	meta_entries_free(p->identity, p->nidentity);
	for (size_t i = 0; i < p->nranges; i++)
		free(p->ranges[i].where);
	free(p->ranges);
	free(p->rsums);
	for (int i = 0; i < PARTIAL_MAX_COLUMNS; i++)
		free(p->stage[i]);
	free(p->pending);
}

void partial_set_columns(struct partial *p, const char *where, char **names, int count)
{
	if (count > PARTIAL_MAX_COLUMNS)
		data_error(where, "%d columns: at most %d", count, PARTIAL_MAX_COLUMNS);
	if (p->ncolumns == 0) {
		for (int i = 0; i < count; i++)
			p->names[i] = xstrdup(names[i]);
		p->ncolumns = count;
		p->columns_where = xstrdup(where);
		return;
	}
	bool same = count == p->ncolumns;
	for (int i = 0; same && i < count; i++)
		same = strcmp(names[i], p->names[i]) == 0;
	if (!same) {
		char these[200], first[200];
		join_names(these, sizeof these, names, count);
		join_names(first, sizeof first, p->names, p->ncolumns);
		data_error(where, "columns '%s' differ from the first input's '%s'", these, first);
	}
}

void partial_add_product(xsum *to, double x, double y)
{
	double product = x * y;
	xsum_add(to, product);
	xsum_add(to, fma(x, y, -product));
}

/* The value to blame for the first product, in adding order, that
 * overflows: the larger in magnitude of its pair; -1 if none does. */
static int too_large_to_square(const double *values, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i; j < n; j++)
			if (!isfinite(values[i] * values[j]))
				return fabs(values[i]) > fabs(values[j]) ? i : j;
	return -1;
}

/* The value of a row partial_add_row refuses, or -1. Rounding is
 * monotonic, so no product |x*y| rounds above the largest square: one check
 * per row, and the pairs only when it fails. */
int partial_row_refused(const double *values, int n)
{
	double largest = 0;

	for (int i = 0; i < n; i++) {
		if (isnan(values[i]))   /* no parser lets one in; a fused tool might */
			return i;
		if (fabs(values[i]) > largest)
			largest = fabs(values[i]);
	}
	return isfinite(largest * largest) ? -1 : too_large_to_square(values, n);
}

int partial_add_row(struct partial *p, const double *values)
{
	int n = p->ncolumns;
	int refused = partial_row_refused(values, n);

	if (refused >= 0)
		return refused;
	for (int i = 0; i < n; i++)
		xsum_add(&p->sums[i], values[i]);
	for (int i = 0; i < n; i++)
		for (int j = i; j < n; j++)
			partial_add_product(&p->products[i][j], values[i], values[j]);
	p->nrows++;
	return -1;
}

/* Rows per batch of partial_add_columns: 1024 values of up to 2^53 sum
 * exactly in an int64 bucket, let alone in a 128-bit one. */
#define BATCH_ROWS 1024

/* Exact sums by binary exponent. A finite double is m 2^(e - 1075), with
 * m a signed integer below 2^53 and e its biased exponent (1 for
 * subnormals; a zero may take any e, ZERO_BUCKET); a product of two is
 * m m' 2^(e + e' - 2150), m m' below 2^106. So adding m into an integer
 * bucket for e, or m m' into one for e + e', sums them exactly, with an
 * integer multiply and add where xsum_add would split and carry, and
 * without the product's rounding and its fma error. At the end of a batch
 * each bucket goes into the xsum: a few dozen adds, as a batch's values
 * have few exponents. The result is the exact sum, the same as adding
 * each value (and p + e for each product) would give, hence the same
 * partial; tests/unit/test_partial.c checks it against partial_add_row.
 *
 * Only products whose exact value lies on the grid of 2^-1074 are summed
 * this way: below it aggregate adds the rounded product and the rounded
 * error, which is not exact, and so must we. Values are below 2^400
 * (bucketable), so no bucket's value overflows a double. */
typedef __int128 wide;
#define SUM_BUCKETS 2048
#define PRODUCT_BUCKETS 4096
#define GRID_BUCKET 1076   /* e + e' - 2150 >= -1074 */
#define ZERO_BUCKET 1075   /* where a zero adds its 0: 2^0, amid real values */

/* value 2^scale into to, exactly: in pieces of 48 bits, each a double. */
static void add_scaled(xsum *to, wide value, int scale)
{
	unsigned __int128 u = value < 0 ? -(unsigned __int128)value : (unsigned __int128)value;
	double sign = value < 0 ? -1 : 1;

	for (; u; u >>= 48, scale += 48)
		xsum_add(to, sign * ldexp((double)(uint64_t)(u & ((UINT64_C(1) << 48) - 1)), scale));
}

static void *zeroed(size_t count, size_t size)
{
	void *p = calloc(count, size);
	if (!p)
		fatal("out of memory");
	return p;
}

SIMD_CLONES static void add_columns_by_exponent(struct partial *p, const double *const *columns,
                                                size_t r0, size_t len)
{
	/* all zero between calls */
	static int64_t *sum_buckets[PARTIAL_MAX_COLUMNS];
	static wide *product_buckets[PARTIAL_MAX_COLUMNS][PARTIAL_MAX_COLUMNS];
	static int64_t m[PARTIAL_MAX_COLUMNS][BATCH_ROWS];   /* each value's m and e */
	static int e[PARTIAL_MAX_COLUMNS][BATCH_ROWS];
	int n = p->ncolumns, lo[PARTIAL_MAX_COLUMNS], hi[PARTIAL_MAX_COLUMNS];

	for (int i = 0; i < n; i++) {
		int64_t *mi = m[i];
		int *ei = e[i];
		for (size_t r = 0; r < len; r++) {
			uint64_t bits;
			memcpy(&bits, &columns[i][r0 + r], sizeof bits);
			int biased = (int)(bits >> 52 & 0x7ff);
			int64_t mantissa = (int64_t)(bits & ((UINT64_C(1) << 52) - 1)) |
			                   (int64_t)(biased != 0) << 52;
			mi[r] = bits >> 63 ? -mantissa : mantissa;
			ei[r] = mantissa == 0 ? ZERO_BUCKET : biased ? biased : 1;
		}
		lo[i] = hi[i] = ei[0];
		for (size_t r = 1; r < len; r++) {
			lo[i] = ei[r] < lo[i] ? ei[r] : lo[i];
			hi[i] = ei[r] > hi[i] ? ei[r] : hi[i];
		}
		int64_t *b = sum_buckets[i] ? sum_buckets[i]
		                            : (sum_buckets[i] = zeroed(SUM_BUCKETS, sizeof *b));
		for (size_t r = 0; r < len; r++)
			b[ei[r]] += mi[r];
		for (int at = lo[i]; at <= hi[i]; at++)
			if (b[at]) {
				add_scaled(&p->sums[i], b[at], at - 1075);
				b[at] = 0;
			}
	}
	for (int i = 0; i < n; i++)
		for (int j = i; j < n; j++) {
			wide *b = product_buckets[i][j] ? product_buckets[i][j]
			        : (product_buckets[i][j] = zeroed(PRODUCT_BUCKETS, sizeof *b));
			bool tiny = false;
			for (size_t r = 0; r < len; r++) {
				int at = e[i][r] + e[j][r];
				tiny |= at < GRID_BUCKET;
				b[at] += (wide)m[i][r] * m[j][r];
			}
			if (tiny)   /* below the grid: aggregate's way, rounded product and error */
				for (size_t r = 0; r < len; r++) {
					int at = e[i][r] + e[j][r];
					if (at >= GRID_BUCKET)
						continue;
					b[at] = 0;
					double x = columns[i][r0 + r], y = columns[j][r0 + r], xy = x * y;
					xsum_add(&p->products[i][j], xy);
					xsum_add(&p->products[i][j], fma(x, y, -xy));
				}
			for (int at = lo[i] + lo[j] < GRID_BUCKET ? GRID_BUCKET : lo[i] + lo[j];
			     at <= hi[i] + hi[j]; at++)
				if (b[at]) {
					add_scaled(&p->products[i][j], b[at], at - 2150);
					b[at] = 0;
				}
		}
}

/* The largest double whose square is finite. */
double partial_largest_squarable(void)
{
	static double largest;
	if (largest == 0) {
		double x = sqrt(DBL_MAX);
		while (isfinite(nextafter(x, HUGE_VAL) * nextafter(x, HUGE_VAL)))
			x = nextafter(x, HUGE_VAL);
		while (!isfinite(x * x))
			x = nextafter(x, 0);
		largest = x;
	}
	return largest;
}

/* Of x[0..n-1]: *beyond, how many are NaN or have a square past limit;
 * *large, how many are NaN or at least 2^400 in magnitude. */
SIMD_CLONES static void count_outsized(const double *x, size_t n, double limit, size_t *beyond,
                                       size_t *large)
{
	size_t b = 0, l = 0;
	for (size_t r = 0; r < n; r++) {
		b += !(fabs(x[r]) <= limit);
		l += !(fabs(x[r]) < 0x1p400);
	}
	*beyond = b;
	*large = l;
}

/* As partial_add_row checks each row, but a column at a time: the rows
 * are only looked at one by one when a column fails. Returns the first row
 * refused or -1; *bucketable (when not NULL): whether every value is below
 * 2^400. */
static int first_refused(const struct partial *p, const double *const *columns, size_t nrows,
                         bool *bucketable)
{
	int n = p->ncolumns;
	const double limit = partial_largest_squarable();

	if (bucketable)
		*bucketable = true;
	for (int i = 0; i < n; i++) {
		size_t beyond, large;
		count_outsized(columns[i], nrows, limit, &beyond, &large);
		if (bucketable)
			*bucketable &= large == 0;
		if (beyond == 0)
			continue;
		for (size_t r = 0; r < nrows; r++) {
			double row[PARTIAL_MAX_COLUMNS] = { 0 };   /* (gcc 12 warns) */
			for (int k = 0; k < n; k++)
				row[k] = columns[k][r];
			if (partial_row_refused(row, n) >= 0)
				return (int)r;
		}
	}
	return -1;
}

int partial_first_refused(const struct partial *p, const double *const *columns, size_t nrows)
{
	return first_refused(p, columns, nrows, NULL);
}

int partial_add_columns(struct partial *p, const double *const *columns, size_t nrows)
{
	int n = p->ncolumns;
	bool bucketable;
	int refused = first_refused(p, columns, nrows, &bucketable);

	if (refused >= 0)
		return refused;
	if (!bucketable) {   /* values past 2^400, rare: a row at a time */
		for (size_t r = 0; r < nrows; r++) {
			double row[PARTIAL_MAX_COLUMNS] = { 0 };   /* (gcc 12 warns) */
			for (int k = 0; k < n; k++)
				row[k] = columns[k][r];
			partial_add_row(p, row);
		}
		return -1;
	}
	for (size_t r0 = 0; r0 < nrows; r0 += BATCH_ROWS)
		add_columns_by_exponent(p, columns, r0,
		                        nrows - r0 < BATCH_ROWS ? nrows - r0 : BATCH_ROWS);
	p->nrows += nrows;
	return -1;
}

void partial_add_range(struct partial *p, uint64_t first, uint64_t count, const char *where)
{
	if (p->nranges == p->ranges_cap) {
		p->ranges_cap = p->ranges_cap ? 2 * p->ranges_cap : 64;
		p->ranges = xreallocarray(p->ranges, p->ranges_cap, sizeof *p->ranges);
	}
	p->ranges[p->nranges] = (struct range){ first, count, xstrdup(where), p->nranges };
	p->nranges++;
}

/* Every input must describe the same run: the same identity keys with the
 * same values. */
void partial_take_identity(struct partial *p, struct stream *in)
{
	int count = 0;

	for (int i = 0; i < in->nmeta; i++) {
		const struct meta_entry *m = &in->meta[i];
		if (!meta_key_is_identity(m->key) || strcmp(m->key, "partial") == 0 ||
		    strcmp(m->key, PARTIAL_BLOCK_KEY) == 0 ||   /* aggregate checks them */
		    strcmp(m->key, PARTIAL_REP_BLOCK_KEY) == 0)
			continue;
		count++;
		if (!p->have_identity) {
			p->identity = xreallocarray(p->identity, (size_t)p->nidentity + 1, sizeof *p->identity);
			p->identity[p->nidentity++] = (struct meta_entry){
				xstrdup(m->key), xstrdup(m->value), xstrdup(m->where) };
			continue;
		}
		const struct meta_entry *e = meta_entry_find(p->identity, p->nidentity, m->key);
		if (!e)
			data_error(m->where, "metadata %.120s=%.120s is not in the first input (another run?)",
			           m->key, m->value);
		if (strcmp(e->value, m->value) != 0)
			data_error(m->where, "metadata %.120s=%.120s conflicts with %.120s=%.120s (%s)", m->key,
			           m->value, m->key, e->value, e->where);
	}
	if (p->have_identity && count != p->nidentity) {
		for (int j = 0; j < p->nidentity; j++) {
			const struct meta_entry *e = &p->identity[j];
			if (!stream_meta(in, e->key))
				data_error(in->name, "metadata has no %.120s= but %s has %.120s=%.120s (another run?)",
				           e->key, e->where, e->key, e->value);
		}
	}
	p->have_identity = true;
}

const char *partial_identity_value(const struct partial *p, const char *key)
{
	const struct meta_entry *e = meta_entry_find(p->identity, p->nidentity, key);
	return e ? e->value : NULL;
}

const char *partial_identity_where(const struct partial *p, const char *key)
{
	const struct meta_entry *e = meta_entry_find(p->identity, p->nidentity, key);
	return e ? e->where : NULL;
}

uint64_t partial_check_coverage(struct partial *p, bool complete)
{
	const char *paths_text;
	uint64_t paths = 0, next, covered;

	if (p->nranges == 0)
		return 0;
	if (p->unranged_rows)
		fatal("%llu rows lie outside any path range (first=/count= metadata)",
		      (unsigned long long)p->unranged_rows);
	next = ranges_sweep(p->ranges, p->nranges, RANGE_TIES_BY_ORDER, "paths", complete, &covered);
	paths_text = partial_identity_value(p, "paths");
	if (complete) {
		if (!paths_text || !num_parse_u64(paths_text, strlen(paths_text), &paths))
			fatal("path ranges without a valid paths= in the metadata");
		ranges_check_end(next, paths, "paths", true);
	}
	if (covered != p->nrows)
		fatal("%llu rows for %llu paths in the ranges", (unsigned long long)p->nrows,
		      (unsigned long long)covered);
	return covered;
}

void partial_write_identity(const struct partial *p, const char *tool_words)
{
	printf("# %s", tool_words);
	for (int j = 0; j < p->nidentity; j++)
		printf(" %s=%s", p->identity[j].key, p->identity[j].value);
	printf("\n");
}

static void put_xsum(const char *stat, const char *a, const char *b, const xsum *x)
{
	char text[XSUM_TEXT_MAX];
	xsum_format(x, text, sizeof text);
	printf("%s\t%s\t%s\t%s\n", stat, a, b, text);
}

void partial_write(const struct partial *p)
{
	partial_write_identity(p, p->replicates ? "tool=aggregate partial=1 " PARTIAL_BLOCK_KEY "="
	                                          PARTIAL_BLOCK_TEXT " " PARTIAL_REP_BLOCK_KEY "="
	                                          PARTIAL_BLOCK_TEXT
	                                        : "tool=aggregate partial=1 " PARTIAL_BLOCK_KEY "="
	                                          PARTIAL_BLOCK_TEXT);
	printf("%s\n", PARTIAL_HEADER);
	/* Adjacent ranges merge, so a complete partial says first=0 count=paths. */
	for (size_t i = 0; i < p->nranges;) {
		uint64_t first = p->ranges[i].first, end = first + p->ranges[i].count;
		for (i++; i < p->nranges && p->ranges[i].first == end; i++)
			end += p->ranges[i].count;
		printf("# first=%llu count=%llu\n", (unsigned long long)first,
		       (unsigned long long)(end - first));
	}
	printf("n\t-\t-\t%llu\n", (unsigned long long)p->nrows);
	for (int i = 0; i < p->ncolumns; i++)
		put_xsum("sum", p->names[i], "-", &p->sums[i]);
	for (int i = 0; i < p->ncolumns; i++)
		for (int j = i; j < p->ncolumns; j++)
			put_xsum("prod", p->names[i], p->names[j], &p->products[i][j]);
	for (int r = 0; r < p->replicates; r++)
		for (int i = 0; i < p->ncolumns; i++) {
			char replicate[24];
			snprintf(replicate, sizeof replicate, "%d", r);
			put_xsum("rep", p->names[i], replicate, &p->rsums[r * PARTIAL_MAX_COLUMNS + i]);
		}
	partial_write_pending(p);
	printf("end\t-\t-\t%llu\n", (unsigned long long)p->nrows);
}

/* Replicate sums of randomized QMC (partial.h). A column's total is the
 * sum of its replicates', but both are kept: the products need every row,
 * the replicates' means need their own sums, and all stay exact. */
void partial_set_replicates(struct partial *p, int replicates, const char *where)
{
	if (p->replicates == 0) {
		p->replicates = replicates;
		p->rsums = zeroed((size_t)replicates * PARTIAL_MAX_COLUMNS, sizeof *p->rsums);
	} else if (p->replicates != replicates) {
		data_error(where, "replicates=%d, but the first input has replicates=%d", replicates,
		           p->replicates);
	}
}

bool partial_merge_replicate(struct partial *p, int column, const char *replicate,
                             const char *text)
{
	uint64_t r;
	xsum value;

	if (!num_parse_u64(replicate, strlen(replicate), &r) || r >= (uint64_t)p->replicates ||
	    xsum_parse(&value, text, strlen(text)) != 0)
		return false;
	xsum_merge(&p->rsums[r * PARTIAL_MAX_COLUMNS + (uint64_t)column], &value);
	return true;
}
