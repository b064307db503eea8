/* backtest: walk-forward Value at Risk on daily closes, and its tests.
 *
 * Forecast mode reads closes (`date close`) and, for each day t it is given,
 * forecasts the loss from close t-1 to close t out of the `window` returns
 * before it, two ways: historical simulation (an order statistic of the
 * window's losses) and Monte Carlo with the window's EWMA volatility
 * (RiskMetrics). A day's forecast depends only on the closes and on
 * (seed, t), so days computed in any split, by any number of processes,
 * are the same bytes. Evaluate mode (-e) takes all days' rows and tests
 * them against the realised losses: exceptions, Kupiec's and
 * Christoffersen's likelihood ratios, Basel's traffic light. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detmath.h"
#include "err.h"
#include "normals.h"
#include "numtext.h"
#include "opts.h"
#include "rng.h"
#include "stream.h"
#include "xalloc.h"

/* The Philox stream of the backtest's draws: far from rng.h's small
 * stream numbers and without its RNG_INNER bit, so no other use of a
 * seed ever shares a counter with it. Counter: { scenario / 2, this,
 * day low word, day high word }, scenario % 2 picking the 64-bit half. */
#define RNG_BACKTEST UINT32_C(0x42540000)   /* "BT" */

#define MAX_SCENARIOS 100000000
#define MAX_WINDOW 10000000
#define MAX_CLOSES 100000000   /* a century of seconds' closes; bounds -e's memory */
#define BLOCK_DAYS 250   /* Basel's traffic light counts over 250 days */

static const char synopsis[] =
	"backtest [-w window] [-l level] [-L lambda] [-n scenarios] [--seed seed] "
	"[-f first] [-c count] [file]\n"
	"       backtest -e [-d days-file] [file ...]";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Walk-forward one-day Value at Risk on daily closes, and its backtest.\n\n"
	       "Forecast (closes 'date close' in):\n"
	       "  -w, --window W      returns per forecast, 2 to 10^7 (default 250)\n"
	       "  -l, --level A       VaR level, 0 < A < 1 (default 0.99)\n"
	       "  -L, --lambda L      EWMA decay, 0 <= L <= 1 (default 0.94)\n"
	       "  -n, --scenarios N   Monte Carlo scenarios a day, 1 to 10^8 (default 10000)\n"
	       "      --seed X        64-bit seed, decimal or 0x hex (default 1)\n"
	       "  -f, --first T       first day to forecast, a row number of the closes\n"
	       "                      counted from 0, at least W+1 (default W+1)\n"
	       "  -c, --count C       days to forecast (default: to the last close)\n"
	       "Evaluate (forecast rows in):\n"
	       "  -e, --evaluate      test the forecasts against the realised losses\n"
	       "  -d, --days FILE     also write all days' rows, in order, to FILE\n"
	       "  -h, --help          show this help\n"
	       "  -V, --version       show the version\n\n"
	       "Forecast output: day date loss var_hs var_mc sigma, one row a day.\n"
	       "Evaluate output: method statistic value p_value zone.\n",
	       synopsis);
	finish_output();
	exit(0);
}

/* ---- shared -------------------------------------------------------------- */

static void put_number(double value, char separator)
{
	char text[NUM_TEXT_MAX];
	num_format(text, value);
	printf("%s%c", text, separator);
}

/* The input's metadata, passed on as filters do: all but the keys that
 * name a tool or a shard's range, which are the writer's own. */
static void put_metadata(const struct stream *in)
{
	bool any = false;
	for (int i = 0; i < in->nmeta; i++) {
		if (!meta_key_is_identity(in->meta[i].key))
			continue;
		printf("%s%s=%s", any ? " " : "# ", in->meta[i].key, in->meta[i].value);
		any = true;
	}
	if (any)
		putchar('\n');
}

/* The rank, from the largest, of the VaR at `level` among n losses: the
 * lower quantile of the sample, the smallest loss with at most
 * M = (1 - level) n losses above it, k = floor(M) + 1 (at 99% of 250, the
 * third largest; of 100, the second). M is computed in doubles, so for
 * LEVEL=0.8 and n=10 it is 1.9999999999999996, not 2: an M within 1e-9 of
 * an integer counts as that integer, as the level's decimal text means. */
static uint64_t var_rank(double level, uint64_t n)
{
	double mass = (1 - level) * (double)n;
	double nearest = nearbyint(mass);
	double below = fabs(mass - nearest) <= 1e-9 ? nearest : floor(mass);
	return below + 1 < (double)n ? (uint64_t)below + 1 : n;
}

/* ---- forecast -------------------------------------------------------------- */

struct closes {
	char **date;
	double *close;
	size_t n, cap;
};

static bool is_date(const char *text)
{
	static const char shape[] = "dddd-dd-dd";
	for (int i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? (text[i] < '0' || text[i] > '9') : text[i] != shape[i])
			return false;
	}
	return text[10] == '\0';
}

static void read_closes(struct stream *in, struct closes *c)
{
	enum record r;
	int date_col = -1, close_col = -1;

	while ((r = stream_next(in)) != RECORD_END) {
		if (r == RECORD_META)
			continue;
		if (date_col < 0) {
			date_col = stream_column(in, "date");
			close_col = stream_column(in, "close");
			if (date_col < 0 || close_col < 0)
				data_error(stream_header_where(in), "want columns 'date' and 'close'");
		}
		const char *date = in->fields[date_col];
		if (!is_date(date))
			data_error(stream_where(in), "date '%s' is not YYYY-MM-DD", date);
		if (c->n > 0 && strcmp(date, c->date[c->n - 1]) <= 0)
			data_error(stream_where(in), "date %s does not follow %s", date, c->date[c->n - 1]);
		double close = stream_field_double(in, close_col);
		if (!(close > 0))
			data_error(stream_where(in), "close '%s' is not positive", in->fields[close_col]);
		/* a return that overflows or underflows would make a VaR of inf or 0 */
		double ratio = c->n > 0 ? close / c->close[c->n - 1] : 1;
		if (!(ratio > 0 && ratio < HUGE_VAL))
			data_error(stream_where(in), "close '%s' after %s: the return is out of range",
			           in->fields[close_col], c->date[c->n - 1]);
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 1024;
			c->date = xreallocarray(c->date, c->cap, sizeof *c->date);
			c->close = xreallocarray(c->close, c->cap, sizeof *c->close);
		}
		c->date[c->n] = xstrdup(date);
		c->close[c->n++] = close;
	}
	if (in->ncolumns == 0)
		data_error(in->name ? in->name : "stdin", "no header: empty input?");
}

/* The k-th smallest (from 0) of a[0..n), moving a's elements about
 * (Wirth's selection, "Algorithms + Data Structures = Programs", 1976,
 * with a median-of-three pivot). The value depends only on the multiset,
 * not on the algorithm. */
static double select_kth(double *a, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
	while (lo < hi) {
		double x = a[lo], y = a[lo + (hi - lo) / 2], w = a[hi];
		double pivot = x < y ? (y < w ? y : x < w ? w : x) : (x < w ? x : y < w ? w : y);
		ptrdiff_t i = lo, j = hi;
		do {
			while (a[i] < pivot) i++;
			while (pivot < a[j]) j--;
			if (i <= j) {
				double t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		} while (i <= j);
		if (j < kk) lo = i;
		if (kk < i) hi = j;
	}
	return a[kk];
}

struct forecast_options {
	uint64_t window, scenarios, seed;
	double level, lambda;
};

/* sigma: sqrt of the EWMA of the window's squared log returns, weights
 * lambda^j on the j-th latest, normalised to sum to one over the window
 * (RiskMetrics Technical Document, 4th ed., 1996, chapter 5: the EWMA in
 * section 5.2, the daily decay 0.94 in 5.3; here with zero
 * mean, truncated at the window). */
static double ewma_sigma(const double *logret, uint64_t window, double lambda)
{
	double weighted = 0, total = 0, w = 1;
	for (uint64_t j = 0; j < window; j++) {
		double r = logret[-(ptrdiff_t)j];
		weighted += w * (r * r);
		total += w;
		w *= lambda;
	}
	return sqrt(weighted / total);
}

/* The k-th smallest of the day's standard normals, scenario j drawn from
 * the 64-bit half j % 2 of Philox block j / 2 of (seed, day). */
static double kth_normal(const struct forecast_options *o, uint64_t day, uint64_t k, double *z)
{
	static struct normal_scratch scratch;
	static uint32_t lo[NORMALS_MAX], hi[NORMALS_MAX];

	for (uint64_t j0 = 0; j0 < o->scenarios; j0 += NORMALS_MAX) {
		uint64_t len = o->scenarios - j0 < NORMALS_MAX ? o->scenarios - j0 : NORMALS_MAX;
		for (uint64_t j = 0; j < len; j += 2) {
			uint64_t words[2];
			rng_block(o->seed, RNG_BACKTEST, day, (uint32_t)((j0 + j) / 2), words);
			for (int h = 0; h < 2 && j + h < len; h++) {
				lo[j + h] = (uint32_t)words[h];
				hi[j + h] = (uint32_t)(words[h] >> 32);
			}
		}
		normals_from_words(lo, hi, (int)len, z + j0, &scratch);
	}
	return select_kth(z, o->scenarios, k - 1);
}

static void forecast(const struct forecast_options *o, const char *first_text,
                     const char *count_text, char *name)
{
	struct stream in;
	struct closes c = { 0 };

	stream_open(&in, name ? 1 : 0, name ? &name : NULL);
	read_closes(&in, &c);
	if (c.n < o->window + 2)
		data_error(in.name ? in.name : "stdin",
		           "%zu closes: a window of %llu returns needs at least %llu",
		           c.n, (unsigned long long)o->window, (unsigned long long)o->window + 2);
	uint64_t lowest = o->window + 1, end = c.n;
	uint64_t first = first_text ? (uint64_t)opt_int("--first", first_text, 0, INT64_MAX) : lowest;
	if (first < lowest || first >= end)
		usage_error("--first: %llu is not a day with a forecast (%llu to %llu)",
		            (unsigned long long)first, (unsigned long long)lowest,
		            (unsigned long long)end - 1);
	uint64_t count = count_text ? (uint64_t)opt_int("--count", count_text, 1, INT64_MAX)
	                            : end - first;
	if (count > end - first)
		usage_error("--count: %llu days from %llu pass the last close (%llu)",
		            (unsigned long long)count, (unsigned long long)first,
		            (unsigned long long)end - 1);

	/* loss[i] and logret[i]: from close i-1 to close i */
	double *loss = xreallocarray(NULL, c.n, sizeof *loss);
	double *logret = xreallocarray(NULL, c.n, sizeof *logret);
	for (size_t i = 1; i < c.n; i++) {
		double ratio = c.close[i] / c.close[i - 1];
		loss[i] = 1 - ratio;
		logret[i] = det_log(ratio);
	}
	double *sample = xreallocarray(NULL, o->window, sizeof *sample);
	double *z = xreallocarray(NULL, o->scenarios, sizeof *z);
	uint64_t k_hs = var_rank(o->level, o->window);
	uint64_t k_mc = var_rank(o->level, o->scenarios);

	put_metadata(&in);
	printf("# tool=backtest closes=%zu window=%llu level=", c.n, (unsigned long long)o->window);
	put_number(o->level, ' ');
	printf("lambda=");
	put_number(o->lambda, ' ');
	printf("scenarios=%llu seed=%llu\n", (unsigned long long)o->scenarios,
	       (unsigned long long)o->seed);
	printf("day\tdate\tloss\tvar_hs\tvar_mc\tsigma\n");
	for (uint64_t t = first; t < first + count; t++) {
		memcpy(sample, loss + (t - o->window), o->window * sizeof *sample);
		/* the k-th largest loss is the (window - k)-th smallest, from 0 */
		double var_hs = select_kth(sample, o->window, o->window - k_hs);
		double sigma = ewma_sigma(logret + t - 1, o->window, o->lambda);
		/* loss 1 - exp(sigma z) falls as z grows: the k-th largest loss
		 * is that of the k-th smallest z, the same bits as sorting them */
		double var_mc = 1 - det_exp(sigma * kth_normal(o, t, k_mc, z));
		printf("%llu\t%s\t", (unsigned long long)t, c.date[t]);
		put_number(loss[t], '\t');
		put_number(var_hs, '\t');
		put_number(var_mc, '\t');
		put_number(sigma, '\n');
	}
	for (size_t i = 0; i < c.n; i++)
		free(c.date[i]);
	free(c.date);
	free(c.close);
	free(loss);
	free(logret);
	free(sample);
	free(z);
	stream_close(&in);
}

/* ---- evaluate -------------------------------------------------------------- */

struct day {
	bool seen;
	char date[11];
	double loss, var[2], sigma;
};

static const char *const method_name[2] = { "hs", "mc" };

/* x ln y, with 0 ln 0 = 0 (the likelihoods' convention). */
static double xlogy(double x, double y)
{
	return x == 0 ? 0 : x * log(y);
}

/* P(chi-square with 1 degree of freedom > x) = erfc(sqrt(x/2)). */
static double chi2_1_tail(double x)
{
	return erfc(sqrt(x / 2));
}

/* Kupiec's proportion-of-failures likelihood ratio (Kupiec, "Techniques
 * for verifying the accuracy of risk measurement models", J. Derivatives
 * 3(2), 1995, 73-84): x exceptions in n days against probability p,
 *   LR = -2 ln[(1-p)^(n-x) p^x] + 2 ln[(1-x/n)^(n-x) (x/n)^x]. */
static double kupiec(uint64_t x, uint64_t n, double p)
{
	double rate = (double)x / (double)n, nx = (double)(n - x), dx = (double)x;
	double lr = -2 * (xlogy(nx, 1 - p) + xlogy(dx, p)) + 2 * (xlogy(nx, 1 - rate) + xlogy(dx, rate));
	return lr > 0 ? lr : 0;   /* rounding may leave -1e-16 where it is 0 */
}

/* Christoffersen's independence likelihood ratio (Christoffersen,
 * "Evaluating interval forecasts", Int. Econ. Rev. 39(4), 1998, 841-862):
 * with n_ij the days in state j after a day in state i (1: exception),
 * pi_0 = n01/(n00+n01), pi_1 = n11/(n10+n11), pi = (n01+n11)/total,
 *   LR = -2 ln[(1-pi)^(n00+n10) pi^(n01+n11)]
 *        + 2 ln[(1-pi_0)^n00 pi_0^n01 (1-pi_1)^n10 pi_1^n11]. */
static double christoffersen(const uint64_t n[2][2])
{
	double n00 = (double)n[0][0], n01 = (double)n[0][1];
	double n10 = (double)n[1][0], n11 = (double)n[1][1];
	double pi = (n01 + n11) / (n00 + n01 + n10 + n11);
	double pi0 = n00 + n01 > 0 ? n01 / (n00 + n01) : 0;
	double pi1 = n10 + n11 > 0 ? n11 / (n10 + n11) : 0;
	double lr = -2 * (xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi))
	            + 2 * (xlogy(n00, 1 - pi0) + xlogy(n01, pi0) + xlogy(n10, 1 - pi1) + xlogy(n11, pi1));
	return lr > 0 ? lr : 0;
}

/* P(X <= x) for X binomial(n, p): Basel's "cumulative probability". */
static double binomial_cdf(uint64_t x, uint64_t n, double p)
{
	double term = pow(1 - p, (double)n), sum = term;
	for (uint64_t i = 0; i < x && i < n; i++) {
		term *= (double)(n - i) / (double)(i + 1) * p / (1 - p);
		sum += term;
	}
	return sum < 1 ? sum : 1;
}

/* Basel Committee on Banking Supervision, "Supervisory framework for the
 * use of backtesting in conjunction with the internal models approach to
 * market risk capital requirements", January 1996, Table 2: the yellow
 * zone starts where P(X <= x) reaches 95%, the red where it reaches
 * 99.99% (green 0-4, yellow 5-9, red 10+ exceptions in 250 days at 99%). */
static const char *zone(double cumulative)
{
	return cumulative < 0.95 ? "green" : cumulative < 0.9999 ? "yellow" : "red";
}

static void put_row(const char *method, const char *statistic, double value,
                    const double *p_value, const char *zone_name)
{
	printf("%s\t%s\t", method, statistic);
	put_number(value, '\t');
	if (p_value)
		put_number(*p_value, '\t');
	else
		fputs("-\t", stdout);
	printf("%s\n", zone_name ? zone_name : "-");
}

static void report(int m, const struct day *day, uint64_t first, uint64_t n, double level)
{
	const char *name = method_name[m];
	double p = 1 - level;
	uint64_t x = 0, trans[2][2] = { { 0 } };
	bool before = false;

	for (uint64_t i = 0; i < n; i++) {
		bool exception = day[first + i].loss > day[first + i].var[m];
		x += exception;
		if (i > 0)
			trans[before][exception]++;
		before = exception;
	}
	put_row(name, "days", (double)n, NULL, NULL);
	put_row(name, "exceptions", (double)x, NULL, NULL);
	put_row(name, "expected", p * (double)n, NULL, NULL);
	/* per calendar year */
	for (uint64_t i = 0; i < n;) {
		uint64_t count = 0, j = i;
		for (; j < n && memcmp(day[first + j].date, day[first + i].date, 4) == 0; j++)
			count += day[first + j].loss > day[first + j].var[m];
		char statistic[32];
		snprintf(statistic, sizeof statistic, "exceptions-%.4s", day[first + i].date);
		put_row(name, statistic, (double)count, NULL, NULL);
		i = j;
	}
	double lr_pof = kupiec(x, n, p), lr_ind = christoffersen(trans);
	double p_pof = chi2_1_tail(lr_pof), p_ind = chi2_1_tail(lr_ind);
	double p_cc = exp(-(lr_pof + lr_ind) / 2);   /* chi-square, 2 degrees */
	put_row(name, "kupiec", lr_pof, &p_pof, NULL);
	put_row(name, "christoffersen", lr_ind, &p_ind, NULL);
	put_row(name, "conditional-coverage", lr_pof + lr_ind, &p_cc, NULL);
	/* Basel blocks of 250 days from the first; a last partial one is left out */
	for (uint64_t b = 0; (b + 1) * BLOCK_DAYS <= n; b++) {
		uint64_t count = 0;
		for (uint64_t i = b * BLOCK_DAYS; i < (b + 1) * BLOCK_DAYS; i++)
			count += day[first + i].loss > day[first + i].var[m];
		double at_least = count ? 1 - binomial_cdf(count - 1, BLOCK_DAYS, p) : 1;
		char statistic[32];
		snprintf(statistic, sizeof statistic, "block-%s", day[first + b * BLOCK_DAYS].date);
		put_row(name, statistic, (double)count, &at_least, zone(binomial_cdf(count, BLOCK_DAYS, p)));
	}
	/* the worst 250 days, wherever they start: what a supervisor counting
	 * over the latest 250 days every day would have seen at the worst */
	if (n >= BLOCK_DAYS) {
		uint64_t count = 0, worst = 0, worst_at = 0;
		for (uint64_t i = 0; i < n; i++) {
			count += day[first + i].loss > day[first + i].var[m];
			if (i >= BLOCK_DAYS)
				count -= day[first + i - BLOCK_DAYS].loss > day[first + i - BLOCK_DAYS].var[m];
			if (i + 1 >= BLOCK_DAYS && count > worst) {
				worst = count;
				worst_at = i + 1 - BLOCK_DAYS;
			}
		}
		double at_least = worst ? 1 - binomial_cdf(worst - 1, BLOCK_DAYS, p) : 1;
		char statistic[40];
		snprintf(statistic, sizeof statistic, "worst-block-%s", day[first + worst_at].date);
		put_row(name, statistic, (double)worst, &at_least, zone(binomial_cdf(worst, BLOCK_DAYS, p)));
	}
}

static uint64_t meta_count(struct stream *in, const char *key)
{
	const char *text = stream_meta(in, key);
	uint64_t value;
	if (!text || !num_parse_u64(text, strlen(text), &value))
		data_error(in->name ? in->name : "stdin", "metadata %s= missing or not a count", key);
	return value;
}

static void evaluate(int ninputs, char **inputs, const char *days_name)
{
	static const char *const need[] = { "day", "date", "loss", "var_hs", "var_mc", "sigma" };
	struct stream in;
	struct day *day = NULL;
	uint64_t closes = 0, window = 0;
	int col[6];
	enum record r;

	stream_open(&in, ninputs, inputs);
	while ((r = stream_next(&in)) != RECORD_END) {
		if (r == RECORD_META)
			continue;
		if (!day) {
			for (int i = 0; i < 6; i++)
				if ((col[i] = stream_column(&in, need[i])) < 0)
					data_error(stream_header_where(&in), "no column '%s'", need[i]);
			closes = meta_count(&in, "closes");
			window = meta_count(&in, "window");
			if (closes > MAX_CLOSES)
				data_error(stream_header_where(&in), "metadata closes=%llu: more than %d",
				           (unsigned long long)closes, MAX_CLOSES);
			if (closes < 2 || window > closes - 2)
				data_error(stream_header_where(&in), "metadata closes=%llu window=%llu: no forecast day",
				           (unsigned long long)closes, (unsigned long long)window);
			day = xreallocarray(NULL, closes, sizeof *day);
			memset(day, 0, closes * sizeof *day);
		}
		uint64_t t;
		const char *text = in.fields[col[0]];
		if (!num_parse_u64(text, strlen(text), &t) || t <= window || t >= closes)
			data_error(stream_where(&in), "day '%s' is not from %llu to %llu", text,
			           (unsigned long long)window + 1, (unsigned long long)closes - 1);
		if (day[t].seen)
			data_error(stream_where(&in), "day %llu a second time", (unsigned long long)t);
		if (!is_date(in.fields[col[1]]))
			data_error(stream_where(&in), "date '%s' is not YYYY-MM-DD", in.fields[col[1]]);
		day[t].seen = true;
		memcpy(day[t].date, in.fields[col[1]], 11);
		day[t].loss = stream_field_double(&in, col[2]);
		day[t].var[0] = stream_field_double(&in, col[3]);
		day[t].var[1] = stream_field_double(&in, col[4]);
		day[t].sigma = stream_field_double(&in, col[5]);
	}
	if (!day)
		data_error(in.name ? in.name : "stdin", "no header: empty input?");
	double level = stream_meta_double(&in, "level");
	if (!(level > 0 && level < 1))
		data_error(in.name ? in.name : "stdin", "metadata level=%s is not in (0, 1)",
		           stream_meta(&in, "level"));
	uint64_t first = window + 1, n = closes - first;
	for (uint64_t t = first; t < closes; t++) {
		if (!day[t].seen)
			data_error(in.name ? in.name : "stdin", "day %llu missing (days %llu to %llu expected)",
			           (unsigned long long)t, (unsigned long long)first,
			           (unsigned long long)closes - 1);
		if (t > first && strcmp(day[t].date, day[t - 1].date) <= 0)
			data_error(in.name ? in.name : "stdin", "day %llu: date %s does not follow %s",
			           (unsigned long long)t, day[t].date, day[t - 1].date);
	}

	if (days_name) {
		FILE *f = fopen(days_name, "w");
		if (!f)
			fatal("%s:", days_name);
		FILE *saved = stdout;
		stdout = f;
		put_metadata(&in);
		printf("# tool=backtest\n");
		printf("day\tdate\tloss\tvar_hs\tvar_mc\tsigma\texception_hs\texception_mc\n");
		for (uint64_t t = first; t < closes; t++) {
			printf("%llu\t%s\t", (unsigned long long)t, day[t].date);
			put_number(day[t].loss, '\t');
			put_number(day[t].var[0], '\t');
			put_number(day[t].var[1], '\t');
			put_number(day[t].sigma, '\t');
			printf("%d\t%d\n", day[t].loss > day[t].var[0], day[t].loss > day[t].var[1]);
		}
		bool bad = ferror(f) != 0;
		bad |= fclose(f) != 0;
		stdout = saved;
		if (bad)
			fatal("%s: write error", days_name);
	}

	put_metadata(&in);
	printf("# tool=backtest\n");
	printf("method\tstatistic\tvalue\tp_value\tzone\n");
	for (int m = 0; m < 2; m++)
		report(m, day, first, n, level);
	free(day);
	stream_close(&in);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "window", required_argument, NULL, 'w' },
		{ "level", required_argument, NULL, 'l' },
		{ "lambda", required_argument, NULL, 'L' },
		{ "scenarios", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "first", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{ "evaluate", no_argument, NULL, 'e' },
		{ "days", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct forecast_options o = { 250, 10000, 1, 0.99, 0.94 };
	const char *first = NULL, *count = NULL, *days = NULL;
	bool eval = false, forecast_option = false;
	int c;

	tool_init("backtest", argv);
	while ((c = getopt_long(argc, argv, "w:l:L:n:f:c:ed:hV", longopts, NULL)) != -1) {
		forecast_option |= c != 0 && strchr("wlLnSfc", c) != NULL;
		switch (c) {
		case 'w': o.window = (uint64_t)opt_int("--window", optarg, 2, MAX_WINDOW); break;
		case 'l':
			o.level = opt_double("--level", optarg);
			if (!(o.level > 0 && o.level < 1))
				usage_error("--level: '%s' is not between 0 and 1", optarg);
			break;
		case 'L':
			o.lambda = opt_double("--lambda", optarg);
			if (!(o.lambda >= 0 && o.lambda <= 1))
				usage_error("--lambda: '%s' is not from 0 to 1", optarg);
			break;
		case 'n': o.scenarios = (uint64_t)opt_int("--scenarios", optarg, 1, MAX_SCENARIOS); break;
		case 'S': o.seed = opt_seed("--seed", optarg); break;
		case 'f': first = optarg; break;
		case 'c': count = optarg; break;
		case 'e': eval = true; break;
		case 'd': days = optarg; break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (eval && forecast_option)
		usage_error("--evaluate takes the forecasts' settings from their metadata, not options");
	if (!eval && days)
		usage_error("--days goes with --evaluate");
	if (eval)
		evaluate(argc - optind, argv + optind, days);
	else if (argc - optind > 1)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	else
		forecast(&o, first, count, optind < argc ? argv[optind] : NULL);
	finish_output();
	return 0;
}
