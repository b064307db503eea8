#define _POSIX_C_SOURCE 200809L
#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "numtext.h"
#include "xalloc.h"

/* No tool writes a longer line (simpaths' longest, 100000 steps of at most
 * 25 bytes, is 2.5 MB); a longer one is junk, refused before it is split. */
#define LINE_MAX_BYTES (8u << 20)

/* Text from the input, quoted in a message: at most CLIP_MAX bytes of it,
 * then "...". Use with "%.*s%s". */
#define CLIP_MAX 120
#define CLIPPED(text) (strlen(text) > CLIP_MAX ? CLIP_MAX : (int)strlen(text)), (text), \
	(strlen(text) > CLIP_MAX ? "..." : "")

void stream_open(struct stream *s, int ninputs, char **inputs)
{
	static char *standard_input[] = { "-" };

	memset(s, 0, sizeof *s);
	if (ninputs == 0) {
		ninputs = 1;
		inputs = standard_input;
	}
	s->inputs = inputs;
	s->ninputs = ninputs;
}

const char *stream_where(struct stream *s)
{
	snprintf(s->where_buf, sizeof s->where_buf, "%s:%lu", s->name, s->lineno);
	return s->where_buf;
}

const char *stream_header_where(struct stream *s)
{
	snprintf(s->where_buf, sizeof s->where_buf, "%s:%lu", s->name, s->header_lineno);
	return s->where_buf;
}

static bool open_next_input(struct stream *s)
{
	if (s->fp && s->fp != stdin)
		fclose(s->fp);
	s->fp = NULL;
	if (s->next_input == s->ninputs)
		return false;
	const char *path = s->inputs[s->next_input++];
	if (strcmp(path, "-") == 0) {
		s->fp = stdin;
		s->name = "stdin";
	} else {
		s->fp = fopen(path, "r");
		s->name = path;
		if (!s->fp)
			data_error(path, "cannot open:");
	}
	s->lineno = 0;
	s->in_header_zone = true;
	return true;
}

/* Reads one line into s->line; false at the end of all inputs. */
static bool read_line(struct stream *s)
{
	for (;;) {
		if (!s->fp && !open_next_input(s))
			return false;
		errno = 0;
		ssize_t len = getline(&s->line, &s->line_cap, s->fp);
		if (len < 0) {
			if (ferror(s->fp) || errno == ENOMEM)
				data_error(s->name, "read error:");
			if (!open_next_input(s))
				return false;
			continue;
		}
		s->lineno++;
		if ((size_t)len > LINE_MAX_BYTES)
			data_error(stream_where(s), "line longer than %u bytes (binary data?)",
			           LINE_MAX_BYTES);
		if (memchr(s->line, '\0', (size_t)len))
			data_error(stream_where(s), "NUL byte in line (binary data?)");
		while (len > 0 && (s->line[len - 1] == '\n' || s->line[len - 1] == '\r'))
			s->line[--len] = '\0';
		s->line_len = (size_t)len;
		return true;
	}
}

/* Splits s->line in place on runs of TABs and spaces. */
static void split_fields(struct stream *s)
{
	char *p = s->line;

	s->nfields = 0;
	for (;;) {
		while (*p == '\t' || *p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (s->nfields == s->fields_cap) {
			s->fields_cap = s->fields_cap ? 2 * s->fields_cap : 16;
			s->fields = xreallocarray(s->fields, (size_t)s->fields_cap, sizeof *s->fields);
		}
		s->fields[s->nfields++] = p;
		while (*p != '\0' && *p != '\t' && *p != ' ')
			p++;
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
}

bool meta_key_is_identity(const char *key)
{
	static const char *const shard_keys[] = {
		"tool", "shard", "shards", "first", "count", NULL
	};
	for (const char *const *k = shard_keys; *k; k++)
		if (strcmp(key, *k) == 0)
			return false;
	return true;
}

static bool valid_key(const char *key, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

struct meta_entry *meta_entry_find(const struct meta_entry *entries, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(entries[i].key, key) == 0)
			return (struct meta_entry *)&entries[i];
	return NULL;
}

static struct meta_entry *find_meta(const struct stream *s, const char *key)
{
	return meta_entry_find(s->meta, s->nmeta, key);
}

static uint64_t range_number(struct stream *s, const char *key, const char *text)
{
	uint64_t value;
	if (!num_parse_u64(text, strlen(text), &value) || value > (UINT64_C(1) << 63))
		data_error(stream_where(s), "invalid %s=%.*s%s in metadata", key, CLIPPED(text));
	return value;
}

static void take_meta_word(struct stream *s, char *word, bool *saw_first, bool *saw_count)
{
	char *eq = strchr(word, '=');

	if (!eq || !valid_key(word, (size_t)(eq - word)))
		return;   /* free text in a comment */
	*eq = '\0';
	const char *key = word, *value = eq + 1;
	if (*value == '\0')
		data_error(stream_where(s), "metadata key '%.*s%s' has an empty value", CLIPPED(key));
	/* A control character (a stray CR) would not survive being written
	 * back: aggregate puts identity values at the end of a line, where a
	 * reader strips CR. Found by tests/fuzz (fuzz_aggregate). */
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			data_error(stream_where(s), "metadata %.*s%s= has a control character in its value",
			           CLIPPED(key));
	if (strcmp(key, "first") == 0) {
		s->range_first = range_number(s, key, value);
		*saw_first = true;
	} else if (strcmp(key, "count") == 0) {
		s->range_count = range_number(s, key, value);
		*saw_count = true;
	}
	struct meta_entry *entry = find_meta(s, key);
	if (entry && strcmp(entry->value, value) != 0) {
		if (meta_key_is_identity(key))
			data_error(stream_where(s), "metadata %.*s%s=%.*s%s conflicts with %.*s%s=%.*s%s (%s)",
			           CLIPPED(key), CLIPPED(value), CLIPPED(key), CLIPPED(entry->value),
			           entry->where);
		free(entry->value);
		entry->value = xstrdup(value);
		return;
	}
	if (entry)
		return;
	if (s->nmeta == s->meta_cap) {
		s->meta_cap = s->meta_cap ? 2 * s->meta_cap : 32;
		s->meta = xreallocarray(s->meta, (size_t)s->meta_cap, sizeof *s->meta);
	}
	s->meta[s->nmeta].key = xstrdup(key);
	s->meta[s->nmeta].value = xstrdup(value);
	s->meta[s->nmeta].where = xstrdup(stream_where(s));
	s->nmeta++;
}

/* The value of key in a metadata word "key=value", or NULL. */
static const char *word_value(const char *word, const char *key)
{
	size_t len = strlen(key);
	return strncmp(word, key, len) == 0 && word[len] == '=' ? word + len + 1 : NULL;
}

/* The keys of a simpaths line whose absence means a default, and what the
 * default is. The dictionary cannot see them: a key absent from one input
 * and present in another is no conflict there (a later stage adds keys of
 * its own), but paths of inversion and of the ziggurat, of the training and
 * the pricing stream, of Sobol points and of Philox draws are other paths
 * of one seed, and summed together would pass for one run (aggregate
 * refuses their partials; this refuses a `cat`). */
static const struct {
	const char *key;
	const char *absent;   /* what no key= means */
} defaulted_keys[STREAM_DEFAULTED_KEYS] = {
	{ "normals", "paths drawn by inversion" },
	{ "stream", "the pricing stream" },
	{ "qmc", "Philox draws, no QMC" },
};

/* A simpaths line's values of defaulted_keys (NULL where absent) against
 * the first simpaths line's. */
static void check_paths_defaults(struct stream *s, const char *const values[])
{
	if (!s->paths_where) {
		s->paths_where = xstrdup(stream_where(s));
		for (int k = 0; k < STREAM_DEFAULTED_KEYS; k++)
			s->paths_values[k] = xstrdup(values[k] ? values[k] : "");
		return;
	}
	for (int k = 0; k < STREAM_DEFAULTED_KEYS; k++) {
		const char *key = defaulted_keys[k].key, *first = s->paths_values[k];
		const char *mine = values[k] ? values[k] : "";
		if (strcmp(mine, first) == 0)
			continue;
		if (!values[k])
			data_error(stream_where(s), "metadata has no %s= (%s) but %s has %s=%.*s%s "
			           "(another run?)", key, defaulted_keys[k].absent, s->paths_where, key,
			           CLIPPED(first));
		if (!*first)
			data_error(stream_where(s), "metadata %s=%.*s%s conflicts with %s, which has no "
			           "%s= (%s; another run?)", key, CLIPPED(mine), s->paths_where, key,
			           defaulted_keys[k].absent);
		/* two values: take_meta_word refused them already */
	}
}

/* Parses a '#' line's key=value words without disturbing s->line, which a
 * filter passes through verbatim. */
static void take_meta_line(struct stream *s)
{
	char *copy = xstrdup(s->line + 1);
	bool saw_first = false, saw_count = false, simpaths = false;
	const char *values[STREAM_DEFAULTED_KEYS] = { NULL };

	for (char *word = strtok(copy, " \t"); word; word = strtok(NULL, " \t")) {
		const char *tool = word_value(word, "tool");
		simpaths |= tool && strcmp(tool, "simpaths") == 0;
		for (int k = 0; k < STREAM_DEFAULTED_KEYS; k++)
			if (word_value(word, defaulted_keys[k].key))
				values[k] = word_value(word, defaulted_keys[k].key);
		take_meta_word(s, word, &saw_first, &saw_count);
	}
	if (simpaths)
		check_paths_defaults(s, values);
	free(copy);
	if (saw_first != saw_count)
		data_error(stream_where(s), "metadata has %s= without %s=",
		           saw_first ? "first" : "count", saw_first ? "count" : "first");
	/* Path indices lie below 2^63 (genseeds, simpaths): a range past that
	 * is junk, and its end would wrap aggregate's 64-bit coverage sums
	 * (first=2^63 count=2^63 merged with first=0 count=2^63 into a
	 * partial of count=0). Found by tests/fuzz (fuzz_aggregate). */
	if (saw_first && s->range_count > (UINT64_C(1) << 63) - s->range_first)
		data_error(stream_where(s), "metadata range first=%llu count=%llu ends past 2^63",
		           (unsigned long long)s->range_first, (unsigned long long)s->range_count);
	s->range_opened = saw_first;
}

void stream_take_meta(struct stream *s, const char *line)
{
	free(s->line);
	s->line = xstrdup(line);
	s->line_cap = strlen(line) + 1;
	s->lineno++;
	take_meta_line(s);
}

static bool looks_like_number(const char *field)
{
	double ignored;
	if (num_parse(field, strlen(field), &ignored))
		return true;
	/* Spelled-out non-numbers are bad data, not column names. */
	const char *p = field + (*field == '-' || *field == '+');
	return strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0;
}

static char *joined_fields(const struct stream *s)
{
	size_t len = 1;
	for (int i = 0; i < s->nfields; i++)
		len += strlen(s->fields[i]) + 1;
	char *text = xreallocarray(NULL, len, 1), *p = text;
	for (int i = 0; i < s->nfields; i++) {
		size_t n = strlen(s->fields[i]);
		memcpy(p, s->fields[i], n);
		p += n;
		*p++ = '\t';
	}
	p[-(s->nfields > 0)] = '\0';
	return text;
}

static void take_header(struct stream *s)
{
	char *text = joined_fields(s);

	if (s->header_text) {
		if (strcmp(text, s->header_text) != 0)
			data_error(stream_where(s), "header '%.*s%s' conflicts with '%.*s%s'",
			           CLIPPED(text), CLIPPED(s->header_text));
		free(text);
		return;
	}
	for (int i = 0; i < s->nfields; i++) {
		if (looks_like_number(s->fields[i]))
			data_error(stream_where(s), "missing header: expected column names, found '%.*s%s'",
			           CLIPPED(s->fields[i]));
		/* Written first on a line, as aggregate writes names, it would
		 * read back as metadata. Found by tests/fuzz (fuzz_aggregate). */
		if (s->fields[i][0] == '#')
			data_error(stream_where(s), "column name '%.*s%s' starts with '#'",
			           CLIPPED(s->fields[i]));
		for (int j = 0; j < i; j++)
			if (strcmp(s->fields[i], s->fields[j]) == 0)
				data_error(stream_where(s), "duplicate column '%.*s%s' in header",
				           CLIPPED(s->fields[i]));
	}
	s->header_text = text;
	s->header_lineno = s->lineno;
	s->ncolumns = s->nfields;
	s->columns = xreallocarray(NULL, (size_t)s->nfields, sizeof *s->columns);
	char *name = xstrdup(text);
	for (int i = 0; i < s->nfields; i++) {
		s->columns[i] = name;
		name += strcspn(name, "\t");
		if (*name)
			*name++ = '\0';
	}
}

/* A row that is all names where data should be is a second, different header. */
static bool looks_like_header(const struct stream *s)
{
	for (int i = 0; i < s->nfields; i++) {
		const char *f = s->fields[i];
		if (!((*f >= 'a' && *f <= 'z') || (*f >= 'A' && *f <= 'Z') || *f == '_') ||
		    looks_like_number(f))
			return false;
	}
	return true;
}

enum record stream_next(struct stream *s)
{
	while (read_line(s)) {
		if (s->line[0] == '#') {
			take_meta_line(s);
			return RECORD_META;
		}
		split_fields(s);
		if (s->nfields == 0)
			continue;
		if (s->in_header_zone) {
			s->in_header_zone = false;
			take_header(s);
			continue;
		}
		if (s->nfields == s->ncolumns && strcmp(s->fields[0], s->columns[0]) == 0) {
			char *text = joined_fields(s);
			bool repeated_header = strcmp(text, s->header_text) == 0;
			free(text);
			if (repeated_header)
				continue;
		}
		if (looks_like_header(s))
			take_header(s);   /* dies: it differs from the first */
		if (s->nfields != s->ncolumns)
			data_error(stream_where(s), "expected %d fields, found %d",
			           s->ncolumns, s->nfields);
		return RECORD_ROW;
	}
	return RECORD_END;
}

int stream_column(const struct stream *s, const char *name)
{
	for (int i = 0; i < s->ncolumns; i++)
		if (strcmp(s->columns[i], name) == 0)
			return i;
	return -1;
}

const char *stream_meta(const struct stream *s, const char *key)
{
	const struct meta_entry *entry = find_meta(s, key);
	return entry ? entry->value : NULL;
}

double stream_meta_double(struct stream *s, const char *key)
{
	const char *text = stream_meta(s, key);
	double value;

	if (!text)
		data_error(s->name ? stream_where(s) : "stdin",
		           "metadata has no %s= (was the stream written by simpaths?)", key);
	if (!num_parse(text, strlen(text), &value))
		data_error(stream_where(s), "invalid number in metadata %s=%.*s%s", key, CLIPPED(text));
	return value;
}

double stream_field_double(struct stream *s, int field)
{
	const char *text = s->fields[field];
	double value;

	if (!num_parse(text, strlen(text), &value))
		data_error(stream_where(s), "invalid number in column %d (%.*s%s): '%.40s%s'",
		           field + 1, CLIPPED(s->columns[field]), text, strlen(text) > 40 ? "..." : "");
	return value;
}

/* Prices are positive; anything else did not come from simpaths. */
double stream_field_price(struct stream *s, int field)
{
	double value = stream_field_double(s, field);
	if (!(value > 0))
		data_error(stream_where(s), "non-positive price in column %d (%s): '%.40s%s'",
		           field + 1, s->columns[field], s->fields[field],
		           strlen(s->fields[field]) > 40 ? "..." : "");
	return value;
}

int stream_numbered_columns(struct stream *s, const char *letter, const char *what, long steps)
{
	char name[32];

	snprintf(name, sizeof name, "%s1", letter);
	int first = stream_column(s, name);
	for (long i = 2; first >= 0 && i <= steps; i++) {
		snprintf(name, sizeof name, "%s%ld", letter, i);
		if (stream_column(s, name) != first + i - 1)
			data_error(stream_where(s), "%s columns %s1..%s%ld are incomplete: no %s", what,
			           letter, letter, steps, name);
	}
	return first;
}

int stream_path_columns(struct stream *s, long steps)
{
	return stream_numbered_columns(s, "S", "path", steps);
}

void meta_entries_free(struct meta_entry *entries, int n)
{
	for (int i = 0; i < n; i++) {
		free(entries[i].key);
		free(entries[i].value);
		free(entries[i].where);
	}
	free(entries);
}

void stream_close(struct stream *s)
{
	if (s->fp && s->fp != stdin)
		fclose(s->fp);
	meta_entries_free(s->meta, s->nmeta);
	free(s->line);
	free(s->fields);
	if (s->ncolumns)
		free(s->columns[0]);
	free(s->columns);
	free(s->header_text);
	free(s->paths_where);
	for (int k = 0; k < STREAM_DEFAULTED_KEYS; k++)
		free(s->paths_values[k]);
	memset(s, 0, sizeof *s);
}
