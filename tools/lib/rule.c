/* rule.c: loading, checking and applying an American exercise rule (rule.h). */
#define _POSIX_C_SOURCE 200809L
#include "rule.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detmath.h"
#include "err.h"
#include "lsm.h"
#include "model.h"
#include "payoffs.h"
#include "numtext.h"
#include "xalloc.h"

static int rule_column(struct stream *s, const char *name)
{
	int column = stream_column(s, name);
	if (column < 0)
		data_error(stream_where(s), "no column '%s' in the coefficient table", name);
	return column;
}

/* The metadata that defines the rule: payoff, strike, basis, steps. */
static void learn_rule(struct rule *r)
{
	struct stream *s = &r->meta;
	const char *payoff = stream_meta(s, "payoff");
	if (!payoff)
		data_error(stream_where(s), "metadata has no payoff= (was the file written by lsmfit?)");
	if (!payoff_american(payoff, &r->is_call))
		data_error(stream_where(s), "payoff=%.40s: not american-put or american-call", payoff);
	r->strike = stream_meta_double(s, "strike");
	if (!(r->strike > 0))
		data_error(stream_where(s), "strike=%s: not positive", stream_meta(s, "strike"));
	double basis = stream_meta_double(s, "basis");
	if (!(basis >= 1 && basis <= RULE_MAX_DEGREE && basis == floor(basis)))
		data_error(stream_where(s), "basis=%s: not an integer from 1 to %d",
		           stream_meta(s, "basis"), RULE_MAX_DEGREE);
	r->degree = (int)basis;
	double steps_value = stream_meta_double(s, "steps");
	if (!(steps_value >= 1 && steps_value <= 1e6 && steps_value == floor(steps_value)))
		data_error(stream_where(s), "steps=%s: not a positive integer", stream_meta(s, "steps"));
	r->steps = (long)steps_value;
	const char *state = stream_meta(s, "state");
	if (state && strcmp(state, "variance") != 0)
		data_error(stream_where(s), "state=%.40s: not variance (the price alone has no "
		           "state=)", state);
	r->variance = state != NULL;
	r->ncoef = r->degree + 1 + (r->variance ? LSM_VARIANCE_TERMS : 0);
	r->coef = xreallocarray(NULL, (size_t)r->steps * (size_t)r->ncoef, sizeof *r->coef);
	r->itm = xreallocarray(NULL, (size_t)r->steps, sizeof *r->itm);
}

void rule_load(struct rule *r, const char *file)
{
	static char *inputs[1];
	struct stream *s = &r->meta;
	int col_date = -1, col_t = -1, col_itm = -1;
	int col_c[RULE_MAX_DEGREE + 1 + LSM_VARIANCE_TERMS];
	long dates = 0;

	*r = (struct rule){ .file = file };
	inputs[0] = (char *)file;
	stream_open(s, 1, inputs);
	for (enum record rec; (rec = stream_next(s)) != RECORD_END;) {
		if (rec == RECORD_META)
			continue;
		if (dates == 0) {
			learn_rule(r);
			col_date = rule_column(s, "date");
			col_t = rule_column(s, "t");
			col_itm = rule_column(s, "itm");
			for (int j = 0; j < r->ncoef; j++) {
				char name[16];
				if (j <= r->degree)
					snprintf(name, sizeof name, "c%d", j);
				else
					snprintf(name, sizeof name, "v%d", j - r->degree);
				col_c[j] = rule_column(s, name);
			}
			if (s->ncolumns != r->ncoef + 3)
				data_error(stream_where(s), "%d columns, but basis=%d%s wants "
				           "date, t, itm, c0..c%d%s", s->ncolumns, r->degree,
				           r->variance ? " state=variance" : "", r->degree,
				           r->variance ? ", v1..v3" : "");
		}
		const char *text = s->fields[col_date];
		uint64_t date;
		if (!num_parse_u64(text, strlen(text), &date) || date != (uint64_t)dates + 1)
			data_error(stream_where(s), "date '%.40s': expected %ld (dates 1..%ld in order)",
			           text, dates + 1, r->steps);
		if (dates == r->steps)
			data_error(stream_where(s), "more dates than steps=%ld", r->steps);
		stream_field_double(s, col_t);   /* a number; the date index is what counts */
		text = s->fields[col_itm];
		if (!num_parse_u64(text, strlen(text), &r->itm[dates]))
			data_error(stream_where(s), "itm '%.40s': not a path count", text);
		for (int j = 0; j < r->ncoef; j++)
			r->coef[(size_t)dates * (size_t)r->ncoef + (size_t)j] =
				stream_field_double(s, col_c[j]);
		dates++;
	}
	if (dates == 0)
		data_error(file, "no coefficient table (was the file written by lsmfit?)");
	if (dates != r->steps)
		data_error(file, "%ld dates, but steps=%ld", dates, r->steps);
}

void rule_check_wanted(const struct rule *r, const char *payoff_name, const char *strike_text,
                       double strike)
{
	const char *fitted = stream_meta(&r->meta, "payoff");

	if (payoff_name && strcmp(payoff_name, fitted) != 0)
		data_error(r->file, "fitted for payoff=%s, not --payoff %s", fitted, payoff_name);
	if (strike_text && strike != r->strike)
		data_error(r->file, "fitted for strike=%s, not --strike %s",
		           stream_meta(&r->meta, "strike"), strike_text);
}

/* Where the rule's metadata say key: "file:line", for messages. */
static const char *fitted_where(const struct rule *r, const char *key)
{
	const struct meta_entry *e = meta_entry_find(r->meta.meta, r->meta.nmeta, key);
	return e ? e->where : r->file;
}

/* A mismatch is told where the paths' value was read or, with no such
 * place (simpaths' own options), where the rule's was. */
static _Noreturn void mismatch(const struct rule *r, const char *where, const char *key,
                               const char *here, const char *there)
{
	if (where)
		data_error(where, "%s=%.40s, but %s was fitted for %s=%.40s", key, here, r->file,
		           key, there);
	data_error(fitted_where(r, key), "fitted for %s=%.40s, but the paths have %s=%.40s", key,
	           there, key, here);
}

void rule_check_model(const struct rule *r, struct stream *in, const char *where)
{
	const char *model = stream_meta(in, "model"), *fitted = stream_meta(&r->meta, "model");
	if (model && fitted && strcmp(model, fitted) != 0)
		mismatch(r, where, "model", model, fitted);
	/* the parameters of the stream's model (model.h); gbm's when unnamed */
	const char *const *numbers = model_keys(model ? model : "gbm");
	if (!numbers)
		data_error(where ? where : r->file, "model=%.40s: unknown model", model);
	for (size_t k = 0; numbers[k]; k++) {
		const char *key = numbers[k];
		double here = stream_meta_double(in, key);
		const char *there_text = stream_meta(&r->meta, key);
		double there;
		if (!there_text || !num_parse(there_text, strlen(there_text), &there))
			data_error(r->file, "metadata has no valid %s= (was the file written by lsmfit?)",
			           key);
		if (here != there)
			mismatch(r, where, key, stream_meta(in, key), there_text);
	}
}

void rule_discounts(const struct rule *r, double rate, double maturity, double **factors)
{
	*factors = xreallocarray(*factors, (size_t)r->steps + 1, sizeof **factors);
	for (long i = 0; i <= r->steps; i++)
		(*factors)[i] = det_exp(-rate * (maturity * (double)i / (double)r->steps));
}

void rule_set_discount(struct rule *r, double rate, double maturity)
{
	rule_discounts(r, rate, maturity, &r->discount);
}

void rule_meta_line(const struct rule *r, long inner, char *line, size_t size)
{
	char text[NUM_TEXT_MAX], bound[64] = " bias=low";
	const char *seed = stream_meta(&r->meta, "seed"), *paths = stream_meta(&r->meta, "paths");

	num_format(text, r->strike);
	if (inner > 0)
		snprintf(bound, sizeof bound, " bound=upper inner=%ld bias=high", inner);
	snprintf(line, size, "# tool=exercise payoff=%s strike=%s basis=%d%s%s%.40s%s%.40s%s",
	         payoff_american_name(r->is_call), text, r->degree,
	         r->variance ? " state=variance" : "",
	         seed ? " training_seed=" : "", seed ? seed : "",
	         paths ? " training_paths=" : "", paths ? paths : "", bound);
}

double rule_cash_flow(const struct rule *r, const double *prices)
{
	for (long i = 1; i <= r->steps; i++) {
		double h;
		if (rule_exercises(r, i, prices[i - 1], &h))
			return h * r->discount[i];
	}
	return 0;
}

double rule_cash_flow_variance(const struct rule *r, const double *prices,
                               const double *variances)
{
	if (!r->variance)
		return rule_cash_flow(r, prices);
	if (!variances)
		fatal("internal error: a state=variance rule without variances");
	for (long i = 1; i <= r->steps; i++) {
		double h;
		if (rule_exercises_variance(r, i, prices[i - 1], variances[i - 1], &h))
			return h * r->discount[i];
	}
	return 0;
}

int rule_variance_columns(struct stream *s, long steps)
{
	return stream_numbered_columns(s, "V", "variance", steps);
}

void rule_check_variance(const struct rule *r, int first_v, const char *where)
{
	if (r->variance && first_v < 0)
		data_error(where, "%s regresses on the variance too (state=variance): the paths "
		           "need columns V1..V%ld (simpaths --variance)", r->file, r->steps);
}

void rule_free(struct rule *r)
{
	stream_close(&r->meta);
	free(r->coef);
	free(r->itm);
	free(r->discount);
}
