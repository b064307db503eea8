/* simpaths: simulate paths of a model: geometric Brownian motion, Heston
 * or Merton's jump diffusion (tools/lib/model.h).
 *
 * gbm, its own hot loop here: exact log-normal steps on the monitoring dates t_i = i*T/steps:
 *     x_i = x_{i-1} + (r - q - sigma^2/2) dt + sigma sqrt(dt) z_i,   S_i = S0 e^{x_i}
 * with z_i drawn from Philox4x32-10 keyed by the seed, counter holding the
 * path index (rng.h), so path i is the same path in any shard. Every path
 * takes the same operations in the same order, with our own exp/log
 * (detmath.h), so its bits do not depend on the CPU or the vector lane.
 *
 * The paths, a block at a time, go to one sink (tools/lib/sink.h): the
 * text rows (sink_text.h), or fused into this process as grep -c does
 * grep | wc -l, the payoff and its partial (sink_payoff.h: `simpaths
 * --payoff P` writes what `simpaths | payoff -p P` would, and with
 * --partial what `... | aggregate --partial` would, byte for byte) or
 * exercise's rule (sink_exercise.h: --payoff american-put|american-call
 * --coefficients F, what `simpaths --emit path | exercise -c F` would). */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bumpgreeks.h"
#include "detmath.h"
#include "err.h"
#include "expskip.h"
#include "model.h"
#include "normals.h"
#include "numtext.h"
#include "opts.h"
#include "qmc.h"
#include "rng.h"
#include "simd.h"
#include "sink.h"
#include "sink_exercise.h"
#include "sink_payoff.h"
#include "sink_text.h"
#include "stream.h"
#include "ziggurat.h"

#define MAX_INDEX (UINT64_C(1) << 63)

/* The model, as given on the command line (model.h); s0 and steps copied
 * out of it for the loops. */
static struct model model;
static double s0;
static long steps;
/* The output: text rows, the fused payoff or the fused exercise (sink.h),
 * and the stream's shape (emit, hex, antithetic, variance) with it. */
static struct sink sink;
static uint32_t path_stream = RNG_PRICING;   /* --training: RNG_TRAINING (lsmfit's paths) */
/* --qmc sobol: scrambled Sobol points and a Brownian bridge (qmc.h) in
 * place of Philox's normals, `replicates` independent scramblings. */
static bool qmc_on;
static int replicates;
static struct qmc qmc;
static double *qmc_inc;   /* a block's increments, [date][lane] */
/* --normals: gbm's and heston's normals by inversion (normals.h) or the ziggurat
 * (ziggurat.h); other than inversion, recorded as metadata normals=, so
 * that partials of the two are never summed together. */
enum normals { NORMALS_INVERSION, NORMALS_ZIGGURAT };
static const char *const normals_names[] = { "inversion", "ziggurat" };
static enum normals normal_kind = NORMALS_INVERSION;

/* Derived once per run: the same for every path. */
static double drift_per_step, vol_per_step;

/* --variance: heston's variance after each date too, columns V1..Vn after
 * S1..Sn (lsmfit's and exercise's second state), in vpath [steps][lane]. */
static double *vpath;

static const char synopsis[] =
	"simpaths [--model gbm|heston|merton [model options]] [--s0 x] [-r rate]\n"
	"                [-q yield] [--sigma x] [-T maturity] [--steps n]\n"
	"                [-e terminal|summary|path] [-x] [--antithetic]\n"
	"                [--normals inversion|ziggurat]\n"
	"                [--qmc sobol [--replicates R]]\n"
	"                [-p name [payoff options] [-c file] [--partial]]\n"
	"                [--first i --count n [--paths n] [--seed x] | [file ...]]";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Simulate paths of geometric Brownian motion, Heston or Merton, one row per path.\n"
	       "Reads shard rows (shard first count seed) from genseeds, or one range\n"
	       "given by --first/--count.\n\n"
	       "  --model NAME      gbm (default), heston (Andersen's QE scheme) or merton\n"
	       "                    (GBM and lognormal jumps)\n"
	       "  --s0 X            initial price (default 100)\n"
	       "  -r, --rate X      risk-free rate, continuous (default 0.05)\n"
	       "  -q, --yield X     dividend yield, continuous (default 0)\n"
	       "  --sigma X         volatility, gbm and merton (default 0.2)\n"
	       "  -T, --maturity X  maturity in years (default 1)\n"
	       "  --steps N         monitoring dates t_i = i*T/N (default 1)\n"
	       "  --v0, --kappa, --theta, --xi, --rho X\n"
	       "                    heston: initial variance, mean reversion, long-run\n"
	       "                    variance, volatility of variance, correlation\n"
	       "                    (defaults 0.04 1.5 0.04 0.3 -0.7)\n"
	       "  --substeps N      heston: QE steps per date (default: each <= 1/32 year)\n"
	       "  --lambda, --mu-j, --delta-j X\n"
	       "                    merton: jumps per year, mean and deviation of the log\n"
	       "                    jump size (defaults 1 -0.1 0.15)\n"
	       "  -e, --emit MODE   terminal: S_T only; summary: S_T, arithmetic and\n"
	       "                    geometric mean, max, min over the dates; path: S_1..S_N\n"
	       "  --variance        heston, --emit path: columns V1..VN of the variance after\n"
	       "                    each date too (lsmfit's second regression state)\n"
	       "  -x, --hex         write C99 hex floats (exact, fast) instead of decimal\n"
	       "  --antithetic      two rows per path: the path and its mirror (-z; 1-u\n"
	       "                    for heston's variance; merton's jump count kept)\n"
	       "  --normals NAME    gbm's and heston's normals: inversion (AS241, the\n"
	       "                    default) or ziggurat (faster; other paths, normals=)\n"
	       "  --qmc sobol       randomized quasi-Monte Carlo (gbm, merton): scrambled Sobol,\n"
	       "                    Brownian-bridge paths; path p is point p/R of replicate\n"
	       "                    p%%R (metadata qmc=sobol replicates=R)\n"
	       "  --replicates R    independent scramblings, 2 to %d (default %d); paths/R\n"
	       "                    must be a power of two\n"
	       "  --training        draw from the seed's training stream, not its pricing\n"
	       "                    stream (lsmfit's paths; metadata stream=training)\n"
	       "  --first I         first path index of a single range (default 0)\n"
	       "  --count N         number of paths of a single range\n"
	       "  --paths N         total paths of the run (default first+count)\n"
	       "  --seed X          64-bit seed for a single range (default 1)\n"
	       "  -p, --payoff NAME price each path here: the rows `simpaths | payoff -p NAME`\n"
	       "                    would write, byte for byte; payoff's options -K,\n"
	       "                    --barrier, --rebate, --control, --control-mean and\n"
	       "                    --greeks go with it (see payoff(1))\n"
	       "  -c, --coefficients F\n"
	       "                    with --payoff american-put|american-call and --emit path:\n"
	       "                    the cash flow of each path under lsmfit's rule F, the rows\n"
	       "                    `simpaths | exercise -c F` would write (see exercise(1))\n"
	       "  --partial         with --payoff: sum them here too, writing what\n"
	       "                    `simpaths | payoff | aggregate --partial` would\n"
	       "  -h, --help        show this help\n"
	       "  -V, --version     show the version\n",
	       synopsis, SOBOL_MAX_REPLICATES, QMC_DEFAULT_REPLICATES);
	finish_output();
	exit(0);
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
static struct normal_scratch normal_scratch;   /* normals.h's working memory */
static struct zig_scratch zig_scratch;         /* ziggurat.h's */
_Static_assert(BLOCK_MAX <= NORMALS_MAX, "a block's normals fit normals.h's scratch");
_Static_assert(BLOCK_MAX <= SINK_LANES_MAX, "a block fits the sinks' arrays");
static double logprice[BLOCK_MAX];             /* x: [step][virtual lane] */
static double variance[BLOCK_MAX];             /* heston's v, per virtual lane */
static double *price;     /* S: [chunk_steps][virtual lane]; path mode [steps][...] */
/* per virtual lane of blocks wider than LANES: see simulate_width */
static double lane_state[7 * BLOCK_MAX];
/* a fused call's or put's S_T where it pays nothing: no exp (expskip.h) */
static struct exp_skip terminal_skip;
static struct exp_skip_scratch terminal_skip_scratch;
_Static_assert(BLOCK_MAX <= EXP_SKIP_MAX, "a block's S_T fit expskip.h's scratch");

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
	int vlanes = sink.antithetic ? 2 * width : width;
	price = alloc_array((size_t)(sink.emit == EMIT_PATH ? steps : chunk_steps) * (size_t)vlanes,
	                    sizeof *price);
	if (sink.variance)
		vpath = alloc_array((size_t)steps * (size_t)vlanes, sizeof *vpath);
}

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

/* gbm's lean walk (simulate_width's `lean`): n dates of a
 * block straight into the sums, from their normals z ([date][lane]). The
 * arrays never overlap, and `restrict` says so: without it the compiler
 * checks their overlap on every date and, inside that check, reloads the
 * exp's 30-odd constants on every date too, which cost the Asian shard
 * about 870 of its 19,400 instructions a path (bench/RESULTS.md). */
ALWAYS_INLINE static void lean_walk(const double *restrict z, int w, long n, bool antithetic,
                                    double *restrict x_now, double *restrict sum_s,
                                    double *restrict sum_x)
{
	for (long i = 0; i < n; i++, z += w) {
		for (int l = 0; l < w; l++) {
			double x = x_now[l] + (drift_per_step + vol_per_step * z[l]);
			x_now[l] = x;
			sum_s[l] = sum_s[l] + s0 * det_exp(x);
			sum_x[l] = sum_x[l] + x;
		}
		if (antithetic)
			for (int l = 0; l < w; l++) {
				double x = x_now[w + l] +
				           (drift_per_step + vol_per_step * -z[l]);
				x_now[w + l] = x;
				sum_s[w + l] = sum_s[w + l] + s0 * det_exp(x);
				sum_x[w + l] = sum_x[w + l] + x;
			}
	}
}

/* gbm's walk over dates i0 .. i0+n-1 of a block (simulate_width's
 * arguments): the log-prices into logprice[i][virtual lane], or when lean
 * straight into the sums. Returns false when lean (nothing left to do). */
ALWAYS_INLINE static bool gbm_walk(uint64_t seed, uint64_t first, int w, long i0, long n,
                                   double *x_now, double *sum_s, double *sum_x, bool lean)
{
	const int nv = sink.antithetic ? 2 * w : w;

	const double *normals = normal;
	if (qmc_on) {   /* the block's increments, made by simulate_width */
		normals = qmc_inc + i0 * w;
	} else {
		draw_bits(seed, first, w, (uint32_t)(i0 / 2), (n + 1) / 2);
		if (normal_kind == NORMALS_ZIGGURAT) {
			const struct zig_where where = { seed, first, path_stream, w, i0 };
			ziggurat_from_words(bits_lo, bits_hi, (int)n * w, normal, &zig_scratch, &where);
		} else {
			normals_from_words(bits_lo, bits_hi, (int)n * w, normal, &normal_scratch);
		}
	}
	if (lean) {
		lean_walk(normals, w, n, sink.antithetic, x_now, sum_s, sum_x);
		return false;
	}
	/* the log-price walk: sequential in the steps, parallel in the lanes */
	for (long i = 0; i < n; i++) {
		const double *z = normals + i * w;
		double *xi = logprice + i * nv;
		for (int l = 0; l < w; l++)
			xi[l] = x_now[l] = x_now[l] + (drift_per_step + vol_per_step * z[l]);
		if (sink.antithetic)
			for (int l = 0; l < w; l++)
				xi[w + l] = x_now[w + l] =
					x_now[w + l] + (drift_per_step + vol_per_step * -z[l]);
	}
	return true;
}

/* One block: w paths from `first`, of which the first `valid` are written.
 * st holds 7 arrays, `stride` apart, of a number per virtual lane: the
 * log-price, the running sums and extremes, and the row's S_T and geometric
 * mean. Inlined twice below: for w = LANES with st on the stack, where the
 * compiler keeps it in registers, and for wider blocks. `lean`
 * (sink.lean, a constant where inlined) keeps only the sums, added as
 * the walk goes: the same operations in the same order on each number, so
 * the same bits, without the block's arrays of log-prices and prices. */
ALWAYS_INLINE static void simulate_width(uint64_t seed, uint64_t first, int valid, int w,
                                         double *st, int stride, bool lean)
{
	const int nv = sink.antithetic ? 2 * w : w;
	double *x_now = st, *sum_s = st + stride, *sum_x = st + 2 * stride;
	double *max_s = st + 3 * stride, *min_s = st + 4 * stride;
	double *last_s = st + 5 * stride, *geo_s = st + 6 * stride;

	for (int v = 0; v < nv; v++)
		x_now[v] = 0;
	for (int v = 0; sink.emit != EMIT_TERMINAL && v < nv; v++) {   /* terminal: S_T alone */
		sum_s[v] = sum_x[v] = 0;
		max_s[v] = -HUGE_VAL;
		min_s[v] = HUGE_VAL;
	}
	if (model.kind != MODEL_GBM)
		model_start(&model, nv, x_now, variance);
	if (qmc_on)
		qmc_increments(&qmc, first, w, qmc_inc);
	for (long i0 = 0; i0 < steps; i0 += chunk_steps) {
		long n = steps - i0 < chunk_steps ? steps - i0 : chunk_steps;
		if (model.kind != MODEL_GBM && qmc_on)   /* merton: dimensions steps.., 2 steps.. */
			model_walk_merton_draws(&model, w, n, qmc_inc + i0 * w,
			                        qmc.u + (steps + i0) * w, qmc.z + (2 * steps + i0) * w,
			                        x_now, logprice);
		else if (sink.variance)
			model_walk_variance(&model, seed, path_stream, first, w, sink.antithetic, i0, n,
			                    x_now, variance, logprice, vpath + i0 * nv);
		else if (model.kind != MODEL_GBM)   /* never lean */
			model_walk(&model, seed, path_stream, first, w, sink.antithetic, i0, n, x_now,
			           variance, logprice);
		else if (!gbm_walk(seed, first, w, i0, n, x_now, sum_s, sum_x, lean))
			continue;   /* lean: the sums are done */
		if (sink.emit == EMIT_TERMINAL)
			continue;
		double *s = price + (sink.emit == EMIT_PATH ? i0 * nv : 0);
		for (long k = 0; k < n * nv; k++)
			s[k] = s0 * det_exp(logprice[k]);
		if (sink.emit == EMIT_PATH)
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

	/* the rows' S_T and geometric mean; then the block goes to the sink */
	if (sink.emit == EMIT_TERMINAL) {
		exp_skip_prices(x_now, nv, s0, &terminal_skip, last_s, &terminal_skip_scratch);
	} else if (sink.emit == EMIT_SUMMARY) {
		const double *s = price + ((steps - 1) % chunk_steps) * nv;
		for (int v = 0; v < nv; v++) {
			last_s[v] = lean ? s0 * det_exp(x_now[v]) : s[v];
			geo_s[v] = s0 * det_exp(sum_x[v] / (double)steps);
		}
	}
	const struct sink_block block = { st, stride, price, vpath, first, valid, w, nv };
	sink.type->block(&sink, &block);
}

/* One clone per vector target (simd.h): AVX-512, AVX2 or SSE2, whichever
 * the CPU has, all giving the same bits. */
SIMD_CLONES static void simulate_block(uint64_t seed, uint64_t first, int valid)
{
	if (width == LANES) {
		double st[7 * 2 * LANES];
		if (sink.lean)
			simulate_width(seed, first, valid, LANES, st, 2 * LANES, true);
		else
			simulate_width(seed, first, valid, LANES, st, 2 * LANES, false);
	} else if (sink.lean) {
		simulate_width(seed, first, valid, width, lane_state, BLOCK_MAX, true);
	} else {
		simulate_width(seed, first, valid, width, lane_state, BLOCK_MAX, false);
	}
}

/* A row of bump_greeks_rows's. */
static void bump_row(uint64_t path, const double *values, void *ctx)
{
	(void)ctx;
	sink.current_path = path;
	sink_row(&sink, values);
}

/* where: the shard row or option that asked for the range, for messages. */
static void simulate_range(uint64_t shard, uint64_t first, uint64_t count, uint64_t seed,
                           const char *where)
{
	char line[160];

	snprintf(line, sizeof line, "# shard=%llu first=%llu count=%llu seed=%llu",
	         (unsigned long long)shard, (unsigned long long)first,
	         (unsigned long long)count, (unsigned long long)seed);
	sink_meta(&sink, line);
	if (qmc_on && (first % (uint64_t)replicates || count % (uint64_t)replicates))
		data_error(where, "--qmc sobol: paths %llu..%llu: a range of a run of %d replicates "
		           "starts and ends on a multiple of %d (genseeds --multiple %d)",
		           (unsigned long long)first, (unsigned long long)(first + count - 1),
		           replicates, replicates, replicates);
	if (sink.partial_on)
		partial_add_range(&sink.partial, first, count, where);
	if (sink.bump_greeks) {
		bump_greeks_rows(&sink.payoff, &model, seed, path_stream, first, count, sink.antithetic,
		                 bump_row, NULL);
		return;
	}
	for (uint64_t done = 0; done < count; done += (uint64_t)width)
		simulate_block(seed, first + done,
		               count - done < (uint64_t)width ? (int)(count - done) : width);
}

/* --qmc: a run's paths are whole points of every replicate. */
static void check_qmc_paths(uint64_t paths, const char *what)
{
	char why[200];
	if (qmc_bad_paths(paths, replicates, why, sizeof why))
		usage_error("--qmc sobol: %s=%llu with %d replicates: %s", what,
		            (unsigned long long)paths, replicates, why);
}

static void put_header(uint64_t paths, uint64_t seed)
{
	char line[512];
	size_t len = model_meta_line(&model, line, sizeof line);

	len += (size_t)snprintf(line + len, sizeof line - len,
	         " seed=%llu paths=%llu emit=%s antithetic=%d%s%s%s%s",
	         (unsigned long long)seed, (unsigned long long)paths,
	         emit_names[sink.emit], sink.antithetic, sink.variance ? " variance=1" : "",
	         path_stream == RNG_TRAINING ? " stream=training" : "",
	         normal_kind == NORMALS_INVERSION ? "" : " normals=",
	         normal_kind == NORMALS_INVERSION ? "" : normals_names[normal_kind]);
	if (qmc_on) {
		check_qmc_paths(paths, "paths");
		if (len < sizeof line)
			snprintf(line + len, sizeof line - len, " qmc=sobol replicates=%d", replicates);
		qmc_init(&qmc, steps, model.kind == MODEL_MERTON ? 3 : 1, replicates, seed, width);
		qmc_inc = alloc_array((size_t)steps * (size_t)width, sizeof *qmc_inc);
	}
	sink_meta(&sink, line);
	sink.type->header(&sink);
}

static uint64_t shard_field(struct stream *in, int column, const char *name)
{
	const char *text = in->fields[column];
	uint64_t value;

	if (!num_parse_u64(text, strlen(text), &value) || value > MAX_INDEX)
		data_error(stream_where(in), "invalid %s '%.40s'", name, text);
	return value;
}

/* A shard row of genseeds' (shard first count seed), checked: 1 <= count,
 * first + count <= paths (the run's paths=), the run's one seed. */
struct shard_row {
	uint64_t shard, first, count, seed;
	uint64_t paths;       /* the metadata's paths= */
	bool first_row;       /* the input's first row: the header goes before it */
	const char *where;    /* the row's file:line, for messages */
};

/* Reads shard rows from genseeds: their metadata passes through (sink_meta),
 * and each row, once checked, goes to range(). A function of its own so
 * that a fuzz harness (tests/fuzz/fuzz_simpaths.c) reads rows as simpaths
 * does without simulating the paths they ask for. */
static void read_shards(int ninputs, char **inputs, void (*range)(const struct shard_row *))
{
	struct stream in;
	bool header_written = false;
	uint64_t paths = 0, run_seed = 0;
	int col_shard = -1, col_first = -1, col_count = -1, col_seed = -1;

	stream_open(&in, ninputs, inputs);
	for (enum record r; (r = stream_next(&in)) != RECORD_END;) {
		if (r == RECORD_META) {
			sink_meta(&sink, in.line);
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
		range(&(struct shard_row){ shard, first, count, seed, paths, !header_written,
		                           stream_where(&in) });
		header_written = true;
	}
	if (!header_written)
		data_error(in.name ? in.name : "stdin", "no shard rows in input");
	stream_close(&in);
}

/* A shard row's range, simulated (after the header, before the first). */
static void simulate_shard(const struct shard_row *row)
{
	if (row->first_row)
		put_header(row->paths, row->seed);
	simulate_range(row->shard, row->first, row->count, row->seed, row->where);
}

/* --qmc's combinations, refused with the reason. */
static void check_qmc_options(void)
{
	if (replicates && !qmc_on)
		usage_error("--replicates goes with --qmc sobol");
	if (!qmc_on)
		return;
	if (!replicates)
		replicates = QMC_DEFAULT_REPLICATES;
	if (model.kind == MODEL_HESTON)
		usage_error("--qmc sobol: model heston's QE scheme draws its variance path step "
		            "by step, with no Brownian bridge; quasi-Monte Carlo is gbm's and merton's");
	if (normal_kind != NORMALS_INVERSION)
		usage_error("--qmc sobol and --normals %s: quasi-Monte Carlo draws its normals by "
		            "inversion, one Sobol coordinate a normal", normals_names[normal_kind]);
	if (sink.antithetic)
		usage_error("--qmc sobol and --antithetic: the scrambled points are balanced "
		            "already; choose one");
	if (path_stream == RNG_TRAINING)
		usage_error("--qmc sobol and --training: lsmfit's training paths are plain Monte "
		            "Carlo (the rule needs independent paths, not a replicate's points)");
	int per_date = model.kind == MODEL_MERTON ? 3 : 1;
	if (model.steps * per_date > SOBOL_MAX_DIMS)
		usage_error("--qmc sobol: --steps %ld needs %ld dimensions%s; at most %d (Joe and Kuo's "
		            "directions as Boost ships them)", model.steps, model.steps * per_date,
		            per_date > 1 ? " (3 a date under merton)" : "", SOBOL_MAX_DIMS);
}

int main(int argc, char **argv)
{
	enum { OPT_FIRST = 256, OPT_COUNT, OPT_PATHS,
	       OPT_SEED, OPT_ANTITHETIC, OPT_TRAINING, OPT_PARTIAL, OPT_QMC, OPT_REPLICATES,
	       OPT_VARIANCE, OPT_NORMALS };
	static const struct option longopts[] = {
		MODEL_LONGOPTS,
		{ "emit", required_argument, NULL, 'e' },
		{ "hex", no_argument, NULL, 'x' },
		{ "antithetic", no_argument, NULL, OPT_ANTITHETIC },
		{ "training", no_argument, NULL, OPT_TRAINING },
		{ "variance", no_argument, NULL, OPT_VARIANCE },
		{ "normals", required_argument, NULL, OPT_NORMALS },
		{ "first", required_argument, NULL, OPT_FIRST },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "paths", required_argument, NULL, OPT_PATHS },
		{ "seed", required_argument, NULL, OPT_SEED },
		PAYOFF_LONGOPTS,
		{ "coefficients", required_argument, NULL, 'c' },
		{ "partial", no_argument, NULL, OPT_PARTIAL },
		{ "qmc", required_argument, NULL, OPT_QMC },
		{ "replicates", required_argument, NULL, OPT_REPLICATES },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t first = 0, count = 0, paths = 0, seed = 1;
	bool single_range = false, seed_given = false, payoff_options = false;
	const char *payoff_name = NULL, *strike_text = NULL, *other_option = NULL;
	const char *coef_file = NULL;
	int c, longindex = -1;

	tool_init("simpaths", argv);
	payoff_init(&sink.payoff);
	model_init(&model);
	while ((c = getopt_long(argc, argv, MODEL_SHORTOPTS "e:xc:" PAYOFF_SHORTOPTS "hV", longopts,
	                        &longindex)) != -1) {
		if (model_option(&model, c, optarg))
			continue;
		if (payoff_option(&sink.payoff, c, optarg, &payoff_name)) {
			payoff_options = true;
			if (c == 'K')
				strike_text = optarg;
			else if (c != 'p' && !other_option)   /* long only */
				other_option = longopts[longindex].name;
			continue;
		}
		switch (c) {
		case 'e':
			for (sink.emit = 0; sink.emit < 3 && strcmp(optarg, emit_names[sink.emit]) != 0;
			     sink.emit++)
				;
			if (sink.emit == 3)
				usage_error("--emit: unknown mode '%s' (terminal, summary or path)", optarg);
			break;
		case 'x': sink.hex = true; break;
		case OPT_ANTITHETIC: sink.antithetic = true; break;
		case OPT_TRAINING: path_stream = RNG_TRAINING; break;
		case OPT_VARIANCE: sink.variance = true; break;
		case OPT_NORMALS:
			for (normal_kind = 0;
			     normal_kind < 2 && strcmp(optarg, normals_names[normal_kind]) != 0;
			     normal_kind++)
				;
			if (normal_kind == 2)
				usage_error("--normals: unknown transform '%s' (inversion or ziggurat)",
				            optarg);
			break;
		case OPT_PARTIAL: sink.partial_on = true; break;
		case OPT_QMC:
			if (strcmp(optarg, "sobol") != 0)
				usage_error("--qmc: unknown point set '%s' (sobol)", optarg);
			qmc_on = true;
			break;
		case OPT_REPLICATES:
			replicates = (int)opt_int("--replicates", optarg, 2, SOBOL_MAX_REPLICATES);
			break;
		case 'c': coef_file = optarg; break;
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
	/* a run has at most 2^63 paths (genseeds): path numbers and paths= fit */
	if (single_range && paths == 0 && count > (UINT64_C(1) << 63) - first)
		usage_error("--first/--count: paths %llu..%llu go beyond 2^63 paths",
		            (unsigned long long)first, (unsigned long long)(first + count - 1));
	if (single_range && paths == 0)
		paths = first + count;
	if (single_range && (first > paths || count > paths - first))
		usage_error("--first/--count: paths %llu..%llu lie beyond --paths %llu",
		            (unsigned long long)first, (unsigned long long)(first + count - 1),
		            (unsigned long long)paths);

	model_done(&model);
	check_qmc_options();
	if (sink.variance && model.kind != MODEL_HESTON)
		usage_error("--variance: only heston has a variance (--model heston)");
	if (sink.variance && sink.emit != EMIT_PATH)
		usage_error("--variance goes with --emit path, not --emit %s", emit_names[sink.emit]);
	if (sink.variance && payoff_name && strncmp(payoff_name, "american-", 9) != 0)
		usage_error("--variance: the variance is the exercise rule's state; %s reads "
		            "the prices alone", payoff_name);
	if (normal_kind != NORMALS_INVERSION && model.kind == MODEL_MERTON)
		usage_error("--normals %s: %s draws its normals by inversion only",
		            normals_names[normal_kind], model_name(model.kind));
	model.ziggurat = normal_kind == NORMALS_ZIGGURAT;
	s0 = model.s0;
	steps = model.steps;
	drift_per_step = model.drift_dt;
	vol_per_step = model.vol_dt;

	sink.steps = steps;
	sink.replicates = qmc_on ? replicates : 0;

	if (payoff_name && strncmp(payoff_name, "american-", 9) == 0) {
		sink_exercise_start(&sink, payoff_name, strike_text, other_option, coef_file, &model,
		                    path_stream == RNG_TRAINING);
	} else if (coef_file) {
		usage_error("--coefficients goes with --payoff american-put or american-call");
	} else if (payoff_name) {
		if (path_stream == RNG_TRAINING)
			usage_error("--payoff prices the pricing stream; --training paths are lsmfit's");
		sink_payoff_start(&sink, payoff_name, &model, qmc_on);
	} else if (payoff_options || sink.partial_on) {
		usage_error("payoff's options and --partial go with --payoff");
	} else {
		sink_text_start(&sink);
	}
	sink.lean = model.kind == MODEL_GBM && sink.type == &sink_payoff && !sink.payoff.greek_set &&
	            sink.emit == EMIT_SUMMARY && !(sink.payoff.needs & (NEED_MAX | NEED_MIN));

	/* a fused call's or put's S_T where it pays nothing needs no exp */
	if (sink.type == &sink_payoff && sink.emit == EMIT_TERMINAL)
		terminal_skip = exp_skip_range(s0, sink.payoff.strike, payoff_zero_side(&sink.payoff));

	alloc_block();
	if (single_range) {
		put_header(paths, seed);
		simulate_range(0, first, count, seed, "--first");
	} else {
		read_shards(argc - optind, argv + optind, simulate_shard);
	}
	sink_finish(&sink);
	if (qmc_on && qmc_inc) {
		qmc_free(&qmc);
		free(qmc_inc);
	}
	finish_output();
	return 0;
}
