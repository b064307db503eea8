/* sink_exercise.h - the fused exercise: `simpaths --payoff american-put
 * --coefficients F` writes what `simpaths --emit path | exercise -c F`
 * would (and with --partial what aggregate --partial would of it): the
 * cash flow of each whole path under lsmfit's rule (rule.h). */
#ifndef MCPIPE_SINK_EXERCISE_H
#define MCPIPE_SINK_EXERCISE_H

#include "model.h"
#include "sink.h"

extern const struct sink_type sink_exercise;

/* s's shape set: exercise's rule from coef_file, refused as exercise
 * refuses it when it was fitted for another payoff `name`, strike
 * (strike_text: -K, or NULL; s->payoff.strike) or model than m (after
 * model_done), compared as exercise compares it: with m's metadata line.
 * other_option: a payoff option given (exercise has none), or NULL.
 * training: the paths are lsmfit's (--training), refused. */
void sink_exercise_start(struct sink *s, const char *name, const char *strike_text,
                         const char *other_option, const char *coef_file,
                         const struct model *m, bool training);

#endif /* MCPIPE_SINK_EXERCISE_H */
