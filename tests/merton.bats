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
