#!/usr/bin/env bats
# merton: simpaths --model merton (GBM with compound-Poisson lognormal jumps,
# tools/lib/model.c) against Merton's series; its structure (fused = text,
# shards, the antithetic mirror) is tested with heston's in heston.bats.
#
# References: Merton (1976), "Option pricing when underlying stock returns
# are discontinuous", J. Financial Economics 3, eq. (19): the price is the
# Poisson(lambda' T) mixture, lambda' = lambda (1 + k), of Black-Scholes
# prices with sigma_n^2 = sigma^2 + n delta_j^2/T and r_n = r - lambda k +
# n ln(1 + k)/T, summed to n = 120 in double precision (python, scipy's
# normal cdf): S0=K=100 r=0.05 q=0 sigma=0.2 T=1 lambda=1 mu_j=-0.1
# delta_j=0.15 (make price MODEL=merton's example): call 12.761288593628755,
# put 7.8842310437001535 (put-call parity holds to 1e-15); S0=100 K=90
# r=0.05 q=0.02 sigma=0.25 T=0.5 lambda=2 mu_j=0.05 delta_j=0.1: call
# 14.54708489963863, put 3.319993607271765.
#
# Statistical tests: fixed seeds, |z| < 4 with the run's own stderr
# (6.3e-5 per comparison for a correct estimator). Power: without the
# compensator the forward moves by e^{-lambda k T} - 1 = 8.9% in the first
# case, the call by several units: hundreds of stderr.

bats_require_minimum_version 1.5.0
load test_helper

TOOL=simpaths
M=(--model merton)

zscore() {
	awk -v e="$1" -v s="$2" -v r="$3" 'BEGIN { z = (e - r) / s; print "z = " z;
		exit !(z < 4 && z > -4) }'
}

price_of() {
	simpaths "$@" --partial | aggregate >"$BATS_TEST_TMPDIR/agg.tsv"
	echo "$(field price 2 "$BATS_TEST_TMPDIR/agg.tsv") $(field price 3 "$BATS_TEST_TMPDIR/agg.tsv")"
}

@test "merton European call and put within 4 stderr of Merton's series" {
	not_sanitized
	read -r est se < <(price_of "${M[@]}" --steps 12 --count 200000 --seed 41 -p call)
	zscore "$est" "$se" 12.761288593628755
	read -r est se < <(price_of "${M[@]}" --count 200000 --seed 42 -p put)
	zscore "$est" "$se" 7.8842310437001535
	m2=(--model merton -K 90 -q 0.02 --sigma 0.25 -T 0.5 --lambda 2 --mu-j 0.05 --delta-j 0.1)
	read -r est se < <(price_of "${m2[@]}" --count 200000 --seed 43 -p call)
	zscore "$est" "$se" 14.54708489963863
	read -r est se < <(price_of "${m2[@]}" --antithetic --count 100000 --seed 44 -p put)
	zscore "$est" "$se" 3.319993607271765
}

@test "merton with lambda = 0 is Black-Scholes; exact at the dates (1 or 12 of them)" {
	not_sanitized
	read -r est se < <(price_of "${M[@]}" --lambda 0 --count 200000 --seed 45 -p call)
	zscore "$est" "$se" "$(closed call)"
	# the forward: E[S_T] = S0 e^{(r-q)T}, the jumps compensated
	simpaths "${M[@]}" --lambda 3 --mu-j -0.2 --delta-j 0.3 -q 0.01 --count 200000 --seed 46 | rows |
		awk '{ s += $1; ss += $1 * $1; n++ } END { m = s / n; se = sqrt((ss / n - m * m) / n);
			f = 100 * exp(0.04); z = (m - f) / se; print m, se, z; exit !(z < 4 && z > -4) }'
}

@test "merton path-dependent payoffs: barrier in + out = vanilla; the control's mean is the forward" {
	s=(--model merton --steps 12 --count 2000 --seed 47 -e summary)
	paste <(simpaths "${s[@]}" -p down-and-out-put --barrier 85 | rows) \
		<(simpaths "${s[@]}" -p down-and-in-put --barrier 85 | rows) \
		<(simpaths "${s[@]}" -p put | rows) |
		awk '{ if ($1 + $2 != $3) { print NR, $0; bad = 1 } } END { exit bad }'
	not_sanitized
	simpaths "${M[@]}" --count 100000 --seed 48 -p call --control --partial | aggregate \
		>"$BATS_TEST_TMPDIR/agg.tsv"
	zscore "$(field price 2 "$BATS_TEST_TMPDIR/agg.tsv")" "$(field price 3 "$BATS_TEST_TMPDIR/agg.tsv")" \
		12.761288593628755
}

@test "merton metadata; lambda dt above 50 refused" {
	run -0 bash -c "simpaths ${M[*]} --count 1 | head -1"
	[ "$output" = "# tool=simpaths model=merton s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=1 lambda=1 mu_j=-0.1 delta_j=0.15 seed=1 paths=1 emit=terminal antithetic=0" ]
	usage_fails "--lambda: 60 jumps expected between dates; at most 50 (more --steps)" \
		--model merton --lambda 60 --count 1
	usage_fails "--delta-j: '-1' must not be negative" --model merton --delta-j -1 --count 1
	run -0 simpaths --model merton --lambda 60 --steps 2 --count 1
}

@test "merton American put: fitted and exercised under the same jumps; fused = text" {
	a=(--model merton --steps 8 -e path)
	simpaths "${a[@]}" --training --count 4000 | lsmfit -p american-put -K 100 \
		>"$BATS_TEST_TMPDIR/rule.tsv"
	cmp <(simpaths "${a[@]}" --count 2000 | exercise -c "$BATS_TEST_TMPDIR/rule.tsv") \
		<(simpaths "${a[@]}" --count 2000 -p american-put -c "$BATS_TEST_TMPDIR/rule.tsv")
	run -1 --separate-stderr bash -c "simpaths ${a[*]} --lambda 2 --count 10 | exercise -c '$BATS_TEST_TMPDIR/rule.tsv'"
	[ "$stderr" = "exercise: stdin:3: lambda=2, but $BATS_TEST_TMPDIR/rule.tsv was fitted for lambda=1" ]
}

# A wrong --control-mean biases the price while the stderr looks as good as
# ever: under merton it is checked against Merton's series (merton.h, as
# closedform prices it; the header's put 7.8842310437001535), to 1e-7
# relative as under gbm, by simpaths --payoff and by payoff alike.
@test "merton --control-mean: a wrong one refused naming closedform's price; closedform's accepted" {
	local a=("${M[@]}" --steps 4 --emit summary --count 50 --seed 2)
	mu=$(closedform "${M[@]}" -p put -K 100 | awk -F '\t' '$1 == "price" { print $2 }')
	[ "$mu" = 7.884231043700156 ] || { echo "closedform: $mu"; false; }
	local want="the vanilla put's closed-form price under the stream's model is $mu (closedform --model merton --payoff put)"
	run -2 --separate-stderr simpaths "${a[@]}" -p asian-put-arith --control --control-mean 7.88
	[ "$(printf '%s\n' "$stderr" | head -1)" = "simpaths: --control-mean 7.88: $want" ]
	run -2 --separate-stderr payoff -p down-and-in-put --barrier 80 --control --control-mean 7.88 \
		< <(simpaths "${a[@]}")
	[ "$(printf '%s\n' "$stderr" | head -1)" = "payoff: --control-mean 7.88: $want" ]
	# gbm's put at these s0 r sigma T (5.5735...) is not merton's: refused
	run -2 simpaths "${a[@]}" -p asian-put-arith --control --control-mean 5.573526022256964
	run -0 simpaths "${a[@]}" -p asian-put-arith --control --control-mean "$mu"
	run -0 payoff -p down-and-in-put --barrier 80 --control --control-mean "$mu" < <(simpaths "${a[@]}")
	# Merton's second case (this file's header): the call 14.54708489963863
	local b=("${M[@]}" --rate 0.05 -q 0.02 --sigma 0.25 -T 0.5 --lambda 2 --mu-j 0.05 --delta-j 0.1
	         --steps 4 --emit summary --count 50)
	run -0 simpaths "${b[@]}" -p up-and-out-call -K 90 --barrier 130 --control --control-mean 14.54708489963863
	run -2 simpaths "${b[@]}" -p up-and-out-call -K 90 --barrier 130 --control --control-mean 14.547
}

# --- the upper bound under merton (exercise --upper, tools/lib/dual.c) -----------

# With one date the bound is the inner estimate of the European from S0
# (M_1 = Z_1 - C_0): its mean over the outer paths must be Merton's series
# within 4 stderr (measured z = -0.02, stderr 0.019). Inner paths without
# the compensator, or gbm's, miss by far more (the forward moves by 8.9%);
# a control mean other than the compensated forward's biases it too.
@test "merton --upper with one date: the inner estimate with its control is Merton's European" {
	not_sanitized
	local a=(--model merton --steps 1 -e path) t="$BATS_TEST_TMPDIR"
	simpaths "${a[@]}" --training --count 2000 --seed 3 | lsmfit -p american-put -K 100 >"$t/rule1.tsv"
	simpaths "${a[@]}" --count 4000 --seed 3 | exercise -c "$t/rule1.tsv" --upper 50 |
		aggregate >"$t/bound"
	read -r est se < <(awk -F '\t' '$1 == "upper" { print $2, $3 }' "$t/bound")
	echo "upper $est stderr $se"
	zscore "$est" "$se" 7.8842310437001535
}

# The bound brackets the Bermudan put from above. The reference: QuantLib's
# FdBatesVanillaEngine with v0 = theta = sigma^2 and a vol of vol of 1e-5,
# which is Merton's model (tests/peers/quantlib-merton-american 0.2 1 -0.1
# 0.15 100 100 0.05 0 365 10, 200 x 200 x 50 grid): 8.42201 for the put
# exercisable on 10 dates (8.48548 American; its European 7.88527 against
# the series' 7.88423: a grid error of about 0.001). A true upper bound
# lies at or above it: at least the reference - 4 stderr; allowed 0.05
# above (measured: upper 8.4228 +/- 0.0243 on 400 outer x 200 inner paths,
# a gap of 0.001; lower 8.371 +/- 0.076 on 20000 paths). Lower <= upper on
# the same run, within 4 stderr of their difference. About 1 CPU second.
@test "make price MODEL=merton PAYOFF=american-put UPPER: the bound above QuantLib's Bermudan, the price below it" {
	not_sanitized
	export HOME="$BATS_TEST_TMPDIR"
	MODEL=merton PAYOFF=american-put STEPS=10 PATHS=20000 TRAIN_PATHS=20000 UPPER=400 INNER=200 \
		SHARDS=2 SEED=12 OUT="$BATS_TEST_TMPDIR/out" run -0 price
	echo "$output"
	[[ "$output" == *"upper: the rule's Andersen-Broadie dual, a high-biased estimate"* ]]
	run awk -F '\t' -v ref=8.42201 '$1 == "price" { low = $2; low_se = $3 }
		$1 == "upper" { up = $2; up_se = $3; n = $6 }
		END { printf "low %.4f (%.4f), upper %.4f (%.4f) on %d outer paths\n", low, low_se, up, up_se, n
		      exit !(n == 400 && up >= ref - 4 * up_se && up <= ref + 0.05 + 4 * up_se &&
		             low <= up + 4 * sqrt(low_se ^ 2 + up_se ^ 2) && low <= ref + 4 * low_se) }' \
		"$BATS_TEST_TMPDIR/out/price.tsv"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "merton --upper: the same rows whatever the shards (make price too); outer paths below 2^32; refusals" {
	local a=(--model merton --steps 6 -e path) t="$BATS_TEST_TMPDIR"
	simpaths "${a[@]}" --training --count 1000 --seed 5 | lsmfit -p american-put -K 100 >"$t/rule.tsv"
	genseeds --paths 12 --shards 1 --seed 5 | simpaths "${a[@]}" | exercise -c "$t/rule.tsv" --upper 20 >"$t/one"
	genseeds --paths 12 --shards 5 --seed 5 | simpaths "${a[@]}" | exercise -c "$t/rule.tsv" --upper 20 >"$t/five"
	[ "$(rows "$t/one" | wc -l)" -eq 12 ]
	cmp <(rows "$t/one") <(rows "$t/five")
	[ "$(rows "$t/one" | sort -u | wc -l)" -gt 8 ]
	# the model's counters hold the outer path in 32 bits (dual.h)
	simpaths "${a[@]}" --first 4294967295 --count 2 --seed 5 >"$t/far"
	run -1 --separate-stderr exercise -c "$t/rule.tsv" --upper 5 "$t/far"
	[ "$stderr" = "exercise: $t/far:5: --upper: path 4294967296: under model=merton the inner paths number outer paths below 2^32" ]
	# a model simpaths would not have simulated: a data error, not a usage error
	sed 's/ lambda=1 / lambda=1000 /' "$t/rule.tsv" >"$t/jumpy.tsv"
	run -1 --separate-stderr exercise -c "$t/jumpy.tsv" --upper 5 < <(simpaths "${a[@]}" --count 2 | sed 's/ lambda=1 / lambda=1000 /')
	[ "$stderr" = "exercise: stdin:3: --upper: lambda=1000: more than 50 jumps expected between dates (simpaths refuses those paths)" ]
	# make price: the bound's run in 1 or 3 shards, the same bytes
	export HOME="$t"
	local p=(MODEL=merton PAYOFF=american-put STEPS=6 PATHS=2000 TRAIN_PATHS=1000 UPPER=12 INNER=20)
	env "${p[@]}" SHARDS=1 OUT="$t/a" price >/dev/null
	env "${p[@]}" SHARDS=3 OUT="$t/b" price >/dev/null
	cmp "$t/a/price.tsv" "$t/b/price.tsv"
	[ "$(grep -c '^upper' "$t/a/price.tsv")" -eq 1 ]
}

@test "expensive: QuantLib's finite-difference Bermudan and American puts under merton, the references above" {
	expensive
	run -0 "$ROOT/tests/peers/quantlib-merton-american" 0.2 1 -0.1 0.15 100 100 0.05 0 365 10
	echo "$output"
	[ "${lines[0]:0:15}" = "$(printf 'american\t8.4854')" ]
	[ "${lines[1]:0:15}" = "$(printf 'bermudan\t8.4220')" ]
	# Bates at a vanishing vol of vol is Merton: its European within the grid's
	# error (2e-3) of the series
	awk -F '\t' '$1 == "european" { d = $2 - 7.8842310437001535; print "european", $2, d
		exit !(d > -0.002 && d < 0.002) }' <<<"$output"
}
