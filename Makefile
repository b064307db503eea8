# mcpipe: Monte Carlo pricing as a pipeline of small C tools.
#
#   make            build the tools into build/bin
#   make price      price an option on every core (see README.md)
#   make test       build, then run the bats suites (plain and sanitized)
#   make install    PREFIX=/usr/local DESTDIR=

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
TOOLS    += calibrate
UNITS     = test_exactsum test_detmath test_numtext test_rng test_partial
LIB_SRC   = $(wildcard tools/lib/*.c)
LIB_HDR   = $(wildcard tools/lib/*.h)

BIN       = $(TOOLS:%=build/bin/%)
SANBIN    = $(TOOLS:%=build/asan/bin/%)
UNITBIN   = $(UNITS:%=build/unit/%)
SANUNIT   = $(UNITS:%=build/asan/unit/%)

all: $(BIN)

# calibrate's Levenberg-Marquardt is GSL's.
build/bin/calibrate build/asan/bin/calibrate: LDLIBS += -lgsl -lgslcblas

build/bin/%: tools/%.c $(LIB_SRC) $(LIB_HDR) | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS)

build/asan/bin/%: tools/%.c $(LIB_SRC) $(LIB_HDR) | deps-build
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(CPPFLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS)

build/unit/%: tests/unit/%.c tests/unit/unit.h $(LIB_SRC) $(LIB_HDR) | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS)

build/asan/unit/%: tests/unit/%.c tests/unit/unit.h $(LIB_SRC) $(LIB_HDR) | deps-build
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(CPPFLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS)

.PHONY: all deps deps-build deps-run test check check-plain check-sanitized \
        check-expensive price grid speedup bench install uninstall clean

# --- dependencies: Debian packages, installed when missing ----------------
include mk/deps.mk

# --- tests ---------------------------------------------------------------
BATS_FILES = $(wildcard tests/*.bats)

# check-simd (mk/bench.mk): every vector target simpaths can pick gives the
# same bytes on this CPU.
test check: check-plain check-sanitized check-simd

# Test files run two at a time (bats --jobs uses GNU parallel).
BATS_JOBS = --jobs 2 --no-parallelize-within-files

check-plain: $(BIN) $(UNITBIN) | deps-run
	MCPIPE_BUILD=build bats $(BATS_JOBS) $(BATS_FILES)

# The tools' and libraries' suites again, against a build with
# AddressSanitizer and UndefinedBehaviorSanitizer. The statistical, pipeline
# and README suites are left out there: they test numbers and glue, which the
# sanitizers do not change, and would take several times as long.
SANITIZED_BATS = $(filter-out tests/stats.bats tests/pipeline.bats tests/readme.bats tests/distributed.bats tests/bench.bats,$(BATS_FILES))
check-sanitized: $(SANBIN) $(SANUNIT) | deps-run
	MCPIPE_BUILD=build/asan MCPIPE_SANITIZED=1 bats $(BATS_JOBS) $(SANITIZED_BATS)

check-expensive: $(BIN) $(UNITBIN) | deps-run
	MCPIPE_BUILD=build MCPIPE_EXPENSIVE=1 bats $(BATS_FILES)

# --- the user's jobs -----------------------------------------------------
include mk/jobs.mk

# --- benchmarks and fuzzing (make bench, make fuzz) -----------------------
-include mk/bench.mk
-include mk/fuzz.mk

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
