# mcpipe: Monte Carlo pricing as a pipeline of small C tools (DESIGN.md).
#
#   make            build the tools into build/bin
#   make price      price an option on every core (see README.md)
#   make test       build, then run the bats suites (plain and sanitized)
#   make install    PREFIX=/usr/local DESTDIR=
#   make mutants    seeded errors: do the tests catch a wrong number? (mk/mutants.mk)

VERSION   = 0.1.0
PREFIX    = /usr/local
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man/man1

CC        = cc
# -ffp-contract=off: no fused multiply-add, so a path's bits never depend on
# the CPU or on which loop (vector or scalar) computed it. gcc already does
# this under -std=c11; we say it for clang and for anyone who adds -march.
# -ftree-vectorize -fno-trapping-math -fno-math-errno: let gcc vectorise the
# path loops (tools/lib/detmath.h); none of them changes a result bit.
CFLAGS    = -std=c11 -O2 -Wall -Wextra -Werror -ffp-contract=off -fno-math-errno \
            -ftree-vectorize -fno-trapping-math
CPPFLAGS  = -Itools/lib -DMCPIPE_VERSION='"$(VERSION)"'
LDLIBS    = -lm
SANFLAGS  = -std=c11 -O1 -g -Wall -Wextra -Werror -ffp-contract=off -fno-math-errno \
            -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

TOOLS     = genseeds simpaths payoff aggregate gridgen closedform lsmfit exercise
TOOLS    += backtest
TOOLS    += risk scenarios
TOOLS    += calibrate impvol
TOOLS    += credit creditref
UNITS     = test_exactsum test_detmath test_numtext test_rng test_partial
UNITS    += test_tail
UNITS    += test_black
UNITS    += test_sobol
UNITS    += test_ziggurat
UNITS    += test_expskip
LIB_SRC   = $(wildcard tools/lib/*.c)
LIB_HDR   = $(wildcard tools/lib/*.h)
# Sobol direction numbers (tools/lib/sobol.c): Joe and Kuo's, generated at
# build time from the copy in libboost-dev (tools/gen/sobol-table.awk), so
# no number is copied into the sources. Every build of tools/lib sees it
# through LIB_HDR and -Ibuild/gen.
SOBOL_TABLE = /usr/include/boost/random/detail/sobol_table.hpp
LIB_HDR  += build/gen/sobol_table.h
CPPFLAGS += -Ibuild/gen

BIN       = $(TOOLS:%=build/bin/%)
SANBIN    = $(TOOLS:%=build/asan/bin/%)
UNITBIN   = $(UNITS:%=build/unit/%)
SANUNIT   = $(UNITS:%=build/asan/unit/%)

all: $(BIN)

# calibrate's Levenberg-Marquardt is GSL's.
build/bin/calibrate build/asan/bin/calibrate: LDLIBS += -lgsl -lgslcblas
# credit's t thresholds and creditref's integrals: GSL
build/bin/credit build/asan/bin/credit build/bin/creditref build/asan/bin/creditref: LDLIBS += -lgsl -lgslcblas

# tools/lib is compiled once per build (optimised: build/, sanitized:
# build/asan/), one object per file, into a static library that every tool
# and unit test links: a tool takes only the objects it uses. -MMD -MP:
# each object's header dependencies, generated as it compiles (the .d
# files, included below), so a changed header rebuilds exactly what
# includes it. A tool needing more libraries adds a target-specific
# variable: build/bin/calibrate build/asan/bin/calibrate: LDLIBS += -lgsl
DEPFLAGS  = -MMD -MP
AR        = ar
LIB_OBJ   = $(LIB_SRC:tools/lib/%.c=build/obj/lib/%.o)
SANLIB_OBJ = $(LIB_SRC:tools/lib/%.c=build/asan/obj/lib/%.o)
LIB       = build/lib/libmcpipe.a
SANLIB    = build/asan/lib/libmcpipe.a

build/obj/lib/%.o: tools/lib/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(DEPFLAGS) -c -o $@ $<

build/asan/obj/lib/%.o: tools/lib/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(CPPFLAGS) $(DEPFLAGS) -c -o $@ $<

build/obj/tools/%.o: tools/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(DEPFLAGS) -c -o $@ $<

build/asan/obj/tools/%.o: tools/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(CPPFLAGS) $(DEPFLAGS) -c -o $@ $<

build/obj/unit/%.o: tests/unit/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(DEPFLAGS) -c -o $@ $<

build/asan/obj/unit/%.o: tests/unit/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(CPPFLAGS) $(DEPFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(SANLIB): $(SANLIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

build/bin/%: build/obj/tools/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

build/asan/bin/%: build/asan/obj/tools/%.o $(SANLIB)
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) -o $@ $< $(SANLIB) $(LDLIBS)

build/unit/%: build/obj/unit/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

build/asan/unit/%: build/asan/obj/unit/%.o $(SANLIB)
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) -o $@ $< $(SANLIB) $(LDLIBS)

build/gen/sobol_table.h: tools/gen/sobol-table.awk | deps-build
	@mkdir -p $(@D)
	awk -f tools/gen/sobol-table.awk $(SOBOL_TABLE) >$@.tmp && mv $@.tmp $@
build/obj/lib/sobol.o build/asan/obj/lib/sobol.o: build/gen/sobol_table.h

# the objects are kept (make would delete them as intermediates)
.SECONDARY:
-include $(wildcard build/obj/*/*.d build/asan/obj/*/*.d)

.PHONY: all deps deps-build deps-run test check test-build check-plain check-sanitized \
        check-expensive price grid speedup bench install uninstall clean

# --- dependencies: Debian packages, installed when missing ----------------
include mk/deps.mk

# --- tests ---------------------------------------------------------------
BATS_FILES = $(wildcard tests/*.bats)
# The longest files first (measured, plain and sanitized, the longest of
# the two first): bats --jobs starts the files in the order given, so the
# two job slots then end within a short file of each other, instead of one
# core idle while the other finishes a long file that started last.
BATS_LONGEST = tests/distributed.bats tests/simpaths.bats tests/heston.bats \
               tests/greeks.bats tests/american.bats tests/resume.bats tests/stats.bats \
               tests/closedform.bats tests/pathdep.bats tests/variance.bats \
               tests/backtest.bats tests/bench.bats tests/hostile.bats
BATS_FILES := $(foreach f,$(BATS_LONGEST),$(filter $(f),$(BATS_FILES))) \
              $(filter-out $(BATS_LONGEST),$(BATS_FILES))

# check-simd (mk/bench.mk): every vector target simpaths can pick gives the
# same bytes on this CPU.
# The suites' programs are built first, by one make with a job a core (one
# at a time, the tools, their sanitized twins, the fuzz replay programs and
# check-simd's targets were about four minutes of a CI run); then the suites
# run, one make target after the other (each runs bats on two jobs itself).
TEST_BUILD = $(TEST_PREREQS) $(SANTEST_PREREQS)
BUILD_JOBS = $(shell nproc 2>/dev/null || echo 2)
# (--no-print-directory: a sub-make prints its directory on stdout, and the
# suites' own make runs would inherit that through MAKEFLAGS)
test check:
	$(MAKE) --no-print-directory -j$(BUILD_JOBS) test-build
	$(MAKE) --no-print-directory -j1 check-plain check-sanitized check-simd


# Test files run two at a time (bats --jobs uses GNU parallel).
BATS_JOBS = --jobs 2 --no-parallelize-within-files

# What the suites need built: one list (the sanitized suites its twin).
# A suite needing more (a tool of its own) adds it here.
TEST_PREREQS    = $(BIN) $(UNITBIN)
SANTEST_PREREQS = $(SANBIN) $(SANUNIT)

check-plain: $(TEST_PREREQS) | deps-run
	MCPIPE_BUILD=build bats $(BATS_JOBS) $(BATS_FILES)

# The tools' and libraries' suites again, against a build with
# AddressSanitizer and UndefinedBehaviorSanitizer. The statistical, pipeline
# and README suites are left out there: they test numbers and glue, which the
# sanitizers do not change, and would take several times as long (resume:
# runs of 4e6 paths killed and resumed, the glue's work).
SANITIZED_BATS = $(filter-out tests/stats.bats tests/pipeline.bats tests/readme.bats tests/distributed.bats tests/bench.bats tests/hostile.bats tests/concurrent.bats tests/manifest.bats tests/resume.bats,$(BATS_FILES))
check-sanitized: $(SANTEST_PREREQS) | deps-run
	MCPIPE_BUILD=build/asan MCPIPE_SANITIZED=1 bats $(BATS_JOBS) $(SANITIZED_BATS)

check-expensive: $(TEST_PREREQS) | deps-run
	MCPIPE_BUILD=build MCPIPE_EXPENSIVE=1 bats $(BATS_FILES)

# --- the user's jobs -----------------------------------------------------
include mk/jobs.mk

# --- benchmarks and fuzzing (make bench, make fuzz) -----------------------
-include mk/bench.mk
-include mk/fuzz.mk

# (after the includes: they add to TEST_BUILD, and a rule's prerequisites
# are expanded where it is read)
test-build: $(TEST_BUILD)

# --- mutation testing (make mutants) ----------------------------------------
include mk/mutants.mk

# --- install -------------------------------------------------------------
install: $(BIN)
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	for t in $(TOOLS); do \
		cp -f build/bin/$$t $(DESTDIR)$(BINDIR)/$$t && chmod 755 $(DESTDIR)$(BINDIR)/$$t; \
		cp -f tools/$$t.1 $(DESTDIR)$(MANDIR)/$$t.1 && chmod 644 $(DESTDIR)$(MANDIR)/$$t.1; \
	done

uninstall:
	for t in $(TOOLS); do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANDIR)/$$t.1; \
	done

clean:
	rm -rf build out

# No built-in implicit rules: every rule here is explicit, and make no
# longer tries the built-in ones on each of the hundreds of sources,
# headers and .d files it checks. `make price` spends 6 ms of CPU in make
# instead of 17 before the job starts (issue 20: a run's fixed cost); the
# commands of every target are the same (make -n, with and without).
MAKEFLAGS += --no-builtin-rules
