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
	[ "${stderr_lines[6]}" = "price: JOBS=00: want a whole number from 1 to 1024 (decimal digits, no sign, no leading zero)" ]
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

@test "manifest: a fixed run's SHARDS at most PATHS (the default 16 lowered to a smaller PATHS)" {
	# before: genseeds refused them after the run had started
	PATHS=5 SHARDS=6 run -2 --separate-stderr manifest price
	[ "$stderr" = "price: SHARDS=6: more shards than PATHS=5 (at most one shard a path)" ]
	PATHS=5 SHARDS=5 run -0 manifest price
	[[ "$output" == *$'\nSHARDS\t5\n'* ]]
	PATHS=2 run -0 manifest price
	[[ "$output" == *$'\nSHARDS\t2\n'* ]]
	PATHS=3 run -0 manifest grid
	[[ "$output" == *$'\nSHARDS\t3\n'* ]]
	# a run to a tolerance sizes each batch's shards itself
	PATHS=1000000 TOL=0.01 SHARDS=20000 TOL_BATCH=16384 run -0 manifest price
	[[ "$output" == *$'\nSHARDS\t20000\n'* ]]
	# and make price refuses it before any work
	cd "$ROOT"
	run -2 --separate-stderr make -s price PATHS=5 SHARDS=6 OUT="$BATS_TEST_TMPDIR/o"
	[ "${stderr_lines[0]}" = "price: SHARDS=6: more shards than PATHS=5 (at most one shard a path)" ]
	[ ! -e "$BATS_TEST_TMPDIR/o" ]
}

# The bounds of every numeric variable against the tool that finally takes
# it: the manifest's largest (and smallest) value is one the tool takes,
# and the next is refused up front, with the manifest's message. Columns:
# job, variable, smallest, largest, the other variables it needs (or -),
# then the tool's command with @ for the value (- when the value goes to
# no tool's option: GNU parallel's -j and --retries, the runners' shard
# counts; make grid's, the same tools as make price's). Run for real where
# it is cheap; `--help` after the option
# where the option is checked as it is read (getopt's loop) and a run
# would be long (10^9 training paths). Before: make var SCENARIOS=2^53+1
# (up to 9999999999999999) and make price STEPS=100001 (up to 10^8) were
# refused by scenarios and simpaths after the run had started.
bounds_table() {
	local s="$BATS_TEST_TMPDIR/s.tsv" c="$BATS_TEST_TMPDIR/c.tsv"
	local v=(-m "$ROOT/data/market.tsv" -c "$ROOT/data/corr.tsv" -p "$ROOT/data/portfolio.tsv")
	cat <<-TABLE
	price|STEPS|1|100000|-|simpaths --steps @ --count 1 -e terminal
	price|SUBSTEPS|1|10000|MODEL=heston|simpaths --model heston --substeps @ --count 1 -e terminal
	price|PATHS|2|1000000000000000|SHARDS=1|genseeds --paths @ --shards 1
	price|SHARDS|1|1000000|PATHS=1000000|genseeds --paths 1000000 --shards @
	price|TRAIN_PATHS|1|1000000000|PAYOFF=american-put|simpaths --training --count @ --help
	price|UPPER|0|1000000000|PAYOFF=american-put|simpaths --count @ --help
	price|INNER|1|2147483647|PAYOFF=american-put|exercise --upper @ --help
	price|REPLICATES|2|1024|QMC=sobol|simpaths --qmc sobol --replicates @ --paths @ --count @ -e terminal
	price|JOBS|1|1024|-|-
	price|RETRIES|0|100|-|-
	grid|PATHS|2|1000000000000000|SHARDS=1|-
	grid|SHARDS|1|1000000|PATHS=1000000|-
	var|SCENARIOS|1|9007199254740992|SHARDS=1|scenarios ${v[*]} -n @ -f 0 -k 1 --no-positions
	var|DF|3|500|RETURNS=t|scenarios ${v[*]} -n 1 -R t -d @ --no-positions
	var|SHARDS|1|999999|-|-
	var|JOBS|1|1024|-|-
	var|RETRIES|0|100|-|-
	credit|SCENARIOS|1|9007199254740992|SHARDS=1|credit -l $ROOT/data/loans.tsv -r 0.2 -n @ --first 0 --count 1
	credit|NU|1|1000|COPULA=t|credit -l $ROOT/data/loans.tsv -r 0.2 -c t --nu @ -n 1
	credit|SHARDS|1|999999|-|-
	credit|JOBS|1|1024|-|-
	credit|RETRIES|0|100|-|-
	backtest|WINDOW|2|10000000|-|backtest --window @ --help
	backtest|SCENARIOS|1|100000000|-|backtest --scenarios @ --help
	backtest|SHARDS|1|999999|-|-
	backtest|JOBS|1|1024|-|-
	calibrate|STARTS|1|1000|-|calibrate --surface $s --refine $c --starts @
	calibrate|CHECK_PATHS|2|999999999999|-|simpaths --model heston --count @ --help
	calibrate|CHECK_SUBSTEPS|1|10000|-|simpaths --model heston --substeps @ --help
	calibrate|SHARDS|1|999999|-|-
	calibrate|JOBS|1|1024|-|-
	calibrate|RETRIES|0|100|-|-
	TABLE
}

@test "every numeric variable's bounds are its tool's: the largest accepted runs, the next is refused up front" {
	local s="$BATS_TEST_TMPDIR/s.tsv" K job var lo hi needs tool bad=() value words w cmd msg n=0
	{
		printf '# s0=100 r=0.03\nmaturity\tstrike\tiv\n'
		for K in 80 90 100 110 120 130; do printf '1\t%s\t0.2\n' $K; done
	} >"$s"
	calibrate --surface "$s" --evaluate 0.04 1 0.04 0.3 -0.5 >"$BATS_TEST_TMPDIR/c.tsv"
	# (the files' defaults are relative to the checkout)
	printf '1\n' >"$BATS_TEST_TMPDIR/closes.tsv"
	export SURFACE="$s" CLOSES="$BATS_TEST_TMPDIR/closes.tsv" MARKET="$ROOT/data/market.tsv" \
		CORR="$ROOT/data/corr.tsv" PORTFOLIO="$ROOT/data/portfolio.tsv"
	# tool_takes: $tool (its words, @ for the value) run with $value, or
	# why not in bad
	tool_takes() {
		read -r -a words <<<"$tool"
		cmd=()
		for w in "${words[@]}"; do cmd+=("${w//@/$value}"); done
		"${cmd[@]}" >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
			bad+=("$job $var=$value: ${cmd[*]}: $(cat "$BATS_TEST_TMPDIR/err")")
	}
	while IFS='|' read -r job var lo hi needs tool; do
		n=$((n + 1))
		local env=()
		[ "$needs" = - ] || read -r -a env <<<"$needs"
		# the bounds: accepted, and the first value past each refused
		for value in "$lo" "$hi"; do
			env "${env[@]}" "$var=$value" manifest "$job" >/dev/null 2>&1 || bad+=("$job $var=$value: refused by the manifest")
		done
		for value in "$((hi + 1))" "$((lo - 1))"; do
			msg="want a whole number from $lo to $hi"
			case $job.$var in
			var.DF) msg="RETURNS=t wants an integer number of degrees of freedom in [3, 500]" ;;
			credit.NU) msg="COPULA=t wants NU, an integer from 1 to 1000" ;;
			calibrate.CHECK_PATHS) msg="want 0 (no check) or a path count of at least 2"; [ "$value" -ne 1 ] || value=1 ;;
			esac
			[ "$value" != -1 ] || msg="$msg (decimal digits, no sign, no leading zero)"
			[ "$job.$var.$value" != calibrate.CHECK_PATHS.-1 ] || msg="want 0 (no check) or a path count of at least 2"
			run env "${env[@]}" "$var=$value" manifest "$job"
			[ "$status" -eq 2 ] && [ "$output" = "$job: $var=$value: $msg" ] ||
				bad+=("$job $var=$value: status $status, '$output' (want 2, '$job: $var=$value: $msg')")
		done
		# the largest (and the smallest) value taken by the tool (UPPER=0:
		# no bound, no tool)
		[ "$tool" != - ] || continue
		for value in "$lo" "$hi"; do
			[ "$value" != 0 ] || continue
			tool_takes
		done
	done < <(bounds_table)
	[ "$n" -ge 30 ]
	# the real-valued ones with bounds: the ends taken (by the tool too),
	# the values just past them refused with the manifest's message (a
	# horizon of 2520 days needs options that live longer: stock alone)
	printf 'quantity\tasset\tinstrument\tstrike\tmaturity\n100\tSPX\tstock\t\t\n' >"$BATS_TEST_TMPDIR/stock.tsv"
	local ok refused
	while IFS='|' read -r job var ok refused needs tool msg; do
		local env=()
		[ "$needs" = - ] || read -r -a env <<<"$needs"
		for value in $ok; do
			env "${env[@]}" "$var=$value" manifest "$job" >/dev/null 2>&1 || bad+=("$job $var=$value: refused by the manifest")
			tool_takes
		done
		for value in $refused; do
			run env "${env[@]}" "$var=$value" manifest "$job"
			[ "$status" -eq 2 ] && [ "$output" = "$job: $var=$value: $msg" ] ||
				bad+=("$job $var=$value: status $status, '$output' (want 2, '$job: $var=$value: $msg')")
		done
	done <<-TABLE
	price|RHO|-1 1|-1.001 1.001|MODEL=heston|simpaths --model heston --rho @ --count 1 -e terminal|want a number in [-1, 1]
	var|HORIZON|2520 0.001|2520.001 0|-|scenarios -m $MARKET -c $CORR -p $BATS_TEST_TMPDIR/stock.tsv -n 1 -H @ --no-positions|want a positive number of trading days, at most 2520
	var|LEVEL|0.5 0.999|0.499 1|-|scenarios -m $MARKET -c $CORR -p $PORTFOLIO -n 1 --level @ --no-positions|want a number in [0.5, 1)
	var|R|-1 1|-1.001 1.001|-|scenarios -m $MARKET -c $CORR -p $PORTFOLIO -n 1 -r @ --no-positions|want a number in [-1, 1]
	credit|RHO|0 0.999|-0.001 1|-|credit -l $ROOT/data/loans.tsv -r @ -n 1|want a number in [0, 1)
	credit|LEVEL|0.5 0.999|0.499 1|-|credit -l $ROOT/data/loans.tsv -r 0.2 -a @ -n 1|want a number in [0.5, 1)
	backtest|LEVEL|0.001 0.999|0 1|-|backtest --level @ --help|want a number in (0, 1)
	backtest|LAMBDA|0 1|-0.001 1.001|-|backtest --lambda @ --help|want a number in [0, 1]
	TABLE
	# refused before any work: nothing in OUT (the job scripts' first step)
	for job in price var credit backtest calibrate; do
		run -2 make -s -C "$ROOT" "$job" OUT="$BATS_TEST_TMPDIR/out-$job" SHARDS=1000000000
		[ ! -e "$BATS_TEST_TMPDIR/out-$job" ] || bad+=("make $job SHARDS=1000000000: wrote $BATS_TEST_TMPDIR/out-$job")
	done
	printf '%s\n' "${bad[@]}"
	[ ${#bad[@]} -eq 0 ]
}
