/* fuzz_closedform: a tool's whole command line, options to output
 * (tools/closedform.c, compiled in whole; it reads no input, so its
 * options are all it parses, and every formula is reached from them).
 *
 * Input: the arguments, one per line (at most 16). getopt_long, the
 * option parsers of opts.c, the payoff table and the formulas run as in
 * the tool. Oracles, besides the sanitizers:
 *   - the exit status is 0, 2 (usage), 3 (no closed form) or 1 with the
 *     one data message closedform has ("not a finite number");
 *   - on success the output is a metadata line, the header
 *     "name value kind" and rows whose values are finite numbers;
 *   - on failure nothing is written. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define exit(status) harness_exit(status)
#define main closedform_main
#include "../../tools/closedform.c"
#undef main
#undef exit

#define MAX_ARGS 16

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	progname = "closedform";
	harness_stdout_init();
	return 0;
}

static void check_output(const char *out)
{
	char *copy = strdup(out), *save = NULL;
	char *line = strtok_r(copy, "\n", &save);
	HARNESS_CHECK(line && strncmp(line, "# tool=closedform ", 18) == 0, "first line '%.100s'",
	              line ? line : "");
	line = strtok_r(NULL, "\n", &save);
	HARNESS_CHECK(line && strcmp(line, "name\tvalue\tkind") == 0, "header '%.100s'",
	              line ? line : "");
	int rows = 0;
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *fsave = NULL, *name = strtok_r(line, "\t", &fsave);
		char *value = strtok_r(NULL, "\t", &fsave), *kind = strtok_r(NULL, "\t", &fsave);
		HARNESS_CHECK(name && value && kind && !strtok_r(NULL, "\t", &fsave), "row '%.100s'", line);
		double v;
		HARNESS_CHECK(num_parse(value, strlen(value), &v), "%s = '%s'", name, value);
		HARNESS_CHECK(strcmp(value, "-0") != 0, "%s = -0", name);
		rows++;
	}
	HARNESS_CHECK(rows > 0, "no rows");
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *piece[MAX_ARGS];
	size_t piece_size[MAX_ARGS];
	size_t n = size ? harness_split(data, size, '\n', MAX_ARGS, piece, piece_size) : 0;
	char *argv[MAX_ARGS + 2];
	argv[0] = "closedform";
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = strndup((const char *)piece[i], piece_size[i]);
	argv[n + 1] = NULL;

	nrows = 0;
	memset(rows, 0, sizeof rows);
	optind = 0;      /* glibc: start getopt afresh */
	opterr = 0;      /* its messages would only be noise here */
	harness_stdout_reset();
	volatile int status = 0;
	harness_arm();
	if (setjmp(harness_jump) == 0)
		status = closedform_main((int)n + 1, argv);
	else
		status = harness_status;
	harness_disarm();

	size_t len;
	const char *out = harness_stdout_text(&len);
	HARNESS_CHECK(status == 0 || status == 1 || status == 2 || status == 3, "status %d", status);
	if (status == 1)
		HARNESS_CHECK(strstr(harness_message, "not a finite number for these parameters"),
		              "status 1: %s", harness_message);
	if (status == 0 && strstr(out, "usage: ") != out && strstr(out, "(mcpipe)") == NULL)
		check_output(out);
	if (status != 0)
		HARNESS_CHECK(len == 0, "status %d with %zu bytes of output", status, len);
	for (size_t i = 0; i < n; i++)
		free(argv[i + 1]);
	return 0;
}
