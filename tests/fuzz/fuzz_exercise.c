/* fuzz_exercise: exercise's reading of a whole-path stream (tools/exercise.c,
 * compiled in whole) under a fixed exercise rule: the rule's model check
 * against the stream's metadata, ranges, antithetic pairs, the prices of
 * every row, and with --upper the dual's inner paths.
 *
 * Input: one byte of options (bit 0: --hex; bit 1: --upper 3, the bound
 * from 3 inner paths a date), then the stream. The rule is
 * tests/fixtures/american/rule.tsv (a put, K = 100, 4 dates, gbm s0=100
 * r=0 q=0 sigma=0.2 T=1), read once; the fuzzer and the replay run from
 * the checkout's top. Oracles, besides the sanitizers and the message
 * rules of harness.h:
 *   - a failure exits 1: the options and the rule are valid, so only the
 *     data can be wrong;
 *   - on success the output is the input's metadata, exercise's own line,
 *     the header (price, or upper), and one finite number a row;
 *   - a price (a put's discounted cash flow) lies in [0, K]. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "tracked_stream.h"   /* close_open_stream */
#define main exercise_main
#include "../../tools/exercise.c"
#undef main
#undef stream_open
#undef stream_close

#define RULE_FILE "tests/fixtures/american/rule.tsv"
#define STRIKE 100.0

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	progname = "exercise";
	harness_on_error = close_open_stream;
	harness_stdout_init();
	coef_file = RULE_FILE;
	rule_load(&rule, coef_file);
	prices = xreallocarray(NULL, (size_t)rule.steps, sizeof *prices);
	return 0;
}

static void check_output(const char *out, bool upper)
{
	char *copy = strdup(out), *save = NULL;
	bool own_meta = false, header = false;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			own_meta |= strstr(line, "tool=lsmfit") != NULL || strstr(line, "payoff=") != NULL;
			continue;
		}
		if (!header) {
			HARNESS_CHECK(own_meta, "a header before exercise's metadata line");
			HARNESS_CHECK(strcmp(line, upper ? "upper" : "price") == 0, "header '%.100s'", line);
			header = true;
			continue;
		}
		double v;
		HARNESS_CHECK(strchr(line, '\t') == NULL, "a row of more than one field '%.60s'", line);
		HARNESS_CHECK(num_parse(line, strlen(line), &v) && isfinite(v), "row '%.60s'", line);
		if (!upper)
			HARNESS_CHECK(v >= 0 && v <= STRIKE, "a put's cash flow %.17g outside [0, K]", v);
	}
	HARNESS_CHECK(header, "no header in the output");
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	char *inputs[1] = { (char *)harness_file(0, data + 1, size - 1) };

	hex_output = flags & 1;
	inner = flags & 2 ? 3 : 0;
	out.len = 0;

	harness_stdout_reset();
	volatile bool ok = false;
	harness_arm();
	if (setjmp(harness_jump) == 0) {
		price_paths(1, inputs);
		outbuf_flush(&out);
		finish_output();
		ok = true;
	} else {
		HARNESS_CHECK(harness_status == 1, "exercise failed with exit status %d: %s",
		              harness_status, harness_message);
	}
	harness_disarm();
	if (dual.forward_discount) {   /* --upper's dual_init ran */
		dual_free(&dual);
		dual.forward_discount = NULL;
	}
	size_t len;
	const char *text = harness_stdout_text(&len);
	if (ok)
		check_output(text, inner > 0);
	return 0;
}
