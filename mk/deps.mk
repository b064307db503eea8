# Debian packages mcpipe needs, each as check:package. The check is a
# command on PATH or a file that the package installs.
BUILD_PACKAGES = cc:gcc make:make /usr/include/Random123/philox.h:librandom123-dev
BUILD_PACKAGES += /usr/include/gsl/gsl_multifit_nlinear.h:libgsl-dev
# Joe and Kuo's Sobol direction numbers (tools/gen/sobol-table.awk)
BUILD_PACKAGES += /usr/include/boost/random/detail/sobol_table.hpp:libboost-dev
# ssh and rsync: make price HOSTS= (GNU parallel ships the tools with them).
RUN_PACKAGES   = parallel:parallel bats:bats gnuplot:gnuplot-nox python3:python3 \
                 ssh:openssh-client rsync:rsync
# flock: one run at a time per OUT (pipeline/price, grid, speedup).
RUN_PACKAGES  += flock:util-linux
# bash's loadable builtins: price-shard and var-shard publish a shard's
# partial without a process (ln, rm), and pipeline/var makes its run
# directory, copies the files and makes its FIFO without one (rm, mkdir,
# tee, mkfifo); each falls back to the program without them.
RUN_PACKAGES  += /usr/lib/bash/ln:bash-builtins
# Only for tests/distributed.bats, which starts its own sshd and one-node
# SLURM (munged, slurmctld, slurmd) on loopback. make test installs them
# when it can; when it cannot, it goes on and those tests skip, saying why.
TEST_PACKAGES  = /usr/sbin/sshd:openssh-server /usr/sbin/munged:munge \
                 /usr/sbin/slurmctld:slurmctld /usr/sbin/slurmd:slurmd sbatch:slurm-client
# Test-only peers of closedform --model heston and calibrate (tests/peers/).
TEST_PACKAGES += /usr/lib/python3/dist-packages/QuantLib/__init__.py:quantlib-python \
                 /usr/lib/python3/dist-packages/mpmath/__init__.py:python3-mpmath

# tests/creditref.bats checks against scipy, which bench/credit_peer.py uses too
TEST_PACKAGES += /usr/lib/python3/dist-packages/scipy/__init__.py:python3-scipy

.PHONY: deps-test

# pkg_missing CHECK:PACKAGE...: those whose check make itself finds failing
# (a path that is not there; a command in no directory of PATH). deps-build
# and deps-run start ensure-packages only then, which checks them all again
# and installs: when everything is there, no process at all (they were
# two in every make price and make var, 8 ms before the job started;
# issue 20 session 12, bench/RESULTS.md).
pkg_found = $(if $(filter /%,$(1)),$(wildcard $(1)),$(firstword $(wildcard $(addsuffix /$(1),$(subst :, ,$(PATH))))))
pkg_missing = $(strip $(foreach i,$(1),$(if $(call pkg_found,$(firstword $(subst :, ,$(i)))),,$(i))))

deps-build:
	@$(if $(call pkg_missing,$(BUILD_PACKAGES)),pipeline/ensure-packages $(BUILD_PACKAGES))

deps-run:
	@$(if $(call pkg_missing,$(RUN_PACKAGES)),pipeline/ensure-packages $(RUN_PACKAGES))

# Under CI (CI set, not 0 or false) a package that does not install is an
# error: the tests would skip what it is for.
deps-test:
	@pipeline/ensure-packages $(TEST_PACKAGES) || \
		case "$${CI:-}" in \
		'' | 0 | false) echo "mcpipe: test packages missing: tests/distributed.bats will skip its tests" >&2 ;; \
		*) echo "mcpipe: CI: the test packages must install" >&2; exit 1 ;; \
		esac

deps: deps-build deps-run

# The suites that run tests/distributed.bats.
check-plain check-expensive: | deps-test

# make data, make backtest: real daily closes (the DJIA of the 1980s) from
# gretl's sample data.
DATA_PACKAGES  = /usr/share/gretl/data/misc/djclose.gdt:gretl-data

.PHONY: deps-data
deps-data:
	@pipeline/ensure-packages $(DATA_PACKAGES)

# tests/backtest.bats reads the DJIA from the installed package: make test
# installs it, so that the suite runs rather than skips on a fresh machine.
check-plain check-expensive: | deps-data

# The man pages' tests (tests/manpages.bats and each tool's suite) render
# with mandoc, groff and man-db's man (col: bsdextrautils). They never skip
# under CI (tests/test_helper.bash's needs_package), so make test installs
# them, for the sanitized run too.
DOC_PACKAGES = mandoc:mandoc groff:groff man:man-db col:bsdextrautils

.PHONY: deps-doc
deps-doc:
	@pipeline/ensure-packages $(DOC_PACKAGES)

check-plain check-sanitized check-expensive: | deps-doc

# The suites watch processes with ps and pgrep (tests/test_helper.bash's
# session_ended, running and stopped_mid_run, resume.bats, distributed.bats,
# var.bats), which a minimal Debian (a fresh container) lacks: procps, for
# the sanitized run too (openssh-server, which deps-test installs, pulls it
# in, but only for check-plain).
PROC_PACKAGES = ps:procps pgrep:procps

.PHONY: deps-proc
deps-proc:
	@pipeline/ensure-packages $(PROC_PACKAGES)

check-plain check-sanitized check-expensive: | deps-proc
