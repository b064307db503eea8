#define _POSIX_C_SOURCE 200809L
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

void *xreallocarray(void *p, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		fatal("out of memory");
	p = realloc(p, count * size);
	if (!p && count && size)
		fatal("out of memory");
	return p;
}

char *xstrdup(const char *text)
{
	char *copy = strdup(text);
	if (!copy)
		fatal("out of memory");
	return copy;
}
