/* xalloc.h: allocation that cannot fail quietly.
 *
 * Each dies with "out of memory" (err.h's fatal, exit 1) rather than
 * return NULL. Apart from err.c so that the fuzz harnesses, which bring
 * their own err.c, link these as they are. */
#ifndef MCPIPE_XALLOC_H
#define MCPIPE_XALLOC_H

#include <stddef.h>

/* realloc for count * size bytes; also dies when count * size overflows. */
void *xreallocarray(void *p, size_t count, size_t size);

/* strdup. */
char *xstrdup(const char *text);

#endif
