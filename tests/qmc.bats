#!/usr/bin/env bats
# Randomized quasi-Monte Carlo (simpaths --qmc sobol, make price QMC=sobol):
# the Sobol points against published values, the replicates' error
# estimate (aggregate: mean of replicate means, Student-t interval) against
# scipy's t quantiles, a closed form and its coverage over many seeds, the
# bit-identical merge of any split, and every refusal's exact message.

bats_require_minimum_version 1.5.0
load test_helper

TOOL=simpaths
SCIPY=/usr/lib/python3/dist-packages/scipy/__init__.py

# qmc_price ARGS...: simpaths --qmc sobol ARGS --partial | aggregate
qmc_price() {
	simpaths --qmc sobol "$@" --partial | aggregate
}

@test "the plain Sobol points are the published sequence's first points" {
	# Joe and Kuo's new-joe-kuo-6.21201 in Gray-code order, as scipy's
	# documentation shows them (scipy.stats.qmc.Sobol(d=2, scramble=False)
	# .random_base2(m=3): [0,0] [.5,.5] [.75,.25] [.25,.75] [.375,.375]
	# [.875,.875] [.625,.125] [.125,.625]), times 2^32
	run -0 "$UNIT/test_sobol" points 2 8 0 1
	[ "$output" = "$(printf '%s\t%s\n' 0 0 2147483648 2147483648 3221225472 1073741824 \
		1073741824 3221225472 1610612736 1610612736 3758096384 3758096384 \
		2684354560 536870912 536870912 2684354560)" ]
}

@test "the plain Sobol points equal scipy's in dimensions up to Boost's last, 3667" {
	needs_package python3-scipy "$SCIPY"
	"$UNIT/test_sobol" points 3667 256 2 9 99 499 1023 1110 3666 >"$BATS_TEST_TMPDIR/ours"
	/usr/bin/python3 - >"$BATS_TEST_TMPDIR/scipy" <<-'EOF'
	from scipy.stats import qmc
	x = qmc.Sobol(d=3667, scramble=False, bits=32).random(256)
	for row in x[:, [2, 9, 99, 499, 1023, 1110, 3666]]:
	    print('\t'.join(str(int(v * 2**32)) for v in row))
	EOF
	cmp "$BATS_TEST_TMPDIR/ours" "$BATS_TEST_TMPDIR/scipy"
}

@test "scrambled points keep the net's balance, come from their index alone, differ by replicate and seed" {
	run -0 --separate-stderr "$UNIT/test_sobol"
	[ "$stderr" = "" ]
}

@test "a run's metadata says qmc=sobol and its replicates; the result says Student-t and its df" {
	run -0 simpaths --qmc sobol --replicates 8 --count 64 --steps 3 -e summary
	[[ "${lines[0]}" == *" qmc=sobol replicates=8" ]]
	qmc_price --count 256 -p call -K 100 >"$BATS_TEST_TMPDIR/r"
	run -0 head -2 "$BATS_TEST_TMPDIR/r"
	[[ "${lines[0]}" == "# tool=aggregate interval=student-t df=15 "*" qmc=sobol replicates=16 "* ]]
	[ "${lines[1]}" = "$(printf 'name\testimate\tstderr\tci95_low\tci95_high\tpaths')" ]
}

@test "the interval's half-width is scipy's Student-t quantile on R-1 df times the stderr" {
	not_sanitized
	needs_package python3-scipy "$SCIPY"
	for r in 2 3 4 16 32 100; do
		qmc_price --replicates "$r" --count $((r * 64)) -p call -K 100 |
			awk -F'\t' -v r="$r" '$1 == "price" { printf "%d\t%.17g\n", r - 1, ($5 - $2) / $3 }'
	done >"$BATS_TEST_TMPDIR/ours"
	/usr/bin/python3 - "$BATS_TEST_TMPDIR/ours" <<-'EOF'
	import sys
	from scipy.stats import t
	for line in open(sys.argv[1]):
	    df, ratio = line.split()
	    want = t.ppf(0.975, int(df))
	    # the interval's ends are rounded to doubles: about 1e-11 relative
	    assert abs(float(ratio) / want - 1) < 1e-9, (df, ratio, want)
	EOF
}

@test "the estimate is the mean of the replicate means and the stderr their spread over sqrt(R)" {
	not_sanitized
	simpaths --qmc sobol --replicates 4 --count 64 --steps 4 -e summary -p asian-call-arith -K 100 \
		>"$BATS_TEST_TMPDIR/rows"
	aggregate "$BATS_TEST_TMPDIR/rows" >"$BATS_TEST_TMPDIR/r"
	# path p (row p) is replicate p % 4
	rows "$BATS_TEST_TMPDIR/rows" | awk '{ s[(NR - 1) % 4] += $1; n[(NR - 1) % 4]++ }
		END { for (r = 0; r < 4; r++) { m[r] = s[r] / n[r]; mean += m[r] / 4 }
		      for (r = 0; r < 4; r++) ss += (m[r] - mean) ^ 2
		      printf "%.10f %.10f\n", mean, sqrt(ss / 3 / 4) }' >"$BATS_TEST_TMPDIR/want"
	run -0 awk -F'\t' '$1 == "price" { printf "%.10f %.10f\n", $2, $3 }' "$BATS_TEST_TMPDIR/r"
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/want")" ]
}

@test "replicate sums by blocks: 3 replicates, blocks starting on replicates 0, 2, 1, split anywhere" {
	not_sanitized
	# 3 does not divide the block of 128 paths: the blocks at paths 0, 128
	# and 256 begin with replicates 0, 2 and 1, hold 43 or 42 paths of
	# each, and the ranges split two of them. The estimate and stderr are
	# those of the rows' replicate means (awk, 10 decimals: the block sums
	# round differently from awk's running sums, at 1e-16 relative).
	args=(--qmc sobol --replicates 3 --steps 4 -e summary --paths 384 --seed 5 -p asian-call-arith -K 100)
	simpaths "${args[@]}" --first 0 --count 384 >"$BATS_TEST_TMPDIR/rows"
	simpaths "${args[@]}" --first 0 --count 384 --partial | aggregate >"$BATS_TEST_TMPDIR/one"
	simpaths "${args[@]}" --first 0 --count 150 --partial >"$BATS_TEST_TMPDIR/a"
	simpaths "${args[@]}" --first 150 --count 234 --partial >"$BATS_TEST_TMPDIR/b"
	aggregate "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/a" | cmp - "$BATS_TEST_TMPDIR/one"
	rows "$BATS_TEST_TMPDIR/rows" | awk '{ s[(NR - 1) % 3] += $1; n[(NR - 1) % 3]++ }
		END { for (r = 0; r < 3; r++) { m[r] = s[r] / n[r]; mean += m[r] / 3 }
		      for (r = 0; r < 3; r++) ss += (m[r] - mean) ^ 2
		      printf "%.10f %.10f\n", mean, sqrt(ss / 2 / 3) }' >"$BATS_TEST_TMPDIR/want"
	run -0 awk -F'\t' '$1 == "price" { printf "%.10f %.10f\n", $2, $3 }' "$BATS_TEST_TMPDIR/one"
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/want")" ]
}

@test "any split into ranges, fused or through payoff, partials merged in any order: the same bytes" {
	args=(--qmc sobol --replicates 4 --steps 5 -e summary --paths 256 --seed 9)
	pay=(-p asian-call-arith -K 100 --control --control-mean "$(closed asian-call-geo -K 100 --steps 5)")
	simpaths "${args[@]}" --first 0 --count 256 "${pay[@]}" --partial | aggregate >"$BATS_TEST_TMPDIR/one"
	simpaths "${args[@]}" --first 0 --count 36 "${pay[@]}" --partial >"$BATS_TEST_TMPDIR/a"
	simpaths "${args[@]}" --first 36 --count 100 | payoff "${pay[@]}" | aggregate --partial >"$BATS_TEST_TMPDIR/b"
	simpaths "${args[@]}" --first 136 --count 120 | payoff "${pay[@]}" >"$BATS_TEST_TMPDIR/c"
	aggregate "$BATS_TEST_TMPDIR/c" "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/a" >"$BATS_TEST_TMPDIR/three"
	cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/three"
	aggregate --partial "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/c" | aggregate - "$BATS_TEST_TMPDIR/b" \
		>"$BATS_TEST_TMPDIR/merged"
	cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/merged"
	run -0 field price 2 "$BATS_TEST_TMPDIR/one"
}

@test "the geometric Asian's QMC price lies within t(15, 0.9995) = 4.073 stderrs of its closed form" {
	not_sanitized
	# 16 replicates of 2^12 points, 64 dates; t_{15} 0.9995 quantile from
	# scipy (t.ppf(0.9995, 15) = 4.0728): a correct estimator fails one
	# seed in a thousand
	want=$(closed asian-call-geo -K 100 --steps 64)
	qmc_price --count 65536 --steps 64 -e summary -p asian-call-geo -K 100 --seed 3 >"$BATS_TEST_TMPDIR/r"
	est=$(field price 2 "$BATS_TEST_TMPDIR/r") se=$(field price 3 "$BATS_TEST_TMPDIR/r")
	echo "estimate $est stderr $se closed form $want"
	awk -v e="$est" -v s="$se" -v c="$want" 'BEGIN { exit !(s > 0 && (e - c) / s < 4.073 && (c - e) / s < 4.073) }'
}

@test "merton by QMC: the call within t(15, 0.9995) = 4.073 stderrs of its closed form, 10 times less variance than MC" {
	not_sanitized
	# dimensions: the diffusion's bridge, the Poisson uniforms, the jumps'
	# normals (3 a date); 16 replicates of 2^12 points, 4 dates: the
	# variance ratio is 31 here (670 with one date: the jumps' dimensions
	# weigh more as dates are added)
	want=$(closed call -K 100 --model merton)
	pay=(--model merton --steps 4 -p call -K 100 --count 65536 --seed 11 --partial)
	simpaths --qmc sobol "${pay[@]}" | aggregate >"$BATS_TEST_TMPDIR/q"
	simpaths "${pay[@]}" | aggregate >"$BATS_TEST_TMPDIR/m"
	est=$(field price 2 "$BATS_TEST_TMPDIR/q") se=$(field price 3 "$BATS_TEST_TMPDIR/q")
	se_mc=$(field price 3 "$BATS_TEST_TMPDIR/m")
	echo "estimate $est stderr $se (MC $se_mc) closed form $want"
	awk -v e="$est" -v s="$se" -v c="$want" -v m="$se_mc" \
		'BEGIN { exit !(s > 0 && (e - c) / s < 4.073 && (c - e) / s < 4.073 && (m / s) ^ 2 > 10) }'
}

@test "QMC with the bridge cuts the arithmetic Asian's variance 100-fold against Monte Carlo" {
	not_sanitized
	# 64 dates, 16 x 2^12 paths each way: the variance ratio is 894 here
	# (README: thousands at 2^16 points); a broken scramble, bridge or point
	# set gives Monte Carlo's, about 1
	pay=(--steps 64 -e summary -p asian-call-arith -K 100 --count 65536 --seed 5 --partial)
	se_mc=$(simpaths "${pay[@]}" | aggregate | awk -F'\t' '$1 == "price" { print $3 }')
	se_qmc=$(simpaths --qmc sobol "${pay[@]}" | aggregate | awk -F'\t' '$1 == "price" { print $3 }')
	echo "stderr: Monte Carlo $se_mc, QMC $se_qmc"
	awk -v a="$se_mc" -v b="$se_qmc" 'BEGIN { exit !(b > 0 && (a / b) ^ 2 > 100) }'
}

@test "the 95% intervals of 1000 seeds cover the closed form 95 +- 2.5% of the time" {
	not_sanitized
	# geometric Asian, 4 dates, 16 replicates of 64 points per seed: the
	# count covered is binomial(1000, 0.95) for honest intervals, sd 6.9:
	# 925..975 is 3.6 sd either way. Intervals from the paths' own spread
	# (ignoring the replicates) cover about 100%; a normal quantile in
	# place of t about 93%.
	want=$(closed asian-call-geo -K 100 --steps 4)
	for seed in $(seq 1 1000); do
		simpaths --qmc sobol --seed "$seed" --count 1024 --steps 4 -e summary \
			-p asian-call-geo -K 100 --partial | aggregate | awk -F'\t' '$1 == "price"'
	done | awk -F'\t' -v c="$want" '{ n++; covered += $4 <= c && c <= $5 }
		END { print covered " of " n; exit !(n == 1000 && covered >= 925 && covered <= 975) }'
}

@test "expensive: 1000 seeds of a 64-date geometric Asian: coverage 95 +- 2.5%" {
	expensive
	# 16 replicates of 256 points, 64 dates: the count covered is
	# binomial(1000, 0.95) for honest intervals, 925..975 is 3.6 sd either
	# way (measured: 948). Not the call: a kink in one dimension makes the
	# linearly scrambled replicate means heavy-tailed at 256 points, and
	# its intervals cover about 93% (935 of 1000 here; scipy's qmc.Sobol,
	# the same scramble, 924): README, "Randomized quasi-Monte Carlo".
	want=$(closed asian-call-geo -K 100 --steps 64)
	for seed in $(seq 1 1000); do
		simpaths --qmc sobol --seed "$seed" --count 4096 --steps 64 -e summary \
			-p asian-call-geo -K 100 --partial | aggregate | awk -F'\t' '$1 == "price"'
	done | awk -F'\t' -v c="$want" '{ n++; covered += $4 <= c && c <= $5 }
		END { print covered " of " n; exit !(n == 1000 && covered >= 925 && covered <= 975) }'
}

@test "simpaths refuses what QMC cannot do, saying why" {
	usage_fails "--qmc: unknown point set 'halton' (sobol)" --qmc halton --count 16
	usage_fails "--replicates goes with --qmc sobol" --replicates 4 --count 16
	usage_fails "--replicates: '1' must be between 2 and 1024" --qmc sobol --replicates 1 --count 16
	usage_fails "--qmc sobol: model heston's QE scheme draws its variance path step by step, with no Brownian bridge; quasi-Monte Carlo is gbm's and merton's" \
		--qmc sobol --model heston --count 16
	usage_fails "--qmc sobol and --antithetic: the scrambled points are balanced already; choose one" \
		--qmc sobol --antithetic --count 16
	usage_fails "--qmc sobol and --training: lsmfit's training paths are plain Monte Carlo (the rule needs independent paths, not a replicate's points)" \
		--qmc sobol --training --count 16
	usage_fails "--qmc sobol: --steps 3668 needs 3668 dimensions; at most 3667 (Joe and Kuo's directions as Boost ships them)" \
		--qmc sobol --steps 3668 --count 16
	usage_fails "--qmc sobol: --steps 1223 needs 3669 dimensions (3 a date under merton); at most 3667 (Joe and Kuo's directions as Boost ships them)" \
		--qmc sobol --model merton --steps 1223 --count 16
	usage_fails "--qmc sobol: paths=1000 with 16 replicates: paths / replicates must be a power of two: nearest 512 or 1024" \
		--qmc sobol --count 1000
	usage_fails "--qmc sobol: paths=8 with 16 replicates: 16 replicates need at least 16 paths (a power of two times 16)" \
		--qmc sobol --count 8
	usage_fails "--qmc sobol: paths=137438953472 with 16 replicates: at most 2^32 points a replicate: at most 68719476736 paths" \
		--qmc sobol --first 0 --count 16 --paths 137438953472
}

@test "simpaths refuses a range that splits a point's replicates" {
	run -1 --separate-stderr simpaths --qmc sobol --first 8 --count 16 --paths 32
	[ "$stderr" = "simpaths: --first: --qmc sobol: paths 8..23: a range of a run of 16 replicates starts and ends on a multiple of 16 (genseeds --multiple 16)" ]
	genseeds -n 4096 -s 3 >"$BATS_TEST_TMPDIR/seeds"
	run -1 --separate-stderr simpaths --qmc sobol "$BATS_TEST_TMPDIR/seeds"
	[ "$stderr" = "simpaths: $BATS_TEST_TMPDIR/seeds:3: --qmc sobol: paths 0..1365: a range of a run of 16 replicates starts and ends on a multiple of 16 (genseeds --multiple 16)" ]
}

@test "aggregate refuses replicate sums that are missing, repeated or without replicates=" {
	simpaths --qmc sobol --replicates 2 --count 8 -p call -K 100 --partial >"$BATS_TEST_TMPDIR/p"
	grep -v $'^rep\tprice\t1\t' "$BATS_TEST_TMPDIR/p" >"$BATS_TEST_TMPDIR/short"
	run -1 --separate-stderr aggregate "$BATS_TEST_TMPDIR/short"
	[ "$stderr" = "aggregate: $BATS_TEST_TMPDIR/short: truncated partial: 1 replicate sums, not 2 (replicates=2, 1 columns)" ]
	awk '{ print } /^rep/ && !done { print; done = 1 }' "$BATS_TEST_TMPDIR/p" >"$BATS_TEST_TMPDIR/twice"
	run -1 --separate-stderr aggregate "$BATS_TEST_TMPDIR/twice"
	[[ "$stderr" == "aggregate: $BATS_TEST_TMPDIR/twice:"*": invalid or repeated replicate '0'" ]]
	sed 's/ replicates=2//; s/ rep_block=128//' "$BATS_TEST_TMPDIR/p" >"$BATS_TEST_TMPDIR/bare"
	run -1 --separate-stderr aggregate "$BATS_TEST_TMPDIR/bare"
	[[ "$stderr" == "aggregate: $BATS_TEST_TMPDIR/bare:"*": replicate sum without replicates= in the metadata, or before the sums" ]]
	sed 's/ replicates=2/ replicates=1/' "$BATS_TEST_TMPDIR/p" >"$BATS_TEST_TMPDIR/one"
	run -1 --separate-stderr aggregate "$BATS_TEST_TMPDIR/one"
	[ "$stderr" = "aggregate: $BATS_TEST_TMPDIR/one: invalid replicates=1 (2 to 1024)" ]
}

@test "aggregate refuses QMC partials whose replicate sums were formed by another rule" {
	simpaths --qmc sobol --replicates 2 --count 8 -p call -K 100 --partial >"$BATS_TEST_TMPDIR/p"
	[[ "$(head -1 "$BATS_TEST_TMPDIR/p")" == "# tool=aggregate partial=1 sum_block=128 rep_block=128 "* ]]
	# a version that added each path to its replicate's exact sum
	sed 's/ rep_block=128//' "$BATS_TEST_TMPDIR/p" >"$BATS_TEST_TMPDIR/old"
	run -1 --separate-stderr aggregate "$BATS_TEST_TMPDIR/p" "$BATS_TEST_TMPDIR/old"
	[ "$stderr" = "aggregate: $BATS_TEST_TMPDIR/old: partial has replicates= but no rep_block= (replicate sums path by path, from a version before their block sums?): want rep_block=128" ]
	sed 's/ rep_block=128/ rep_block=64/' "$BATS_TEST_TMPDIR/p" >"$BATS_TEST_TMPDIR/other"
	run -1 --separate-stderr aggregate "$BATS_TEST_TMPDIR/other"
	[ "$stderr" = "aggregate: $BATS_TEST_TMPDIR/other: partial's replicate sums in blocks of rep_block=64 paths: want rep_block=128" ]
	sed 's/ replicates=2//' "$BATS_TEST_TMPDIR/p" >"$BATS_TEST_TMPDIR/norep"
	run -1 --separate-stderr aggregate "$BATS_TEST_TMPDIR/norep"
	[ "$stderr" = "aggregate: $BATS_TEST_TMPDIR/norep: partial has rep_block= but no replicates=" ]
	# plain Monte Carlo's partials do not say it
	simpaths --count 8 -p call -K 100 --partial | head -1 | grep -v rep_block
}

@test "aggregate refuses QMC rows outside path ranges or ranges that split a point" {
	simpaths --qmc sobol --replicates 2 --count 8 | payoff -p call -K 100 >"$BATS_TEST_TMPDIR/rows"
	grep -v '^# shard=' "$BATS_TEST_TMPDIR/rows" >"$BATS_TEST_TMPDIR/bare"
	run -1 --separate-stderr aggregate "$BATS_TEST_TMPDIR/bare"
	[[ "$stderr" == "aggregate: $BATS_TEST_TMPDIR/bare:"*": replicates= needs path ranges (first= count=) to tell each row's replicate" ]]
	{ grep '^#' "$BATS_TEST_TMPDIR/rows" | grep -v '^# shard=' | sed 's/paths=8/paths=7/'
	  echo price; echo '# first=0 count=7'; rows "$BATS_TEST_TMPDIR/rows" | head -7; } >"$BATS_TEST_TMPDIR/odd"
	run -1 --separate-stderr aggregate "$BATS_TEST_TMPDIR/odd"
	[[ "$stderr" == "aggregate: $BATS_TEST_TMPDIR/odd:"*": paths 0..6: with replicates=2 a range starts and ends on a multiple of 2" ]]
}

@test "genseeds --multiple puts every shard on a multiple, or refuses" {
	run -0 genseeds -n 64 -s 3 -m 16
	[ "$(rows <<<"$output" | cut -f2,3 | tr '\t\n' ' ')" = "0 32 32 16 48 16 " ]
	TOOL=genseeds usage_fails "--multiple: 60 paths are not a multiple of 16" -n 60 -m 16
	TOOL=genseeds usage_fails "--shards: 5 shards for 64 paths in multiples of 16: at most 4" -n 64 -s 5 -m 16
}

@test "make price's manifest refuses QMC's impossible combinations, naming the variable" {
	export OUT="$BATS_TEST_TMPDIR/out"
	QMC=sobol PATHS=1000000 run -2 --separate-stderr manifest price
	[ "$stderr" = "price: PATHS=1000000: QMC=sobol needs PATHS/REPLICATES a power of two (REPLICATES=16): nearest valid PATHS=524288 or 1048576" ]
	QMC=sobol MODEL=heston run -2 --separate-stderr manifest price
	[ "$stderr" = "price: QMC=sobol: quasi-Monte Carlo is gbm's and merton's (heston's QE scheme draws its variance path step by step, with no Brownian bridge)" ]
	QMC=sobol MODEL=merton STEPS=1223 run -2 --separate-stderr manifest price
	[ "$stderr" = "price: STEPS=1223: QMC=sobol takes 3 Sobol dimensions a date under merton: at most 1222 dates (Joe and Kuo's 3667 directions as Boost ships them)" ]
	REPLICATES=8 run -2 --separate-stderr manifest price
	[ "$stderr" = "price: REPLICATES=8: only QMC=sobol takes it" ]
	QMC=sobol PATHS=64 SHARDS=16 run -2 --separate-stderr manifest price
	[ "$stderr" = "price: SHARDS=16: with QMC=sobol a shard holds whole points of every replicate: at most PATHS/REPLICATES=4 shards" ]
	QMC=sobol ANTITHETIC=1 run -2 --separate-stderr manifest price
	[ "$stderr" = "price: ANTITHETIC=1: QMC=sobol: the scrambled points are balanced already; choose one" ]
	QMC=sobol STEPS=3668 run -2 --separate-stderr manifest price
	[ "$stderr" = "price: STEPS=3668: QMC=sobol takes a Sobol dimension per date: at most 3667 dates (Joe and Kuo's 3667 directions as Boost ships them)" ]
	QMC=sobol REPLICATES=32 run -0 manifest price
	[[ "$output" == *$'\nPATHS\t2097152\n'* ]]
}

@test "make price QMC=sobol: the same bytes for any SHARDS and JOBS, and a report that says QMC" {
	not_sanitized
	cd "$ROOT"
	vars=(QMC=sobol REPLICATES=8 PAYOFF=asian-call-arith STEPS=16 PATHS=8192 CONTROL=1)
	run -0 make -s price "${vars[@]}" SHARDS=1 JOBS=1 OUT="$BATS_TEST_TMPDIR/a"
	[[ "$output" == *"qmc    sobol: 8 independently scrambled replicates, Brownian-bridge paths;"* ]]
	[[ "$output" == *"stderr from the replicate means, 95% interval Student-t on 7 df"* ]]
	run -0 make -s price "${vars[@]}" SHARDS=5 JOBS=2 FUSED=0 OUT="$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a/price.tsv" "$BATS_TEST_TMPDIR/b/price.tsv"
	run -0 field price-plain 2 "$BATS_TEST_TMPDIR/a/price.tsv"
}
