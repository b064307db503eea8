/* fuzz_simpaths: simpaths' reading of genseeds' shard rows (tools/simpaths.c,
 * compiled in whole; its read_shards): metadata passed through, the header,
 * the rows' shard, first, count and seed, and their checks against paths=
 * and the run's seed.
 *
 * Input: one byte of options (bits 0-1: --emit terminal, summary, path,
 * path; bit 2: --antithetic; bit 3: --hex; bit 4: --training, unless bit
 * 5, --payoff call, which refuses it; bits 6-7: --model gbm, heston,
 * merton, gbm), then the shard rows. --steps is 3.
 *
 * A row may ask for up to 2^63 paths: the harness simulates at most
 * SIMULATED_PATHS paths of each of the first SIMULATED_ROWS rows (so an
 * input costs at most a few blocks of paths), and only checks the rest.
 * Oracles, besides the sanitizers and the message rules of harness.h:
 *   - a failure exits 1 (the data: the options are valid);
 *   - every row read agrees with the input as read here, independently of
 *     stream.c and num_parse_u64: the row's line (from its file:line),
 *     split on blanks, holds at the header's shard, first, count and seed
 *     columns the row's numbers in decimal or 0x hex (strtoull), and the
 *     numbers obey the contract: shard, first, count <= 2^63, count >= 1,
 *     first + count <= paths, the first metadata paths= in the input;
 *     every row has the first row's seed and paths, and only the first
 *     row is first_row;
 *   - on success the output is the metadata, simpaths' own line, the
 *     header, then each simulated range's "# shard=..." line (in order)
 *     and as many rows as paths asked of it (two per path for
 *     --antithetic without --payoff), each of as many finite numbers as
 *     columns, prices > 0 (with --payoff, the call's price >= 0). */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "tracked_stream.h"   /* close_open_stream */
#define main simpaths_main
#include "../../tools/simpaths.c"
#undef main
#undef stream_open
#undef stream_close

#define SIMULATED_ROWS 8
#define SIMULATED_PATHS 3
#define HARNESS_STEPS "3"

/* The input, for the independent reading of rows. */
static const char *input;
static size_t input_len;

/* What the rows read so far said: for checks between rows and of the output. */
static size_t nrows, nsimulated;
static uint64_t rows_paths, rows_seed;
static uint64_t expected_rows;              /* data rows the output must hold */
static char range_lines[SIMULATED_ROWS][160];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	progname = "simpaths";
	harness_on_error = close_open_stream;
	harness_stdout_init();
	return 0;
}

/* Line lineno (from 1) of the input, without its newline and trailing CRs
 * (as getline and stream.c's trimming see it); false if there is none. */
static bool input_line(unsigned long lineno, const char **line, size_t *len)
{
	const char *p = input, *end = input + input_len;
	for (unsigned long n = 1; n < lineno; n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return false;
		p = nl + 1;
	}
	if (p >= end)
		return false;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
	while (n > 0 && p[n - 1] == '\r')
		n--;
	*line = p;
	*len = n;
	return true;
}

/* Field k (from 0) of a line split on runs of blanks, copied into buf
 * (NUL-terminated); false if the line has fewer fields. */
static bool line_field(const char *line, size_t len, int k, char *buf, size_t size)
{
	size_t i = 0;
	for (int f = 0;; f++) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			return false;
		size_t start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		if (f == k) {
			size_t n = i - start < size - 1 ? i - start : size - 1;
			memcpy(buf, line + start, n);
			buf[n] = '\0';
			return true;
		}
	}
}

/* The input's header: its first line that is neither metadata nor blank. */
static bool header_line(const char **line, size_t *len)
{
	for (unsigned long n = 1; input_line(n, line, len); n++) {
		char ignored[2];
		if (*len > 0 && (*line)[0] == '#')
			continue;
		if (line_field(*line, *len, 0, ignored, sizeof ignored))
			return true;
	}
	return false;
}

/* The header's column named name, or -1. */
static int header_column(const char *name)
{
	const char *line;
	size_t len;
	char field[64];
	if (!header_line(&line, &len))
		return -1;
	for (int k = 0; line_field(line, len, k, field, sizeof field); k++)
		if (strcmp(field, name) == 0)
			return k;
	return -1;
}

/* A field as genseeds writes numbers: decimal digits, or 0x and hex digits;
 * read with strtoull, not with numtext.c. */
static bool reference_u64(const char *text, uint64_t *value)
{
	bool hex = (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'));
	const char *digits = hex ? text + 2 : text;
	if (*digits == '\0' || strspn(digits, hex ? "0123456789abcdefABCDEF" : "0123456789") !=
	                               strlen(digits))
		return false;
	char *stop;
	errno = 0;
	unsigned long long v = strtoull(digits, &stop, hex ? 16 : 10);
	if (errno == ERANGE || *stop != '\0')
		return false;
	*value = v;
	return true;
}

/* The value of the first paths= word of a metadata line of the input. */
static bool metadata_paths(uint64_t *paths)
{
	const char *line;
	size_t len;
	char word[64];
	for (unsigned long n = 1; input_line(n, &line, &len); n++) {
		if (len == 0 || line[0] != '#')
			continue;
		for (int k = 0; line_field(line + 1, len - 1, k, word, sizeof word); k++)
			if (strncmp(word, "paths=", 6) == 0)
				return reference_u64(word + 6, paths);
	}
	return false;
}

/* The row's number in the column named name, as read here. */
static uint64_t row_number(const char *line, size_t len, const char *name)
{
	char field[64];
	uint64_t value;
	int column = header_column(name);
	HARNESS_CHECK(column >= 0, "a row read without a %s column in the header", name);
	HARNESS_CHECK(line_field(line, len, column, field, sizeof field),
	              "a row read without a field %d (%s)", column, name);
	HARNESS_CHECK(reference_u64(field, &value), "%s '%.60s' read as a number", name, field);
	return value;
}

/* read_shards's callback: the row checked against the input, then its
 * range simulated (at most SIMULATED_PATHS paths of it) or not. */
static void harness_row(const struct shard_row *row)
{
	const uint64_t max_index = UINT64_C(1) << 63;

	HARNESS_CHECK(row->first_row == (nrows == 0), "row %zu: first_row %d", nrows, row->first_row);
	HARNESS_CHECK(row->count >= 1 && row->shard <= max_index && row->first <= max_index &&
	              row->count <= max_index && row->paths <= max_index &&
	              row->first + row->count <= row->paths,
	              "row %zu: shard %llu first %llu count %llu of paths %llu", nrows,
	              (unsigned long long)row->shard, (unsigned long long)row->first,
	              (unsigned long long)row->count, (unsigned long long)row->paths);
	if (nrows == 0) {
		rows_paths = row->paths;
		rows_seed = row->seed;
		uint64_t meta_paths;
		HARNESS_CHECK(metadata_paths(&meta_paths) && meta_paths == row->paths,
		              "paths %llu, not the input's first paths=",
		              (unsigned long long)row->paths);
	}
	HARNESS_CHECK(row->paths == rows_paths && row->seed == rows_seed,
	              "row %zu: paths %llu seed %llu after paths %llu seed %llu", nrows,
	              (unsigned long long)row->paths, (unsigned long long)row->seed,
	              (unsigned long long)rows_paths, (unsigned long long)rows_seed);

	/* where is "/proc/self/fd/N:line" */
	const char *colon = strrchr(row->where, ':');
	const char *line;
	size_t len;
	HARNESS_CHECK(colon && input_line(strtoul(colon + 1, NULL, 10), &line, &len),
	              "row %zu at '%s': no such line", nrows, row->where);
	HARNESS_CHECK(row_number(line, len, "shard") == row->shard &&
	              row_number(line, len, "first") == row->first &&
	              row_number(line, len, "count") == row->count &&
	              row_number(line, len, "seed") == row->seed,
	              "row %zu (%s): shard %llu first %llu count %llu seed %llu, not the line's "
	              "'%.*s'", nrows, row->where, (unsigned long long)row->shard,
	              (unsigned long long)row->first, (unsigned long long)row->count,
	              (unsigned long long)row->seed, (int)(len < 200 ? len : 200), line);
	nrows++;

	if (row->first_row)
		put_header(row->paths, row->seed);
	if (nsimulated == SIMULATED_ROWS)
		return;
	uint64_t count = row->count < SIMULATED_PATHS ? row->count : SIMULATED_PATHS;
	snprintf(range_lines[nsimulated++], sizeof range_lines[0],
	         "# shard=%llu first=%llu count=%llu seed=%llu", (unsigned long long)row->shard,
	         (unsigned long long)row->first, (unsigned long long)count,
	         (unsigned long long)row->seed);
	expected_rows += count * (sink.antithetic && sink.type == &sink_text ? 2 : 1);
	simulate_range(row->shard, row->first, count, row->seed, row->where);
}

static size_t count_fields(const char *line)
{
	size_t n = 1;
	for (const char *p = line; *p; p++)
		n += *p == '\t';
	return n;
}

static void check_output(const char *text)
{
	char *copy = strdup(text), *save = NULL;
	bool own_meta = false, header = false;
	size_t columns = 0, ranges = 0;
	uint64_t rows = 0;
	const bool fused = sink.type != &sink_text;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			own_meta |= strncmp(line, "# tool=simpaths ", 16) == 0;
			if (ranges < nsimulated && strcmp(line, range_lines[ranges]) == 0)
				ranges++;
			continue;
		}
		if (!header) {
			HARNESS_CHECK(own_meta, "a header before simpaths' metadata line");
			columns = count_fields(line);
			HARNESS_CHECK(columns == (fused ? 1u : sink.emit == EMIT_TERMINAL ? 1u
			                          : sink.emit == EMIT_SUMMARY ? 5u : (size_t)steps),
			              "header '%.100s'", line);
			header = true;
			continue;
		}
		rows++;
		HARNESS_CHECK(count_fields(line) == columns, "a row of %zu fields under %zu columns",
		              count_fields(line), columns);
		char *fsave = NULL;
		for (char *f = strtok_r(line, "\t", &fsave); f; f = strtok_r(NULL, "\t", &fsave)) {
			double v;
			HARNESS_CHECK(num_parse(f, strlen(f), &v) && isfinite(v), "field '%.60s'", f);
			HARNESS_CHECK(fused ? v >= 0 : v > 0, "a price %.17g", v);
		}
	}
	HARNESS_CHECK(header, "no header in the output");
	HARNESS_CHECK(ranges == nsimulated, "%zu of %zu range lines in order", ranges, nsimulated);
	HARNESS_CHECK(rows == expected_rows, "%llu rows, not %llu", (unsigned long long)rows,
	              (unsigned long long)expected_rows);
	free(copy);
}

/* simpaths' globals as main leaves them before reading, for these options. */
static void reset(unsigned flags)
{
	static const char *const models[] = { "gbm", "heston", "merton", "gbm" };

	free(price);
	price = NULL;
	free(sink.path_buf);
	memset(&sink, 0, sizeof sink);   /* 2.5 MB (its partial): not a compound literal on the stack */
	sink.emit = (flags & 3) == 3 ? EMIT_PATH : (enum emit)(flags & 3);
	sink.antithetic = flags & 4;
	sink.hex = flags & 8;
	path_stream = (flags & 16) && !(flags & 32) ? RNG_TRAINING : RNG_PRICING;
	payoff_init(&sink.payoff);
	model_init(&model);
	model_option(&model, MODEL_OPT_MODEL, models[flags >> 6 & 3]);
	model_option(&model, MODEL_OPT_STEPS, HARNESS_STEPS);
	model_done(&model);
	s0 = model.s0;
	steps = model.steps;
	drift_per_step = model.drift_dt;
	vol_per_step = model.vol_dt;
	sink.steps = steps;
	if (flags & 32) {
		const char *name = "call";
		payoff_option(&sink.payoff, 'p', name, &name);
		sink_payoff_start(&sink, name, &model, false);
	} else {
		sink_text_start(&sink);
	}
	sink.lean = model.kind == MODEL_GBM && sink.type == &sink_payoff && !sink.payoff.greek_set &&
	            sink.emit == EMIT_SUMMARY && !(sink.payoff.needs & (NEED_MAX | NEED_MIN));
	alloc_block();

	nrows = nsimulated = 0;
	rows_paths = rows_seed = expected_rows = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	input = (const char *)data + 1;
	input_len = size - 1;
	char *inputs[1] = { (char *)harness_file(0, data + 1, size - 1) };

	harness_arm();
	if (setjmp(harness_jump) == 0)
		reset(data[0]);
	else
		HARNESS_CHECK(false, "the harness's options failed: %s", harness_message);
	harness_disarm();

	harness_stdout_reset();
	volatile bool ok = false;
	harness_arm();
	if (setjmp(harness_jump) == 0) {
		read_shards(1, inputs, harness_row);
		outbuf_flush(&sink.out);
		finish_output();
		ok = true;
	} else {
		HARNESS_CHECK(harness_status == 1, "simpaths failed with exit status %d: %s",
		              harness_status, harness_message);
	}
	harness_disarm();
	size_t len;
	const char *text = harness_stdout_text(&len);
	if (ok)
		check_output(text);
	return 0;
}
