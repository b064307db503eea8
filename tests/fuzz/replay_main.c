/* replay_main.c: runs a fuzz harness on saved inputs, without libFuzzer.
 *
 * usage: HARNESS FILE|DIR ...
 * Every file (and every file in a directory, in name order) is read and
 * passed once to LLVMFuzzerTestOneInput. A crash, a sanitizer report or a
 * harness check aborts the process with a message naming the input; else
 * the exit status is 0 and one line says how many inputs ran.
 *
 * libFuzzer's own driver does the same, but needs clang; this one builds
 * with any C compiler that has -fsanitize=address,undefined, so `make test`
 * replays the kept corpus wherever the tools build. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long ran;

static void run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	size_t cap = 4096, len = 0;
	uint8_t *data = malloc(cap);
	for (size_t n; data && (n = fread(data + len, 1, cap - len, fp)) > 0;) {
		len += n;
		if (len == cap)
			data = realloc(data, cap *= 2);
	}
	if (!data || ferror(fp)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		exit(2);
	}
	fclose(fp);
	/* An exact-size copy: a read past the input's end is an ASan report. */
	uint8_t *exact = malloc(len ? len : 1);
	memcpy(exact, data, len);
	free(data);
	fprintf(stderr, "replay: running %s\n", path);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	ran++;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	DIR *dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(dir));) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		size_t size = strlen(path) + strlen(e->d_name) + 2;
		names[n] = malloc(size);
		snprintf(names[n++], size, "%s/%s", path, e->d_name);
	}
	closedir(dir);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		run_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR ...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		run_path(argv[i]);
	fprintf(stderr, "replay: %lu inputs, no failure\n", ran);
	return 0;
}
