#!/usr/bin/env bats
# payoff: every payoff on hand-made streams with known answers, barrier
# touches, in + out = vanilla, whole paths against summaries, antithetic
# pairs, metadata, hex output, and every refusal with its exact message.

bats_require_minimum_version 1.5.0
load test_helper

TRY="Try 'payoff --help' for more information."
TOOL=payoff
SUMMARY="$FIXTURES/payoff/summary.tsv"       # 7 paths, s0=100 r=0.05 T=1 steps=4
PATHS="$FIXTURES/payoff/path.tsv"            # the same 7 paths, whole (S1..S4)
ANTITHETIC="$FIXTURES/payoff/antithetic.tsv" # 3 pairs
TERMINAL="$FIXTURES/payoff/terminal.tsv"     # ST only

# prices FILE ARGS...: payoff's rows (no metadata, no header) on one line.
prices() {
	local file=$1
	shift
	payoff "$@" "$file" | rows | paste -s -d ' ' -
}

# r0 FILE: the fixture with r=0, so that the discount is exactly 1.
r0() {
	local out="$BATS_TEST_TMPDIR/r0-${1##*/}"
	sed 's/ r=0.05 / r=0 /' "$1" >"$out"
	echo "$out"
}

# discounted GOT UNDISCOUNTED: each value of GOT equals exp(-0.05 * 1) times
# the one of UNDISCOUNTED within 1e-15 relative (python3's exp, not ours).
discounted() {
	python3 - "$1" "$2" <<-'EOF'
	import math, sys
	got = [float(x) for x in sys.argv[1].split()]
	want = [math.exp(-0.05 * 1) * float(x) for x in sys.argv[2].split()]
	assert len(got) == len(want), (got, want)
	for g, w in zip(got, want):
	    assert abs(g - w) <= 1e-15 * abs(w), (g, w)
	EOF
}

# check PAYOFF-ARGS -- UNDISCOUNTED: exact with r=0, discounted with r=0.05.
check() {
	local args=() want
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	want=$2
	run -0 prices "$(r0 "$SUMMARY")" "${args[@]}"
	[ "$output" = "$want" ]
	run -0 prices "$SUMMARY" "${args[@]}"
	discounted "$output" "$want"
}

# data_fails MESSAGE ARGS...: exit 1 and exactly "payoff: MESSAGE".
data_fails() {
	local message=$1
	shift
	run -1 --separate-stderr payoff "$@"
	echo "stderr: $stderr"   # shown when the test fails
	[ "$stderr" = "payoff: $message" ]
}

# stream ROWS...: a summary stream (metadata, header) with the given rows.
stream() {
	echo '# tool=simpaths model=gbm s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=4 seed=7 paths=1 emit=summary antithetic=0'
	printf 'ST\tavg\tgeo\tmax\tmin\n'
	printf '%s\n' "$@"
}

# --- each payoff on the fixture: S_T avg geo max min per path ----------------
#   120 110   109   125 95  |  90 95 94.5 102 88  |  100 102.5 102 110 100
#   130 115   114   130 105 |  80 90 89.5  99 80  |  115 108 107.5 120 98
#   95  96    95.5  100 90

@test "call: max(S_T - K, 0), discounted" {
	check -p call -- "20 0 0 30 0 15 0"
	check -- "20 0 0 30 0 15 0"   # the default
	check -p call -K 95 -- "25 0 5 35 0 20 0"
}

@test "put: max(K - S_T, 0), discounted" {
	check -p put -- "0 10 0 0 20 0 5"
	check -p put --strike 120 -- "0 30 20 0 40 5 25"
}

@test "digital-call pays 1 when S_T > K, not at S_T = K" {
	check -p digital-call -- "1 0 0 1 0 1 0"
	check -p digital-call -K 120 -- "0 0 0 1 0 0 0"
}

@test "digital-put pays 1 when S_T < K, not at S_T = K" {
	check -p digital-put -- "0 1 0 0 1 0 1"
	check -p digital-put -K 90 -- "0 0 0 0 1 0 0"
}

@test "asian-call-arith and asian-put-arith use the arithmetic mean" {
	check -p asian-call-arith -- "10 0 2.5 15 0 8 0"
	check -p asian-put-arith -- "0 5 0 0 10 0 4"
}

@test "asian-call-geo and asian-put-geo use the geometric mean" {
	check -p asian-call-geo -- "9 0 2 14 0 7.5 0"
	check -p asian-put-geo -- "0 5.5 0 0 10.5 0 4.5"
}

@test "lookback-call-float: S_T - min(S0, min), S0 counting in the minimum" {
	# path 4 never falls below 105: the minimum is S0 = 100
	check -p lookback-call-float -- "25 2 0 30 0 17 5"
}

@test "lookback-put-float: max(S0, max) - S_T, S0 counting in the maximum" {
	# path 5 never rises above 99: the maximum is S0 = 100
	check -p lookback-put-float -- "5 12 10 0 20 5 5"
}

@test "up-and-out-call: knocked out when max >= barrier, rebate paid then" {
	check -p up-and-out-call --barrier 125 -- "0 0 0 0 0 15 0"
	check -p up-and-out-call --barrier 125 --rebate 3 -- "3 0 0 3 0 15 0"
}

@test "up-and-out-call: max equal to the barrier is a touch (path 6, max 120)" {
	check -p up-and-out-call --barrier 120 --rebate 3 -- "3 0 0 3 0 3 0"
	check -p up-and-out-call --barrier 120.5 --rebate 3 -- "3 0 0 3 0 15 0"
}

@test "up-and-in-call: a call once max >= barrier, else the rebate" {
	check -p up-and-in-call --barrier 125 -- "20 0 0 30 0 0 0"
	check -p up-and-in-call --barrier 125 --rebate 3 -- "20 3 3 30 3 3 3"
	check -p up-and-in-call --barrier 120 -- "20 0 0 30 0 15 0"   # touch
}

@test "down-and-out-put: knocked out when min <= barrier, rebate paid then" {
	check -p down-and-out-put --barrier 85 -- "0 10 0 0 0 0 5"
	check -p down-and-out-put --barrier 85 --rebate 2 -- "0 10 0 0 2 0 5"
}

@test "down-and-out-put: min equal to the barrier is a touch (path 7, min 90)" {
	check -p down-and-out-put --barrier 90 --rebate 2 -- "0 2 0 0 2 0 2"
	check -p down-and-out-put --barrier 89.5 --rebate 2 -- "0 2 0 0 2 0 5"
}

@test "down-and-in-put: a put once min <= barrier, else the rebate" {
	check -p down-and-in-put --barrier 90 -- "0 10 0 0 20 0 5"   # path 7 touches
	check -p down-and-in-put --barrier 85 -- "0 0 0 0 20 0 0"
	check -p down-and-in-put --barrier 85 --rebate 2 -- "2 2 2 2 20 2 2"
}

@test "a rebate of 0 given explicitly is the same as none" {
	run -0 prices "$SUMMARY" -p up-and-out-call --barrier 125 --rebate 0
	want=$output
	run -0 prices "$SUMMARY" -p up-and-out-call --barrier 125
	[ "$output" = "$want" ]
}

# --- in + out = vanilla, path by path, on a real simulation ------------------

# sum_matches VANILLA IN OUT: per row, in + out == vanilla exactly, and both
# the in and the out legs are non-zero somewhere (the barrier is exercised).
sum_matches() {
	paste "$@" | awk -F '\t' '
		NF != 3 { bad = 1 }
		$2 + $3 != $1 { bad = 1; print "row " NR ": " $0 }
		$2 > 0 { ins++ }
		$3 > 0 { outs++ }
		END { print NR " rows, " ins " in, " outs " out"; exit bad || NR != 10000 || !ins || !outs }'
}

@test "up-and-in + up-and-out = call, path by path (10000 paths, rebate 0)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 10000 --steps 12 --emit summary --seed 11 >paths.tsv
	payoff -p call paths.tsv | rows >vanilla
	payoff -p up-and-in-call --barrier 115 paths.tsv | rows >in
	payoff -p up-and-out-call --barrier 115 paths.tsv | rows >out
	run -0 sum_matches vanilla in out
}

@test "down-and-in + down-and-out = put, path by path (10000 paths, rebate 0)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 10000 --steps 12 --emit summary --seed 12 >paths.tsv
	payoff -p put paths.tsv | rows >vanilla
	payoff -p down-and-in-put --barrier 90 paths.tsv | rows >in
	payoff -p down-and-out-put --barrier 90 paths.tsv | rows >out
	run -0 sum_matches vanilla in out
}

# --- whole paths and summaries -----------------------------------------------

@test "a whole-path stream prices as its summary does, exactly (but geo)" {
	for p in call put digital-call digital-put asian-call-arith asian-put-arith \
	         lookback-call-float lookback-put-float; do
		[ "$(prices "$PATHS" -p "$p")" = "$(prices "$SUMMARY" -p "$p")" ]
	done
	[ "$(prices "$PATHS" -p up-and-out-call --barrier 120)" = \
	  "$(prices "$SUMMARY" -p up-and-out-call --barrier 120)" ]
	[ "$(prices "$PATHS" -p down-and-in-put --barrier 90 --rebate 1)" = \
	  "$(prices "$SUMMARY" -p down-and-in-put --barrier 90 --rebate 1)" ]
}

@test "a whole-path stream: the geometric mean is that of S1..S4" {
	run -0 prices "$PATHS" -p asian-call-geo
	python3 - "$output" "$PATHS" <<-'EOF'
	import math, sys
	got = [float(x) for x in sys.argv[1].split()]
	rows = [l.split() for l in open(sys.argv[2]) if l[0].isdigit()]
	for g, row in zip(got, rows):
	    geo = math.exp(sum(math.log(float(s)) for s in row) / len(row))
	    want = math.exp(-0.05) * max(geo - 100, 0)
	    assert abs(g - want) <= 1e-13 * 100, (g, want)
	assert len(got) == len(rows) == 7
	EOF
}

@test "simpaths --emit path and --emit summary give the same prices (but geo)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 2000 --steps 6 --emit path --seed 3 >path.tsv
	simpaths --count 2000 --steps 6 --emit summary --seed 3 >summary.tsv
	for p in call put digital-call digital-put asian-call-arith asian-put-arith \
	         lookback-call-float lookback-put-float; do
		payoff -p "$p" path.tsv | rows >a
		payoff -p "$p" summary.tsv | rows >b
		cmp a b
	done
	payoff -p up-and-out-call --barrier 110 path.tsv | rows >a
	payoff -p up-and-out-call --barrier 110 summary.tsv | rows >b
	cmp a b
	payoff -p down-and-in-put --barrier 95 path.tsv | rows >a
	payoff -p down-and-in-put --barrier 95 summary.tsv | rows >b
	cmp a b
}

@test "simpaths --emit path: the geometric Asian agrees with summary to 1e-12" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 2000 --steps 6 --emit path --seed 3 >path.tsv
	simpaths --count 2000 --steps 6 --emit summary --seed 3 >summary.tsv
	payoff -p asian-call-geo path.tsv | rows >a
	payoff -p asian-call-geo summary.tsv | rows >b
	[ "$(wc -l <a)" -eq 2000 ] && [ "$(wc -l <b)" -eq 2000 ] || false
	# every row: both columns numbers, within 1e-12 relative (of a price near 100)
	run -0 awk -F '\t' 'NR == FNR { a[FNR] = $1; next }
		$1 + 0 != $1 || a[FNR] + 0 != a[FNR] { print "not a number, row " FNR; exit 1 }
		{ d = a[FNR] - $1; if (d < 0) d = -d; if (d > 1e-12 * 100) { print "row " FNR ": " a[FNR] " " $1; exit 1 } }
		END { print FNR " rows agree" }' a b
	[ "$output" = "2000 rows agree" ]
}

# --- antithetic pairs ----------------------------------------------------------

@test "antithetic=1: each pair of rows gives one row, the mean of the two" {
	run -0 prices "$(r0 "$ANTITHETIC")" -p call
	[ "$output" = "10 7 15" ]     # (20+0)/2 (10+4)/2 (0+30)/2
	run -0 prices "$(r0 "$ANTITHETIC")" -p put
	[ "$output" = "10 0 5" ]      # (0+20)/2 (0+0)/2 (10+0)/2
	run -0 prices "$ANTITHETIC" -p call
	discounted "$output" "10 7 15"
}

@test "antithetic=1: one row per path, as the range's count= says" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 500 --antithetic --emit summary --steps 2 >anti.tsv
	[ "$(rows anti.tsv | wc -l)" -eq 1000 ]
	payoff anti.tsv >priced.tsv
	[ "$(rows priced.tsv | wc -l)" -eq 500 ]
	grep -qx '# shard=0 first=0 count=500 seed=1' priced.tsv
}

# --- metadata and output ---------------------------------------------------------

@test "metadata passes through; payoff adds tool, payoff and strike" {
	run -0 payoff -p put -K 95 "$(r0 "$SUMMARY")"
	expected='# tool=simpaths model=gbm s0=100 r=0 q=0 sigma=0.2 T=1 steps=4 seed=7 paths=7 emit=summary antithetic=0
# tool=payoff payoff=put strike=95
price
# shard=0 first=0 count=7 seed=7
0
5
0
0
15
0
0'
	[ "$output" = "$expected" ]
}

@test "barrier payoffs add barrier and rebate; lookbacks name no strike" {
	run -0 payoff -p down-and-out-put --barrier 85.5 --rebate 0.25 "$SUMMARY"
	[ "${lines[1]}" = "# tool=payoff payoff=down-and-out-put strike=100 barrier=85.5 rebate=0.25" ]
	run -0 payoff -p up-and-in-call --barrier 130 "$SUMMARY"
	[ "${lines[1]}" = "# tool=payoff payoff=up-and-in-call strike=100 barrier=130 rebate=0" ]
	run -0 payoff -p lookback-put-float "$SUMMARY"
	[ "${lines[1]}" = "# tool=payoff payoff=lookback-put-float" ]
}

@test "metadata after the header (every shard's range line) passes through in place" {
	cd "$BATS_TEST_TMPDIR"
	genseeds -n 10 -s 3 --seed 5 | simpaths --emit terminal >paths.tsv
	payoff paths.tsv >priced.tsv
	[ "$(grep -c '^#' priced.tsv)" -eq 6 ]   # genseeds, simpaths, payoff, 3 ranges
	diff <(grep '^# shard' paths.tsv) <(grep '^# shard' priced.tsv)
	# each range line sits where its paths begin: 4, 3 and 3 rows
	run -0 awk '/^# shard/ { if (n) printf "%d ", n; n = 0; next } !/^#/ && NR > 4 { n++ } END { print n }' priced.tsv
	[ "$output" = "4 3 3" ]
}

@test "--hex writes C99 hex floats that read back as the decimal values" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 300 --steps 4 --emit summary --seed 9 >paths.tsv
	payoff -x -p asian-call-arith paths.tsv | rows >hex
	payoff -p asian-call-arith paths.tsv | rows >dec
	grep -q '^0x1\.' hex
	python3 - hex dec <<-'EOF'
	import sys
	hexes = [float.fromhex(l) for l in open(sys.argv[1])]
	decs = [float(l) for l in open(sys.argv[2])]
	assert len(hexes) == len(decs) == 300
	assert hexes == decs
	EOF
}

@test "a header and no rows: payoff's own header and no prices" {
	run -0 --separate-stderr payoff <(stream)
	[ "${lines[1]}" = "# tool=payoff payoff=call strike=100" ]
	[ "${lines[2]}" = "price" ]
	[ "${#lines[@]}" -eq 3 ]
}

# --- usage errors: exit 2 ---------------------------------------------------------

@test "rejects an unknown payoff" {
	usage_fails "--payoff: unknown payoff 'straddle'" -p straddle "$SUMMARY"
}

@test "rejects american-put: Longstaff-Schwartz prices it, not payoff" {
	usage_fails "--payoff: american-put is priced by Longstaff-Schwartz, not by payoff" \
		-p american-put "$SUMMARY"
	usage_fails "--payoff: american-call is priced by Longstaff-Schwartz, not by payoff" \
		-p american-call "$SUMMARY"
}

@test "rejects a barrier payoff without --barrier" {
	usage_fails "--payoff: up-and-out-call needs --barrier" -p up-and-out-call "$SUMMARY"
	usage_fails "--payoff: down-and-in-put needs --barrier" -p down-and-in-put --rebate 1 "$SUMMARY"
}

@test "rejects an up barrier at or below s0" {
	usage_fails "--barrier: an up barrier must lie above s0=100" \
		-p up-and-out-call --barrier 90 "$SUMMARY"
	usage_fails "--barrier: an up barrier must lie above s0=100" \
		-p up-and-in-call --barrier 100 "$SUMMARY"
}

@test "rejects a down barrier at or above s0" {
	usage_fails "--barrier: a down barrier must lie below s0=100" \
		-p down-and-out-put --barrier 110 "$SUMMARY"
	usage_fails "--barrier: a down barrier must lie below s0=100" \
		-p down-and-in-put --barrier 100 "$SUMMARY"
}

@test "rejects --barrier with a payoff that has none" {
	usage_fails "--barrier: call has no barrier" --barrier 120 "$SUMMARY"
	usage_fails "--barrier: asian-put-geo has no barrier" -p asian-put-geo --barrier 90 "$SUMMARY"
}

@test "rejects --rebate with a payoff that has no barrier" {
	usage_fails "--rebate: put has no barrier" -p put --rebate 1 "$SUMMARY"
	usage_fails "--rebate: lookback-call-float has no barrier" -p lookback-call-float --rebate 0 "$SUMMARY"
}

@test "rejects --strike with a floating lookback, which has none" {
	usage_fails "--strike: lookback-call-float has no strike (it is the path's extreme)" \
		-p lookback-call-float -K 90 "$SUMMARY"
	TOOL=simpaths usage_fails "--strike: lookback-put-float has no strike (it is the path's extreme)" \
		--count 3 --steps 4 -e summary -p lookback-put-float --strike 100
}

@test "rejects a zero or negative strike" {
	usage_fails "--strike: '-1' must be positive" -K -1 "$SUMMARY"
	usage_fails "--strike: '0' must be positive" --strike 0 "$SUMMARY"
}

@test "rejects a negative rebate and a non-positive barrier" {
	usage_fails "--rebate: '-0.5' must not be negative" -p up-and-out-call --barrier 120 --rebate -0.5 "$SUMMARY"
	usage_fails "--barrier: '0' must be positive" -p down-and-out-put --barrier 0 "$SUMMARY"
}

@test "rejects a non-numeric or NaN strike" {
	usage_fails "--strike: invalid number 'abc'" -K abc "$SUMMARY"
	usage_fails "--strike: invalid number 'nan'" -K nan "$SUMMARY"
}

@test "rejects a path-dependent payoff on a stream with steps=1" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 3 --steps 1 --emit summary >one.tsv
	for p in asian-call-arith lookback-put-float; do
		usage_fails "--payoff: $p needs at least 2 monitoring dates (the stream has steps=1)" -p "$p" one.tsv
	done
	usage_fails "--payoff: up-and-out-call needs at least 2 monitoring dates (the stream has steps=1)" \
		-p up-and-out-call --barrier 120 one.tsv
	run -0 payoff -p call one.tsv     # a vanilla is fine
}

@test "an unknown option prints the synopsis" {
	run -2 --separate-stderr payoff --bogus
	[ "$stderr" = "payoff: unrecognized option '--bogus'
usage: payoff [-p name] [-K strike] [--barrier h] [--rebate x]
              [--control [--control-mean x]] [--greeks] [-x] [file ...]
       payoff --describe
$TRY" ]
}

# --- data errors: exit 1 ---------------------------------------------------------

@test "rejects NaN and infinities in rows" {
	data_fails "stdin:3: invalid number in column 1 (ST): 'nan'" < <(stream $'nan\t1\t1\t1\t1')
	data_fails "stdin:3: invalid number in column 1 (ST): 'inf'" < <(stream $'inf\t1\t1\t1\t1')
	data_fails "stdin:3: invalid number in column 5 (min): '-Infinity'" \
		-p down-and-in-put --barrier 90 < <(stream $'100\t1\t1\t1\t-Infinity')
	data_fails "stdin:4: invalid number in column 2 (avg): 'NaN'" \
		-p asian-put-arith < <(stream $'100\t100\t100\t100\t100' $'100\tNaN\t100\t100\t100')
}

@test "rejects a zero or negative S_T" {
	data_fails "stdin:3: non-positive price in column 1 (ST): '0'" < <(stream $'0\t1\t1\t1\t1')
	data_fails "stdin:3: non-positive price in column 1 (ST): '-5'" -p put < <(stream $'-5\t1\t1\t1\t1')
}

@test "rejects a zero or negative price in the columns a payoff uses" {
	data_fails "stdin:3: non-positive price in column 2 (avg): '-5'" \
		-p asian-put-arith < <(stream $'100\t-5\t100\t100\t100')
	data_fails "stdin:3: non-positive price in column 5 (min): '0'" \
		-p lookback-call-float < <(stream $'100\t100\t100\t100\t0')
	printf '# s0=100 r=0 T=1 steps=3\nS1 S2 S3\n100 -1 100\n' >"$BATS_TEST_TMPDIR/p.tsv"
	data_fails "$BATS_TEST_TMPDIR/p.tsv:3: non-positive price in column 2 (S2): '-1'" \
		-p asian-call-geo "$BATS_TEST_TMPDIR/p.tsv"
}

@test "rejects a stream without r, T, s0 or steps in its metadata" {
	data_fails "stdin:2: metadata has no r= (was the stream written by simpaths?)" \
		< <(printf 'ST\n100\n')
	data_fails "stdin:3: metadata has no T= (was the stream written by simpaths?)" \
		< <(printf '# r=0.05 s0=100 steps=1\nST\n100\n')
	data_fails "stdin:3: metadata has no s0= (was the stream written by simpaths?)" \
		< <(printf '# r=0.05 T=1 steps=1\nST\n100\n')
	data_fails "stdin:3: metadata has no steps= (was the stream written by simpaths?)" \
		< <(printf '# r=0.05 T=1 s0=100\nST\n100\n')
}

@test "rejects invalid model metadata" {
	data_fails "stdin:3: metadata has an invalid model (s0, T or steps)" \
		< <(printf '# r=0.05 T=0 s0=100 steps=1\nST\n100\n')
	data_fails "stdin:3: metadata has an invalid model (s0, T or steps)" \
		< <(printf '# r=0.05 T=1 s0=100 steps=2.5\nST\n100\n')
	data_fails "stdin:3: invalid number in metadata r=fast" \
		< <(printf '# r=fast T=1 s0=100 steps=1\nST\n100\n')
}

@test "rejects a payoff needing a column the stream lacks (asian on --emit terminal)" {
	data_fails "$TERMINAL:3: asian-call-arith needs column 'avg', which the stream lacks (simpaths --emit summary)" \
		-p asian-call-arith "$TERMINAL"
	data_fails "$TERMINAL:3: up-and-out-call needs column 'max', which the stream lacks (simpaths --emit summary)" \
		-p up-and-out-call --barrier 150 "$TERMINAL"
	run -0 prices "$TERMINAL" -p digital-call   # a vanilla needs only ST
	discounted "$output" "1 0"
}

@test "rejects a whole-path stream with a column of S1..Sn missing" {
	printf '# s0=100 r=0 T=1 steps=3\nS1 S2 S4\n100 100 100\n' >"$BATS_TEST_TMPDIR/p.tsv"
	data_fails "$BATS_TEST_TMPDIR/p.tsv:3: path columns S1..S3 are incomplete: no S3" \
		"$BATS_TEST_TMPDIR/p.tsv"
}

@test "rejects a row with too few or too many fields" {
	data_fails "stdin:4: expected 5 fields, found 4" \
		< <(stream $'100\t100\t100\t100\t100' $'100\t100\t100\t100')
	data_fails "stdin:3: expected 5 fields, found 6" < <(stream $'100\t100\t100\t100\t100\t1')
}

@test "rejects a second, different header" {
	data_fails "stdin:4: header 'ST	avg' conflicts with 'ST	avg	geo	max	min'" \
		< <(stream $'100\t100\t100\t100\t100' $'ST\tavg')
}

@test "rejects conflicting metadata: cat of two runs with different sigma" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 3 --emit terminal >a.tsv
	simpaths --first 3 --count 3 --emit terminal --sigma 0.3 >b.tsv
	data_fails "stdin:7: metadata sigma=0.3 conflicts with sigma=0.2 (stdin:1)" < <(cat a.tsv b.tsv)
	data_fails "b.tsv:1: metadata sigma=0.3 conflicts with sigma=0.2 (a.tsv:1)" a.tsv b.tsv
}

@test "rejects empty input" {
	data_fails "stdin: no header: empty input?" </dev/null
	data_fails "stdin: no header: empty input?" < <(printf '\n\n')
}

@test "rejects an unreadable file" {
	data_fails "$BATS_TEST_TMPDIR/none: cannot open: No such file or directory" "$BATS_TEST_TMPDIR/none"
	data_fails "$BATS_TEST_TMPDIR: read error: Is a directory" "$BATS_TEST_TMPDIR"
}

@test "reports a full disk: write error on /dev/full" {
	run -1 --separate-stderr bash -c 'payoff "$1" >/dev/full' _ "$SUMMARY"
	[ "$stderr" = "payoff: write error: No space left on device" ]
}

@test "reports a full disk on a large output too" {
	run -1 --separate-stderr bash -c 'simpaths --count 100000 | payoff >/dev/full'
	[ "$stderr" = "payoff: write error: No space left on device" ]
}

@test "rejects an antithetic stream that ends inside a pair" {
	head -n -1 "$ANTITHETIC" >"$BATS_TEST_TMPDIR/cut.tsv"
	data_fails "$BATS_TEST_TMPDIR/cut.tsv:8: antithetic stream ends inside a pair" \
		"$BATS_TEST_TMPDIR/cut.tsv"
}

@test "rejects an antithetic pair cut off by a new range" {
	{
		head -n 4 "$ANTITHETIC"
		echo '# shard=1 first=1 count=2 seed=7'
		tail -n 4 "$ANTITHETIC"
	} >"$BATS_TEST_TMPDIR/cut.tsv"
	data_fails "$BATS_TEST_TMPDIR/cut.tsv:5: antithetic pair cut off by a new range" \
		"$BATS_TEST_TMPDIR/cut.tsv"
}

# --- the man page -------------------------------------------------------------------

@test "the man page's examples work as written" {
	man_examples "$ROOT/tools/payoff.1"
}

@test "the man page's synopsis is the --help usage line" {
	run -0 payoff --help
	needs_package mandoc mandoc
	synopsis=$(mandoc -T ascii "$ROOT/tools/payoff.1" | col -b | sed -n '/^SYNOPSIS/{n;p;}' | sed 's/^ *//')
	[ "${lines[0]}" = "usage: $synopsis" ]
}

# --- the catalog for the shell (--describe) -------------------------------------

@test "--describe: the catalog as a table, a header then one row per payoff" {
	run -0 payoff --describe
	[ "${lines[0]}" = "$(printf 'name\temit\tstrike\tbarrier\trebate\tcontrol\tamerican\tmin_steps\tgreeks\tgreeks_emit\tcontrol_sv')" ]
	[ "${#lines[@]}" -eq 17 ]
	[ "${lines[1]}" = "$(printf 'call\tterminal\tyes\tnone\tno\tterminal\tno\t1\tdelta,gamma,vega,rho,theta\tterminal\tterminal')" ]
	[ "${lines[5]}" = "$(printf 'asian-call-arith\tsummary\tyes\tnone\tno\tasian-call-geo\tno\t2\tdelta,gamma,vega,rho\tpath\tcall')" ]
	[ "${lines[11]}" = "$(printf 'down-and-out-put\tsummary\tyes\tdown\tyes\tput\tno\t2\tdelta,gamma,vega,rho\tpath\tput')" ]
	[ "${lines[13]}" = "$(printf 'lookback-call-float\tsummary\tno\tnone\tno\tterminal\tno\t2\tdelta,gamma,vega,rho\tpath\tterminal')" ]
	[ "${lines[15]}" = "$(printf 'american-put\tpath\tyes\tnone\tno\tnone\tyes\t1\tnone\tnone\tnone')" ]
}

@test "--describe: every payoff it lists (but the American) prices with the facts it gives" {
	cd "$BATS_TEST_TMPDIR"
	set -o pipefail
	payoff --describe | tail -n +2 >catalog
	n=0
	while IFS=$'\t' read -r name emit strike barrier rebate control american min_steps greeks greeks_emit control_sv; do
		[ "$american" = no ] || continue
		args=(-p "$name")
		[ "$strike" = no ] || args+=(-K 100)
		[ "$barrier" = none ] || args+=(--barrier "$([ "$barrier" = up ] && echo 120 || echo 80)")
		[ "$rebate" = no ] || args+=(--rebate 1)
		simpaths --count 4 --steps 3 --emit "$emit" | payoff "${args[@]}" >/dev/null
		simpaths --count 4 --steps 3 --emit "$greeks_emit" | payoff "${args[@]}" --greeks | grep -q "$(echo "$greeks" | tr , '\t')"
		if [ "$control" != terminal ]; then
			mean=$(closedform --steps 3 -p "$control" | awk -F '\t' '$1 == "price" { print $2 }')
			simpaths --count 4 --steps 3 --emit "$emit" | payoff "${args[@]}" --control --control-mean "$mean" >/dev/null
		fi
		n=$((n + 1))
	done <catalog
	[ "$n" -eq 14 ]
}

@test "a summary column the payoff does not need is checked all the same (geo=nan beside a call)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 3 --steps 2 --emit summary |
		awk 'BEGIN { FS = OFS = "\t" } /^#/ { print; next } !h { h = 1; print; next } { $3 = "nan"; print }' >bad.tsv
	run -1 --separate-stderr payoff -p call bad.tsv
	[ "$stderr" = "payoff: bad.tsv:4: invalid number in column 3 (geo): 'nan'" ]
}
