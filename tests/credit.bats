#!/usr/bin/env bats
# credit: loan books and their checks, the copula simulation against
# creditref's exact references (plain and importance sampling), EL against
# sum(exposure x pd x lgd), exact merging for any split, contributions,
# usage and output errors.

bats_require_minimum_version 1.5.0
load test_helper

TOOL=credit
F="$FIXTURES/credit"
POOL="$ROOT/data/loans-homogeneous.tsv"   # 100 obligors, pd 1%, lgd 1, exposure 1

# run_credit OUT ARGS...: one shard of the whole run, then --merge, into
# OUT (the table); extra files next to it.
run_credit() {
	local out=$1
	shift
	credit "$@" >"$out.part"
	credit "$@" --merge --contributions "$out.contrib" --distribution "$out.dist" \
		"$out.part" >"$out"
}

# within NAME FILE REF Z: |estimate - REF| < Z stderr (stderr > 0).
within() {
	awk -F '\t' -v name="$1" -v ref="$3" -v z="$4" '
		$1 == name { d = $2 - ref; if (d < 0) d = -d
		             printf "%s: %s vs %s, stderr %s, z %.2f\n", name, $2, ref, $3, ($3 > 0 ? d / $3 : 1e9)
		             ok = $3 > 0 && d < z * $3 }
		END { exit !ok }' "$2"
}

# var_covers FILE REF: the VaR interval, widened by its own width on each
# side (about 4 standard errors), holds REF.
var_covers() {
	awk -F '\t' -v ref="$2" '
		$1 == "VaR" { w = $5 - $4; if (w <= 0) w = 1
		              printf "VaR %s [%s, %s] vs %s\n", $2, $4, $5, ref
		              ok = ref >= $4 - w && ref <= $5 + w }
		END { exit !ok }' "$1"
}

@test "--help shows the synopsis of the man page" {
	run -0 usage_of credit
	usage=$output
	run -0 synopsis_of "$ROOT/tools/credit.1"
	[ "$output" = "$usage" ]
}

@test "--version names the tool" {
	run -0 credit --version
	[ "$output" = "credit (mcpipe) 0.1.0" ]
}

@test "usage errors" {
	usage_fails "--loans is required" -r 0.2
	usage_fails "--copula: unknown copula 'clayton' (gaussian or t)" -l "$POOL" -c clayton
	usage_fails "--copula t needs --nu" -l "$POOL" -c t
	usage_fails "--nu: only for --copula t" -l "$POOL" --nu 4
	usage_fails "--rho: '1' must be in [0, 1)" -l "$POOL" -r 1
	usage_fails "--level: must be in [0.5, 1)" -l "$POOL" -r 0.2 -a 1
	usage_fails "--first, --count: scenarios 10..19 outside 0..9" -l "$POOL" -r 0.2 -n 10 --first 10 --count 10
	usage_fails "--contributions and --distribution need --merge" -l "$POOL" -r 0.2 --contributions x
	usage_fails "--first and --count are a shard's, not --merge's" -l "$POOL" -r 0.2 --merge --first 1
}

@test "bad books: file:line errors" {
	run -1 --separate-stderr credit -l "$F/pd-zero.tsv" -r 0.2 -n 10
	[ "$stderr" = "credit: $F/pd-zero.tsv:3: pd 0 outside (0, 1)" ]
	run -1 --separate-stderr credit -l "$F/lgd-high.tsv" -r 0.2 -n 10
	[ "$stderr" = "credit: $F/lgd-high.tsv:3: lgd 1.5 outside [0, 1]" ]
	run -1 --separate-stderr credit -l "$F/exposure-negative.tsv" -r 0.2 -n 10
	[ "$stderr" = "credit: $F/exposure-negative.tsv:2: negative exposure -100" ]
	run -1 --separate-stderr credit -l "$F/sector-unknown.tsv" --sectors "$F/sectors.tsv" -r 0.2 -n 10
	[ "$stderr" = "credit: $F/sector-unknown.tsv:3: unknown sector 'west'" ]
	run -1 --separate-stderr credit -l "$F/no-lgd.tsv" -r 0.2 -n 10
	[ "$stderr" = "credit: $F/no-lgd.tsv:1: header needs columns obligor exposure pd lgd" ]
	run -1 --separate-stderr credit -l "$F/pd-text.tsv" -r 0.2 -n 10
	[[ $stderr = "credit: $F/pd-text.tsv:2: "*"'abc'"* ]]
	run -1 --separate-stderr credit -l "$F/book.tsv" -n 10
	[ "$stderr" = "credit: $F/book.tsv:1: no rho column: give --rho" ]
	[ "$output" = "" ]
}

@test "bad sector correlation matrices: file:line errors" {
	run -1 --separate-stderr credit -l "$F/book.tsv" --sectors "$F/corr-asymmetric.tsv" -r 0.2 -n 10
	[ "$stderr" = "credit: $F/corr-asymmetric.tsv:3: not symmetric: 'south','north' differs from 'north','south'" ]
	run -1 --separate-stderr credit -l "$F/book.tsv" --sectors "$F/corr-indefinite.tsv" -r 0.2 -n 10
	[ "$stderr" = "credit: $F/corr-indefinite.tsv: correlation matrix is not positive definite" ]
	run -1 --separate-stderr credit -l "$F/book.tsv" --sectors "$F/corr-diagonal.tsv" -r 0.2 -n 10
	[ "$stderr" = "credit: $F/corr-diagonal.tsv:3: diagonal correlation of 'south' is not 1" ]
	run -1 --separate-stderr credit -l "$F/book.tsv" --sectors "$F/corr-range.tsv" -r 0.2 -n 10
	[ "$stderr" = "credit: $F/corr-range.tsv:2: correlation 1.2 outside [-1, 1]" ]
	run -1 --separate-stderr credit -l "$F/book.tsv" --sectors "$F/corr-order.tsv" -r 0.2 -n 10
	[ "$stderr" = "credit: $F/corr-order.tsv:2: row 'south' where sector 'north' was expected" ]
	run -1 --separate-stderr credit -l "$F/sector-unknown.tsv" --sectors "$F/book.tsv" -r 0.2 -n 10
	[ "$stderr" = "credit: $F/book.tsv:1: header must be 'sector' and the sector names" ]
}

@test "EL agrees with sum(exposure x pd x lgd) on the example book with sectors (|z| < 4)" {
	not_sanitized
	el=$(awk -F '\t' '!/^#/ && $1 != "obligor" { s += $2 * $3 * $4 } END { printf "%.10g", s }' "$ROOT/data/loans.tsv")
	for is in "" --is; do
		run_credit "$BATS_TEST_TMPDIR/r" -l "$ROOT/data/loans.tsv" --sectors "$ROOT/data/sectors.tsv" \
			-r 0.2 -n 20000 --seed 3 $is
		within EL "$BATS_TEST_TMPDIR/r" "$el" 4
		# each obligor's el column is its own exposure x pd x lgd
		awk -F '\t' '!/^#/ && $1 != "obligor" { d = $5 - $2 * $3 * $4; if (d * d > 1e-12 * $5 * $5) exit 1 }' \
			"$BATS_TEST_TMPDIR/r.contrib"
	done
}

# creditref --pd 0.01 --rho 0.2 --obligors 100: VaR 16, ES 19.92543468844306
@test "plain Monte Carlo matches the exact finite pool (Gaussian; |z| < 4)" {
	not_sanitized
	run_credit "$BATS_TEST_TMPDIR/r" -l "$POOL" -r 0.2 -n 200000 --seed 5
	creditref --pd 0.01 --rho 0.2 --obligors 100 >"$BATS_TEST_TMPDIR/ref"
	within ES "$BATS_TEST_TMPDIR/r" "$(field ES 2 "$BATS_TEST_TMPDIR/ref")" 4
	within EL "$BATS_TEST_TMPDIR/r" 1 4
	var_covers "$BATS_TEST_TMPDIR/r" "$(field VaR 2 "$BATS_TEST_TMPDIR/ref")"
}

@test "importance sampling matches the exact finite pool (Gaussian; |z| < 4) with a 10x smaller ES stderr" {
	not_sanitized
	run_credit "$BATS_TEST_TMPDIR/is" -l "$POOL" -r 0.2 -n 100000 --seed 5 --is
	run_credit "$BATS_TEST_TMPDIR/mc" -l "$POOL" -r 0.2 -n 100000 --seed 5
	creditref --pd 0.01 --rho 0.2 --obligors 100 >"$BATS_TEST_TMPDIR/ref"
	within ES "$BATS_TEST_TMPDIR/is" "$(field ES 2 "$BATS_TEST_TMPDIR/ref")" 4
	within EL "$BATS_TEST_TMPDIR/is" 1 4
	var_covers "$BATS_TEST_TMPDIR/is" "$(field VaR 2 "$BATS_TEST_TMPDIR/ref")"
	is=$(field ES 3 "$BATS_TEST_TMPDIR/is") mc=$(field ES 3 "$BATS_TEST_TMPDIR/mc")
	echo "ES stderr: IS $is, plain $mc"
	awk -v a="$is" -v b="$mc" 'BEGIN { exit !(a > 0 && 10 * a <= b) }'
}

# creditref --pd 0.02 --rho 0.15 --copula t --nu 4 --obligors 50 --lgd 0.5 --exposure 2
@test "the t copula, plain and IS, matches its exact finite pool (|z| < 4)" {
	not_sanitized
	creditref --pd 0.02 --rho 0.15 -c t --nu 4 -n 50 --lgd 0.5 --exposure 2 >"$BATS_TEST_TMPDIR/ref"
	es=$(field ES 2 "$BATS_TEST_TMPDIR/ref") var=$(field VaR 2 "$BATS_TEST_TMPDIR/ref")
	for is in "" --is; do
		run_credit "$BATS_TEST_TMPDIR/r" -l "$F/pool50.tsv" -r 0.15 -c t --nu 4 -n 100000 --seed 9 $is
		within ES "$BATS_TEST_TMPDIR/r" "$es" 4
		within EL "$BATS_TEST_TMPDIR/r" 1 4
		var_covers "$BATS_TEST_TMPDIR/r" "$var"
	done
	# and differs from the Gaussian copula's (tail dependence)
	creditref --pd 0.02 --rho 0.15 -n 50 --lgd 0.5 --exposure 2 >"$BATS_TEST_TMPDIR/gauss"
	awk -v t="$es" -v g="$(field ES 2 "$BATS_TEST_TMPDIR/gauss")" 'BEGIN { exit !(t > 1.5 * g) }'
}

@test "importance sampling is unbiased: ten seeds' ES average matches the exact pool (|z| < 4)" {
	not_sanitized
	for seed in 1 2 3 4 5 6 7 8 9 10; do
		run_credit "$BATS_TEST_TMPDIR/r$seed" -l "$POOL" -r 0.2 -n 5000 --seed "$seed" --is
	done
	creditref --pd 0.01 --rho 0.2 --obligors 100 >"$BATS_TEST_TMPDIR/ref"
	awk -F '\t' -v ref="$(field ES 2 "$BATS_TEST_TMPDIR/ref")" '
		$1 == "ES" { n++; s += $2; s2 += $2 * $2 }
		END { m = s / n; se = sqrt((s2 / n - m * m) / (n - 1))
		      printf "mean %s stderr %s ref %s\n", m, se, ref
		      d = m - ref; if (d < 0) d = -d; exit !(n == 10 && se > 0 && d < 4 * se) }' \
		"$BATS_TEST_TMPDIR"/r[0-9]*
}

@test "the same bytes for any split into shards, in any order" {
	for args in "-l $POOL -r 0.2" "-l $POOL -r 0.2 --is" \
	            "-l $ROOT/data/loans.tsv --sectors $ROOT/data/sectors.tsv -r 0.2 --is" \
	            "-l $F/pool50.tsv -r 0.15 -c t --nu 3"; do
		# shellcheck disable=SC2086
		{
			credit $args -n 5001 --seed 7 >"$BATS_TEST_TMPDIR/all"
			credit $args -n 5001 --seed 7 --merge --contributions "$BATS_TEST_TMPDIR/c1" \
				"$BATS_TEST_TMPDIR/all" >"$BATS_TEST_TMPDIR/one"
			credit $args -n 5001 --seed 7 --first 0 --count 1001 >"$BATS_TEST_TMPDIR/s0"
			credit $args -n 5001 --seed 7 --first 1001 --count 7 >"$BATS_TEST_TMPDIR/s1"
			credit $args -n 5001 --seed 7 --first 1008 >"$BATS_TEST_TMPDIR/s2"
			credit $args -n 5001 --seed 7 --merge --contributions "$BATS_TEST_TMPDIR/c3" \
				"$BATS_TEST_TMPDIR/s2" "$BATS_TEST_TMPDIR/s0" "$BATS_TEST_TMPDIR/s1" >"$BATS_TEST_TMPDIR/three"
		}
		cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/three"
		cmp "$BATS_TEST_TMPDIR/c1" "$BATS_TEST_TMPDIR/c3"
	done
}

@test "ES contributions add up to the ES" {
	run_credit "$BATS_TEST_TMPDIR/r" -l "$ROOT/data/loans.tsv" --sectors "$ROOT/data/sectors.tsv" \
		-r 0.2 -n 4000 --is
	es=$(field ES 2 "$BATS_TEST_TMPDIR/r")
	awk -F '\t' -v es="$es" '!/^#/ && $1 != "obligor" { s += $6; n++ }
		END { d = s - es; if (d < 0) d = -d; printf "%d obligors, sum %s, ES %s\n", n, s, es
		      exit !(n == 200 && es > 0 && d <= 1e-9 * es) }' "$BATS_TEST_TMPDIR/r.contrib"
}

@test "merging refuses missing, repeated and foreign shards" {
	credit -l "$POOL" -r 0.2 -n 100 --first 0 --count 50 >"$BATS_TEST_TMPDIR/a"
	credit -l "$POOL" -r 0.2 -n 100 --first 50 >"$BATS_TEST_TMPDIR/b"
	credit -l "$POOL" -r 0.3 -n 100 --first 50 >"$BATS_TEST_TMPDIR/c"
	run -1 --separate-stderr credit -l "$POOL" -r 0.2 -n 100 --merge "$BATS_TEST_TMPDIR/a"
	[ "$stderr" = "credit: scenarios 50..99 are missing" ]
	run -1 --separate-stderr credit -l "$POOL" -r 0.2 -n 100 --merge "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$stderr" = "credit: $BATS_TEST_TMPDIR/a:2: scenarios 0..49 overlap scenarios 0..49 ($BATS_TEST_TMPDIR/a:2)" ]
	run -1 --separate-stderr credit -l "$POOL" -r 0.2 -n 100 --merge "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/c"
	[[ $stderr = "credit: $BATS_TEST_TMPDIR/c:1: metadata book="*" conflicts with book="*" ($BATS_TEST_TMPDIR/a:1)" ]]
	# alone, it is checked against the merge's own run
	run -1 --separate-stderr credit -l "$POOL" -r 0.2 -n 100 --merge "$BATS_TEST_TMPDIR/c"
	[[ $stderr = "credit: $BATS_TEST_TMPDIR/c:"*": another run's partial: book="*", this run has book="* ]]
	run -1 --separate-stderr credit -l "$POOL" -r 0.2 -n 100 --merge "$POOL"
	[ "$stderr" = "credit: $POOL:2: not a credit partial" ]
	[ "$output" = "" ]
}

@test "a write error is an error" {
	run -1 --separate-stderr bash -c 'credit -l "$1" -r 0.2 -n 100 >/dev/full' - "$POOL"
	[ "$stderr" = "credit: write error: No space left on device" ]
	credit -l "$POOL" -r 0.2 -n 1000 -a 0.99 >"$BATS_TEST_TMPDIR/a"
	run -1 --separate-stderr credit -l "$POOL" -r 0.2 -n 1000 -a 0.99 --merge --contributions /dev/full "$BATS_TEST_TMPDIR/a"
	[ "$stderr" = "credit: /dev/full: write error" ]
}

@test "make credit: table, contributions and picture; bad variables refused up front" {
	not_sanitized
	cd "$BATS_TEST_TMPDIR"
	run -0 env PATH="$BUILD/bin:$ROOT/pipeline:$PATH" OUT="$BATS_TEST_TMPDIR/out" SCENARIOS=20000 \
		SHARDS=3 JOBS=2 IS=1 "$ROOT/pipeline/credit"
	[ "$(rows "$BATS_TEST_TMPDIR/out/credit.tsv" | cut -f1 | tr '\n' ' ')" = "EL VaR ES " ]
	[ "$(grep -v '^#' "$BATS_TEST_TMPDIR/out/credit.tsv" | head -1)" = \
	  "$(printf 'name\testimate\tstderr\tci95_low\tci95_high\tscenarios')" ]
	[ "$(rows "$BATS_TEST_TMPDIR/out/credit-contributions.tsv" | wc -l)" -eq 200 ]
	[ "$(head -c 4 "$BATS_TEST_TMPDIR/out/credit.png" | tail -c 3)" = PNG ]
	# the same table from one shard
	env PATH="$BUILD/bin:$ROOT/pipeline:$PATH" OUT="$BATS_TEST_TMPDIR/out1" SCENARIOS=20000 \
		SHARDS=1 JOBS=1 IS=1 "$ROOT/pipeline/credit" >/dev/null
	cmp "$BATS_TEST_TMPDIR/out/credit.tsv" "$BATS_TEST_TMPDIR/out1/credit.tsv"
	for bad in "RHO=1" "COPULA=frank" "NU=4" "LEVEL=0" "SCENARIOS=-3" "IS=2" "SHARDS=0" \
	           "JOBS=x" "SEED=1;ls" "LOANS=/nonexistent"; do
		run -2 --separate-stderr env PATH="$BUILD/bin:$ROOT/pipeline:$PATH" OUT="$BATS_TEST_TMPDIR/bad" "$bad" \
			"$ROOT/pipeline/credit"
		[[ $stderr = "credit: $bad: "* ]]
	done
	[ ! -e "$BATS_TEST_TMPDIR/bad" ]
	run -1 --separate-stderr env PATH="$BUILD/bin:$ROOT/pipeline:$PATH" OUT="$BATS_TEST_TMPDIR/bad" \
		LOANS="$F/pd-zero.tsv" "$ROOT/pipeline/credit"
	[ "$stderr" = "credit: $F/pd-zero.tsv:3: pd 0 outside (0, 1)" ]
}

@test "the man page's examples" {
	not_sanitized
	cp -r "$ROOT/data" "$BATS_TEST_TMPDIR/data"
	man_examples "$ROOT/tools/credit.1"
}

@test "bench/credit-bench runs end to end (briefly: its numbers mean nothing here)" {
	not_sanitized
	run -0 --separate-stderr "$ROOT/bench/credit-bench" --repeat 1 --scenarios 10000 --is-scenarios 20000
	echo "$output"
	grep -qE '^   ES stderr ratio plain/IS: [0-9.]+x \(goal >= 10x: met\);' <<<"$output"
	[ "$(grep -cE '^     mcpipe is [0-9.]+x faster \(wall\), [0-9.]+x \(CPU\)' <<<"$output")" -eq 2 ]
}

@test "--rows: each scenario's loss is its defaulters', the same in any slice" {
	credit -l "$ROOT/data/loans.tsv" --sectors "$ROOT/data/sectors.tsv" -r 0.2 --rows -n 3000 >"$BATS_TEST_TMPDIR/all"
	credit -l "$ROOT/data/loans.tsv" --sectors "$ROOT/data/sectors.tsv" -r 0.2 --rows -n 3000 \
		--first 1234 --count 17 >"$BATS_TEST_TMPDIR/slice"
	diff <(rows "$BATS_TEST_TMPDIR/all" | sed -n '1235,1251p') <(rows "$BATS_TEST_TMPDIR/slice")
	# the loss is the sum of exposure x lgd over the named defaulters
	awk -F '\t' 'FNR == NR { if (!/^#/ && $1 != "obligor") v[$1] = $2 * $4; next }
		/^#/ || $1 == "scenario" { next }
		{ s = 0; n = 0
		  if ($5 != "-") { n = split($5, d, ","); for (i = 1; i <= n; i++) s += v[d[i]] }
		  if (n != $4 || (s - $2) ^ 2 > 1e-6 * ($2 + 1) ^ 2) { print "scenario " $1 ": " s " vs " $2; exit 1 }
		  m++ }
		END { exit !(m == 3000) }' "$ROOT/data/loans.tsv" "$BATS_TEST_TMPDIR/all"
	usage_fails "--rows and --merge: choose one" -l "$POOL" -r 0.2 --rows --merge
}

# Obligors with their own PDs are drawn in blocks by thinning: each must
# still default with its own probability. Per obligor z = (count - N pd) /
# sqrt(N pd (1 - pd)) over N independent scenarios: every |z| < 4.5 and
# sum z^2 (40 degrees of freedom) below 40 + 6 sqrt(80).
@test "each obligor defaults with its own PD (thinning within blocks)" {
	not_sanitized
	for copula in "" "-c t --nu 5"; do
		# shellcheck disable=SC2086
		credit -l "$F/distinct.tsv" --sectors "$F/sectors.tsv" -r 0.3 $copula --rows -n 40000 --seed 4 |
			awk -F '\t' 'FNR == NR { if (!/^#/ && $1 != "obligor") pd[$1] = $3; next }
				/^#/ || $1 == "scenario" { next }
				{ n++; if ($5 != "-") { k = split($5, d, ","); for (i = 1; i <= k; i++) c[d[i]]++ } }
				END { for (o in pd) { z = (c[o] - n * pd[o]) / sqrt(n * pd[o] * (1 - pd[o]))
				                      chi += z * z; if (z * z > m) m = z * z; count++ }
				      printf "%d obligors, %d scenarios, chi2 %.1f, max |z| %.2f\n", count, n, chi, sqrt(m)
				      exit !(count == 40 && n == 40000 && m < 4.5 ^ 2 && chi < 40 + 6 * sqrt(80)) }' \
				"$F/distinct.tsv" -
	done
}

@test "kill -TERM of make credit mid-run: GNU parallel and every shard stop with it, nothing of it left" {
	not_sanitized
	cd "$BATS_TEST_TMPDIR"
	# (10^7 scenarios in 2 shards: each runs for seconds; the run is
	# stopped once a shard runs. Before: parallel and the shards went on,
	# holding OUT's lock)
	OUT="$BATS_TEST_TMPDIR/out" SCENARIOS=10000000 SHARDS=2 JOBS=2 \
		stopped_mid_run credit-shard "$ROOT/pipeline/credit"
	[ ! -e "$BATS_TEST_TMPDIR/out/credit.tsv" ]
	[ -z "$(find "$BATS_TEST_TMPDIR/out" -name '*.tmp.*')" ]
}
