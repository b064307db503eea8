/* gridgen: the cartesian product of parameter axes, one row per grid point.
 *
 * A range axis is generated in exact decimal: lo, hi and step become
 * integers at one common scale (10^-places), so lo + k*step is computed
 * without rounding and 0.1:0.5:0.05 prints 0.3, never 0.30000000000000004.
 * The output is a bare table (a header, then rows; no metadata lines) so
 * that `parallel --header : --colsep '\t'` reads it directly. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"

#define MAX_DIGITS 36                      /* |lo|, |hi|, step < 10^36: hi - lo fits in 2^127 */
#define MAX_POINTS INT64_C(10000000)       /* points on one range axis */
#define MAX_ROWS UINT64_C(100000000)       /* rows in the whole grid */
#define NUMBER_TEXT (MAX_DIGITS + 4)       /* sign, "0.", 36 digits, NUL */
#define EXPONENT_MAX 1000000               /* beyond it, not worth counting digits */

typedef __int128 i128;
typedef unsigned __int128 u128;

struct axis {
	const char *spec;       /* the argument, for messages */
	char *name;
	char *value;            /* a copy of the text after '=', cut up in place */
	bool is_list;
	/* a list: its items, verbatim */
	char **items;
	/* a range: the value at point k is (lo + k*step) * 10^-places */
	i128 lo, step;
	int places;
	int64_t count;          /* points on the axis */
	size_t width;           /* longest value text */
};

/* A decimal number as mant * 10^exp, mant without trailing zeros; mant is
 * kept only while it has at most MAX_DIGITS digits (ndigits counts them all). */
struct decimal {
	bool negative;
	u128 mant;
	int64_t ndigits;
	int64_t exp;
};

static const char synopsis[] =
	"gridgen name=lo:hi:step | name=a,b,c ...";

/* Globals, so that what an error exit leaves allocated is still reachable
 * (no LeakSanitizer report); main frees it all on the way out. */
static struct axis *axes;
static int naxes;
static struct {
	int64_t *index;         /* the current point of each axis */
	size_t *start;          /* where each axis's field starts in row */
	char *row;
} grid;

static _Noreturn void help(void)
{
	printf("usage: %s\n\n"
	       "Write the cartesian product of parameter axes, one row per grid point,\n"
	       "TAB-separated, under a header of the axis names. The first axis varies\n"
	       "slowest.\n\n"
	       "  name=lo:hi:step  exact decimal range lo, lo+step, ... up to hi (included\n"
	       "                   when on the grid); step > 0, lo <= hi\n"
	       "  name=a,b,c       a list of words, written verbatim\n"
	       "  name=x           a single number\n"
	       "  -h, --help       show this help\n"
	       "  -V, --version    show the version\n\n"
	       "Names match [A-Za-z_][A-Za-z0-9_]*. Numbers are decimal, with an optional\n"
	       "sign and exponent; an axis's lo, hi and step need at most %d digits in all\n"
	       "before and after the decimal point. At most %lld points per range and\n"
	       "%llu rows in all.\n",
	       synopsis, MAX_DIGITS, (long long)MAX_POINTS, (unsigned long long)MAX_ROWS);
	finish_output();
	exit(0);
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool valid_name(const char *s, size_t len)
{
	if (len == 0 || is_digit(s[0]))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!(c == '_' || is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return false;
	}
	return true;
}

/* Adds one mantissa digit; zeros are held back so the mantissa never has
 * trailing zeros (they only move the exponent). */
static void push_digit(struct decimal *d, int digit, int64_t *pending_zeros)
{
	if (digit == 0) {
		if (d->ndigits > 0)
			++*pending_zeros;
		return;
	}
	d->ndigits += *pending_zeros + 1;
	if (d->ndigits <= MAX_DIGITS) {
		for (int64_t i = 0; i < *pending_zeros; i++)
			d->mant *= 10;
		d->mant = d->mant * 10 + (unsigned)digit;
	}
	*pending_zeros = 0;
}

enum { NUMBER_OK, NUMBER_INVALID, NUMBER_RANGE };

/* Parses the whole of `s` as [+-] digits [. digits] [e [+-] digits] (or
 * [+-] . digits [...]); NUMBER_INVALID on anything else, NaN and infinities
 * included, NUMBER_RANGE for an exponent beyond EXPONENT_MAX. */
static int parse_decimal(const char *s, struct decimal *d)
{
	int64_t pending = 0, exp10 = 0;
	bool any = false;

	*d = (struct decimal){ 0 };
	if (*s == '+' || *s == '-')
		d->negative = *s++ == '-';
	for (; is_digit(*s); s++, any = true)
		push_digit(d, *s - '0', &pending);
	if (*s == '.') {
		for (s++; is_digit(*s); s++, any = true) {
			push_digit(d, *s - '0', &pending);
			exp10--;
		}
	}
	if (!any)
		return NUMBER_INVALID;
	if (*s == 'e' || *s == 'E') {
		bool negative = false;
		int64_t e = 0;
		s++;
		if (*s == '+' || *s == '-')
			negative = *s++ == '-';
		if (!is_digit(*s))
			return NUMBER_INVALID;
		for (; is_digit(*s); s++)
			if (e <= EXPONENT_MAX)
				e = e * 10 + (*s - '0');
		if (*s == '\0' && e > EXPONENT_MAX)
			return NUMBER_RANGE;
		exp10 += negative ? -e : e;
	}
	if (*s != '\0')
		return NUMBER_INVALID;
	d->exp = d->ndigits > 0 ? exp10 + pending : 0;
	return NUMBER_OK;
}

static int64_t integer_digits(const struct decimal *d)
{
	return d->ndigits + d->exp > 0 ? d->ndigits + d->exp : 0;
}

static int64_t decimal_places(const struct decimal *d)
{
	return d->exp < 0 ? -d->exp : 0;
}

/* d * 10^places as an integer; the caller has checked that it has at most
 * MAX_DIGITS digits, so it fits and places >= -d->exp. */
static i128 scaled(const struct decimal *d, int places)
{
	i128 v = (i128)d->mant;
	for (int64_t i = 0; i < d->exp + places; i++)
		v *= 10;
	return d->negative ? -v : v;
}

/* Writes v * 10^-places as plain decimal: no exponent, no trailing zeros
 * in the fraction, "0" for zero (never "-0"). Returns the length. */
static size_t format_scaled(char *buf, i128 v, int places)
{
	char digits[MAX_DIGITS + 8];
	u128 u = v < 0 ? -(u128)v : (u128)v;
	int n = 0;
	size_t len = 0;

	while (u >= 10000000000000000000u) {   /* in 19-digit chunks: u64 division is cheap */
		uint64_t chunk = (uint64_t)(u % 10000000000000000000u);
		u /= 10000000000000000000u;
		for (int i = 0; i < 19; i++, chunk /= 10)
			digits[n++] = (char)('0' + chunk % 10);
	}
	for (uint64_t rest = (uint64_t)u; rest > 0; rest /= 10)
		digits[n++] = (char)('0' + rest % 10);
	while (n <= places)                    /* at least one digit before the point */
		digits[n++] = '0';
	int last = 0;                          /* lowest digit worth printing */
	while (last < places && digits[last] == '0')
		last++;
	if (v < 0)
		buf[len++] = '-';
	for (int i = n - 1; i >= places; i--)
		buf[len++] = digits[i];
	if (last < places) {
		buf[len++] = '.';
		for (int i = places - 1; i >= last; i--)
			buf[len++] = digits[i];
	}
	buf[len] = '\0';
	return len;
}

static void parse_number(const struct axis *a, const char *text, struct decimal *d)
{
	switch (parse_decimal(text, d)) {
	case NUMBER_INVALID:
		usage_error("%s: invalid number '%s'", a->spec, text);
	case NUMBER_RANGE:
		usage_error("%s: number '%s' out of range", a->spec, text);
	}
}

/* lo, hi and step (or one value: lo = hi and step its last digit's unit) at
 * one common scale. */
static void setup_range(struct axis *a, const char *lo_text, const char *hi_text,
                        const char *step_text)
{
	struct decimal lo, hi, step;
	char text[NUMBER_TEXT];

	parse_number(a, lo_text, &lo);
	parse_number(a, hi_text, &hi);
	if (step_text)
		parse_number(a, step_text, &step);
	else
		step = (struct decimal){ .mant = 1, .ndigits = 1, .exp = lo.exp };   /* adds no digits */

	const struct decimal *all[] = { &lo, &hi, &step };
	int64_t before = 0, after = 0;
	for (int i = 0; i < 3; i++) {
		if (integer_digits(all[i]) > before)
			before = integer_digits(all[i]);
		if (decimal_places(all[i]) > after)
			after = decimal_places(all[i]);
	}
	if (before + after > MAX_DIGITS)
		usage_error("%s: too many digits: %lld before and %lld after the decimal point"
		            " (at most %d in all)", a->spec, (long long)before,
		            (long long)after, MAX_DIGITS);

	a->places = (int)after;
	a->lo = scaled(&lo, a->places);
	a->step = scaled(&step, a->places);
	i128 hi_scaled = scaled(&hi, a->places);
	if (a->lo > hi_scaled)
		usage_error("%s: lo is greater than hi", a->spec);
	if (a->step <= 0)
		usage_error("%s: step must be positive", a->spec);
	i128 last = (hi_scaled - a->lo) / a->step;
	if (last >= MAX_POINTS) {
		format_scaled(text, last + 1, 0);
		usage_error("%s: too many points: %s (at most %lld)", a->spec, text,
		            (long long)MAX_POINTS);
	}
	a->count = (int64_t)last + 1;
	a->width = NUMBER_TEXT;
}

/* Splits a,b,c in place; items are kept verbatim. */
static void setup_list(struct axis *a, char *value)
{
	size_t n = 1;
	for (char *p = value; *p; p++)
		n += *p == ',';
	a->is_list = true;
	a->items = malloc(n * sizeof *a->items);
	if (!a->items)
		fatal("out of memory:");
	a->count = 0;
	for (char *item = value;; ) {
		char *end = strchr(item, ',');
		if (end)
			*end = '\0';
		if (*item == '\0')
			usage_error("%s: empty list item", a->spec);
		for (const unsigned char *p = (const unsigned char *)item; *p; p++)
			if (*p <= ' ' || *p == 0x7f)
				usage_error("%s: list item '%s' contains a blank or control character",
				            a->spec, item);
		if (strlen(item) > a->width)
			a->width = strlen(item);
		a->items[a->count++] = item;
		if (!end)
			break;
		item = end + 1;
	}
}

/* A bare value that is a word, not a number: it starts with a letter and
 * is not NaN or an infinity (refused as numbers). payoff=call is a list of
 * one word, as payoff=call,put is of two. */
static bool is_word(const char *value)
{
	static const char *const not_words[] = { "nan", "inf", "infinity" };

	if (!((*value >= 'a' && *value <= 'z') || (*value >= 'A' && *value <= 'Z')))
		return false;
	for (size_t i = 0; i < sizeof not_words / sizeof *not_words; i++)
		if (strcasecmp(value, not_words[i]) == 0)
			return false;
	return true;
}

/* One axis from `name=lo:hi:step`, `name=a,b,c` or `name=x`: a value with a
 * colon is a range, one with a comma a list, a bare word a list of one,
 * and another bare value a number. */
static void parse_axis(struct axis *a, const char *spec)
{
	const char *eq = strchr(spec, '=');

	*a = (struct axis){ .spec = spec };
	if (!eq)
		usage_error("%s: expected name=lo:hi:step or name=a,b,c", spec);
	a->name = strndup(spec, (size_t)(eq - spec));
	char *value = a->value = strdup(eq + 1);
	if (!a->name || !value)
		fatal("out of memory:");
	if (!valid_name(a->name, strlen(a->name)))
		usage_error("%s: invalid axis name '%s'", spec, a->name);
	if (*value == '\0')
		usage_error("%s: expected name=lo:hi:step or name=a,b,c", spec);

	char *colon = strchr(value, ':');
	if (colon) {
		char *colon2 = strchr(colon + 1, ':');
		if (!colon2 || strchr(colon2 + 1, ':'))
			usage_error("%s: expected name=lo:hi:step or name=a,b,c", spec);
		*colon = *colon2 = '\0';
		setup_range(a, value, colon + 1, colon2 + 1);
	} else if (strchr(value, ',') || is_word(value)) {
		setup_list(a, value);
	} else {
		setup_range(a, value, value, NULL);
	}
}

/* The text of point k of the axis into buf; returns its length. */
static size_t value_text(const struct axis *a, int64_t k, char *buf)
{
	if (a->is_list) {
		size_t len = strlen(a->items[k]);
		memcpy(buf, a->items[k], len);
		return len;
	}
	char text[NUMBER_TEXT];
	size_t len = format_scaled(text, a->lo + (i128)k * a->step, a->places);
	memcpy(buf, text, len);
	return len;
}

/* Rows like nested loops, the last axis innermost. The row text is kept
 * between rows and rewritten only from the first axis that moved. */
static void write_grid(void)
{
	int n = naxes;
	size_t size = 1;
	for (int i = 0; i < n; i++)
		size += axes[i].width + 1;
	int64_t *index = grid.index = calloc((size_t)n, sizeof *index);
	size_t *start = grid.start = calloc((size_t)n + 1, sizeof *start);
	char *row = grid.row = malloc(size);
	if (!index || !start || !row)
		fatal("out of memory:");

	for (int i = 0; i < n; i++) {
		out_write(axes[i].name, strlen(axes[i].name));
		out_write(i + 1 < n ? "\t" : "\n", 1);
	}
	for (int moved = 0; moved >= 0; ) {
		for (int i = moved; i < n; i++) {
			size_t at = start[i];
			at += value_text(&axes[i], index[i], row + at);
			row[at++] = i + 1 < n ? '\t' : '\n';
			start[i + 1] = at;
		}
		out_write(row, start[n]);
		for (moved = n - 1; moved >= 0 && ++index[moved] == axes[moved].count; moved--)
			index[moved] = 0;
	}
}

static void free_all(void)
{
	for (int i = 0; i < naxes; i++) {
		free(axes[i].name);
		free(axes[i].value);
		free(axes[i].items);
	}
	free(axes);
	free(grid.index);
	free(grid.start);
	free(grid.row);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	tool_init("gridgen", argv);
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': help();
		case 'V': print_version();
		default: usage_short(synopsis);
		}
	}
	if (optind >= argc)
		usage_short(synopsis);

	naxes = argc - optind;
	axes = calloc((size_t)naxes, sizeof *axes);
	if (!axes)
		fatal("out of memory:");
	uint64_t rows = 1;
	for (int i = 0; i < naxes; i++) {
		parse_axis(&axes[i], argv[optind + i]);
		for (int j = 0; j < i; j++)
			if (strcmp(axes[i].name, axes[j].name) == 0)
				usage_error("duplicate axis '%s'", axes[i].name);
		rows *= (uint64_t)axes[i].count;   /* <= 10^8 * 10^7: no wrap-around */
		if (rows > MAX_ROWS)
			usage_error("%s: grid too large: more than %llu rows", axes[i].spec,
			            (unsigned long long)MAX_ROWS);
	}
	write_grid();
	free_all();
	finish_output();
	return 0;
}
