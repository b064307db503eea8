/* sink.h - where simpaths' paths go.
 *
 * simpaths simulates a block of paths at a time, under any model, and
 * hands the block to one sink: text rows (sink_text.h), the fused payoff
 * and its partial (sink_payoff.h) or the fused exercise (sink_exercise.h).
 * A sink type is a const struct of function pointers, as gsl_rng_type is;
 * struct sink holds the stream's shape and what a sink keeps between
 * blocks, so that simpaths.c is options, a model and a sink.
 *
 * The order of calls: sink_*_start (after the options), then per run
 * sink_meta for each metadata line passed through and the run's own line,
 * s->type->header, then per range its "# shard=..." line (sink_meta) and
 * blocks (s->type->block), and last sink_finish. */
#ifndef MCPIPE_SINK_H
#define MCPIPE_SINK_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "outbuf.h"
#include "partial.h"
#include "payoffs.h"
#include "rule.h"
#include "stream.h"

enum emit { EMIT_TERMINAL, EMIT_SUMMARY, EMIT_PATH };
#define SINK_LANES_MAX 1024   /* a block's virtual lanes times its dates, at most */
extern const char *const emit_names[3];

/* A simulated block: w paths from `first`, of which the first `valid` are
 * written; nv virtual lanes (2w with --antithetic: lane l is path first+l,
 * lane w+l its mirror). */
struct sink_block {
	/* 7 arrays, stride apart, a number per virtual lane: the log-price,
	 * the sums of the prices and of the log-prices, the max, the min, and
	 * the row's S_T and geometric mean (simpaths' simulate_width) */
	const double *st;
	int stride;
	const double *price;   /* --emit path: S, [date][virtual lane] */
	const double *vpath;   /* --variance: heston's v, [date][virtual lane] */
	uint64_t first;
	int valid, w, nv;
};

struct sink;
struct sink_type {
	const char *name;
	/* after the run's metadata line: the sink's own metadata, its columns */
	void (*header)(struct sink *s);
	void (*block)(struct sink *s, const struct sink_block *b);
	/* after the last block, the rows flushed: with --partial, the partial */
	void (*finish)(struct sink *s);
};

struct sink {
	const struct sink_type *type;
	/* the stream's shape, set before a sink_*_start */
	enum emit emit;
	long steps;
	bool hex, antithetic;
	bool variance;         /* --variance: columns V1..Vn after S1..Sn */
	bool partial_on;       /* --partial: the rows summed, not written */
	int replicates;        /* --qmc sobol: the replicates, else 0 */

	struct outbuf out;
	uint64_t current_path;   /* the path of the row being made, for messages */

	/* the fused payoff (sink_payoff.h) and exercise (sink_exercise.h) */
	struct payoff payoff;
	/* Summaries the payoff reads without max and min (Asians, their
	 * controls): the walk keeps only the sums, as it goes, and st's
	 * extremes are not kept (simpaths' simulate_width). */
	bool lean;
	/* --greeks under heston and merton: bump and reprice (bumpgreeks.h),
	 * which walks the paths itself and hands its rows to sink_row */
	bool bump_greeks;
	int ncolumns;                  /* the row's values */
	double *path_buf, *vpath_buf;  /* one path S1..Sn (and v1..vn) */
	/* The metadata lines payoff and aggregate would have read, so that
	 * the partial's identity comes from the same text by the same rules. */
	struct stream downstream;
	struct partial partial;
	struct rule rule;              /* --coefficients: exercise's rule */
};

/* NaN and infinities are errors in a stream: an overflowed price (huge
 * --s0, --rate or --sigma) must not pass as a number. */
static inline double sink_checked(const struct sink *s, double price)
{
	if (!isfinite(price))
		fatal("path %llu: a simulated price overflows a double "
		      "(--s0, --rate or --sigma too large?)", (unsigned long long)s->current_path);
	return price;
}

/* A price payoff reads: it refuses one that is not positive (an underflow
 * to 0). */
static inline double sink_positive(const struct sink *s, double price)
{
	if (!(price > 0))
		fatal("path %llu: a simulated price underflows to 0 "
		      "(--sigma or --maturity too large?)", (unsigned long long)s->current_path);
	return price;
}

/* calloc, or a fatal error "out of memory". */
void *sink_calloc(size_t count, size_t size);

/* Text as it is, into the output. */
void sink_put_text(struct sink *s, const char *text);

/* A metadata line (no newline): written, or with --partial read into
 * `downstream` as aggregate would read it. */
void sink_meta(struct sink *s, const char *line);

/* A row of payoff's or exercise's values for s->current_path: written,
 * or with --partial summed. */
void sink_row(struct sink *s, const double *row);

/* A fused sink's metadata line (payoff's or exercise's) and the names of
 * its row's ncolumns values: written, or with --partial the partial's
 * columns. */
void sink_columns(struct sink *s, const char *line, const char **names);

/* The rows flushed and the sink's end (its partial). */
void sink_finish(struct sink *s);

/* --partial: the partial aggregate --partial would write of the rows. */
void sink_finish_partial(struct sink *s);

#endif /* MCPIPE_SINK_H */
