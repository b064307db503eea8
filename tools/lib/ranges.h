/* ranges.h: the ranges of indices a run's shards counted (paths for
 * aggregate's partials, scenarios for risk's tails), checked as one sweep:
 * sorted, no two overlapping and, when the run is complete, no gap.
 *
 * partial.c and tail.c share it, so that both say the same things in the
 * same words; only the noun ("paths", "scenarios") and the tie-break of
 * the sort differ. Errors are data errors or fatal errors (err.h). */
#ifndef MCPIPE_RANGES_H
#define MCPIPE_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Indices [first, first + count), read at `where` (heap, for messages),
 * the order-th range taken. */
struct range { uint64_t first, count; char *where; size_t order; };

/* How ranges with the same first index sort (qsort is not stable): by
 * order taken, or by where they were read. Either way the same inputs
 * always give the same message. */
enum range_ties { RANGE_TIES_BY_ORDER, RANGE_TIES_BY_WHERE };

/* Sorts r[0..n) by first index, then sweeps them: a range that overlaps
 * the one before is a data error at its `where` ("NOUN a..b overlap NOUN
 * c..d (where)"); with complete, a gap before a range is an error ("NOUN
 * a..b are missing"). Returns the end of the last range (0 for none);
 * *covered, unless NULL, gets the sum of the counts. */
uint64_t ranges_sweep(struct range *r, size_t n, enum range_ties ties, const char *noun,
                      bool complete, uint64_t *covered);

/* The end of a sweep against the run's total of indices (key=total in the
 * metadata, where the key is the noun): an end past it is an error, and
 * with complete so is one short of it. */
void ranges_check_end(uint64_t end, uint64_t total, const char *noun, bool complete);

#endif
