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
static uint32_t path_stream = RNG_PRICING;   /* --training: RNG_TRAINING (lsmfit's paths) */

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
	       "  --training        draw from the seed's training stream, not its pricing\n"
	       "                    stream (lsmfit's paths; metadata stream=training)\n"
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

/* Paths are simulated a block at a time, each quantity of the block held in
 * a flat array indexed [step][lane], so that each stage below is a plain
 * loop over independent elements that the compiler vectorises (Philox, the
 * uniform, the normal quantile, exp). Every lane takes the same operations
 * in the same order as a one-path-at-a-time loop would, so a path's bits do
 * not depend on its lane, its block or the vector width (DESIGN.md); lanes
 * past the end of a range are computed and never written.
 * Steps go CHUNK at a time, so the arrays stay in the L1 cache; only path
 * mode keeps every step's price, to write the rows in path order. A block
 * is LANES paths, or more when there are fewer than CHUNK steps, so that
 * each loop runs over about CHUNK * LANES numbers.
 * With --antithetic a block of `width` paths has 2*width virtual lanes:
 * lane l is path first+l, lane width+l its mirror, drawn from the same
 * normals negated. */
#define LANES 16          /* paths per block, at least */
#define CHUNK 32          /* steps per chunk: even, so Philox blocks align */
#define BLOCK_MAX (2 * CHUNK * LANES)  /* numbers per array */

static long chunk_steps;  /* steps per chunk: CHUNK, or fewer if steps are */
static int width;         /* paths per block: LANES * max(1, CHUNK / steps) */
/* Philox output: the random word of step i, path l is hi << 32 | lo */
static uint32_t bits_lo[BLOCK_MAX], bits_hi[BLOCK_MAX];
static double normal[BLOCK_MAX];               /* z */
static double distance[BLOCK_MAX];             /* |u - 1/2| */
/* the draws outside AS241's central region: their words, where they go in
 * normal, and then their z */
static uint32_t tail_lo[BLOCK_MAX], tail_hi[BLOCK_MAX];
static int tail_at[BLOCK_MAX];
static double tail_z[BLOCK_MAX];
static double logprice[BLOCK_MAX];             /* x: [step][virtual lane] */
static double *price;     /* S: [chunk_steps][virtual lane]; path mode [steps][...] */
/* per virtual lane of blocks wider than LANES: see simulate_width */
static double lane_state[7 * BLOCK_MAX];

static void *alloc_array(size_t count, size_t size)
{
	void *p = calloc(count, size);
	if (!p)
		fatal("out of memory");
	return p;
}

static void alloc_block(void)
{
	chunk_steps = steps < CHUNK ? steps : CHUNK;
	width = LANES * (steps < CHUNK ? (int)(CHUNK / steps) : 1);
	int vlanes = antithetic ? 2 * width : width;
	price = alloc_array((size_t)(emit == EMIT_PATH ? steps : chunk_steps) * (size_t)vlanes,
	                    sizeof *price);
}

/* inlined into each clone of simulate_block, to be compiled for its target */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* Philox output blocks block0 .. block0+nblocks-1 of the paths first ..
 * first+w-1: block b holds the words of steps 2b and 2b+1 (rng.h's
 * rng_block, for w paths at once). */
ALWAYS_INLINE static void draw_bits(uint64_t seed, uint64_t first, int w, uint32_t block0,
                                    long nblocks)
{
	const philox4x32_key_t key = { { (uint32_t)seed, (uint32_t)(seed >> 32) } };

	for (long b = 0; b < nblocks; b++) {
		uint32_t *lo0 = bits_lo + 2 * b * w, *hi0 = bits_hi + 2 * b * w;
		uint32_t *lo1 = lo0 + w, *hi1 = hi0 + w;
		for (int l = 0; l < w; l++) {
			uint64_t path = first + (uint64_t)l;
			philox4x32_ctr_t ctr = { { block0 + (uint32_t)b, path_stream,
			                           (uint32_t)path, (uint32_t)(path >> 32) } };
			philox4x32_ctr_t r = philox4x32_R(10, ctr, key);
			lo0[l] = r.v[0];
			hi0[l] = r.v[1];
			lo1[l] = r.v[2];
			hi1[l] = r.v[3];
		}
	}
}


/* z for the first len Philox words: the central region for every one, then
 * det_normal_quantile for the tails, gathered. */
ALWAYS_INLINE static void draw_normals(int len)
{
	int m = 0;

	for (int k = 0; k < len; k++)
		normal[k] = det_normal_quantile_central(det_u01((uint64_t)bits_hi[k] << 32 | bits_lo[k]),
		                             &distance[k]);
	for (int k = 0; k < len; k++) {   /* where the tails are */
		tail_at[m] = k;
		m += !(distance[k] <= 0.425);   /* as det_normal_quantile decides */
	}
	for (int j = 0; j < m; j++) {
		int k = tail_at[j];
		tail_lo[j] = bits_lo[k];
		tail_hi[j] = bits_hi[k];
	}
	for (int j = 0; j < m; j++)
		tail_z[j] = det_normal_quantile(det_u01((uint64_t)tail_hi[j] << 32 | tail_lo[j]));
	for (int j = 0; j < m; j++)
		normal[tail_at[j]] = tail_z[j];
}

/* One block: w paths from `first`, of which the first `valid` are written.
 * st holds 7 arrays, `stride` apart, of a number per virtual lane: the
 * log-price, the running sums and extremes, and the row's S_T and geometric
 * mean. Inlined twice below: for w = LANES with st on the stack, where the
 * compiler keeps it in registers, and for wider blocks. */
ALWAYS_INLINE static void simulate_width(uint64_t seed, uint64_t first, int valid, int w,
                                         double *st, int stride)
{
	const int nv = antithetic ? 2 * w : w;
	double *x_now = st, *sum_s = st + stride, *sum_x = st + 2 * stride;
	double *max_s = st + 3 * stride, *min_s = st + 4 * stride;
	double *last_s = st + 5 * stride, *geo_s = st + 6 * stride;

	for (int v = 0; v < nv; v++) {
		x_now[v] = sum_s[v] = sum_x[v] = 0;
		max_s[v] = -HUGE_VAL;
		min_s[v] = HUGE_VAL;
	}
	for (long i0 = 0; i0 < steps; i0 += chunk_steps) {
		long n = steps - i0 < chunk_steps ? steps - i0 : chunk_steps;
		draw_bits(seed, first, w, (uint32_t)(i0 / 2), (n + 1) / 2);
		draw_normals((int)n * w);
		/* the log-price walk: sequential in the steps, parallel in the lanes */
		for (long i = 0; i < n; i++) {
			const double *z = normal + i * w;
			double *xi = logprice + i * nv;
			for (int l = 0; l < w; l++)
				xi[l] = x_now[l] = x_now[l] + (drift_per_step + vol_per_step * z[l]);
			if (antithetic)
				for (int l = 0; l < w; l++)
					xi[w + l] = x_now[w + l] =
						x_now[w + l] + (drift_per_step + vol_per_step * -z[l]);
		}
		if (emit == EMIT_TERMINAL)
			continue;
		double *s = price + (emit == EMIT_PATH ? i0 * nv : 0);
		for (long k = 0; k < n * nv; k++)
			s[k] = s0 * det_exp(logprice[k]);
		if (emit == EMIT_PATH)
			continue;
		for (long i = 0; i < n; i++) {
			const double *si = s + i * nv, *xi = logprice + i * nv;
			for (int v = 0; v < nv; v++) {
				sum_s[v] = sum_s[v] + si[v];
				sum_x[v] = sum_x[v] + xi[v];
				max_s[v] = si[v] > max_s[v] ? si[v] : max_s[v];
				min_s[v] = si[v] < min_s[v] ? si[v] : min_s[v];
			}
		}
	}

	/* the rows, in path order (a path, then its mirror) */
	if (emit == EMIT_TERMINAL) {
		for (int v = 0; v < nv; v++)
			last_s[v] = s0 * det_exp(x_now[v]);
	} else if (emit == EMIT_SUMMARY) {
		const double *s = price + ((steps - 1) % chunk_steps) * nv;
		for (int v = 0; v < nv; v++) {
			last_s[v] = s[v];
			geo_s[v] = s0 * det_exp(sum_x[v] / (double)steps);
		}
	}
	for (int l = 0; l < valid; l++) {
		current_path = first + (uint64_t)l;
		for (int v = l; v < nv; v += w) {
			if (emit == EMIT_TERMINAL) {
				put_number(last_s[v], '\n');
			} else if (emit == EMIT_SUMMARY) {
				put_number(last_s[v], '\t');
				put_number(sum_s[v] / (double)steps, '\t');
				put_number(geo_s[v], '\t');
				put_number(max_s[v], '\t');
				put_number(min_s[v], '\n');
			} else {
				for (long i = 0; i < steps; i++)
					put_number(price[i * nv + v], i + 1 == steps ? '\n' : '\t');
			}
		}
	}
}

/* Wider vectors where the CPU has them: gcc compiles simulate_block once per
 * target below and picks one at load time (AVX-512, AVX2, or SSE2). Only
 * + - * / sqrt, integer and select operations, no contraction
 * (-ffp-contract=off): each clone gives the same bits. `make check-simd`
 * (mk/bench.mk) builds one binary per target and compares their output. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && defined(__x86_64__) \
    && !defined(SIMPATHS_NO_CLONES)
#define SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SIMD_CLONES
#endif

SIMD_CLONES static void simulate_block(uint64_t seed, uint64_t first, int valid)
{
	if (width == LANES) {
		double st[7 * 2 * LANES];
		simulate_width(seed, first, valid, LANES, st, 2 * LANES);
	} else {
		simulate_width(seed, first, valid, width, lane_state, BLOCK_MAX);
	}
}

static void simulate_range(uint64_t shard, uint64_t first, uint64_t count, uint64_t seed)
{
	char line[160];

	snprintf(line, sizeof line, "# shard=%llu first=%llu count=%llu seed=%llu\n",
	         (unsigned long long)shard, (unsigned long long)first,
	         (unsigned long long)count, (unsigned long long)seed);
	put_text(line);
	for (uint64_t done = 0; done < count; done += (uint64_t)width)
		simulate_block(seed, first + done,
		               count - done < (uint64_t)width ? (int)(count - done) : width);
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
	snprintf(line, sizeof line, " steps=%ld seed=%llu paths=%llu emit=%s antithetic=%d%s\n",
	         steps, (unsigned long long)seed, (unsigned long long)paths,
	         emit_names[emit], antithetic,
	         path_stream == RNG_TRAINING ? " stream=training" : "");
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
	       OPT_SEED, OPT_ANTITHETIC, OPT_TRAINING };
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
		{ "training", no_argument, NULL, OPT_TRAINING },
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
		case OPT_TRAINING: path_stream = RNG_TRAINING; break;
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

	alloc_block();
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
