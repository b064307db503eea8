#!/usr/bin/env bats
# Nothing a user gives is code: hostile values for OUT, HOSTS, the
# checkout's own path and every variable of make price and make grid. Each
# value either works or is refused with a message naming it (exit 2), and
# the canary command planted in it never runs. The runs are tiny (a few
# hundred paths): this suite tests the glue, not the numbers.

load test_helper

setup() {
	CANARY="$BATS_TEST_TMPDIR/canary"
	# The hostile values: each tries to run `touch $CANARY` where a shell,
	# GNU parallel, make or gnuplot would take it for code.
	HOSTILE=(
		"a b"
		"a'b"
		'a"b'
		"a;touch $CANARY;"
		"a\$(touch $CANARY)"
		"a\`touch $CANARY\`"
		"a*"
		$'a\ntouch '"$CANARY"
		"-a"
		"'; touch $CANARY; '"
		"\"; touch $CANARY; \""
		"\$(shell touch $CANARY)"
	)
	export PATHS=200 SHARDS=2 JOBS=2
	cd "$BATS_TEST_TMPDIR"
}

# no_canary: the planted command never ran
no_canary() {
	if [ -e "$CANARY" ]; then
		echo "the canary ran" >&2
		return 1
	fi
}

# shown VALUE: VALUE as the jobs' messages show it (newline as \n)
shown() {
	local v=${1//$'\n'/\\n}
	printf '%s' "${v//$'\t'/\\t}"
}

@test "OUT: every hostile value works (a directory of that name) or, with a newline, is refused" {
	local v n=0
	for v in "${HOSTILE[@]}"; do
		out="$BATS_TEST_TMPDIR/o/$v"
		[ "$v" != -a ] || out=-a   # relative, as a user would type it
		if [[ $v == *$'\n'* ]]; then
			run -2 --separate-stderr make -s -C "$ROOT" price OUT="$out"
			[ "${stderr_lines[0]}" = "price: OUT=$(shown "$out"): a TAB or a newline is refused in a value (the run's files are lines of TAB-separated fields)" ]
		else
			run -0 make -s -C "$ROOT" price OUT="$out"
			# make -C runs in ROOT: a relative OUT is there
			[ "$v" != -a ] || out="$ROOT/-a"
			[ -s "$out/price.tsv" ] || { echo "no price.tsv for OUT=$out" >&2; false; }
			run -0 grep -c '^price' "$out/price.tsv"
			[ "$v" != -a ] || rm -rf "$ROOT/-a"
		fi
		no_canary
		n=$((n + 1))
	done
	[ "$n" -eq 12 ]
}

@test "OUT: make grid's gnuplot takes every hostile directory as a name, not as commands" {
	local v
	for v in "a'b" 'a"b' "a\`touch $CANARY\`" "a\$(touch $CANARY)" "\"; system(\"touch $CANARY\"); \""; do
		out="$BATS_TEST_TMPDIR/g/$v"
		OUT="$out" SIGMA_GRID=0.2,0.3 run -0 grid
		[ "$(head -c 4 "$out/grid.png" | od -An -c | tr -d ' ')" = '211PNG' ]
		no_canary
	done
}

@test "every variable of make price: each hostile value is refused, naming it, and nothing runs" {
	local name v n=0 names
	# every variable of the table but OUT and HOSTS (tested above and below)
	names=$(awk -F '\t' '!/^#/ && $1 == "price" && $2 != "OUT" && $2 != "HOSTS" { print $2 }' "$ROOT/pipeline/variables.tsv")
	[ "$(echo "$names" | wc -l)" -eq 38 ]
	for name in $names; do
		for v in "${HOSTILE[@]}"; do
			env PAYOFF=american-put "$name=$v" bash -c 'exec price' >/dev/null 2>"$BATS_TEST_TMPDIR/err" &&
				{ echo "$name=$v was taken" >&2; false; }
			status=$?
			[ "$status" -eq 2 ] || { echo "$name=$v: exit $status" >&2; cat "$BATS_TEST_TMPDIR/err" >&2; false; }
			grep -qF -- "price: $name=$(shown "$v"): " "$BATS_TEST_TMPDIR/err" ||
				{ echo "$name=$v:" >&2; cat "$BATS_TEST_TMPDIR/err" >&2; false; }
			no_canary
			n=$((n + 1))
		done
	done
	[ "$n" -eq $((38 * ${#HOSTILE[@]})) ]
}

@test "make's command line: hostile values and names are data, never make or shell code" {
	local v
	for v in "${HOSTILE[@]}"; do
		run -2 --separate-stderr make -s -C "$ROOT" price SIGMA="$v"
		[ "${lines[0]:-}" = "" ]
		[[ "$stderr" == "price: SIGMA=$(shown "$v"): "* ]]
		no_canary
	done
	# a typo, however it is spelt, is named with the nearest known name
	run -2 --separate-stderr make -s -C "$ROOT" price SIGAM="a;touch $CANARY"
	[ "${stderr_lines[0]}" = "price: SIGAM=a;touch $CANARY: unknown variable; did you mean SIGMA?" ]
	no_canary
	# and make never expands it: not on its way to make price, nor to the
	# jobs that check their own variables
	for job in price var credit backtest; do
		run -2 --separate-stderr make -s -C "$ROOT" "$job" "SIGAM=\$(shell touch $CANARY)"
		[[ "${stderr_lines[0]}" == "$job: SIGAM=\$(shell touch $CANARY): "* ]]
		no_canary
	done
}

@test "make var, credit, backtest, calibrate: a hostile OUT is a directory's name, never code" {
	local out="$BATS_TEST_TMPDIR/o d;touch $CANARY;\$(touch $CANARY)"
	run -0 make -s -C "$ROOT" var OUT="$out/var" SCENARIOS=2000 SHARDS=3
	[ -s "$out/var/var.tsv" ]
	run -0 make -s -C "$ROOT" credit OUT="$out/credit" SCENARIOS=20000 SHARDS=3
	[ -s "$out/credit/credit.tsv" ]
	run -0 make -s -C "$ROOT" backtest OUT="$out/backtest" SCENARIOS=100 SHARDS=3
	[ -s "$out/backtest/backtest.tsv" ]
	run -0 make -s -C "$ROOT" calibrate SURFACE=data/dax-2002-07-05.tsv CHECK_PATHS=0 STARTS=1 \
		V0_GRID=0.1 KAPPA_GRID=1 THETA_GRID=0.1 XI_GRID=0.5 RHO_GRID=-0.5 OUT="$out/calibrate"
	[ -s "$out/calibrate/calibration.tsv" ]
	no_canary
}

@test "make grid: hostile axis specifications are refused and nothing runs" {
	local v
	for v in "${HOSTILE[@]}"; do
		SIGMA_GRID=$v run -2 --separate-stderr grid
		# refused by the manifest, by gridgen, or as the point's SIGMA (a
		# word is a list of one to gridgen)
		[[ "$stderr" == "grid: SIGMA_GRID=$(shown "$v"): "* || "$stderr" == "gridgen: "* ||
		   "$stderr" == "grid: SIGMA=$v: want a decimal number" ]]
		no_canary
	done
}

@test "HOSTS: an sshloginfile at a hostile path works (':' is this machine)" {
	local v n=0
	for v in "${HOSTILE[@]}"; do
		[[ $v != *$'\n'* ]] || continue
		mkdir -p "$BATS_TEST_TMPDIR/h/$v"
		hosts="$BATS_TEST_TMPDIR/h/$v/hosts"
		echo : >"$hosts"
		OUT="$BATS_TEST_TMPDIR/out-$n" HOSTS="$hosts" PARALLEL_SSH=false run -0 price
		[ -s "$BATS_TEST_TMPDIR/out-$n/price.tsv" ]
		no_canary
		n=$((n + 1))
	done
	[ "$n" -eq 11 ]
	# a path that is no readable file is refused by name
	HOSTS="$BATS_TEST_TMPDIR/none;touch $CANARY" run -2 --separate-stderr price
	[ "$stderr" = "price: HOSTS=$BATS_TEST_TMPDIR/none;touch $CANARY: cannot read this file" ]
	no_canary
}

@test "the checkout at a hostile path: make price works there and nothing runs" {
	local n=0 dir
	for dir in "a b'c\"d" "x;touch $CANARY;\$(touch $CANARY)\`touch $CANARY\`" "-s*"; do
		dir="$BATS_TEST_TMPDIR/checkout/$dir/mcpipe"
		mkdir -p "$dir"
		# the tools as built (cp -p: make sees nothing to rebuild)
		cp -pR "$ROOT/Makefile" "$ROOT/mk" "$ROOT/pipeline" "$ROOT/tools" "$dir/"
		mkdir -p "$dir/build"
		cp -pR "$BUILD/bin" "$dir/build/"
		[ -z "${MCPIPE_SANITIZED:-}" ] || skip "the sanitized tools are not at build/bin"
		run -0 make -s -C "$dir" price OUT="$BATS_TEST_TMPDIR/co-$n"
		[ -s "$BATS_TEST_TMPDIR/co-$n/price.tsv" ]
		no_canary
		n=$((n + 1))
	done
}

@test "make calibrate: hostile SHARDS, RETRIES, SCHEDULER and HOSTS are refused by name before any work" {
	local v var
	export SURFACE="$ROOT/data/dax-2002-07-05.tsv" OUT="$BATS_TEST_TMPDIR/cal"
	for v in "${HOSTILE[@]}"; do
		for var in SHARDS RETRIES SCHEDULER HOSTS; do
			run -2 --separate-stderr env "$var=$v" "$ROOT/pipeline/calibrate"
			[[ "$stderr" == "calibrate: $var=$(shown "$v"): "* ]]
		done
		[ ! -e "$OUT" ]
		no_canary
	done
}

@test "make calibrate and make var: an sshloginfile at a hostile path works (':' is this machine)" {
	local v n=0
	for v in "a b'c\"d" "x;touch $CANARY;\$(touch $CANARY)\`touch $CANARY\`*" "-s"; do
		mkdir -p "$BATS_TEST_TMPDIR/h/$v"
		hosts="$BATS_TEST_TMPDIR/h/$v/hosts"
		echo : >"$hosts"
		OUT="$BATS_TEST_TMPDIR/cal-$n" HOSTS="$hosts" PARALLEL_SSH=false SURFACE="$ROOT/data/dax-2002-07-05.tsv" \
			STARTS=1 CHECK_PATHS=0 V0_GRID=0.1 KAPPA_GRID=1,2 THETA_GRID=0.1 XI_GRID=0.5 RHO_GRID=-0.5 \
			run -0 "$ROOT/pipeline/calibrate"
		[ -s "$BATS_TEST_TMPDIR/cal-$n/calibration.tsv" ]
		OUT="$BATS_TEST_TMPDIR/var-$n" HOSTS="$hosts" PARALLEL_SSH=false SCENARIOS=2000 SHARDS=2 \
			MARKET="$ROOT/data/market.tsv" CORR="$ROOT/data/corr.tsv" PORTFOLIO="$ROOT/data/portfolio.tsv" \
			run -0 var
		[ -s "$BATS_TEST_TMPDIR/var-$n/var.tsv" ]
		no_canary
		n=$((n + 1))
	done
}

@test "an OUT that begins with < or |: gnuplot reads and writes the picture's files by name, never runs them (grid, var, credit, backtest, calibrate, convergence)" {
	local p out
	not_sanitized   # the glue's tests
	# gnuplot reads a file name "<CMD" and writes "|CMD" through a shell:
	# a relative OUT so ran (make var with OUT='<touch canary;o' did)
	for p in '<' '|'; do
		out="${p}touch $CANARY;o"
		OUT="$out/grid" SIGMA_GRID=0.2,0.3 run -0 grid
		OUT="$out/var" SCENARIOS=2000 SHARDS=2 MARKET="$ROOT/data/market.tsv" CORR="$ROOT/data/corr.tsv" \
			PORTFOLIO="$ROOT/data/portfolio.tsv" run -0 var
		OUT="$out/credit" SCENARIOS=20000 LOANS="$ROOT/data/loans.tsv" run -0 "$ROOT/pipeline/credit"
		OUT="$out/backtest" SCENARIOS=100 CLOSES="$ROOT/build/data/djclose.tsv" run -0 "$ROOT/pipeline/backtest"
		OUT="$out/calibrate" SURFACE="$ROOT/data/dax-2002-07-05.tsv" CHECK_PATHS=0 STARTS=1 V0_GRID=0.1 \
			KAPPA_GRID=1 THETA_GRID=0.1 XI_GRID=0.5 RHO_GRID=-0.5 run -0 "$ROOT/pipeline/calibrate"
		OUT="$out/convergence" STEPS=4 PATHS=2048 run -0 convergence
		for png in grid/grid.png var/var.png credit/credit.png backtest/backtest.png calibrate/calibration.png \
			convergence/convergence.png; do
			[ "$(head -c 4 "$out/$png" | od -An -c | tr -d ' ')" = '211PNG' ] || { echo "no $out/$png" >&2; false; }
		done
		no_canary
	done
}

@test "make var SCREEN: each hostile value on make's command line is refused, naming it, and nothing runs" {
	local v
	for v in "${HOSTILE[@]}"; do
		run -2 --separate-stderr make -s -C "$ROOT" var SCREEN="$v" OUT="$BATS_TEST_TMPDIR/out"
		[ "${lines[0]:-}" = "" ]
		local why="want 0 or 1"
		[[ $v != *$'\n'* ]] ||
			why="a TAB or a newline is refused in a value (the run's files are lines of TAB-separated fields)"
		[ "${stderr_lines[0]}" = "var: SCREEN=$(shown "$v"): $why" ] || { echo "$stderr"; false; }
		[ ! -e "$BATS_TEST_TMPDIR/out" ]
		no_canary
	done
}
