#!/usr/bin/env bats
# calibrate and make calibrate: Heston fitted to an implied-volatility surface.
load test_helper

# synthetic FILE: a surface of out-of-the-money prices from closedform
# --model heston at v0 0.05 kappa 2 theta 0.06 xi 0.5 rho -0.6 (S0 100,
# r 0.03, q 0.01; 3 maturities x 5 strikes).
synthetic() {
	{
		echo "# s0=100 r=0.03 q=0.01"
		printf 'maturity\tstrike\tprice\n'
		local T K p
		for T in 0.25 1 2; do
			for K in 80 90 100 110 125; do
				# out of the money: a call when K >= F = 100 e^{0.02 T}
				p=$(awk -v K=$K -v T=$T 'BEGIN { print (K >= 100 * exp(0.02 * T)) ? "call" : "put" }')
				printf '%s\t%s\t%s\n' $T $K "$(closedform --model heston --v0 0.05 --kappa 2 \
					--theta 0.06 --xi 0.5 --rho -0.6 -r 0.03 -q 0.01 -T $T -K $K -p $p |
					awk -F '\t' '$1 == "price" { print $2 }')"
			done
		done
	} >"$1"
}

# param NAME FILE: the value of row NAME of calibrate's report.
param() {
	awk -F '\t' -v n="$1" '$1 == n { print $2 }' "$2"
}

close() {
	awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN {
		d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b
		if (d <= tol * m) exit 0
		printf "not close: %.17g and %.17g differ by %.3g relative, over %g\n", a, b, d / m, tol
		exit 1 }'
}

@test "round trip: a synthetic surface's parameters come back within 1e-6 from a distant start" {
	synthetic "$BATS_TEST_TMPDIR/s.tsv"
	# start: v0 0.1 kappa 1 theta 0.1 xi 0.3 rho -0.3 (objective 8.7 vol points)
	calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate 0.1 1 0.1 0.3 -0.3 >"$BATS_TEST_TMPDIR/c.tsv"
	calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --refine "$BATS_TEST_TMPDIR/c.tsv" \
		--fit "$BATS_TEST_TMPDIR/fit.tsv" >"$BATS_TEST_TMPDIR/cal.tsv"
	cat "$BATS_TEST_TMPDIR/cal.tsv"
	close "$(param v0 "$BATS_TEST_TMPDIR/cal.tsv")" 0.05 1e-6
	close "$(param kappa "$BATS_TEST_TMPDIR/cal.tsv")" 2 1e-6
	close "$(param theta "$BATS_TEST_TMPDIR/cal.tsv")" 0.06 1e-6
	close "$(param xi "$BATS_TEST_TMPDIR/cal.tsv")" 0.5 1e-6
	close "$(param rho "$BATS_TEST_TMPDIR/cal.tsv")" -0.6 1e-6
	awk -v x="$(param rmse_vol_points "$BATS_TEST_TMPDIR/cal.tsv")" 'BEGIN { exit !(x < 1e-6) }'
	# 2 kappa theta - xi^2 = 0.24 - 0.25 < 0: Feller fails, and says so
	[ "$(param feller_holds "$BATS_TEST_TMPDIR/cal.tsv")" = 0 ]
	[ "$(rows "$BATS_TEST_TMPDIR/fit.tsv" | wc -l)" = 15 ]
}

@test "the DAX surface of 5 July 2002: SSE 177.2 vol points^2 as QuantLib and Sepp, parameters beside QuantLib's" {
	not_sanitized
	needs_package quantlib-python /usr/lib/python3/dist-packages/QuantLib/__init__.py
	local dax="$ROOT/data/dax-2002-07-05.tsv" ql k
	# QuantLib's testDAXCalibration start
	calibrate --surface "$dax" --evaluate 0.1 1 0.1 0.5 -0.5 >"$BATS_TEST_TMPDIR/c.tsv"
	calibrate --surface "$dax" --refine "$BATS_TEST_TMPDIR/c.tsv" >"$BATS_TEST_TMPDIR/cal.tsv"
	ql=$("$ROOT/tests/peers/quantlib-calibrate-dax")
	echo "$ql"
	cat "$BATS_TEST_TMPDIR/cal.tsv"
	# hestonmodel.cpp: |sse - 177.2| <= 1
	awk -v x="$(param sse_vol_points "$BATS_TEST_TMPDIR/cal.tsv")" 'BEGIN { exit !(x > 176.2 && x < 178.2) }'
	# no worse than QuantLib's own fit (its Gauss-Laguerre 64 prices are
	# less accurate; ours is the lower objective by 1e-3)
	awk -v a="$(param sse_vol_points "$BATS_TEST_TMPDIR/cal.tsv")" \
	    -v b="$(awk -F '\t' '$1 == "sse_vol_points" { print $2 }' <<<"$ql")" 'BEGIN { exit !(a <= b + 1e-6) }'
	for k in v0 kappa theta xi rho; do
		close "$(param $k "$BATS_TEST_TMPDIR/cal.tsv")" "$(awk -F '\t' -v k=$k '$1 == k { print $2 }' <<<"$ql")" 1e-3
	done
}

@test "--evaluate: a row per candidate; a failing candidate is reported, never dropped" {
	synthetic "$BATS_TEST_TMPDIR/s.tsv"
	run -0 calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate 0.05 2 0.06 0.5 -0.6 -0.1 2 0.06 0.5 -0.6 0.05 2 0.06 0.5 -1.5
	[ "${lines[0]}" = $'v0\tkappa\ttheta\txi\trho\tobjective\tstatus' ]
	[ "$(cut -f 7 <<<"${lines[1]}")" = ok ]
	[ "${lines[2]}" = $'-0.1\t2\t0.06\t0.5\t-0.6\tnan\tbad-parameters' ]
	[ "${lines[3]}" = $'0.05\t2\t0.06\t0.5\t-1.5\tnan\tbad-parameters' ]
	awk -v x="$(cut -f 6 <<<"${lines[1]}")" 'BEGIN { exit !(x < 1e-9) }'
}

@test "--evaluate: a candidate whose integral does not settle is reported (no-convergence), never dropped" {
	synthetic "$BATS_TEST_TMPDIR/s.tsv"
	# rho = -1 with xi = 3: the integrand decays too slowly for the
	# Gauss-Kronrod pieces (closedform refuses the same parameters)
	run -0 calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate -- 0.04 1 0.04 3 -1 0.05 2 0.06 0.5 -0.6
	[ "${lines[1]}" = $'0.04\t1\t0.04\t3\t-1\tnan\tno-convergence' ]
	[ "$(cut -f 7 <<<"${lines[2]}")" = ok ]
	printf '%s\n' "${lines[@]}" >"$BATS_TEST_TMPDIR/c.tsv"
	run -0 --separate-stderr calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --refine "$BATS_TEST_TMPDIR/c.tsv"
	[ "${lines[0]}" = "# tool=calibrate objective=iv starts=1 candidates=2 failed=1" ]
}

@test "--refine counts the failed candidates and fails when none priced" {
	synthetic "$BATS_TEST_TMPDIR/s.tsv"
	calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate -- -1 1 1 1 0 0.1 1 0.1 0.3 -0.3 >"$BATS_TEST_TMPDIR/c.tsv"
	run -0 --separate-stderr calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --refine "$BATS_TEST_TMPDIR/c.tsv"
	[ "${lines[0]}" = "# tool=calibrate objective=iv starts=1 candidates=2 failed=1" ]
	calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate -- -1 1 1 1 0 >"$BATS_TEST_TMPDIR/bad.tsv"
	run -1 --separate-stderr calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --refine "$BATS_TEST_TMPDIR/bad.tsv"
	[ "$stderr" = "calibrate: $BATS_TEST_TMPDIR/bad.tsv: no candidate priced the surface (1 failed)" ]
}

@test "a surface's errors name the file and line" {
	local f="$BATS_TEST_TMPDIR/s.tsv"
	printf '# s0=100 r=0.01\nmaturity\tstrike\n1\t100\n' >"$f"
	run -1 --separate-stderr calibrate --surface "$f" --evaluate 0.04 1 0.04 0.3 -0.5
	[ "$stderr" = "calibrate: $f:2: a surface needs columns maturity, strike and one of iv, price" ]
	printf '# s0=100 r=0.01\nmaturity\tstrike\tprice\n1\t100\t200\n' >"$f"
	run -1 --separate-stderr calibrate --surface "$f" --evaluate 0.04 1 0.04 0.3 -0.5
	[ "$stderr" = "calibrate: $f:3: price 200 is outside the no-arbitrage bounds of an out-of-the-money put (or carries no volatility)" ]
	printf '# r=0.01\nmaturity\tstrike\tiv\n1\t100\t0.2\n' >"$f"
	run -1 --separate-stderr calibrate --surface "$f" --evaluate 0.04 1 0.04 0.3 -0.5
	[[ "$stderr" == "calibrate: "*"s0"* ]]
	printf '# s0=100 r=0.01\nmaturity\tstrike\tiv\n0\t100\t0.2\n' >"$f"
	run -1 --separate-stderr calibrate --surface "$f" --evaluate 0.04 1 0.04 0.3 -0.5
	[ "$stderr" = "calibrate: $f:3: maturity must be positive" ]
}

@test "usage errors" {
	run -2 --separate-stderr calibrate --evaluate 1 2 3 4 5
	[ "${stderr_lines[0]}" = "calibrate: --surface is required" ]
	run -2 --separate-stderr calibrate --surface "$ROOT/data/dax-2002-07-05.tsv" --evaluate 1 2 3
	[ "${stderr_lines[0]}" = "calibrate: --evaluate: the candidates need five values each (v0 kappa theta xi rho), got 3" ]
	run -2 --separate-stderr calibrate --surface "$ROOT/data/dax-2002-07-05.tsv"
	[ "${stderr_lines[0]}" = "calibrate: give one of --evaluate and --refine" ]
	run -2 --separate-stderr calibrate --surface "$ROOT/data/dax-2002-07-05.tsv" --objective price --evaluate 1 2 3 4 5
	[ "${stderr_lines[0]}" = "calibrate: --objective: 'price' is not iv or vega" ]
	run -2 --separate-stderr calibrate --surface "$ROOT/data/dax-2002-07-05.tsv" --evaluate 0.1 x 0.1 0.5 -0.5
	[ "${stderr_lines[0]}" = "calibrate: kappa: invalid number 'x'" ]
}

@test "the usage text is the man page's SYNOPSIS; --version" {
	run -0 synopsis_of "$ROOT/tools/calibrate.1"
	[ "$output" = "$(usage_of calibrate)" ]
	run -0 calibrate --version
	[ "$output" = "calibrate (mcpipe) 0.1.0" ]
}

@test "a write error is reported" {
	run -1 --separate-stderr sh -c 'calibrate --surface "$ROOT/data/dax-2002-07-05.tsv" --evaluate 0.1 1 0.1 0.5 -0.5 > /dev/full'
	[ "$stderr" = "calibrate: write error: No space left on device" ]
}

# --- make calibrate -----------------------------------------------------------

@test "make calibrate: the search over a grid (with failing candidates), the fit, the picture" {
	not_sanitized
	synthetic "$BATS_TEST_TMPDIR/s.tsv"
	cd "$ROOT"
	run -0 --separate-stderr make -s calibrate SURFACE="$BATS_TEST_TMPDIR/s.tsv" OUT="$BATS_TEST_TMPDIR/out" \
		JOBS=2 V0_GRID=-0.01,0.03,0.08 KAPPA_GRID=1,3 THETA_GRID=0.04,0.08 XI_GRID=0.3,0.8 RHO_GRID=-0.8,-0.4 \
		CHECK_PATHS=20000
	echo "$output"
	echo "$stderr"
	[[ "$stderr" == *"calibrate: 16 of 48 candidates failed to price the surface (status in $BATS_TEST_TMPDIR/out/candidates.tsv)"* ]]
	[ "$(awk -F '\t' '$7 == "bad-parameters"' "$BATS_TEST_TMPDIR/out/candidates.tsv" | wc -l)" = 16 ]
	close "$(param kappa "$BATS_TEST_TMPDIR/out/calibration.tsv")" 2 1e-6
	close "$(param rho "$BATS_TEST_TMPDIR/out/calibration.tsv")" -0.6 1e-6
	[ -s "$BATS_TEST_TMPDIR/out/calibration.png" ]
	[ "$(rows "$BATS_TEST_TMPDIR/out/fit.tsv" | wc -l)" = 15 ]
	# the check by simulation: every quote, |z| < 4 (20000 QE paths at
	# steps of 1/32 year; the scheme's bias at xi 0.5 is far below the
	# stderr; common random numbers correlate the z's, so a wrong price
	# shows in many at once)
	[ "$(rows "$BATS_TEST_TMPDIR/out/check.tsv" | wc -l)" = 15 ]
	rows "$BATS_TEST_TMPDIR/out/check.tsv" | awk -F '\t' '{ z = $6 < 0 ? -$6 : $6; if (!(z < 4) || !($5 > 0)) bad = 1 } END { exit bad }'
	[[ "$output" == *"check: 15 quotes by Monte Carlo (20000 paths, common random numbers): max |z| "* ]]
}

@test "make calibrate: a batch past the kernel's limit on a command line (E2BIG), the same rows as candidates given as arguments" {
	not_sanitized
	# one maturity, six strikes: one integral a candidate
	local s="$BATS_TEST_TMPDIR/s.tsv" K
	{
		printf '# s0=100 r=0.03\nmaturity\tstrike\tiv\n'
		for K in 80 90 100 110 120 130; do printf '1\t%s\t0.2\n' $K; done
	} >"$s"
	cd "$ROOT"
	# 18,000 candidates in one batch: 90,000 values, some 1.2 MB as
	# arguments, past the 512 KiB a 2 MiB stack allows (a quarter of the
	# stack limit; at the usual 8 MiB, some 30,000 candidates). Before:
	# calibrate-shard: ... calibrate: Argument list too long
	run -0 --separate-stderr bash -c 'ulimit -S -s 2048 && exec "$@"' - \
		make -s calibrate SURFACE="$s" OUT="$BATS_TEST_TMPDIR/out" SHARDS=1 STARTS=1 CHECK_PATHS=0 \
		V0_GRID=0.01:0.2:0.01 KAPPA_GRID=1:10:1 THETA_GRID=0.02:0.1:0.02 XI_GRID=0.2:1:0.1 RHO_GRID=-0.7,-0.3
	echo "$stderr"
	[[ "$output" == *"search: 18000 candidates in 1 batches on "* ]]
	# the rows of calibrate --evaluate with the candidates as arguments,
	# a few thousand a call
	gridgen v0=0.01:0.2:0.01 kappa=1:10:1 theta=0.02:0.1:0.02 xi=0.2:1:0.1 rho=-0.7,-0.3 | tail -n +2 | tr '\t' '\n' |
		xargs -n 5000 calibrate --surface "$s" --evaluate -- |
		awk 'NR == 1 || $0 != header { print } NR == 1 { header = $0 }' >"$BATS_TEST_TMPDIR/expected.tsv"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/expected.tsv")" = 18001 ]
	cmp "$BATS_TEST_TMPDIR/expected.tsv" "$BATS_TEST_TMPDIR/out/candidates.tsv"
}

@test "--evaluate --candidates: the candidates as rows of a stream (gridgen's), the same rows as arguments" {
	synthetic "$BATS_TEST_TMPDIR/s.tsv"
	gridgen v0=0.05,-0.1 kappa=2 theta=0.06 xi=0.5 rho=-0.6,-1.5 >"$BATS_TEST_TMPDIR/g.tsv"
	run -0 calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate --candidates "$BATS_TEST_TMPDIR/g.tsv"
	[ "${#lines[@]}" = 5 ]
	[ "$output" = "$(calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate -- \
		0.05 2 0.06 0.5 -0.6 0.05 2 0.06 0.5 -1.5 -0.1 2 0.06 0.5 -0.6 -0.1 2 0.06 0.5 -1.5)" ]
	# standard input, columns by name in any order, others ignored
	run -0 calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate --candidates - \
		< <(printf '# tool=x\nrho\tname\txi\ttheta\tkappa\tv0\n-0.6\ta\t0.5\t0.06\t2\t0.05\n')
	[ "$output" = "$(calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate -- 0.05 2 0.06 0.5 -0.6)" ]
	printf 'v0\tkappa\ttheta\txi\n1\t2\t3\t4\n' >"$BATS_TEST_TMPDIR/bad.tsv"
	run -1 --separate-stderr calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate --candidates "$BATS_TEST_TMPDIR/bad.tsv"
	[ "$stderr" = "calibrate: $BATS_TEST_TMPDIR/bad.tsv:1: candidates need columns v0 kappa theta xi rho" ]
	printf 'v0\tkappa\ttheta\txi\trho\n0.05\t2\tx\t0.5\t-0.6\n' >"$BATS_TEST_TMPDIR/bad.tsv"
	run -1 --separate-stderr calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate --candidates "$BATS_TEST_TMPDIR/bad.tsv"
	[ "$stderr" = "calibrate: $BATS_TEST_TMPDIR/bad.tsv:2: invalid number in column 3 (theta): 'x'" ]
	# no candidate: a data error, not a header alone and exit 0 (none as
	# arguments is a usage error; calibrate-shard never gives an empty batch)
	printf 'v0\tkappa\ttheta\txi\trho\n' >"$BATS_TEST_TMPDIR/empty.tsv"
	run -1 --separate-stderr calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate --candidates "$BATS_TEST_TMPDIR/empty.tsv"
	[ "$stderr" = "calibrate: $BATS_TEST_TMPDIR/empty.tsv: no candidates (a header and no rows)" ]
	[ "$output" = "" ]
	printf '# tool=x\nv0\tkappa\n' >"$BATS_TEST_TMPDIR/empty.tsv"
	run -1 --separate-stderr calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate --candidates "$BATS_TEST_TMPDIR/empty.tsv"
	[ "$stderr" = "calibrate: $BATS_TEST_TMPDIR/empty.tsv:2: candidates need columns v0 kappa theta xi rho" ]
	run -1 --separate-stderr calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate --candidates - </dev/null
	[ "$stderr" = "calibrate: stdin: no header: empty input?" ]
	run -2 --separate-stderr calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --evaluate --candidates "$BATS_TEST_TMPDIR/g.tsv" 0.05 2 0.06 0.5 -0.6
	[ "${stderr_lines[0]}" = "calibrate: unexpected argument '0.05'" ]
	run -2 --separate-stderr calibrate --surface "$BATS_TEST_TMPDIR/s.tsv" --refine "$BATS_TEST_TMPDIR/g.tsv" --candidates "$BATS_TEST_TMPDIR/g.tsv"
	[ "${stderr_lines[0]}" = "calibrate: --candidates goes with --evaluate" ]
}

@test "make calibrate checks its variables first" {
	cd "$ROOT"
	run -2 --separate-stderr make -s calibrate
	[ "${stderr_lines[0]}" = "calibrate: SURFACE=: want a readable surface file (maturity strike iv|price)" ]
	run -2 --separate-stderr make -s calibrate SURFACE='nonexistent $(touch x)'
	[ "${stderr_lines[0]}" = 'calibrate: SURFACE=nonexistent $(touch x): want a readable surface file (maturity strike iv|price)' ]
	run -2 --separate-stderr make -s calibrate SURFACE=data/dax-2002-07-05.tsv STARTS=0
	[ "${stderr_lines[0]}" = "calibrate: STARTS=0: want a whole number from 1 to 1000" ]
	# calibrate --starts takes at most 1000: refused here, not after the search
	run -2 --separate-stderr make -s calibrate SURFACE=data/dax-2002-07-05.tsv STARTS=1001 OUT="$BATS_TEST_TMPDIR/o"
	[ "${stderr_lines[0]}" = "calibrate: STARTS=1001: want a whole number from 1 to 1000" ]
	[ ! -e "$BATS_TEST_TMPDIR/o" ]
	run -2 --separate-stderr make -s calibrate SURFACE=data/dax-2002-07-05.tsv CHECK_PATHS=1
	[ "${stderr_lines[0]}" = "calibrate: CHECK_PATHS=1: want 0 (no check) or a path count of at least 2" ]
	run -2 --separate-stderr make -s calibrate SURFACE=data/dax-2002-07-05.tsv CHECK_SUBSTEPS=0
	[ "${stderr_lines[0]}" = "calibrate: CHECK_SUBSTEPS=0: want a whole number from 1 to 10000" ]
	run -2 --separate-stderr make -s calibrate SURFACE=data/dax-2002-07-05.tsv V0_GRID=abc OUT="$BATS_TEST_TMPDIR/o"
	[ "${stderr_lines[0]}" = "calibrate: V0_GRID=abc: 'abc' is not a number" ]
	run -2 --separate-stderr make -s calibrate SURFACE=data/dax-2002-07-05.tsv RHO_GRID=-0.5,x OUT="$BATS_TEST_TMPDIR/o"
	[ "${stderr_lines[0]}" = "calibrate: RHO_GRID=-0.5,x: 'x' is not a number" ]
	run -2 --separate-stderr make -s calibrate SURFACE=data/dax-2002-07-05.tsv SHARDS=0
	[ "${stderr_lines[0]}" = "calibrate: SHARDS=0: want a whole number from 1 to 999999" ]
	run -2 --separate-stderr make -s calibrate SURFACE=data/dax-2002-07-05.tsv RETRIES=101
	[ "${stderr_lines[0]}" = "calibrate: RETRIES=101: want a whole number from 0 to 100" ]
	run -2 --separate-stderr make -s calibrate SURFACE=data/dax-2002-07-05.tsv HOSTS=nothing
	[ "${stderr_lines[0]}" = "calibrate: HOSTS=nothing: cannot read this sshloginfile" ]
	run -2 --separate-stderr make -s calibrate SURFACE=data/dax-2002-07-05.tsv SCHEDULER=pbs
	[ "${stderr_lines[0]}" = "calibrate: SCHEDULER=pbs: want slurm, or nothing for GNU parallel" ]
	run -2 --separate-stderr make -s calibrate SURFACE=data/dax-2002-07-05.tsv SCHEDULER=slurm HOSTS=data/hosts.example
	[[ "${stderr_lines[0]}" == "calibrate: HOSTS=data/hosts.example and SCHEDULER=slurm: choose one" ||
	   "${stderr_lines[0]}" == "calibrate: SCHEDULER=slurm: sbatch not found"* ]]
}

@test "kill -TERM of make calibrate mid-run: GNU parallel and every batch stop with it, nothing of it left" {
	not_sanitized
	cd "$BATS_TEST_TMPDIR"
	# (40000 candidates in 16 batches: each runs for seconds; the run is
	# stopped once a batch runs. Before: parallel and the batches went
	# on, holding OUT's lock)
	OUT="$BATS_TEST_TMPDIR/out" SURFACE="$ROOT/data/dax-2002-07-05.tsv" SHARDS=16 JOBS=2 \
		V0_GRID=0.02:0.2:0.02 KAPPA_GRID=0.5:5:0.5 THETA_GRID=0.01:0.1:0.01 XI_GRID=0.2:2:0.2 \
		stopped_mid_run calibrate-shard "$ROOT/pipeline/calibrate"
	[ ! -e "$BATS_TEST_TMPDIR/out/candidates.tsv" ]
}
