#!/usr/bin/env bats
# risk: VaR and ES from tail partials against hand-checked values and
# scipy's binomial, bit-identical merging for any split and order, and
# every data error with its exact message.

bats_require_minimum_version 1.5.0
load test_helper

TOOL=risk

# tail FIRST COUNT [N] [WEIGHTED] [WEIGHT]: scenarios FIRST.. of a run of N
# (400) whose losses are a permutation of 1..N (scenario i loses
# (7919 i mod N) + 1), split into columns pa (loss - 1) and pb (1).
tail_of() {
	awk -v f="$1" -v c="$2" -v n="${3:-400}" -v wt="${4:-0}" -v w="${5:-1}" 'BEGIN {
		printf "# tail=1 level=0.99 scenarios=%d weighted=%d run=x\n", n, wt
		printf "# first=%d count=%d\n", f, c
		print "scenario\tloss\tweight\tpa\tpb"
		for (i = f; i < f + c; i++) {
			l = (i * 7919) % n + 1
			printf "%d\t%d\t%s\t%d\t1\n", i, l, w, l - 1
		}
		printf "end\t%d\t-\t-\t-\n", c
	}'
}

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	tail_of 0 400 >all
	tail_of 0 150 >a
	tail_of 150 100 >b
	tail_of 250 150 >c
}

setup() {
	cd "$BATS_FILE_TMPDIR"
}

@test "VaR and ES of 1..400 at 0.99: the 5th worst, the mean of the 4 worst, intervals from the binomial" {
	run -0 risk all
	expected=$(printf '%s\n' \
		'# tool=risk level=0.99 scenarios=400 weighted=0 run=x' \
		$'name\testimate\tstderr\tci95_low\tci95_high\tscenarios' \
		$'VaR\t396\t2.0408538276986157\t392\t400\t400' \
		$'ES\t398.5\t1.3635890143294631\t395.82741464219976\t401.17258535780024\t400')
	[ "$output" = "$expected" ]
}

@test "the VaR interval's ranks are scipy's binomial quantiles" {
	not_sanitized
	# ranks a (largest, P(K < a) <= 0.025) and b (smallest, P(K >= b) <= 0.025), K ~ Bin(N, 0.01)
	for n in 400 1000 5000; do
		tail_of 0 "$n" "$n" >"$BATS_TEST_TMPDIR/t"
		read -r a b < <(/usr/bin/python3 -c "
from scipy.stats import binom
n, p = $n, 1 - 0.99
a = max(a for a in range(n + 2) if binom.cdf(a - 1, n, p) <= 0.025)
b = min(b for b in range(n + 2) if binom.sf(b - 1, n, p) <= 0.025)
print(a, b)")
		run -0 risk "$BATS_TEST_TMPDIR/t"
		# losses are 1..n, so the rank-r worst is n + 1 - r
		[ "$(field VaR 4 <(echo "$output"))" = "$((n + 1 - b))" ]
		[ "$(field VaR 5 <(echo "$output"))" = "$((n + 1 - a))" ]
	done
}

@test "ES's stderr is Manistre and Hancock's (Var(L|tail) + alpha (ES-VaR)^2) / (N (1-alpha))" {
	not_sanitized
	run -0 risk all
	se=$(field ES 3 <(echo "$output"))
	# the 4 losses above VaR=396: 400 399 398 397, mean 398.5, population variance 1.25
	# influence form: (B/N - (A/N)^2) / (N p^2), A = sum (L - VaR), B = sum (L - VaR)^2
	/usr/bin/python3 -c "
import math, sys
n, p = 400, 1 - 0.99
x = [4, 3, 2, 1]
a, b = sum(x), sum(v * v for v in x)
se = math.sqrt((b / n - (a / n) ** 2) / (n * p * p))
sys.exit(abs(se - $se) > 1e-12 * se)"
}

@test "contributions add up to the ES" {
	run -0 risk all -c "$BATS_TEST_TMPDIR/contrib"
	run -0 cat "$BATS_TEST_TMPDIR/contrib"
	[ "${lines[2]}" = $'pa\t397.5\t0.5590169943749469\t396.4043468242793\t398.5956531757207\t400' ]
	[ "${lines[3]}" = $'pb\t1\t0\t1\t1\t400' ]
}

@test "a shard keeps its worst floor(K) + 1 losses, K = M + 5 sqrt(M) + 5" {
	run -0 risk -p all
	# M = 4.000000000000004, K = 19.000000000000007: 20 rows, from 400 down
	[ "$(rows <(echo "$output") | grep -vc '^end')" = 20 ]
	[ "$(rows <(echo "$output") | head -1 | cut -f2)" = 0x1.9p+8 ]   # 400
	[ "$(rows <(echo "$output") | grep -v '^end' | tail -1 | cut -f2)" = 0x1.7dp+8 ]   # 381
	[ "$(rows <(echo "$output") | tail -1)" = $'end\t20\t-\t-\t-' ]
}

@test "any split, any order, partials of partials: the same bytes" {
	risk all -c c0 >r0
	risk a b c -c c1 >r1
	risk c a b -c c2 >r2
	risk -p a >pa
	risk -p c b >pcb
	risk pcb pa -c c3 >r3
	cat pa pcb | risk -c c4 >r4
	for k in 1 2 3 4; do
		cmp r0 "r$k"
		cmp c0 "c$k"
	done
	risk -p a b c | cmp - <(risk -p all)
}

@test "a weighted run with unit weights gives the unweighted VaR and ES" {
	tail_of 0 400 400 1 >"$BATS_TEST_TMPDIR/w"
	run -0 risk "$BATS_TEST_TMPDIR/w"
	[ "$(field VaR 2 <(echo "$output"))" = 396 ]
	[ "$(field ES 2 <(echo "$output"))" = 398.5 ]
	[ "$(field ES 3 <(echo "$output"))" = 1.3635890143294631 ]
}

@test "a weighted run: half-weight scenarios of a run twice as long" {
	# 800 scenarios, each loss of 1..400 twice, weight 0.5: the tail
	# mass is 8, reached after the 16 worst rows (8 losses): VaR is the
	# 17th worst row, 392; ES is the mean of 400..393, 396.5 (to rounding)
	awk 'BEGIN { print "# tail=1 level=0.99 scenarios=800 weighted=1"; print "# first=0 count=800"
		print "scenario\tloss\tweight"
		for (i = 0; i < 800; i++) printf "%d\t%d\t0.5\n", i, i % 400 + 1
		print "end\t800\t-" }' >"$BATS_TEST_TMPDIR/w"
	run -0 risk "$BATS_TEST_TMPDIR/w"
	[ "$(field VaR 2 <(echo "$output"))" = 392 ]
	es=$(field ES 2 <(echo "$output"))
	awk -v es="$es" 'BEGIN { exit !(es > 396.4999 && es < 396.5001) }'
}

# data_fails MESSAGE ARGS...: exit 1, nothing on stdout, exactly "risk: MESSAGE".
data_fails() {
	local message=$1
	shift
	run -1 --separate-stderr risk "$@"
	echo "stderr: $stderr"
	[ "$output" = "" ]
	[ "$stderr" = "risk: $message" ]
}

@test "refuses a partial cut short" {
	head -n 10 a >"$BATS_TEST_TMPDIR/cut"
	data_fails "$BATS_TEST_TMPDIR/cut: tail partial has no end row (truncated?)" "$BATS_TEST_TMPDIR/cut"
}

@test "refuses an end row that miscounts" {
	sed 's/^end\t150/end\t149/' a >"$BATS_TEST_TMPDIR/bad"
	data_fails "$BATS_TEST_TMPDIR/bad:154: end row says 149 rows, the partial has 150" "$BATS_TEST_TMPDIR/bad"
}

@test "refuses missing and overlapping scenarios" {
	data_fails "scenarios 150..249 are missing" a c
	data_fails "b:2: scenarios 150..249 overlap scenarios 150..249 (b:2)" a b b c
}

@test "refuses a weight other than 1 in an unweighted run, and a non-positive weight" {
	tail_of 0 400 400 0 0.5 >"$BATS_TEST_TMPDIR/w"
	data_fails "$BATS_TEST_TMPDIR/w:4: weight 0.5 is not 1 in an unweighted run" "$BATS_TEST_TMPDIR/w"
	tail_of 0 400 400 1 -1 >"$BATS_TEST_TMPDIR/w"
	data_fails "$BATS_TEST_TMPDIR/w:4: weight -1 is not positive" "$BATS_TEST_TMPDIR/w"
}

@test "refuses partials of different runs" {
	sed 's/run=x/run=y/' c >"$BATS_TEST_TMPDIR/other"
	data_fails "$BATS_TEST_TMPDIR/other:1: metadata run=y conflicts with run=x (a:1)" a b "$BATS_TEST_TMPDIR/other"
}

@test "refuses partials of inversion's and the ziggurat's normals together (normals=)" {
	sed '1s/$/ normals=ziggurat/' c >"$BATS_TEST_TMPDIR/zig"
	data_fails "$BATS_TEST_TMPDIR/zig:1: normals=ziggurat but a:1 has normals=(none: inversion): tails of inversion and ziggurat normals do not merge (another run?)" a b "$BATS_TEST_TMPDIR/zig"
	data_fails "a:1: normals=(none: inversion) but $BATS_TEST_TMPDIR/zig:1 has normals=ziggurat: tails of inversion and ziggurat normals do not merge (another run?)" "$BATS_TEST_TMPDIR/zig" a b
	# all of one kind merge
	sed '1s/$/ normals=ziggurat/' a >"$BATS_TEST_TMPDIR/zig-a"
	sed '1s/$/ normals=ziggurat/' b >"$BATS_TEST_TMPDIR/zig-b"
	run -0 risk "$BATS_TEST_TMPDIR/zig-a" "$BATS_TEST_TMPDIR/zig-b" "$BATS_TEST_TMPDIR/zig"
	[ "$(rows <(echo "$output"))" = "$(rows <(risk a b c))" ]
	[[ ${lines[0]} == *" normals=ziggurat" ]]
}

@test "refuses a table that is not a tail partial" {
	printf 'x\ty\n1\t2\n' >"$BATS_TEST_TMPDIR/t"
	data_fails "$BATS_TEST_TMPDIR/t:1: not a tail partial (no tail=1 in the metadata)" "$BATS_TEST_TMPDIR/t"
}

@test "refuses too few scenarios for a 95% VaR interval" {
	tail_of 0 100 100 >"$BATS_TEST_TMPDIR/t"
	data_fails "100 scenarios at level 0.98999999999999999 are too few for a 95% VaR interval (N(1-level) = 1.0000000000000009; about 4 or more needed)" "$BATS_TEST_TMPDIR/t"
}

@test "usage errors, --help, --version, a full disk" {
	usage_fails "--contributions goes with the estimates, not with --partial" -p -c x all
	run -0 risk --help
	[ "${lines[0]}" = "usage: risk [-p] [-c file] [file ...]" ]
	[ "$(synopsis_of "$ROOT/tools/risk.1")" = "$(usage_of risk)" ]
	run -0 risk --version
	[ "$output" = "risk (mcpipe) 0.1.0" ]
	run -1 --separate-stderr sh -c 'risk all >/dev/full'
	[ "$stderr" = "risk: write error: No space left on device" ]
	run -1 --separate-stderr risk all -c /dev/full
	[ "$stderr" = "risk: /dev/full: write error: No space left on device" ]
}

@test "tail.h: trimming and merging against one pass and a full sort (tests/unit/test_tail.c)" {
	# 200 random samples (60 sanitized): smooth, heavy-tailed and tied
	# losses, weighted or not, cut into up to 12 shards merged in random order
	local samples=200
	[ -z "${MCPIPE_SANITIZED:-}" ] || samples=60
	run -0 "$UNIT/test_tail" "$samples"
	[ "$output" = "test_tail: $samples samples, the same tail and estimates for every split" ]
}
