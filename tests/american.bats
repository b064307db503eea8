#!/usr/bin/env bats
# American options: exercise on hand-made rules and paths with known cash
# flows, the round trip from lsmfit's table to exercise's decisions, every
# refusal of exercise with its exact message; then the numbers (Longstaff
# and Schwartz's Table 1, the American call without dividends) and
# `make price PAYOFF=american-put` end to end.

bats_require_minimum_version 1.5.0
load test_helper

TRY="Try 'exercise --help' for more information."
TOOL=exercise
RULE="$FIXTURES/american/rule.tsv"     # put, K = 100, r = 0, 4 dates, basis 1
PATHS="$FIXTURES/american/paths.tsv"   # 8 hand-made paths of the same model

setup() {
	export HOME="$BATS_TEST_TMPDIR"   # GNU parallel keeps its state here
}

# cash_flows ARGS...: exercise's rows (no metadata, no header) on one line.
cash_flows() {
	exercise "$@" | rows | paste -s -d ' ' -
}

# fixture FILE SED-SCRIPT: a copy of FILE edited by SED-SCRIPT; prints its name.
fixture() {
	local out
	out=$(mktemp "$BATS_TEST_TMPDIR/fixture.XXXXXX")
	sed "$2" "$1" >"$out"
	echo "$out"
}

# data_fails MESSAGE ARGS...: exit 1, nothing on stdout, exactly "exercise: MESSAGE".
data_fails() {
	local message=$1
	shift
	run -1 --separate-stderr exercise "$@"
	echo "stderr: $stderr"
	[ "$output" = "" ]
	[ "$stderr" = "exercise: $message" ]
}

# --- the exercise rule on hand-made paths -------------------------------------
# The rule: continuation 15 at date 1, S - 85 at date 2, nothing in the
# money at date 3 (itm 0), intrinsic at date 4. The paths:
#   90 95 60 97 | 80 70 60 130 | 95 92 50 130 | 101 93 90 90
#   110 120 130 140 | 100 100 100 100 | 120 110 105 95 | 85 200 200 200

@test "put: exercised at the first date where 0 < intrinsic >= continuation" {
	# 1: 10 < 15, 5 < 10, date 3 closed, 3 at maturity; 2: 20 >= 15 at once;
	# 3: 8 >= 7 at date 2; 4: 7 < 8, then 10 at maturity; 5, 6: never in the
	# money; 7: 5 at maturity; 8: 15 >= 15, a tie exercises
	run -0 cash_flows -c "$RULE" "$PATHS"
	[ "$output" = "3 20 8 10 0 0 5 15" ]
}

@test "call: the same rule with the call's intrinsic value" {
	run -0 cash_flows -c "$(fixture "$RULE" s/american-put/american-call/)" "$PATHS"
	[ "$output" = "0 30 30 0 40 0 20 100" ]
}

@test "a date where no training path was in the money is never an exercise date" {
	# open date 3 (continuation 0): path 1 now takes 40 there
	run -0 cash_flows -c "$(fixture "$RULE" 's/^3\t0.75\t0\t/3\t0.75\t5\t/')" "$PATHS"
	[ "$output" = "40 20 8 10 0 0 5 15" ]
}

@test "cash flows are discounted at r from the exercise date" {
	run -0 cash_flows -c "$(fixture "$RULE" 's/ r=0 / r=0.05 /')" "$(fixture "$PATHS" 's/ r=0 / r=0.05 /')"
	python3 - "$output" <<-'EOF'
	import math, sys
	got = [float(x) for x in sys.argv[1].split()]
	want = [3 * math.exp(-0.05), 20 * math.exp(-0.0125), 8 * math.exp(-0.025),
	        10 * math.exp(-0.05), 0, 0, 5 * math.exp(-0.05), 15 * math.exp(-0.0125)]
	assert all(abs(g - w) <= 1e-15 * w for g, w in zip(got, want)), (got, want)
	EOF
}

@test "metadata passes through; exercise adds its line with bias=low, then 'price'" {
	run -0 exercise -c "$RULE" "$PATHS"
	[ "${lines[0]}" = "$(head -n 1 "$PATHS")" ]
	[ "${lines[1]}" = "# tool=exercise payoff=american-put strike=100 basis=1 training_seed=5 training_paths=1000 bias=low" ]
	[ "${lines[2]}" = "price" ]
	[ "${lines[3]}" = "# shard=0 first=0 count=8 seed=1" ]
	[ "${#lines[@]}" -eq 12 ]
}

@test "--hex writes exact C99 hex floats" {
	run -0 cash_flows -x -c "$RULE" "$PATHS"
	[ "$output" = "0x1.8p+1 0x1.4p+4 0x1p+3 0x1.4p+3 0x0p+0 0x0p+0 0x1.4p+2 0x1.ep+3" ]
}

@test "antithetic pairs: one row per pair, the mean of the two" {
	run -0 cash_flows -c "$RULE" "$(fixture "$PATHS" 's/antithetic=0/antithetic=1/')"
	[ "$output" = "11.5 9 0 10" ]
	data_fails "$BATS_TEST_TMPDIR/odd.tsv:10: antithetic stream ends inside a pair" \
		-c "$RULE" "$(head -n -1 "$PATHS" | sed 's/antithetic=0/antithetic=1/' >"$BATS_TEST_TMPDIR/odd.tsv"; echo "$BATS_TEST_TMPDIR/odd.tsv")"
}

# --- lsmfit to exercise ----------------------------------------------------------

@test "round trip: on its own training paths, exercise reproduces lsmfit's in-sample mean bit for bit" {
	simpaths --s0 36 --rate 0.06 --steps 10 --emit path --training --count 3000 --seed 4 >"$BATS_TEST_TMPDIR/train.tsv"
	lsmfit -K 40 "$BATS_TEST_TMPDIR/train.tsv" >"$BATS_TEST_TMPDIR/rule.tsv"
	in_sample=$(head -n 1 "$BATS_TEST_TMPDIR/rule.tsv" | sed 's/.* in_sample=//')
	run -0 bash -c 'sed "s/ stream=training//" "$1" | exercise -c "$2" | aggregate' _ \
		"$BATS_TEST_TMPDIR/train.tsv" "$BATS_TEST_TMPDIR/rule.tsv"
	[ "$(printf '%s\n' "${lines[@]}" | awk -F '\t' '$1 == "price" { print $2 }')" = "$in_sample" ]
}

@test "the rows do not depend on the shard split or on hex between the stages" {
	simpaths --s0 36 --rate 0.06 --steps 10 --emit path --training --count 2000 | lsmfit -K 40 >"$BATS_TEST_TMPDIR/rule.tsv"
	genseeds -n 1000 --seed 3 | simpaths --s0 36 --rate 0.06 --steps 10 --emit path |
		exercise -c "$BATS_TEST_TMPDIR/rule.tsv" | rows >"$BATS_TEST_TMPDIR/one.txt"
	genseeds -n 1000 -s 7 --seed 3 | simpaths --s0 36 --rate 0.06 --steps 10 --emit path -x |
		exercise -c "$BATS_TEST_TMPDIR/rule.tsv" | rows >"$BATS_TEST_TMPDIR/seven.txt"
	cmp "$BATS_TEST_TMPDIR/one.txt" "$BATS_TEST_TMPDIR/seven.txt"
}

@test "with one date there is no early exercise: the European put and call, bit for bit" {
	simpaths --s0 36 --rate 0.06 --emit path --count 2000 --seed 3 >"$BATS_TEST_TMPDIR/paths.tsv"
	for kind in put call; do
		simpaths --s0 36 --rate 0.06 --emit path --training --count 500 |
			lsmfit -p american-$kind -K 38 >"$BATS_TEST_TMPDIR/rule.tsv"
		cmp <(exercise -c "$BATS_TEST_TMPDIR/rule.tsv" "$BATS_TEST_TMPDIR/paths.tsv" | rows) \
		    <(payoff -p $kind -K 38 "$BATS_TEST_TMPDIR/paths.tsv" | rows)
	done
}

@test "the training stream is not the pricing stream: same seed, different paths" {
	simpaths --steps 3 --emit path --count 200 --seed 5 >"$BATS_TEST_TMPDIR/pricing.tsv"
	simpaths --steps 3 --emit path --count 200 --seed 5 --training >"$BATS_TEST_TMPDIR/training.tsv"
	[ "$(head -n 1 "$BATS_TEST_TMPDIR/training.tsv")" = "$(head -n 1 "$BATS_TEST_TMPDIR/pricing.tsv") stream=training" ]
	# no price in common, at any date
	[ "$(cat <(rows "$BATS_TEST_TMPDIR/pricing.tsv") <(rows "$BATS_TEST_TMPDIR/training.tsv") |
	     tr '\t' '\n' | sort | uniq -d | wc -l)" -eq 0 ]
	# and the training stream is as reproducible as the pricing one
	cmp "$BATS_TEST_TMPDIR/training.tsv" <(simpaths --steps 3 --emit path --count 200 --seed 5 --training)
}

# --- refusals ------------------------------------------------------------------

@test "refuses a rule fitted for another model: sigma, s0, r, q, T, steps, model" {
	data_fails "stdin:3: sigma=0.3, but $RULE was fitted for sigma=0.2" -c "$RULE" \
		< <(sed 's/sigma=0.2/sigma=0.3/' "$PATHS")
	data_fails "stdin:3: s0=90, but $RULE was fitted for s0=100" -c "$RULE" \
		< <(sed 's/s0=100/s0=90/' "$PATHS")
	data_fails "stdin:3: r=0.01, but $RULE was fitted for r=0" -c "$RULE" \
		< <(sed 's/ r=0 / r=0.01 /' "$PATHS")
	data_fails "stdin:3: q=0.02, but $RULE was fitted for q=0" -c "$RULE" \
		< <(sed 's/ q=0 / q=0.02 /' "$PATHS")
	data_fails "stdin:3: T=2, but $RULE was fitted for T=1" -c "$RULE" \
		< <(sed 's/ T=1 / T=2 /' "$PATHS")
	data_fails "stdin:3: steps=5, but $RULE was fitted for steps=4" -c "$RULE" \
		< <(sed 's/steps=4/steps=5/' "$PATHS")
	data_fails "stdin:3: model=heston, but $RULE was fitted for model=gbm" -c "$RULE" \
		< <(sed 's/model=gbm/model=heston/' "$PATHS")
}

@test "refuses a rule for another payoff or strike than -p and -K ask for" {
	data_fails "$RULE: fitted for payoff=american-put, not --payoff american-call" \
		-c "$RULE" -p american-call "$PATHS"
	data_fails "$RULE: fitted for strike=100, not --strike 90" -c "$RULE" -K 90 "$PATHS"
	run -0 exercise -c "$RULE" -p american-put -K 100 "$PATHS"
}

@test "refuses a missing or empty coefficient file" {
	data_fails "nope.tsv: cannot open: No such file or directory" -c nope.tsv "$PATHS"
	: >"$BATS_TEST_TMPDIR/empty.tsv"
	data_fails "$BATS_TEST_TMPDIR/empty.tsv: no coefficient table (was the file written by lsmfit?)" \
		-c "$BATS_TEST_TMPDIR/empty.tsv" "$PATHS"
}

@test "refuses malformed coefficients: numbers, columns, dates, metadata" {
	f=$(fixture "$RULE" '3s/\t15\t/\tabc\t/')
	data_fails "$f:3: invalid number in column 4 (c0): 'abc'" -c "$f" "$PATHS"
	f=$(fixture "$RULE" '3s/^1\t0.25\t10/1\t0.25\tx/')
	data_fails "$f:3: itm 'x': not a path count" -c "$f" "$PATHS"
	f=$(fixture "$RULE" 4d)
	data_fails "$f:4: date '3': expected 2 (dates 1..4 in order)" -c "$f" "$PATHS"
	f=$(fixture "$RULE" '$d')
	data_fails "$f: 3 dates, but steps=4" -c "$f" "$PATHS"
	f=$(fixture "$RULE" '$p')
	data_fails "$f:7: date '4': expected 5 (dates 1..4 in order)" -c "$f" "$PATHS"
	f=$(fixture "$RULE" 's/basis=1/basis=2/')
	data_fails "$f:3: no column 'c2' in the coefficient table" -c "$f" "$PATHS"
	f=$(fixture "$RULE" 's/ payoff=american-put//')
	data_fails "$f:3: metadata has no payoff= (was the file written by lsmfit?)" -c "$f" "$PATHS"
	f=$(fixture "$RULE" 's/american-put/put/')
	data_fails "$f:3: payoff=put: not american-put or american-call" -c "$f" "$PATHS"
	f=$(fixture "$RULE" 's/strike=100/strike=-1/')
	data_fails "$f:3: strike=-1: not positive" -c "$f" "$PATHS"
	f=$(fixture "$RULE" 's/ sigma=0.2//')
	data_fails "$f: metadata has no valid sigma= (was the file written by lsmfit?)" -c "$f" "$PATHS"
}

@test "refuses a stream without whole paths, or with a gap in S1..Sn" {
	data_fails "stdin:3: exercise needs whole paths: no column S1 (simpaths --emit path)" -c "$RULE" \
		< <(sed 's/emit=path/emit=summary/' "$PATHS" | sed '2s/.*/ST\tavg\tgeo\tmax/')
	data_fails "stdin:3: path columns S1..S4 are incomplete: no S3" -c "$RULE" \
		< <(sed '2s/S3/S5/' "$PATHS")
}

@test "refuses training paths: the price must come from independent paths" {
	data_fails "stdin:3: these are training paths (stream=training): price independent paths (simpaths without --training)" \
		-c "$RULE" < <(sed '1s/$/ stream=training/' "$PATHS")
}

@test "refuses bad prices and empty input" {
	data_fails "stdin:4: non-positive price in column 2 (S2): '-95'" -c "$RULE" \
		< <(sed 's/^90\t95/90\t-95/' "$PATHS")
	data_fails "stdin:11: invalid number in column 4 (S4): 'nan'" -c "$RULE" \
		< <(sed 's/^85\t200\t200\t200/85\t200\t200\tnan/' "$PATHS")
	data_fails "stdin: no header: empty input?" -c "$RULE" </dev/null
}

@test "usage errors: no -c, unknown payoff, bad strike" {
	usage_fails "--coefficients is required (lsmfit's output)" "$PATHS"
	usage_fails "--payoff: 'put' is not american-put or american-call" -c "$RULE" -p put
	usage_fails "--strike: '0' must be positive" -c "$RULE" -K 0
	run -2 --separate-stderr exercise --bogus
	[ "${stderr_lines[0]}" = "exercise: unrecognized option '--bogus'" ]
}

@test "reports a full disk: write error on /dev/full" {
	[ -w /dev/full ] || skip "no /dev/full"
	run -1 --separate-stderr bash -c 'exercise -c "$1" "$2" >/dev/full' _ "$RULE" "$PATHS"
	[ "$stderr" = "exercise: write error: No space left on device" ]
}

@test "--help prints the usage on stdout and exits 0; --version the version" {
	run -0 --separate-stderr exercise --help
	[ "${lines[0]}" = "usage: exercise -c coefficients [-p american-put|american-call] [-K strike]" ]
	[ "${lines[1]}" = "                [-u inner] [-x] [file ...]" ]
	[ "$stderr" = "" ]
	run -0 exercise --version
	[[ "$output" == "exercise (mcpipe) "* ]]
}

@test "the man page's synopsis is the --help usage" {
	needs_package man-db man
	needs_package bsdextrautils col
	run -0 synopsis_of "$ROOT/tools/exercise.1"
	[ -n "$output" ]
	[ "$output" = "$(usage_of exercise)" ]
}

@test "the man page's examples run as shown" {
	not_sanitized   # 10^5 paths of 50 dates
	man_examples "$ROOT/tools/exercise.1"
}

# --- the upper bound (--upper) ------------------------------------------------------

# put10: a rule for the put S0 = 36, K = 40, r = 0.06 on 10 dates, fitted on
# 2000 training paths of seed 5, in $BATS_TEST_TMPDIR/put10.tsv.
put10() {
	simpaths --s0 36 --rate 0.06 --steps 10 --emit path --training --count 2000 --seed 5 |
		lsmfit -K 40 >"$BATS_TEST_TMPDIR/put10.tsv"
}

# outer SHARDS: the first 30 pricing paths of seed 5, in SHARDS shards.
outer() {
	genseeds --paths 30 --shards "$1" --seed 5 | simpaths --s0 36 --rate 0.06 --steps 10 --emit path
}

@test "--upper: a row per path, the same whatever the shards; its metadata and header" {
	put10
	d=$BATS_TEST_TMPDIR
	outer 1 | exercise -c "$d/put10.tsv" --upper 40 >"$d/one"
	outer 4 | exercise -c "$d/put10.tsv" --upper 40 >"$d/four"
	outer 4 | exercise -c "$d/put10.tsv" --upper 40 -x >"$d/four.hex"
	[ "$(rows "$d/one" | wc -l)" -eq 30 ]
	cmp <(rows "$d/one") <(rows "$d/four")
	cmp <(aggregate "$d/four" | rows) <(aggregate "$d/four.hex" | rows)
	run -0 grep '^# tool=exercise' "$d/one"
	[ "$output" = "# tool=exercise payoff=american-put strike=40 basis=3 training_seed=5 training_paths=2000 bound=upper inner=40 bias=high" ]
	[ "$(grep -v '^#' "$d/one" | head -n 1)" = upper ]
	# one number per path, not one for all
	[ "$(rows "$d/one" | sort -u | wc -l)" -gt 20 ]
}

# With one date there is nothing to exercise early: every row is an
# estimate of the European put from its inner paths, and their mean must be
# the closed form within 3 stderrs. 50 inner paths a row magnify any bias
# of order 1/inner: a control-variate slope fitted on the paths it corrects
# gave -0.156 here (z = -9).
@test "--upper: with one date, an unbiased estimate of the European price" {
	simpaths --steps 1 --emit path --training --count 2000 --seed 3 | lsmfit -K 100 \
		>"$BATS_TEST_TMPDIR/rule1.tsv"
	european=$(closed put)
	simpaths --steps 1 --emit path --count 2000 --seed 3 |
		exercise -c "$BATS_TEST_TMPDIR/rule1.tsv" --upper 50 | aggregate >"$BATS_TEST_TMPDIR/bound"
	awk -F '\t' -v want="$european" '$1 == "upper" {
		z = ($2 - want) / $3; print "upper", $2, "stderr", $3, "z", z; exit !(z > -3 && z < 3) }' \
		"$BATS_TEST_TMPDIR/bound"
}

@test "--upper: every refusal, with its message" {
	put10
	rule="$BATS_TEST_TMPDIR/put10.tsv"
	usage_fails "--upper: '0' must be between 1 and 2147483647" -c "$rule" --upper 0
	outer 1 >"$BATS_TEST_TMPDIR/outer"
	run -2 --separate-stderr exercise -c "$rule" --upper 1000000000 "$BATS_TEST_TMPDIR/outer"
	[ "${stderr_lines[0]}" = "exercise: --upper 1000000000: want 1 to 858993459 inner paths for 10 dates" ]
	data_fails "stdin:3: --upper: the paths are antithetic pairs (antithetic=1); the bound takes independent paths" \
		-c "$rule" --upper 5 < <(simpaths --s0 36 --rate 0.06 --steps 10 --emit path --count 2 --antithetic)
	data_fails "stdin:4: --upper: a row before any path range (# first= count=): its path index is unknown" \
		-c "$rule" --upper 5 < <(outer 1 | grep -v '^# shard=')
	data_fails "stdin:34: --upper: more rows than the range's count=29" \
		-c "$rule" --upper 5 < <(outer 1 | sed '/^# shard=/s/count=30/count=29/')
	data_fails "stdin:3: --upper: no seed= in the metadata: the inner paths are drawn from the outer paths' seed" \
		-c "$rule" --upper 5 < <(outer 1 | sed 's/ seed=5//' | grep -v '^# tool=genseeds')
	data_fails "stdin:4: --upper: seed=x5 is not a 64-bit seed" \
		-c "$rule" --upper 5 < <(outer 1 | sed 's/seed=5/seed=x5/g')
}

# --- the numbers ------------------------------------------------------------------
# Longstaff and Schwartz (2001), Table 1: American puts, K = 40, r = 0.06,
# 50 exercise dates a year; the finite-difference values. A CRR lattice
# (20000 steps a year, exercise on the 50 dates only) gives the same to
# 0.001, except S0 = 44, sigma = 0.4, T = 2: 5.641 (and sigma = 0.4,
# T = 2 runs a little high throughout, by 0.002 to 0.006), well inside the
# tolerance of 0.02 + 3 stderr. The estimate is low-biased, by about 0.01.

# table_point S0 SIGMA T VALUE: make price with 10^5 training and 10^5
# pricing paths agrees with VALUE within 0.02 + 3 stderr.
table_point() {
	local steps
	steps=$(awk -v t="$3" 'BEGIN { print 50 * t }')
	PAYOFF=american-put S0=$1 K=40 R=0.06 SIGMA=$2 T=$3 STEPS=$steps PATHS=100000 \
		TRAIN_PATHS=100000 UPPER=0 SHARDS=4 SEED=2001 OUT="$BATS_TEST_TMPDIR/out" run -0 price
	awk -F '\t' -v want="$4" -v point="$*" '$1 == "price" {
		d = $2 - want; d = d < 0 ? -d : d
		printf "%s: %.4f stderr %.4f, off by %.4f (allowed %.4f)\n", point, $2, $3, d, 0.02 + 3 * $3
		exit !(d <= 0.02 + 3 * $3) }' "$BATS_TEST_TMPDIR/out/price.tsv"
}

@test "Longstaff-Schwartz Table 1: S0 36, sigma 0.2, T 1 and 2" {
	not_sanitized
	table_point 36 0.2 1 4.478
	table_point 36 0.2 2 4.840
}

# The Andersen-Broadie bound of the same rule brackets the price from above:
# not below 4.478 by more than 3 of its stderrs, and within 0.015 (its bias
# from 500 inner paths is about 0.01) plus 3 stderrs above it; the low
# estimate below it, give or take 3 stderrs of the difference. Measured:
# 4.4845, stderr 0.0047. A martingale off by a term gives 7.5; the inner
# means without their control variate, 4.525.
@test "Longstaff-Schwartz Table 1, S0 36, sigma 0.2, T 1: the upper bound brackets the price" {
	not_sanitized
	PAYOFF=american-put S0=36 K=40 R=0.06 SIGMA=0.2 STEPS=50 PATHS=100000 \
		TRAIN_PATHS=100000 UPPER=300 INNER=500 SHARDS=4 SEED=2001 \
		OUT="$BATS_TEST_TMPDIR/out" run -0 price
	[[ "$output" == *"upper: the rule's Andersen-Broadie dual, a high-biased estimate"* ]]
	[[ "$output" == *"(300 outer paths x 500 inner paths a date, "* ]]
	awk -F '\t' '$1 == "price" { low = $2; low_se = $3 }
		$1 == "upper" { up = $2; up_se = $3; n = $6 }
		END {
			printf "low %.4f (%.4f), upper %.4f (%.4f) on %d paths\n", low, low_se, up, up_se, n
			exit !(n == 300 && up >= 4.478 - 3 * up_se && up <= 4.478 + 0.015 + 3 * up_se &&
			       low <= up + 3 * sqrt(low_se * low_se + up_se * up_se)) }' \
		"$BATS_TEST_TMPDIR/out/price.tsv"
}

@test "Longstaff-Schwartz Table 1: S0 36, sigma 0.4, T 1; S0 40, sigma 0.2, T 1" {
	not_sanitized
	table_point 36 0.4 1 7.101
	table_point 40 0.2 1 2.314
}

@test "Longstaff-Schwartz Table 1: S0 44, sigma 0.2, T 1; sigma 0.4, T 2" {
	not_sanitized
	table_point 44 0.2 1 1.110
	table_point 44 0.4 2 5.647
}

@test "Longstaff-Schwartz Table 1: the other fourteen points (expensive)" {
	not_sanitized
	expensive
	while read -r s0 sigma t value; do
		table_point "$s0" "$sigma" "$t" "$value"
	done <<-EOF
	36 0.4 2 8.508
	38 0.2 1 3.250
	38 0.2 2 3.745
	38 0.4 1 6.148
	38 0.4 2 7.670
	40 0.2 2 2.885
	40 0.4 1 5.312
	40 0.4 2 6.920
	42 0.2 1 1.617
	42 0.2 2 2.212
	42 0.4 1 4.582
	42 0.4 2 6.248
	44 0.2 2 1.690
	44 0.4 1 3.948
	EOF
}

@test "an American call without dividends is worth the European call, and so is its bound" {
	not_sanitized
	PAYOFF=american-call S0=40 K=40 R=0.06 SIGMA=0.2 STEPS=50 PATHS=100000 TRAIN_PATHS=100000 \
		UPPER=200 INNER=200 SHARDS=4 SEED=7 OUT="$BATS_TEST_TMPDIR/out" run -0 price
	[[ "$output" == *"closed form 4.395820"* ]]
	european=$(closedform --s0 40 -K 40 -r 0.06 --sigma 0.2 -p call | awk -F '\t' '$1 == "price" { print $2 }')
	awk -F '\t' -v want="$european" '$1 == "price" {
		z = ($2 - want) / $3; print "z =", z; exit !(z > -3 && z < 3) }' "$BATS_TEST_TMPDIR/out/price.tsv"
	# the bound: not below the value, and near it (the rule hardly ever
	# exercises early, and the inner paths bias it up by a few 0.001)
	awk -F '\t' -v want="$european" '$1 == "upper" {
		print "upper", $2, "stderr", $3; exit !($2 >= want - 3 * $3 && $2 <= want + 0.02 + 3 * $3) }' \
		"$BATS_TEST_TMPDIR/out/price.tsv"
}

# --- make price ----------------------------------------------------------------------

@test "make price PAYOFF=american-put: bias=low in price.tsv, the note, the rule kept" {
	not_sanitized
	PAYOFF=american-put K=110 STEPS=10 PATHS=20000 TRAIN_PATHS=5000 SHARDS=3 UPPER=0 \
		OUT="$BATS_TEST_TMPDIR/out" run -0 price
	[[ "$output" != *"upper"* ]]
	[[ "$output" == *"note   Longstaff-Schwartz: a low-biased estimate"* ]]
	[[ "$output" == *"fitted on 5000 independent training paths"* ]]
	run -0 head -n 1 "$BATS_TEST_TMPDIR/out/price.tsv"
	[[ "$output" == *" payoff=american-put strike=110 basis=3 training_seed=20261127 training_paths=5000 bias=low" ]]
	rule=$(ls "$BATS_TEST_TMPDIR"/out/runs/*/coefficients.tsv)
	[ "$(grep -c '^[0-9]' "$rule")" -eq 10 ]
	# the same as the pipeline typed by hand
	simpaths --normals ziggurat --steps 10 --emit path --training --count 5000 --seed 20261127 |
		lsmfit -K 110 >"$BATS_TEST_TMPDIR/rule.tsv"
	cmp "$rule" "$BATS_TEST_TMPDIR/rule.tsv"
	genseeds -n 20000 -s 2 --seed 20261127 | simpaths --normals ziggurat --steps 10 --emit path |
		exercise -c "$BATS_TEST_TMPDIR/rule.tsv" | aggregate >"$BATS_TEST_TMPDIR/hand.tsv"
	diff <(grep -v '^#' "$BATS_TEST_TMPDIR/out/price.tsv") <(grep -v '^#' "$BATS_TEST_TMPDIR/hand.tsv")
}

@test "make price american: a rerun reuses the rule and the shards; SHARDS and JOBS change no bit" {
	not_sanitized
	# the upper bound's shards too: 1, 7 and 5 of them
	export PAYOFF=american-put STEPS=8 PATHS=20000 TRAIN_PATHS=4000 UPPER=40 INNER=30
	OUT="$BATS_TEST_TMPDIR/a" SHARDS=1 run -0 price
	rule=$(ls "$BATS_TEST_TMPDIR"/a/runs/*/coefficients.tsv)
	touch -d '2000-01-01' "$rule"
	rm "$(dirname "$rule")/shard-0.part"
	OUT="$BATS_TEST_TMPDIR/a" SHARDS=1 run -0 price
	[ -z "$(find "$rule" -newermt '2000-01-02')" ]   # not refitted
	OUT="$BATS_TEST_TMPDIR/b" SHARDS=7 run -0 price
	OUT="$BATS_TEST_TMPDIR/c" SHARDS=5 JOBS=1 run -0 price
	cmp "$BATS_TEST_TMPDIR/a/price.tsv" "$BATS_TEST_TMPDIR/b/price.tsv"
	cmp "$BATS_TEST_TMPDIR/a/price.tsv" "$BATS_TEST_TMPDIR/c/price.tsv"
	# ANTITHETIC=1 prices (and fits the rule) on pairs; the bound's outer
	# paths stay independent paths (exercise --upper refuses pairs)
	OUT="$BATS_TEST_TMPDIR/d" SHARDS=3 ANTITHETIC=1 run -0 price
	[ "$(grep -c '^upper' "$BATS_TEST_TMPDIR/d/price.tsv")" -eq 1 ]
	grep -q 'antithetic=0' "$(ls -d "$BATS_TEST_TMPDIR"/d/runs/*/upper-40-30)/shard-0.part"
	grep -q 'antithetic=1' "$(ls -d "$BATS_TEST_TMPDIR"/d/runs/*)/shard-0.part"
}

@test "make price american: TRAIN_PATHS is part of the run; CONTROL=1 is refused" {
	not_sanitized
	export PAYOFF=american-put STEPS=4 PATHS=2000 OUT="$BATS_TEST_TMPDIR/out"
	TRAIN_PATHS=1000 run -0 price
	TRAIN_PATHS=2000 run -0 price
	[ "$(ls -d "$OUT"/runs/* | wc -l)" -eq 2 ]
	CONTROL=1 run -2 --separate-stderr price
	[ "$stderr" = "price: CONTROL=1: american-put has no control variate" ]
	UPPER=x run -2 --separate-stderr price
	[ "$stderr" = "price: UPPER=x: want a whole number from 0 to 1000000000 (decimal digits, no sign, no leading zero)" ]
	INNER=0 run -2 --separate-stderr price
	[ "$stderr" = "price: INNER=0: want a whole number from 1 to 2147483647" ]
	# UPPER's default: 1000 up to 50 dates, then 1000 (50/STEPS)^2, at least 100
	for case in 50:1000 70:510 252:100; do
		STEPS=${case%:*} PATHS=100 TRAIN_PATHS=100 run -0 prepare-run
		[[ "${lines[1]}" == */upper-"${case#*:}"-500 ]]
	done
	# exercise's own check, before any work
	INNER=3000000000 run -2 --separate-stderr price
	[ "$stderr" = "price: INNER=3000000000: want a whole number from 1 to 2147483647" ]
	# too large for the shell's arithmetic: refused, not dropped
	UPPER=99999999999999999999 run -2 --separate-stderr price
	[ "$stderr" = "price: UPPER=99999999999999999999: want a whole number from 0 to 1000000000" ]
	# TRAIN_PATHS=0, and a barrier, which no American payoff has
	TRAIN_PATHS=0 run -2 --separate-stderr price
	[ "$stderr" = "price: TRAIN_PATHS=0: want a whole number from 1 to 1000000000" ]
	BARRIER=120 run -2 --separate-stderr price
	[ "$stderr" = "price: BARRIER=120: american-put has no barrier" ]
}

# With a dividend yield the dual's control, the discounted price
# S_t e^{-(r-q)t}, has its known mean only with the right q (dual.c's
# forward discount): a wrong one biases every continuation value by beta
# times the error. Put S0=K=40 r=0.06 q=0.04 sigma=0.2 T=1, 10 dates; a
# rule fitted on 20000 training paths, its lower bound on 20000 pricing
# paths, the upper on 200 outer x 200 inner. A correct bound lies above
# the lower one (within 4 combined stderr: P = 3e-5 for a fresh seed) and,
# for a rule this good, close to it: the gap at most 0.05 + 4 combined
# stderr (measured: 0.007, upper 2.7708 +- 0.010, lower 2.7643 +- 0.023),
# and its own stderr at most 0.05: the dual's martingale takes out most of
# the variance of the payoff's maximum (measured 0.010). The forward
# discount at r + q gives an upper of 1.94, 30 stderr below; the maximum
# of the discounted payoffs without the martingale 4.15 +- 0.26.
@test "--upper with a dividend yield: above the lower bound and within 0.05 of it" {
	not_sanitized
	local d=$BATS_TEST_TMPDIR
	local model=(--s0 40 -r 0.06 -q 0.04 --sigma 0.2 -T 1 --steps 10)
	simpaths "${model[@]}" --emit path --training --count 20000 --seed 11 |
		lsmfit -p american-put -K 40 >"$d/rule.tsv"
	simpaths "${model[@]}" --emit path --count 20000 --seed 12 | exercise -c "$d/rule.tsv" |
		aggregate >"$d/low.tsv"
	simpaths "${model[@]}" --emit path --count 200 --seed 13 |
		exercise -c "$d/rule.tsv" --upper 200 | aggregate >"$d/up.tsv"
	awk -F '\t' -v low="$(field price 2 "$d/low.tsv")" -v low_se="$(field price 3 "$d/low.tsv")" \
		'$1 == "upper" {
			se = sqrt($3 ^ 2 + low_se ^ 2)
			printf "lower %.4f (%.4f), upper %.4f (%.4f), gap %.4f\n", low, low_se, $2, $3, $2 - low
			printf "upper stderr %.4f (at most 0.05)\n", $3
			found = 1; ok = $6 == 200 && $2 >= low - 4 * se && $2 - low <= 0.05 + 4 * se && $3 <= 0.05 }
		END { exit !(found && ok) }' "$d/up.tsv"
}
