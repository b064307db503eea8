/* lsmfit: fit a Longstaff-Schwartz exercise rule on training paths.
 *
 * Longstaff and Schwartz, "Valuing American options by simulation: a simple
 * least-squares approach", Rev. Financial Studies 14 (2001) 113-147.
 * Exercise is allowed on the monitoring dates t_i = i*T/steps, i = 1..steps.
 * Backwards from i = steps-1 to 1, on the paths in the money at t_i, the
 * cash flow each path realises under the rule fitted so far, discounted to
 * t_i, is regressed on 1, x, ..., x^N with x = S_i/K; a path whose intrinsic
 * value is at least the fitted continuation value exercises at t_i, which
 * replaces its cash flow. The coefficients of every date are the output;
 * exercise(1) applies them to independent pricing paths.
 *
 * Under heston the price alone is not the state: paths with the variance
 * too (simpaths --variance: columns V1..Vn) are regressed on sqrt(v), v and
 * x sqrt(v) besides (lsm.h), and the rule says state=variance. On heston's
 * defaults this adds about 0.07 to a one-year American put's low-biased
 * price (README.md), most of the gap to the finite-difference price.
 *
 * The training paths come from simpaths --training: a stream of the seed
 * that is never priced, so the price exercise(1) gives is low-biased (its
 * rule is at best the optimal one) and unbiased for the rule itself.
 *
 * All training paths are held in memory, steps doubles each: 10^5 paths of
 * 50 dates take 40 MB. Least squares by Householder QR in double, with only
 * + - * / and sqrt in a fixed order, so the coefficients are the same bits
 * on every IEEE-754 machine. */
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
#include "exactsum.h"
#include "numtext.h"
#include "opts.h"
#include "payoffs.h"
#include "rule.h"
#include "stream.h"
#include "xalloc.h"

#define MAX_DEGREE 8
/* A basis column whose norm falls below this fraction of its own once the
 * earlier columns are projected out depends on them (too few distinct
 * prices in the money): it is dropped, its coefficient 0. */
#define RANK_TOLERANCE 1e-10

static bool is_call;                 /* american-call, else american-put */
static double strike = 100;
static int degree = 3;

/* From the stream's metadata. */
static double rate, maturity;
static long steps;

/* The training paths, path after path: S_1..S_steps each; with the
 * variance (columns V1..Vn from column first_v), V_1..V_steps each too. */
static double *prices, *variances;
static size_t npaths, paths_cap;
static int first_v = -1;

static const char synopsis[] =
	"lsmfit [-p american-put|american-call] [-K strike] [--basis n] [file ...]";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Fit a Longstaff-Schwartz exercise rule on training paths (simpaths\n"
	       "--emit path --training): least-squares coefficients of the continuation\n"
	       "value on 1, x, ..., x^n (x = S/K) for every exercise date.\n\n"
	       "  -p, --payoff NAME  american-put or american-call (default american-put)\n"
	       "  -K, --strike X     strike (default 100)\n"
	       "  --basis N          polynomial degree n, 1 to %d (default 3)\n"
	       "  -h, --help         show this help\n"
	       "  -V, --version      show the version\n\n"
	       "Output: metadata, a header 'date t itm c0 .. cn' and one row per date\n"
	       "i = 1..steps; exercise(1) prices independent paths with it.\n",
	       synopsis, MAX_DEGREE);
	finish_output();
	exit(0);
}

/* --- reading the training paths ------------------------------------------ */

/* The model and the layout, once the header is read. */
static int learn_stream(struct stream *in)
{
	const char *kind = stream_meta(in, "stream");
	if (!kind || strcmp(kind, "training") != 0)
		data_error(stream_where(in), "not a training stream (no stream=training): fit on "
		           "simpaths --training paths, never on the paths to be priced");
	static const char *const ours[] = { "payoff", "strike", "basis", "state", "in_sample" };
	for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
		if (stream_meta(in, ours[i]))
			data_error(stream_where(in), "metadata already has %s= (not a simpaths path stream?)",
			           ours[i]);
	rate = stream_meta_double(in, "r");
	maturity = stream_meta_double(in, "T");
	double steps_value = stream_meta_double(in, "steps");
	if (!(maturity > 0) || !(steps_value >= 1) || steps_value > 1e6 ||
	    steps_value != floor(steps_value))
		data_error(stream_where(in), "metadata has an invalid model (T or steps)");
	steps = (long)steps_value;
	int first = stream_path_columns(in, steps);
	if (first < 0)
		data_error(stream_where(in), "lsmfit needs whole paths: no column S1 "
		           "(simpaths --emit path)");
	first_v = rule_variance_columns(in, steps);
	return first;
}

static void read_path(struct stream *in, int first)
{
	if (npaths == paths_cap) {
		paths_cap = paths_cap ? 2 * paths_cap : 1024;
		prices = xreallocarray(prices, paths_cap, (size_t)steps * sizeof *prices);
		if (first_v >= 0)
			variances = xreallocarray(variances, paths_cap, (size_t)steps * sizeof *variances);
	}
	double *row = prices + npaths * (size_t)steps;
	for (long i = 0; i < steps; i++)
		row[i] = stream_field_price(in, first + (int)i);
	if (first_v >= 0) {
		double *v = variances + npaths * (size_t)steps;
		for (long i = 0; i < steps; i++) {
			v[i] = stream_field_double(in, first_v + (int)i);
			if (!(v[i] >= 0))
				data_error(stream_where(in), "V%ld: a variance must not be negative", i + 1);
		}
	}
	npaths++;
}

/* A range opened by first=/count= must hold count paths (2 count rows with
 * antithetic mirrors) before the next one opens or the input ends. */
struct range_check {
	bool open;
	uint64_t expected, seen;
	char where[512];
};

static void close_range(struct range_check *r, const char *where)
{
	if (r->open && r->seen != r->expected)
		data_error(where, "the range opened at %s has %llu rows, not %llu: "
		           "training set incomplete", r->where, (unsigned long long)r->seen,
		           (unsigned long long)r->expected);
	r->open = false;
}

static void read_training(struct stream *in)
{
	struct range_check range = { false, 0, 0, "" };
	bool started = false, antithetic = false;
	int first = -1;

	for (enum record r; (r = stream_next(in)) != RECORD_END;) {
		if (r == RECORD_META) {
			if (in->range_opened) {
				close_range(&range, stream_where(in));
				const char *a = stream_meta(in, "antithetic");
				antithetic = a && strcmp(a, "1") == 0;
				range.open = true;
				range.seen = 0;
				range.expected = in->range_count * (antithetic ? 2 : 1);
				snprintf(range.where, sizeof range.where, "%s", stream_where(in));
			}
			continue;
		}
		if (!started) {
			first = learn_stream(in);
			started = true;
		}
		read_path(in, first);
		range.seen++;
	}
	close_range(&range, in->name ? in->name : "stdin");
	if (!started && in->ncolumns > 0)
		learn_stream(in);
	if (npaths == 0)
		data_error(in->name ? in->name : "stdin", "no training paths");
}

/* --- least squares --------------------------------------------------------- */

/* Least squares min |A c - b| for the n x m matrix A given by columns
 * (a[j][0..n), overwritten) by Householder QR (Golub and Van Loan, Matrix
 * Computations, 4th ed., 5.2.1 and 5.3.3). A column that is numerically a
 * combination of the earlier ones (its remaining norm below RANK_TOLERANCE
 * of its initial norm) is dropped and gets coefficient 0; the kept columns
 * are solved by back substitution. b is overwritten too. */
static void least_squares(double **a, double *b, size_t n, int m, double *c)
{
	size_t pivot_row[MAX_DEGREE + 1];
	bool kept[MAX_DEGREE + 1];
	double diagonal[MAX_DEGREE + 1];
	size_t k = 0;   /* rows used by the reflections so far: the rank */

	for (int j = 0; j < m; j++) {
		double *col = a[j];
		double initial = 0, remaining = 0;
		for (size_t i = 0; i < n; i++)
			initial += col[i] * col[i];
		for (size_t i = k; i < n; i++)
			remaining += col[i] * col[i];
		kept[j] = k < n && remaining > 0 &&
		          sqrt(remaining) > RANK_TOLERANCE * sqrt(initial);
		c[j] = 0;
		if (!kept[j])
			continue;
		/* H = I - v v^T / (s (s + |a_kk|)), v = col[k..n) - alpha e_1,
		 * maps col[k..n) to alpha e_1; alpha has the opposite sign of
		 * col[k] so that v_0 = col[k] - alpha involves no cancellation. */
		double s = sqrt(remaining);
		double alpha = col[k] >= 0 ? -s : s;
		double scale = s * (s + fabs(col[k]));
		col[k] -= alpha;   /* col[k..n) is now v */
		for (int l = j + 1; l <= m; l++) {
			double *other = l < m ? a[l] : b;
			double dot = 0;
			for (size_t i = k; i < n; i++)
				dot += col[i] * other[i];
			double f = dot / scale;
			for (size_t i = k; i < n; i++)
				other[i] -= f * col[i];
		}
		diagonal[j] = alpha;
		pivot_row[j] = k++;
	}
	for (int j = m - 1; j >= 0; j--) {
		if (!kept[j])
			continue;
		size_t row = pivot_row[j];
		double sum = b[row];
		for (int l = j + 1; l < m; l++)
			sum -= a[l][row] * c[l];
		c[j] = sum / diagonal[j];
	}
}

/* --- the backward induction ------------------------------------------------ */

struct fit {
	double *coef;         /* (degree+1) per date, dates 1..steps */
	uint64_t *itm;        /* training paths in the money per date */
	double in_sample;     /* mean discounted cash flow of the training paths */
};

static void fit_rule(struct fit *f)
{
	int m = degree + 1 + (first_v >= 0 ? LSM_VARIANCE_TERMS : 0);
	double *amount = xreallocarray(NULL, npaths, sizeof *amount);  /* intrinsic when exercised */
	long *when = xreallocarray(NULL, npaths, sizeof *when);        /* date of exercise, 1..steps */
	double *growth = xreallocarray(NULL, (size_t)steps + 1, sizeof *growth);
	double *columns[MAX_DEGREE + 1 + LSM_VARIANCE_TERMS], *target = xreallocarray(NULL, npaths, sizeof *target);
	size_t *index = xreallocarray(NULL, npaths, sizeof *index);

	for (int j = 0; j < m; j++)
		columns[j] = xreallocarray(NULL, npaths, sizeof *columns[j]);
	f->coef = xreallocarray(NULL, (size_t)steps * (size_t)m, sizeof *f->coef);
	f->itm = xreallocarray(NULL, (size_t)steps, sizeof *f->itm);
	/* growth[k]: the discount factor over k periods */
	for (long k = 0; k <= steps; k++)
		growth[k] = det_exp(-rate * (maturity * (double)k / (double)steps));

	/* At maturity every path takes its intrinsic value. */
	uint64_t at_maturity = 0;
	for (size_t p = 0; p < npaths; p++) {
		amount[p] = lsm_intrinsic(is_call, strike, prices[p * (size_t)steps + (size_t)steps - 1]);
		when[p] = steps;
		at_maturity += amount[p] > 0;
	}
	memset(f->coef + (size_t)(steps - 1) * (size_t)m, 0, (size_t)m * sizeof *f->coef);
	f->itm[steps - 1] = at_maturity;

	for (long i = steps - 1; i >= 1; i--) {
		double *c = f->coef + (size_t)(i - 1) * (size_t)m;
		size_t n = 0;
		for (size_t p = 0; p < npaths; p++) {
			double s = prices[p * (size_t)steps + (size_t)(i - 1)];
			if (!(lsm_intrinsic(is_call, strike, s) > 0))
				continue;
			double x = s / strike, power = 1;
			for (int j = 0; j <= degree; j++) {
				columns[j][n] = power;
				power *= x;
			}
			if (first_v >= 0) {
				double t[LSM_VARIANCE_TERMS];
				lsm_variance_terms(x, variances[p * (size_t)steps + (size_t)(i - 1)], t);
				for (int j = 0; j < LSM_VARIANCE_TERMS; j++)
					columns[degree + 1 + j][n] = t[j];
			}
			target[n] = amount[p] * growth[when[p] - i];
			index[n++] = p;
		}
		f->itm[i - 1] = n;
		if (n == 0) {
			memset(c, 0, (size_t)m * sizeof *c);
			continue;
		}
		least_squares(columns, target, n, m, c);
		for (size_t r = 0; r < n; r++) {
			size_t p = index[r];
			double s = prices[p * (size_t)steps + (size_t)(i - 1)];
			double h = lsm_intrinsic(is_call, strike, s);
			double cont = first_v >= 0
				? lsm_continuation_variance(c, degree, s / strike,
				                            variances[p * (size_t)steps + (size_t)(i - 1)])
				: lsm_continuation(c, degree, s / strike);
			if (h >= cont) {
				amount[p] = h;
				when[p] = i;
			}
		}
	}

	/* The training paths priced by their own rule, as exercise(1) would
	 * (the same discount factors): an in-sample estimate, for comparison. */
	xsum sum;
	xsum_init(&sum);
	for (size_t p = 0; p < npaths; p++)
		xsum_add(&sum, amount[p] * det_exp(-rate * (maturity * (double)when[p] / (double)steps)));
	f->in_sample = xsum_round(&sum) / (double)npaths;

	for (int j = 0; j < m; j++)
		free(columns[j]);
	free(amount);
	free(when);
	free(growth);
	free(target);
	free(index);
}

/* --- output ------------------------------------------------------------------ */

static void put_number(double value, char separator)
{
	char text[NUM_TEXT_MAX];
	num_format(text, value);
	printf("%s%c", text, separator);
}

static void write_fit(struct stream *in, const struct fit *f)
{
	char text[NUM_TEXT_MAX];

	/* The training set's identity (as aggregate keeps it), then ours. */
	printf("# tool=lsmfit");
	for (int k = 0; k < in->nmeta; k++)
		if (meta_key_is_identity(in->meta[k].key))
			printf(" %s=%s", in->meta[k].key, in->meta[k].value);
	num_format(text, strike);
	printf(" payoff=%s strike=%s basis=%d%s", payoff_american_name(is_call),
	       text, degree, first_v >= 0 ? " state=variance" : "");
	num_format(text, f->in_sample);
	printf(" in_sample=%s\n", text);
	printf("date\tt\titm");
	int m = degree + 1 + (first_v >= 0 ? LSM_VARIANCE_TERMS : 0);
	for (int j = 0; j <= degree; j++)
		printf("\tc%d", j);
	for (int j = degree + 1; j < m; j++)
		printf("\tv%d", j - degree);
	printf("\n");
	for (long i = 1; i <= steps; i++) {
		printf("%ld\t", i);
		put_number(maturity * (double)i / (double)steps, '\t');
		printf("%llu", (unsigned long long)f->itm[i - 1]);
		for (int j = 0; j < m; j++) {
			putchar('\t');
			num_format(text, f->coef[(size_t)(i - 1) * (size_t)m + (size_t)j]);
			fputs(text, stdout);
		}
		putchar('\n');
	}
}

int main(int argc, char **argv)
{
	enum { OPT_BASIS = 256 };
	static const struct option longopts[] = {
		{ "payoff", required_argument, NULL, 'p' },
		{ "strike", required_argument, NULL, 'K' },
		{ "basis", required_argument, NULL, OPT_BASIS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	tool_init("lsmfit", argv);
	while ((c = getopt_long(argc, argv, "p:K:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!payoff_american(optarg, &is_call))
				usage_error("--payoff: '%s' is not american-put or american-call", optarg);
			break;
		case 'K': strike = opt_positive("--strike", optarg); break;
		case OPT_BASIS: degree = (int)opt_int("--basis", optarg, 1, MAX_DEGREE); break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}

	struct stream in;
	struct fit f;
	stream_open(&in, argc - optind, argv + optind);
	read_training(&in);
	fit_rule(&f);
	write_fit(&in, &f);
	stream_close(&in);
	free(prices);
	free(variances);
	free(f.coef);
	free(f.itm);
	finish_output();
	return 0;
}
