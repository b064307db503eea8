/* impvol: Black-Scholes implied volatilities of option prices.
 *
 * The prices are operands; each gets a row price iv. The inversion is
 * black_implied (black.h): Newton's method on the out-of-the-money price
 * (its logarithm when small) inside a bisection bracket, to about 1e-15
 * relative in sigma sqrt(T); tests/unit/test_black.c checks 1e-12 in
 * sigma wherever the price carries it. A price outside the no-arbitrage
 * bounds, or whose time value is lost to rounding, is a data error. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "black.h"
#include "err.h"
#include "numtext.h"
#include "opts.h"

static const char synopsis[] =
	"impvol [-K strike] [-p call|put] [-q yield] [-r rate] [-T maturity]\n"
	"              [--s0 spot] price ...";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Print the Black-Scholes implied volatility of each price.\n\n"
	       "      --s0 X          spot price, positive (default 100)\n"
	       "  -r, --rate X        continuous interest rate (default 0.05)\n"
	       "  -q, --yield X       continuous dividend yield (default 0)\n"
	       "  -T, --maturity X    years to expiry, positive (default 1)\n"
	       "  -p, --payoff NAME   call (default) or put\n"
	       "  -K, --strike X      strike, positive (default 100)\n"
	       "  -h, --help          show this help\n"
	       "  -V, --version       show the version\n\n"
	       "Output: a metadata line, a header 'price iv', a row per price.\n",
	       synopsis);
	finish_output();
	exit(0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "s0", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "yield", required_argument, NULL, 'q' },
		{ "maturity", required_argument, NULL, 'T' },
		{ "payoff", required_argument, NULL, 'p' },
		{ "strike", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ts0 = "100", *tr = "0.05", *tq = "0", *tT = "1", *tp = "call", *tK = "100";
	int c;

	tool_init("impvol", argv);
	while ((c = getopt_long(argc, argv, "r:q:T:p:K:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': ts0 = optarg; break;
		case 'r': tr = optarg; break;
		case 'q': tq = optarg; break;
		case 'T': tT = optarg; break;
		case 'p': tp = optarg; break;
		case 'K': tK = optarg; break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	double S = opt_positive("--s0", ts0), r = opt_double("--rate", tr);
	double q = opt_double("--yield", tq), T = opt_positive("--maturity", tT);
	double K = opt_positive("--strike", tK);
	int phi;
	if (strcmp(tp, "call") == 0)
		phi = 1;
	else if (strcmp(tp, "put") == 0)
		phi = -1;
	else
		usage_error("--payoff: '%s' is not call or put", tp);
	if (optind == argc)
		usage_error("no price given");

	double df = exp(-r * T), F = S * exp((r - q) * T);
	double lo = df * fmax(phi * (F - K), 0), hi = df * (phi > 0 ? F : K);
	char a[NUM_TEXT_MAX], b[NUM_TEXT_MAX];
	num_format(a, lo + 0.0);
	num_format(b, hi);
	/* Every price is inverted before anything is written: a bad one leaves
	 * no partial table behind. */
	int n = argc - optind;
	double *iv = malloc((size_t)n * sizeof *iv), *price = malloc((size_t)n * sizeof *price);
	if (!iv || !price)
		fatal("out of memory");
	for (int i = 0; i < n; i++) {
		const char *text = argv[optind + i];
		double sd;
		price[i] = opt_double("price", text);
		switch (black_implied(phi, F, K, price[i] / df, &sd)) {
		case BLACK_OK: break;
		case BLACK_INTRINSIC: sd = 0; break;
		case BLACK_BELOW:
			fatal("price '%s': below the no-arbitrage bound %s (the discounted intrinsic value)",
			      text, a);
		case BLACK_ABOVE:
			fatal("price '%s': at or above the no-arbitrage bound %s", text, b);
		case BLACK_UNDERFLOW:
			fatal("price '%s': its time value is too small to carry a volatility", text);
		}
		iv[i] = sd / sqrt(T);
	}
	printf("# tool=impvol s0=%s r=%s q=%s T=%s strike=%s payoff=%s\nprice\tiv\n",
	       ts0, tr, tq, tT, tK, tp);
	for (int i = 0; i < n; i++) {
		num_format(a, price[i]);
		num_format(b, iv[i]);
		printf("%s\t%s\n", a, b);
	}
	free(iv);
	free(price);
	finish_output();
	return 0;
}
