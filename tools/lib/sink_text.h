/* sink_text.h - the text rows of simpaths: one row per path (and one per
 * mirror with --antithetic), of --emit terminal (ST), summary (ST avg geo
 * max min) or path (S1..Sn, and V1..Vn with --variance), in decimal or
 * hex. Every price written is finite and positive (sink_checked,
 * sink_positive), as payoff would read it. */
#ifndef MCPIPE_SINK_TEXT_H
#define MCPIPE_SINK_TEXT_H

#include "sink.h"

extern const struct sink_type sink_text;

/* s's shape set (emit, steps, hex, antithetic, variance). */
void sink_text_start(struct sink *s);

#endif /* MCPIPE_SINK_TEXT_H */
