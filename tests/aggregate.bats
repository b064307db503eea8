#!/usr/bin/env bats
# aggregate: estimates against an independent computation, exact partials,
# split/merge/order invariance, path-range and run-identity refusals, and
# every data error with its exact message.

bats_require_minimum_version 1.5.0
load test_helper

SMALL="$FIXTURES/aggregate/small.tsv"     # 5 rows, price and ST, with metadata
VALUES="$FIXTURES/aggregate/values.tsv"   # 40 rows, price and ST, no metadata
TRY="Try 'aggregate --help' for more information."

# The run every invariance test splits: 100000 paths in 7 shards, priced
# once as a whole (all.tsv) and once shard by shard (shard0..6.tsv, with
# their partials part0..6), in one and in two columns (price, price^2).
setup_file() {
	local dir="$BATS_FILE_TMPDIR" k
	cd "$dir"
	genseeds -n 100000 -s 7 --seed 42 >seeds.tsv
	simpaths --steps 4 --emit summary <seeds.tsv | payoff -p asian-call-arith >all.tsv
	two_columns <all.tsv >all2.tsv
	for k in 0 1 2 3 4 5 6; do
		sed -n "1,2p;$((k + 3))p" seeds.tsv | simpaths --steps 4 --emit summary |
			payoff -p asian-call-arith >"shard$k.tsv"
		aggregate -p "shard$k.tsv" >"part$k"
		two_columns <"shard$k.tsv" >"shard$k-2.tsv"
		aggregate -p "shard$k-2.tsv" >"part$k-2"
	done
}

# two_columns: a price table made into price and its square, metadata kept.
two_columns() {
	awk -F '\t' '/^#/ { print; next }
		$1 == "price" { print "price\tsq"; next }
		{ printf "%s\t%.17g\n", $1, $1 * $1 }'
}

# data_fails MESSAGE ARGS...: exit 1, nothing on stdout, exactly "aggregate: MESSAGE".
data_fails() {
	local message=$1
	shift
	run -1 --separate-stderr aggregate "$@"
	echo "stderr: $stderr"   # shown when the test fails
	[ "$output" = "" ]
	[ "$stderr" = "aggregate: $message" ]
}

# --- estimates ----------------------------------------------------------------------

@test "the estimate table of a small fixture, byte for byte" {
	run -0 aggregate "$SMALL"
	expected=$(printf '%s\n' \
		'# tool=aggregate model=gbm s0=100 r=0 q=0 sigma=0.2 T=1 steps=1 payoff=call strike=100' \
		$'name\testimate\tstderr\tci95_low\tci95_high\tpaths' \
		$'price\t3.95\t2.009975124224178\t0.010521146699190354\t7.88947885330081\t5' \
		$'ST\t100.65\t4.005933099790859\t92.79851539993302\t108.50148460006699\t5')
	[ "$output" = "$expected" ]
}

@test "estimate, stderr and interval agree with python's statistics module" {
	run -0 aggregate "$VALUES"
	python3 - "$VALUES" "$output" <<-'EOF'
	import math, statistics, sys
	rows = [l.split('\t') for l in open(sys.argv[1]).read().splitlines()]
	out = [l.split('\t') for l in sys.argv[2].splitlines()]
	assert out[0] == ['# tool=aggregate'], out[0]
	assert out[1] == 'name estimate stderr ci95_low ci95_high paths'.split(), out[1]
	assert len(out) == 2 + len(rows[0])
	for c, name in enumerate(rows[0]):
	    xs = [float(r[c]) for r in rows[1:]]
	    n = len(xs)
	    mean = statistics.mean(xs)                      # exact, then rounded
	    se = statistics.stdev(xs) / math.sqrt(n)
	    z = 1.959963984540054
	    got = out[2 + c]
	    assert got[0] == name and got[5] == str(n), got
	    est, err, lo, hi = map(float, got[1:5])
	    assert abs(est - mean) <= 1e-15 * abs(mean), (est, mean)
	    assert abs(err - se) <= 1e-15 * se, (err, se)
	    scale = abs(mean) + z * se
	    assert abs(lo - (mean - z * se)) <= 1e-15 * scale, (lo, mean - z * se)
	    assert abs(hi - (mean + z * se)) <= 1e-15 * scale, (hi, mean + z * se)
	EOF
}

@test "a mean large against the spread (1e12 plus noise of 1): stderr still right" {
	python3 >"$BATS_TEST_TMPDIR/offset.tsv" <<-'EOF'
	import random
	rnd = random.Random(5)
	print('x\ty')
	for _ in range(1000):
	    print('%r\t%r' % (1e12 + rnd.gauss(0, 1), -1e8 + rnd.gauss(0, 1e-3)))
	EOF
	run -0 aggregate "$BATS_TEST_TMPDIR/offset.tsv"
	python3 - "$BATS_TEST_TMPDIR/offset.tsv" "$output" <<-'EOF'
	import math, statistics, sys
	rows = [l.split('\t') for l in open(sys.argv[1]).read().splitlines()[1:]]
	out = [l.split('\t') for l in sys.argv[2].splitlines()[2:]]
	for c in range(2):
	    xs = [float(r[c]) for r in rows]
	    se = statistics.stdev(xs) / math.sqrt(len(xs))
	    assert abs(float(out[c][2]) - se) <= 1e-15 * se, (out[c][2], se)
	    mean = statistics.mean(xs)
	    assert abs(float(out[c][1]) - mean) <= 1e-15 * abs(mean), (out[c][1], mean)
	EOF
}

@test "the interval is estimate -/+ 1.959963984540054 stderr, computed in double" {
	run -0 aggregate "$VALUES"
	# awk computes in double, as aggregate does: equal to the last bit
	echo "$output" | awk -F '\t' 'NR > 2 {
		lo = $2 - 1.959963984540054 * $3; hi = $2 + 1.959963984540054 * $3
		if (sprintf("%.17g", lo) != sprintf("%.17g", $4) || sprintf("%.17g", hi) != sprintf("%.17g", $5)) exit 1
		n++ } END { exit n != 2 }'
}

@test "a constant column has stderr exactly 0" {
	run -0 aggregate < <(printf 'x\n0.1\n0.1\n0.1\n')
	[ "${lines[2]}" = $'x\t0.1\t0\t0.1\t0.1\t3' ]
	run -0 aggregate < <(printf 'x\n-7.3e-5\n-7.3e-5\n')
	[ "${lines[2]}" = $'x\t-7.3e-05\t0\t-7.3e-05\t-7.3e-05\t2' ]
}

@test "a partial holds the exact sums of values and of products (python Fractions)" {
	run -0 aggregate -p "$VALUES"
	python3 - "$VALUES" "$output" <<-'EOF'
	import sys
	from fractions import Fraction
	def exact(q):
	    if q == 0:
	        return '0'
	    sign, q = ('-', -q) if q < 0 else ('', q)
	    n, d = q.numerator, q.denominator
	    e = -(d.bit_length() - 1)
	    assert d == 1 << -e
	    while n % 2 == 0:
	        n //= 2
	        e += 1
	    return '%s0x%xp%+d' % (sign, n, e)
	rows = [l.split('\t') for l in open(sys.argv[1]).read().splitlines()]
	names, data = rows[0], [[Fraction(float(x)) for x in r] for r in rows[1:]]
	want = ['# tool=aggregate partial=1 sum_block=128', 'stat\tcolumn\tcolumn2\tvalue',
	        'n\t-\t-\t%d' % len(data)]
	want += ['sum\t%s\t-\t%s' % (a, exact(sum(r[i] for r in data))) for i, a in enumerate(names)]
	want += ['prod\t%s\t%s\t%s' % (a, b, exact(sum(r[i] * r[j] for r in data)))
	         for i, a in enumerate(names) for j, b in enumerate(names) if j >= i]
	want += ['end\t-\t-\t%d' % len(data)]
	got = sys.argv[2].split('\n')
	assert got == want, (got, want)
	EOF
}

@test "the exact sum's text: an odd hex integer times a power of 2" {
	run -0 aggregate -p < <(printf 'x\n0.25\n0.5\n')
	[ "$output" = $'# tool=aggregate partial=1 sum_block=128\nstat\tcolumn\tcolumn2\tvalue\nn\t-\t-\t2\nsum\tx\t-\t0x3p-2\nprod\tx\tx\t0x5p-4\nend\t-\t-\t2' ]
	run -0 aggregate -p < <(printf 'x\n-4\n-6\n')
	[ "${lines[3]}" = $'sum\tx\t-\t-0x5p+1' ]
	[ "${lines[4]}" = $'prod\tx\tx\t0xdp+2' ]
	run -0 aggregate -p < <(printf 'x\n1\n-1\n')
	[ "${lines[3]}" = $'sum\tx\t-\t0' ]
	[ "${lines[4]}" = $'prod\tx\tx\t0x1p+1' ]
}

@test "paths is the number of rows; identity metadata is repeated, tool and ranges are not" {
	cd "$BATS_FILE_TMPDIR"
	run -0 aggregate all.tsv
	[ "${lines[0]}" = "# tool=aggregate paths=100000 seed=42 model=gbm s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=4 emit=summary antithetic=0 payoff=asian-call-arith strike=100" ]
	[ "$(echo "${lines[2]}" | cut -f 6)" = 100000 ]
}

@test "a plain numeric table with a header and no metadata" {
	run -0 aggregate < <(printf 'x\ty\n1\t2\n3\t4\n')
	[ "$output" = $'# tool=aggregate\nname\testimate\tstderr\tci95_low\tci95_high\tpaths\nx\t2\t1\t0.04003601545994595\t3.959963984540054\t2\ny\t3\t1\t1.040036015459946\t4.959963984540054\t2' ]
}

@test "a plain table: its partial merges back to the same estimates" {
	cd "$BATS_TEST_TMPDIR"
	head -n 21 "$VALUES" >a.tsv
	{ head -n 1 "$VALUES"; tail -n +22 "$VALUES"; } >b.tsv
	aggregate -p a.tsv >a.part
	aggregate -p b.tsv >b.part
	diff <(aggregate "$VALUES") <(aggregate b.part a.part)
	diff <(aggregate "$VALUES") <(aggregate a.tsv b.part)
}

# --- split, merge, order ---------------------------------------------------------------

@test "7 shard partials merge to the one-pass result, byte for byte" {
	cd "$BATS_FILE_TMPDIR"
	aggregate all.tsv >one
	aggregate part0 part1 part2 part3 part4 part5 part6 >merged
	cmp one merged
	grep -q '^price	' one
}

@test "partials merged in reversed and shuffled order: the same bytes" {
	cd "$BATS_FILE_TMPDIR"
	aggregate all.tsv >one
	aggregate part6 part5 part4 part3 part2 part1 part0 | cmp - one
	aggregate part3 part0 part6 part2 part5 part1 part4 | cmp - one
	aggregate part4 part6 part1 part0 part3 part2 part5 | cmp - one
}

@test "partials of partials, in any grouping: the same bytes" {
	cd "$BATS_TEST_TMPDIR"
	dir=$BATS_FILE_TMPDIR
	aggregate "$dir/all.tsv" >one
	aggregate -p "$dir/part0" "$dir/part1" >a
	aggregate -p "$dir"/part{2,3,4,5,6} >b
	aggregate a b | cmp - one
	aggregate b a | cmp - one
	aggregate -p "$dir/part0" >c
	aggregate -p "$dir"/part{1,2,3} >d
	aggregate -p "$dir"/part{4,5,6} >e
	aggregate -p d e >de
	aggregate de c | cmp - one
	aggregate -p c de | cmp - "$(aggregate -p "$dir/all.tsv" >full; echo full)"
}

@test "the partial of all rows equals the merged partials, one range line" {
	cd "$BATS_FILE_TMPDIR"
	aggregate -p all.tsv >"$BATS_TEST_TMPDIR/full"
	aggregate -p part5 part2 part0 part6 part1 part4 part3 | cmp - "$BATS_TEST_TMPDIR/full"
	[ "$(grep -c '^# first=' "$BATS_TEST_TMPDIR/full")" -eq 1 ]
	grep -qx '# first=0 count=100000' "$BATS_TEST_TMPDIR/full"
}

@test "cat of the shards' rows, and the shard files themselves: the same bytes" {
	cd "$BATS_FILE_TMPDIR"
	aggregate all.tsv >"$BATS_TEST_TMPDIR/one"
	cat shard{0,1,2,3,4,5,6}.tsv | aggregate | cmp - "$BATS_TEST_TMPDIR/one"
	cat shard{6,4,2,0,1,3,5}.tsv | aggregate | cmp - "$BATS_TEST_TMPDIR/one"
	aggregate shard{3,1,4,0,5,2,6}.tsv | cmp - "$BATS_TEST_TMPDIR/one"
}

@test "cat of partials into one input merges like separate files" {
	cd "$BATS_FILE_TMPDIR"
	aggregate all.tsv >"$BATS_TEST_TMPDIR/one"
	cat part{2,5,0,6,1,3,4} | aggregate | cmp - "$BATS_TEST_TMPDIR/one"
}

@test "rows and partials mixed: the same bytes" {
	cd "$BATS_FILE_TMPDIR"
	aggregate all.tsv >"$BATS_TEST_TMPDIR/one"
	aggregate shard3.tsv part0 shard1.tsv part2 part4 shard5.tsv part6 | cmp - "$BATS_TEST_TMPDIR/one"
}

@test "two columns (price, price^2): products merge exactly in every order and grouping" {
	cd "$BATS_TEST_TMPDIR"
	dir=$BATS_FILE_TMPDIR
	aggregate "$dir/all2.tsv" >one
	[ "$(grep -c '^prod' <(aggregate -p "$dir/all2.tsv"))" -eq 3 ]   # price*price, price*sq, sq*sq
	aggregate "$dir"/part{0,1,2,3,4,5,6}-2 | cmp - one
	aggregate "$dir"/part{5,3,1,6,0,4,2}-2 | cmp - one
	aggregate -p "$dir"/part{0,1}-2 >a
	aggregate -p "$dir"/part{2,3,4,5,6}-2 >b
	aggregate b a | cmp - one
	cat "$dir"/shard{6,5,4,3,2,1,0}-2.tsv | aggregate | cmp - one
	aggregate -p "$dir/all2.tsv" | cmp - <(aggregate -p a b)
}

@test "a partial may leave paths out; the final merge may not" {
	cd "$BATS_FILE_TMPDIR"
	run -0 aggregate -p part0 part2 part3
	[ "$(grep -c '^# first=' <<<"$output")" -eq 2 ]
	grep -qx '# first=0 count=14286' <<<"$output"
	grep -qx '# first=28572 count=28572' <<<"$output"
	grep -qx $'n\t-\t-\t42858' <<<"$output"
}

# --- the block rule ------------------------------------------------------------------------
# Rows of a path range are summed in blocks of 128 paths aligned at
# multiples of 128 (DESIGN.md, "Partials: exact sums that merge"); a
# block split between partials waits as `path` rows for the merge that
# completes it.

@test "block rule: the same bytes for any SHARDS, dividing PATHS or not, fused or not" {
	cd "$BATS_TEST_TMPDIR"
	args=(--steps 1 -p call --control)
	genseeds -n 5003 -s 1 --seed 5 | simpaths "${args[@]}" --partial >whole.part
	aggregate whole.part >one
	for shards in 2 3 7 13 50; do   # 50: shards of 100 paths, within blocks
		genseeds -n 5003 -s "$shards" --seed 5 >seeds
		for ((k = 0; k < shards; k++)); do
			echo "$((k + 3))"
		done | xargs -P 2 -I{} sh -c 'sed -n "1,2p;{}p" seeds | simpaths "$@" --partial >"s{}.part"' \
			sh "${args[@]}"
		aggregate s*.part | cmp - one || { echo "SHARDS=$shards differs"; false; }
		aggregate -p s*.part | cmp - whole.part || { echo "SHARDS=$shards: merged partial differs"; false; }
		rm -f s*.part
	done
	# the text pipeline (FUSED=0's), and partials of partials in any grouping
	genseeds -n 5003 -s 5 --seed 5 >seeds
	for k in 0 1 2 3 4; do
		sed -n "1,2p;$((k + 3))p" seeds | simpaths --hex --steps 1 |
			payoff --hex -p call --control | aggregate -p >"t$k.part"
	done
	aggregate t{4,1,3,0,2}.part | cmp - one
	aggregate -p t1.part t3.part >a
	aggregate -p t4.part t0.part >b
	aggregate b t2.part a | cmp - one
	# a shard's blocks held in part wait as path rows; merged whole they are summed
	grep -q '^path' t1.part
	run ! grep -q '^path' whole.part
	! aggregate -p t{0,1,2,3,4}.part | grep -q '^path' || false
}

@test "block rule: a partial's sums are the block sums of its paths, in the stated order (python)" {
	cd "$BATS_TEST_TMPDIR"
	# 300 paths from 100: block 0 in part (paths 100..127), blocks 1 and 2
	# whole (128..383), block 3 in part (384..399)
	simpaths --hex --paths 1000 --first 100 --count 300 --steps 1 | payoff --hex -p put >rows
	aggregate -p rows >part
	python3 - rows part <<-'EOF'
	import sys
	from fractions import Fraction
	rows = [l for l in open(sys.argv[1]).read().splitlines() if not l.startswith('#')][1:]
	x = [float.fromhex(r) if r.startswith(('0x', '-0x')) else float(r) for r in rows]
	paths = range(100, 400)
	def lanes(v):   # 8 running sums, lane l taking l, l + 8, ...; then a fixed tree
	    acc = [0.0] * 8
	    for k, t in enumerate(v):
	        acc[k % 8] = acc[k % 8] + t
	    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
	whole = [b for b in range(8) if b * 128 >= 100 and b * 128 + 128 <= 400]
	assert whole == [1, 2]
	s = q = 0
	for b in whole:   # shifted by the block's first value c: x = c + d
	    v = [x[p - 100] for p in range(b * 128, b * 128 + 128)]
	    c = v[0]
	    d = [t - c for t in v]
	    D, Q = lanes(d), lanes([t * t for t in d])
	    s += 128 * Fraction(c) + Fraction(D)
	    q += 128 * Fraction(c) ** 2 + 2 * Fraction(c) * Fraction(D) + Fraction(Q)
	assert s != sum(Fraction(t) for t in x[28:284])   # not the exact sum
	def exact(f):
	    n, d = f.numerator, f.denominator
	    e = -(d.bit_length() - 1)
	    while n % 2 == 0 and n:
	        n //= 2
	        e += 1
	    return '0x%xp%+d' % (n, e)
	lines = open(sys.argv[2]).read().splitlines()
	assert lines[0].startswith('# tool=aggregate partial=1 sum_block=128 '), lines[0]
	assert 'sum\tprice\t-\t' + exact(s) in lines, (exact(s), lines)
	assert 'prod\tprice\tprice\t' + exact(q) in lines, (exact(q), lines)
	pending = [l.split('\t') for l in lines if l.startswith('path\t')]
	want = [p for p in paths if not 128 <= p < 384]
	assert [int(r[2]) for r in pending] == want, pending
	for r in pending:
	    assert float(r[3]) == x[int(r[2]) - 100], r
	assert 'n\t-\t-\t300' in lines and lines[-1] == 'end\t-\t-\t300'
	EOF
}

@test "block rule: a block whose double sums overflow is summed exactly, path by path" {
	cd "$BATS_TEST_TMPDIR"
	# 1e154 squared is 1e308: 128 of them overflow a double, not the exact sum
	{ echo 'x'; echo '# first=0 count=256'; for ((k = 0; k < 256; k++)); do echo 1e154; done; } >big
	run -0 aggregate -p big
	python3 - "$output" <<-'EOF'
	import sys
	from fractions import Fraction
	lines = sys.argv[1].splitlines()
	q = 256 * Fraction(1e154) ** 2
	n, d = q.numerator, 1
	e = 0
	while n % 2 == 0:
	    n //= 2
	    e += 1
	assert 'prod\tx\tx\t0x%xp%+d' % (n, e) in lines, lines
	EOF
}

@test "block rule: refuses partials of another rule, and malformed path rows" {
	cd "$BATS_TEST_TMPDIR"
	sed 's/ sum_block=128//' "$BATS_FILE_TMPDIR/part0" >old
	data_fails "old: partial has no sum_block= (from a version before block sums?): want sum_block=128" old
	sed 's/ sum_block=128/ sum_block=64/' "$BATS_FILE_TMPDIR/part0" >other
	data_fails "other: partial summed in blocks of sum_block=64 paths: want sum_block=128" other
	first=$(awk -F '\t' '$1 == "path" { print NR; exit }' "$BATS_FILE_TMPDIR/part0")
	[ -n "$first" ]
	sed "${first}s/^path\t-\t[0-9]*/path\t-\t99999999/" "$BATS_FILE_TMPDIR/part0" >outside
	data_fails "outside:$first: path 99999999 is outside the partial's ranges" outside
	sed "${first}s/^\(path\t-\t[0-9]*\)\t.*/\1\tx/" "$BATS_FILE_TMPDIR/part0" >bad
	path=$(awk -F '\t' -v n="$first" 'NR == n { print $3 }' bad)
	data_fails "bad:$first: path $path: want 1 value(s), comma-separated" bad
	sed "${first}s/^\(path\t-\t[0-9]*\)\t.*/\1\t1e300/" "$BATS_FILE_TMPDIR/part0" >huge
	data_fails "huge:$first: path $path: value too large to square" huge
	# a path row before the products
	held=$(sed -n "${first}p" "$BATS_FILE_TMPDIR/part0")
	awk -v n="$first" -v held="$held" 'NR == n { next } /^sum/ { print; print held; next } { print }' \
		"$BATS_FILE_TMPDIR/part0" >early
	line=$(grep -n '^path' early | head -1 | cut -d: -f1)
	data_fails "early:$line: path row before the products" early
	# a path counted in two partials: refused as overlapping ranges
	data_fails "$BATS_FILE_TMPDIR/part0:3: paths 0..14285 overlap paths 0..14285 ($BATS_FILE_TMPDIR/part0:3)" \
		"$BATS_FILE_TMPDIR/part0" "$BATS_FILE_TMPDIR/part0"
}

# --- refusals: a different run -----------------------------------------------------------

# priced_shard K ARGS...: shard K of the run, simulated/priced with ARGS changed.
priced_shard() {
	local k=$1 sim=() pay=(-p asian-call-arith)
	shift
	case $1 in
	--sigma) sim=("$@") ;;
	--strike) pay+=("$@") ;;
	esac
	sed -n "1,2p;$((k + 3))p" "$BATS_FILE_TMPDIR/seeds.tsv" |
		simpaths --steps 4 --emit summary "${sim[@]}" | payoff "${pay[@]}"
}

@test "refuses partials of runs with a different sigma" {
	cd "$BATS_FILE_TMPDIR"
	priced_shard 2 --sigma 0.3 | aggregate -p >"$BATS_TEST_TMPDIR/other"
	data_fails "$BATS_TEST_TMPDIR/other:1: metadata sigma=0.3 conflicts with sigma=0.2 (part0:1)" \
		part0 part1 "$BATS_TEST_TMPDIR/other" part3 part4 part5 part6
}

@test "refuses partials of runs with a different strike" {
	cd "$BATS_FILE_TMPDIR"
	priced_shard 4 --strike 110 | aggregate -p >"$BATS_TEST_TMPDIR/other"
	data_fails "$BATS_TEST_TMPDIR/other:1: metadata strike=110 conflicts with strike=100 (part0:1)" \
		part0 part1 part2 part3 "$BATS_TEST_TMPDIR/other" part5 part6
}

@test "refuses partials of runs with a different seed" {
	cd "$BATS_FILE_TMPDIR"
	genseeds -n 100000 -s 7 --seed 43 | sed -n '1,2p;4p' |
		simpaths --steps 4 --emit summary | payoff -p asian-call-arith |
		aggregate -p >"$BATS_TEST_TMPDIR/other"
	data_fails "$BATS_TEST_TMPDIR/other:1: metadata seed=43 conflicts with seed=42 (part0:1)" \
		part0 "$BATS_TEST_TMPDIR/other" part2 part3 part4 part5 part6
}

@test "refuses rows of a different run in the same stream (cat)" {
	cd "$BATS_FILE_TMPDIR"
	priced_shard 1 --sigma 0.3 >"$BATS_TEST_TMPDIR/other.tsv"
	data_fails "stdin:14293: metadata sigma=0.3 conflicts with sigma=0.2 (stdin:2)" \
		< <(cat shard0.tsv "$BATS_TEST_TMPDIR/other.tsv")
}

@test "refuses an input lacking an identity key the first input has" {
	cd "$BATS_TEST_TMPDIR"
	printf '# seed=1 paths=2\nx\n1\n2\n' >a.tsv
	printf '# seed=1\nx\n3\n4\n' >b.tsv
	data_fails "b.tsv: metadata has no paths= but a.tsv:1 has paths=2 (another run?)" a.tsv b.tsv
	data_fails "a.tsv:1: metadata paths=2 is not in the first input (another run?)" b.tsv a.tsv
}

@test "tool, shard, shards, first and count may differ between inputs" {
	cd "$BATS_TEST_TMPDIR"
	printf '# tool=a shard=0 shards=2 paths=4\nx\n# first=0 count=2\n1\n2\n' >a.tsv
	printf '# tool=b shard=1 shards=3 paths=4\nx\n# first=2 count=2\n3\n4\n' >b.tsv
	run -0 aggregate a.tsv b.tsv
	[ "${lines[0]}" = "# tool=aggregate paths=4" ]
}

# --- refusals: path ranges ---------------------------------------------------------------

@test "refuses a missing shard, naming the missing paths" {
	cd "$BATS_FILE_TMPDIR"
	data_fails "paths 28572..42857 are missing" part0 part1 part3 part4 part5 part6
	data_fails "paths 0..14285 are missing" part1 part2 part3 part4 part5 part6
	data_fails "paths 85715..99999 are missing" part0 part1 part2 part3 part4 part5
	data_fails "paths 42858..71429 are missing" shard0.tsv shard1.tsv shard2.tsv shard5.tsv shard6.tsv
}

@test "refuses a duplicated shard, naming both" {
	cd "$BATS_TEST_TMPDIR"
	dir=$BATS_FILE_TMPDIR
	cp "$dir/part2" again
	data_fails "again:3: paths 28572..42857 overlap paths 28572..42857 ($dir/part2:3)" \
		"$dir"/part{0,1,2} again "$dir"/part{3,4,5,6}
	data_fails "$dir/shard2.tsv:5: paths 28572..42857 overlap paths 28572..42857 ($dir/part2:3)" \
		"$dir"/part{0,1,2} "$dir/shard2.tsv" "$dir"/part{3,4,5,6}
}

@test "refuses overlapping shards, naming both" {
	cd "$BATS_FILE_TMPDIR"
	aggregate -p part0 part1 part2 >"$BATS_TEST_TMPDIR/first3"
	data_fails "part1:3: paths 14286..28571 overlap paths 0..42857 ($BATS_TEST_TMPDIR/first3:3)" \
		"$BATS_TEST_TMPDIR/first3" part1 part3 part4 part5 part6
}

@test "refuses overlaps even in a partial" {
	cd "$BATS_FILE_TMPDIR"
	data_fails "part1:3: paths 14286..28571 overlap paths 14286..28571 (part1:3)" -p part1 part1
}

@test "refuses a truncated shard: a range with fewer rows than count=" {
	cd "$BATS_TEST_TMPDIR"
	head -n -3 "$BATS_FILE_TMPDIR/shard2.tsv" >cut.tsv
	data_fails "cut.tsv:5: range has 14283 rows, its metadata says count=14286 (truncated?)" cut.tsv
	data_fails "cut.tsv:5: range has 14283 rows, its metadata says count=14286 (truncated?)" -p cut.tsv
	data_fails "stdin:5: range has 14283 rows, its metadata says count=14286 (truncated?)" \
		< <(cat cut.tsv "$BATS_FILE_TMPDIR/shard3.tsv")
}

@test "refuses a range with more rows than count= (a range line lost)" {
	cd "$BATS_FILE_TMPDIR"
	data_fails "stdin:5: range has 28572 rows, its metadata says count=14286" \
		< <(cat shard0.tsv shard1.tsv | grep -v '^# shard=1 ')
}

@test "refuses rows outside any range mixed with ranged rows" {
	cd "$BATS_FILE_TMPDIR"
	grep -v '^# shard=' shard3.tsv >"$BATS_TEST_TMPDIR/bare.tsv"
	data_fails "14286 rows lie outside any path range (first=/count= metadata)" \
		part0 part1 part2 "$BATS_TEST_TMPDIR/bare.tsv" part4 part5 part6
}

@test "refuses ranges without paths= for the final result" {
	data_fails "path ranges without a valid paths= in the metadata" \
		< <(printf 'x\n# first=0 count=2\n1\n2\n')
	run -0 aggregate -p < <(printf 'x\n# first=0 count=2\n1\n2\n')
}

@test "refuses paths beyond the run's paths=" {
	data_fails "paths up to 2 counted, but the run has paths=2" \
		< <(printf '# paths=2\nx\n# first=0 count=3\n1\n2\n3\n')
}

@test "refuses a path range before the header" {
	data_fails "stdin:1: path range before the header" < <(printf '# first=0 count=2\nx\n1\n2\n')
}

# --- refusals: malformed partials ----------------------------------------------------------

@test "refuses a truncated partial: no product row" {
	# (the path rows, of blocks the shard holds in part, come before the end row)
	grep -v '^path' "$BATS_FILE_TMPDIR/part0" | head -n -2 >"$BATS_TEST_TMPDIR/cut"
	data_fails "$BATS_TEST_TMPDIR/cut: truncated partial: no product price*price" "$BATS_TEST_TMPDIR/cut"
	grep -v '^path' "$BATS_FILE_TMPDIR/part0-2" | head -n -2 >"$BATS_TEST_TMPDIR/cut2"
	data_fails "$BATS_TEST_TMPDIR/cut2: truncated partial: no product sq*sq" "$BATS_TEST_TMPDIR/cut2"
}

@test "refuses a truncated partial: no end row, or one cut short" {
	head -n -1 "$BATS_FILE_TMPDIR/part0" >"$BATS_TEST_TMPDIR/cut"
	data_fails "$BATS_TEST_TMPDIR/cut: truncated partial: no end row" "$BATS_TEST_TMPDIR/cut"
	# Cut in the last product's exponent: it still parses, as another value.
	grep -v '^path' "$BATS_FILE_TMPDIR/part0" | sed '$d' | sed '$s/.$//' >"$BATS_TEST_TMPDIR/cut"
	data_fails "$BATS_TEST_TMPDIR/cut: truncated partial: no end row" "$BATS_TEST_TMPDIR/cut"
	n=$(awk -F '\t' '$1 == "n" { print $4 }' "$BATS_FILE_TMPDIR/part0")
	lines=$(wc -l <"$BATS_FILE_TMPDIR/part0")
	{ cat "$BATS_FILE_TMPDIR/part0"; } | sed "\$s/.*/end\t-\t-\t${n%?}/" >"$BATS_TEST_TMPDIR/cut"
	data_fails "$BATS_TEST_TMPDIR/cut:$lines: end row of a partial cut short" "$BATS_TEST_TMPDIR/cut"
}

@test "refuses a partial whose n is not the paths of its ranges, even when two cancel" {
	local d=$BATS_TEST_TMPDIR
	# n and end rows both one more (so not a cut), and one less in another
	awk -F '\t' -v OFS='\t' '($1 == "n" || $1 == "end") { $4 += 1 } { print }' \
		"$BATS_FILE_TMPDIR/part0" >"$d/more"
	awk -F '\t' -v OFS='\t' '($1 == "n" || $1 == "end") { $4 -= 1 } { print }' \
		"$BATS_FILE_TMPDIR/part1" >"$d/less"
	n=$(awk -F '\t' '$1 == "n" { print $4 }' "$d/more")
	data_fails "$d/more: partial of n=$n rows, but its ranges hold $((n - 1)) paths" "$d/more"
	m=$(awk -F '\t' '$1 == "n" { print $4 }' "$d/less")
	data_fails "$d/less: partial of n=$m rows, but its ranges hold $((m + 1)) paths" \
		-p "$d/less" "$d/more"
	# two partials in one stream (cat): each is checked against its own ranges
	cat "$BATS_FILE_TMPDIR/part2" "$d/more" | { run -1 --separate-stderr aggregate
		[ "$stderr" = "aggregate: stdin: partial of n=$n rows, but its ranges hold $((n - 1)) paths" ]; }
	cat "$BATS_FILE_TMPDIR/part2" "$BATS_FILE_TMPDIR/part0" | aggregate -p >/dev/null
}

@test "refuses a truncated partial: no n row, no sums" {
	grep -v '^n' "$BATS_FILE_TMPDIR/part0" >"$BATS_TEST_TMPDIR/no-n"
	data_fails "$BATS_TEST_TMPDIR/no-n: truncated partial: missing its count or sums" "$BATS_TEST_TMPDIR/no-n"
	head -n 4 "$BATS_FILE_TMPDIR/part0" >"$BATS_TEST_TMPDIR/cut"
	data_fails "$BATS_TEST_TMPDIR/cut: truncated partial: missing its count or sums" "$BATS_TEST_TMPDIR/cut"
}

@test "refuses a malformed exact sum" {
	cd "$BATS_TEST_TMPDIR"
	for bad in 0x06p+1 0x6p+1 0x3p-2x 0.75 0X3P-2 0x3p+01 -0 0x3p; do
		printf '# sum_block=128\nstat\tcolumn\tcolumn2\tvalue\nn\t-\t-\t2\nsum\tx\t-\t%s\nprod\tx\tx\t0x1p+0\n' "$bad" >bad
		data_fails "bad:4: invalid exact sum '$bad'" bad
	done
}

@test "refuses a malformed row count and unknown partial rows" {
	cd "$BATS_TEST_TMPDIR"
	header=$'# sum_block=128\nstat\tcolumn\tcolumn2\tvalue'
	printf '%s\nn\t-\t-\t-2\nsum\tx\t-\t0\nprod\tx\tx\t0\n' "$header" >bad
	data_fails "bad:3: invalid or repeated row count in partial" bad
	printf '%s\nn\t-\t-\t2\nn\t-\t-\t2\nsum\tx\t-\t0\nprod\tx\tx\t0\n' "$header" >bad
	data_fails "bad:4: invalid or repeated row count in partial" bad
	printf '%s\nn\t-\t-\t2\nmean\tx\t-\t0\n' "$header" >bad
	data_fails "bad:4: unknown partial row 'mean'" bad
	printf '%s\nn\t-\t-\t2\nsum\tx\t-\t0\nprod\tx\ty\t0\n' "$header" >bad
	data_fails "bad:5: partial names an unknown column 'y'" bad
	printf '%s\nn\t-\t-\t2\nsum\tx\t-\t0\nprod\tx\tx\t0\nsum\ty\t-\t0\n' "$header" >bad
	data_fails "bad:6: sum row after the products" bad
}

# --- refusals: data --------------------------------------------------------------------------

@test "refuses fewer than 2 rows" {
	data_fails "1 rows: a standard error needs at least 2" < <(printf 'x\n1\n')
	data_fails "0 rows: a standard error needs at least 2" < <(printf 'x\n')
	run -0 aggregate -p < <(printf 'x\n1\n')   # a partial of one row is fine
}

@test "refuses empty input" {
	data_fails "stdin: no header: empty input?" </dev/null
	data_fails "stdin: no header: empty input?" < <(printf '# paths=3\n\n')
}

@test "refuses inputs whose columns differ" {
	cd "$BATS_TEST_TMPDIR"
	printf 'x\ty\n1\t2\n3\t4\n' >xy.tsv
	printf 'x\n1\n3\n' >x.tsv
	data_fails "x.tsv:1: columns 'x' differ from the first input's 'x	y'" xy.tsv x.tsv
	printf 'y\tx\n1\t2\n3\t4\n' >yx.tsv
	data_fails "yx.tsv:1: columns 'y	x' differ from the first input's 'x	y'" xy.tsv yx.tsv
	aggregate -p x.tsv >x.part
	data_fails "x.part:5: columns 'x' differ from the first input's 'x	y'" xy.tsv x.part
}

@test "refuses a value whose square overflows" {
	data_fails "stdin:3: value too large to square: 1e+200" < <(printf 'x\n1\n1e200\n')
	data_fails "stdin:2: value too large to square: -2e+160" \
		< <(printf 'x\ty\n1e-10\t-2e160\n')
}

@test "refuses NaN and infinities in data" {
	data_fails "stdin:3: invalid number in column 1 (x): 'nan'" < <(printf 'x\n1\nnan\n')
	data_fails "stdin:2: invalid number in column 2 (y): '-inf'" < <(printf 'x\ty\n1\t-inf\n')
	data_fails "stdin:2: invalid number in column 1 (x): 'Infinity'" < <(printf 'x\nInfinity\n')
	data_fails "stdin:2: invalid number in column 1 (x): '1e999'" < <(printf 'x\n1e999\n')
}

@test "refuses more than 64 columns" {
	data_fails "stdin:1: 65 columns: at most 64" \
		< <(seq 65 | sed 's/^/c/' | paste -s -; seq 65 | paste -s -)
}

@test "refuses an unreadable file" {
	data_fails "$BATS_TEST_TMPDIR/none: cannot open: No such file or directory" "$BATS_TEST_TMPDIR/none"
}

@test "reports a full disk: write error on /dev/full" {
	run -1 --separate-stderr bash -c 'aggregate "$1" >/dev/full' _ "$SMALL"
	[ "$stderr" = "aggregate: write error: No space left on device" ]
	run -1 --separate-stderr bash -c 'aggregate -p "$1" >/dev/full' _ "$SMALL"
	[ "$stderr" = "aggregate: write error: No space left on device" ]
}

# --- usage ------------------------------------------------------------------------------------

@test "an unknown option prints the synopsis, exit 2" {
	run -2 --separate-stderr aggregate --bogus
	[ "$output" = "" ]
	[ "$stderr" = "aggregate: unrecognized option '--bogus'
usage: aggregate [-p] [file ...]
$TRY" ]
}

@test "the man page's examples work as written" {
	needs_package parallel parallel
	export PARALLEL=--will-cite
	man_examples "$ROOT/tools/aggregate.1"
}

@test "the man page's synopsis is the --help usage line" {
	needs_package mandoc mandoc
	run -0 aggregate --help
	synopsis=$(mandoc -T ascii "$ROOT/tools/aggregate.1" | col -b | sed -n '/^SYNOPSIS/{n;p;}' | sed 's/^ *//')
	[ "${lines[0]}" = "usage: $synopsis" ]
}
