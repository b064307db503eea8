#!/usr/bin/env bats
# fuzz: replays the kept fuzzing corpus (tests/fuzz/corpus/<harness>/)
# through every harness, built with AddressSanitizer and UBSan but without
# libFuzzer (build/fuzz/replay/, `make fuzz-replay-build`, a prerequisite
# of `make test`). Each input runs once; a crash, a sanitizer report or a
# harness check (tests/fuzz/harness.h) fails the test and names the input.
# `make fuzz` grows the corpus; inputs of fixed bugs are kept as crash-*.

load test_helper

REPLAY="$ROOT/build/fuzz/replay"
CORPUS="$ROOT/tests/fuzz/corpus"
HARNESSES="numtext xsum stream aggregate gridgen opts closedform payoff exercise simpaths"

# replay HARNESS: every kept input of HARNESS, once.
replay() {
	[ -x "$REPLAY/fuzz_$1" ] || {
		echo "no $REPLAY/fuzz_$1: run 'make fuzz-replay-build' (make test does)"
		return 1
	}
	# Leaks off: a harness longjmps out of code that would have exited.
	ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:exitcode=99" \
		run --separate-stderr "$REPLAY/fuzz_$1" "$CORPUS/$1"
	if [ "$status" -ne 0 ]; then
		# The input that failed, and the report.
		printf '%s\n' "$stderr" | grep -v '^replay: running ' | head -n 60
		printf '%s\n' "$stderr" | grep '^replay: running ' | tail -n 1
		return 1
	fi
	local summary
	summary=$(printf '%s\n' "$stderr" | tail -n 1)
	echo "$1: $summary"
	[[ $summary == "replay: "*" inputs, no failure" ]]
	[ "$(printf '%s\n' "$stderr" | grep -c '^replay: running ')" -eq "$(ls "$CORPUS/$1" | wc -l)" ]
}

@test "the kept corpus: every harness has one, small (at most 200 files of at most 4 KB)" {
	local h
	for h in $HARNESSES; do
		[ -d "$CORPUS/$h" ]
		[ "$(ls "$CORPUS/$h" | wc -l)" -ge 5 ]
		[ "$(ls "$CORPUS/$h" | wc -l)" -le 200 ]
		[ -z "$(find "$CORPUS/$h" -type f -size +4096c)" ]
	done
	# A harness for every fuzz_*.c, and a corpus for every harness.
	[ "$(cd "$ROOT/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//;s/\.c$//' | sort | tr '\n' ' ')" = \
	  "$(printf '%s\n' $HARNESSES | sort | tr '\n' ' ')" ]
}

@test "fuzz corpus: number text (num_parse, num_parse_u64, formatting)" {
	replay numtext
}

@test "fuzz corpus: exact sums (xsum_parse, xsum_format, merging)" {
	replay xsum
}

@test "fuzz corpus: the stream reader (lines, metadata, headers, rows)" {
	replay stream
}

@test "fuzz corpus: aggregate (rows, partials, coverage, its own partial read back)" {
	replay aggregate
}

@test "fuzz corpus: gridgen's axis specs and grids" {
	replay gridgen
}

@test "fuzz corpus: option values (opts.c)" {
	replay opts
}

@test "fuzz corpus: closedform's command line, options to output" {
	replay closedform
}

@test "fuzz corpus: payoff's reading of path streams (summary, whole paths, pairs, Greeks)" {
	replay payoff
}

@test "fuzz corpus: exercise's reading of whole paths under a rule, and the dual bound's" {
	replay exercise
}

@test "fuzz corpus: simpaths' reading of genseeds' shard rows (a few paths of each simulated)" {
	replay simpaths
}
