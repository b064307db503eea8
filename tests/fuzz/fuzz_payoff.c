/* fuzz_payoff: payoff's reading of a path stream (tools/payoff.c, compiled
 * in whole): simpaths' metadata, summary or whole-path columns, ranges,
 * antithetic pairs, as payoff learns the model and prices each row.
 *
 * Input: one byte choosing the payoff and its options (bits 0-3: a row of
 * `choices` below; bit 4: --control where the payoff's control needs no
 * mean; bit 5: --greeks; bit 6: --hex), then the stream. Oracles, besides
 * the sanitizers and the message rules of harness.h:
 *   - a failure exits 1 (the data), or 2 where the stream's model rules
 *     out the options (a barrier on the wrong side of s0, an Asian on one
 *     date, Greeks at sigma=0): the options themselves are valid;
 *   - on success the output is the input's metadata, payoff's own line,
 *     its header, and rows of as many finite numbers as header columns;
 *   - every price is >= 0 (payoffs are positive parts, digitals and
 *     rebates) except the floating lookbacks', whose summary columns
 *     payoff cannot check against each other. */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "tracked_stream.h"   /* close_open_stream */
#define main payoff_main
#include "../../tools/payoff.c"
#undef main
#undef stream_open
#undef stream_close

static const struct {
	const char *name, *barrier;
} choices[16] = {
	{ "call", NULL }, { "put", NULL }, { "digital-call", NULL }, { "digital-put", NULL },
	{ "asian-call-arith", NULL }, { "asian-put-arith", NULL }, { "asian-call-geo", NULL },
	{ "asian-put-geo", NULL }, { "up-and-out-call", "140" }, { "up-and-in-call", "140" },
	{ "down-and-out-put", "80" }, { "down-and-in-put", "80" }, { "lookback-call-float", NULL },
	{ "lookback-put-float", NULL }, { "call", NULL }, { "put", NULL },
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	progname = "payoff";
	harness_on_error = close_open_stream;
	harness_stdout_init();
	return 0;
}

/* The fields of a row or header. */
static size_t count_fields(const char *line)
{
	size_t n = 1;
	for (const char *p = line; *p; p++)
		n += *p == '\t';
	return n;
}

static void check_output(const char *out, bool lookback)
{
	char *copy = strdup(out), *save = NULL;
	bool own_meta = false, header = false;
	size_t columns = 0;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			own_meta |= strncmp(line, "# tool=payoff ", 14) == 0;
			continue;
		}
		if (!header) {
			HARNESS_CHECK(own_meta, "a header before payoff's metadata line");
			HARNESS_CHECK(strncmp(line, "price", 5) == 0, "header '%.100s'", line);
			columns = count_fields(line);
			header = true;
			continue;
		}
		HARNESS_CHECK(count_fields(line) == columns, "a row of %zu fields under %zu columns",
		              count_fields(line), columns);
		char *fsave = NULL;
		int k = 0;
		for (char *f = strtok_r(line, "\t", &fsave); f; f = strtok_r(NULL, "\t", &fsave), k++) {
			double v;
			HARNESS_CHECK(num_parse(f, strlen(f), &v) && isfinite(v), "field %d '%.60s'", k, f);
			if (k == 0 && !lookback)
				HARNESS_CHECK(v >= 0, "a negative price %.17g", v);
		}
	}
	HARNESS_CHECK(header, "no header in the output");
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	const char *name = choices[flags & 15].name, *barrier = choices[flags & 15].barrier;
	char *inputs[1] = { (char *)harness_file(0, data + 1, size - 1) };

	payoff_init(&payoff);
	hex_output = flags & 64;
	path_prices = NULL;
	out.len = 0;
	const char *chosen = "call";
	payoff_option(&payoff, 'p', name, &chosen);
	if (barrier)
		payoff_option(&payoff, PAYOFF_OPT_BARRIER, barrier, &chosen);
	/* the controls whose mean payoff knows: the terminal price's */
	bool terminal_control = !barrier && strncmp(name, "asian-", 6) != 0;
	if ((flags & 16) && terminal_control)
		payoff_option(&payoff, PAYOFF_OPT_CONTROL, NULL, &chosen);
	if (flags & 32)
		payoff_option(&payoff, PAYOFF_OPT_GREEKS, NULL, &chosen);
	payoff_options_done(&payoff, chosen);

	harness_stdout_reset();
	volatile bool ok = false;
	harness_arm();
	if (setjmp(harness_jump) == 0) {
		price_paths(1, inputs);
		outbuf_flush(&out);
		finish_output();
		ok = true;
	} else {
		HARNESS_CHECK(harness_status == 1 || harness_status == 2,
		              "payoff failed with exit status %d: %s",
		              harness_status, harness_message);
	}
	harness_disarm();
	size_t len;
	const char *text = harness_stdout_text(&len);
	if (ok)
		check_output(text, strncmp(name, "lookback-", 9) == 0);
	return 0;
}
