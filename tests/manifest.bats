#!/usr/bin/env bats
# The run manifest: every variable of make price, grid and speedup checked
# once, up front, against pipeline/variables.tsv (pipeline/manifest); the
# resolved manifest in the run directory, read as data.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	export OUT="$BATS_TEST_TMPDIR/out"
	unset MCPIPE_GIVEN
}

@test "manifest: the defaults, resolved, and the payoff's facts from its catalog" {
	JOBS=3 run -0 manifest price
	[ "${lines[0]}" = "# tool=manifest job=price" ]
	[ "${lines[1]}" = "$(printf 'name\tvalue')" ]
	expected=$(printf '%s\n' MODEL:gbm PAYOFF:call S0:100 K:100 R:0.05 Q:0 SIGMA:0.2 T:1 STEPS:1 \
		PATHS:10000000 SEED:20261127 ANTITHETIC:0 CONTROL:0 GREEKS:0 FUSED:1 SHARDS:16 QMC: JOBS:3 \
		HOSTS: SCHEDULER: RETRIES:0 "OUT:$OUT" TOL: TOL_BATCH:16384 NORMALS:ziggurat payoff.emit:terminal payoff.strike:yes \
		payoff.barrier:none payoff.rebate:no payoff.control:terminal payoff.american:no \
		payoff.min_steps:1 payoff.greeks:delta,gamma,vega,rho,theta payoff.greeks_emit:terminal payoff.control_sv:terminal | sed 's/:/\t/')
	[ "$(printf '%s\n' "${lines[@]:2}")" = "$expected" ]
}

@test "manifest: what applies follows the payoff (American: the bound's counts, no K for lookbacks)" {
	PAYOFF=american-put STEPS=70 run -0 manifest price
	[[ "$output" == *$'\nTRAIN_PATHS\t100000\nUPPER\t510\nINNER\t500\n'* ]]
	[[ "$output" != *$'\nCONTROL\t'* ]]
	PAYOFF=lookback-call-float STEPS=4 run -0 manifest price
	[[ "$output" != *$'\nK\t'* ]]
	PAYOFF=up-and-out-call BARRIER=120 STEPS=4 run -0 manifest price
	[[ "$output" == *$'\nBARRIER\t120\nREBATE\t0\n'* ]]
	# make grid: its own defaults, the price's others
	run -0 manifest grid
	[[ "$output" == *$'\nPATHS\t2000000\n'* ]]
	[[ "$output" == *$'\nSIGMA_GRID\t0.1:0.5:0.05\n'* ]]
	STEPS=4 run -0 manifest speedup
	[[ "$output" == *$'\nPATHS\t50000000\n'* ]]
}

@test "manifest: a variable that does not apply to the payoff is an error naming it" {
	REBATE=1 run -2 --separate-stderr price
	[ "$stderr" = "price: REBATE=1: call has no barrier, so no rebate" ]
	PAYOFF=lookback-call-float STEPS=4 K=90 run -2 --separate-stderr price
	[ "$stderr" = "price: K=90: lookback-call-float takes no strike" ]
	PAYOFF=american-put BARRIER=90 run -2 --separate-stderr price
	[ "$stderr" = "price: BARRIER=90: american-put has no barrier" ]
	PAYOFF=american-put GREEKS=1 run -2 --separate-stderr price
	[ "$stderr" = "price: GREEKS=1: no Greeks for american-put" ]
	UPPER=10 run -2 --separate-stderr price
	[ "$stderr" = "price: UPPER=10: only American payoffs take it, not call" ]
	PAYOFF=up-and-out-call STEPS=4 run -2 --separate-stderr price
	[ "$stderr" = "price: BARRIER: up-and-out-call needs it (payoff --describe: barrier!=none)" ]
	PAYOFF=american-put UPPER=0 run -2 --separate-stderr grid
	[ "$stderr" = "grid: UPPER=0: make grid does not take it" ]
	# a switch given as off is no error where it does not apply
	PAYOFF=american-put CONTROL=0 run -0 manifest price
	[ ! -e "$OUT" ]
}

@test "manifest: types and ranges, every problem at once, exit 2 before any work" {
	JOBS=00 PATHS=1 TRAIN_PATHS=0 SIGMA=nan SEED=18446744073709551616 ANTITHETIC=yes \
		MODEL=sabr run -2 --separate-stderr price
	[ "${#stderr_lines[@]}" -eq 7 ]
	[ "${stderr_lines[0]}" = "price: MODEL=sabr: want one of gbm|heston|merton" ]
	[ "${stderr_lines[1]}" = "price: SIGMA=nan: want a decimal number" ]
	[ "${stderr_lines[2]}" = "price: PATHS=1: want a whole number from 2 to 1000000000000000" ]
	[ "${stderr_lines[3]}" = "price: SEED=18446744073709551616: want a whole number from 0 to 18446744073709551615" ]
	[ "${stderr_lines[4]}" = "price: ANTITHETIC=yes: want 0 or 1" ]
	[ "${stderr_lines[5]}" = "price: TRAIN_PATHS=0: only American payoffs take it, not call" ]
	[ "${stderr_lines[6]}" = "price: JOBS=00: want a whole number from 1 to 100000 (decimal digits, no sign, no leading zero)" ]
	S0=1e999 run -2 --separate-stderr price
	[ "$stderr" = "price: S0=1e999: want a finite number" ]
	SCHEDULER=pbs run -2 --separate-stderr price
	[ "$stderr" = "price: SCHEDULER=pbs: want slurm, or nothing for GNU parallel" ]
	# HOSTS: a readable regular file, never a directory or standard input
	for h in "$BATS_TEST_TMPDIR" /dev/stdin - /nonexistent; do
		HOSTS=$h run -2 --separate-stderr price </dev/null
		[ "$stderr" = "price: HOSTS=$h: cannot read this file" ]
	done
	[ ! -e "$OUT" ]
}

@test "make: a variable no job knows is a typo, named with the nearest known name" {
	run -2 --separate-stderr make -s -C "$ROOT" price SIGAM=0.3 OUT="$OUT"
	[ "${stderr_lines[0]}" = "price: SIGAM=0.3: unknown variable; did you mean SIGMA?" ]
	run -2 --separate-stderr make -s -C "$ROOT" price QMX=sobol OUT="$OUT"
	[ "${stderr_lines[0]}" = "price: QMX=sobol: unknown variable; did you mean QMC?" ]
	run -2 --separate-stderr make -s -C "$ROOT" price SIGMA_GRID=0.1,0.2 OUT="$OUT"
	[ "${stderr_lines[0]}" = "price: SIGMA_GRID=0.1,0.2: a variable of make grid, not of make price" ]
	[ ! -e "$OUT" ]
}

@test "make var, credit, calibrate and backtest refuse a typo too, before any work" {
	run -2 --separate-stderr make -s -C "$ROOT" var LEVLE=0.9 OUT="$OUT"
	[ "${stderr_lines[0]}" = "var: LEVLE=0.9: unknown variable; did you mean LEVEL?" ]
	run -2 --separate-stderr make -s -C "$ROOT" credit LAVEL=0.99 OUT="$OUT"
	[ "${stderr_lines[0]}" = "credit: LAVEL=0.99: unknown variable; did you mean LEVEL?" ]
	run -2 --separate-stderr make -s -C "$ROOT" calibrate SURFACE=data/dax-2002-07-05.tsv SURFCE=x OUT="$OUT"
	[ "${stderr_lines[0]}" = "calibrate: SURFCE=x: unknown variable; did you mean SURFACE?" ]
	run -2 --separate-stderr make -s -C "$ROOT" backtest WINDOWS=300 OUT="$OUT"
	[ "${stderr_lines[0]}" = "backtest: WINDOWS=300: unknown variable; did you mean WINDOW?" ]
	# a variable of make price is not one of make var's
	run -2 --separate-stderr make -s -C "$ROOT" var SIGMA=0.2 OUT="$OUT"
	[ "${stderr_lines[0]}" = "var: SIGMA=0.2: a variable of make price, not of make var" ]
	# the names a job knows pass
	run -0 env MCPIPE_GIVEN="LEVEL SEED" LEVEL=0.99 manifest --names var LEVEL SEED OUT
	[ -z "$output" ]
	[ ! -e "$OUT" ]
}

@test "manifest: make var, credit, backtest and calibrate from the same table, every problem at once" {
	# the defaults of their rows, resolved; no payoff rows (from the
	# repository, where make runs them: the default files are there)
	unset OUT
	cd "$ROOT"
	run -0 manifest var
	[ "${lines[0]}" = "# tool=manifest job=var" ]
	[[ "$output" == *$'\nHORIZON\t1\nLEVEL\t0.99\nSCENARIOS\t1000000\n'* ]]
	[[ "$output" != *payoff.* && "$output" != *$'\nDF\t'* ]]
	# a row's condition on another variable (DF: RETURNS=t); every problem
	# at once, the types' messages or the row's own
	run -2 --separate-stderr env HORIZON=0 LEVEL=0.4 SEED=0x12345678901234567 DF=4 R=x SHARDS=9 SCENARIOS=8 manifest var
	[ "$output" = "" ]
	[ "$stderr" = "var: HORIZON=0: want a positive number of trading days, at most 2520
var: LEVEL=0.4: want a number in [0.5, 1)
var: SEED=0x12345678901234567: want a whole number from 0 to 18446744073709551615, decimal or 0x hex
var: R=x: want a number in [-1, 1]
var: DF=4: applies to RETURNS=t only
var: SHARDS=9: more shards than SCENARIOS=8" ]
	run -2 --separate-stderr env COPULA=t manifest credit
	[ "$stderr" = "credit: NU=: COPULA=t wants NU, an integer from 1 to 1000" ]
	run -2 --separate-stderr env NU=3 RHO=1 IS=2 manifest credit
	[ "$stderr" = "credit: NU=3: only for COPULA=t
credit: RHO=1: want a number in [0, 1)
credit: IS=2: want 0 or 1" ]
	# a refused RETURNS leaves DF unjudged
	run -2 --separate-stderr env RETURNS=x DF=4 manifest var
	[ "$stderr" = "var: RETURNS=x: want gbm, normal or t" ]
	run -2 --separate-stderr env CLOSES="$ROOT/data/market.tsv" HOSTS=h LAMBDA=1.5 WINDOW=1 manifest backtest
	[ "$stderr" = "backtest: WINDOW=1: want a whole number from 2 to 10000000
backtest: LAMBDA=1.5: want a number in [0, 1]
backtest: HOSTS=h: make backtest runs on this machine only" ]
	run -2 --separate-stderr env SURFACE="$ROOT/data/dax-2002-07-05.tsv" V0_GRID=0.1:x:0.1 CHECK_PATHS=1 CHECK_SEED=0x1 manifest calibrate
	[ "$stderr" = "calibrate: V0_GRID=0.1:x:0.1: 'x' is not a number
calibrate: CHECK_PATHS=1: want 0 (no check) or a path count of at least 2
calibrate: CHECK_SEED=0x1: want a whole number from 0 to 18446744073709551615" ]
	# make's lists of these jobs' variables are the table's rows
	run -0 make -s -C "$ROOT" -p -n var
	for job in var credit backtest calibrate; do
		want=$(awk -F '\t' -v j="$job" '$1 == j { printf "%s ", $2 }' "$ROOT/pipeline/variables.tsv")
		[[ "$output" == *$'\n'"$(echo "$job" | tr a-z A-Z)_VARS := ${want% }"$'\n'* ]]
	done
}

@test "the run directory holds the manifest and the stages' arguments as data; nothing is sourced" {
	PATHS=1000 SHARDS=3 run -0 price
	rundir=$(ls -d "$OUT"/runs/*)
	[ ! -e "$rundir/job.env" ]
	run -0 grep -c . "$rundir/args.tsv"
	[ "$(head -1 "$rundir/args.tsv")" = "$(printf 'stage\targument')" ]
	grep -q $'^run.shards\t3$' "$rundir/manifest.tsv"
	grep -q $'^PATHS\t1000$' "$OUT/manifest.tsv"
	# the arguments are one a line: a value is never split or evaluated
	[ "$(grep -c $'^sim\t' "$rundir/args.tsv")" -eq 18 ]
}

@test "a result with no spread says so instead of a z-score" {
	# two paths that both end out of the money (inversion's draws)
	NORMALS=inversion PATHS=2 SHARDS=1 run -0 price
	[ "${lines[1]}" = "       closed form 10.450584   no z-score: the paths show no spread (standard error 0)" ]
	SIGMA=10 PATHS=1000 SHARDS=2 run -0 price
	[[ "${lines[1]}" == *"no z-score: the paths show no spread (standard error 0)" ]]
}

@test "many shards of few paths: a note that their fixed cost dominates" {
	PATHS=2000 SHARDS=200 run -0 --separate-stderr price
	[ "$stderr" = "price: note: SHARDS=200: each shard's fixed cost (about 3 ms) outweighs its 10 path steps; fewer shards (each of 100000 path steps or more) would be faster" ]
	PATHS=2000 SHARDS=199 run -0 --separate-stderr price
	[ "$stderr" = "" ]
}

@test "DESIGN.md is in the repository and every section the code cites by name is there" {
	[ -s "$ROOT/DESIGN.md" ]
	cd "$ROOT"
	n=0
	while IFS= read -r section; do
		grep -qx "## $section" DESIGN.md || { echo "DESIGN.md has no section '$section'" >&2; false; }
		n=$((n + 1))
	done < <(grep -rhoE 'DESIGN\.md, "[^"]+"' tools pipeline | sed 's/.*, "//; s/"$//' | sort -u)
	[ "$n" -ge 2 ]
	# the README points there
	grep -q 'DESIGN.md' README.md
}
