/* sink_payoff.h - the fused payoff: `simpaths --payoff P` writes what
 * `simpaths | payoff -p P` would, and with --partial what `... |
 * aggregate --partial` would, byte for byte, without formatting and
 * parsing every path as text (as grep -c does grep | wc -l). Rows of
 * terminal or summary paths without Greeks are priced a block at a time,
 * a column at a time (vectorised, SIMD_CLONES); whole paths and Greeks a
 * path at a time. */
#ifndef MCPIPE_SINK_PAYOFF_H
#define MCPIPE_SINK_PAYOFF_H

#include "model.h"
#include "sink.h"

extern const struct sink_type sink_payoff;

/* s's shape set and s->payoff's options read (payoff_option): the payoff
 * `name` as payoff would set it up from this stream's metadata, for the
 * model m (after model_done), with the columns s->emit has. Usage errors
 * as payoff's, and for combinations simpaths cannot fuse. qmc: the paths
 * are --qmc sobol's (bump and reprice cannot walk them). */
void sink_payoff_start(struct sink *s, const char *name, const struct model *m, bool qmc);

#endif /* MCPIPE_SINK_PAYOFF_H */
