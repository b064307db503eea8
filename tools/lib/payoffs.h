/* payoffs.h: the payoffs, their control variates and Greeks, path by path.
 *
 * One definition for the two tools that price paths: payoff, which reads
 * them as text, and simpaths --payoff, which fuses the two stages for speed
 * and must give the same bits. A `struct payoff` is set up in three steps:
 * payoff_option for each command-line option, payoff_options_done, then
 * payoff_set_model once the model is known (from the stream's metadata or
 * simpaths' own options). After that, payoff_values gives each path's row.
 */
#ifndef MCPIPE_PAYOFFS_H
#define MCPIPE_PAYOFFS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What a payoff needs to know about one path. */
struct path_summary {
	double terminal, arith_mean, geo_mean, max, min;
};

/* Bits of struct path_summary a payoff reads. */
enum need { NEED_ST = 1, NEED_AVG = 2, NEED_GEO = 4, NEED_MAX = 8, NEED_MIN = 16 };
enum barrier_side { NO_BARRIER, UP, DOWN };

struct payoff_kind {
	const char *name;
	unsigned needs;
	enum barrier_side barrier;
	bool path_dependent;   /* meaningless with one monitoring date */
};

enum control_kind { NO_CONTROL, CONTROL_TERMINAL, CONTROL_GEO_ASIAN, CONTROL_VANILLA };
enum greek { DELTA, GAMMA, VEGA, RHO, THETA, NGREEKS };

#define PAYOFF_MAX_VALUES (2 + NGREEKS)   /* price, control, the Greeks */

struct payoff {
	/* from the options */
	const struct payoff_kind *kind;
	double strike, barrier, rebate, control_mean;
	bool strike_given, rebate_given, control_asked, greeks_asked;
	enum control_kind control;
	bool control_is_call;   /* the geometric Asian or vanilla control is a call */
	unsigned needs;         /* what the payoff and its control read (enum need) */

	/* from the model (payoff_set_model) */
	double s0, discount;
	long steps;
	unsigned greek_set;     /* bit g: greek g is a column */
	bool greeks_use_path;   /* they read the whole path S1..Sn */
	double greek_phi;       /* +1 for calls, -1 for puts */
	/* r, q, sigma, T, ln s0, mu = r - q - sigma^2/2, sqrt(T), dt = T/steps,
	 * sqrt(dt), and once per run: sigma sqrt(T), sigma sqrt(dt), mu +
	 * sigma^2, the geometric average's mean factor and volatility */
	double model_r, model_q, model_sigma, model_T, log_s0, mu, sqrt_T, dt, sqrt_dt;
	double vol_T, vol_dt, mu_vega, geo_a, vol_geo;
};

/* The model as simulated. q and sigma may be NAN where not needed: q
 * without the terminal control or Greeks, sigma without Greeks. With a
 * geometric Asian or vanilla control, --control-mean is checked against
 * its closed form when both are known (gbm), or sv is (heston, merton). */
struct model;
struct payoff_model {
	double s0, r, q, sigma, T;
	long steps;
	/* heston or merton (not lognormal): the geometric Asian has no closed
	 * form there, so an arithmetic Asian's control is the vanilla of its
	 * side instead, its mean the model's closed-form European */
	bool not_lognormal;
	/* heston or merton in full (its parameters): the vanilla control's
	 * --control-mean is checked against its closed form (vanilla.h);
	 * NULL where the stream does not say them all */
	const struct model *sv;
};

/* The options payoff_option takes, for a tool's getopt_long table, and
 * their short letters for its optstring. */
enum { PAYOFF_OPT_BARRIER = 0x1000, PAYOFF_OPT_REBATE, PAYOFF_OPT_CONTROL,
       PAYOFF_OPT_CONTROL_MEAN, PAYOFF_OPT_GREEKS };
#define PAYOFF_LONGOPTS \
	{ "payoff", required_argument, NULL, 'p' }, \
	{ "strike", required_argument, NULL, 'K' }, \
	{ "barrier", required_argument, NULL, PAYOFF_OPT_BARRIER }, \
	{ "rebate", required_argument, NULL, PAYOFF_OPT_REBATE }, \
	{ "control", no_argument, NULL, PAYOFF_OPT_CONTROL }, \
	{ "control-mean", required_argument, NULL, PAYOFF_OPT_CONTROL_MEAN }, \
	{ "greeks", no_argument, NULL, PAYOFF_OPT_GREEKS }
#define PAYOFF_SHORTOPTS "p:K:"

/* p as it is before any option: a call struck at 100, no barrier, no
 * control, no Greeks. */
void payoff_init(struct payoff *p);

/* Takes getopt's c and optarg if c is one of PAYOFF_LONGOPTS: true if it
 * was. *name gets --payoff's argument. Usage errors for bad values. */
bool payoff_option(struct payoff *p, int c, const char *arg, const char **name);

/* After the options: the payoff called name, and the options checked
 * against each other; usage errors otherwise. */
void payoff_options_done(struct payoff *p, const char *name);

/* The model: derived constants, and the checks that need it (usage
 * errors), --control-mean's among them. */
void payoff_set_model(struct payoff *p, const struct payoff_model *m);

/* The need bits p reads that `available` lacks (0: none), and the name of
 * the column for one such bit. */
unsigned payoff_missing(const struct payoff *p, unsigned available);
const char *payoff_need_column(unsigned need);

/* With --greeks, after payoff_set_model: which Greeks the payoff allows,
 * given whether the rows hold the whole path S1..Sn (whole_path). False if
 * they need the whole path and there is none (barriers): the caller says
 * so, naming where. */
bool payoff_choose_greeks(struct payoff *p, bool whole_path);

/* The metadata line this payoff adds to the stream ("# tool=payoff ..."),
 * without a newline; and its columns, returning how many. */
void payoff_meta_line(const struct payoff *p, char *text, size_t size);
int payoff_columns(const struct payoff *p, const char *names[PAYOFF_MAX_VALUES]);

/* The summary payoff_values reads, from a whole path S1..Sn. */
void payoff_summarize_path(const struct payoff *p, const double *prices,
                           struct path_summary *summary);

/* The columns of n paths, one array each; NULL for one the rows lack. */
struct path_block {
	const double *terminal, *arith_mean, *geo_mean, *max, *min;
};

/* Undiscounted payoffs f[i] of n paths, and with --control their controls
 * c[i]: what payoff_values discounts, for a whole block of paths at once
 * (simpaths --payoff). */
void payoff_undiscounted(const struct payoff *p, const struct path_block *b, int n,
                         double *f, double *c);

/* Where the payoff's row is zero whatever S_T's exact value: +1 where S_T
 * <= K (call, digital call), -1 where S_T >= K (put, digital put), 0 for
 * the others and whenever the row reads S_T otherwise (a control, Greeks).
 * A fused caller may then skip the exp there (expskip.h). */
int payoff_zero_side(const struct payoff *p);

/* The payoffs whose row is one function of S_T alone (no control, no
 * Greeks), which a fused caller may compute in its own loop: f = the
 * operations of payoff_undiscounted's, discounted after. */
enum payoff_plain { PLAIN_NONE, PLAIN_CALL, PLAIN_PUT, PLAIN_DIGITAL_CALL, PLAIN_DIGITAL_PUT };
enum payoff_plain payoff_plain(const struct payoff *p);

/* One path's row into values[] (payoff_columns of them): the discounted
 * payoff, the control, the Greeks. prices: the whole path when
 * greeks_use_path, else unused. A Greek may come out non-finite (sigma or
 * T too small): payoff_nonfinite_greek finds it, for the caller to refuse. */
void payoff_values(const struct payoff *p, const struct path_summary *path,
                   const double *prices, double *values);

/* The index in values[] of the first non-finite Greek, or -1. */
int payoff_nonfinite_greek(const struct payoff *p, const double *values);

/* Whether name is one of the American payoffs (american-put,
 * american-call), which lsmfit and exercise price; *is_call (when not
 * NULL) says which. payoff_american_name is the name of either. */
bool payoff_american(const char *name, bool *is_call);
const char *payoff_american_name(bool is_call);

/* The catalog as a TSV table on f, a header then a row per payoff (the
 * American ones too): name, emit (the cheapest simpaths --emit: terminal,
 * summary or path), strike, barrier (none, up, down), rebate, control (none,
 * terminal, or the closedform payoff giving the control's mean), american,
 * min_steps, greeks (comma-separated, or none), greeks_emit (the --emit that
 * gives them all), control_sv (the control under heston and merton, as
 * control: the vanilla for arithmetic Asians). yes/no for the flags. payoff --describe prints it. */
void payoff_describe(FILE *f);

/* An antithetic pair's row: each value the mean of the path's and its
 * mirror's, in this order of operations in every tool. */
static inline void payoff_pair_mean(const double *first, const double *second, int count,
                                    double *pair)
{
	for (int i = 0; i < count; i++)
		pair[i] = 0.5 * (first[i] + second[i]);
}

#endif
