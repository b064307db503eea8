/* outbuf.h: a large output buffer for per-path rows.
 *
 * Rows are built in place and handed to stdout in 256 KiB writes, so the
 * per-row cost is the formatting alone, not a stdio call per field. */
#ifndef MCPIPE_OUTBUF_H
#define MCPIPE_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "numtext.h"

#define OUTBUF_SIZE (1 << 18)
#define OUTBUF_ROW_MAX 4096   /* callers reserve at most this much per call */

struct outbuf {
	size_t len;
	char data[OUTBUF_SIZE];
};

static inline void outbuf_flush(struct outbuf *b)
{
	out_write(b->data, b->len);
	b->len = 0;
}

/* Room for `need` more bytes (need <= OUTBUF_ROW_MAX); returns where to write. */
static inline char *outbuf_reserve(struct outbuf *b, size_t need)
{
	if (OUTBUF_SIZE - b->len < need)
		outbuf_flush(b);
	return b->data + b->len;
}

static inline void outbuf_put(struct outbuf *b, const char *text, size_t len)
{
	if (len > OUTBUF_ROW_MAX) {
		outbuf_flush(b);
		out_write(text, len);
		return;
	}
	memcpy(outbuf_reserve(b, len), text, len);
	b->len += len;
}

/* A number and its separator: C99 hex float when hex (exact, fast), else
 * "%.17g" (exact, for people). The one spelling of every per-path tool. */
static inline void outbuf_put_number(struct outbuf *b, double value, bool hex, char separator)
{
	char *p = outbuf_reserve(b, NUM_TEXT_MAX + 1);
	size_t len = hex ? num_format_hex(p, value) : (size_t)snprintf(p, NUM_TEXT_MAX, "%.17g", value);
	p[len] = separator;
	b->len += len + 1;
}

#endif
