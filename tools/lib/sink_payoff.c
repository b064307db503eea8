/* sink_payoff.c: the fused payoff and its partial (sink_payoff.h). */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bumpgreeks.h"
#include "simd.h"
#include "sink_payoff.h"

/* What payoff would read of the row of virtual lane v. The 7 arrays of st
 * are those of simulate_width, stride apart. */
static void summarize_lane(struct sink *s, const struct sink_block *b, int v,
                           struct path_summary *sum)
{
	const double *st = b->st;
	const int stride = b->stride, nv = b->nv;
	const double *sum_s = st + stride, *max_s = st + 3 * stride, *min_s = st + 4 * stride;
	const double *last_s = st + 5 * stride, *geo_s = st + 6 * stride;
	const long steps = s->steps;
	unsigned needs = s->payoff.needs;

	*sum = (struct path_summary){ 0, 0, 0, 0, 0 };
	if (s->emit == EMIT_PATH) {
		for (long i = 0; i < steps; i++)
			s->path_buf[i] = sink_positive(s, sink_checked(s, b->price[i * nv + v]));
		payoff_summarize_path(&s->payoff, s->path_buf, sum);
		return;
	}
	sum->terminal = sink_checked(s, last_s[v]);
	if (s->emit == EMIT_SUMMARY) {
		sum->arith_mean = sink_checked(s, sum_s[v] / (double)steps);
		sum->geo_mean = sink_checked(s, geo_s[v]);
		if (!s->lean) {
			sum->max = sink_checked(s, max_s[v]);
			sum->min = sink_checked(s, min_s[v]);
		}
	}
	if (needs & NEED_ST)
		sink_positive(s, sum->terminal);
	if (needs & NEED_AVG)
		sink_positive(s, sum->arith_mean);
	if (needs & NEED_GEO)
		sink_positive(s, sum->geo_mean);
	if (needs & NEED_MAX)
		sink_positive(s, sum->max);
	if (needs & NEED_MIN)
		sink_positive(s, sum->min);
}

/* The row payoff would write for path l of the block (the mean of the pair
 * with --antithetic), written or, with --partial, summed. */
static void price_path(struct sink *s, const struct sink_block *b, int l)
{
	double values[2][PAYOFF_MAX_VALUES], pair[PAYOFF_MAX_VALUES];
	const double *row = values[0];
	const char *names[PAYOFF_MAX_VALUES];

	for (int k = 0; k < (s->antithetic ? 2 : 1); k++) {
		struct path_summary sum;
		summarize_lane(s, b, l + k * b->w, &sum);
		payoff_values(&s->payoff, &sum, s->path_buf, values[k]);
		int bad = s->payoff.greek_set ? payoff_nonfinite_greek(&s->payoff, values[k]) : -1;
		if (bad >= 0) {
			payoff_columns(&s->payoff, names);
			fatal("path %llu: %s is not a finite number (sigma or T too small?)",
			      (unsigned long long)s->current_path, names[bad]);
		}
	}
	if (s->antithetic) {
		payoff_pair_mean(values[0], values[1], s->ncolumns, pair);
		row = pair;
	}
	sink_row(s, row);
}

/* Any of the first `valid` paths (and mirrors) of a block that
 * summarize_lane would refuse: not finite, or not positive where payoff
 * reads it. One pass with no early exit, which the compiler vectorises. */
ALWAYS_INLINE static bool block_has_bad_price(unsigned needs, const double *const columns[5],
                                              int valid, int w, int nv)
{
	int bad = 0;   /* an int, not a bool: gcc vectorises an int's | */
	for (int k = 0; k < 5; k++) {
		const double *x = columns[k];
		if (!x)
			continue;
		int read = (needs >> k) & 1;
		for (int v0 = 0; v0 < nv; v0 += w)
			for (int l = 0; l < valid; l++) {
				double value = x[v0 + l];
				int finite = fabs(value) <= DBL_MAX, positive = value > 0;
				bad |= (!finite) | (read & (!positive));
			}
	}
	return bad != 0;
}

/* block_has_bad_price's test of one price: 0, or all bits set when
 * refused (a vector comparison's own mask: nothing to convert). */
ALWAYS_INLINE static long price_bad(double S, long read_S)
{
	long refused = -(long)!(fabs(S) <= DBL_MAX), not_positive = -(long)!(S > 0);
	return refused | (read_S & not_positive);
}

/* Path l's discounted value (its pair's mean with --antithetic). */
ALWAYS_INLINE static double discounted(bool antithetic, const double *x, int l, int w,
                                       double discount)
{
	return antithetic ? 0.5 * (discount * x[l] + discount * x[w + l]) : discount * x[l];
}

/* The block's rows from the undiscounted values f and c (f[w + l], the
 * mirror's), in one pass where there were four: whether a price S_T (a
 * path's or its mirror's) is one summarize_lane refuses, the discount, the
 * antithetic pair's mean, and whether partial_add_row would refuse a row.
 * The four passes cost a European shard 7 instructions a path (AVX2),
 * this one 4 (bench/RESULTS.md). Every row takes the same operations in the
 * same order as in those passes, so the same bits; the flags only say
 * whether, and the slow paths name the path. */
ALWAYS_INLINE static void discount_rows(int ncolumns, bool antithetic, const double *restrict S,
                                        long read_S, const double *restrict f,
                                        const double *restrict c, double discount, int valid,
                                        int w, double *restrict row_f, double *restrict row_c,
                                        bool *bad_price, bool *refused)
{
	const double limit = partial_largest_squarable();
	long bad = 0, outsized = 0;   /* longs, a double's width: gcc vectorises their | */

	for (int l = 0; l < valid; l++) {
		bad |= price_bad(S[l], read_S);
		if (antithetic)
			bad |= price_bad(S[w + l], read_S);
		double y = discounted(antithetic, f, l, w, discount);
		row_f[l] = y;
		outsized |= -(long)!(fabs(y) <= limit);
		if (ncolumns == 2) {
			double z = discounted(antithetic, c, l, w, discount);
			row_c[l] = z;
			outsized |= -(long)!(fabs(z) <= limit);
		}
	}
	*bad_price = bad != 0;
	*refused = outsized != 0;
}

/* A plain payoff's f of S (payoff_undiscounted's operations). */
ALWAYS_INLINE static double plain_payoff(enum payoff_plain kind, double S, double K)
{
	switch (kind) {
	case PLAIN_CALL: return S > K ? S - K : 0;
	case PLAIN_PUT: return K > S ? K - S : 0;
	case PLAIN_DIGITAL_CALL: return S > K ? 1 : 0;
	default: return S < K ? 1 : 0;
	}
}

/* Path l's row and discount_rows' flags, of a plain payoff. */
ALWAYS_INLINE static double plain_row(enum payoff_plain kind, const double *S, int l, long read_S,
                                      double K, double discount, double limit, long *bad,
                                      long *outsized)
{
	*bad |= price_bad(S[l], read_S);
	double y = discount * plain_payoff(kind, S[l], K);
	*outsized |= -(long)!(fabs(y) <= limit);
	return y;
}

/* Four lanes: a GCC vector (one AVX2 register, half an AVX-512 one, two
 * SSE2 ones), element by element the operations of a double's; a
 * comparison gives a lane all bits set where true. The block's eight lanes
 * are two, each with its own variables (an array of the two, gcc kept on
 * the stack: a store and a load in every sum's chain; one 8-lane vector,
 * the AVX2 clone spilled). Passed by pointer: a vector argument's ABI
 * depends on the target (always inlined, the pointers are registers). */
typedef double lanes4 __attribute__((vector_size(4 * sizeof(double))));
typedef long mask4 __attribute__((vector_size(4 * sizeof(double))));

struct plain_consts {
	lanes4 K, discount, limit, big, zero, one, c;
};

/* Four paths of a block: their rows into y, the flags, and the lanes'
 * running sums a (of d = row - c) and q (of d * d). */
ALWAYS_INLINE static void plain_four(enum payoff_plain kind, const struct plain_consts *k,
                                     const double *S, double *y, lanes4 *a, lanes4 *q,
                                     mask4 *bad, mask4 *outsized)
{
	lanes4 s4, f, d;

	memcpy(&s4, S, sizeof s4);
	*bad |= ~((s4 > k->zero) & (s4 <= k->big));   /* (price_bad, read_S set: plain_rows) */
	/* plain_payoff: the selected value's bits, or +0's (all bits clear),
	 * as the scalar ?: gives */
	switch (kind) {
	case PLAIN_CALL: f = (lanes4)((mask4)(s4 - k->K) & (s4 > k->K)); break;
	case PLAIN_PUT: f = (lanes4)((mask4)(k->K - s4) & (k->K > s4)); break;
	case PLAIN_DIGITAL_CALL: f = (lanes4)((mask4)k->one & (s4 > k->K)); break;
	default: f = (lanes4)((mask4)k->one & (s4 < k->K)); break;
	}
	f = k->discount * f;
	memcpy(y, &f, sizeof f);
	*outsized |= ~(f <= k->limit);   /* (f >= 0 or NaN: fabs(f) is f) */
	d = f - k->c;
	*a = *a + d;
	*q = *q + d * d;
}

/* The plain European's rows (price_block's, one column, no mirror) in one
 * pass where there were three (payoff_undiscounted, discount_rows and the
 * partial's block_deviation_sums): each whole block of PARTIAL_BLOCK paths
 * also leaves its deviation sums D[k], Q[k], in the partial's block order
 * (partial.h: path r to lane r % 8, here two lanes4), the same operations
 * in the same order, so the same bits. A row is made as discount_rows
 * makes it; the flags are its. A plain payoff reads S (read_S set,
 * payoff_block checks), so a price is refused unless 0 < S <= DBL_MAX
 * (NaN compares false), one test where price_bad has two; a row is
 * never negative (a positive discount times a payoff >= 0, or NaN), so
 * its fabs is itself: 4 vector operations of 20 fewer (issue 20,
 * session 11). */
ALWAYS_INLINE static void plain_rows(enum payoff_plain kind, const double *restrict S, long read_S,
                                     double K, double discount, int valid, double *restrict row,
                                     double *restrict D, double *restrict Q, bool *bad_price,
                                     bool *refused)
{
	_Static_assert(PARTIAL_BLOCK_LANES == 8, "the block's lanes are two lanes4");
	const double limit = partial_largest_squarable();
#define ALL4(x) { x, x, x, x }
	struct plain_consts k = { ALL4(K), ALL4(discount), ALL4(limit), ALL4(DBL_MAX), ALL4(0),
	                          ALL4(1), ALL4(0) };
#undef ALL4
	mask4 bad4 = { 0 }, outsized4 = { 0 };
	long bad = 0, outsized = 0;
	int whole = valid / PARTIAL_BLOCK;

	for (int b = 0; b < whole; b++) {
		const double *Sb = S + b * PARTIAL_BLOCK;
		double *yb = row + b * PARTIAL_BLOCK;
		const double c = discount * plain_payoff(kind, Sb[0], K);
		k.c = (lanes4){ c, c, c, c };
		lanes4 a0 = { 0 }, a1 = { 0 }, q0 = { 0 }, q1 = { 0 };
		for (int r = 0; r < PARTIAL_BLOCK; r += PARTIAL_BLOCK_LANES) {
			plain_four(kind, &k, Sb + r, yb + r, &a0, &q0, &bad4, &outsized4);
			plain_four(kind, &k, Sb + r + 4, yb + r + 4, &a1, &q1, &bad4, &outsized4);
		}
		double sa[PARTIAL_BLOCK_LANES], sq[PARTIAL_BLOCK_LANES];
		memcpy(sa, &a0, sizeof a0);
		memcpy(sa + 4, &a1, sizeof a1);
		memcpy(sq, &q0, sizeof q0);
		memcpy(sq + 4, &q1, sizeof q1);
		D[b] = partial_lane_tree(sa);
		Q[b] = partial_lane_tree(sq);
	}
	for (int l = 0; l < 4; l++) {
		bad |= bad4[l];
		outsized |= outsized4[l];
	}
	for (int l = whole * PARTIAL_BLOCK; l < valid; l++)
		row[l] = plain_row(kind, S, l, read_S, K, discount, limit, &bad, &outsized);
	*bad_price = bad != 0;
	*refused = outsized != 0;
}

/* On AVX-512, plain_rows with the block's eight lanes in one vector: one
 * register where two lanes4 are two (and the loop half the instructions).
 * The same operations lane by lane, so the same bits. Only for the clones'
 * AVX-512 target or a -march with it: in an AVX2 or SSE2 build the 8-lane
 * vectors spill. */
#if defined(__AVX512F__) || (defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && \
                             defined(__x86_64__) && !defined(MCPIPE_NO_CLONES))
#define PLAIN_WIDE 1
typedef double lanes8 __attribute__((vector_size(8 * sizeof(double))));
typedef long mask8 __attribute__((vector_size(8 * sizeof(double))));

#ifdef __AVX512F__
#define TARGET_V4
#else
#define TARGET_V4 __attribute__((target("arch=x86-64-v4")))
#endif
TARGET_V4 ALWAYS_INLINE static void plain_rows8_of(enum payoff_plain kind, const double *restrict S,
                                                   long read_S, double K, double discount,
                                                   int valid, double *restrict row,
                                                   double *restrict D, double *restrict Q,
                                                   bool *bad_price, bool *refused)
{
	_Static_assert(PARTIAL_BLOCK_LANES == 8, "the block's lanes are a lanes8");
	const double limit = partial_largest_squarable();
#define ALL8(x) { x, x, x, x, x, x, x, x }
	const lanes8 Kv = ALL8(K), disc = ALL8(discount), lim = ALL8(limit), big = ALL8(DBL_MAX);
	const lanes8 zero = ALL8(0), one = ALL8(1);
#undef ALL8
	mask8 bad8 = { 0 }, outsized8 = { 0 };
	long bad = 0, outsized = 0;
	int whole = valid / PARTIAL_BLOCK;

	for (int b = 0; b < whole; b++) {
		const double *Sb = S + b * PARTIAL_BLOCK;
		double *yb = row + b * PARTIAL_BLOCK;
		const double c = discount * plain_payoff(kind, Sb[0], K);
		const lanes8 cv = { c, c, c, c, c, c, c, c };
		lanes8 a = { 0 }, q = { 0 };
		for (int r = 0; r < PARTIAL_BLOCK; r += PARTIAL_BLOCK_LANES) {
			lanes8 s8, f, d;
			memcpy(&s8, Sb + r, sizeof s8);
			bad8 |= ~((s8 > zero) & (s8 <= big));   /* as plain_four's */
			switch (kind) {   /* as plain_four's */
			case PLAIN_CALL: f = (lanes8)((mask8)(s8 - Kv) & (s8 > Kv)); break;
			case PLAIN_PUT: f = (lanes8)((mask8)(Kv - s8) & (Kv > s8)); break;
			case PLAIN_DIGITAL_CALL: f = (lanes8)((mask8)one & (s8 > Kv)); break;
			default: f = (lanes8)((mask8)one & (s8 < Kv)); break;
			}
			f = disc * f;
			memcpy(yb + r, &f, sizeof f);
			outsized8 |= ~(f <= lim);
			d = f - cv;
			a = a + d;
			q = q + d * d;
		}
		double sa[PARTIAL_BLOCK_LANES], sq[PARTIAL_BLOCK_LANES];
		memcpy(sa, &a, sizeof sa);
		memcpy(sq, &q, sizeof sq);
		D[b] = partial_lane_tree(sa);
		Q[b] = partial_lane_tree(sq);
	}
	for (int l = 0; l < PARTIAL_BLOCK_LANES; l++) {
		bad |= bad8[l];
		outsized |= outsized8[l];
	}
	for (int l = whole * PARTIAL_BLOCK; l < valid; l++)
		row[l] = plain_row(kind, S, l, read_S, K, discount, limit, &bad, &outsized);
	*bad_price = bad != 0;
	*refused = outsized != 0;
}

/* plain_rows8 of each kind, the kind a constant in its loop. */
TARGET_V4 static void plain_rows8(enum payoff_plain kind, const double *restrict S, long read_S,
                                  double K, double discount, int valid, double *restrict row,
                                  double *restrict D, double *restrict Q, bool *bad_price,
                                  bool *refused)
{
	switch (kind) {
	case PLAIN_CALL:
		plain_rows8_of(PLAIN_CALL, S, read_S, K, discount, valid, row, D, Q, bad_price, refused);
		break;
	case PLAIN_PUT:
		plain_rows8_of(PLAIN_PUT, S, read_S, K, discount, valid, row, D, Q, bad_price, refused);
		break;
	case PLAIN_DIGITAL_CALL:
		plain_rows8_of(PLAIN_DIGITAL_CALL, S, read_S, K, discount, valid, row, D, Q, bad_price,
		               refused);
		break;
	default:
		plain_rows8_of(PLAIN_DIGITAL_PUT, S, read_S, K, discount, valid, row, D, Q, bad_price,
		               refused);
		break;
	}
}

/* Whether plain_rows8 runs here: the CPU has AVX-512 (x86-64-v4). */
static bool plain_wide(void)
{
#ifdef __AVX512F__
	return true;
#else
	static int wide = -1;
	if (wide < 0) {
		__builtin_cpu_init();
		wide = __builtin_cpu_supports("x86-64-v4");
	}
	return wide;
#endif
}
#endif

/* price_block for a plain payoff, --emit terminal, no mirror, --partial
 * with one column and the block begun on a partial's block boundary. */
SIMD_CLONES static void price_block_plain(struct sink *s, const struct sink_block *b,
                                          enum payoff_plain kind)
{
	static double row[SINK_LANES_MAX];
	static double D[SINK_LANES_MAX / PARTIAL_BLOCK + 1], Q[SINK_LANES_MAX / PARTIAL_BLOCK + 1];
	const double *last_s = b->st + 5 * b->stride;
	const long read_S = s->payoff.needs & NEED_ST ? -1 : 0;   /* a mask */
	const double K = s->payoff.strike, discount = s->payoff.discount;
	const int valid = b->valid;
	bool bad_price, refused;

#ifdef PLAIN_WIDE
	if (plain_wide())
		plain_rows8(kind, last_s, read_S, K, discount, valid, row, D, Q, &bad_price,
		            &refused);
	else
#endif
	switch (kind) {
	case PLAIN_CALL:
		plain_rows(PLAIN_CALL, last_s, read_S, K, discount, valid, row, D, Q, &bad_price,
		           &refused);
		break;
	case PLAIN_PUT:
		plain_rows(PLAIN_PUT, last_s, read_S, K, discount, valid, row, D, Q, &bad_price,
		           &refused);
		break;
	case PLAIN_DIGITAL_CALL:
		plain_rows(PLAIN_DIGITAL_CALL, last_s, read_S, K, discount, valid, row, D, Q,
		           &bad_price, &refused);
		break;
	default:
		plain_rows(PLAIN_DIGITAL_PUT, last_s, read_S, K, discount, valid, row, D, Q,
		           &bad_price, &refused);
		break;
	}
	if (bad_price) {
		for (int l = 0; l < valid; l++) {   /* price_path says which */
			s->current_path = b->first + (uint64_t)l;
			price_path(s, b, l);
		}
		abort();   /* price_path refused one */
	}
	if (refused) {
		const double *const columns[1] = { row };
		int bad = partial_add_paths(&s->partial, b->first, columns, (size_t)valid);
		double value[2] = { bad >= 0 ? row[bad] : NAN, 0 };
		s->current_path = b->first + (uint64_t)(bad >= 0 ? bad : 0);
		sink_row(s, value);   /* partial_add_row says which value */
		abort();   /* it refused the row */
	}
	partial_add_summed_blocks(&s->partial, b->first, row, (size_t)valid, D, Q);
}

/* Without Greeks, from terminal or summary rows: the block's rows at once
 * (price_path's, computed a column at a time). */
SIMD_CLONES static void price_block(struct sink *s, const struct sink_block *b)
{
	static double avg[SINK_LANES_MAX], f[SINK_LANES_MAX], c[SINK_LANES_MAX];
	static double rows[2][SINK_LANES_MAX];
	const double *st = b->st;
	const int stride = b->stride, valid = b->valid, w = b->w, nv = b->nv;
	const uint64_t first = b->first;
	const double *sum_s = st + stride, *max_s = st + 3 * stride, *min_s = st + 4 * stride;
	const double *last_s = st + 5 * stride, *geo_s = st + 6 * stride;
	const bool summary = s->emit == EMIT_SUMMARY, extremes = summary && !s->lean;
	const bool antithetic = s->antithetic;
	const long steps = s->steps;

	if (summary)
		for (int v = 0; v < nv; v++)
			avg[v] = sum_s[v] / (double)steps;
	const double *const columns[5] = { last_s, summary ? avg : NULL, summary ? geo_s : NULL,
	                                   extremes ? max_s : NULL, extremes ? min_s : NULL };
	const double *const others[5] = { NULL, columns[1], columns[2], columns[3], columns[4] };
	const struct path_block block = { columns[0], columns[1], columns[2], columns[3], columns[4] };
	payoff_undiscounted(&s->payoff, &block, nv, f, c);   /* (of a bad price: not used) */
	const double discount = s->payoff.discount;
	const long read_S = s->payoff.needs & NEED_ST ? -1 : 0;   /* a mask */
	bool bad_price, refused;
	if (s->ncolumns == 1 && !antithetic)   /* the European's */
		discount_rows(1, false, last_s, read_S, f, c, discount, valid, w, rows[0], rows[1],
		              &bad_price, &refused);
	else if (s->ncolumns == 1)
		discount_rows(1, true, last_s, read_S, f, c, discount, valid, w, rows[0], rows[1],
		              &bad_price, &refused);
	else if (!antithetic)
		discount_rows(2, false, last_s, read_S, f, c, discount, valid, w, rows[0], rows[1],
		              &bad_price, &refused);
	else
		discount_rows(2, true, last_s, read_S, f, c, discount, valid, w, rows[0], rows[1],
		              &bad_price, &refused);
	if (bad_price || (summary && block_has_bad_price(s->payoff.needs, others, valid, w, nv))) {
		for (int l = 0; l < valid; l++) {   /* price_path says which */
			s->current_path = first + (uint64_t)l;
			price_path(s, b, l);
		}
		abort();   /* price_path refused one */
	}
	if (s->partial_on) {
		const double *const columns[2] = { rows[0], rows[1] };
		int bad = refused ? partial_add_paths(&s->partial, first, columns, (size_t)valid) : -1;
		if (bad >= 0) {   /* partial_add_row says which value */
			double row[2] = { rows[0][bad], rows[1][bad] };
			s->current_path = first + (uint64_t)bad;
			sink_row(s, row);
			abort();   /* it refused the row */
		}
		if (!refused)   /* (under QMC the replicate sums too: partial.h) */
			partial_add_checked_paths(&s->partial, first, columns, (size_t)valid);
		return;
	}
	for (int l = 0; l < valid; l++) {
		double row[PAYOFF_MAX_VALUES];
		s->current_path = first + (uint64_t)l;
		for (int k = 0; k < s->ncolumns; k++)
			row[k] = rows[k][l];
		sink_row(s, row);
	}
}

static void payoff_block(struct sink *s, const struct sink_block *b)
{
	enum payoff_plain kind = payoff_plain(&s->payoff);
	if (kind != PLAIN_NONE && (s->payoff.needs & NEED_ST) && s->emit == EMIT_TERMINAL &&
	    !s->antithetic && s->partial_on && s->ncolumns == 1 &&
	    partial_takes_summed_blocks(&s->partial, b->first)) {
		price_block_plain(s, b, kind);
		return;
	}
	if (!s->payoff.greek_set && s->emit != EMIT_PATH) {
		price_block(s, b);
		return;
	}
	for (int l = 0; l < b->valid; l++) {
		s->current_path = b->first + (uint64_t)l;
		price_path(s, b, l);
	}
}

/* payoff's metadata and header, where it would write them: before the
 * first range. */
static void payoff_header(struct sink *s)
{
	char line[1024];
	const char *names[PAYOFF_MAX_VALUES] = { "price" };

	payoff_meta_line(&s->payoff, line, sizeof line);
	s->ncolumns = payoff_columns(&s->payoff, names);
	sink_columns(s, line, names);
}

const struct sink_type sink_payoff = { "payoff", payoff_header, payoff_block,
                                       sink_finish_partial };

void sink_payoff_start(struct sink *s, const char *name, const struct model *m, bool qmc)
{
	static const unsigned available[] = {
		[EMIT_TERMINAL] = NEED_ST,
		[EMIT_SUMMARY] = NEED_ST | NEED_AVG | NEED_GEO | NEED_MAX | NEED_MIN,
		[EMIT_PATH] = NEED_ST | NEED_AVG | NEED_GEO | NEED_MAX | NEED_MIN,
	};
	struct payoff *p = &s->payoff;

	s->type = &sink_payoff;
	payoff_options_done(p, name);
	unsigned missing = payoff_missing(p, available[s->emit]);
	if (missing)
		usage_error("--payoff: %s needs %s, which --emit %s lacks (--emit summary)",
		            p->kind->name, payoff_need_column(missing), emit_names[s->emit]);
	/* heston and merton: bump and reprice, not gbm's estimators (whose
	 * checks payoff_set_model would make) */
	s->bump_greeks = p->greeks_asked && m->kind != MODEL_GBM;
	if (s->bump_greeks && qmc)
		usage_error("--greeks under model %s: bump and reprice walks the paths again from "
		            "Philox draws, not from the replicates' Sobol points; not with --qmc",
		            model_name(m->kind));
	if (s->bump_greeks)
		p->greeks_asked = false;
	/* sigma is only gbm's: merton's would check --control-mean against gbm's
	 * closed form; heston's and merton's is their own (vanilla.h) */
	struct payoff_model pm = { m->s0, m->r, m->q, m->kind == MODEL_GBM ? m->sigma : NAN, m->T,
	                           m->steps, m->kind != MODEL_GBM,
	                           m->kind != MODEL_GBM ? m : NULL };
	payoff_set_model(p, &pm);
	if (s->bump_greeks)
		bump_greeks_choose(p, m);
	if (p->greeks_asked && !payoff_choose_greeks(p, s->emit == EMIT_PATH))
		usage_error("--greeks: %s's Greeks need the whole path (--emit path)", p->kind->name);
	if (s->emit == EMIT_PATH)
		s->path_buf = sink_calloc((size_t)s->steps, sizeof *s->path_buf);
	s->downstream.name = "simpaths --payoff";
}
