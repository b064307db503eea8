/* exercise: discounted cash flows of American options under a fitted rule.
 *
 * Reads the coefficients lsmfit(1) fitted on training paths, then a stream
 * of whole pricing paths (simpaths --emit path), and writes one row per
 * path: the intrinsic value at the first monitoring date where it is
 * positive and at least the fitted continuation value (at the last date,
 * whenever it is positive), discounted to time 0; 0 if never exercised.
 * The pricing paths are independent of the training paths, so the mean is
 * a low-biased estimate of the American price: unbiased for this exercise
 * rule, which is at best the optimal one. The output goes to aggregate(1)
 * like payoff(1)'s, so shards and partials work the same.
 *
 * The rule must belong to the paths: s0, r, q, sigma, T and steps of the
 * coefficient file must equal the stream's, or nothing is priced. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detmath.h"
#include "err.h"
#include "lsm.h"
#include "numtext.h"
#include "opts.h"
#include "outbuf.h"
#include "stream.h"
#include "xalloc.h"

#define MAX_DEGREE 8   /* as lsmfit's --basis */

/* The rule, from the coefficient file. */
static const char *coef_file;
static struct stream rule;   /* kept open for its metadata */
static bool is_call;
static double strike;
static int degree;
static long steps;
static double *coef;          /* degree+1 per date, dates 1..steps */
static uint64_t *itm;         /* 0: no training path was in the money, no exercise */

/* From the pricing stream, once its header is read. */
static double *discount;      /* e^{-r t_i}, i = 0..steps */

static bool hex_output;
static struct outbuf out;

static const char synopsis[] =
	"exercise -c coefficients [-p american-put|american-call] [-K strike] [-x]\n"
	"                [file ...]";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Discounted cash flow of each pricing path (simpaths --emit path) under the\n"
	       "exercise rule fitted by lsmfit: a low-biased American price estimate.\n\n"
	       "  -c, --coefficients FILE  lsmfit's output (required)\n"
	       "  -p, --payoff NAME        check that FILE was fitted for this payoff\n"
	       "  -K, --strike X           check that FILE was fitted for this strike\n"
	       "  -x, --hex                write C99 hex floats instead of decimal\n"
	       "  -h, --help               show this help\n"
	       "  -V, --version            show the version\n\n"
	       "s0, r, q, sigma, T and steps of FILE must equal the stream's.\n",
	       synopsis);
	finish_output();
	exit(0);
}

/* --- the coefficient file ---------------------------------------------------- */

static int rule_column(struct stream *s, const char *name)
{
	int column = stream_column(s, name);
	if (column < 0)
		data_error(stream_where(s), "no column '%s' in the coefficient table", name);
	return column;
}

/* The metadata that defines the rule: payoff, strike, basis, steps. */
static void learn_rule(struct stream *s)
{
	const char *payoff = stream_meta(s, "payoff");
	if (!payoff)
		data_error(stream_where(s), "metadata has no payoff= (was the file written by lsmfit?)");
	if (strcmp(payoff, "american-put") == 0)
		is_call = false;
	else if (strcmp(payoff, "american-call") == 0)
		is_call = true;
	else
		data_error(stream_where(s), "payoff=%.40s: not american-put or american-call", payoff);
	strike = stream_meta_double(s, "strike");
	if (!(strike > 0))
		data_error(stream_where(s), "strike=%s: not positive", stream_meta(s, "strike"));
	double basis = stream_meta_double(s, "basis");
	if (!(basis >= 1 && basis <= MAX_DEGREE && basis == floor(basis)))
		data_error(stream_where(s), "basis=%s: not an integer from 1 to %d",
		           stream_meta(s, "basis"), MAX_DEGREE);
	degree = (int)basis;
	double steps_value = stream_meta_double(s, "steps");
	if (!(steps_value >= 1 && steps_value <= 1e6 && steps_value == floor(steps_value)))
		data_error(stream_where(s), "steps=%s: not a positive integer", stream_meta(s, "steps"));
	steps = (long)steps_value;
	coef = xreallocarray(NULL, (size_t)steps * (size_t)(degree + 1), sizeof *coef);
	itm = xreallocarray(NULL, (size_t)steps, sizeof *itm);
}

static void load_rule(const char *file)
{
	static char *inputs[1];
	int col_date = -1, col_t = -1, col_itm = -1, col_c[MAX_DEGREE + 1];
	long dates = 0;

	inputs[0] = (char *)file;
	stream_open(&rule, 1, inputs);
	for (enum record r; (r = stream_next(&rule)) != RECORD_END;) {
		if (r == RECORD_META)
			continue;
		if (dates == 0) {
			learn_rule(&rule);
			col_date = rule_column(&rule, "date");
			col_t = rule_column(&rule, "t");
			col_itm = rule_column(&rule, "itm");
			for (int j = 0; j <= degree; j++) {
				char name[16];
				snprintf(name, sizeof name, "c%d", j);
				col_c[j] = rule_column(&rule, name);
			}
			if (rule.ncolumns != degree + 4)
				data_error(stream_where(&rule), "%d columns, but basis=%d wants "
				           "date, t, itm, c0..c%d", rule.ncolumns, degree, degree);
		}
		const char *text = rule.fields[col_date];
		uint64_t date;
		if (!num_parse_u64(text, strlen(text), &date) || date != (uint64_t)dates + 1)
			data_error(stream_where(&rule), "date '%.40s': expected %ld (dates 1..%ld in order)",
			           text, dates + 1, steps);
		if (dates == steps)
			data_error(stream_where(&rule), "more dates than steps=%ld", steps);
		stream_field_double(&rule, col_t);   /* a number; the date index is what counts */
		text = rule.fields[col_itm];
		if (!num_parse_u64(text, strlen(text), &itm[dates]))
			data_error(stream_where(&rule), "itm '%.40s': not a path count", text);
		for (int j = 0; j <= degree; j++)
			coef[(size_t)dates * (size_t)(degree + 1) + (size_t)j] =
				stream_field_double(&rule, col_c[j]);
		dates++;
	}
	if (dates == 0)
		data_error(file, "no coefficient table (was the file written by lsmfit?)");
	if (dates != steps)
		data_error(file, "%ld dates, but steps=%ld", dates, steps);
}

/* --- the pricing paths --------------------------------------------------------- */

/* The stream's model must be the rule's: the same numbers, bit for bit. */
static void check_model(struct stream *in)
{
	static const char *const numbers[] = { "s0", "r", "q", "sigma", "T", "steps" };

	const char *model = stream_meta(in, "model"), *fitted = stream_meta(&rule, "model");
	if (model && fitted && strcmp(model, fitted) != 0)
		data_error(stream_where(in), "model=%.40s, but %s was fitted for model=%.40s",
		           model, coef_file, fitted);
	for (size_t k = 0; k < sizeof numbers / sizeof numbers[0]; k++) {
		const char *key = numbers[k];
		double here = stream_meta_double(in, key);
		const char *there_text = stream_meta(&rule, key);
		double there;
		if (!there_text || !num_parse(there_text, strlen(there_text), &there))
			data_error(coef_file, "metadata has no valid %s= (was the file written by lsmfit?)",
			           key);
		if (here != there)
			data_error(stream_where(in), "%s=%s, but %s was fitted for %s=%s", key,
			           stream_meta(in, key), coef_file, key, there_text);
	}
}

/* Once the header is read: the checks, the layout, our own header. */
static int start(struct stream *in, bool *antithetic)
{
	const char *kind = stream_meta(in, "stream");
	if (kind && strcmp(kind, "training") == 0)
		data_error(stream_where(in), "these are training paths (stream=training): price "
		           "independent paths (simpaths without --training)");
	check_model(in);
	double rate = stream_meta_double(in, "r"), maturity = stream_meta_double(in, "T");
	discount = xreallocarray(NULL, (size_t)steps + 1, sizeof *discount);
	for (long i = 0; i <= steps; i++)
		discount[i] = det_exp(-rate * (maturity * (double)i / (double)steps));
	const char *a = stream_meta(in, "antithetic");
	*antithetic = a && strcmp(a, "1") == 0;

	int first = stream_path_columns(in, steps);
	if (first < 0)
		data_error(stream_where(in), "exercise needs whole paths: no column S1 "
		           "(simpaths --emit path)");

	char line[512], text[NUM_TEXT_MAX];
	num_format(text, strike);
	const char *seed = stream_meta(&rule, "seed"), *paths = stream_meta(&rule, "paths");
	snprintf(line, sizeof line, "# tool=exercise payoff=%s strike=%s basis=%d%s%.40s%s%.40s bias=low\nprice\n",
	         is_call ? "american-call" : "american-put", text, degree,
	         seed ? " training_seed=" : "", seed ? seed : "",
	         paths ? " training_paths=" : "", paths ? paths : "");
	outbuf_put(&out, line, strlen(line));
	return first;
}

/* The discounted cash flow of the current row under the rule. Every price
 * of the path is read (and checked), also after the exercise date. */
static double cash_flow(struct stream *in, int first)
{
	double value = 0;
	bool done = false;

	for (long i = 1; i <= steps; i++) {
		double s = stream_field_price(in, first + (int)(i - 1));
		double h = lsm_intrinsic(is_call, strike, s);
		if (done || !(h > 0))
			continue;
		const double *c = coef + (size_t)(i - 1) * (size_t)(degree + 1);
		if (i < steps && (itm[i - 1] == 0 || h < lsm_continuation(c, degree, s / strike)))
			continue;
		value = h * discount[i];
		done = true;
	}
	return value;
}

static void price_paths(int ninputs, char **inputs)
{
	struct stream in;
	bool started = false, antithetic = false, half_pair = false;
	double first_of_pair = 0;
	int first = -1;

	stream_open(&in, ninputs, inputs);
	for (enum record r; (r = stream_next(&in)) != RECORD_END;) {
		if (!started && in.ncolumns > 0) {   /* the header has been read */
			first = start(&in, &antithetic);
			started = true;
		}
		if (r == RECORD_META) {
			if (half_pair && in.range_opened)
				data_error(stream_where(&in), "antithetic pair cut off by a new range");
			outbuf_put(&out, in.line, in.line_len);
			outbuf_put(&out, "\n", 1);
			continue;
		}
		double value = cash_flow(&in, first);
		if (!antithetic) {
			outbuf_put_number(&out, value, hex_output, '\n');
		} else if (!half_pair) {
			first_of_pair = value;
			half_pair = true;
		} else {
			outbuf_put_number(&out, 0.5 * (first_of_pair + value), hex_output, '\n');
			half_pair = false;
		}
	}
	if (!started && in.ncolumns > 0)   /* a header and no rows: no prices */
		start(&in, &antithetic);
	else if (!started)
		data_error(in.name ? in.name : "stdin", "no header: empty input?");
	if (half_pair)
		data_error(stream_where(&in), "antithetic stream ends inside a pair");
	stream_close(&in);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "coefficients", required_argument, NULL, 'c' },
		{ "payoff", required_argument, NULL, 'p' },
		{ "strike", required_argument, NULL, 'K' },
		{ "hex", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *payoff_name = NULL, *strike_text = NULL;
	double strike_wanted = 0;
	int c;

	tool_init("exercise", argv);
	while ((c = getopt_long(argc, argv, "c:p:K:xhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': coef_file = optarg; break;
		case 'p':
			if (strcmp(optarg, "american-put") != 0 && strcmp(optarg, "american-call") != 0)
				usage_error("--payoff: '%s' is not american-put or american-call", optarg);
			payoff_name = optarg;
			break;
		case 'K':
			strike_wanted = opt_positive("--strike", optarg);
			strike_text = optarg;
			break;
		case 'x': hex_output = true; break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (!coef_file)
		usage_error("--coefficients is required (lsmfit's output)");

	load_rule(coef_file);
	if (payoff_name && strcmp(payoff_name, stream_meta(&rule, "payoff")) != 0)
		data_error(coef_file, "fitted for payoff=%s, not --payoff %s",
		           stream_meta(&rule, "payoff"), payoff_name);
	if (strike_text && strike_wanted != strike)
		data_error(coef_file, "fitted for strike=%s, not --strike %s",
		           stream_meta(&rule, "strike"), strike_text);
	price_paths(argc - optind, argv + optind);
	outbuf_flush(&out);
	stream_close(&rule);
	free(coef);
	free(itm);
	free(discount);
	finish_output();
	return 0;
}
