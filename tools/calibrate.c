/* calibrate: fit Heston's parameters to an implied-volatility surface.
 *
 * Two modes, the two stages of make calibrate:
 *   --evaluate V0 KAPPA THETA XI RHO [...]: each candidate (five values)
 *     prices the whole surface with the analytic pricer (heston.h) and
 *     gets one row: its parameters, its objective and a status; a candidate
 *     that fails (bad parameters, an integral that does not converge, a
 *     number that is not finite) gets its row too, objective nan.
 *     --candidates FILE reads them as rows of a stream instead (gridgen's
 *     output): a batch of make calibrate's search has tens of thousands,
 *     past the kernel's limit on a command line (E2BIG).
 *   --refine FILE: Levenberg-Marquardt (GSL's gsl_multifit_nlinear) from the
 *     best --starts rows of FILE (--evaluate's output), within bounds.
 *
 * Objective (--objective): iv, the default, makes a quote's residual its
 * implied-volatility error, model iv - market iv, the model price
 * inverted by black_implied (as QuantLib's ImpliedVolError); vega makes it
 * the price error over the market Black vega, (model - market)/vega, the
 * same to first order without an inversion. The objective is the root
 * mean square of the residuals. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_multifit_nlinear.h>

#include "black.h"
#include "err.h"
#include "heston.h"
#include "numtext.h"
#include "opts.h"
#include "stream.h"
#include "surface.h"
#include "xalloc.h"

static const char synopsis[] =
	"calibrate --surface file --evaluate v0 kappa theta xi rho ...\n"
	"       calibrate --surface file --evaluate --candidates file\n"
	"       calibrate --surface file --refine candidates [--starts n] [--fit file]\n"
	"       (either with [--objective iv|vega])";

/* The bounds of the refinement (the search grid must lie inside them). */
static const double lo[5] = { 1e-4, 1e-3, 1e-4, 1e-3, -0.999 };
static const double hi[5] = { 2, 20, 2, 5, 0.999 };
static const char *names[5] = { "v0", "kappa", "theta", "xi", "rho" };
static int iv_objective = 1;

/* Pricing tolerance inside the fit: 1e-13 of the spot, so that the
 * adaptive quadrature's noise stays far below the finite differences of
 * the Jacobian (steps of FD_STEP in the unbounded parameters). */
#define TOL 1e-13
#define FD_STEP 1e-6
/* The search only ranks candidates: 1e-10 of the spot is plenty. */
#define SEARCH_TOL 1e-10

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Fit Heston's v0 kappa theta xi rho to a surface (maturity strike iv|price).\n\n"
	       "      --surface FILE   the quotes (metadata s0=, q=, r= or a rate column)\n"
	       "      --evaluate ...   one row per candidate (five values each): its\n"
	       "                       objective, the RMS vega-weighted price error\n"
	       "      --candidates FILE  --evaluate's candidates from FILE (- for stdin):\n"
	       "                       columns v0 kappa theta xi rho (gridgen's output)\n"
	       "      --refine FILE    Levenberg-Marquardt from FILE's best candidates\n"
	       "      --starts N       how many (default 3)\n"
	       "      --fit FILE       write every quote's fit to FILE\n"
	       "      --objective X    iv (implied-vol errors, default) or vega\n"
	       "                       (price errors over the market's Black vega)\n"
	       "  -h, --help           show this help\n"
	       "  -V, --version        show the version\n",
	       synopsis);
	finish_output();
	exit(0);
}

static void put_num(double x)
{
	char buf[NUM_TEXT_MAX];
	if (isnan(x)) {
		fputs("nan", stdout);
		return;
	}
	num_format(buf, x + 0.0);
	fputs(buf, stdout);
}

static const char *status_name(enum heston_status st)
{
	switch (st) {
	case HESTON_OK: return "ok";
	case HESTON_BAD_PARAMS: return "bad-parameters";
	case HESTON_NO_CONVERGENCE: return "no-convergence";
	case HESTON_NOT_FINITE: return "not-finite";
	}
	return "?";
}

static enum heston_status residuals(struct surface *s, const struct heston *h, double *res,
                                   double tol)
{
	enum heston_status st = surface_heston(s, h, res, tol, NULL);
	for (size_t i = 0; i < s->n; i++) {
		const struct quote *q = &s->quotes[i];
		if (iv_objective) {
			double sd;
			/* A model price below the intrinsic value (rounding, deep out
			 * of the money) has no implied vol: its residual falls back to
			 * the vega-weighted one. */
			if (black_implied(q->phi, q->F, q->K, res[i] / q->df, &sd) == BLACK_OK)
				res[i] = sd / sqrt(q->T) - q->iv;
			else
				res[i] = (res[i] - q->price) / q->vega;
		} else {
			res[i] = (res[i] - q->price) / q->vega;
		}
		if (!isfinite(res[i]) && st == HESTON_OK)
			st = HESTON_NOT_FINITE;
	}
	return st;
}

static double rms(const double *x, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += x[i] * x[i];
	return sqrt(sum / (double)n);
}

/* One candidate's row: its five values as given, its objective, its status. */
static void evaluate_one(struct surface *s, const double p[5], double *res)
{
	for (int k = 0; k < 5; k++) {
		put_num(p[k]);
		putchar('\t');
	}
	struct heston h = { p[0], p[1], p[2], p[3], p[4] };
	enum heston_status st = residuals(s, &h, res, SEARCH_TOL);
	put_num(st == HESTON_OK ? rms(res, s->n) : NAN);
	printf("\t%s\n", status_name(st));
}

static void evaluate(struct surface *s, int argc, char **argv)
{
	if (argc == 0 || argc % 5)
		usage_error("--evaluate: the candidates need five values each (v0 kappa theta xi rho), got %d",
		            argc);
	double *res = xreallocarray(NULL, s->n, sizeof *res);
	printf("v0\tkappa\ttheta\txi\trho\tobjective\tstatus\n");
	for (int c = 0; c < argc; c += 5) {
		double p[5];
		for (int k = 0; k < 5; k++)
			p[k] = opt_double(names[k], argv[c + k]);
		evaluate_one(s, p, res);
	}
	free(res);
}

/* The columns v0 .. rho of the stream's header, once it has one. */
static void candidate_columns(struct stream *st, int col[5])
{
	for (int k = 0; k < 5; k++)
		if ((col[k] = stream_column(st, names[k])) < 0)
			data_error(stream_header_where(st), "candidates need columns v0 kappa theta xi rho");
}

/* --evaluate --candidates FILE: the candidates as rows of a stream, read
 * by column name (other columns ignored), the same numbers as from the
 * command line (num_parse both), so the same rows. A FILE without a
 * candidate is a data error, as none on the command line is a usage
 * one: make calibrate never gives an empty batch (calibrate-shard
 * refuses one), and a header alone would pass for a search that found
 * nothing. */
static void evaluate_file(struct surface *s, const char *path)
{
	struct stream st;
	char *inputs[1] = { (char *)path };
	int col[5] = { -1, -1, -1, -1, -1 };
	double *res = xreallocarray(NULL, s->n, sizeof *res);
	enum record rec;
	size_t rows = 0;

	stream_open(&st, 1, inputs);
	while ((rec = stream_next(&st)) != RECORD_END) {
		if (rec != RECORD_ROW)
			continue;
		if (col[0] < 0) {
			candidate_columns(&st, col);
			printf("v0\tkappa\ttheta\txi\trho\tobjective\tstatus\n");
		}
		rows++;
		double p[5];
		for (int k = 0; k < 5; k++)
			p[k] = stream_field_double(&st, col[k]);
		evaluate_one(s, p, res);
	}
	const char *name = st.name ? st.name : "stdin";
	if (st.ncolumns == 0)
		data_error(name, "no header: empty input?");
	if (rows == 0) {
		candidate_columns(&st, col);
		data_error(name, "no candidates (a header and no rows)");
	}
	stream_close(&st);
	free(res);
}

/* --- refinement ---------------------------------------------------------- */

/* The fit runs in unbounded y: p = lo + (hi - lo) / (1 + e^{-y}). */
static double to_p(int k, double y) { return lo[k] + (hi[k] - lo[k]) / (1 + exp(-y)); }
static double to_y(int k, double p) { double u = (p - lo[k]) / (hi[k] - lo[k]); return log(u / (1 - u)); }
static double dp_dy(int k, double y) { double e = 1 / (1 + exp(-y)); return (hi[k] - lo[k]) * e * (1 - e); }

struct fitdata {
	struct surface *s;
	double *scratch;
	int failures;
};

static int fit_f(const gsl_vector *y, void *data, gsl_vector *f)
{
	struct fitdata *d = data;
	struct heston h = { to_p(0, gsl_vector_get(y, 0)), to_p(1, gsl_vector_get(y, 1)),
	                    to_p(2, gsl_vector_get(y, 2)), to_p(3, gsl_vector_get(y, 3)),
	                    to_p(4, gsl_vector_get(y, 4)) };
	/* f may be a column of GSL's Jacobian (a stride): fill it element-wise. */
	enum heston_status hs = residuals(d->s, &h, d->scratch, TOL);
	if (hs != HESTON_OK) {
		d->failures++;
		return GSL_EDOM;
	}
	for (size_t i = 0; i < d->s->n; i++)
		gsl_vector_set(f, i, d->scratch[i]);
	return GSL_SUCCESS;
}

struct candidate {
	double p[5], objective;
};

static int by_objective(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	return (x->objective > y->objective) - (x->objective < y->objective);
}

/* Reads --evaluate's rows; failed candidates are counted and reported. */
static struct candidate *read_candidates(const char *path, size_t *n, size_t *failed)
{
	struct stream st;
	char *inputs[1] = { (char *)path };
	struct candidate *c = NULL;
	size_t cap = 0;
	int col[6], cs = -1;

	*n = *failed = 0;
	stream_open(&st, 1, inputs);
	enum record rec;
	while ((rec = stream_next(&st)) != RECORD_END) {
		if (rec != RECORD_ROW)
			continue;
		if (cs < 0) {
			for (int k = 0; k < 5; k++)
				col[k] = stream_column(&st, names[k]);
			col[5] = stream_column(&st, "objective");
			cs = stream_column(&st, "status");
			for (int k = 0; k < 6; k++)
				if (col[k] < 0 || cs < 0)
					data_error(stream_header_where(&st),
					           "candidates need columns v0 kappa theta xi rho objective status");
		}
		if (strcmp(st.fields[cs], "ok") != 0) {
			(*failed)++;
			continue;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			c = xreallocarray(c, cap, sizeof *c);
		}
		for (int k = 0; k < 5; k++)
			c[*n].p[k] = stream_field_double(&st, col[k]);
		c[*n].objective = stream_field_double(&st, col[5]);
		(*n)++;
	}
	stream_close(&st);
	return c;
}

static void refine(struct surface *s, const char *cand_path, int starts, const char *fit_path)
{
	size_t nc, failed;
	struct candidate *c = read_candidates(cand_path, &nc, &failed);
	if (nc == 0)
		fatal("%s: no candidate priced the surface (%zu failed)", cand_path, failed);
	qsort(c, nc, sizeof *c, by_objective);
	if ((size_t)starts > nc)
		starts = (int)nc;

	struct fitdata d = { s, xreallocarray(NULL, s->n, sizeof(double)), 0 };
	gsl_multifit_nlinear_fdf fdf = { .f = fit_f, .df = NULL, .fvv = NULL,
	                                 .n = s->n, .p = 5, .params = &d };
	gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
	fp.h_df = FD_STEP;
	gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(
		gsl_multifit_nlinear_trust, &fp, s->n, 5);
	gsl_vector *y = gsl_vector_alloc(5), *best_y = gsl_vector_alloc(5);
	gsl_matrix *covar = gsl_matrix_alloc(5, 5), *best_cov = gsl_matrix_alloc(5, 5);
	double best = INFINITY;
	int best_start = -1;
	size_t best_iter = 0;
	for (int i = 0; i < starts; i++) {
		for (int k = 0; k < 5; k++) {
			double p = fmin(fmax(c[i].p[k], lo[k] + 1e-9 * (hi[k] - lo[k])),
			                hi[k] - 1e-9 * (hi[k] - lo[k]));
			gsl_vector_set(y, k, to_y(k, p));
		}
		gsl_multifit_nlinear_init(y, &fdf, w);
		int info;
		int rc = gsl_multifit_nlinear_driver(200, 1e-10, 1e-10, 1e-12, NULL, NULL, &info, w);
		gsl_vector *f = gsl_multifit_nlinear_residual(w);
		double obj = rms(f->data, s->n);
		fprintf(stderr, "calibrate: start %d (objective %.6g): %s after %zu iterations, objective %.10g\n",
		        i + 1, c[i].objective, rc == GSL_SUCCESS ? "converged" : gsl_strerror(rc),
		        gsl_multifit_nlinear_niter(w), obj);
		if (isfinite(obj) && obj < best) {
			best = obj;
			best_start = i + 1;
			best_iter = gsl_multifit_nlinear_niter(w);
			gsl_vector_memcpy(best_y, gsl_multifit_nlinear_position(w));
			gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 0.0, best_cov);
		}
	}
	if (best_start < 0)
		fatal("no start converged to a finite objective");

	/* Standard errors: cov_y = s^2 (J'J)^{-1} in y, mapped to p by dp/dy. */
	double pv[5], se[5], dof = (double)s->n - 5, s2 = best * best * (double)s->n / dof;
	for (int k = 0; k < 5; k++) {
		double yk = gsl_vector_get(best_y, k);
		pv[k] = to_p(k, yk);
		se[k] = dp_dy(k, yk) * sqrt(s2 * gsl_matrix_get(best_cov, k, k));
	}
	struct heston h = { pv[0], pv[1], pv[2], pv[3], pv[4] };
	double *model = xreallocarray(NULL, s->n, sizeof *model);
	surface_heston(s, &h, model, TOL, NULL);
	double sse = 0;
	FILE *fit = NULL;
	if (fit_path && !(fit = fopen(fit_path, "w")))
		fatal("%s:", fit_path);
	if (fit)
		fprintf(fit, "# tool=calibrate s0=%.17g q=%.17g v0=%.17g kappa=%.17g theta=%.17g xi=%.17g rho=%.17g\n"
		        "maturity\tstrike\trate\tmarket_iv\tmodel_iv\terror_vol_points\tmarket_price\tmodel_price\n",
		        s->s0, s->q, pv[0], pv[1], pv[2], pv[3], pv[4]);
	for (size_t i = 0; i < s->n; i++) {
		const struct quote *q = &s->quotes[i];
		double sd, iv = NAN;
		if (black_implied(q->phi, q->F, q->K, model[i] / q->df, &sd) == BLACK_OK)
			iv = sd / sqrt(q->T);
		double err = 100 * (iv - q->iv);
		sse += err * err;
		if (fit)
			fprintf(fit, "%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.6f\t%.17g\t%.17g\n", q->T, q->K,
			        q->r, q->iv, iv, err, q->price, model[i]);
	}
	if (fit && fclose(fit) != 0)
		fatal("%s:", fit_path);
	double feller = 2 * h.kappa * h.theta - h.xi * h.xi;
	printf("# tool=calibrate objective=%s starts=%d candidates=%zu failed=%zu\n",
	       iv_objective ? "iv" : "vega", starts, nc + failed, failed);
	printf("name\tvalue\tstderr\n");
	for (int k = 0; k < 5; k++) {
		printf("%s\t", names[k]);
		put_num(pv[k]);
		putchar('\t');
		put_num(se[k]);
		putchar('\n');
	}
	printf("objective\t"); put_num(best); printf("\t\n");
	printf("rmse_vol_points\t"); put_num(sqrt(sse / (double)s->n)); printf("\t\n");
	printf("sse_vol_points\t"); put_num(sse); printf("\t\n");
	printf("feller\t"); put_num(feller); printf("\t\n");
	printf("feller_holds\t%d\t\n", feller >= 0);
	printf("start\t%d\t\n", best_start);
	printf("iterations\t%zu\t\n", best_iter);
	printf("quotes\t%zu\t\n", s->n);
	free(model);
	free(d.scratch);
	free(c);
	gsl_vector_free(y);
	gsl_vector_free(best_y);
	gsl_matrix_free(covar);
	gsl_matrix_free(best_cov);
	gsl_multifit_nlinear_free(w);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "surface", required_argument, NULL, 's' },
		{ "evaluate", no_argument, NULL, 'e' },
		{ "candidates", required_argument, NULL, 'c' },
		{ "refine", required_argument, NULL, 'R' },
		{ "starts", required_argument, NULL, 'n' },
		{ "fit", required_argument, NULL, 'f' },
		{ "objective", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *surface_path = NULL, *refine_path = NULL, *fit_path = NULL, *starts = "3";
	const char *candidates_path = NULL;
	int evaluate_mode = 0, c;

	tool_init("calibrate", argv);
	gsl_set_error_handler_off();
	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': surface_path = optarg; break;
		case 'e': evaluate_mode = 1; break;
		case 'c': candidates_path = optarg; break;
		case 'R': refine_path = optarg; break;
		case 'n': starts = optarg; break;
		case 'f': fit_path = optarg; break;
		case 'o':
			if (strcmp(optarg, "iv") == 0)
				iv_objective = 1;
			else if (strcmp(optarg, "vega") == 0)
				iv_objective = 0;
			else
				usage_error("--objective: '%s' is not iv or vega", optarg);
			break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (!surface_path)
		usage_error("--surface is required");
	if (evaluate_mode == !!refine_path)
		usage_error("give one of --evaluate and --refine");
	int nstarts = (int)opt_int("--starts", starts, 1, 1000);
	if (candidates_path && !evaluate_mode)
		usage_error("--candidates goes with --evaluate");
	if ((refine_path || candidates_path) && optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	struct surface s;
	surface_read(&s, surface_path);
	if (candidates_path)
		evaluate_file(&s, candidates_path);
	else if (evaluate_mode)
		evaluate(&s, argc - optind, argv + optind);
	else
		refine(&s, refine_path, nstarts, fit_path);
	surface_free(&s);
	finish_output();
	return 0;
}
