#!/usr/bin/env bats
# stats: the Monte Carlo prices are right, statistically.
#
# European prices against the closed form on a grid of 12 parameter points,
# coverage of the 95% interval over 400 independent runs, the antithetic
# estimator, degenerate volatilities, and shard invariance of the numbers.
#
# Every seed is fixed, so every outcome here is deterministic: a test that
# passes today passes tomorrow on any machine (the paths depend only on the
# seed and the path index). Each test's comment says how many standard
# errors it allows and why a correct pricer passes with overwhelming
# probability for a fresh seed while a wrong one fails: that is what makes
# the fixed seed a fair sample rather than a tuned one.
#
# Numbers, not memory safety: every test skips under the sanitizers.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	not_sanitized
}

# The model rate and strike used throughout.
R=0.05
K=100

# Black-Scholes in awk: the first two moments of each European payoff.
# bs(p, s0, k, r, q, sigma, T) sets PRICE (the discounted mean), M2 (the
# discounted second moment E[(e^{-rT} payoff)^2]) and PROB (the risk-neutral
# probability that the payoff is not zero). With F = s0 e^{(r-q)T},
# v = sigma sqrt(T) and S_T = F e^{v Z - v^2/2}:
#   E[S_T 1{S_T>k}] = F N(d1),  E[S_T^2 1{S_T>k}] = F^2 e^{v^2} N(d1 + v),
# so E[(S_T-k)+^2] = F^2 e^{v^2} N(d1+v) - 2kF N(d1) + k^2 N(d2), and the
# put's mirror image. closedform is the reference for the price; this is the
# reference for the variance a correct pricer's estimate has (the "null
# standard error"), and a cross-check of closedform. The normal CDF comes
# from Numerical Recipes' erfcc (fractional error < 1.2e-7 everywhere),
# precise enough for both uses (checked against closedform to 1% of a
# standard error in the test). POSIX awk: mawk has no erf.
BS_AWK='
function erfc_(x,   z, t, r) {
	z = x < 0 ? -x : x
	t = 1 / (1 + 0.5 * z)
	r = t * exp(-z*z - 1.26551223 + t*(1.00002368 + t*(0.37409196 + t*(0.09678418 + \
	    t*(-0.18628806 + t*(0.27886807 + t*(-1.13520398 + t*(1.48851587 + \
	    t*(-0.82215223 + t*0.17087277)))))))))
	return x >= 0 ? r : 2 - r
}
function ncdf(x) { return 0.5 * erfc_(-x / sqrt(2)) }
function bs(p, s0, k, r, q, sig, t,   F, v, D, d1, d2, m) {
	F = s0 * exp((r - q) * t); v = sig * sqrt(t); D = exp(-r * t)
	d1 = (log(F / k) + v * v / 2) / v; d2 = d1 - v
	if (p == "call") {
		PRICE = D * (F * ncdf(d1) - k * ncdf(d2)); PROB = ncdf(d2)
		m = F * F * exp(v * v) * ncdf(d1 + v) - 2 * k * F * ncdf(d1) + k * k * ncdf(d2)
	} else if (p == "put") {
		PRICE = D * (k * ncdf(-d2) - F * ncdf(-d1)); PROB = ncdf(-d2)
		m = F * F * exp(v * v) * ncdf(-d1 - v) - 2 * k * F * ncdf(-d1) + k * k * ncdf(-d2)
	} else if (p == "digital-call") {
		PRICE = D * ncdf(d2); PROB = ncdf(d2); m = PROB
	} else if (p == "digital-put") {
		PRICE = D * ncdf(-d2); PROB = ncdf(-d2); m = PROB
	} else {
		print "bs: unknown payoff " p > "/dev/stderr"; exit 2
	}
	M2 = D * D * m
}
'

# closed_price PAYOFF SIMPATHS-MODEL-OPTIONS...: closedform's price.
closed_price() {
	local payoff=$1
	shift
	closedform "$@" --steps 1 --payoff "$payoff" --strike "$K" |
		awk -F'\t' '$1 == "price" { print $2; found = 1 } END { exit !found }'
}

# simpaths' options choosing the normals (--normals): none, the default.
NORMALS=()

# european_point DIR N SEED S0 Q SIGMA T: one simpaths run of N paths
# feeding the four European payoffs at once (tee into FIFOs, one
# payoff | aggregate per payoff, the four running concurrently); writes one
# line per payoff,
#   s0 q sigma T payoff estimate stderr closed-form
# to DIR/results. DIR must exist and is the point's own.
european_point() {
	local d=$1 n=$2 seed=$3 s0=$4 q=$5 sigma=$6 t=$7 p pid
	local model=(--s0 "$s0" --rate "$R" --yield "$q" --sigma "$sigma" --maturity "$t")
	local pids=()
	for p in put digital-call digital-put; do
		mkfifo "$d/$p.fifo"
		(set -o pipefail; payoff -x -p "$p" -K "$K" <"$d/$p.fifo" | aggregate >"$d/$p.tsv") &
		pids+=($!)
	done
	(set -o pipefail
	 simpaths -x "${model[@]}" "${NORMALS[@]}" --first 0 --count "$n" --seed "$seed" |
		tee "$d/put.fifo" "$d/digital-call.fifo" "$d/digital-put.fifo" |
		payoff -x -p call -K "$K" | aggregate >"$d/call.tsv")
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	for p in call put digital-call digital-put; do
		[ "$(field price 6 "$d/$p.tsv")" = "$n" ]
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s0" "$q" "$sigma" "$t" "$p" \
			"$(field price 2 "$d/$p.tsv")" "$(field price 3 "$d/$p.tsv")" \
			"$(closed_price "$p" "${model[@]}")"
	done >"$d/results"
}

# --- European prices against the closed form ---------------------------------

# 12 parameter points: S0 in {80,100,120} x sigma in {0.1,0.4} x T in
# {0.25,2}, K=100, r=0.05, q=0.03 where the sum of the three axis indices is
# odd and q=0 where it is even (so each pair of axes meets both yields); one
# simpaths run of 2,000,000 paths per point, its own seed, feeding call, put,
# digital-call and digital-put: 48 comparisons.
#
# Each comparison: |z| <= 4 with z = (estimate - closed form) / se0, where se0
# = sqrt((E[X^2] - E[X]^2) / N) is the exact standard error of a correct
# pricer's estimate (moments above). Under a correct pricer z is a mean of
# 2e6 iid draws, standardized: P(|z| > 4) = 6.3e-5 per comparison, 48 x 6.3e-5
# = 0.3% family-wise for a fresh seed (under 0.4% with the Poisson tails and
# the pooled checks below). Why se0 and not the reported
# stderr: at two points only a handful of paths pay (S0=80 sigma=0.1 T=0.25
# call and digital-call: 22 paying paths expected; S0=120 sigma=0.1 T=0.25
# put and digital-put: 108), and there the sample stderr is as noisy as the
# estimate and moves with it: measured by its own stderr, a run with 9 hits
# instead of 22 shows z = (9-22)/sqrt(9) = -4.3, and that happens with
# probability 0.15%, not 6.3e-5. With se0 the 4-sigma tail is a Poisson tail
# (P(X >= 41 | 22) = 1.9e-4) at the rarest point and normal elsewhere.
# The reported stderr is checked against se0 separately, to 2%, wherever at
# least 10^4 paths fall on each side of the strike (its relative noise there
# is below 0.5%, so 2% is 4 of its own sds; a stderr 4% off fails, and one
# with the wrong n or a missing square root is off by far more).
# closedform's price is also checked against the awk moments to 1% of se0.
#
# Power: a 1% pricing bias moves z by 0.01 price / se0 (printed per row):
# by 6 to 24 at the at-the-money points (the least: put, sigma=0.1, T=2,
# 6.3), by up to 4000 for deep in-the-money ones, and by less than 4 only
# where the option is out of the money (few paths pay, so no run of this
# size resolves 1% there). The pooled statistic per payoff, sum(z)/sqrt(12)
# (N(0,1) under a correct pricer: the points have independent seeds), must
# also be within 4: a 1% bias of one sign moves it by 42 (call), 53 (put),
# 600+ (digitals). Checked on this seed's results: every estimate scaled by
# 1.01 fails 40 of the 48 comparisons and all four pooled ones; scaled by
# 1.003, 21 and all four. On failure the table of all z is printed.
# european_grid [N]: the 48 comparisons below, N paths a point (2000000).
european_grid() {
	local n=${1:-2000000} seed=7000 i j l q k=0 pid d=$BATS_TEST_TMPDIR
	local s0s=(80 100 120) sigmas=(0.1 0.4) ts=(0.25 2) pids=()
	# Two points at a time: the FIFO fan-out of one point keeps a core and a
	# half busy.
	for i in 0 1 2; do
		for j in 0 1; do
			for l in 0 1; do
				q=0
				(((i + j + l) % 2)) && q=0.03
				mkdir "$d/point-$k"
				(european_point "$d/point-$k" "$n" $((seed + k)) \
					"${s0s[i]}" "$q" "${sigmas[j]}" "${ts[l]}") &
				pids+=($!)
				if ((${#pids[@]} == 2)); then
					for pid in "${pids[@]}"; do wait "$pid"; done
					pids=()
				fi
				k=$((k + 1))
			done
		done
	done
	for pid in "${pids[@]}"; do wait "$pid"; done
	cat "$d"/point-{0..11}/results >"$d/results"
	[ "$(wc -l <"$d/results")" -eq 48 ]
	awk -F'\t' -v n="$n" -v r="$R" -v k="$K" "$BS_AWK"'
	{
		bs($5, $1, k, r, $2, $3, $4)
		se0 = sqrt((M2 - PRICE * PRICE) / n)
		z = ($6 - $8) / se0
		ratio = $7 / se0
		tail = n * (PROB < 1 - PROB ? PROB : 1 - PROB)
		verdict = ""
		if (z > 4 || z < -4) verdict = verdict " Z>4"
		if (tail >= 1e4 && (ratio > 1.02 || ratio < 0.98)) verdict = verdict " STDERR"
		d = PRICE - $8
		if (d > 0.01 * se0 || d < -0.01 * se0) verdict = verdict " CLOSEDFORM-VS-AWK=" PRICE
		if (verdict != "") bad++
		a = z < 0 ? -z : z
		if (a > maxz) maxz = a
		pooled[$5] += z; npts[$5]++
		printf "s0=%s q=%s sigma=%s T=%s %-12s est=%.10g cf=%.10g stderr=%.4g se0=%.4g z=%+.3f stderr/se0=%.4f 1%%bias=%.1fse0%s\n", \
			$1, $2, $3, $4, $5, $6, $8, $7, se0, z, ratio, 0.01 * $8 / se0, verdict
	}
	END {
		for (p in pooled) {
			zp = pooled[p] / sqrt(npts[p])
			printf "pooled %-12s sum(z)/sqrt(%d) = %+.3f%s\n", p, npts[p], zp, \
				(zp > 4 || zp < -4) ? " POOLED>4" : ""
			if (zp > 4 || zp < -4 || npts[p] != 12) bad++
		}
		printf "max |z| = %.3f; %d failures\n", maxz, bad
		exit bad > 0
	}' "$BATS_TEST_TMPDIR/results"
}

@test "european call/put/digitals: 48 estimates within 4 exact standard errors of closedform, pooled z within 4 per payoff" {
	european_grid
}

# The same 48 comparisons, the same limits and seeds, with the ziggurat's
# normals (simpaths --normals ziggurat, tools/lib/ziggurat.h, make price's
# default): other paths, the same law. 10^6 paths a point, half the
# above's, to keep its CPU to about 14 s: a 1% bias still moves z by 4.4
# or more at the at-the-money points. Its own statistics (moments, tails,
# KS) are in tests/ziggurat.bats.
@test "ziggurat: the 48 European estimates within 4 exact standard errors of closedform, pooled z within 4" {
	NORMALS=(--normals ziggurat)
	european_grid 1000000
}

# --- coverage of the 95% interval --------------------------------------------

# 400 independent runs of 2000 paths each (European call, S0=K=100, r=0.05,
# q=0, sigma=0.2, T=1), seeds 1..400: Philox keyed by distinct seeds gives
# independent streams, so the runs are independent. (Disjoint ranges of one
# seed would be too, but aggregate rightly refuses a range that does not
# cover its run from path 0.) Each run is simpaths | payoff | aggregate as a
# user would run it. A correct pricer's interval covers the closed form with
# probability 95% (up to an O(1/n) skewness term, negligible at n=2000), so
# the number covered is Binomial(400, 0.95): mean 380, sd 4.36. Accept
# 368..392 (95 +- 3%, +-2.75 sd: a fresh set of seeds fails 0.6% of the
# time, and these are fixed). What fails, with probability > 97%: intervals
# 20% too narrow (coverage 89%) or 35% too wide (99.3%), e.g. a stderr
# divided by sqrt(2n) or sqrt(n/2) instead of sqrt(n) (29% and 41% off); or
# an estimate biased by 0.75 of a 2000-path stderr (coverage 89%). (On these seeds: 380 covered; with the
# half-widths scaled by 0.8, 353; by 1.35, 397; a 0.75-stderr shift, 356.)
# What 400 runs cannot see: a 0.3% bias is 0.09 of a 2000-path stderr here
# (coverage 94.9%), a stderr 4% too large makes it 95.85%, 0.8 binomial sd.
# Both are caught where that is cheap, by the 48 comparisons above (1.003
# fails 21 of them; each reported stderr is checked against the exact one
# to 2%); a coverage test with the power to see them needs about 20,000
# runs, and is the next one, in check-expensive.
@test "coverage: the 95% interval covers closedform in 95 +- 3% of 400 runs of 2000 paths, seeds 1..400 (2.75 binomial sd)" {
	local runs=400 count=2000 cf covered d=$BATS_TEST_TMPDIR
	local model=(--s0 100 --rate "$R" --yield 0 --sigma 0.2 --maturity 1)
	cf=$(closed_price call "${model[@]}")
	seq 1 "$runs" | xargs -P 2 -I{} bash -c '
		set -euo pipefail
		simpaths -x "$@" --count '"$count"' --seed {} |
			payoff -x -p call -K '"$K"' | aggregate >"'"$d"'/run-{}.tsv"
	' coverage "${model[@]}"
	# One awk over the 400 tables: the price row's interval and path count.
	covered=$(cd "$d" && awk -F'\t' -v cf="$cf" -v count="$count" '
		!/^#/ && $1 == "price" {
			rows++
			if ($6 != count) { print FILENAME ": paths " $6 > "/dev/stderr"; exit 1 }
			if ($4 <= cf && cf <= $5) c++
		}
		END { print rows + 0, c + 0 }' run-*.tsv)
	echo "tables, covered: $covered (closed form $cf); want $runs tables, 368..392 covered"
	[ "${covered% *}" -eq "$runs" ]
	covered=${covered#* }
	((covered >= 368 && covered <= 392))
}

# The same runs, 20,000 of them (seeds 10001..30000, 4*10^7 paths), so that
# a stderr 4% off and a 0.3% bias show (expensive: minutes of process
# starts). Three checks, each with a correct pricer's chance of failing:
# (1) coverage: Binomial(20000, 0.95), sd 0.154%; accept 95 +- 0.54% (3.5
#     sd, P = 4.7e-4). A stderr 4% too large covers 95.85% (5.5 sd out), 4%
#     too small 94.1%: each fails with probability > 93%.
# (2) the spread: sum (est - cf)^2 / sum stderr^2 is 1 +- sqrt(2/20000) =
#     0.01 (a mean of 20000 squared near-normals); accept 1 +- 0.04 (4 sd).
#     A stderr 4% off makes it 0.925 or 1.085, 7.5 sd out.
# (3) the pooled estimate, the mean of the 20000 (their stderr 0.0023):
#     within 4 of it of closedform. A 0.3% bias is 0.031: 13 stderr.
@test "coverage at scale (expensive): 20000 runs of 2000 paths: coverage 95 +- 0.54%, spread ratio 1 +- 0.04, pooled mean within 4 stderr" {
	expensive
	local d=$BATS_TEST_TMPDIR cf
	local model=(--s0 100 --rate "$R" --yield 0 --sigma 0.2 --maturity 1)
	cf=$(closed_price call "${model[@]}")
	# 200 batches of 100 runs, two at a time; each run's price row.
	seq 0 199 | xargs -P 2 -I{} bash -c '
		set -euo pipefail
		batch=$1 dir=$2
		shift 2
		for ((s = 10001 + 100 * batch; s < 10101 + 100 * batch; s++)); do
			simpaths "$@" --count 2000 --seed "$s" --payoff call -K 100 | aggregate |
				awk -F "\t" "\$1 == \"price\""
		done >"$dir/batch-$batch"
	' coverage {} "$d" "${model[@]}"
	cat "$d"/batch-* | awk -F'\t' -v cf="$cf" '
	{
		n++; covered += $4 <= cf && cf <= $5
		sum += $2; dev += ($2 - cf) ^ 2; var += $3 ^ 2
		if ($6 != 2000) bad++
	}
	END {
		c = covered / n; ratio = dev / var
		z = (sum / n - cf) / sqrt(var / n / n)
		printf "%d runs: coverage %.4f (want 0.95 +- 0.0054), spread ratio %.4f (1 +- 0.04), pooled %.6f vs %.6f, z %+.2f\n", \
			n, c, ratio, sum / n, cf, z
		exit bad > 0 || n != 20000 || c < 0.9446 || c > 0.9554 || ratio < 0.96 || ratio > 1.04 || z > 4 || z < -4
	}'
}

# --- antithetic variates ----------------------------------------------------

# simpaths --antithetic: N = 10^6 pairs (path and mirror) against a plain run
# of 2N paths, i.e. equal numbers of simulated paths and payoff evaluations,
# at two points (ATM call q=0; S0=90 sigma=0.3 T=0.5 q=0.03).
# (1) The antithetic estimate within 4 of its reported stderr of
# closedform: the pair means are iid, so a correct pricer fails with
# probability 6.3e-5 per point; a mirror that is not the lognormal image of
# -z (a drift term flipped with z, say) is biased far beyond 4 stderr
# (~0.03 here).
# (2) Its stderr below 0.95 times the plain estimator's: for a monotone
# payoff the pair members are negatively correlated (stderr ratio
# sqrt(1+rho): 0.71 at the money, 0.90 at the out-of-the-money point), and
# both stderrs are estimated to ~0.2% at this size, so 0.95 is 25+ of the
# ratio's sds above a correct implementation, while a "mirror" that is
# independent of its path (another path's z: ratio 1 +- 0.002) fails. (A
# payoff that wrote both rows of a pair would show 2N rows: checked.)
@test "antithetic: price within 4 stderr of closedform, stderr < 0.95 x plain at equal paths" {
	local pairs=1000000 point s0 q sigma t cf
	for point in "100 0 0.2 1" "90 0.03 0.3 0.5"; do
		read -r s0 q sigma t <<<"$point"
		local model=(--s0 "$s0" --rate "$R" --yield "$q" --sigma "$sigma" --maturity "$t")
		cf=$(closed_price call "${model[@]}")
		simpaths -x "${model[@]}" --antithetic --count "$pairs" --seed 31337 |
			payoff -x -p call -K "$K" | aggregate >"$BATS_TEST_TMPDIR/anti.tsv"
		simpaths -x "${model[@]}" --count $((2 * pairs)) --seed 31338 |
			payoff -x -p call -K "$K" | aggregate >"$BATS_TEST_TMPDIR/plain.tsv"
		cat "$BATS_TEST_TMPDIR/anti.tsv" "$BATS_TEST_TMPDIR/plain.tsv"
		[ "$(field price 6 "$BATS_TEST_TMPDIR/anti.tsv")" = "$pairs" ]
		[ "$(field price 6 "$BATS_TEST_TMPDIR/plain.tsv")" = $((2 * pairs)) ]
		awk -v cf="$cf" -v est="$(field price 2 "$BATS_TEST_TMPDIR/anti.tsv")" \
			-v se="$(field price 3 "$BATS_TEST_TMPDIR/anti.tsv")" \
			-v se_plain="$(field price 3 "$BATS_TEST_TMPDIR/plain.tsv")" 'BEGIN {
			z = (est - cf) / se
			printf "s0=%s: antithetic z=%+.3f, stderr ratio antithetic/plain=%.4f\n", \
				"'"$s0"'", z, se / se_plain
			exit !(z <= 4 && z >= -4 && se > 0 && se < 0.95 * se_plain)
		}'
	done
}

# --- degenerate and limit cases ---------------------------------------------

# sigma = 0: every path is the forward, so the estimate is
# max(S0 e^{(r-q)T} - K, 0) e^{-rT} up to rounding (to 1e-12, far below any
# Monte Carlo noise: no statistics, nothing to be lucky about) and the
# stderr is exactly 0: n identical values have sample variance 0, and a
# variance that is not exactly 0 there is cancellation in the variance
# formula. Points in, at (q = r: F = K, price exactly 0) and out of the
# money forward, with and without yield. closedform's sigma=0 price must
# agree to 1e-12 too.
@test "sigma=0: call equals max(S0 e^{(r-q)T} - K, 0) e^{-rT} to 1e-12 with stderr exactly 0" {
	local point s0 q t
	for point in "100 0 1" "100 0.03 2" "90 0.03 2" "120 0.05 0.25" "95 0 0.5" "100 0.05 1"; do
		read -r s0 q t <<<"$point"
		simpaths -x --s0 "$s0" --rate "$R" --yield "$q" --sigma 0 --maturity "$t" \
			--count 1000 --seed 5 | payoff -x -p call -K "$K" | aggregate \
			>"$BATS_TEST_TMPDIR/zero.tsv"
		cat "$BATS_TEST_TMPDIR/zero.tsv"
		awk -v s0="$s0" -v q="$q" -v t="$t" -v r="$R" -v k="$K" \
			-v est="$(field price 2 "$BATS_TEST_TMPDIR/zero.tsv")" \
			-v se="$(field price 3 "$BATS_TEST_TMPDIR/zero.tsv")" \
			-v cf="$(closed_price call --s0 "$s0" --rate "$R" --yield "$q" --sigma 0 \
			         --maturity "$t")" 'BEGIN {
			f = s0 * exp((r - q) * t)
			want = (f > k ? f - k : 0) * exp(-r * t)
			d = est - want; dc = cf - want
			printf "s0=%s q=%s T=%s: estimate %.17g, want %.17g, diff %.3g, stderr %s; closedform diff %.3g\n", \
				s0, q, t, est, want, d, se, dc
			exit !(d <= 1e-12 && d >= -1e-12 && se == 0 && dc <= 1e-12 && dc >= -1e-12)
		}'
	done
}

# Deep in the money, tiny sigma (S0=200, K=100, sigma=0.001, T=1, q=0.03):
# the strike is ~700 sds below the forward, so the call is the forward
# contract, S0 e^{-qT} - K e^{-rT}, to far below 1e-300, and the estimate's only noise
# is that of the mean of S_T (Gaussian to many digits at this sigma). Within
# 4 reported stderr (a correct pricer fails with probability 6.3e-5), and
# the stderr within 5% of its exact value e^{-qT} S0 sqrt(e^{sigma^2 T}-1)
# / sqrt(N) (relative noise of a normal sample sd at N=10^5: 0.2%; 5% is
# 20 of those). A drift with r instead of r-q moves the estimate by 5.9,
# against a tolerance of 4 stderr = 0.0025.
@test "deep ITM call, sigma=0.001: within 4 stderr of the forward S0 e^{-qT} - K e^{-rT}, stderr exact to 5%" {
	local n=100000 s0=200 q=0.03 sigma=0.001 t=1
	simpaths -x --s0 "$s0" --rate "$R" --yield "$q" --sigma "$sigma" --maturity "$t" \
		--count "$n" --seed 77 | payoff -x -p call -K "$K" | aggregate \
		>"$BATS_TEST_TMPDIR/itm.tsv"
	cat "$BATS_TEST_TMPDIR/itm.tsv"
	awk -v s0="$s0" -v q="$q" -v t="$t" -v r="$R" -v k="$K" -v sig="$sigma" -v n="$n" \
		-v est="$(field price 2 "$BATS_TEST_TMPDIR/itm.tsv")" \
		-v se="$(field price 3 "$BATS_TEST_TMPDIR/itm.tsv")" 'BEGIN {
		want = s0 * exp(-q * t) - k * exp(-r * t)
		se0 = s0 * exp(-q * t) * sqrt(exp(sig * sig * t) - 1) / sqrt(n)
		z = (est - want) / se
		printf "estimate %.17g, forward %.17g, z=%+.3f, stderr/exact=%.4f\n", \
			est, want, z, se / se0
		exit !(z <= 4 && z >= -4 && se / se0 > 0.95 && se / se0 < 1.05)
	}'
}

# --- shard invariance of the numbers ----------------------------------------

# The same 1,000,003 paths (put, S0=95, q=0.03, sigma=0.25, T=1.5) priced as
# one shard and as 7 uneven shards (genseeds' split, each shard's rows picked
# as pipeline/price-shard picks them, each through simpaths | payoff |
# aggregate --partial, the partials merged by a final aggregate in shuffled
# order), and once more through decimal text instead of hex floats: the
# price.tsv of each is byte-identical to the 1-shard one. Exact, not
# statistical: per-path numbers depend only on (seed, path index), numbers
# read back bit-for-bit, and aggregate's sums are exact and order-independent.
@test "shard invariance: 7-shard price.tsv (partials merged in any order, decimal or hex text) equals the 1-shard one byte for byte" {
	local paths=1000003 seed=9090 k d=$BATS_TEST_TMPDIR
	local model=(--s0 95 --rate "$R" --yield 0.03 --sigma 0.25 --maturity 1.5)
	genseeds -n "$paths" -s 1 --seed "$seed" | simpaths -x "${model[@]}" |
		payoff -x -p put -K "$K" | aggregate >"$d/one.tsv"
	genseeds -n "$paths" -s 1 --seed "$seed" | simpaths -x "${model[@]}" |
		payoff -x -p put -K "$K" | aggregate --partial | aggregate >"$d/one-partial.tsv"
	genseeds -n "$paths" -s 7 --seed "$seed" >"$d/seeds.tsv"
	[ "$(rows "$d/seeds.tsv" | wc -l)" -eq 7 ]
	for k in 0 1 2 3 4 5 6; do
		sed -n "1,2p;$((k + 3))p" "$d/seeds.tsv" | simpaths -x "${model[@]}" |
			payoff -x -p put -K "$K" | aggregate --partial >"$d/shard-$k.part"
		sed -n "1,2p;$((k + 3))p" "$d/seeds.tsv" | simpaths "${model[@]}" |
			payoff -p put -K "$K" | aggregate --partial >"$d/dec-$k.part"
	done
	aggregate "$d"/shard-{0..6}.part >"$d/seven.tsv"
	aggregate "$d"/shard-{4,1,6,0,3,5,2}.part >"$d/seven-shuffled.tsv"
	aggregate "$d"/dec-{6,5,4,3,2,1,0}.part >"$d/seven-decimal.tsv"
	cat "$d/one.tsv"
	[ "$(field price 6 "$d/one.tsv")" = "$paths" ]
	cmp "$d/one.tsv" "$d/one-partial.tsv"
	cmp "$d/one.tsv" "$d/seven.tsv"
	cmp "$d/one.tsv" "$d/seven-shuffled.tsv"
	cmp "$d/one.tsv" "$d/seven-decimal.tsv"
}
