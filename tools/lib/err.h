/* err.h: one family of error helpers for every mcpipe tool.
 *
 * Messages go to stderr as "tool: where: what". Exit status follows the
 * project contract: 2 for usage errors (bad options), 1 for data errors
 * (bad input, I/O failure). */
#ifndef MCPIPE_ERR_H
#define MCPIPE_ERR_H

#include <stdio.h>

#define EXIT_USAGE 2
#define EXIT_DATA 1

extern const char *progname;   /* set once by tool_init() */

/* Names the tool for messages (getopt's too, through argv[0]) and makes
 * stdout fully buffered. */
void tool_init(const char *name, char **argv);

/* "tool: what" then exit 2; a format ending in ':' appends strerror(errno). */
_Noreturn void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* "tool: where: what" then exit 1; `where` is "file:line" or a file name. */
_Noreturn void data_error(const char *where, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "tool: what" then exit 1, for failures with no input position. */
_Noreturn void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Prints the tool's one-line usage to stderr, adds a pointer to --help, exit 2. */
_Noreturn void usage_short(const char *synopsis);

/* Prints "tool (mcpipe) VERSION" on stdout and exits 0. */
_Noreturn void print_version(void);

/* Flushes and closes stdout; a write error (full disk) is a data error, a
 * closed pipe a quiet exit. Every tool calls this last. */
void finish_output(void);

/* Checked fwrite/fputs to stdout for hot loops: dies on a write error. */
void out_write(const void *buf, size_t len);

#endif
