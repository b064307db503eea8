/* harness.h: what every mcpipe fuzz harness shares.
 *
 * The tools end on bad input by calling usage_error/data_error/fatal
 * (tools/lib/err.c), which exit. A fuzz harness runs millions of inputs in
 * one process, so harness_err.c replaces err.c: the same API, but an error
 * formats its message (so that a bad format argument still trips the
 * sanitizers), checks it against the contract's rules for messages, and
 * longjmps back to the harness, which goes on to the next input.
 *
 * Data error messages must be one line of at most HARNESS_MESSAGE_MAX
 * bytes (input text quoted in them is cut short, as stream.c's CLIPPED
 * does): a message that quotes a 4 KB field whole, or a newline from the
 * input, is a bug the harness reports with abort().
 *
 * What is left allocated when an error longjmps out is not freed (the tool
 * would have exited): harnesses run with leak detection off. */
#ifndef MCPIPE_FUZZ_HARNESS_H
#define MCPIPE_FUZZ_HARNESS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Longest acceptable error message, "tool: " prefix and file name included
 * (file names in the harnesses are short: /proc/self/fd/N). Messages quote
 * input cut short (120 or 200 bytes, two quotes at most), so with inputs
 * of up to 4 KB (make fuzz's -max_len) a longer one quotes input whole. */
#define HARNESS_MESSAGE_MAX 1024

/* Around a call that may fail:
 *
 *     harness_arm();
 *     if (setjmp(harness_jump) == 0) {
 *             ... code under test ...
 *     } else {
 *             ... it failed with exit status harness_status ...
 *     }
 *     harness_disarm();
 *
 * An error while not armed is a harness bug (abort). Locals changed inside
 * and read after a failure must be volatile. */
extern jmp_buf harness_jump;
extern int harness_status;           /* the exit status of the last failure */
extern char harness_message[4096];   /* the last error message, "tool: " included */
void harness_arm(void);
void harness_disarm(void);

/* Instead of exit() in code under test (help, --version, closedform's exit 3). */
_Noreturn void harness_exit(int status);

/* The harness's own assertion: prints the reason and aborts, which both
 * libFuzzer and the replay driver report as a crash with the input saved. */
#define HARNESS_CHECK(cond, ...)                                                    \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "harness check failed at %s:%d: %s\n  ",   \
			        __FILE__, __LINE__, #cond);                         \
			fprintf(stderr, __VA_ARGS__);                               \
			fputc('\n', stderr);                                        \
			abort();                                                    \
		}                                                                   \
	} while (0)

/* Called before each failure longjmps (NULL: none). A harness that keeps
 * resources inside the code under test frees them here, while the frames
 * that own them are still alive. */
extern void (*harness_on_error)(void);

/* Input files without touching the disk: slot k is a memfd whose contents
 * are replaced by harness_file(); returns "/proc/self/fd/N", which fopen
 * opens at offset 0. Up to HARNESS_FILES slots. */
#define HARNESS_FILES 4
const char *harness_file(int slot, const uint8_t *data, size_t size);

/* Splits data at every '\f' into at most max pieces (the last piece takes
 * the rest); returns the count. Multi-file harnesses use this. */
size_t harness_split(const uint8_t *data, size_t size, char sep, size_t max,
                     const uint8_t **piece, size_t *piece_size);

/* Standard output goes to a memfd, so that what a tool prints is checked
 * and costs no terminal I/O. harness_stdout_reset() empties it;
 * harness_stdout_text() flushes and returns its contents (NUL-terminated,
 * valid until the next call) and length. */
void harness_stdout_init(void);
void harness_stdout_reset(void);
const char *harness_stdout_text(size_t *len);

#endif
