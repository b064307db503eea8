# Fuzzing: libFuzzer harnesses for every parser (tests/fuzz/fuzz_*.c).
#
#   make fuzz [FUZZ_SECONDS=60]   run each harness for FUZZ_SECONDS, then merge
#                                 what it found into tests/fuzz/corpus/<harness>/
#   make fuzz-stream ...          one harness (make -j2 fuzz runs two at once)
#   make fuzz-replay-build        the replay programs `make test` runs
#                                 (tests/fuzz.bats): any C compiler will do
#   make fuzz-replay              replay the kept corpus without bats
#
# A harness links tools/lib without err.c: tests/fuzz/harness_err.c turns
# the tools' error exits into a longjmp back to the harness (harness.h).
# The fuzzers need clang and its libFuzzer runtime (FUZZ_PACKAGES); the
# replay programs are built with $(CC) and the sanitizers of `make test`.
#
# The kept corpus is small on purpose: after each run it is re-minimized
# (tests/fuzz/run-fuzz), capped at FUZZ_MAX_FILES files per harness.
# Hand-written seeds (seed-*) and the inputs of fixed bugs (crash-*) are
# always kept.

FUZZ_HARNESSES = numtext xsum stream aggregate gridgen opts closedform payoff exercise simpaths
FUZZ_SECONDS   = 60
FUZZ_MAX_LEN   = 4096
FUZZ_MAX_FILES = 200
FUZZ_CC        = clang
FUZZ_FLAGS     = -std=c11 -O1 -g -Wall -Wextra -Werror -ffp-contract=off -fno-math-errno \
                 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                 -fno-omit-frame-pointer
# libFuzzer options of a run: leaks are off because a harness longjmps out
# of code that, in the tool, would have exited (see harness.h). Inputs
# take milliseconds (closedform's exact discrete lookbacks up to a second):
# the generous timeout only keeps a loaded machine's stalls from passing
# for hangs, as 10 s did once.
FUZZ_RUN_OPTS  = -max_len=$(FUZZ_MAX_LEN) -timeout=60 -rss_limit_mb=2048 -detect_leaks=0 \
                 -print_final_stats=1

# The libFuzzer runtime: clang prints the bare file name when it lacks it,
# which then fails ensure-packages' check as a command would.
FUZZ_RUNTIME   = $(or $(shell $(FUZZ_CC) -print-file-name=libclang_rt.fuzzer-$(shell uname -m).a 2>/dev/null),libclang_rt.fuzzer)
FUZZ_PACKAGES  = $(FUZZ_CC):clang $(FUZZ_RUNTIME):libclang-rt-dev

FUZZ_LIB_SRC   = $(filter-out tools/lib/err.c,$(LIB_SRC))
FUZZ_COMMON    = tests/fuzz/harness_err.c
FUZZ_DEPS      = $(FUZZ_COMMON) tests/fuzz/harness.h tests/fuzz/tracked_stream.h $(FUZZ_LIB_SRC) $(LIB_HDR) \
                 $(wildcard tools/*.c)
FUZZ_BIN       = $(FUZZ_HARNESSES:%=build/fuzz/bin/fuzz_%)
FUZZ_REPLAY    = $(FUZZ_HARNESSES:%=build/fuzz/replay/fuzz_%)

.PHONY: fuzz fuzz-deps fuzz-build fuzz-replay-build fuzz-replay $(FUZZ_HARNESSES:%=fuzz-%)

fuzz-deps:
	@pipeline/ensure-packages $(FUZZ_PACKAGES)

fuzz-build: $(FUZZ_BIN)

build/fuzz/bin/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) | fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(CPPFLAGS) -Itests/fuzz -o $@ $< $(FUZZ_COMMON) $(FUZZ_LIB_SRC) $(LDLIBS)

# The replay programs link the sanitized build's tools/lib objects (the same
# SANFLAGS and CPPFLAGS; -Itests/fuzz changes nothing in tools/lib, whose
# headers sit beside its sources) instead of compiling tools/lib again each:
# ten compiles of it were four minutes of CPU in `make test`, which builds
# these without -j.
FUZZ_REPLAY_OBJ = $(FUZZ_LIB_SRC:tools/lib/%.c=build/asan/obj/lib/%.o)

build/fuzz/replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(FUZZ_DEPS) \
		$(FUZZ_REPLAY_OBJ) | deps-build
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(CPPFLAGS) -Itests/fuzz -o $@ $< tests/fuzz/replay_main.c \
		$(FUZZ_COMMON) $(FUZZ_REPLAY_OBJ) $(LDLIBS)

fuzz-replay-build: $(FUZZ_REPLAY)

# `make test` replays the kept corpus (tests/fuzz.bats needs these).
check-plain check-sanitized: fuzz-replay-build
TEST_BUILD += $(FUZZ_REPLAY)

fuzz-replay: $(FUZZ_REPLAY)
	@for h in $(FUZZ_HARNESSES); do \
		ASAN_OPTIONS=detect_leaks=0 build/fuzz/replay/fuzz_$$h tests/fuzz/corpus/$$h \
			2>build/fuzz/replay-$$h.log || { tail -n 40 build/fuzz/replay-$$h.log; exit 1; }; \
		echo "fuzz-replay: $$h: $$(tail -n 1 build/fuzz/replay-$$h.log)"; \
	done

fuzz: $(FUZZ_HARNESSES:%=fuzz-%)

# One harness: fuzz, then merge into the kept corpus (tests/fuzz/run-fuzz).
$(FUZZ_HARNESSES:%=fuzz-%): fuzz-%: build/fuzz/bin/fuzz_%
	@tests/fuzz/run-fuzz $* $(FUZZ_SECONDS) $(FUZZ_MAX_FILES) $(FUZZ_RUN_OPTS)
