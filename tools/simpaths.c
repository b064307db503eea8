/* simpaths: simulate geometric Brownian motion paths.
 *
 * Exact log-normal steps on the monitoring dates t_i = i*T/steps:
 *     x_i = x_{i-1} + (r - q - sigma^2/2) dt + sigma sqrt(dt) z_i,   S_i = S0 e^{x_i}
 * with z_i drawn from Philox4x32-10 keyed by the seed, counter holding the
 * path index (rng.h), so path i is the same path in any shard. Every path
 * takes the same operations in the same order, with our own exp/log
 * (detmath.h), so its bits do not depend on the CPU or the vector lane. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detmath.h"
#include "err.h"
#include "numtext.h"
#include "opts.h"
#include "outbuf.h"
#include "rng.h"
#include "stream.h"

#define MAX_STEPS 100000
#define MAX_INDEX (UINT64_C(1) << 63)

enum emit { EMIT_TERMINAL, EMIT_SUMMARY, EMIT_PATH };
static const char *const emit_names[] = { "terminal", "summary", "path" };

/* The model, as given on the command line. */
static double s0 = 100, rate = 0.05, yield = 0, sigma = 0.2, maturity = 1;
static long steps = 1;
static enum emit emit = EMIT_TERMINAL;
static bool hex_output, antithetic;

/* Derived once per run: the same for every path. */
static double drift_per_step, vol_per_step;

static struct outbuf out;
static uint64_t current_path;   /* for the overflow message */

static const char synopsis[] =
	"simpaths [--s0 x] [-r rate] [-q yield] [--sigma x] [-T maturity] [--steps n]\n"
	"                [-e terminal|summary|path] [-x] [--antithetic]\n"
	"                [--first i --count n [--paths n] [--seed x] | [file ...]]";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Simulate geometric Brownian motion paths, one row per path.\n"
	       "Reads shard rows (shard first count seed) from genseeds, or one range\n"
	       "given by --first/--count.\n\n"
	       "  --s0 X            initial price (default 100)\n"
	       "  -r, --rate X      risk-free rate, continuous (default 0.05)\n"
	       "  -q, --yield X     dividend yield, continuous (default 0)\n"
	       "  --sigma X         volatility (default 0.2)\n"
	       "  -T, --maturity X  maturity in years (default 1)\n"
	       "  --steps N         monitoring dates t_i = i*T/N (default 1)\n"
	       "  -e, --emit MODE   terminal: S_T only; summary: S_T, arithmetic and\n"
	       "                    geometric mean, max, min over the dates; path: S_1..S_N\n"
	       "  -x, --hex         write C99 hex floats (exact, fast) instead of decimal\n"
	       "  --antithetic      two rows per path: the path and its mirror (-z)\n"
	       "  --first I         first path index of a single range (default 0)\n"
	       "  --count N         number of paths of a single range\n"
	       "  --paths N         total paths of the run (default first+count)\n"
	       "  --seed X          64-bit seed for a single range (default 1)\n"
	       "  -h, --help        show this help\n"
	       "  -V, --version     show the version\n",
	       synopsis);
	finish_output();
	exit(0);
}

static void put_number(double value, char separator)
{
	/* NaN and infinities are errors in a stream: an overflowed price
	 * (huge --s0, --rate or --sigma) must not pass as a number. */
	if (!isfinite(value))
		fatal("path %llu: a simulated price overflows a double "
		      "(--s0, --rate or --sigma too large?)", (unsigned long long)current_path);
	char *p = outbuf_reserve(&out, NUM_TEXT_MAX + 1);
	size_t len = hex_output ? num_format_hex(p, value)
	                        : (size_t)snprintf(p, NUM_TEXT_MAX, "%.17g", value);
	p[len] = separator;
	out.len += len + 1;
}

static void put_text(const char *text)
{
	outbuf_put(&out, text, strlen(text));
}

/* One path: `mirror` negates every normal draw (the antithetic path). */
static void simulate_path(uint64_t seed, uint64_t path, bool mirror)
{
	uint64_t words[2] = { 0, 0 };
	double x = 0, sum_s = 0, sum_x = 0, s = s0;
	double max_s = -HUGE_VAL, min_s = HUGE_VAL;

	for (long i = 0; i < steps; i++) {
		if (i % 2 == 0)
			rng_block(seed, RNG_PRICING, path, (uint32_t)(i / 2), words);
		double z = det_normal_quantile(det_u01(words[i % 2]));
		if (mirror)
			z = -z;
		x = x + (drift_per_step + vol_per_step * z);
		if (emit == EMIT_TERMINAL)
			continue;
		s = s0 * det_exp(x);
		if (emit == EMIT_PATH) {
			put_number(s, i + 1 == steps ? '\n' : '\t');
			continue;
		}
		sum_s = sum_s + s;
		sum_x = sum_x + x;
		max_s = s > max_s ? s : max_s;
		min_s = s < min_s ? s : min_s;
	}
	if (emit == EMIT_TERMINAL) {
		put_number(s0 * det_exp(x), '\n');
	} else if (emit == EMIT_SUMMARY) {
		put_number(s, '\t');
		put_number(sum_s / (double)steps, '\t');
		put_number(s0 * det_exp(sum_x / (double)steps), '\t');
		put_number(max_s, '\t');
		put_number(min_s, '\n');
	}
}

static void simulate_range(uint64_t shard, uint64_t first, uint64_t count, uint64_t seed)
{
	char line[160];

	snprintf(line, sizeof line, "# shard=%llu first=%llu count=%llu seed=%llu\n",
	         (unsigned long long)shard, (unsigned long long)first,
	         (unsigned long long)count, (unsigned long long)seed);
	put_text(line);
	for (uint64_t path = first; path < first + count; path++) {
		current_path = path;
		simulate_path(seed, path, false);
		if (antithetic)
			simulate_path(seed, path, true);
	}
}

static void put_meta_number(const char *key, double value)
{
	char text[NUM_TEXT_MAX];
	num_format(text, value);
	put_text(" ");
	put_text(key);
	put_text("=");
	put_text(text);
}

static void put_header(uint64_t paths, uint64_t seed)
{
	char line[160];

	put_text("# tool=simpaths model=gbm");
	put_meta_number("s0", s0);
	put_meta_number("r", rate);
	put_meta_number("q", yield);
	put_meta_number("sigma", sigma);
	put_meta_number("T", maturity);
	snprintf(line, sizeof line, " steps=%ld seed=%llu paths=%llu emit=%s antithetic=%d\n",
	         steps, (unsigned long long)seed, (unsigned long long)paths,
	         emit_names[emit], antithetic);
	put_text(line);
	if (emit == EMIT_TERMINAL) {
		put_text("ST\n");
	} else if (emit == EMIT_SUMMARY) {
		put_text("ST\tavg\tgeo\tmax\tmin\n");
	} else {
		for (long i = 1; i <= steps; i++) {
			snprintf(line, sizeof line, "S%ld%c", i, i == steps ? '\n' : '\t');
			put_text(line);
		}
	}
}

static uint64_t shard_field(struct stream *in, int column, const char *name)
{
	const char *text = in->fields[column];
	uint64_t value;

	if (!num_parse_u64(text, strlen(text), &value) || value > MAX_INDEX)
		data_error(stream_where(in), "invalid %s '%.40s'", name, text);
	return value;
}

/* Shard rows from genseeds: their metadata passes through, then one range each. */
static void simulate_shards(int ninputs, char **inputs)
{
	struct stream in;
	bool header_written = false;
	uint64_t paths = 0, run_seed = 0;
	int col_shard = -1, col_first = -1, col_count = -1, col_seed = -1;

	stream_open(&in, ninputs, inputs);
	for (enum record r; (r = stream_next(&in)) != RECORD_END;) {
		if (r == RECORD_META) {
			put_text(in.line);
			put_text("\n");
			continue;
		}
		if (!header_written) {
			col_shard = stream_column(&in, "shard");
			col_first = stream_column(&in, "first");
			col_count = stream_column(&in, "count");
			col_seed = stream_column(&in, "seed");
			if (col_shard < 0 || col_first < 0 || col_count < 0 || col_seed < 0)
				data_error(stream_where(&in),
				           "expected shard rows with columns shard, first, count, seed");
			const char *paths_text = stream_meta(&in, "paths");
			if (!paths_text || !num_parse_u64(paths_text, strlen(paths_text), &paths) ||
			    paths == 0 || paths > MAX_INDEX)
				data_error(stream_where(&in), "shard rows need metadata paths=N (from genseeds)");
		}
		uint64_t shard = shard_field(&in, col_shard, "shard");
		uint64_t first = shard_field(&in, col_first, "first");
		uint64_t count = shard_field(&in, col_count, "count");
		uint64_t seed;
		const char *seed_text = in.fields[col_seed];
		if (!num_parse_u64(seed_text, strlen(seed_text), &seed))
			data_error(stream_where(&in), "invalid seed '%.40s'", seed_text);
		if (count == 0)
			data_error(stream_where(&in), "shard %llu has no paths", (unsigned long long)shard);
		if (first > paths || count > paths - first)
			data_error(stream_where(&in), "shard %llu (paths %llu..%llu) lies beyond paths=%llu",
			           (unsigned long long)shard, (unsigned long long)first,
			           (unsigned long long)(first + count - 1), (unsigned long long)paths);
		/* One run, one seed: shards of different seeds would mix two runs
		 * under contradictory seed= metadata. */
		if (!header_written) {
			const char *meta_seed = stream_meta(&in, "seed");
			uint64_t value;
			if (meta_seed && (!num_parse_u64(meta_seed, strlen(meta_seed), &value) ||
			                  value != seed))
				data_error(stream_where(&in), "shard %llu has seed %llu, but the metadata says seed=%.40s",
				           (unsigned long long)shard, (unsigned long long)seed, meta_seed);
			run_seed = seed;
		} else if (seed != run_seed) {
			data_error(stream_where(&in), "shard %llu has seed %llu, but earlier shards have seed %llu",
			           (unsigned long long)shard, (unsigned long long)seed,
			           (unsigned long long)run_seed);
		}
		if (!header_written) {
			put_header(paths, seed);
			header_written = true;
		}
		simulate_range(shard, first, count, seed);
	}
	if (!header_written)
		data_error(in.name ? in.name : "stdin", "no shard rows in input");
	stream_close(&in);
}

int main(int argc, char **argv)
{
	enum { OPT_S0 = 256, OPT_SIGMA, OPT_STEPS, OPT_FIRST, OPT_COUNT, OPT_PATHS,
	       OPT_SEED, OPT_ANTITHETIC };
	static const struct option longopts[] = {
		{ "s0", required_argument, NULL, OPT_S0 },
		{ "rate", required_argument, NULL, 'r' },
		{ "yield", required_argument, NULL, 'q' },
		{ "sigma", required_argument, NULL, OPT_SIGMA },
		{ "maturity", required_argument, NULL, 'T' },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "emit", required_argument, NULL, 'e' },
		{ "hex", no_argument, NULL, 'x' },
		{ "antithetic", no_argument, NULL, OPT_ANTITHETIC },
		{ "first", required_argument, NULL, OPT_FIRST },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "paths", required_argument, NULL, OPT_PATHS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t first = 0, count = 0, paths = 0, seed = 1;
	bool single_range = false, seed_given = false;
	int c;

	tool_init("simpaths", argv);
	while ((c = getopt_long(argc, argv, "r:q:T:e:xhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_S0: s0 = opt_positive("--s0", optarg); break;
		case 'r': rate = opt_double("--rate", optarg); break;
		case 'q': yield = opt_double("--yield", optarg); break;
		case OPT_SIGMA: sigma = opt_nonneg("--sigma", optarg); break;
		case 'T': maturity = opt_positive("--maturity", optarg); break;
		case OPT_STEPS: steps = (long)opt_int("--steps", optarg, 1, MAX_STEPS); break;
		case 'e':
			for (emit = 0; emit < 3 && strcmp(optarg, emit_names[emit]) != 0; emit++)
				;
			if (emit == 3)
				usage_error("--emit: unknown mode '%s' (terminal, summary or path)", optarg);
			break;
		case 'x': hex_output = true; break;
		case OPT_ANTITHETIC: antithetic = true; break;
		case OPT_FIRST:
			first = (uint64_t)opt_int("--first", optarg, 0, INT64_MAX);
			single_range = true;
			break;
		case OPT_COUNT:
			count = (uint64_t)opt_int("--count", optarg, 1, INT64_MAX);
			single_range = true;
			break;
		case OPT_PATHS: paths = (uint64_t)opt_int("--paths", optarg, 1, INT64_MAX); break;
		case OPT_SEED:
			seed = opt_seed("--seed", optarg);
			seed_given = true;
			break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (single_range && count == 0)
		usage_error("--first needs --count");
	if (single_range && optind != argc)
		usage_error("--first/--count replace shard input: unexpected file '%s'", argv[optind]);
	if (paths && !single_range)
		usage_error("--paths goes with --first/--count; shard rows carry their own");
	if (seed_given && !single_range)
		usage_error("--seed goes with --first/--count; shard rows carry their own");
	if (single_range && paths == 0)
		paths = first + count;
	if (single_range && (first > paths || count > paths - first))
		usage_error("--first/--count: paths %llu..%llu lie beyond --paths %llu",
		            (unsigned long long)first, (unsigned long long)(first + count - 1),
		            (unsigned long long)paths);

	double dt = maturity / (double)steps;
	drift_per_step = (rate - yield - 0.5 * sigma * sigma) * dt;
	vol_per_step = sigma * sqrt(dt);
	if (!isfinite(drift_per_step) || !isfinite(vol_per_step))
		usage_error("the model parameters overflow (drift or volatility per step is not finite)");

	if (single_range) {
		put_header(paths, seed);
		simulate_range(0, first, count, seed);
	} else {
		simulate_shards(argc - optind, argv + optind);
	}
	outbuf_flush(&out);
	finish_output();
	return 0;
}
