# make bench: mcpipe against the fused C loop (the limit) and the strongest
# numpy peer (issues 5 and 20); bench/run-bench.py does the measuring and
# prints the table and the goals.
#
# make check-simd: simpaths built once per vector target (SSE2, AVX2,
# AVX-512; it picks one at run time) gives the same bytes on this CPU, in
# each mode and with fused payoffs and partials (their loops are cloned too);
# so does exercise --upper, whose inner paths are cloned loops as well.
# The control means are closedform's (asian-call-geo --steps 252; call).

# Debian's python3-numpy goes with Debian's python3, not with whatever
# python3 comes first on PATH (pyenv, a venv).
BENCH_PYTHON   = /usr/bin/python3
BENCH_PACKAGES = $(BENCH_PYTHON):python3 \
                 /usr/lib/python3/dist-packages/numpy/__init__.py:python3-numpy \
                 /usr/bin/time:time
# scipy: bench/var-bench's ndtr, and the risk tests' reference quantiles.
BENCH_PACKAGES += /usr/lib/python3/dist-packages/scipy/__init__.py:python3-scipy
# OpenBLAS: bench/var-bench's peers multiply by the Cholesky factor with
# numpy's matmul, and Debian's numpy calls the reference libblas3 unless
# an optimised BLAS is installed (Debian then makes it the default
# libblas.so.3, for every program on the machine); threadpoolctl names the
# BLAS the peers ran. (Checked by the copyright file: the library's own
# path names the architecture.)
BENCH_PACKAGES += /usr/share/doc/libopenblas0-pthread/copyright:libopenblas0-pthread \
                  /usr/lib/python3/dist-packages/threadpoolctl.py:python3-threadpoolctl
BENCH_SECONDS  = 2
BENCH_REPEAT   = 3
# run-bench.py's and var-bench's interleaved rounds of the rows in a goal
# ratio (medians, min-max; bench/RESULTS.md, "Noise"); the text pipeline,
# in no ratio, and the other bench scripts run BENCH_REPEAT times.
# var-bench's scale point (10^7 scenarios, its own 2 rounds) is on: its
# default
BENCH_ROUNDS   = 5

.PHONY: deps-bench check-simd

deps-bench:
	@pipeline/ensure-packages $(BENCH_PACKAGES)

build/bench/fused: bench/fused.c bench/texp.h $(LIB_HDR) | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(LDLIBS)

# The fused loop's pieces timed one by one (bench/RESULTS.md, issue 20
# item 3); not run by make bench.
build/bench/ceiling-parts: bench/ceiling-parts.c bench/texp.h $(LIB_HDR) | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(LDLIBS)

# the Heston limit (issue 20): model.c's QE walk in a fused loop
# (linked with build/'s tools/lib objects, the same flags: make test builds
# it, and compiling tools/lib once more here was 9 s of it)
build/bench/fused-heston: bench/fused-heston.c $(LIB_OBJ) $(LIB_HDR) | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

# tests/bench.bats runs bench/run-bench.py briefly: it needs numpy and the loop.
check-plain: build/bench/fused | deps-bench
check-plain: build/bench/fused-heston
TEST_BUILD += build/bench/fused build/bench/fused-heston

# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, set on some machines for old
# OpenBLAS builds (which compute wrong results or crash without them on
# some processors), slow a current one: the scripts whose numpy peers call
# the BLAS run without them, in make bench alone (the machine's note: never
# in the tests or CI, where bench.bats runs the same scripts briefly with
# the environment as it is). var-bench checks the BLAS's products first.
BENCH_OPENBLAS = env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE

# The bench's settings reach its scripts through the environment (each
# script checks them), never pasted into the recipe. Each bench script is
# one line of the recipe: add yours as a line of its own at the end.
bench: export MAKE := $(MAKE)
bench: export BENCH_PYTHON := $(BENCH_PYTHON)
bench: export BENCH_SECONDS := $(BENCH_SECONDS)
bench: export BENCH_REPEAT := $(BENCH_REPEAT)
bench: export BENCH_ROUNDS := $(BENCH_ROUNDS)
bench: export FUSED_LOOP := build/bench/fused
bench: $(BIN) build/bench/fused | deps-run deps-bench
bench: export FUSED_HESTON := build/bench/fused-heston
bench: build/bench/fused-heston
	@$(BENCH_OPENBLAS) "$$BENCH_PYTHON" bench/run-bench.py
	@bench/variance-reduction --repeat "$$BENCH_REPEAT"
	@$(BENCH_OPENBLAS) "$$BENCH_PYTHON" bench/var-bench --rounds "$$BENCH_ROUNDS"
	@PATH="$(CURDIR)/build/bin:$$PATH" "$$BENCH_PYTHON" bench/heston-bias --paths 100000
	@bench/calibrate-bench --repeat "$$BENCH_REPEAT"
	@$(BENCH_OPENBLAS) bench/credit-bench --repeat "$$BENCH_REPEAT"
	@"$$BENCH_PYTHON" bench/tol-bench

# One simpaths per target, without the run-time dispatch
# (-DMCPIPE_NO_CLONES): each target this CPU can run must give the bytes
# of the dispatching build/bin/simpaths, in every mode, at offsets that put
# a path in every lane.
SIMD_TARGETS = x86-64 x86-64-v3 x86-64-v4
SIMD_CASES   = "-e terminal --count 100003" "-e terminal --steps 3 --antithetic --count 4099" \
               "-e summary --steps 252 --count 2001 --first 7" \
               "-e path --steps 5 --count 3001 --first 13 --antithetic" \
               "-e path --steps 33 --count 999 --sigma 0.9 --seed 0xffffffffffffffff" \
               "-p call --count 100003 --partial" "-p put --count 4099 --first 5 --antithetic" \
               "-e summary --steps 252 --count 2001 -p asian-call-arith --control --control-mean 5.565508831349348 --partial" \
               "-e summary --steps 12 --count 3001 -p up-and-out-call --barrier 120 --control --control-mean 10.450583572185565" \
               "--model heston -e path --steps 5 --count 1001 --antithetic --xi 1 --rho -0.9" \
               "--model merton -e summary --steps 12 --count 2001 -p asian-call-arith --partial"
# randomized QMC (tools/lib/qmc.c): its normals are a cloned loop too
SIMD_CASES  += "--qmc sobol -e path --steps 33 --count 4096 --first 512 --paths 8192" \
               "--qmc sobol --replicates 4 -e summary --steps 252 --count 2048 -p asian-call-arith --control --control-mean 5.565508831349348 --partial" \
               "--qmc sobol --model merton -e path --steps 7 --count 4096"
# issue 15: heston's variance columns, bump-and-reprice Greeks under both models
SIMD_CASES  += "--model heston -e path --steps 5 --count 1001 --antithetic --variance" \
               "--model heston -e summary --steps 4 --count 1001 -p asian-call-arith --greeks --partial" \
               "--model merton --count 2001 -p put --greeks --antithetic"
# the ziggurat's normals (issue 20): its rare draws finished in every lane
SIMD_CASES  += "--normals ziggurat -e terminal --count 100003" \
               "--normals ziggurat -e summary --steps 252 --count 2001 --first 7 --antithetic" \
               "--normals ziggurat -e path --steps 33 --count 999 --sigma 0.9 --seed 0xffffffffffffffff" \
               "--normals ziggurat -p call --count 100003 --first 5 --partial"
# heston's normals by the ziggurat (issue 20): both words' rare draws, the
# exponential branch's uniform, the variance columns and the mirror
SIMD_CASES  += "--model heston --normals ziggurat -e path --steps 5 --count 1001 --antithetic --xi 1 --rho -0.9" \
               "--model heston --normals ziggurat -e path --steps 5 --count 1001 --antithetic --variance" \
               "--model heston --normals ziggurat -p call --count 20011 --first 3 --partial"
# the block rule's sums (tools/lib/partial_paths.c) from a first path
# inside a block: path rows, whole blocks, and a last block held in part
SIMD_CASES  += "-p put --count 4099 --paths 9000 --first 5 --antithetic --partial"
# the fused European rows (sink_payoff.c plain_rows, plain_rows8): a digital
# put, and a last block held in part
SIMD_CASES  += "-p digital-put -K 104.5 --count 1030 --partial" "--normals ziggurat -p call -K 180 --count 4099 --partial"
# expskip.h (issue 20): a fused call's or put's S_T without the exp where
# it pays nothing (AVX-512 compresses the lanes that need it)
SIMD_CASES  += "--normals ziggurat -p call --count 20011 --first 3 --antithetic" \
               "-p digital-put --strike 90 --count 20011 --partial" \
               "--model heston -p call --count 4099 --first 1 --partial"

# Each target's tools/lib objects are compiled once (build/simd/TARGET/lib)
# and linked into both its simpaths and its exercise: the same flags and
# sources as one cc line per program, at half the compiling (make test
# runs these without -j: the compiles were a minute of check-simd).
define simd_programs
build/simd/$(1)/lib/%.o: tools/lib/%.c $$(LIB_HDR) | deps-build
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -march=$(1) -DMCPIPE_NO_CLONES $$(CPPFLAGS) -c -o $$@ $$<

build/simd/simpaths-$(1) build/simd/exercise-$(1): build/simd/%-$(1): tools/%.c \
		$$(LIB_SRC:tools/lib/%.c=build/simd/$(1)/lib/%.o) $$(LIB_HDR) | deps-build
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -march=$(1) -DMCPIPE_NO_CLONES $$(CPPFLAGS) -o $$@ $$< \
		$$(LIB_SRC:tools/lib/%.c=build/simd/$(1)/lib/%.o) $$(LDLIBS)
endef
$(foreach t,$(SIMD_TARGETS),$(eval $(call simd_programs,$(t))))

# exercise --upper's case: a rule for the put S0 = 36, K = 40 on 10 dates,
# and 40 outer paths (20 under heston and merton, whose inner paths are
# model_walk's)
SIMD_UPPER = build/bin/simpaths --s0 36 --rate 0.06 --steps 10 --emit path --seed 5

TEST_BUILD += $(SIMD_TARGETS:%=build/simd/simpaths-%) $(SIMD_TARGETS:%=build/simd/exercise-%)
check-simd: $(BIN) $(SIMD_TARGETS:%=build/simd/simpaths-%) $(SIMD_TARGETS:%=build/simd/exercise-%)
	@$(SIMD_UPPER) --training --count 2000 | build/bin/lsmfit -K 40 >build/simd/rule.tsv
	@$(SIMD_UPPER) --count 40 >build/simd/outer.tsv
	@$(SIMD_UPPER) --model heston --variance --training --count 2000 | build/bin/lsmfit -K 40 >build/simd/rule-heston.tsv
	@$(SIMD_UPPER) --model heston --variance --count 20 >build/simd/outer-heston.tsv
	@$(SIMD_UPPER) --model merton --training --count 2000 | build/bin/lsmfit -K 40 >build/simd/rule-merton.tsv
	@$(SIMD_UPPER) --model merton --count 20 >build/simd/outer-merton.tsv
	@for t in $(SIMD_TARGETS); do \
		status=0; build/simd/simpaths-$$t --count 1 >/dev/null 2>build/simd/probe.err || status=$$?; \
		if [ $$status = 132 ]; then \
			echo "check-simd: $$t: this CPU lacks its instructions (SIGILL), skipped"; continue; \
		elif [ $$status != 0 ]; then \
			echo "check-simd: $$t: simpaths --count 1 exits $$status, not for want of CPU instructions:"; \
			cat build/simd/probe.err; exit 1; \
		fi; \
		for args in $(SIMD_CASES); do \
			for x in "" -x; do \
				build/bin/simpaths $$x $$args >build/simd/expected || \
					{ echo "check-simd: simpaths $$x $$args fails"; exit 1; }; \
				build/simd/simpaths-$$t $$x $$args >build/simd/got && \
				cmp -s build/simd/expected build/simd/got || \
					{ echo "check-simd: $$t differs: simpaths $$x $$args"; exit 1; }; \
			done; \
		done; \
		build/bin/exercise -c build/simd/rule.tsv --upper 100 build/simd/outer.tsv >build/simd/expected && \
		build/simd/exercise-$$t -c build/simd/rule.tsv --upper 100 build/simd/outer.tsv >build/simd/got && \
		cmp -s build/simd/expected build/simd/got || \
			{ echo "check-simd: $$t differs: exercise --upper 100"; exit 1; }; \
		for m in heston merton; do \
			build/bin/exercise -c build/simd/rule-$$m.tsv --upper 30 build/simd/outer-$$m.tsv >build/simd/expected && \
			build/simd/exercise-$$t -c build/simd/rule-$$m.tsv --upper 30 build/simd/outer-$$m.tsv >build/simd/got && \
			cmp -s build/simd/expected build/simd/got || \
				{ echo "check-simd: $$t differs: exercise --upper 30 under $$m"; exit 1; }; \
		done; \
		echo "check-simd: $$t: identical"; \
	done

# bench/calibrate-bench (issue 19): the analytic Heston pricer timed beside
# QuantLib's (quantlib-python), and make calibrate on the DAX surface.
build/bench/heston-speed: bench/heston-speed.c $(LIB_SRC) $(LIB_HDR) | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(LIB_SRC) $(LDLIBS)
bench: build/bench/heston-speed

# bench/tol-bench (issue 16): time to a 95% half-width of 1e-3 for the
# Asian, MC, MC + control, QMC, QMC + control, numpy's pool and scipy's
# scrambled Sobol (scipy.stats.qmc: python3-scipy, in BENCH_PACKAGES).

# check-simd for scenarios (issue 17): its simulation and revaluation are
# cloned loops too (the Cholesky product in vectors of 8 lanes, N(x) by
# the near branch alone or both), so each vector target must give the
# dispatching binary's bytes: the example book's shard partials (a last
# block held in part, RETURNS=t and normal, inversion's normals), the
# positions' losses (the default tail) and the histogram.
SIMD_SCENARIOS = -m data/market.tsv -c data/corr.tsv -p data/portfolio.tsv -n 1000000 -H 10
SIMD_SCENARIO_CASES = "-f 3 -k 4099 --no-positions" "-k 2011 -R t -d 4 --no-positions" \
                      "-k 2011 -R normal --normals inversion --no-positions" \
                      "-f 77 -k 300" "-k 5001 --histogram 40" \
                      "-k 2011 --normals ziggurat --no-positions -l 0.9"
define simd_scenarios
build/simd/scenarios-$(1): tools/scenarios.c $$(LIB_SRC:tools/lib/%.c=build/simd/$(1)/lib/%.o) \
		$$(LIB_HDR) | deps-build
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -march=$(1) -DMCPIPE_NO_CLONES $$(CPPFLAGS) -o $$@ $$< \
		$$(LIB_SRC:tools/lib/%.c=build/simd/$(1)/lib/%.o) $$(LDLIBS)
endef
$(foreach t,$(SIMD_TARGETS),$(eval $(call simd_scenarios,$(t))))
TEST_BUILD += $(SIMD_TARGETS:%=build/simd/scenarios-%)
.PHONY: check-simd-scenarios
check-simd: check-simd-scenarios
check-simd-scenarios: build/bin/scenarios $(SIMD_TARGETS:%=build/simd/scenarios-%)
	@for t in $(SIMD_TARGETS); do \
		status=0; build/simd/scenarios-$$t --version >/dev/null 2>build/simd/probe-scenarios.err || status=$$?; \
		if [ $$status = 132 ]; then \
			echo "check-simd: scenarios $$t: this CPU lacks its instructions (SIGILL), skipped"; continue; \
		elif [ $$status != 0 ]; then \
			echo "check-simd: scenarios-$$t --version exits $$status:"; \
			cat build/simd/probe-scenarios.err; exit 1; \
		fi; \
		for args in $(SIMD_SCENARIO_CASES); do \
			build/bin/scenarios $(SIMD_SCENARIOS) $$args >build/simd/expected-scenarios || \
				{ echo "check-simd: scenarios $$args fails"; exit 1; }; \
			build/simd/scenarios-$$t $(SIMD_SCENARIOS) $$args >build/simd/got-scenarios && \
			cmp -s build/simd/expected-scenarios build/simd/got-scenarios || \
				{ echo "check-simd: scenarios $$t differs: $$args"; exit 1; }; \
		done; \
		echo "check-simd: scenarios $$t: identical"; \
	done
