/* tail.c: exact, mergeable tails; VaR and ES with intervals (tail.h). */
#define _POSIX_C_SOURCE 200809L
#include "tail.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exactsum.h"
#include "numtext.h"
#include "partial.h"
#include "xalloc.h"

#define Z95 1.959963984540054   /* Phi^{-1}(0.975) */
#define TRIM_MIN 4096           /* rows tail_add gathers before a first trim */

double tail_keep_mass(uint64_t scenarios, double level)
{
	double m = (double)scenarios * (1 - level);
	return m + 5 * sqrt(m) + 5;
}

static void set_identity(struct tail *t, const char *key, const char *value, const char *where)
{
	t->identity = xreallocarray(t->identity, (size_t)t->nidentity + 1, sizeof *t->identity);
	t->identity[t->nidentity++] = (struct meta_entry){ xstrdup(key), xstrdup(value), xstrdup(where) };
}

void tail_init(struct tail *t, double level, uint64_t scenarios, bool weighted,
               int nextra, char **names, const char *option)
{
	if (!(level >= 0.5 && level < 1))
		usage_error("%s: level %.17g is not in [0.5, 1)", option, level);
	if (scenarios < 1 || scenarios > (UINT64_C(1) << 53))
		usage_error("%s: %llu scenarios: not in [1, 2^53]", option, (unsigned long long)scenarios);
	if (nextra < 0 || nextra > TAIL_MAX_EXTRA)
		usage_error("%s: %d extra columns: at most %d", option, nextra, TAIL_MAX_EXTRA);
	memset(t, 0, sizeof *t);
	t->level = level;
	t->scenarios = scenarios;
	t->weighted = weighted;
	t->keep = tail_keep_mass(scenarios, level);
	t->nextra = nextra;
	t->extra_names = xreallocarray(NULL, (size_t)nextra + 1, sizeof *t->extra_names);
	for (int k = 0; k < nextra; k++)
		t->extra_names[k] = xstrdup(names[k]);
	/* no trim before it can drop a row: 2 K rows of weight 1 */
	t->trim_at = t->keep < TRIM_MIN ? TRIM_MIN : 2 * (size_t)t->keep + 2;
}

void tail_free(struct tail *t)
{
	for (int k = 0; k < t->nextra; k++)
		free(t->extra_names[k]);
	free(t->extra_names);
	free(t->rows);
	free(t->extra);
	free(t->scratch);
	for (size_t i = 0; i < t->nranges; i++)
		free(t->ranges[i].where);
	free(t->ranges);
	meta_entries_free(t->identity, t->nidentity);
	memset(t, 0, sizeof *t);
}

static void trim_between(struct tail *t);

bool tail_add(struct tail *t, uint64_t scenario, double loss, double weight, const double *extra)
{
	if (!isfinite(loss) || !isfinite(weight) || !(weight > 0) || (!t->weighted && weight != 1))
		return false;
	if (tail_below_cut(t, loss))
		return true;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 1024;
		t->rows = xreallocarray(t->rows, t->cap, sizeof *t->rows);
		if (t->nextra)
			t->extra = xreallocarray(t->extra, t->cap, (size_t)t->nextra * sizeof *t->extra);
	}
	t->rows[t->n] = (struct tail_row){ scenario, loss, weight, t->n };
	if (t->nextra) {
		double *to = t->extra + t->n * (size_t)t->nextra;
		if (extra)
			memcpy(to, extra, (size_t)t->nextra * sizeof *to);
		else
			memset(to, 0, (size_t)t->nextra * sizeof *to);
	}
	t->n++;
	if (t->n >= t->trim_at)
		trim_between(t);
	return true;
}

/* Worst first: loss descending, then scenario ascending (one order for ties). */
static inline bool worse(const struct tail_row *x, const struct tail_row *y)
{
	return x->loss > y->loss || (x->loss == y->loss && x->scenario < y->scenario);
}

/* a[0, na) and b[0, nb), each worst first, merged into out (stable: a's
 * row first of two that compare equal, as a merge sort keeps them). */
static void merge_rows(const struct tail_row *a, size_t na, const struct tail_row *b, size_t nb,
                       struct tail_row *out)
{
	size_t i = 0, j = 0, k = 0;
	/* without branches: which row comes next is a coin toss for random
	 * losses (a shard's), and a mispredicted branch a row was most of the
	 * merge's time */
	while (i < na && j < nb) {
		const struct tail_row *x = &b[j], *y = &a[i];
		size_t take_b = (x->loss > y->loss) | ((x->loss == y->loss) & (x->scenario < y->scenario));
		const struct tail_row *next = take_b ? x : y;
		out[k++] = *next;
		j += take_b;
		i += 1 - take_b;
	}
	while (i < na)
		out[k++] = a[i++];
	while (j < nb)
		out[k++] = b[j++];
}

/* dst[0, n) sorted worst first, stably, where src[0, n) holds the same
 * rows on entry and is scratch (the halves are sorted into src and merged
 * back, so no row is copied back and forth; Sedgewick's merge sort
 * without the copy). glibc's qsort is a merge sort too, but one that calls
 * a comparison function and memcpy for every move: 8% of a shard's
 * instructions, most of what is not the revaluation. */
static void sort_rows(struct tail_row *src, struct tail_row *dst, size_t n)
{
	if (n <= 16) {
		for (size_t i = 1; i < n; i++) {
			struct tail_row r = dst[i];
			size_t j = i;
			for (; j > 0 && worse(&r, &dst[j - 1]); j--)
				dst[j] = dst[j - 1];
			dst[j] = r;
		}
		return;
	}
	size_t half = n / 2;
	sort_rows(dst, src, half);
	sort_rows(dst + half, src + half, n - half);
	merge_rows(src, half, src + half, n - half, dst);
}

/* The ends of the sorted runs (worst first) of r[0, n), at most max of
 * them; 0 if there are more. Rows read from partials (risk, scenarios
 * --contributions) arrive a partial at a time, each worst first: the rows
 * added between two trims are a few runs. */
#define RUNS_MAX 16
static size_t run_ends(const struct tail_row *r, size_t n, size_t *ends)
{
	size_t k = 0;
	for (size_t i = 1; i <= n; i++)
		if (i == n || worse(&r[i], &r[i - 1])) {
			if (k == RUNS_MAX)
				return 0;
			ends[k++] = i;
		}
	return k;
}

/* rows[0, n), `runs` sorted runs ending at ends[], sorted in place by
 * merging neighbouring runs pass after pass (n log(runs), not a sort's
 * n log n; the order of sort_rows, `worse` being a total order), tmp of n
 * rows the other buffer. */
static void merge_runs(struct tail_row *rows, struct tail_row *tmp, size_t n, size_t *ends, size_t runs)
{
	struct tail_row *src = rows, *dst = tmp;
	while (runs > 1) {
		size_t k = 0, begin = 0;
		for (size_t r = 0; r < runs; r += 2) {
			size_t mid = ends[r], end = r + 1 < runs ? ends[r + 1] : mid;
			merge_rows(src + begin, mid - begin, src + mid, end - mid, dst + begin);
			ends[k++] = end;
			begin = end;
		}
		runs = k;
		struct tail_row *swap = src;
		src = dst;
		dst = swap;
	}
	if (src != rows)
		memcpy(rows, src, n * sizeof *rows);
}

static void swap_rows(struct tail_row *a, struct tail_row *b)
{
	struct tail_row r = *a;
	*a = *b;
	*b = r;
}

/* Moves the k worst rows of r[0, n) into r[0, k), in no order, 0 < k < n
 * (Hoare's selection, three-way partitions about a median of three:
 * expected linear time). false, r's order changed but no row lost, after
 * 64 rounds (inputs that defeat the pivots): the caller sorts instead. */
static bool select_worst(struct tail_row *r, size_t n, size_t k)
{
	size_t lo = 0, hi = n;   /* [0, lo) worse than [lo, n), [hi, n) better than [0, hi) */
	for (int round = 0; hi - lo > 1; round++) {
		if (round == 64)
			return false;
		size_t mid = lo + (hi - lo) / 2;
		struct tail_row a = r[lo], b = r[mid], c = r[hi - 1], p;
		if (worse(&a, &b))
			p = worse(&b, &c) ? b : worse(&a, &c) ? c : a;
		else
			p = worse(&a, &c) ? a : worse(&b, &c) ? c : b;
		size_t lt = lo, i = lo, gt = hi;
		while (i < gt) {
			if (worse(&r[i], &p))
				swap_rows(&r[lt++], &r[i++]);
			else if (worse(&p, &r[i]))
				swap_rows(&r[i], &r[--gt]);
			else
				i++;
		}
		/* [lo, lt) worse than p, [lt, gt) equal to it, [gt, hi) better */
		if (k <= lt)
			hi = lt;
		else if (k <= gt)
			break;
		else
			lo = gt;
	}
	return true;
}

/* A trim between tail_add's rows (an unweighted tail of no extras: a
 * shard's): the kept rows selected, not sorted; the last trim
 * (tail_trim) sorts them once. A shard's random losses passed the
 * threshold some 5 K times in 10^5 scenarios and each passing row was
 * sorted and merged again at every trim: 5% of the shard's time. The rows
 * kept and the threshold are a sort's (the K' worst rows of a total
 * order; K' = floor(K) + 1, the count tail_trim keeps of rows of weight
 * 1); rows arriving as a few sorted runs (partials read back) merge as
 * before. */
static void trim_between(struct tail *t)
{
	size_t kept = (size_t)t->keep + 1, ends[RUNS_MAX];
	if (t->weighted || t->nextra != 0 || t->n <= kept ||
	    run_ends(t->rows + (t->nsorted <= t->n ? t->nsorted : 0),
	             t->n - (t->nsorted <= t->n ? t->nsorted : 0), ends) > 0) {
		tail_trim(t);
		return;
	}
	/* the selection reorders every row, the last trim's sorted ones too:
	 * should it give up, tail_trim sorts them all */
	t->nsorted = 0;
	if (!select_worst(t->rows, t->n, kept)) {
		tail_trim(t);
		return;
	}
	struct tail_row *last = &t->rows[0];
	for (size_t i = 1; i < kept; i++)
		if (worse(last, &t->rows[i]))
			last = &t->rows[i];
	t->cut = true;
	t->threshold = last->loss;
	for (size_t i = 0; i < kept; i++)
		t->rows[i].slot = i;
	t->n = kept;
	t->nsorted = 0;
	t->trim_at = 2 * kept > TRIM_MIN ? 2 * kept : TRIM_MIN;
}

void tail_trim(struct tail *t)
{
	size_t keep = 0;
	double before = 0;   /* rounded sums in this order: a shard's never exceed the whole's (tail.h) */

	/* The rows the last trim kept are in order: sort the ones added since
	 * and merge the two (the order of a full sort, `worse` being a total
	 * order on the distinct scenarios of a valid tail). */
	if (t->n > 0) {
		struct tail_row *tmp = xreallocarray(NULL, t->n, sizeof *tmp);
		size_t old = t->nsorted <= t->n ? t->nsorted : 0, ends[RUNS_MAX];
		size_t runs = run_ends(t->rows + old, t->n - old, ends);
		if (runs > 0) {
			merge_runs(t->rows + old, tmp, t->n - old, ends, runs);
		} else {
			memcpy(tmp, t->rows + old, (t->n - old) * sizeof *tmp);
			sort_rows(tmp, t->rows + old, t->n - old);
		}
		if (old > 0) {
			merge_rows(t->rows, old, t->rows + old, t->n - old, tmp);
			memcpy(t->rows, tmp, t->n * sizeof *tmp);
		}
		free(tmp);
	}
	while (keep < t->n && before <= t->keep)
		before += t->rows[keep++].weight;
	if (keep < t->n) {
		t->cut = true;
		t->threshold = t->rows[keep - 1].loss;
	}
	if (t->nextra) {
		size_t width = (size_t)t->nextra;
		double *packed = xreallocarray(NULL, t->cap, width * sizeof *packed);
		for (size_t i = 0; i < keep; i++) {
			memcpy(packed + i * width, t->extra + t->rows[i].slot * width, width * sizeof *packed);
			t->rows[i].slot = i;
		}
		free(t->extra);
		t->extra = packed;
	} else {
		for (size_t i = 0; i < keep; i++)
			t->rows[i].slot = i;
	}
	t->n = keep;
	t->nsorted = keep;
	t->trim_at = 2 * keep > TRIM_MIN ? 2 * keep : TRIM_MIN;
}

void tail_add_extras(struct tail *t, int nextra, char **names)
{
	if (t->nextra != 0 || nextra < 0 || nextra > TAIL_MAX_EXTRA)
		fatal("tail_add_extras: %d extra columns on a tail of %d", nextra, t->nextra);
	t->nextra = nextra;
	t->extra_names = xreallocarray(t->extra_names, (size_t)nextra + 1, sizeof *t->extra_names);
	for (int k = 0; k < nextra; k++)
		t->extra_names[k] = xstrdup(names[k]);
	/* every row's slot (tail_add's, or tail_trim's index) is below cap */
	free(t->extra);
	t->extra = NULL;
	if (t->cap > 0 && nextra > 0) {
		t->extra = calloc(t->cap, (size_t)nextra * sizeof *t->extra);
		if (!t->extra)
			fatal("out of memory");
	}
}

double *tail_extra(struct tail *t, size_t i)
{
	return t->extra + t->rows[i].slot * (size_t)t->nextra;
}

void tail_add_range(struct tail *t, uint64_t first, uint64_t count, const char *where)
{
	if (t->nranges == t->ranges_cap) {
		t->ranges_cap = t->ranges_cap ? 2 * t->ranges_cap : 16;
		t->ranges = xreallocarray(t->ranges, t->ranges_cap, sizeof *t->ranges);
	}
	t->ranges[t->nranges] = (struct range){ first, count, xstrdup(where), t->nranges };
	t->nranges++;
}

static bool in_ranges(const struct tail *t, uint64_t scenario)
{
	size_t lo = 0, hi = t->nranges;   /* sorted, disjoint */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->ranges[mid].first + t->ranges[mid].count <= scenario)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nranges && t->ranges[lo].first <= scenario;
}

void tail_check_coverage(struct tail *t, bool complete)
{
	if (t->nranges == 0)
		fatal("no scenario ranges (first=/count= metadata)");
	uint64_t next = ranges_sweep(t->ranges, t->nranges, RANGE_TIES_BY_WHERE, "scenarios",
	                             complete, NULL);
	ranges_check_end(next, t->scenarios, "scenarios", complete);
	for (size_t i = 0; i < t->n; i++)
		if (!in_ranges(t, t->rows[i].scenario))
			fatal("scenario %llu lies outside the ranges counted",
			      (unsigned long long)t->rows[i].scenario);
	for (size_t i = 1; i < t->n; i++)
		if (t->rows[i].scenario == t->rows[i - 1].scenario)
			fatal("scenario %llu counted twice", (unsigned long long)t->rows[i].scenario);
}

static bool own_key(const char *key)
{
	return !meta_key_is_identity(key) || strcmp(key, "tail") == 0 || strcmp(key, "level") == 0 ||
	       strcmp(key, "scenarios") == 0 || strcmp(key, "weighted") == 0;
}

void tail_take_identity(struct tail *t, struct stream *in)
{
	int count = 0;

	for (int i = 0; i < in->nmeta; i++) {
		const struct meta_entry *m = &in->meta[i];
		if (own_key(m->key))
			continue;
		count++;
		if (!t->have_identity) {
			set_identity(t, m->key, m->value, m->where);
			continue;
		}
		const struct meta_entry *e = meta_entry_find(t->identity, t->nidentity, m->key);
		if (!e)
			data_error(m->where, "metadata %.120s=%.120s is not in the first input (another run?)",
			           m->key, m->value);
		if (strcmp(e->value, m->value) != 0)
			data_error(m->where, "metadata %.120s=%.120s conflicts with %.120s=%.120s (%s)",
			           m->key, m->value, m->key, e->value, e->where);
	}
	if (t->have_identity && count != t->nidentity)
		data_error(in->name, "metadata has fewer identity keys than the first input (another run?)");
	t->have_identity = true;
}

/* log P(K = k), K ~ Binomial(n, p). */
static double log_binomial(double n, double k, double p)
{
	return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * log(p) + (n - k) * log1p(-p);
}

/* The ranks of tail.h's VaR interval: a the largest with P(K < a) <=
 * 0.025, b the smallest with P(K >= b) <= 0.025. Terms beyond 12
 * standard deviations (and 12) weigh less than 1e-30: left out. */
static void binomial_ranks(uint64_t n, double p, uint64_t *a, uint64_t *b)
{
	double nd = (double)n, mean = nd * p, sd = sqrt(nd * p * (1 - p));
	double lo = fmax(0, floor(mean - 12 * sd - 12)), hi = fmin(nd, ceil(mean + 12 * sd + 12));
	double sum = 0;

	*a = (uint64_t)hi + 1;
	for (double k = lo; k <= hi; k++) {
		sum += exp(log_binomial(nd, k, p));
		if (sum > 0.025) {
			*a = (uint64_t)k;
			break;
		}
	}
	sum = 0;
	*b = (uint64_t)lo;
	for (double k = hi; k >= lo; k--) {
		sum += exp(log_binomial(nd, k, p));
		if (sum > 0.025) {
			*b = (uint64_t)k + 1;
			break;
		}
	}
}

/* Glynn's inverted interval for a weighted run (tail.h): rows whose
 * estimated exceedance probability is within 1.96 standard deviations of
 * 1 - alpha. */
static bool weighted_interval(const struct tail *t, struct tail_estimate *e, char *why, size_t size)
{
	long double before = 0, squares = 0, n = (long double)t->scenarios, p = 1 - (long double)t->level;
	bool have_high = false, past_low = false;
	size_t low = 0;

	for (size_t j = 0; j < t->n; j++) {
		long double q = before / n, var = (squares / n - q * q) / n;
		long double sd = var > 0 ? sqrtl(var) : 0;
		if (!have_high && q + (long double)Z95 * sd >= p) {
			e->var_high = t->rows[j].loss;
			have_high = true;
		}
		if (q - (long double)Z95 * sd > p) {
			past_low = true;
			break;
		}
		low = j;
		before += t->rows[j].weight;
		squares += (long double)t->rows[j].weight * t->rows[j].weight;
	}
	if (!have_high || (!past_low && t->n < t->scenarios)) {
		snprintf(why, size, "the kept tail (weight %.17g) is too short for the VaR interval", t->keep);
		return false;
	}
	e->var_low = t->rows[low].loss;
	return true;
}

bool tail_estimates(const struct tail *t, struct tail_estimate *e, char *why, size_t size)
{
	double p = 1 - t->level;   /* exact: level in [0.5, 1) (Sterbenz) */
	xsum mass, over, sum;      /* M; C - M; ES's numerator */
	size_t j;

	memset(e, 0, sizeof *e);
	xsum_init(&mass);
	partial_add_product(&mass, (double)t->scenarios, p);
	xsum_init(&over);
	partial_add_product(&over, -(double)t->scenarios, p);
	xsum_init(&sum);
	j = 0;
	if (!t->weighted) {
		/* weights of 1: C_j = j, and no j below floor(M) - 1 ends the
		 * search (j < M there): those rows' weight added at once, the same
		 * exact sum (an xsum_sign a row was 5% of risk's instructions) */
		double m = xsum_round(&mass);
		if (m > 2) {
			j = (size_t)m - 2;
			j = j < t->n ? j : t->n;
			xsum_add(&over, (double)j);
		}
	}
	for (; j < t->n; j++) {
		if (xsum_sign(&over) > 0)
			break;
		xsum_add(&over, t->rows[j].weight);
	}
	if (j == t->n && xsum_sign(&over) <= 0) {
		snprintf(why, size, "the scenarios' weight does not exceed N(1-level) = %.17g: no VaR",
		         xsum_round(&mass));
		return false;
	}
	/* Row j-1 is the VaR's: undo its weight to get C_{j*-1} - M. */
	size_t js = j - 1;
	xsum_add(&over, -t->rows[js].weight);
	for (size_t i = 0; i < js; i++)
		partial_add_product(&sum, t->rows[i].weight, t->rows[i].loss);
	partial_add_product(&sum, -xsum_round(&over), t->rows[js].loss);
	double m = xsum_round(&mass);
	e->jstar = js;
	e->var = t->rows[js].loss;
	e->es = xsum_round(&sum) / m;

	long double a = 0, b = 0, n = (long double)t->scenarios;
	for (size_t i = 0; i < js && t->rows[i].loss > e->var; i++) {
		long double excess = (long double)t->rows[i].weight * (t->rows[i].loss - e->var);
		a += excess;
		b += excess * excess;
	}
	long double var = (b / n - (a / n) * (a / n)) / (n * (long double)p * p);
	e->es_se = var > 0 ? (double)sqrtl(var) : 0;
	e->es_low = e->es - Z95 * e->es_se;
	e->es_high = e->es + Z95 * e->es_se;

	if (t->weighted) {
		if (!weighted_interval(t, e, why, size))
			return false;
	} else {
		uint64_t ra, rb;
		binomial_ranks(t->scenarios, p, &ra, &rb);
		if (ra < 1) {
			snprintf(why, size, "%llu scenarios at level %.17g are too few for a 95%% VaR "
			         "interval (N(1-level) = %.17g; about 4 or more needed)",
			         (unsigned long long)t->scenarios, t->level, m);
			return false;
		}
		if (rb > t->n) {
			snprintf(why, size, "the kept tail (%zu rows) is too short for the VaR interval", t->n);
			return false;
		}
		e->var_high = t->rows[ra - 1].loss;
		e->var_low = t->rows[rb - 1].loss;
	}
	e->var_se = (e->var_high - e->var_low) / (2 * Z95);
	return true;
}

/* Columns k0..k0+COLS-1's sums over rows [0, js), a row at a time with
 * the COLS sums in registers: each sum adds the same terms in the same
 * order as a column at a time, COLS chains at once (one long double chain
 * a column, striding through 10^4 rows of 100 extras, waited on each
 * addition's latency and on the cache). */
#define COLS 4
static void column_sums(const struct tail *t, size_t js, size_t k0, size_t cols, const long double *c,
                        long double *out)
{
	size_t width = (size_t)t->nextra;
	long double s0 = 0, s1 = 0, s2 = 0, s3 = 0;

	for (size_t i = 0; i < js; i++) {
		const double *x = t->extra + t->rows[i].slot * width + k0;
		long double w = (long double)t->rows[i].weight;
		if (!c) {
			/* the contribution's numerator: sum w x */
			s0 += w * x[0];
			if (cols > 1)
				s1 += w * x[1];
			if (cols > 2)
				s2 += w * x[2];
			if (cols > 3)
				s3 += w * x[3];
		} else {
			/* the squares of the rows above the VaR: sum (w (x - c))^2 */
			if (!(t->rows[i].loss > c[COLS]))
				break;
			long double d0 = w * (x[0] - c[0]);
			s0 += d0 * d0;
			if (cols > 1) {
				long double d1 = w * (x[1] - c[1]);
				s1 += d1 * d1;
			}
			if (cols > 2) {
				long double d2 = w * (x[2] - c[2]);
				s2 += d2 * d2;
			}
			if (cols > 3) {
				long double d3 = w * (x[3] - c[3]);
				s3 += d3 * d3;
			}
		}
	}
	out[0] = s0;
	out[1] = s1;
	out[2] = s2;
	out[3] = s3;
}

void tail_contributions(const struct tail *t, const struct tail_estimate *e,
                        double *contribution, double *stderr_)
{
	long double n = (long double)t->scenarios, p = 1 - (long double)t->level;
	long double mass = n * p, before = 0;
	size_t js = e->jstar, width = (size_t)t->nextra;

	for (size_t i = 0; i < js; i++)
		before += t->rows[i].weight;
	for (size_t k0 = 0; k0 < width; k0 += COLS) {
		size_t cols = width - k0 < COLS ? width - k0 : COLS;
		long double sum[COLS], c[COLS + 1], squares[COLS];
		column_sums(t, js, k0, cols, NULL, sum);
		for (size_t k = 0; k < cols; k++) {
			sum[k] += (mass - before) * t->extra[t->rows[js].slot * width + k0 + k];
			c[k] = sum[k] / mass;
		}
		c[COLS] = e->var;
		column_sums(t, js, k0, cols, c, squares);
		for (size_t k = 0; k < cols; k++) {
			contribution[k0 + k] = (double)c[k];
			stderr_[k0 + k] = (double)(sqrtl(squares[k]) / mass);
		}
	}
}

void tail_put_identity(FILE *fp, const struct tail *t, const char *tool)
{
	char text[NUM_TEXT_MAX];

	num_format(text, t->level);
	fprintf(fp, "# tool=%s level=%s scenarios=%llu weighted=%d", tool, text,
	        (unsigned long long)t->scenarios, t->weighted);
	for (int i = 0; i < t->nidentity; i++)
		fprintf(fp, " %s=%s", t->identity[i].key, t->identity[i].value);
	fprintf(fp, "\n");
}

void tail_put_result(FILE *fp, const struct tail *t, const char *name, double estimate, double se,
                     double low, double high)
{
	char e[NUM_TEXT_MAX], s[NUM_TEXT_MAX], l[NUM_TEXT_MAX], h[NUM_TEXT_MAX];

	num_format(e, estimate);
	num_format(s, se);
	num_format(l, low);
	num_format(h, high);
	fprintf(fp, "%s\t%s\t%s\t%s\t%s\t%llu\n", name, e, s, l, h, (unsigned long long)t->scenarios);
}

void tail_write_contributions(FILE *fp, const struct tail *t, const struct tail_estimate *e,
                              const char *tool)
{
	size_t n = (size_t)t->nextra + 1;
	double *c = xreallocarray(NULL, n, sizeof *c), *se = xreallocarray(NULL, n, sizeof *se);

	tail_contributions(t, e, c, se);
	tail_put_identity(fp, t, tool);
	fputs(TAIL_RESULT_HEADER, fp);
	for (int k = 0; k < t->nextra; k++)
		tail_put_result(fp, t, t->extra_names[k], c[k], se[k], c[k] - Z95 * se[k], c[k] + Z95 * se[k]);
	free(c);
	free(se);
}

/* Numbers in hex: exact, and far cheaper to write and read than the
 * shortest decimal (a hundred positions make a tail of 10^4 rows a
 * million numbers; the decimal took a seventh of a shard's time). */
static void put_hex(char *buf, size_t *len, double x)
{
	buf[(*len)++] = '\t';
	*len += num_format_hex(buf + *len, x);
}

void tail_write(const struct tail *t, const char *tool)
{
	char text[NUM_TEXT_MAX];

	num_format(text, t->level);
	printf("# tool=%s tail=1 level=%s scenarios=%llu weighted=%d", tool, text,
	       (unsigned long long)t->scenarios, t->weighted);
	for (int i = 0; i < t->nidentity; i++)
		printf(" %s=%s", t->identity[i].key, t->identity[i].value);
	printf("\n");
	/* Adjacent ranges merge: a whole run says first=0 count=N. Sorted by
	 * tail_check_coverage. */
	for (size_t i = 0; i < t->nranges;) {
		uint64_t first = t->ranges[i].first, end = first + t->ranges[i].count;
		for (i++; i < t->nranges && t->ranges[i].first == end; i++)
			end += t->ranges[i].count;
		printf("# first=%llu count=%llu\n", (unsigned long long)first,
		       (unsigned long long)(end - first));
	}
	printf("%s", TAIL_HEADER);
	for (int k = 0; k < t->nextra; k++)
		printf("\t%s", t->extra_names[k]);
	printf("\n");
	size_t cap = 64 + (size_t)t->nextra * (NUM_TEXT_MAX + 1);
	char *buf = xreallocarray(NULL, cap, 1);
	for (size_t i = 0; i < t->n; i++) {
		const struct tail_row *r = &t->rows[i];
		size_t len = num_format_u64(buf, r->scenario);
		put_hex(buf, &len, r->loss);
		put_hex(buf, &len, r->weight);
		for (int k = 0; k < t->nextra; k++)
			put_hex(buf, &len, t->extra[r->slot * (size_t)t->nextra + (size_t)k]);
		buf[len++] = '\n';
		out_write(buf, len);
	}
	printf("end\t%zu\t-", t->n);
	for (int k = 0; k < t->nextra; k++)
		printf("\t-");
	printf("\n");
	free(buf);
}

/* The run's level, N and weighting from the first input's metadata. */
static void setup(struct tail *t, struct stream *in)
{
	const char *where = stream_header_where(in);
	const char *tail = stream_meta(in, "tail"), *n_text = stream_meta(in, "scenarios");
	const char *weighted = stream_meta(in, "weighted");
	uint64_t n;

	if (!tail || strcmp(tail, "1") != 0)
		data_error(where, "not a tail partial (no tail=1 in the metadata)");
	double level = stream_meta_double(in, "level");
	if (!n_text || !num_parse_u64(n_text, strlen(n_text), &n) || n < 1 || n > (UINT64_C(1) << 53))
		data_error(where, "metadata scenarios= missing or not in [1, 2^53]");
	if (!weighted || (strcmp(weighted, "0") != 0 && strcmp(weighted, "1") != 0))
		data_error(where, "metadata weighted= missing or not 0 or 1");
	if (!(level >= 0.5 && level < 1))
		data_error(where, "metadata level=%.17g is not in [0.5, 1)", level);
	if (in->ncolumns < 3 || strcmp(in->columns[0], "scenario") != 0 ||
	    strcmp(in->columns[1], "loss") != 0 || strcmp(in->columns[2], "weight") != 0)
		data_error(where, "header does not start with scenario, loss, weight");
	tail_init(t, level, n, weighted[0] == '1', in->ncolumns - 3, in->columns + 3, "tail");
}

static void check_end(struct stream *in, const char *name, bool ended)
{
	if (!ended)
		data_error(name, "tail partial has no end row (truncated?)");
	(void)in;
}

/* The normals= word of a partial's first line ("" if none: inversion,
 * scenarios' default), into buf. The stream unites the inputs' metadata,
 * so a key present in one partial and absent from another would pass
 * unseen there: scenarios of inversion and of the ziggurat are other
 * scenarios of one seed, and merged they would pass for one run. */
static bool partial_normals(const char *line, char *buf, size_t size)
{
	bool tail = false;
	buf[0] = '\0';
	for (const char *p = line + 1; *p;) {
		p += strspn(p, " \t");
		size_t len = strcspn(p, " \t");
		if (len == 6 && strncmp(p, "tail=1", 6) == 0)
			tail = true;
		else if (len > 8 && strncmp(p, "normals=", 8) == 0)
			snprintf(buf, size, "%.*s", (int)(len - 8 < 100 ? len - 8 : 100), p + 8);
		p += len;
	}
	return tail;
}

static void check_normals(struct stream *in, char *first, char *first_where, bool *seen)
{
	char mine[128];

	if (!partial_normals(in->line, mine, sizeof mine))
		return;
	if (!*seen) {
		snprintf(first, 128, "%s", mine);
		snprintf(first_where, 512, "%s", stream_where(in));
		*seen = true;
		return;
	}
	if (strcmp(mine, first) != 0)
		data_error(stream_where(in), "normals=%s but %s has normals=%s: tails of inversion and "
		           "ziggurat normals do not merge (another run?)", *mine ? mine : "(none: inversion)",
		           first_where, *first ? first : "(none: inversion)");
}

void tail_read(struct tail *t, struct stream *in)
{
	char normals[128], normals_where[512];
	bool normals_seen = false;
	enum record r;
	int input = -1;
	bool ended = true, ready = false;
	uint64_t rows = 0, end_rows;
	char last_name[512] = "";
	double *extra = NULL;   /* t->scratch: reachable when a data error exits */

	while ((r = stream_next(in)) != RECORD_END) {
		if (in->next_input != input) {
			check_end(in, last_name, ended);
			input = in->next_input;
			snprintf(last_name, sizeof last_name, "%s", in->name);
			ended = false;
			rows = 0;
		}
		if (r == RECORD_META) {
			check_normals(in, normals, normals_where, &normals_seen);
			if (ended) {   /* the next of concatenated partials */
				ended = false;
				rows = 0;
			}
			if (in->range_opened)
				tail_add_range(t, in->range_first, in->range_count, stream_where(in));
			continue;
		}
		if (!ready) {
			/* tail_init clears the ranges seen so far: keep them */
			struct range *ranges = t->ranges;
			size_t nranges = t->nranges, cap = t->ranges_cap;
			setup(t, in);
			t->ranges = ranges;
			t->nranges = nranges;
			t->ranges_cap = cap;
			extra = t->scratch = xreallocarray(NULL, (size_t)t->nextra + 1, sizeof *extra);
			ready = true;
		}
		if (ended)
			data_error(stream_where(in), "row after the end row");
		if (strcmp(in->fields[0], "end") == 0) {
			if (!num_parse_u64(in->fields[1], strlen(in->fields[1]), &end_rows) || end_rows != rows)
				data_error(stream_where(in), "end row says %.40s rows, the partial has %llu",
				           in->fields[1], (unsigned long long)rows);
			ended = true;
			continue;
		}
		uint64_t scenario;
		if (!num_parse_u64(in->fields[0], strlen(in->fields[0]), &scenario))
			data_error(stream_where(in), "invalid scenario '%.40s'", in->fields[0]);
		double loss = stream_field_double(in, 1), weight = stream_field_double(in, 2);
		for (int k = 0; k < t->nextra; k++)
			extra[k] = stream_field_double(in, 3 + k);
		if (!tail_add(t, scenario, loss, weight, extra))
			data_error(stream_where(in), t->weighted ? "weight %.40s is not positive"
			                                         : "weight %.40s is not 1 in an unweighted run",
			           in->fields[2]);
		rows++;
	}
	check_end(in, last_name, ended);
	if (!ready)
		data_error(in->name ? in->name : "stdin", "no tail rows (not a tail partial?)");
	tail_take_identity(t, in);
	tail_trim(t);
}
