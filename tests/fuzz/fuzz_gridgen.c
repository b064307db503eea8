/* fuzz_gridgen: gridgen's axis specs (tools/gridgen.c, compiled in whole:
 * the axis parser is not in tools/lib).
 *
 * Input: up to 6 axis specs, one per line. They go through gridgen's own
 * parse_axis and its duplicate and size checks in the order main() makes
 * them; a grid of at most 20000 rows is then written (to a memfd).
 *
 * Oracles, besides the sanitizers:
 *   - a failure is a usage error (exit 2) with a message naming the spec;
 *   - the grid has a header of the axis names and exactly the product of
 *     the axes' counts in rows, each with one field per axis;
 *   - a range axis's values are plain decimals (no exponent, no "-0", no
 *     trailing zero after the point), strictly increasing, within
 *     [lo, hi] as strtod reads them, and the first is lo. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "numtext.h"

/* gcc (12, -O1 with sanitizers) sees naxes as any int in write_grid's
 * calloc here, though not in the tool: a false alarm. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Walloc-size-larger-than="
#endif
#define main gridgen_main
#include "../../tools/gridgen.c"
#undef main

#define MAX_AXES 6
#define MAX_WRITTEN 20000

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	progname = "gridgen";
	harness_stdout_init();
	return 0;
}

static void reset_gridgen(void)
{
	free_all();
	axes = NULL;
	naxes = 0;
	memset(&grid, 0, sizeof grid);
}

/* A range value as gridgen must write it. */
static void check_plain_decimal(const char *text)
{
	const char *p = text + (*text == '-');
	HARNESS_CHECK(*p >= '0' && *p <= '9', "value '%s'", text);
	HARNESS_CHECK(strcmp(text, "-0") != 0, "value -0");
	HARNESS_CHECK(strspn(p, "0123456789.") == strlen(p), "value '%s'", text);
	const char *dot = strchr(p, '.');
	if (dot) {
		HARNESS_CHECK(dot[1] != '\0' && text[strlen(text) - 1] != '0',
		              "value '%s' has a trailing zero or point", text);
		HARNESS_CHECK(strchr(dot + 1, '.') == NULL, "value '%s'", text);
	}
	HARNESS_CHECK(!(p[0] == '0' && p[1] >= '0' && p[1] <= '9'), "value '%s' has a leading zero", text);
}

static void check_grid(const char *out, uint64_t rows)
{
	char *copy = strdup(out), *save = NULL;
	uint64_t seen = 0;

	char *line = strtok_r(copy, "\n", &save);
	HARNESS_CHECK(line != NULL, "no header");
	for (int i = 0; i < naxes; i++) {
		size_t len = strlen(axes[i].name);
		HARNESS_CHECK(strncmp(line, axes[i].name, len) == 0 &&
		              line[len] == (i + 1 < naxes ? '\t' : '\0'), "header '%.100s'", line);
		line += len + 1;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *fsave = NULL, *field = strtok_r(line, "\t", &fsave);
		for (int i = 0; i < naxes; i++, field = strtok_r(NULL, "\t", &fsave)) {
			HARNESS_CHECK(field != NULL, "row %llu has %d fields", (unsigned long long)seen, i);
			if (axes[i].is_list)
				continue;
			check_plain_decimal(field);
			double value = strtod(field, NULL), lo, hi;
			char text[NUMBER_TEXT];
			format_scaled(text, axes[i].lo, axes[i].places);
			lo = strtod(text, NULL);
			format_scaled(text, axes[i].lo + (axes[i].count - 1) * axes[i].step, axes[i].places);
			hi = strtod(text, NULL);
			HARNESS_CHECK(value >= lo && value <= hi, "value %s outside [%g, %g]", field, lo, hi);
			if (seen == 0) {
				format_scaled(text, axes[i].lo, axes[i].places);
				HARNESS_CHECK(strcmp(field, text) == 0, "first value %s, lo %s", field, text);
			}
		}
		HARNESS_CHECK(field == NULL, "row %llu has more than %d fields",
		              (unsigned long long)seen, naxes);
		seen++;
	}
	HARNESS_CHECK(seen == rows, "%llu rows, want %llu", (unsigned long long)seen,
	              (unsigned long long)rows);
	free(copy);
}

/* Consecutive values of one range axis increase: checked on the axis alone. */
static void check_axis_order(const struct axis *a)
{
	char prev[NUMBER_TEXT], text[NUMBER_TEXT];
	int64_t count = a->count < 50 ? a->count : 50;

	for (int64_t k = 0; k < count; k++) {
		format_scaled(text, a->lo + (i128)k * a->step, a->places);
		check_plain_decimal(text);
		if (k > 0) {
			struct decimal x, y;
			HARNESS_CHECK(parse_decimal(prev, &x) == NUMBER_OK &&
			              parse_decimal(text, &y) == NUMBER_OK, "values do not parse");
			i128 vx = scaled(&x, a->places), vy = scaled(&y, a->places);
			HARNESS_CHECK(vy - vx == a->step, "%s then %s: not one step apart", prev, text);
		}
		memcpy(prev, text, sizeof text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *piece[MAX_AXES];
	size_t piece_size[MAX_AXES];
	size_t n = harness_split(data, size, '\n', MAX_AXES, piece, piece_size);
	char *specs[MAX_AXES];
	for (size_t i = 0; i < n; i++)
		specs[i] = strndup((const char *)piece[i], piece_size[i]);

	reset_gridgen();
	harness_stdout_reset();
	volatile uint64_t rows = 1;
	harness_arm();
	if (setjmp(harness_jump) == 0) {
		/* main()'s loop, as written there. */
		naxes = (int)n;
		axes = calloc((size_t)naxes, sizeof *axes);
		for (int i = 0; i < naxes; i++) {
			parse_axis(&axes[i], specs[i]);
			for (int j = 0; j < i; j++)
				if (strcmp(axes[i].name, axes[j].name) == 0)
					usage_error("duplicate axis '%s'", axes[i].name);
			rows *= (uint64_t)axes[i].count;
			if (rows > MAX_ROWS)
				usage_error("%s: grid too large: more than %llu rows", axes[i].spec,
				            (unsigned long long)MAX_ROWS);
		}
		for (int i = 0; i < naxes; i++) {
			HARNESS_CHECK(axes[i].count >= 1, "an axis of %lld points", (long long)axes[i].count);
			if (!axes[i].is_list)
				check_axis_order(&axes[i]);
		}
		if (rows <= MAX_WRITTEN) {
			write_grid();
			finish_output();
			size_t len;
			check_grid(harness_stdout_text(&len), rows);
		}
	} else {
		HARNESS_CHECK(harness_status == 2, "gridgen failed with exit status %d: %s",
		              harness_status, harness_message);
	}
	harness_disarm();
	for (size_t i = 0; i < n; i++)
		free(specs[i]);
	return 0;
}
