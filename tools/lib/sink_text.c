/* sink_text.c: simpaths' text rows (sink_text.h). */
#include <stdio.h>

#include "sink_text.h"

/* A price written is finite and positive: the same refusal as the fused
 * path's, not a row of 0 that payoff would refuse in other words. */
static void put_number(struct sink *s, double value, char separator)
{
	outbuf_put_number(&s->out, sink_positive(s, sink_checked(s, value)), s->hex, separator);
}

static void text_header(struct sink *s)
{
	char name[32];
	long steps = s->steps;

	if (s->emit == EMIT_TERMINAL) {
		sink_put_text(s, "ST\n");
	} else if (s->emit == EMIT_SUMMARY) {
		sink_put_text(s, "ST\tavg\tgeo\tmax\tmin\n");
	} else {
		for (long i = 1; i <= steps; i++) {
			snprintf(name, sizeof name, "S%ld%c", i, i == steps && !s->variance ? '\n' : '\t');
			sink_put_text(s, name);
		}
		for (long i = 1; s->variance && i <= steps; i++) {
			snprintf(name, sizeof name, "V%ld%c", i, i == steps ? '\n' : '\t');
			sink_put_text(s, name);
		}
	}
}

/* The rows, in path order (a path, then its mirror). */
static void text_block(struct sink *s, const struct sink_block *b)
{
	const double *sum_s = b->st + b->stride, *max_s = b->st + 3 * b->stride;
	const double *min_s = b->st + 4 * b->stride, *last_s = b->st + 5 * b->stride;
	const double *geo_s = b->st + 6 * b->stride;
	const int nv = b->nv;
	const long steps = s->steps;

	for (int l = 0; l < b->valid; l++) {
		s->current_path = b->first + (uint64_t)l;
		for (int v = l; v < nv; v += b->w) {
			if (s->emit == EMIT_TERMINAL) {
				put_number(s, last_s[v], '\n');
			} else if (s->emit == EMIT_SUMMARY) {
				put_number(s, last_s[v], '\t');
				put_number(s, sum_s[v] / (double)steps, '\t');
				put_number(s, geo_s[v], '\t');
				put_number(s, max_s[v], '\t');
				put_number(s, min_s[v], '\n');
			} else {
				for (long i = 0; i < steps; i++)
					put_number(s, b->price[i * nv + v],
					           i + 1 == steps && !s->variance ? '\n' : '\t');
				for (long i = 0; s->variance && i < steps; i++)
					outbuf_put_number(&s->out, sink_checked(s, b->vpath[i * nv + v]),
					                  s->hex, i + 1 == steps ? '\n' : '\t');
			}
		}
	}
}

const struct sink_type sink_text = { "text", text_header, text_block, NULL };

void sink_text_start(struct sink *s)
{
	s->type = &sink_text;
}
