/* fuzz_aggregate: aggregate's reading of rows and partials, its coverage
 * checks and its output (tools/aggregate.c, compiled in whole: the
 * partial reader is not in tools/lib; the state and the partial writer
 * are, in tools/lib/partial.c).
 *
 * Input: one flags byte, then up to four input files separated by '\f'.
 * Flags bit 0: --partial, else the estimate table.
 *
 * Oracles, besides the sanitizers and the message rules of harness.h:
 *   - a failure is a data error (exit 1), never a usage error;
 *   - a partial that aggregate wrote reads back (aggregate -p of it) to the
 *     same bytes: the exact sums, the count and the ranges survive;
 *   - the estimate table has a header and rows of six fields whose
 *     numbers are finite (no "inf" or "nan" passes for a result), and
 *     paths equal to the row count; stderr >= 0 and the interval is
 *     estimate -/+ Z95 stderr, so ci95_low <= estimate <= ci95_high.
 *
 * aggregate.c keeps its state in file-scope variables (a struct partial
 * and its flags), set up once per process; reset_aggregate() returns them
 * to their start. A new variable there must be reset here too. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "tracked_stream.h"   /* close_open_stream */
#define main aggregate_main
#include "../../tools/aggregate.c"
#undef main
#undef stream_open
#undef stream_close

static void reset_aggregate(void)
{
	struct partial *p = &state;

	/* What the partial allocated, then all zero bytes (its empty state).
	 * Only the products of the columns in use were touched: zeroing those
	 * and leaving the rest costs far less than a memset of all 2 MB. */
	for (int i = 0; i < p->ncolumns; i++)
		for (int j = 0; j < p->ncolumns; j++)
			xsum_init(&p->products[i][j]);
	partial_free(p);
	size_t before = offsetof(struct partial, products);
	size_t after = before + sizeof p->products;
	memset(p, 0, before);
	memset((char *)p + after, 0, sizeof *p - after);
	write_partial = false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	progname = "aggregate";
	harness_on_error = close_open_stream;
	harness_stdout_init();
	return 0;
}

/* aggregate [-p] names...: true when it succeeded; its output in *out. */
static bool run(bool partial, size_t n, char **names, const char **out, size_t *out_len)
{
	volatile bool ok = false;

	reset_aggregate();
	harness_stdout_reset();
	harness_arm();
	if (setjmp(harness_jump) == 0) {
		write_partial = partial;
		for (size_t i = 0; i < n; i++)
			read_input(names[i]);
		write_result();
		finish_output();
		ok = true;
	} else {
		HARNESS_CHECK(harness_status == 1, "aggregate failed with exit status %d: %s",
		              harness_status, harness_message);
	}
	harness_disarm();
	*out = harness_stdout_text(out_len);
	return ok;
}

static void check_estimates(const char *text)
{
	char *copy = strdup(text), *save = NULL;
	bool header = false;
	int rows = 0;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (!header) {
			HARNESS_CHECK(strcmp(line, "name\testimate\tstderr\tci95_low\tci95_high\tpaths") == 0,
			              "header '%.100s'", line);
			header = true;
			continue;
		}
		char *field[7], *fsave = NULL;
		int nf = 0;
		for (char *f = strtok_r(line, "\t", &fsave); f && nf < 7; f = strtok_r(NULL, "\t", &fsave))
			field[nf++] = f;
		HARNESS_CHECK(nf == 6, "a result row of %d fields", nf);
		double value[5];
		for (int i = 1; i < 5; i++)
			HARNESS_CHECK(num_parse(field[i], strlen(field[i]), &value[i]),
			              "result field %d of %s is '%s'", i + 1, field[0], field[i]);
		/* the interval: estimate -/+ Z95 stderr, in double, so ordered */
		double est = value[1], se = value[2], low = value[3], high = value[4];
		HARNESS_CHECK(se >= 0, "%s: stderr %.17g", field[0], se);
		HARNESS_CHECK(low <= est && est <= high, "%s: ci95 [%.17g, %.17g] misses %.17g",
		              field[0], low, high, est);
		HARNESS_CHECK(low == est - Z95 * se && high == est + Z95 * se,
		              "%s: ci95 [%.17g, %.17g] is not %.17g -/+ Z95 %.17g", field[0], low, high,
		              est, se);
		uint64_t paths;
		HARNESS_CHECK(num_parse_u64(field[5], strlen(field[5]), &paths) && paths == state.nrows,
		              "paths '%s', %llu rows", field[5], (unsigned long long)state.nrows);
		rows++;
	}
	HARNESS_CHECK(header && rows > 0, "an estimate table without rows");
	free(copy);
}

/* A partial's range lines: disjoint, in order, below 2^63, and holding
 * n paths between them, counted without wrapping around. */
static void check_partial_ranges(const char *text)
{
	unsigned __int128 covered = 0, end = 0;
	unsigned long long first, count, n = 0;
	bool ranges = false;

	for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
		if (sscanf(line, "# first=%llu count=%llu\n", &first, &count) == 2) {
			HARNESS_CHECK(first >= end, "range first=%llu overlaps the one before", first);
			end = (unsigned __int128)first + count;
			HARNESS_CHECK(end <= (unsigned __int128)1 << 63, "range first=%llu count=%llu "
			              "ends past 2^63", first, count);
			covered += count;
			ranges = true;
		}
		sscanf(line, "n\t-\t-\t%llu\n", &n);
		if (!strchr(line, '\n'))
			break;
	}
	HARNESS_CHECK(!ranges || covered == n, "a partial of n=%llu whose ranges hold %llu paths", n,
	              (unsigned long long)covered);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool partial = data[0] & 1;
	const uint8_t *piece[HARNESS_FILES];
	size_t piece_size[HARNESS_FILES];
	size_t n = harness_split(data + 1, size - 1, '\f', HARNESS_FILES - 1, piece, piece_size);
	char *names[HARNESS_FILES];
	for (size_t i = 0; i < n; i++)
		names[i] = (char *)harness_file((int)i, piece[i], piece_size[i]);

	const char *out;
	size_t out_len;
	if (!run(partial, n, names, &out, &out_len)) {
		HARNESS_CHECK(out_len == 0, "a failed run wrote %zu bytes", out_len);
		return 0;
	}
	if (!partial) {
		check_estimates(out);
		return 0;
	}
	check_partial_ranges(out);
	/* The partial, read back: the same bytes. */
	char *first = strdup(out);
	size_t first_len = out_len;
	names[0] = (char *)harness_file(HARNESS_FILES - 1, (const uint8_t *)first, first_len);
	bool ok = run(true, 1, names, &out, &out_len);
	HARNESS_CHECK(ok, "aggregate -p of its own partial failed: %s\n--- the partial:\n%s",
	              harness_message, first);
	HARNESS_CHECK(out_len == first_len && memcmp(out, first, out_len) == 0,
	              "aggregate -p of its own partial differs\n--- first:\n%s--- second:\n%s",
	              first, out);
	free(first);
	return 0;
}
