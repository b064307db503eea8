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
 *   - on failure nothing is written;
 *   - the prices obey the identities and bounds of the payoffs, with the
 *     partner payoff priced by a second run of the same command line
 *     (--payoff appended: a later option wins) and the model read back
 *     from the metadata: C - P = S e^{-qT} - K e^{-rT}; digital call +
 *     digital put = e^{-rT}; knock-in + knock-out = vanilla + R e^{-rT}
 *     for the discrete and the continuous rows; 0 <= C <= S e^{-qT},
 *     0 <= P <= K e^{-rT}, 0 <= digital <= e^{-rT}, every price >= 0;
 *     each to 1e-9 of the terms' size. */
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

/* Runs closedform_main on argv (argc words); its status, and its output
 * copied into *text (freed by the caller). */
static int run_closedform(int argc, char **argv, char **text)
{
	nrows = 0;
	memset(rows, 0, sizeof rows);
	optind = 0;      /* glibc: start getopt afresh */
	opterr = 0;      /* its messages would only be noise here */
	harness_stdout_reset();
	volatile int status = 0;
	harness_arm();
	if (setjmp(harness_jump) == 0)
		status = closedform_main(argc, argv);
	else
		status = harness_status;
	harness_disarm();
	size_t len;
	const char *out = harness_stdout_text(&len);
	*text = strndup(out, len);
	return status;
}

/* The number after " key=" in the metadata line of text; NAN if none. */
static double meta_number(const char *text, const char *key)
{
	char pattern[32];
	snprintf(pattern, sizeof pattern, " %s=", key);
	const char *at = strstr(text, pattern), *end;
	double v;
	if (!at || at > strchr(text, '\n'))
		return NAN;
	at += strlen(pattern);
	end = at + strcspn(at, " \n");
	return num_parse(at, (size_t)(end - at), &v) ? v : NAN;
}

/* The value of row name of a closedform table; NAN if none. */
static double row_value(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (strncmp(line, name, n) == 0 && line[n] == '\t') {
			double v;
			const char *end = line + n + 1 + strcspn(line + n + 1, "\t\n");
			return num_parse(line + n + 1, (size_t)(end - line - n - 1), &v) ? v : NAN;
		}
	return NAN;
}

#define CLOSE(a, b, scale) (fabs((a) - (b)) <= 1e-9 * (scale) + 1e-300)

/* The identities and bounds (see the top): out is the table of payoff
 * `name` for argv; the partner is priced with --payoff appended. */
static void check_identities(int argc, char **argv, const char *name, const char *out)
{
	static const char *const pairs[][2] = {
		{ "call", "put" }, { "digital-call", "digital-put" },
		{ "up-and-out-call", "up-and-in-call" }, { "down-and-out-put", "down-and-in-put" },
	};
	double s0 = meta_number(out, "s0"), r = meta_number(out, "r"), q = meta_number(out, "q");
	double sigma = meta_number(out, "sigma"), T = meta_number(out, "T");
	double K = meta_number(out, "strike"), R = meta_number(out, "rebate");
	double price = row_value(out, "price"), df = exp(-r * T), fwd = s0 * exp(-q * T);

	HARNESS_CHECK(!(price < 0), "%s: price %.17g", name, price);
	HARNESS_CHECK(!(row_value(out, "price-continuous") < 0), "%s: price-continuous < 0", name);
	if (strcmp(name, "call") == 0)
		HARNESS_CHECK(price <= fwd * (1 + 1e-9), "call %.17g above S e^{-qT} %.17g", price, fwd);
	if (strcmp(name, "put") == 0)
		HARNESS_CHECK(price <= K * df * (1 + 1e-9), "put %.17g above K e^{-rT}", price);
	if (strncmp(name, "digital-", 8) == 0)
		HARNESS_CHECK(price <= df * (1 + 1e-9), "%s %.17g above e^{-rT}", name, price);

	const char *partner = NULL;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		for (int k = 0; k < 2; k++)
			if (strcmp(name, pairs[i][k]) == 0)
				partner = pairs[i][1 - k];
	if (!partner)
		return;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return;   /* an appended option would be an operand */
	char *more[MAX_ARGS + 4], *text;
	for (int i = 0; i < argc; i++)
		more[i] = argv[i];
	more[argc] = "--payoff";
	more[argc + 1] = (char *)partner;
	more[argc + 2] = NULL;
	int status = run_closedform(argc + 2, more, &text);
	HARNESS_CHECK(status == 0, "%s priced, but its partner %s exits %d: %s", name, partner,
	              status, harness_message);
	double other = row_value(text, "price");
	if (strcmp(name, "call") == 0 || strcmp(name, "put") == 0) {
		double c = strcmp(name, "call") == 0 ? price : other, p = price + other - c;
		HARNESS_CHECK(CLOSE(c - p, fwd - K * df, c + p + fwd + K * df),
		              "C - P = %.17g, S e^{-qT} - K e^{-rT} = %.17g", c - p, fwd - K * df);
	} else if (strncmp(name, "digital-", 8) == 0) {
		HARNESS_CHECK(CLOSE(price + other, df, df), "digital call + put = %.17g, e^{-rT} %.17g",
		              price + other, df);
	} else {
		struct lognormal L = lognormal_of(s0, K, r, q, sigma, T, 1, 1);
		double vanilla = lognormal_black(&L, name[0] == 'u' ? 1 : -1, NULL, NULL);
		double rebate = (isnan(R) ? 0 : R) * df;
		HARNESS_CHECK(CLOSE(price + other, vanilla + rebate, price + other + vanilla + rebate),
		              "%s + %s = %.17g, vanilla + R e^{-rT} = %.17g", name, partner,
		              price + other, vanilla + rebate);
		double a = row_value(out, "price-continuous"), b = row_value(text, "price-continuous");
		HARNESS_CHECK(CLOSE(a + b, vanilla + rebate, a + b + vanilla + rebate),
		              "continuous %s + %s = %.17g, vanilla + R e^{-rT} = %.17g", name, partner,
		              a + b, vanilla + rebate);
	}
	free(text);
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
	if (status == 0 && strstr(out, "usage: ") != out && strstr(out, "(mcpipe)") == NULL) {
		check_output(out);
		char *copy = strdup(out), *at = strstr(copy, " payoff=");
		if (at) {
			char *name = strndup(at + 8, strcspn(at + 8, " \n"));
			check_identities((int)n + 1, argv, name, copy);
			free(name);
		}
		free(copy);
	}
	if (status != 0)
		HARNESS_CHECK(len == 0, "status %d with %zu bytes of output", status, len);
	for (size_t i = 0; i < n; i++)
		free(argv[i + 1]);
	return 0;
}
