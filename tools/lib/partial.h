/* partial.h: the exact, mergeable state behind aggregate --partial.
 *
 * A partial is what aggregate knows about a set of rows: their count, and
 * per column the exact sum (exactsum.h) and the exact sums of products
 * with every later column, so that means, variances and covariances come
 * out the same bits whatever the split of the rows into shards (rows with
 * a path index go in by the block rule below: exact sums of block sums
 * that depend only on the paths' values). With them
 * go the run's identity (the metadata every input must agree on) and the
 * path ranges counted, so that a result is only given when every path of
 * the run was counted exactly once.
 *
 * aggregate builds one from rows and partials; a tool that computes the
 * rows itself (simpaths's fused mode) builds one with the same calls and
 * writes, through partial_write, the same bytes as `simpaths | payoff |
 * aggregate --partial`.
 *
 * All zero bytes is a valid empty state. A struct partial is about 2.3 MB
 * (the products): keep it static or on the heap, never on the stack.
 * Errors are data errors or fatal errors (err.h), with aggregate's
 * messages.
 */
#ifndef MCPIPE_PARTIAL_H
#define MCPIPE_PARTIAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "exactsum.h"
#include "ranges.h"
#include "stream.h"

#define PARTIAL_MAX_COLUMNS 64

/* The block rule (DESIGN.md, "Partials: exact sums that merge"): paths
 * with an index are summed in blocks of PARTIAL_BLOCK paths aligned at multiples of it (the run's
 * last block: the paths left), each block's sums in plain double
 * arithmetic in a fixed order, and only the block sums go into the exact
 * sums. A partial says so in its metadata (sum_block=), and carries the
 * values of the paths of blocks it holds only in part (its `path` rows),
 * for the merge that completes the block. */
#define PARTIAL_BLOCK 128
#define PARTIAL_BLOCK_TEXT "128"

/* The header of a partial's table: its rows are `stat column column2 value`. */
#define PARTIAL_HEADER "stat\tcolumn\tcolumn2\tvalue"

struct partial {
	int ncolumns;
	char *names[PARTIAL_MAX_COLUMNS];
	char *columns_where;   /* where the first input named them, for messages */
	uint64_t nrows;
	xsum sums[PARTIAL_MAX_COLUMNS];
	xsum products[PARTIAL_MAX_COLUMNS][PARTIAL_MAX_COLUMNS];   /* [i][j], j >= i */

	/* The run's identity: metadata every input must agree on. */
	struct meta_entry *identity;   /* key, value, where the first input said it */
	int nidentity;
	bool have_identity;

	/* Path ranges counted so far, and rows counted outside any. */
	struct range *ranges;
	size_t nranges, ranges_cap;
	uint64_t unranged_rows;

	/* Randomized quasi-Monte Carlo (qmc.h): path p belongs to replicate
	 * p % replicates, and rsums[r * PARTIAL_MAX_COLUMNS + i] is the exact
	 * sum over the blocks summed of the block's sum of column i over
	 * replicate r's paths (the block rule, PARTIAL_REP_BLOCK_KEY). 0 and
	 * NULL when not QMC. */
	int replicates;
	xsum *rsums;
	/* The block rule (partial_paths.c): the block being filled (stage_count
	 * rows from path stage_first, columns in stage[i][0..]), and the paths
	 * of blocks not complete here, each as its path then its ncolumns
	 * values' bits (1 + ncolumns words), npending of them. */
	uint64_t stage_first;
	size_t stage_count;
	double *stage[PARTIAL_MAX_COLUMNS];
	uint64_t *pending;
	size_t npending, pending_cap;
};

/* Frees what p holds on the heap: names, identity, ranges. p must be
 * zeroed (its empty state) before it is used again. */
void partial_free(struct partial *p);

/* Sets the columns (first call) or checks that they are the same names
 * (later calls): a data error at `where` otherwise, or for more than
 * PARTIAL_MAX_COLUMNS. The names are copied. */
void partial_set_columns(struct partial *p, const char *where, char **names, int count);

/* x*y added exactly: the product and its rounding error (fma). The error is
 * a double, hence exact, unless x*y underflows: |x*y| below about 2^-969. */
void partial_add_product(xsum *to, double x, double y);

/* Adds one row of p->ncolumns finite values: sums and products, nrows++.
 * Returns -1; or, when a product overflows, the index of the value too
 * large to square (the larger in magnitude of the first such pair, in the
 * order i <= j) without changing the state: the caller reports it. */
int partial_add_row(struct partial *p, const double *values);

/* Adds nrows rows given as columns, columns[i][r] the value of column i
 * in row r: the same state as partial_add_row of each row in turn, several
 * times faster (partial.c sums by binary exponent in integer buckets).
 * Returns -1; or, leaving the state as it was, the first row
 * partial_add_row would refuse (for the caller to find out why with it). */
int partial_add_columns(struct partial *p, const double *const *columns, size_t nrows);

/* The value of a row partial_add_row would refuse (NaN, or too large to
 * square), or -1. */
int partial_row_refused(const double *values, int n);

/* The first row of the columns partial_add_row would refuse, or -1. */
int partial_first_refused(const struct partial *p, const double *const *columns, size_t nrows);

/* The largest magnitude partial_add_row accepts (its square is finite):
 * a row is refused when a value is NaN or !(fabs(value) <= this). */
double partial_largest_squarable(void);

/* A path range: first, count, and where it was declared (copied). */
void partial_add_range(struct partial *p, uint64_t first, uint64_t count, const char *where);

/* Takes the identity keys of the stream's metadata (meta_key_is_identity,
 * minus "partial"): the first call records them, later calls are a data
 * error unless they have the same keys with the same values. */
void partial_take_identity(struct partial *p, struct stream *in);

/* The value of an identity key, or NULL. */
const char *partial_identity_value(const struct partial *p, const char *key);
/* Where the first input said it ("file:line"), or NULL. */
const char *partial_identity_where(const struct partial *p, const char *key);

/* Sorts the ranges and refuses overlaps; when complete (a final result),
 * also gaps and an end other than the identity's paths=. Checks the rows
 * against the ranges; returns the paths covered (0 without ranges). */
uint64_t partial_check_coverage(struct partial *p, bool complete);

/* Replicate sums (QMC): sets the count (first call) or checks it is the
 * same (a data error at `where` otherwise). 2 <= replicates <= 1024. Set
 * before any path is added: the block rule then sums each block's paths
 * into their replicates' sums too (partial_paths.c), only the blocks'
 * replicate sums exact, with the same deferral of split blocks. */
void partial_set_replicates(struct partial *p, int replicates, const char *where);
/* A partial's rows `rep COLUMN R value`: replicate R's exact sum of
 * COLUMN, merged into p (text is the value's field); false if R or the
 * value is not valid. */
bool partial_merge_replicate(struct partial *p, int column, const char *replicate,
                             const char *text);

/* "# <tool_words> key=value ..." with the identity, on stdout. */
void partial_write_identity(const struct partial *p, const char *tool_words);

/* The partial's text on stdout: identity, header, ranges (adjacent ones
 * merged), n, sums, products, and an end row repeating n. Call
 * partial_check_coverage(p, false) first: it sorts the ranges. With
 * replicates, rows `rep COLUMN R value` follow the products. */
void partial_write(const struct partial *p);

/* The block rule (partial_paths.c). */

/* Adds nrows rows of paths first .. first+nrows-1 given as columns (as
 * partial_add_columns) by the block rule: the result depends only on each
 * path's values, not on how the paths are split into calls, ranges or
 * partials. Returns -1; or, leaving the state as it was, the first row
 * partial_add_row would refuse. */
int partial_add_paths(struct partial *p, uint64_t first, const double *const *columns, size_t nrows);

/* partial_add_paths for rows the caller has already checked, as
 * partial_first_refused would, in a pass of its own (sink_payoff.c). */
void partial_add_checked_paths(struct partial *p, uint64_t first, const double *const *columns,
                               size_t nrows);

/* A block's sums, in the block order of partial_paths.c: its paths in
 * index order spread over PARTIAL_BLOCK_LANES running sums (path r of the
 * block goes to lane r % PARTIAL_BLOCK_LANES), the lanes then added in
 * this tree. A caller summing a block in its own loop (simpaths' fused
 * European) makes the same operations, so the same bits. */
#define PARTIAL_BLOCK_LANES 8
static inline double partial_lane_tree(const double *acc)
{
	return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* Whether partial_add_summed_blocks may take paths from `first`: one
 * column, no replicates, no block begun, first on a block boundary. */
bool partial_takes_summed_blocks(const struct partial *p, uint64_t first);

/* partial_add_checked_paths of one column x[0..nrows-1] (paths first ..),
 * whose whole blocks the caller has summed: D[k] and Q[k], block k's sum
 * of d = x - (its first x) and of d * d, each in the block order above. */
void partial_add_summed_blocks(struct partial *p, uint64_t first, const double *x, size_t nrows,
                               const double *D, const double *Q);

/* One path's row (values[0..ncolumns-1]) by the block rule; as
 * partial_add_row, returns -1 or the index of a value it refuses. */
int partial_add_path_row(struct partial *p, uint64_t path, const double *values);

/* A path read from a partial's `path` row: its values wait for the rest
 * of their block (nrows is not changed: the partial's n counts it). */
void partial_add_pending(struct partial *p, uint64_t path, const double *values);

/* Sums every block whose paths are all here: called before writing a
 * partial or a result (before partial_write). The run's paths= (its
 * identity) says how long its last block is; without it that block
 * waits. With `complete`, a block still incomplete is a fatal error. */
void partial_settle(struct partial *p, bool complete);

/* The paths waiting for their block, as `path - PATH VALUES` rows (the
 * values comma-separated in column order): partial_write's, before its
 * end row. */
void partial_write_pending(const struct partial *p);

/* sum_block=PARTIAL_BLOCK: the metadata partial_write adds to the
 * identity, and that aggregate wants of every partial it merges. */
#define PARTIAL_BLOCK_KEY "sum_block"

/* rep_block=PARTIAL_BLOCK: a QMC partial's (replicates=) replicate sums
 * are by the block rule too (each block's per-replicate sums in double
 * arithmetic, only they exact), not path by path as before; aggregate
 * wants it of every partial with replicates=, and refuses it without. */
#define PARTIAL_REP_BLOCK_KEY "rep_block"

#endif
