#!/usr/bin/env bats
# Concurrent runs stay apart: two runs with the same OUT, with the same
# parameters or different ones, both succeed, each reporting its own
# result (the second waits for the first: a lock on OUT), and never the
# other's. Many pairs, each tiny (a few thousand paths), so that the
# interleavings vary.

load test_helper

PAIRS=8

setup() {
	export PATHS=2000 SHARDS=2 JOBS=1
	cd "$BATS_TEST_TMPDIR"
}

# first_line FILE: the report's first line, the estimate (the timing
# line differs from run to run)
first_line() { head -1 "$1"; }

# reference NAME VAR=VALUE...: a run alone, its report's first line in NAME
reference() {
	local name=$1
	shift
	env "$@" OUT="$BATS_TEST_TMPDIR/refout-$name" price >"ref-$name.out"
	first_line "ref-$name.out" >"ref-$name"
	[ -s "ref-$name" ]
}

# pair N A-ARGS -- B-ARGS: two runs at once with the same OUT; each must
# exit 0 and print the first line of its own reference
pair() {
	local n=$1 a=() b=() status_a status_b
	shift
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	env "${a[@]}" OUT="$BATS_TEST_TMPDIR/same-$n" price >"a-$n.out" 2>"a-$n.err" &
	pid_a=$!
	env "${b[@]}" OUT="$BATS_TEST_TMPDIR/same-$n" price >"b-$n.out" 2>"b-$n.err" &
	pid_b=$!
	status_a=0 status_b=0
	wait "$pid_a" || status_a=$?
	wait "$pid_b" || status_b=$?
	[ "$status_a" -eq 0 ] || { cat "a-$n.err" >&2; return 1; }
	[ "$status_b" -eq 0 ] || { cat "b-$n.err" >&2; return 1; }
	# stderr: nothing, or the one line saying it waited
	local e
	for e in "a-$n.err" "b-$n.err"; do
		[ ! -s "$e" ] || [ "$(cat "$e")" = "price: OUT=$BATS_TEST_TMPDIR/same-$n: another run is using it; waiting for it to finish" ] ||
			{ cat "$e" >&2; return 1; }
	done
}

@test "pairs of runs with the same OUT and the same parameters: both succeed with the same result" {
	not_sanitized
	reference one SIGMA=0.2
	for ((n = 0; n < PAIRS; n++)); do
		pair "$n" SIGMA=0.2 -- SIGMA=0.2
		[ "$(first_line "a-$n.out")" = "$(cat ref-one)" ]
		[ "$(first_line "b-$n.out")" = "$(cat ref-one)" ]
		cmp "refout-one/price.tsv" "same-$n/price.tsv"
		# no temporary file left behind
		[ -z "$(find "same-$n" -name '*.tmp*')" ]
	done
}

@test "pairs of runs with the same OUT and different parameters: each reports its own result" {
	not_sanitized
	reference low SIGMA=0.2
	reference high SIGMA=0.3
	[ "$(cat ref-low)" != "$(cat ref-high)" ]
	for ((n = 0; n < PAIRS; n++)); do
		pair "$n" SIGMA=0.2 -- SIGMA=0.3
		[ "$(first_line "a-$n.out")" = "$(cat ref-low)" ]
		[ "$(first_line "b-$n.out")" = "$(cat ref-high)" ]
		# price.tsv is whole: one of the two runs' results
		cmp -s "refout-low/price.tsv" "same-$n/price.tsv" || cmp "refout-high/price.tsv" "same-$n/price.tsv"
		[ "$(ls -d "same-$n"/runs/* | wc -l)" -eq 2 ]
		[ -z "$(find "same-$n" -name '*.tmp*')" ]
	done
}

@test "a run, a grid and a second run in one OUT at once: each succeeds" {
	not_sanitized
	reference one SIGMA=0.2
	OUT="$BATS_TEST_TMPDIR/mixed" price >a.out 2>a.err &
	pid_a=$!
	OUT="$BATS_TEST_TMPDIR/mixed" SIGMA_GRID=0.2,0.3 grid >g.out 2>g.err &
	pid_g=$!
	OUT="$BATS_TEST_TMPDIR/mixed" price >b.out 2>b.err &
	pid_b=$!
	wait "$pid_a"
	wait "$pid_g"
	wait "$pid_b"
	[ "$(first_line a.out)" = "$(cat ref-one)" ]
	[ "$(first_line b.out)" = "$(cat ref-one)" ]
	[ "$(tail -n +2 mixed/grid.tsv | wc -l)" -eq 2 ]
}

@test "the lock is released when a run dies: kill -9 of a run, then a rerun succeeds and leaves no temporary file" {
	not_sanitized
	reference one SIGMA=0.2 PATHS=200000 SHARDS=8
	OUT="$BATS_TEST_TMPDIR/killed" PATHS=200000 SHARDS=8 price >/dev/null 2>&1 &
	pid=$!
	sleep 0.5
	# the job itself: its shards, orphaned, run on and hold the lock until
	# they end (the rerun waits for them)
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" || true
	OUT="$BATS_TEST_TMPDIR/killed" PATHS=200000 SHARDS=8 run -0 --separate-stderr price
	[ "${lines[0]}" = "$(cat ref-one)" ]
	[ -z "$(find killed -name '*.tmp*')" ]
}

# same_out_pair JOB-FUNCTION A B: two runs of the job at once with the same
# OUT, A's and B's arguments, twice: each prints its own reference report,
# and the job's result file is one of theirs, whole.
same_out_pair() {
	local job=$1 a=$2 b=$3 n pid_a pid_b
	"$job" ref-a "$a" >ref-a.out
	"$job" ref-b "$b" >ref-b.out
	! cmp -s ref-a.out ref-b.out || { echo "the two references are the same" >&2; return 1; }
	for n in 0 1; do
		"$job" "same-$n" "$a" >"a-$n.out" &
		pid_a=$!
		"$job" "same-$n" "$b" >"b-$n.out" &
		pid_b=$!
		wait "$pid_a"
		wait "$pid_b"
		cmp ref-a.out "a-$n.out"
		cmp ref-b.out "b-$n.out"
		cmp -s "ref-a/$result" "same-$n/$result" || cmp "ref-b/$result" "same-$n/$result"
	done
}

# calibrate_job OUT V0_GRID: a small make calibrate, its report without the
# lines that name OUT or time the run
calibrate_job() (
	set -o pipefail
	OUT=$1 V0_GRID=$2 SURFACE="$ROOT/data/dax-2002-07-05.tsv" STARTS=1 CHECK_PATHS=0 KAPPA_GRID=2 \
		THETA_GRID=0.1 XI_GRID=0.5 RHO_GRID=-0.5 "$ROOT/pipeline/calibrate" 2>/dev/null |
		grep -v '^search: \|^wrote '
)

# var_job OUT SEED: a small make var, its report without those lines
var_job() (
	set -o pipefail
	OUT=$1 SEED=$2 SCENARIOS=2000 MARKET="$ROOT/data/market.tsv" CORR="$ROOT/data/corr.tsv" \
		PORTFOLIO="$ROOT/data/portfolio.tsv" var | grep -v '^wall \|^results '
)

@test "make calibrate: runs with the same OUT and different grids at once each report their own fit" {
	not_sanitized
	result=calibration.tsv same_out_pair calibrate_job 0.05,0.1 0.2,0.3
}

@test "make var: runs with the same OUT and different seeds at once each report their own VaR" {
	not_sanitized
	result=var.tsv same_out_pair var_job 1 2
}

# credit_job OUT SEED: a small make credit, its report without the line
# that times the run
credit_job() (
	set -o pipefail
	OUT=$1 SEED=$2 SCENARIOS=4000 SHARDS=3 "$ROOT/pipeline/credit" | grep -v '^scenarios \|^contributions '
)

@test "make credit: runs with the same OUT and different seeds at once each report their own ES" {
	not_sanitized
	result=credit.tsv same_out_pair credit_job 1 2
}

