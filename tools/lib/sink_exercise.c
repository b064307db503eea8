/* sink_exercise.c: the fused exercise (sink_exercise.h). */
#include "sink_exercise.h"

/* The row exercise would write for path l of the block (the mean of the
 * pair with --antithetic), written or, with --partial, summed. Every price
 * of the path is checked, as exercise reads them. */
static void exercise_path(struct sink *s, const struct sink_block *b, int l)
{
	const int w = b->w, nv = b->nv;
	const long steps = s->steps;
	double value[2];

	for (int k = 0; k < (s->antithetic ? 2 : 1); k++) {
		for (long i = 0; i < steps; i++)
			s->path_buf[i] = sink_positive(s, sink_checked(s, b->price[i * nv + l + k * w]));
		for (long i = 0; s->variance && i < steps; i++)
			s->vpath_buf[i] = b->vpath[i * nv + l + k * w];
		value[k] = rule_cash_flow_variance(&s->rule, s->path_buf, s->vpath_buf);
	}
	double row = value[0];
	if (s->antithetic)
		payoff_pair_mean(&value[0], &value[1], 1, &row);
	sink_row(s, &row);
}

static void exercise_block(struct sink *s, const struct sink_block *b)
{
	for (int l = 0; l < b->valid; l++) {
		s->current_path = b->first + (uint64_t)l;
		exercise_path(s, b, l);
	}
}

/* exercise's metadata and header, where it would write them: before the
 * first range. */
static void exercise_header(struct sink *s)
{
	char line[1024];
	const char *names[1] = { "price" };

	rule_meta_line(&s->rule, 0, line, sizeof line);
	s->ncolumns = 1;
	sink_columns(s, line, names);
}

static void exercise_finish(struct sink *s)
{
	sink_finish_partial(s);
	rule_free(&s->rule);
}

const struct sink_type sink_exercise = { "exercise", exercise_header, exercise_block,
                                         exercise_finish };

void sink_exercise_start(struct sink *s, const char *name, const char *strike_text,
                         const char *other_option, const char *coef_file,
                         const struct model *m, bool training)
{
	s->type = &sink_exercise;
	if (!payoff_american(name, NULL))
		usage_error("--payoff: unknown payoff '%s'", name);
	if (!coef_file)
		usage_error("--payoff: %s is priced by Longstaff-Schwartz: give lsmfit's rule "
		            "with --coefficients", name);
	if (other_option)
		usage_error("--%s: %s is priced by exercise's rule, which has no such option",
		            other_option, name);
	if (training)
		usage_error("--payoff prices the pricing stream; --training paths are lsmfit's");
	if (s->emit != EMIT_PATH)
		usage_error("--coefficients: exercise needs whole paths, not --emit %s (--emit path)",
		            emit_names[s->emit]);

	rule_load(&s->rule, coef_file);
	rule_check_wanted(&s->rule, name, strike_text, s->payoff.strike);
	char line[512];
	struct stream ours = { .name = "simpaths" };
	model_meta_line(m, line, sizeof line);
	stream_take_meta(&ours, line);
	rule_check_model(&s->rule, &ours, NULL);
	stream_close(&ours);
	if (s->rule.variance && !s->variance)
		usage_error("--coefficients: %s regresses on the variance too (state=variance): "
		            "add --variance", coef_file);
	s->vpath_buf = sink_calloc((size_t)s->steps, sizeof *s->vpath_buf);
	rule_set_discount(&s->rule, m->r, m->T);
	s->path_buf = sink_calloc((size_t)s->steps, sizeof *s->path_buf);
	s->downstream.name = "simpaths --payoff";
}
