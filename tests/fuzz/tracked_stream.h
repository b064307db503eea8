/* tracked_stream.h: for a harness that compiles in a tool which reads a
 * stream. The stream the tool has open is remembered, so that a failure
 * can close it (and its file) before harness_exit longjmps out of the
 * tool's frame: set harness_on_error = close_open_stream. Include this
 * just before the tool's .c; stream_open and stream_close name the
 * tracked versions until the harness #undefs them after it. */
#ifndef MCPIPE_TRACKED_STREAM_H
#define MCPIPE_TRACKED_STREAM_H

#include "stream.h"

static struct stream *open_stream;
static void tracked_stream_open(struct stream *s, int ninputs, char **inputs)
{
	stream_open(s, ninputs, inputs);
	open_stream = s;
}
static void tracked_stream_close(struct stream *s)
{
	stream_close(s);
	open_stream = NULL;
}
static void close_open_stream(void)
{
	if (open_stream)
		tracked_stream_close(open_stream);
}

#define stream_open tracked_stream_open
#define stream_close tracked_stream_close

#endif
