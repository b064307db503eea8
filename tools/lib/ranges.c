#define _POSIX_C_SOURCE 200809L
#include "ranges.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

static int by_first_then_order(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int by_first_then_where(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return strcmp(x->where, y->where);
}

uint64_t ranges_sweep(struct range *r, size_t n, enum range_ties ties, const char *noun,
                      bool complete, uint64_t *covered)
{
	uint64_t next = 0, sum = 0;

	qsort(r, n, sizeof *r, ties == RANGE_TIES_BY_WHERE ? by_first_then_where
	                                                   : by_first_then_order);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && r[i].first < next)
			data_error(r[i].where, "%s %llu..%llu overlap %s %llu..%llu (%s)", noun,
			           (unsigned long long)r[i].first,
			           (unsigned long long)(r[i].first + r[i].count - 1), noun,
			           (unsigned long long)r[i - 1].first,
			           (unsigned long long)(next - 1), r[i - 1].where);
		if (complete && r[i].first > next)
			fatal("%s %llu..%llu are missing", noun, (unsigned long long)next,
			      (unsigned long long)(r[i].first - 1));
		next = r[i].first + r[i].count;
		sum += r[i].count;
	}
	if (covered)
		*covered = sum;
	return next;
}

void ranges_check_end(uint64_t end, uint64_t total, const char *noun, bool complete)
{
	if (end > total)
		fatal("%s up to %llu counted, but the run has %s=%llu", noun,
		      (unsigned long long)(end - 1), noun, (unsigned long long)total);
	if (complete && end < total)
		fatal("%s %llu..%llu are missing", noun, (unsigned long long)end,
		      (unsigned long long)(total - 1));
}
