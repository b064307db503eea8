/* fuzz_stream: the stream reader (tools/lib/stream.c): lines, metadata,
 * headers, rows, over one to three input files.
 *
 * Input: one flags byte, then the files' contents separated by '\f'.
 * Flags bit 0: strict, as aggregate and payoff read (every field of every
 * row through stream_field_double, which fails on a non-number); else
 * lenient (fields checked with num_parse only, so that the reader's own
 * logic is explored past the first text field). At the end, a few
 * metadata keys go through stream_meta_double.
 *
 * Oracles, besides the sanitizers and the message rules of harness.h:
 *   - a row has exactly ncolumns fields, none empty, none holding a TAB,
 *     a space, a newline or a NUL;
 *   - the header's column names are distinct and none is a number;
 *   - a metadata record's line starts with '#'; a range it opens has a
 *     first and a count that read back from its text;
 *   - stream_meta returns the value last given for a key. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "harness.h"
#include "numtext.h"
#include "stream.h"

static struct stream in;
static bool in_open;

static void check_row(void)
{
	HARNESS_CHECK(in.nfields == in.ncolumns, "a row of %d fields under %d columns",
	              in.nfields, in.ncolumns);
	for (int i = 0; i < in.nfields; i++) {
		const char *f = in.fields[i];
		HARNESS_CHECK(*f != '\0', "an empty field %d", i);
		HARNESS_CHECK(strpbrk(f, "\t \n") == NULL, "field %d holds a separator", i);
	}
}

static void check_header(void)
{
	HARNESS_CHECK(in.ncolumns > 0 && in.header_text != NULL, "no header after a row");
	for (int i = 0; i < in.ncolumns; i++) {
		double ignored;
		HARNESS_CHECK(!num_parse(in.columns[i], strlen(in.columns[i]), &ignored),
		              "column %d is a number: '%.40s'", i, in.columns[i]);
		HARNESS_CHECK(stream_column(&in, in.columns[i]) == i,
		              "column '%.40s' is not found at %d", in.columns[i], i);
	}
}

static void check_meta(void)
{
	HARNESS_CHECK(in.line[0] == '#', "a metadata record not starting with '#'");
	HARNESS_CHECK(strlen(in.line) == in.line_len, "line_len %zu for a %zu-byte line",
	              in.line_len, strlen(in.line));
	if (in.range_opened) {
		const char *first = stream_meta(&in, "first"), *count = stream_meta(&in, "count");
		uint64_t f, c;
		HARNESS_CHECK(first && count, "a range without first= and count= in the metadata");
		HARNESS_CHECK(num_parse_u64(first, strlen(first), &f) && f == in.range_first,
		              "range_first %llu, metadata first=%.40s",
		              (unsigned long long)in.range_first, first);
		HARNESS_CHECK(num_parse_u64(count, strlen(count), &c) && c == in.range_count,
		              "range_count %llu, metadata count=%.40s",
		              (unsigned long long)in.range_count, count);
	}
	for (int i = 0; i < in.nmeta; i++)
		HARNESS_CHECK(stream_meta(&in, in.meta[i].key) == in.meta[i].value,
		              "stream_meta(%.40s) is not the entry's value", in.meta[i].key);
}

/* Frees the stream before an error longjmps out of it. */
static void close_stream(void)
{
	if (in_open)
		stream_close(&in);
	in_open = false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	progname = "stream";
	harness_on_error = close_stream;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool strict = data[0] & 1;
	const uint8_t *piece[3];
	size_t piece_size[3];
	size_t n = harness_split(data + 1, size - 1, '\f', 3, piece, piece_size);
	char *names[3];
	for (size_t i = 0; i < n; i++)
		names[i] = (char *)harness_file((int)i, piece[i], piece_size[i]);

	harness_arm();
	if (setjmp(harness_jump) == 0) {
		stream_open(&in, (int)n, names);
		in_open = true;
		for (enum record r; (r = stream_next(&in)) != RECORD_END;) {
			if (r == RECORD_META) {
				check_meta();
				continue;
			}
			check_header();
			check_row();
			for (int i = 0; i < in.nfields; i++) {
				double value;
				if (strict) {
					value = stream_field_double(&in, i);
					HARNESS_CHECK(isfinite(value), "a non-finite field");
				} else if (num_parse(in.fields[i], strlen(in.fields[i]), &value)) {
					HARNESS_CHECK(stream_field_double(&in, i) == value,
					              "stream_field_double disagrees with num_parse");
				}
			}
		}
		static const char *const keys[] = { "r", "T", "s0", "steps", "paths" };
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
			if (stream_meta(&in, keys[k]))
				HARNESS_CHECK(isfinite(stream_meta_double(&in, keys[k])), "non-finite %s",
				              keys[k]);
		HARNESS_CHECK(meta_key_is_identity("sigma") && !meta_key_is_identity("first"),
		              "meta_key_is_identity");
	} else {
		HARNESS_CHECK(harness_status == 1, "a stream error with exit status %d", harness_status);
	}
	harness_disarm();
	close_stream();
	return 0;
}
