/* risk: VaR and ES with 95% intervals from tail partials, merged exactly.
 *
 * A tail partial (tools/lib/tail.h) holds the worst losses of some
 * scenarios of a run; merging any set of them, in any order, gives the
 * tail of their union, so the estimates are the same bits however the run
 * was split. The tail is not a sum: it is its own stream and its own tool,
 * beside aggregate's moments, rather than a mode of aggregate, whose
 * partial, options and output are all about means. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "numtext.h"
#include "stream.h"
#include "tail.h"

#define Z95 1.959963984540054   /* Phi^{-1}(0.975) */
#define RESULT_HEADER "name\testimate\tstderr\tci95_low\tci95_high\tscenarios\n"

static struct tail tail;
static bool write_partial;
static const char *contributions_path;
static double *contribution, *contribution_se;   /* static: reachable at a data error's exit */

static const char synopsis[] = "risk [-p] [-c file] [file ...]";

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Merge tail partials (the worst losses of a run's scenarios) and estimate\n"
	       "the run's VaR and ES, each with a 95%% interval.\n\n"
	       "  -p, --partial             write the merged tail partial instead\n"
	       "  -c, --contributions FILE  write each extra column's ES contribution to FILE\n"
	       "  -h, --help                show this help\n"
	       "  -V, --version             show the version\n\n"
	       "Output: name estimate stderr ci95_low ci95_high scenarios; rows VaR and ES.\n",
	       synopsis);
	finish_output();
	exit(0);
}

static void put_row(FILE *fp, const char *name, double estimate, double se, double low, double high)
{
	char e[NUM_TEXT_MAX], s[NUM_TEXT_MAX], l[NUM_TEXT_MAX], h[NUM_TEXT_MAX];

	num_format(e, estimate);
	num_format(s, se);
	num_format(l, low);
	num_format(h, high);
	fprintf(fp, "%s\t%s\t%s\t%s\t%s\t%llu\n", name, e, s, l, h, (unsigned long long)tail.scenarios);
}

static void put_identity(FILE *fp)
{
	char text[NUM_TEXT_MAX];

	num_format(text, tail.level);
	fprintf(fp, "# tool=risk level=%s scenarios=%llu weighted=%d", text,
	        (unsigned long long)tail.scenarios, tail.weighted);
	for (int i = 0; i < tail.nidentity; i++)
		fprintf(fp, " %s=%s", tail.identity[i].key, tail.identity[i].value);
	fprintf(fp, "\n");
}

/* Euler contributions, written to their own file: stdout is the table. */
static void write_contributions(const struct tail_estimate *e)
{
	double *c = contribution = calloc((size_t)tail.nextra + 1, sizeof *c);
	double *se = contribution_se = calloc((size_t)tail.nextra + 1, sizeof *se);
	FILE *fp = fopen(contributions_path, "w");

	if (!c || !se)
		fatal("out of memory");
	if (!fp)
		data_error(contributions_path, "cannot open:");
	tail_contributions(&tail, e, c, se);
	put_identity(fp);
	fputs(RESULT_HEADER, fp);
	for (int k = 0; k < tail.nextra; k++)
		put_row(fp, tail.extra_names[k], c[k], se[k], c[k] - Z95 * se[k], c[k] + Z95 * se[k]);
	if (fflush(fp) != 0 || ferror(fp) || fclose(fp) != 0)
		data_error(contributions_path, "write error:");
}

static void write_estimates(void)
{
	struct tail_estimate e;
	char why[400];

	if (!tail_estimates(&tail, &e, why, sizeof why))
		fatal("%s", why);
	if (contributions_path)
		write_contributions(&e);
	put_identity(stdout);
	fputs(RESULT_HEADER, stdout);
	put_row(stdout, "VaR", e.var, e.var_se, e.var_low, e.var_high);
	put_row(stdout, "ES", e.es, e.es_se, e.es_low, e.es_high);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "partial", no_argument, NULL, 'p' },
		{ "contributions", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	struct stream in;

	tool_init("risk", argv);
	while ((c = getopt_long(argc, argv, "pc:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': write_partial = true; break;
		case 'c': contributions_path = optarg; break;
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (write_partial && contributions_path)
		usage_error("--contributions goes with the estimates, not with --partial");
	stream_open(&in, argc - optind, argv + optind);
	tail_read(&tail, &in);
	tail_check_coverage(&tail, !write_partial);
	if (write_partial)
		tail_write(&tail, "risk");
	else
		write_estimates();
	stream_close(&in);
	tail_free(&tail);
	free(contribution);
	free(contribution_se);
	finish_output();
	return 0;
}
