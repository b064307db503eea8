#define _POSIX_C_SOURCE 200809L
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef MCPIPE_VERSION
#define MCPIPE_VERSION "0.1.0"
#endif

const char *progname = "mcpipe";

/* Big stdout buffer: per-path streams are written in many small pieces. */
static char stdout_buffer[1 << 16];

void tool_init(const char *name, char **argv)
{
	progname = name;
	argv[0] = (char *)name;
	setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
}

static void vreport(const char *where, const char *fmt, va_list ap)
{
	int saved_errno = errno;
	size_t len = strlen(fmt);

	fprintf(stderr, "%s: ", progname);
	if (where)
		fprintf(stderr, "%s: ", where);
	vfprintf(stderr, fmt, ap);
	if (len > 0 && fmt[len - 1] == ':')
		fprintf(stderr, " %s", strerror(saved_errno));
	fputc('\n', stderr);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(NULL, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(EXIT_USAGE);
}

void data_error(const char *where, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(where, fmt, ap);
	va_end(ap);
	exit(EXIT_DATA);
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(NULL, fmt, ap);
	va_end(ap);
	exit(EXIT_DATA);
}

void usage_short(const char *synopsis)
{
	fprintf(stderr, "usage: %s\nTry '%s --help' for more information.\n",
	        synopsis, progname);
	exit(EXIT_USAGE);
}

void print_version(void)
{
	printf("%s (mcpipe) %s\n", progname, MCPIPE_VERSION);
	finish_output();
	exit(0);
}

/* A reader that went away (`| head -1`) is not an error worth a message:
 * like SIGPIPE's default action, leave quietly. */
static _Noreturn void write_failed(void)
{
	if (errno == EPIPE)
		_Exit(141);
	fatal("write error:");
}

void out_write(const void *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len)
		write_failed();
}

void finish_output(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		write_failed();
	if (fclose(stdout) != 0)
		write_failed();
}
