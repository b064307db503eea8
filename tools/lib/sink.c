/* sink.c: what the sinks share (sink.h): the output, metadata, a fused
 * row written or summed, the partial at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numtext.h"
#include "sink.h"

const char *const emit_names[3] = { "terminal", "summary", "path" };

void *sink_calloc(size_t count, size_t size)
{
	void *p = calloc(count, size);
	if (!p)
		fatal("out of memory");
	return p;
}

void sink_put_text(struct sink *s, const char *text)
{
	outbuf_put(&s->out, text, strlen(text));
}

void sink_meta(struct sink *s, const char *line)
{
	if (s->partial_on) {
		stream_take_meta(&s->downstream, line);
		return;
	}
	sink_put_text(s, line);
	sink_put_text(s, "\n");
}

void sink_row(struct sink *s, const double *row)
{
	char text[NUM_TEXT_MAX];

	if (!s->partial_on) {
		for (int i = 0; i < s->ncolumns; i++)
			outbuf_put_number(&s->out, row[i], s->hex, i + 1 < s->ncolumns ? '\t' : '\n');
		return;
	}
	int bad = partial_add_path_row(&s->partial, s->current_path, row);
	if (bad >= 0) {
		num_format(text, row[bad]);
		fatal("path %llu: value too large to square: %s", (unsigned long long)s->current_path,
		      text);
	}
}

void sink_columns(struct sink *s, const char *line, const char **names)
{
	sink_meta(s, line);
	if (s->partial_on) {
		partial_set_columns(&s->partial, "simpaths", (char **)names, s->ncolumns);
		if (s->replicates)
			partial_set_replicates(&s->partial, s->replicates, "simpaths");
		return;
	}
	for (int i = 0; i < s->ncolumns; i++) {
		sink_put_text(s, names[i]);
		sink_put_text(s, i + 1 < s->ncolumns ? "\t" : "\n");
	}
}

void sink_finish(struct sink *s)
{
	outbuf_flush(&s->out);
	if (s->type->finish)
		s->type->finish(s);
}

void sink_finish_partial(struct sink *s)
{
	if (!s->partial_on)
		return;
	partial_take_identity(&s->partial, &s->downstream);
	partial_check_coverage(&s->partial, false);
	partial_settle(&s->partial, false);
	partial_write(&s->partial);
}
