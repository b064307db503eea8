/* stream.h: reading mcpipe's line-oriented table streams.
 *
 * A stream is one or more inputs read in turn. In each, lines starting
 * with '#' carry metadata as key=value words; the first other non-blank
 * line is a header naming the columns; every further line is a row of
 * fields separated by TABs or runs of spaces. A repeated identical header
 * (from `cat a b`) is skipped; a different one is an error.
 *
 * Metadata accumulates over all inputs into one dictionary and must not
 * contradict itself: sigma=0.2 in one shard and sigma=0.3 in another is an
 * error. Only the keys that legitimately differ between shards of one run
 * (the range keys first, count, shard, and tool) may change. A key absent
 * from one simpaths line may not be present in another where its absence
 * means a default: normals= (none is inversion), stream= (none is the
 * pricing stream) and qmc= (none is Philox's draws). A metadata
 * line with first= and count= opens a path range: the rows that follow,
 * up to the next range, are those paths. */
#ifndef MCPIPE_STREAM_H
#define MCPIPE_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum record { RECORD_END, RECORD_META, RECORD_ROW };

/* How many metadata keys of simpaths mean a default when absent. */
#define STREAM_DEFAULTED_KEYS 3

struct meta_entry {
	char *key;
	char *value;
	char *where;     /* where it was first seen, for conflict messages */
};

/* The entry of key among n entries, or NULL. */
struct meta_entry *meta_entry_find(const struct meta_entry *entries, int n, const char *key);

/* Frees n entries' strings and the array itself. */
void meta_entries_free(struct meta_entry *entries, int n);

struct stream {
	char **inputs;           /* file names; "-" is standard input */
	int ninputs, next_input;
	FILE *fp;
	const char *name;        /* current input's name, for messages */
	unsigned long lineno;

	char *line;              /* the current line, NUL-terminated, no newline */
	size_t line_len, line_cap;

	char **fields;           /* the current row, split in place */
	int nfields, fields_cap;

	char **columns;          /* the header's column names */
	int ncolumns;
	char *header_text;       /* the header's names joined by TABs */
	unsigned long header_lineno;   /* its line */
	bool in_header_zone;     /* no header seen yet in this input */

	struct meta_entry *meta;
	int nmeta, meta_cap;

	bool range_opened;       /* set by a metadata line with first= and count= */
	uint64_t range_first, range_count;

	/* The first simpaths line's values of the keys whose absence means
	 * simpaths' default (normals=, stream=, qmc=: stream.c's
	 * defaulted_keys; "" when it has none) and where it was, so that paths
	 * of two runs are never read as one stream (take_meta_line). NULL
	 * before the first simpaths line. */
	char *paths_where;
	char *paths_values[STREAM_DEFAULTED_KEYS];

	char where_buf[512];
};

/* Opens the inputs (none means standard input). */
void stream_open(struct stream *s, int ninputs, char **inputs);

/* Takes a metadata line ('#' and key=value words) into s's dictionary as
 * if s had read it as its next line. For a tool that fuses stages: it keeps,
 * in a stream it never opens, the metadata its next stage would have read,
 * by the same rules. s starts zeroed, with s->name set for messages. */
void stream_take_meta(struct stream *s, const char *line);

/* Reads the next metadata line or row. Dies with a data error, naming the
 * file and line, on anything malformed. A row has exactly ncolumns fields. */
enum record stream_next(struct stream *s);

/* "file:line" of the current line; of the current input's header. Both
 * in one buffer of s: copy one to keep it past the next call. */
const char *stream_where(struct stream *s);
const char *stream_header_where(struct stream *s);

/* Index of the named column, or -1. */
int stream_column(const struct stream *s, const char *name);

/* The value of a metadata key, or NULL. */
const char *stream_meta(const struct stream *s, const char *key);

/* As stream_meta, but a missing key or a value that is not a finite number
 * is a data error naming the key. */
double stream_meta_double(struct stream *s, const char *key);

/* Does this key identify a run (as opposed to a shard's range or the tool)? */
bool meta_key_is_identity(const char *key);

/* Parses a field as a finite double; a data error names line, column and text. */
double stream_field_double(struct stream *s, int field);

/* As stream_field_double, for a simulated price: it must be positive. */
double stream_field_price(struct stream *s, int field);

/* The column of S1 in a whole-path stream (simpaths --emit path), or -1 if
 * there is none; a data error unless S1..S<steps> follow each other. */
int stream_path_columns(struct stream *s, long steps);

/* The same for the columns <letter>1..<letter><steps> (V for simpaths
 * --variance), `what` naming them in the message. */
int stream_numbered_columns(struct stream *s, const char *letter, const char *what, long steps);

void stream_close(struct stream *s);

#endif
