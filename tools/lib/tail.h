/* tail.h: the worst losses of a sample, kept exactly and merged exactly,
 * and the VaR and ES they give, with intervals.
 *
 * A run of N scenarios (losses positive, each with a likelihood-ratio
 * weight w > 0, 1 without importance sampling) at level alpha has the
 * tail mass M = N (1 - alpha). Sorted worst first, (loss descending, then
 * scenario ascending, so that ties have one order whatever the split),
 * with C_j the weight of rows 1..j:
 *   j*  = max { j : C_{j-1} <= M }           (w = 1: floor(M) + 1)
 *   VaR = L_{j*}
 *   ES  = (sum_{j<j*} w_j L_j + (M - C_{j*-1}) L_{j*}) / M
 * which is Acerbi and Tasche's ES of a discrete sample ("On the coherence
 * of expected shortfall", J. Banking & Finance 26, 2002, eq. 2.12 read
 * with weights; w = 1 gives theirs) and the lower quantile of the loss
 * P(L > VaR) <= 1 - alpha (the weighted empirical distribution's).
 *
 * What a shard keeps. Every shard knows N and alpha (the run's identity),
 * hence the keep mass K = M + 5 sqrt(M) + 5 (tail_keep_mass), and keeps,
 * worst first, the rows whose weight before them is at most K. This does
 * not need the other shards' weights: a row the whole sample needs (its
 * weight before, over all shards, at most K) has at most that weight
 * before it in its own shard, weights being positive, so its shard kept
 * it. The same rule applied to the union of the kept rows keeps exactly
 * what it keeps of the whole sample (the rows before a kept row are kept
 * rows), so merging is exact, associative and order-independent: the
 * result is the same bits for any split. Unweighted, K is a count: each
 * shard keeps its worst floor(K) + 1 >= ceil((1 - alpha) N) losses.
 * K's margin beyond M (5 sqrt(M) + 5, five binomial standard deviations
 * and more) is what the VaR interval reads past the VaR.
 *
 * Intervals (95%).
 *  - VaR, unweighted: distribution-free, from order statistics. The count
 *    of losses above the true VaR is Binomial(N, 1 - alpha); with a the
 *    largest rank with P(count < a) <= 0.025 and b the smallest with
 *    P(count >= b) <= 0.025, [L_b, L_a] covers it with probability >= 0.95
 *    for a continuous loss (David and Nagaraja, Order Statistics, 2003,
 *    sec. 7.1). Binomial terms from lgamma.
 *  - VaR, weighted: the interval inverts the importance-sampling estimate
 *    of P(L > x), p(x) = C/N with variance (Q/N - p^2)/N, Q the sum of
 *    w^2 (Glynn, "Importance sampling for Monte Carlo estimation of
 *    quantiles", 1996): the rows x whose |p(x) - (1 - alpha)| is within
 *    1.96 standard deviations. An error if the kept tail is too short.
 *  - ES: ES -+ 1.96 se, se^2 = (B/N - (A/N)^2) / (N (1 - alpha)^2), A and
 *    B the sums over the rows above VaR of w (L - VaR) and w^2 (L - VaR)^2:
 *    the variance of the ES estimator from its influence function (for
 *    w = 1, Manistre and Hancock, "Variance of the CTE estimator", North
 *    American Actuarial Journal 9(2), 2005: (Var(L | L > VaR) + alpha (ES
 *    - VaR)^2) / (N (1 - alpha))).
 *  - VaR's stderr is the interval's half width over 1.96.
 *
 * Extra columns (a position's or an obligor's share of the loss) ride
 * along with each row; tail_contributions gives their Euler allocation of
 * the ES, the same sums with L replaced by the column, and a delta-method
 * standard error. A producer may add a row's extras after the fact
 * (tail_extra), e.g. recompute them only for the rows it keeps.
 *
 * On disk (tail_write): a stream
 *     # tool=<tool> tail=1 level=<alpha> scenarios=<N> weighted=<0|1> <identity>
 *     # first=<f> count=<c>            one per scenario range covered
 *     scenario	loss	weight	<extras>
 *     <rows, worst first>
 *     end	<rows>	-	-...
 * whose end row makes a cut partial an error; numbers are written as C99
 * hex floats (exact and cheap; readers take decimal too). risk(1) merges
 * them. */
#ifndef MCPIPE_TAIL_H
#define MCPIPE_TAIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ranges.h"
#include "stream.h"

#define TAIL_HEADER "scenario\tloss\tweight"
#define TAIL_MAX_EXTRA 100000

struct tail_row {
	uint64_t scenario;
	double loss, weight;
	size_t slot;            /* its extras: extra[slot * nextra ...] */
};

struct tail {
	double level;           /* alpha, in [0.5, 1) */
	uint64_t scenarios;     /* N, at most 2^53 */
	bool weighted;          /* the run's weights may differ from 1 */
	double keep;            /* K, tail_keep_mass */
	int nextra;
	char **extra_names;

	struct tail_row *rows;  /* worst first after tail_trim */
	size_t n, cap;
	double *extra;          /* cap * nextra */
	size_t trim_at;         /* tail_add trims when n reaches it */
	size_t nsorted;         /* rows[0, nsorted) are worst first (the last trim's) */
	bool cut;               /* a trim dropped rows: threshold is valid */
	double threshold;       /* the last kept loss: rows below it cannot enter */
	double *scratch;        /* tail_read's row of extras */

	struct range *ranges;
	size_t nranges, ranges_cap;

	struct meta_entry *identity;   /* the producer's identity keys */
	int nidentity;
	bool have_identity;
};

/* K = M + 5 sqrt(M) + 5, M = N (1 - alpha) rounded: the same bits in every
 * shard of a run. */
double tail_keep_mass(uint64_t scenarios, double level);

/* An empty tail. names: nextra column names (copied), may be NULL when
 * nextra is 0. A level outside [0.5, 1) or N outside [1, 2^53] is a usage
 * error naming `option`. */
void tail_init(struct tail *t, double level, uint64_t scenarios, bool weighted,
               int nextra, char **names, const char *option);
void tail_free(struct tail *t);

/* Whether a finite loss is below the last kept loss of a trim that
 * dropped rows: tail_add would keep nothing of it (the rows before it
 * already weigh more than K, and more so later). A hot loop tests it
 * without the call (scenarios: most of a shard's losses). */
static inline bool tail_below_cut(const struct tail *t, double loss)
{
	return t->cut && loss < t->threshold;
}

/* Adds one scenario. extra: nextra values, or NULL for zeros (to be set
 * through tail_extra). Returns false (a data error for the caller to
 * report) if loss is not finite or the weight is not finite and positive,
 * or not 1 in an unweighted run. */
bool tail_add(struct tail *t, uint64_t scenario, double loss, double weight,
              const double *extra);

/* Sorts worst first and drops what no estimate of the run needs. */
void tail_trim(struct tail *t);

/* Gives a tail made with no extras nextra columns of zeros (names
 * copied), for a producer that computes them for a few kept rows only
 * (scenarios --contributions: the rows up to the VaR's, after the merge
 * of losses alone, not 63000 rows of 100 zeros read and packed). */
void tail_add_extras(struct tail *t, int nextra, char **names);

/* Row i's extras, after tail_trim: nextra doubles to read or set. */
double *tail_extra(struct tail *t, size_t i);

/* Scenarios [first, first + count) counted (`where` copied for messages). */
void tail_add_range(struct tail *t, uint64_t first, uint64_t count, const char *where);

/* Sorts the ranges, refuses overlaps and rows outside them; when complete,
 * also gaps and an end other than N. Data errors. */
void tail_check_coverage(struct tail *t, bool complete);

/* Takes the stream's identity keys (meta_key_is_identity minus tail=):
 * the first call records them, later ones must agree (data errors). */
void tail_take_identity(struct tail *t, struct stream *in);

struct tail_estimate {
	double var, var_se, var_low, var_high;
	double es, es_se, es_low, es_high;
	size_t jstar;           /* VaR's row, 0-based */
};

/* VaR and ES with intervals, from a trimmed, complete tail. false with a
 * message in why (a data error for the caller) when the tail cannot give
 * them: too few scenarios for the interval, weights too light, kept tail
 * too short. */
bool tail_estimates(const struct tail *t, struct tail_estimate *e, char *why, size_t why_size);

/* Euler contributions to the ES of each extra column, and their standard
 * errors (nextra each). */
void tail_contributions(const struct tail *t, const struct tail_estimate *e,
                        double *contribution, double *stderr_);

/* The result tables (risk's estimates; the Euler contributions that risk
 * -c and scenarios --contributions write): the metadata line `# tool=<tool>
 * level= scenarios= weighted= <identity>`, then TAIL_RESULT_HEADER, then
 * rows name estimate stderr ci95_low ci95_high N, numbers in shortest
 * decimal. The caller checks fp for write errors. */
#define TAIL_RESULT_HEADER "name\testimate\tstderr\tci95_low\tci95_high\tscenarios\n"
void tail_put_identity(FILE *fp, const struct tail *t, const char *tool);
void tail_put_result(FILE *fp, const struct tail *t, const char *name, double estimate, double se,
                     double low, double high);
/* The whole contributions table: identity, header, a row per extra column
 * (its contribution, stderr and a +-1.96 stderr interval). */
void tail_write_contributions(FILE *fp, const struct tail *t, const struct tail_estimate *e,
                              const char *tool);

/* The partial on stdout; tool names the writer. */
void tail_write(const struct tail *t, const char *tool);

/* Reads every input of `in` (partials or full rows with the same header
 * and metadata) into t, which is set up from the first input's metadata
 * (t zeroed before). Checks end rows and identity; data errors. */
void tail_read(struct tail *t, struct stream *in);

#endif
