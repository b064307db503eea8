# Mutation testing: does the test suite catch a wrong number?
#
#   make mutants                  every mutant of tests/mutants/list.tsv
#   make mutants MUTANTS='asian-* control-*'   some of them (shell patterns)
#   make mutants-check            only that every row's snippet occurs once
#                                 in its file and its suites exist (a second)
#
# tests/mutants/run seeds one error at a time into a copy of the checkout
# (build/mutants/tree), rebuilds what it reaches, runs the suites named for
# it and prints a table; it fails when a mutant expected killed survives or
# when a mutant's snippet no longer occurs exactly once in its file. Not part
# of `make test`: each mutant costs a compile and a few suites (minutes in
# all). Every new numerical feature adds its mutants to the list.
# A mutant whose suites include tests/fuzz.bats gets the fuzz harnesses'
# replay programs built in the copy too (FUZZ_HARNESSES, mk/fuzz.mk).
# The compiler, the flags and MUTANTS reach the script through the
# environment.

MUTANTS =

.PHONY: mutants
mutants: export CC := $(CC)
mutants: export CFLAGS := $(CFLAGS)
mutants: export CPPFLAGS := $(CPPFLAGS)
# calibrate, credit and creditref link GSL (the Makefile gives them a
# target-specific LDLIBS, which the runner's one link line does not see)
mutants: export LDLIBS := $(LDLIBS) -lgsl -lgslcblas
mutants: export TOOLS := $(TOOLS)
mutants: export UNITS := $(UNITS)
mutants: export MUTANTS := $(MUTANTS)
mutants: export FUZZ_HARNESSES := $(FUZZ_HARNESSES)
mutants: build/gen/sobol_table.h | deps-build deps-run
	tests/mutants/run

# The rows' snippets and suites, checked without building or running any:
# what a change to the code makes stale, found in a second.
.PHONY: mutants-check
mutants-check:
	tests/mutants/run --check
