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


static struct tail tail;
static bool write_partial;
static const char *contributions_path;

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

/* Euler contributions, written to their own file: stdout is the table. */
static void write_contributions(const struct tail_estimate *e)
{
	FILE *fp = fopen(contributions_path, "w");

	if (!fp)
		data_error(contributions_path, "cannot open:");
	tail_write_contributions(fp, &tail, e, "risk");
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
	tail_put_identity(stdout, &tail, "risk");
	fputs(TAIL_RESULT_HEADER, stdout);
	tail_put_result(stdout, &tail, "VaR", e.var, e.var_se, e.var_low, e.var_high);
	tail_put_result(stdout, &tail, "ES", e.es, e.es_se, e.es_low, e.es_high);
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
	finish_output();
	return 0;
}
