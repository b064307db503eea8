/* harness_err.c: tools/lib/err.c for fuzz harnesses (see harness.h).
 *
 * The same API as err.c; failures longjmp back to the harness instead of
 * exiting, after checking the message against the contract: data errors
 * (exit 1) are one line of at most HARNESS_MESSAGE_MAX bytes. Usage
 * errors quote the command line, which the user typed, and are only
 * formatted. */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"

const char *progname = "mcpipe";

/* Leaks off by default (see harness.h); ASAN_OPTIONS may still say more. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

jmp_buf harness_jump;
int harness_status;
char harness_message[4096];
void (*harness_on_error)(void);
static bool armed;

void harness_arm(void)
{
	armed = true;
	harness_status = 0;
	harness_message[0] = '\0';
}

void harness_disarm(void)
{
	armed = false;
}

_Noreturn void harness_exit(int status)
{
	HARNESS_CHECK(armed, "exit(%d) outside harness_arm()", status);
	if (harness_on_error)
		harness_on_error();
	armed = false;
	harness_status = status;
	longjmp(harness_jump, 1);
}

void tool_init(const char *name, char **argv)
{
	progname = name;
	argv[0] = (char *)name;
}

/* Formats "tool: [where: ]what[: strerror]" as err.c would, into
 * harness_message; returns the full length (which may exceed the buffer). */
static size_t format_message(const char *where, const char *fmt, va_list ap)
{
	int saved_errno = errno;
	size_t size = sizeof harness_message, len = 0;
	int n;

	/* vsnprintf into a heap buffer of the exact size, so that an argument
	 * that is not a string (or not NUL-terminated) trips ASan. */
	va_list copy;
	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	HARNESS_CHECK(n >= 0, "bad format '%s'", fmt);
	char *what = malloc((size_t)n + 1);
	HARNESS_CHECK(what != NULL, "out of memory");
	vsnprintf(what, (size_t)n + 1, fmt, ap);

	n = snprintf(harness_message, size, "%s: %s%s%s", progname, where ? where : "",
	             where ? ": " : "", what);
	len = (size_t)n;
	size_t fmt_len = strlen(fmt);
	if (fmt_len > 0 && fmt[fmt_len - 1] == ':') {
		const char *reason = strerror(saved_errno);
		if (len < size)
			snprintf(harness_message + len, size - len, " %s", reason);
		len += 1 + strlen(reason);
	}
	free(what);
	if (getenv("MCPIPE_FUZZ_VERBOSE"))
		fprintf(stderr, "%s\n", harness_message);
	return len;
}

/* A data error's message: one line, short. */
static void check_data_message(size_t len)
{
	HARNESS_CHECK(len <= HARNESS_MESSAGE_MAX,
	              "a %zu-byte error message (at most %d): %.300s...", len,
	              HARNESS_MESSAGE_MAX, harness_message);
	HARNESS_CHECK(strchr(harness_message, '\n') == NULL,
	              "a newline in the error message: %s", harness_message);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	format_message(NULL, fmt, ap);
	va_end(ap);
	harness_exit(EXIT_USAGE);
}

void data_error(const char *where, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t len = format_message(where, fmt, ap);
	va_end(ap);
	check_data_message(len);
	harness_exit(EXIT_DATA);
}

void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t len = format_message(NULL, fmt, ap);
	va_end(ap);
	check_data_message(len);
	harness_exit(EXIT_DATA);
}

void usage_short(const char *synopsis)
{
	snprintf(harness_message, sizeof harness_message, "usage: %s", synopsis);
	harness_exit(EXIT_USAGE);
}

void print_version(void)
{
	printf("%s (mcpipe) harness\n", progname);
	harness_exit(0);
}

void out_write(const void *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len)
		fatal("write error:");
}

void finish_output(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		fatal("write error:");
}

/* --- input files and standard output as memfds --------------------------- */

static int file_fd[HARNESS_FILES] = { -1, -1, -1, -1 };
static char file_name[HARNESS_FILES][32];

static void fill(int fd, const uint8_t *data, size_t size)
{
	HARNESS_CHECK(ftruncate(fd, 0) == 0, "ftruncate: %s", strerror(errno));
	for (size_t done = 0; done < size;) {
		ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
		HARNESS_CHECK(n > 0, "pwrite: %s", strerror(errno));
		done += (size_t)n;
	}
}

const char *harness_file(int slot, const uint8_t *data, size_t size)
{
	HARNESS_CHECK(slot >= 0 && slot < HARNESS_FILES, "slot %d", slot);
	if (file_fd[slot] < 0) {
		file_fd[slot] = memfd_create("mcpipe-fuzz-input", 0);
		HARNESS_CHECK(file_fd[slot] >= 0, "memfd_create: %s", strerror(errno));
		snprintf(file_name[slot], sizeof file_name[slot], "/proc/self/fd/%d", file_fd[slot]);
	}
	fill(file_fd[slot], data, size);
	return file_name[slot];
}

size_t harness_split(const uint8_t *data, size_t size, char sep, size_t max,
                     const uint8_t **piece, size_t *piece_size)
{
	size_t n = 0;

	while (n + 1 < max) {
		const uint8_t *end = memchr(data, sep, size);
		if (!end)
			break;
		piece[n] = data;
		piece_size[n++] = (size_t)(end - data);
		size -= (size_t)(end - data) + 1;
		data = end + 1;
	}
	piece[n] = data;
	piece_size[n++] = size;
	return n;
}

static int stdout_fd = -1;
static char *stdout_copy;

void harness_stdout_init(void)
{
	if (stdout_fd >= 0)
		return;
	fflush(stdout);
	stdout_fd = memfd_create("mcpipe-fuzz-stdout", 0);
	HARNESS_CHECK(stdout_fd >= 0, "memfd_create: %s", strerror(errno));
	HARNESS_CHECK(dup2(stdout_fd, STDOUT_FILENO) == STDOUT_FILENO, "dup2: %s", strerror(errno));
}

void harness_stdout_reset(void)
{
	fflush(stdout);
	clearerr(stdout);
	HARNESS_CHECK(ftruncate(STDOUT_FILENO, 0) == 0, "ftruncate: %s", strerror(errno));
	HARNESS_CHECK(lseek(STDOUT_FILENO, 0, SEEK_SET) == 0, "lseek: %s", strerror(errno));
}

const char *harness_stdout_text(size_t *len)
{
	fflush(stdout);
	off_t size = lseek(STDOUT_FILENO, 0, SEEK_CUR);
	HARNESS_CHECK(size >= 0, "lseek: %s", strerror(errno));
	free(stdout_copy);
	stdout_copy = malloc((size_t)size + 1);
	HARNESS_CHECK(stdout_copy != NULL, "out of memory");
	for (off_t done = 0; done < size;) {
		ssize_t n = pread(STDOUT_FILENO, stdout_copy + done, (size_t)(size - done), done);
		HARNESS_CHECK(n > 0, "pread: %s", strerror(errno));
		done += n;
	}
	stdout_copy[size] = '\0';
	*len = (size_t)size;
	return stdout_copy;
}
