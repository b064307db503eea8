/* test_tail.c: tail.h's trimming and merging against one pass and a
 * plain sort.
 *
 * usage: test_tail [samples]   (default 200)
 *
 * Each sample draws N scenarios (losses from one of several kinds: smooth,
 * heavy-tailed, many ties), weighted or not, at a random level; then
 *  1. one tail fed every scenario in order (trimming as it goes) must hold
 *     exactly the rows a full sort says the run needs, and its VaR and ES
 *     must equal the formulas of tail.h on the full sort (ES within 1e-12
 *     relative: the reference sums in long double);
 *  2. the scenarios cut into random contiguous shards, each trimmed on its
 *     own, merged into one tail in a random order, must give the same
 *     rows and the same estimates and intervals, bit for bit;
 *  3. unweighted, a shard keeps its worst floor(K) + 1 >= ceil(N(1-alpha))
 *     rows (or all);
 *  4. contributions of columns that split each loss add up to the ES;
 *  5. tails of no extra columns (a shard's, whose trims between rows
 *     select rather than sort) keep the same rows, whole or in shards.
 * Failures go to stderr; the exit status is 1 if any. */
#include "tail.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_SEED 0x7461696c00000001
#include "unit.h"

struct scen { uint64_t id; double loss, weight, part; };

static int ref_order(const void *a, const void *b)
{
	const struct scen *x = a, *y = b;
	if (x->loss != y->loss)
		return x->loss > y->loss ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static double draw_loss(int kind)
{
	switch (kind) {
	case 0:
		return 100 * (uniform() - 0.5);
	case 1:   /* heavy tail */
		return 1 / (uniform() + 1e-3) - 2;
	default:  /* ties */
		return (double)below(20) - 5;
	}
}

static void feed(struct tail *t, const struct scen *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		double extra[2] = { s[i].part, s[i].loss - s[i].part };
		if (!tail_add(t, s[i].id, s[i].loss, s[i].weight, t->nextra ? extra : NULL))
			FAIL("tail_add refused scenario %llu", (unsigned long long)s[i].id);
	}
	tail_add_range(t, s[from].id, to - from, "test");
	tail_trim(t);
}

static bool same_rows(const struct tail *a, const struct tail *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->rows[i].scenario != b->rows[i].scenario ||
		    to_bits(a->rows[i].loss) != to_bits(b->rows[i].loss))
			return false;
	return true;
}

static bool same_estimates(const struct tail_estimate *x, const struct tail_estimate *y)
{
	return memcmp(x, y, sizeof *x) == 0;
}

static char *names[] = { "a", "b" };

static void one_sample(long sample)
{
	size_t n = 200 + below(20000);
	bool weighted = below(3) == 0;
	double level = below(2) ? 0.99 : 0.9 + 0.0999 * uniform();
	int kind = (int)below(3);
	struct scen *s = calloc(n, sizeof *s), *sorted = calloc(n, sizeof *s);

	for (size_t i = 0; i < n; i++) {
		s[i].id = i;
		s[i].loss = draw_loss(kind);
		s[i].weight = weighted ? 0.05 + 1.9 * uniform() : 1;
		s[i].part = s[i].loss * uniform();
	}
	memcpy(sorted, s, n * sizeof *s);
	qsort(sorted, n, sizeof *s, ref_order);

	/* 1. one pass */
	static struct tail whole, merged, shard;
	tail_init(&whole, level, n, weighted, 2, names, "test");
	feed(&whole, s, 0, n);
	tail_check_coverage(&whole, true);
	double keep = tail_keep_mass(n, level), before = 0;
	size_t need = 0;
	while (need < n && before <= keep)
		before += sorted[need++].weight;
	CHECK(whole.n == need, "sample %ld: kept %zu rows, the sort says %zu", sample, whole.n, need);
	for (size_t i = 0; i < whole.n && i < need; i++)
		CHECK(whole.rows[i].scenario == sorted[i].id, "sample %ld: row %zu", sample, i);
	if (!weighted && n > keep) {
		size_t floor_k = (size_t)floor(keep) + 1, tail_n = (size_t)ceil(n * (1 - level));
		CHECK(whole.n == floor_k && whole.n >= tail_n, "sample %ld: kept %zu, K %g", sample, whole.n, keep);
	}

	char why[300];
	struct tail_estimate e1, e2;
	bool ok1 = tail_estimates(&whole, &e1, why, sizeof why);
	/* the reference: tail.h's formulas on the sort, in long double */
	long double m = (long double)n * (1 - level), c = 0, num = 0;
	size_t js = 0;
	while (js + 1 < n && c + sorted[js].weight <= m) {
		c += sorted[js].weight;
		num += (long double)sorted[js].weight * sorted[js].loss;
		js++;
	}
	num += (m - c) * sorted[js].loss;
	if (ok1) {
		CHECK(to_bits(e1.var) == to_bits(sorted[js].loss), "sample %ld: VaR %.17g, sort %.17g (row %zu vs %zu)",
		      sample, e1.var, sorted[js].loss, e1.jstar, js);
		double es = (double)(num / m);
		CHECK(fabs(e1.es - es) <= 1e-12 * (fabs(es) + 1), "sample %ld: ES %.17g, sort %.17g", sample, e1.es, es);
		CHECK(e1.var_low <= e1.var && e1.var <= e1.var_high, "sample %ld: VaR outside its interval", sample);
		double contribution[2], se[2];
		tail_contributions(&whole, &e1, contribution, se);
		CHECK(fabs(contribution[0] + contribution[1] - e1.es) <= 1e-9 * (fabs(e1.es) + 1),
		      "sample %ld: contributions %.17g + %.17g, ES %.17g", sample, contribution[0],
		      contribution[1], e1.es);
	}

	/* 5. the same rows without extras */
	static struct tail bare;
	tail_init(&bare, level, n, weighted, 0, NULL, "test");
	feed(&bare, s, 0, n);
	CHECK(same_rows(&whole, &bare), "sample %ld: without extras, other rows", sample);
	tail_free(&bare);

	/* 2. shards merged in a random order */
	size_t nshards = 1 + below(12), cuts[14];
	cuts[0] = 0;
	for (size_t k = 1; k < nshards; k++)
		cuts[k] = below(n);
	cuts[nshards] = n;
	for (size_t k = 1; k < nshards; k++)   /* insertion sort */
		for (size_t j = k; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			size_t x = cuts[j];
			cuts[j] = cuts[j - 1];
			cuts[j - 1] = x;
		}
	size_t order[13];
	for (size_t k = 0; k < nshards; k++)
		order[k] = k;
	for (size_t k = nshards; k > 1; k--) {
		size_t j = below(k), x = order[k - 1];
		order[k - 1] = order[j];
		order[j] = x;
	}
	tail_init(&merged, level, n, weighted, 2, names, "test");
	for (size_t k = 0; k < nshards; k++) {
		size_t from = cuts[order[k]], to = cuts[order[k] + 1];
		if (from == to)
			continue;
		tail_init(&shard, level, n, weighted, 2, names, "test");
		feed(&shard, s, from, to);
		for (size_t i = 0; i < shard.n; i++)
			tail_add(&merged, shard.rows[i].scenario, shard.rows[i].loss, shard.rows[i].weight,
			         tail_extra(&shard, i));
		tail_add_range(&merged, s[from].id, to - from, "shard");
		tail_free(&shard);
		/* 5. and the shard without extras */
		tail_init(&shard, level, n, weighted, 0, NULL, "test");
		feed(&shard, s, from, to);
		tail_init(&bare, level, n, weighted, 2, names, "test");
		feed(&bare, s, from, to);
		CHECK(same_rows(&shard, &bare), "sample %ld: a shard without extras, other rows", sample);
		tail_free(&shard);
		tail_free(&bare);
	}
	tail_trim(&merged);
	tail_check_coverage(&merged, true);
	CHECK(same_rows(&whole, &merged), "sample %ld: %zu shards kept other rows", sample, nshards);
	bool ok2 = tail_estimates(&merged, &e2, why, sizeof why);
	CHECK(ok1 == ok2 && (!ok1 || same_estimates(&e1, &e2)),
	      "sample %ld: %zu shards, other estimates (VaR %.17g vs %.17g, ES %.17g vs %.17g)",
	      sample, nshards, e1.var, e2.var, e1.es, e2.es);
	tail_free(&whole);
	tail_free(&merged);
	free(s);
	free(sorted);
}

int main(int argc, char **argv)
{
	long samples = argc > 1 ? atol(argv[1]) : 200;

	for (long i = 0; i < samples; i++)
		one_sample(i);
	if (failures)
		return 1;
	printf("test_tail: %ld samples, the same tail and estimates for every split\n", samples);
	return 0;
}
