/* rule.h: an American exercise rule fitted by lsmfit, applied to paths.
 *
 * One definition for the two tools that price with it: exercise, which
 * reads the pricing paths as text, and simpaths --payoff american-*
 * --coefficients, which fuses exercise into the simulation and must give
 * the same bits. A rule is loaded from lsmfit's coefficient file
 * (rule_load), checked against the paths' model (rule_check_model), given
 * its discount factors (rule_set_discount); then rule_cash_flow prices
 * each path. The decision itself is lsm.h's, shared with lsmfit. */
#ifndef MCPIPE_RULE_H
#define MCPIPE_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lsm.h"
#include "stream.h"

#define RULE_MAX_DEGREE 8   /* as lsmfit's --basis */

struct rule {
	const char *file;      /* the coefficient file, for messages */
	struct stream meta;    /* its metadata, kept for rule_check_model */
	bool is_call;
	double strike;
	int degree;
	bool variance;         /* state=variance: heston's variance a second state */
	int ncoef;             /* per date: degree+1, and LSM_VARIANCE_TERMS more */
	long steps;
	double *coef;          /* ncoef per date, dates 1..steps */
	uint64_t *itm;         /* 0: no training path was in the money, no exercise */
	double *discount;      /* e^{-r t_i}, i = 0..steps (rule_set_discount) */
};

/* Reads lsmfit's output from file: data errors, naming file and line, for
 * anything that is not a whole rule. */
void rule_load(struct rule *r, const char *file);

/* -p and -K as the user gave them (NULL: not given): a data error unless
 * the rule was fitted for them. */
void rule_check_wanted(const struct rule *r, const char *payoff_name, const char *strike_text,
                       double strike);

/* The paths' model, from their metadata `in`, must be the rule's: model,
 * s0, r, q, sigma, T and steps, the same numbers bit for bit. A data
 * error at `where` otherwise or, where is NULL (the model is the caller's
 * own), at the rule file's metadata line. */
void rule_check_model(const struct rule *r, struct stream *in, const char *where);

/* e^{-rate t_i} on the rule's dates t_i = i T/steps, i = 0..steps, into
 * *factors (allocated, or reallocated when not NULL). */
void rule_discounts(const struct rule *r, double rate, double maturity, double **factors);

/* The discount factors at rate r for maturity T, on the rule's dates:
 * rule_discounts into r->discount. */
void rule_set_discount(struct rule *r, double rate, double maturity);

/* The metadata line exercise adds to the stream ("# tool=exercise ..."),
 * without a newline: of the low-biased prices, or with inner > 0 of the
 * dual bound's values (dual.h) from that many inner paths. */
void rule_meta_line(const struct rule *r, long inner, char *line, size_t size);

/* What both rules decide before the regression: out of the money, never;
 * at the last date, whenever in the money. Returns whether that settles
 * it (the answer in *exercise); *value is the intrinsic value. */
static inline bool rule__settled(const struct rule *r, long i, double s, double *value,
                                 bool *exercise)
{
	double h = lsm_intrinsic(r->is_call, r->strike, s);
	*value = h;
	*exercise = h > 0;
	return !(h > 0) || i == r->steps;
}

/* Does the rule exercise at date i (1..steps) at price s? Where the
 * intrinsic value (set in *value, undiscounted) is positive and not below
 * the fitted continuation value; at the last date, whenever it is
 * positive. The one decision of rule_cash_flow and of the dual bound
 * (dual.h). */
static inline bool rule_exercises(const struct rule *r, long i, double s, double *value)
{
	bool exercise;
	if (rule__settled(r, i, s, value, &exercise))
		return exercise;
	const double *c = r->coef + (size_t)(i - 1) * (size_t)r->ncoef;
	return r->itm[i - 1] != 0 && !(*value < lsm_continuation(c, r->degree, s / r->strike));
}

/* rule_exercises for a rule with state=variance, v the path's variance at
 * date i. */
static inline bool rule_exercises_variance(const struct rule *r, long i, double s, double v,
                                           double *value)
{
	bool exercise;
	if (rule__settled(r, i, s, value, &exercise))
		return exercise;
	const double *c = r->coef + (size_t)(i - 1) * (size_t)r->ncoef;
	return r->itm[i - 1] != 0 &&
	       !(*value < lsm_continuation_variance(c, r->degree, s / r->strike, v));
}

/* The discounted cash flow of the path S1..Sn (prices[0..steps-1]): the
 * intrinsic value at the first date where it is positive and at least the
 * fitted continuation value (at the last date, whenever it is positive),
 * discounted to time 0; 0 if never exercised. */
double rule_cash_flow(const struct rule *r, const double *prices);

/* rule_cash_flow with the path's variances V1..Vn too, which a rule with
 * state=variance needs (variances NULL: one without). */
double rule_cash_flow_variance(const struct rule *r, const double *prices,
                               const double *variances);

/* The column of V1 in a whole-path stream with variances (simpaths
 * --variance), or -1 if there is none; a data error unless V1..V<steps>
 * follow each other. */
int rule_variance_columns(struct stream *s, long steps);

/* A rule with state=variance on paths without V1..Vn (first_v < 0): a data
 * error at where. */
void rule_check_variance(const struct rule *r, int first_v, const char *where);

void rule_free(struct rule *r);

#endif
