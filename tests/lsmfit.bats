#!/usr/bin/env bats
# lsmfit: the coefficients against exact rational least squares
# (fixtures/american/reference.py), the table's layout and metadata, dates
# with too few paths in the money, independence of the shard split, and
# every refusal with its exact message.

bats_require_minimum_version 1.5.0
load test_helper

TRY="Try 'lsmfit --help' for more information."
TOOL=lsmfit
REFERENCE="$FIXTURES/american/reference.py"

# training N STEPS [SIMPATHS-ARGS...]: N training paths of STEPS dates,
# S0 = 36, r = 0.06, sigma = 0.2, T = 1, seed 9, in decimal.
training() {
	simpaths --s0 36 --rate 0.06 --sigma 0.2 --steps "$2" --emit path --training \
		--count "$1" --seed 9 "${@:3}"
}

# agree FIT REF: lsmfit's table FIT and reference.py's output REF have the
# same itm counts, coefficients within 1e-9 of the row's largest, and the
# same in-sample estimate within 1e-12 relative (math.exp against det_exp).
agree() {
	python3 - "$1" "$2" <<-'EOF'
	import sys
	fit = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l[0].isdigit()]
	ref = [l.split() for l in open(sys.argv[2])]
	in_sample = float(open(sys.argv[1]).readline().split('in_sample=')[1])
	assert ref[-1][0] == 'in_sample'
	assert abs(in_sample - float(ref[-1][1])) <= 1e-12 * abs(in_sample), (in_sample, ref[-1])
	ref = ref[:-1]
	assert len(fit) == len(ref), (len(fit), len(ref))
	for f, r in zip(fit, ref):
	    assert f[0] == r[0] and f[2] == r[1], (f, r)
	    cf, cr = [float(x) for x in f[3:]], [float(x) for x in r[2:]]
	    scale = max([1.0] + [abs(x) for x in cr])
	    assert len(cf) == len(cr) and all(abs(a - b) <= 1e-9 * scale for a, b in zip(cf, cr)), (f, r)
	EOF
}

# data_fails MESSAGE ARGS...: exit 1, nothing on stdout, exactly "lsmfit: MESSAGE".
data_fails() {
	local message=$1
	shift
	run -1 --separate-stderr lsmfit "$@"
	echo "stderr: $stderr"
	[ "$output" = "" ]
	[ "$stderr" = "lsmfit: $message" ]
}

# hand STEPS ROWS...: a hand-made training stream, r = 0, K-neutral.
hand() {
	local steps=$1
	shift
	echo "# tool=simpaths model=gbm s0=100 r=0 q=0 sigma=0.2 T=1 steps=$steps seed=1 paths=$# emit=path antithetic=0 stream=training"
	seq 1 "$steps" | sed 's/^/S/' | paste -s -
	printf '%s\n' "$@" | tr ' ' '\t'
}

# --- the fit ---------------------------------------------------------------

@test "put: the coefficients are the exact least-squares solution, date by date" {
	training 400 5 >"$BATS_TEST_TMPDIR/train.tsv"
	lsmfit -K 40 "$BATS_TEST_TMPDIR/train.tsv" >"$BATS_TEST_TMPDIR/fit.tsv"
	python3 "$REFERENCE" american-put 40 3 <"$BATS_TEST_TMPDIR/train.tsv" >"$BATS_TEST_TMPDIR/ref.tsv"
	agree "$BATS_TEST_TMPDIR/fit.tsv" "$BATS_TEST_TMPDIR/ref.tsv"
}

@test "call, and bases of degree 1, 2 and 4: exact least squares too" {
	training 300 4 >"$BATS_TEST_TMPDIR/train.tsv"
	for n in 1 2 4; do
		lsmfit -p american-call -K 34 --basis $n "$BATS_TEST_TMPDIR/train.tsv" >"$BATS_TEST_TMPDIR/fit.tsv"
		python3 "$REFERENCE" american-call 34 $n <"$BATS_TEST_TMPDIR/train.tsv" >"$BATS_TEST_TMPDIR/ref.tsv"
		agree "$BATS_TEST_TMPDIR/fit.tsv" "$BATS_TEST_TMPDIR/ref.tsv"
	done
}

@test "by hand: two paths in the money fit a line, one exercises, no path in the money gives itm 0" {
	# r = 0, K = 100. Date 3 pays 20, 1, 0. Date 2: paths 1 and 2 are in the
	# money at x = 0.9, 0.95 with cash flows 20 and 1: the line 362 - 380 x;
	# x^2 and x^3 depend on 1 and x on two points and get 0. Path 1 (10 < 20)
	# continues, path 2 (5 >= 1) exercises. Date 1: nothing in the money.
	run -0 lsmfit < <(hand 3 '105 90 80' '110 95 99' '120 110 100')
	[[ "${lines[0]}" == *" in_sample=8.333333333333334" ]]   # (20 + 5 + 0) / 3
	[ "${lines[1]}" = "$(printf 'date\tt\titm\tc0\tc1\tc2\tc3')" ]
	[ "${lines[2]}" = "$(printf '1\t0.3333333333333333\t0\t0\t0\t0\t0')" ]
	python3 -c 'import sys; c = [float(x) for x in sys.argv[1].split("\t")]
assert c[:3] == [2, 0.6666666666666666, 2] and c[5:] == [0, 0], c
assert abs(c[3] - 362) < 1e-10 and abs(c[4] + 380) < 1e-10, c' "${lines[3]}"
	[ "${lines[4]}" = "$(printf '3\t1\t2\t0\t0\t0\t0')" ]
	[ "${#lines[@]}" -eq 5 ]
}

@test "one row per date 1..steps, t = i*T/steps, itm counts the paths in the money" {
	training 200 4 --maturity 2 >"$BATS_TEST_TMPDIR/train.tsv"
	run -0 lsmfit -K 36 --basis 2 "$BATS_TEST_TMPDIR/train.tsv"
	[ "${lines[1]}" = "$(printf 'date\tt\titm\tc0\tc1\tc2')" ]
	[ "$(printf '%s\n' "${lines[@]:2}" | cut -f 1,2 | paste -s -d ' ')" = \
	  "$(printf '1\t0.5 2\t1 3\t1.5 4\t2')" ]
	want=$(rows "$BATS_TEST_TMPDIR/train.tsv" |
	       awk '{ for (i = 1; i <= 4; i++) n[i] += ($i < 36) } END { print n[1], n[2], n[3], n[4] }')
	[ "$(printf '%s\n' "${lines[@]:2}" | cut -f 3 | paste -s -d ' ')" = "$want" ]
	[ "$(echo "${lines[5]}" | cut -f 4-)" = "$(printf '0\t0\t0')" ]   # maturity: intrinsic
}

@test "metadata: the training set's identity, then payoff, strike, basis, in_sample" {
	run -0 lsmfit -K 40 < <(training 100 3)
	[[ "${lines[0]}" == "# tool=lsmfit model=gbm s0=36 r=0.06 q=0 sigma=0.2 T=1 steps=3 seed=9 paths=100 emit=path antithetic=0 stream=training payoff=american-put strike=40 basis=3 in_sample="* ]]
	run -0 lsmfit -p american-call -K 33.5 --basis 1 < <(training 100 3)
	[[ "${lines[0]}" == *" payoff=american-call strike=33.5 basis=1 in_sample="* ]]
}

@test "the same training paths in one range or seven shards give the same table" {
	lsmfit -K 40 < <(training 700 4) | grep -v '^#' >"$BATS_TEST_TMPDIR/one.tsv"
	genseeds -n 700 -s 7 --seed 9 |
		simpaths --s0 36 --rate 0.06 --sigma 0.2 --steps 4 --emit path --training --hex |
		lsmfit -K 40 | grep -v '^#' >"$BATS_TEST_TMPDIR/seven.tsv"
	cmp "$BATS_TEST_TMPDIR/one.tsv" "$BATS_TEST_TMPDIR/seven.tsv"
}

@test "antithetic training streams: both paths of a pair are training paths" {
	training 50 3 --antithetic >"$BATS_TEST_TMPDIR/train.tsv"
	run -0 lsmfit -K 36 "$BATS_TEST_TMPDIR/train.tsv"
	[ "$(rows "$BATS_TEST_TMPDIR/train.tsv" | awk '$3 < 36' | wc -l)" = "$(echo "${lines[4]}" | cut -f 3)" ]
}

@test "a date with fewer paths in the money than coefficients keeps the low powers" {
	# one path in the money at date 1 (and 2): only c0, its cash flow
	run -0 lsmfit < <(hand 2 '90 70' '110 120' '120 130')
	[ "${lines[2]}" = "$(printf '1\t0.5\t1\t30\t0\t0\t0')" ]
}

# --- refusals ----------------------------------------------------------------

@test "refuses paths that are not a training stream: never fit on the priced paths" {
	data_fails "stdin:4: not a training stream (no stream=training): fit on simpaths --training paths, never on the paths to be priced" \
		< <(simpaths --steps 3 --emit path --count 3)
}

@test "refuses a stream without whole paths, or with a gap in S1..Sn" {
	data_fails "stdin:4: lsmfit needs whole paths: no column S1 (simpaths --emit path)" \
		< <(simpaths --steps 3 --emit summary --training --count 3)
	data_fails "stdin:3: path columns S1..S3 are incomplete: no S3" \
		< <(printf '# stream=training r=0 T=1 steps=3\nS1\tS2\tS4\n1\t2\t3\n')
}

@test "refuses a truncated training set: a range with fewer rows than count=" {
	data_fails "stdin: the range opened at stdin:3 has 47 rows, not 100: training set incomplete" \
		< <(training 100 3 | head -n 50)
}

@test "refuses bad prices, missing metadata and conflicting keys" {
	data_fails "stdin:3: non-positive price in column 2 (S2): '-1'" \
		< <(printf '# stream=training r=0 T=1 steps=2\nS1\tS2\n1\t-1\n')
	data_fails "stdin:3: invalid number in column 2 (S2): 'abc'" \
		< <(printf '# stream=training r=0 T=1 steps=2\nS1\tS2\n1\tabc\n')
	data_fails "stdin:3: metadata has no r= (was the stream written by simpaths?)" \
		< <(printf '# stream=training T=1 steps=2\nS1\tS2\n1\t2\n')
	data_fails "stdin:3: metadata already has payoff= (not a simpaths path stream?)" \
		< <(printf '# stream=training payoff=put r=0 T=1 steps=2\nS1\tS2\n1\t2\n')
}

@test "refuses empty input, a header without paths and a missing file" {
	data_fails "stdin: no training paths" </dev/null
	data_fails "stdin: no training paths" < <(training 1 2 | head -n 2)
	data_fails "nope.tsv: cannot open: No such file or directory" nope.tsv
}

@test "usage errors: payoff, strike, basis, unknown option" {
	usage_fails "--payoff: 'put' is not american-put or american-call" -p put
	usage_fails "--strike: '0' must be positive" -K 0
	usage_fails "--strike: invalid number 'abc'" -K abc
	usage_fails "--basis: '0' must be between 1 and 8" --basis 0
	usage_fails "--basis: '9' must be between 1 and 8" --basis 9
	usage_fails "--basis: invalid integer 'x'" --basis x
	run -2 --separate-stderr lsmfit --bogus
	[ "${stderr_lines[0]}" = "lsmfit: unrecognized option '--bogus'" ]
}

@test "reports a full disk: write error on /dev/full" {
	[ -w /dev/full ] || skip "no /dev/full"
	run -1 --separate-stderr bash -c 'lsmfit -K 40 "$1" >/dev/full' _ <(training 100 3)
	[ "$stderr" = "lsmfit: write error: No space left on device" ]
}

# --- help, version, man page -----------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run -0 --separate-stderr lsmfit --help
	[ "${lines[0]}" = "usage: lsmfit [-p american-put|american-call] [-K strike] [--basis n] [file ...]" ]
	[ "$stderr" = "" ]
}

@test "--version prints the version and exits 0" {
	run -0 lsmfit --version
	[[ "$output" == "lsmfit (mcpipe) "* ]]
}

@test "the man page's synopsis is the --help usage" {
	needs_package man-db man
	needs_package bsdextrautils col
	run -0 synopsis_of "$ROOT/tools/lsmfit.1"
	[ -n "$output" ]
	[ "$output" = "$(usage_of lsmfit)" ]
}

@test "the man page's examples run as shown" {
	man_examples "$ROOT/tools/lsmfit.1"
}
