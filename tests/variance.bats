#!/usr/bin/env bats
# variance: antithetic and control variates.
#
# The arithmetic Asian's estimators (plain, antithetic, control variate,
# both) agree, and the geometric control cuts the stderr tenfold; the
# discounted S_T control on vanillas; the controlled stderr is honest (the
# spread of 500 independent estimates); identities that the controlled
# estimates obey exactly (put-call parity, in + out = vanilla); shard
# invariance of the controlled and antithetic price, through aggregate
# --partial and through the pipeline; and the refusals, with their exact
# messages.
#
# The tools are composed as a user would: simpaths | payoff | aggregate.
# Every seed is fixed, so every outcome is deterministic. Each statistical
# test says how many standard errors it allows and what a correct pricer's
# chance of failing it is with a fresh seed (|z| > 4 for a normal estimate:
# 6.3e-5), and what a wrong one does. Numbers, not memory safety: the
# statistical tests skip under the sanitizers; the refusals and the exact
# identities run there too.

bats_require_minimum_version 1.5.0
load test_helper

TRY="Try 'payoff --help' for more information."
TOOL=payoff

# --- the arithmetic Asian: four estimators -------------------------------------

# asian-call-arith, S0=K=100 r=0.05 q=0 sigma=0.2 T=1 STEPS=252, four
# independent runs (own seeds) of 200,000 simulated paths each:
#   plain         200,000 paths
#   antithetic    100,000 pairs (simpaths --antithetic: 200,000 paths)
#   control       200,000 paths, payoff --control with the geometric Asian
#                 call's exact price (closedform) as the control's mean
#   both          100,000 pairs with the control
# (1) Every pair of the four agrees within 4 combined stderr,
#     |a - b| <= 4 sqrt(se_a^2 + se_b^2): independent runs, so a correct
#     pricer fails one of the 6 with probability below 6 x 6.3e-5. A
#     control mean from the wrong STEPS (closedform's at STEPS=12 is 0.37
#     higher) moves the controlled estimate by about as much, over 700 of
#     its stderrs; a beta of the wrong sign, by twice the control's error.
# (2) The control's stderr is at most a tenth of the plain one on the same
#     paths (its price-plain row): the issue's goal. Measured: 1/36 (the
#     geometric and arithmetic payoffs correlate to 0.9996); both stderrs
#     are estimated to better than 1% at this size, so 1/10 is far from any
#     noise, while an unused control (beta = 0) gives 1.
# (3) The antithetic stderr is below 0.9 times the plain one at equal
#     simulated paths: the Asian call is monotone in every normal, so a pair
#     is negatively correlated (measured ratio 0.69; each stderr to ~0.5%),
#     while a mirror independent of its path would give 1.
# No closed form exists at 252 dates, so this test has no reference of its
# own; the references are below: the exact price at two dates (each
# estimator and code path against a quadrature) and the mean average.
@test "arithmetic Asian: plain, antithetic, control, both agree within 4 combined stderr; control stderr <= plain / 10 on the same paths" {
	not_sanitized
	local d=$BATS_TEST_TMPDIR mean
	local model=(--s0 100 -r 0.05 -q 0 --sigma 0.2 -T 1 --steps 252)
	mean=$(closed asian-call-geo "${model[@]}" -K 100)
	run_estimator() {   # NAME SIMPATHS-ARGS -- PAYOFF-ARGS
		local name=$1 sim=() pay=()
		shift
		while [ "$1" != -- ]; do sim+=("$1"); shift; done
		shift
		(set -o pipefail
		 simpaths -x "${model[@]}" --emit summary "${sim[@]}" |
			payoff -x -p asian-call-arith -K 100 "$@" | aggregate >"$d/$name.tsv")
	}
	local pids=() pid
	run_estimator plain --count 200000 --seed 6101 -- &
	pids+=($!)
	run_estimator antithetic --antithetic --count 100000 --seed 6102 -- &
	pids+=($!)
	for pid in "${pids[@]}"; do wait "$pid"; done
	run_estimator control --count 200000 --seed 6103 -- --control --control-mean "$mean" &
	pids=($!)
	run_estimator both --antithetic --count 100000 --seed 6104 -- --control --control-mean "$mean" &
	pids+=($!)
	for pid in "${pids[@]}"; do wait "$pid"; done
	for e in plain antithetic control both; do
		printf '%s\t%s\t%s\t%s\n' "$e" "$(field price 2 "$d/$e.tsv")" \
			"$(field price 3 "$d/$e.tsv")" "$(field price 6 "$d/$e.tsv")"
	done >"$d/results"
	cat "$d/results"
	awk -F'\t' -v same_plain="$(field price-plain 3 "$d/control.tsv")" '
	{ name[NR] = $1; est[NR] = $2; se[NR] = $3; paths[$1] = $4; s[$1] = $3 }
	END {
		for (i = 1; i <= NR; i++)
			for (j = i + 1; j <= NR; j++) {
				z = (est[i] - est[j]) / sqrt(se[i] ^ 2 + se[j] ^ 2)
				printf "%s - %s = %+.6f, z = %+.3f%s\n", name[i], name[j], est[i] - est[j], z, \
					((z > 4 || z < -4) ? " Z>4" : "")
				bad += z > 4 || z < -4
			}
		printf "stderr: control / plain on the same paths = 1/%.1f; antithetic / plain = %.3f; both / control = %.3f\n", \
			same_plain / s["control"], s["antithetic"] / s["plain"], s["both"] / s["control"]
		if (!(s["control"] <= same_plain / 10)) { print "CONTROL NOT 10x"; bad++ }
		if (!(s["antithetic"] < 0.9 * s["plain"])) { print "ANTITHETIC NOT BELOW 0.9"; bad++ }
		if (paths["plain"] != 200000 || paths["control"] != 200000 ||
		    paths["antithetic"] != 100000 || paths["both"] != 100000) { print "PATHS"; bad++ }
		exit bad > 0 || NR != 4
	}' "$d/results"
}

# --- vanillas: the discounted S_T control --------------------------------------

# Call and put, S0=K=100 r=0.05 q=0.03 sigma=0.3 T=1, 10^6 paths of one
# stream each with payoff --control (the discounted S_T, mean S0 e^{-qT},
# which payoff takes from the stream): each controlled estimate within 4 of
# its stderr of closedform (P = 6.3e-5 each) and its stderr below 0.8 times
# the plain one on the same paths (measured: call 0.41, put 0.63; a control
# that is not used gives 1, one with the wrong mean biases the estimate by
# beta times the error).
@test "vanilla call and put with the S_T control: within 4 stderr of Black-Scholes, stderr < 0.8 x plain" {
	not_sanitized
	local d=$BATS_TEST_TMPDIR p
	local model=(--s0 100 -r 0.05 -q 0.03 --sigma 0.3 -T 1)
	simpaths -x "${model[@]}" --count 1000000 --seed 6201 >"$d/paths.tsv"
	for p in call put; do
		payoff -x -p "$p" -K 100 --control "$d/paths.tsv" | aggregate >"$d/$p.tsv"
		cat "$d/$p.tsv"
		awk -v est="$(field price 2 "$d/$p.tsv")" -v se="$(field price 3 "$d/$p.tsv")" \
			-v plain="$(field price-plain 3 "$d/$p.tsv")" \
			-v cf="$(closed "$p" "${model[@]}" -K 100)" -v p="$p" 'BEGIN {
			z = (est - cf) / se
			printf "%s: controlled %.6f stderr %.6f, Black-Scholes %.6f, z = %+.3f, stderr / plain = %.3f\n", \
				p, est, se, cf, z, se / plain
			exit !(z <= 4 && z >= -4 && se < 0.8 * plain)
		}'
	done
}

# --- the controlled stderr is honest ---------------------------------------------

# 500 independent runs (seeds 1..500) of 4000 paths, asian-call-arith with
# the geometric control, S0=K=100 r=0.05 sigma=0.2 T=1 STEPS=12. If the
# reported stderr is right, the variance of the 500 controlled estimates
# about their mean, divided by the mean of the squared stderrs, is 1 up to
# the noise of a sample variance of 500 (sd sqrt(2/499) = 0.063; the
# stderrs themselves are estimated to ~2% each and averaged): accept
# 0.75..1.25, 4 sds (a correct pricer fails with probability ~1e-4). The
# plain estimates of the same runs (price-plain) pass the same check, which
# checks the check (measured: 0.947 controlled, 0.899 plain). What fails: a
# stderr 12% too small or too large (variance ratio 1.29 or 0.80) about
# half the time, 20% off almost always; the plain stderr reported for the
# controlled estimate (36 times too large) always. (A divisor n - 1 in
# place of n - 2 is 0.01% here: no test of this size sees it.)
@test "controlled stderr: 500 runs of 4000 paths spread as their stderrs say (variance ratio 1 +- 0.25, 4 sd)" {
	not_sanitized
	local d=$BATS_TEST_TMPDIR mean
	local model=(--s0 100 -r 0.05 -q 0 --sigma 0.2 -T 1 --steps 12)
	mean=$(closed asian-call-geo "${model[@]}" -K 100)
	mkdir "$d/runs"
	seq 1 500 | xargs -P 2 -I{} bash -c '
		set -euo pipefail
		simpaths -x "$@" --emit summary --count 4000 --seed {} |
			payoff -x -p asian-call-arith -K 100 --control --control-mean '"$mean"' |
			aggregate >"'"$d"'/runs/{}.tsv"
	' runs "${model[@]}"
	(cd "$d/runs" && cat ./*.tsv) | awk -F'\t' '
	$1 == "price" || $1 == "price-plain" {
		if ($6 != 4000) { print "paths " $6; bad++ }
		n[$1]++; sum[$1] += $2; sumsq[$1] += $2 * $2; se2[$1] += $3 * $3
	}
	END {
		for (r in n) {
			m = sum[r] / n[r]
			v = (sumsq[r] - n[r] * m * m) / (n[r] - 1)
			ratio = v / (se2[r] / n[r])
			printf "%-11s %d runs: mean %.6f, sd of the estimates %.6f, rms stderr %.6f, variance ratio %.3f%s\n", \
				r, n[r], m, sqrt(v), sqrt(se2[r] / n[r]), ratio, \
				((ratio < 0.75 || ratio > 1.25) ? " OUT OF 0.75..1.25" : "")
			bad += ratio < 0.75 || ratio > 1.25 || n[r] != 500
		}
		exit bad > 0 || length(n) != 2
	}'
}

# --- identities the controlled estimates obey exactly ----------------------------

# A control enters linearly, so identities that are linear in the control
# hold for the controlled estimates to rounding, whatever the paths:
# - with the S_T control, call - put = S_T - K discounted, a multiple of the
#   control plus a constant: controlled call - controlled put
#   = S0 e^{-qT} - K e^{-rT} (the forward, not an estimate), and both
#   stderrs are equal (the residuals are the same up to sign);
# - with the vanilla control, in + out = vanilla + R e^{-rT} (rebate R) per
#   path, so the betas of in and out add to 1 and controlled in + controlled
#   out = the vanilla's closed form + R e^{-rT}, equal stderrs again.
# Checked to 1e-12 relative on 20,000 paths (rounding of aggregate's long
# double arithmetic; no statistics), plus, for contrast, that the plain
# estimates do not obey it exactly.
@test "controlled estimates: call - put = forward and in + out = vanilla + R e^{-rT}, to 1e-12, equal stderrs" {
	cd "$BATS_TEST_TMPDIR"
	local model=(--s0 100 -r 0.05 -q 0.03 --sigma 0.3 -T 1) vc vp rebate
	simpaths "${model[@]}" --steps 52 --emit summary --count 20000 --seed 6301 >paths.tsv
	payoff -p call -K 95 --control paths.tsv | aggregate >call.tsv
	payoff -p put -K 95 --control paths.tsv | aggregate >put.tsv
	awk -v c="$(field price 2 call.tsv)" -v p="$(field price 2 put.tsv)" \
		-v sc="$(field price 3 call.tsv)" -v sp="$(field price 3 put.tsv)" \
		-v cp="$(field price-plain 2 call.tsv)" -v pp="$(field price-plain 2 put.tsv)" 'BEGIN {
		want = 100 * exp(-0.03) - 95 * exp(-0.05)
		e = (c - p - want) / want; es = (sc - sp) / sp; ep = (cp - pp - want) / want
		printf "call - put - forward: %.3g rel (plain: %.3g); stderrs %.17g %.17g\n", e, ep, sc, sp
		exit !(e < 1e-12 && e > -1e-12 && es < 1e-9 && es > -1e-9 && (ep > 1e-6 || ep < -1e-6))
	}'
	vc=$(closed call "${model[@]}" -K 95)
	vp=$(closed put "${model[@]}" -K 95)
	for rebate in 0 2; do
		payoff -p up-and-in-call -K 95 --barrier 130 --rebate "$rebate" --control --control-mean "$vc" \
			paths.tsv | aggregate >in.tsv
		payoff -p up-and-out-call -K 95 --barrier 130 --rebate "$rebate" --control --control-mean "$vc" \
			paths.tsv | aggregate >out.tsv
		payoff -p down-and-in-put -K 95 --barrier 80 --rebate "$rebate" --control --control-mean "$vp" \
			paths.tsv | aggregate >din.tsv
		payoff -p down-and-out-put -K 95 --barrier 80 --rebate "$rebate" --control --control-mean "$vp" \
			paths.tsv | aggregate >dout.tsv
		awk -v R="$rebate" -v vc="$vc" -v vp="$vp" \
			-v i="$(field price 2 in.tsv)" -v o="$(field price 2 out.tsv)" \
			-v si="$(field price 3 in.tsv)" -v so="$(field price 3 out.tsv)" \
			-v di="$(field price 2 din.tsv)" -v do_="$(field price 2 dout.tsv)" \
			-v sdi="$(field price 3 din.tsv)" -v sdo="$(field price 3 dout.tsv)" 'BEGIN {
			dR = R * exp(-0.05)
			eu = (i + o - vc - dR) / (vc + dR); ed = (di + do_ - vp - dR) / (vp + dR)
			su = (si - so) / so; sd = (sdi - sdo) / sdo
			printf "rebate %s: up in + out - (vanilla + dR) %.3g rel, stderrs %.3g apart; down %.3g, %.3g\n", \
				R, eu, su, ed, sd
			exit !(eu < 1e-12 && eu > -1e-12 && ed < 1e-12 && ed > -1e-12 && \
			       su < 1e-9 && su > -1e-9 && sd < 1e-9 && sd > -1e-9)
		}'
	done
}

# --- shard invariance --------------------------------------------------------------

# shard_invariance NAME PATHS SIMPATHS-ARGS -- PAYOFF-ARGS: the same paths
# as one shard (simpaths | payoff | aggregate), as one shard through a
# partial, and as 7 uneven shards (genseeds' split; each shard's rows
# picked as pipeline/price-shard picks them) through aggregate --partial,
# merged in two orders, and once more in decimal text instead of hex
# floats: every price.tsv byte-identical to the 1-shard one. Exact, not
# statistical: a path's numbers depend only on (seed, index), numbers
# read back bit for bit, and the sums behind the estimate, beta and the
# stderr are exact and order-independent.
shard_invariance() {
	local name=$1 paths=$2 seed=9191 k d=$BATS_TEST_TMPDIR/$1 sim=() pay=()
	shift 2
	while [ "$1" != -- ]; do sim+=("$1"); shift; done
	shift
	pay=("$@")
	mkdir "$d"
	genseeds -n "$paths" -s 1 --seed "$seed" | simpaths -x "${sim[@]}" |
		payoff -x "${pay[@]}" | aggregate >"$d/one.tsv"
	genseeds -n "$paths" -s 1 --seed "$seed" | simpaths -x "${sim[@]}" |
		payoff -x "${pay[@]}" | aggregate -p | aggregate >"$d/one-partial.tsv"
	genseeds -n "$paths" -s 7 --seed "$seed" >"$d/seeds.tsv"
	[ "$(rows "$d/seeds.tsv" | wc -l)" -eq 7 ]
	for k in 0 1 2 3 4 5 6; do
		sed -n "1,2p;$((k + 3))p" "$d/seeds.tsv" | simpaths -x "${sim[@]}" |
			payoff -x "${pay[@]}" | aggregate -p >"$d/shard-$k.part"
		sed -n "1,2p;$((k + 3))p" "$d/seeds.tsv" | simpaths "${sim[@]}" |
			payoff "${pay[@]}" | aggregate -p >"$d/dec-$k.part"
	done
	aggregate "$d"/shard-{0..6}.part >"$d/seven.tsv"
	aggregate "$d"/shard-{4,1,6,0,3,5,2}.part >"$d/seven-shuffled.tsv"
	aggregate "$d"/dec-{6,5,4,3,2,1,0}.part >"$d/seven-decimal.tsv"
	echo "$name:"
	cat "$d/one.tsv"
	[ "$(field price 6 "$d/one.tsv")" = "$paths" ]
	field price-plain 2 "$d/one.tsv" >/dev/null   # the controlled estimate, beside the plain one
	cmp "$d/one.tsv" "$d/one-partial.tsv"
	cmp "$d/one.tsv" "$d/seven.tsv"
	cmp "$d/one.tsv" "$d/seven-shuffled.tsv"
	cmp "$d/one.tsv" "$d/seven-decimal.tsv"
}

# 100,003 antithetic pairs each: the arithmetic Asian with the geometric
# control (STEPS=12), the down-and-in put with the vanilla control
# (STEPS=12, H=85) and the call with the S_T control. Under the sanitizers
# 10,003 pairs: the same pipelines, splits and comparisons (each of the 7
# shards still over 1400 pairs, many sum blocks), at a tenth of the 70 s
# ASan took for 12 passes over 100,003 pairs of text.
@test "shard invariance with control and antithetic: 7-shard price.tsv equals the 1-shard one byte for byte" {
	local model=(--s0 100 -r 0.05 -q 0.02 --sigma 0.25 -T 1) pairs=100003
	[ -z "${MCPIPE_SANITIZED:-}" ] || pairs=10003
	shard_invariance asian "$pairs" "${model[@]}" --steps 12 --emit summary --antithetic -- \
		-p asian-call-arith --control --control-mean "$(closed asian-call-geo "${model[@]}" --steps 12)"
	shard_invariance barrier "$pairs" "${model[@]}" --steps 12 --emit summary --antithetic -- \
		-p down-and-in-put --barrier 85 --control --control-mean "$(closed put "${model[@]}")"
	shard_invariance vanilla "$pairs" "${model[@]}" --antithetic -- -p call --control
}

# The pipeline (make price's job), CONTROL=1 ANTITHETIC=1, arithmetic Asian
# with STEPS=12: SHARDS=1 JOBS=1 and SHARDS=7 JOBS=2 write byte-identical
# price.tsv, whose rows are those of the direct composition with the same
# seed and the control mean closedform gives (the pipeline found the control
# and its mean by itself).
@test "pipeline CONTROL=1 ANTITHETIC=1: price.tsv the same for SHARDS=1 and 7, and equal to the direct composition" {
	not_sanitized   # glue, as tests/pipeline.bats: the tools' memory is checked above
	cd "$BATS_TEST_TMPDIR"
	local vars=(S0=100 K=100 R=0.05 Q=0 SIGMA=0.2 T=1 STEPS=12 PAYOFF=asian-call-arith
	            CONTROL=1 ANTITHETIC=1 PATHS=50001 SEED=77)
	env "${vars[@]}" SHARDS=1 JOBS=1 OUT=one price >/dev/null
	env "${vars[@]}" SHARDS=7 JOBS=2 OUT=seven price >/dev/null
	cat one/price.tsv
	cmp one/price.tsv seven/price.tsv
	genseeds -n 50001 -s 1 --seed 77 |
		simpaths -x --normals ziggurat --steps 12 --emit summary --antithetic |
		payoff -x -p asian-call-arith -K 100 --control \
			--control-mean "$(closed asian-call-geo --steps 12)" | aggregate >direct.tsv
	diff <(rows one/price.tsv) <(rows direct.tsv)
	[ "$(field price 6 direct.tsv)" = 50001 ]
	field price-plain 2 direct.tsv
}

# --- refusals ----------------------------------------------------------------------

# aggregate_fails MESSAGE FILE: aggregate exits 1 with exactly
# "aggregate: MESSAGE" and writes nothing on stdout.
aggregate_fails() {
	run -1 --separate-stderr aggregate "$2"
	echo "stderr: $stderr"
	[ "$output" = "" ]
	[ "$stderr" = "aggregate: $1" ]
}

@test "refuses --control without --control-mean where the control's mean is a closed form (exit 2)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 3 --steps 12 --emit summary >s.tsv
	usage_fails "--control: asian-call-arith's control is the geometric Asian call; give its closed-form price with --control-mean (closedform --payoff asian-call-geo)" \
		-p asian-call-arith --control s.tsv
	usage_fails "--control: asian-put-arith's control is the geometric Asian put; give its closed-form price with --control-mean (closedform --payoff asian-put-geo)" \
		-p asian-put-arith --control s.tsv
	usage_fails "--control: up-and-out-call's control is the vanilla call; give its closed-form price with --control-mean (closedform --payoff call)" \
		-p up-and-out-call --barrier 120 --control s.tsv
	usage_fails "--control: down-and-in-put's control is the vanilla put; give its closed-form price with --control-mean (closedform --payoff put)" \
		-p down-and-in-put --barrier 80 --control s.tsv
}

@test "refuses --control-mean where payoff knows the mean (call, lookback), and without --control (exit 2)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 3 --steps 12 --emit summary >s.tsv
	usage_fails "--control-mean: the control of call is the discounted terminal price, whose mean s0 e^{-qT} payoff knows" \
		-p call --control --control-mean 100 s.tsv
	usage_fails "--control-mean: the control of lookback-put-float is the discounted terminal price, whose mean s0 e^{-qT} payoff knows" \
		-p lookback-put-float --control --control-mean 100 s.tsv
	usage_fails "--control-mean goes with --control" -p call --control-mean 100 s.tsv
	usage_fails "--control-mean goes with --control" -p asian-call-arith --control-mean 5 s.tsv
	usage_fails "--control-mean: invalid number 'nan'" -p asian-call-arith --control --control-mean nan s.tsv
}

@test "refuses a --control-mean that is not the control's closed-form price under the stream's model (exit 2)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 5 --steps 12 --emit summary --sigma 0.3 -q 0.01 >s.tsv
	local model=(--steps 12 --sigma 0.3 -q 0.01)
	local geo vanilla
	geo=$(closed asian-call-geo "${model[@]}")
	vanilla=$(closed put "${model[@]}" -K 95)
	# the closed form, or it to 8 significant digits: accepted, in payoff and fused
	payoff -p asian-call-arith --control --control-mean "$geo" s.tsv >/dev/null
	payoff -p asian-call-arith --control --control-mean "$(printf '%.8g' "$geo")" s.tsv >/dev/null
	payoff -p down-and-in-put -K 95 --barrier 80 --control --control-mean "$vanilla" s.tsv >/dev/null
	simpaths --count 5 "${model[@]}" -e summary -p asian-call-arith --control \
		--control-mean "$geo" --partial >/dev/null
	# off in the 5th digit, or another model's: refused, naming the right value
	local off
	off=$(awk -v m="$geo" 'BEGIN { printf "%.6g", m * 1.0001 }')
	usage_fails "--control-mean $off: the geometric Asian call's closed-form price under the stream's model is $geo (closedform --payoff asian-call-geo)" \
		-p asian-call-arith --control --control-mean "$off" s.tsv
	usage_fails "--control-mean $(closed asian-call-geo --steps 12): the geometric Asian call's closed-form price under the stream's model is $geo (closedform --payoff asian-call-geo)" \
		-p asian-call-arith --control --control-mean "$(closed asian-call-geo --steps 12)" s.tsv
	usage_fails "--control-mean $geo: the vanilla put's closed-form price under the stream's model is $vanilla (closedform --payoff put)" \
		-p down-and-in-put -K 95 --barrier 80 --control --control-mean "$geo" s.tsv
	run -2 --separate-stderr simpaths --count 5 "${model[@]}" -e summary -p asian-put-arith \
		--control --control-mean "$geo" --partial
	[ "$output" = "" ]
	[[ "${stderr_lines[0]}" == "simpaths: --control-mean $geo: the geometric Asian put's closed-form price under the stream's model is "*" (closedform --payoff asian-put-geo)" ]]
	# a stream whose metadata lack sigma: the model is unknown, the mean taken as given
	printf '# s0=100 r=0.05 T=1 steps=12\nST\tavg\tgeo\n100\t101\t100.5\n' >bare.tsv
	payoff -p asian-call-arith --control --control-mean 5 bare.tsv >/dev/null
}

@test "aggregate refuses a control column without a valid control_mean, or without a price (exit 1)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 5 --steps 12 --emit summary >s.tsv
	payoff -p asian-call-arith --control --control-mean "$(closed asian-call-geo --steps 12)" \
		s.tsv >controlled.tsv
	grep -q 'control_mean=5\.' controlled.tsv
	sed 's/ control_mean=[^ ]*//' controlled.tsv >no-mean.tsv
	# told at the header, or at the metadata line with the bad value
	aggregate_fails "no-mean.tsv:3: a control column needs a valid control_mean= in the metadata" \
		no-mean.tsv
	sed 's/ control_mean=[^ ]*/ control_mean=five/' controlled.tsv >bad-mean.tsv
	aggregate_fails "bad-mean.tsv:2: a control column needs a valid control_mean= in the metadata" \
		bad-mean.tsv
	sed 's/^price\tcontrol$/value\tcontrol/' controlled.tsv >no-price.tsv
	aggregate_fails "no-price.tsv:3: a control column needs a price column to control" no-price.tsv
	head -n 6 controlled.tsv | sed 's/count=5/count=2/; s/paths=5/paths=2/' >two.tsv
	aggregate_fails "2 rows: a control-variate estimate needs at least 3" two.tsv
	# a partial is only sums: the mean is needed, and checked, at the end
	sed 's/ control_mean=[^ ]*//' controlled.tsv | aggregate -p >no-mean.part
	aggregate_fails "no-mean.part:7: a control column needs a valid control_mean= in the metadata" \
		no-mean.part
}

# --- independent references (tests/mutants/list.tsv: what each one kills) ------

# The arithmetic Asian against its exact price at two monitoring dates,
# S_{T/2} and S_T: tests/reference/asian_two_dates.py integrates the
# conditional Black-Scholes call over S_{T/2} (scipy, error < 1e-10), with
# none of mcpipe's code. S0=K=100 r=0.05 q=0.02 sigma=0.3 T=1, call and put,
# 10^6 paths each (own seed), through the three code paths that average:
# simpaths --payoff (the sums kept as the walk goes), the summary rows
# priced by payoff, and whole paths priced by payoff; plain and with the
# geometric control (closedform's exact mean). Each estimate within 4 of
# its stderr of the exact price (P = 6.3e-5 each for a correct pricer,
# 12 comparisons). Power: the controlled stderrs are about 0.0006, so a
# payoff 0.3% off (0.03) is 40+ stderr away; averaging S_0 and S_{T/2}
# instead of S_{T/2} and S_T moves the price by about 4, and a mean over
# n+1 instead of n by a third of the average.
@test "arithmetic Asian at two dates: summary, fused and whole-path estimates, plain and controlled, within 4 stderr of the exact quadrature" {
	not_sanitized
	local d=$BATS_TEST_TMPDIR p kind geo exact seed=8300
	local model=(--s0 100 -r 0.05 -q 0.02 --sigma 0.3 -T 1 --steps 2)
	/usr/bin/python3 "$ROOT/tests/reference/asian_two_dates.py" 100 100 0.05 0.02 0.3 1 >"$d/exact"
	cat "$d/exact"
	for p in call put; do
		exact=$(awk -v p="$p" '$1 == p { print $2 }' "$d/exact")
		geo=$(closed "asian-$p-geo" "${model[@]}" -K 100)
		for kind in fused summary path; do
			seed=$((seed + 1))
			case $kind in
			fused)
				simpaths -x "${model[@]}" --emit summary --count 1000000 --seed "$seed" \
					--payoff "asian-$p-arith" -K 100 --control --control-mean "$geo" --partial ;;
			summary|path)
				simpaths -x "${model[@]}" --emit "$kind" --count 1000000 --seed "$seed" |
					payoff -x -p "asian-$p-arith" -K 100 --control --control-mean "$geo" ;;
			esac | aggregate >"$d/$p-$kind.tsv"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$kind" "$exact" \
				"$(field price 2 "$d/$p-$kind.tsv")" "$(field price 3 "$d/$p-$kind.tsv")" \
				"$(field price-plain 2 "$d/$p-$kind.tsv")" "$(field price-plain 3 "$d/$p-$kind.tsv")"
		done
	done >"$d/results"
	awk -F'\t' '
	function check(name, est, se, exact,   z) {
		z = (est - exact) / se
		printf "%-4s %-7s %-10s %.8f stderr %.6f exact %.8f z %+.3f%s\n", $1, $2, name, est, se, \
			exact, z, (z > 4 || z < -4) ? " Z>4" : ""
		bad += z > 4 || z < -4
	}
	{ check("controlled", $4, $5, $3); check("plain", $6, $7, $3); n++ }
	END { exit bad > 0 || n != 6 }' "$d/results"
}

# The mean of the arithmetic average, E[A] = S0/n sum_{i=1..n} e^{(r-q) i T/n},
# at STEPS=4 (S0=100 r=0.06 q=0.02 sigma=0.2 T=1): the summary rows' avg
# column (aggregate of the stream itself), and the same through payoff and
# simpaths --payoff as an Asian call struck at 1e-9, which is then always in
# the money: price = e^{-rT} (A - K), whose mean is known. 200,000 paths
# each (own seed), |z| < 4 (P = 6.3e-5 each). Power: the stderr of the mean
# average is 0.03% of it, so a 0.3% error is 10 stderr away; averaging
# dates 0..n-1 instead of 1..n moves it by 1% (r - q = 0.04 over a
# quarter year), n + 1 in the divisor by 20%; r + q in the drift by 2%.
# The terminal column against S0 e^{(r-q)T}, the same way.
@test "arithmetic Asian: the mean average is S0/n sum e^{(r-q) i T/n} at STEPS=4 (rows, payoff, fused, whole paths), |z| < 4" {
	not_sanitized
	local d=$BATS_TEST_TMPDIR
	local model=(--s0 100 -r 0.06 -q 0.02 --sigma 0.2 -T 1 --steps 4)
	simpaths -x "${model[@]}" --emit summary --count 200000 --seed 8401 | aggregate >"$d/rows.tsv"
	simpaths -x "${model[@]}" --emit summary --count 200000 --seed 8402 |
		payoff -x -p asian-call-arith -K 1e-9 | aggregate >"$d/payoff.tsv"
	simpaths -x "${model[@]}" --emit summary --count 200000 --seed 8403 \
		--payoff asian-call-arith -K 1e-9 --partial | aggregate >"$d/fused.tsv"
	simpaths -x "${model[@]}" --emit path --count 200000 --seed 8404 |
		payoff -x -p asian-call-arith -K 1e-9 | aggregate >"$d/path.tsv"
	{
		printf 'avg\t%s\t%s\t1\t0\n' "$(field avg 2 "$d/rows.tsv")" "$(field avg 3 "$d/rows.tsv")"
		printf 'ST\t%s\t%s\t1\t0\n' "$(field ST 2 "$d/rows.tsv")" "$(field ST 3 "$d/rows.tsv")"
		for k in payoff fused path; do
			printf '%s\t%s\t%s\t%s\t1e-9\n' "$k" "$(field price 2 "$d/$k.tsv")" \
				"$(field price 3 "$d/$k.tsv")" "$(awk 'BEGIN { printf "%.17g", exp(-0.06) }')"
		done
	} | awk -F'\t' '
	BEGIN { for (i = 1; i <= 4; i++) mean += 100 * exp(0.04 * i / 4) / 4 }
	{
		want = $1 == "ST" ? 100 * exp(0.04) : $4 * (mean - $5)
		z = ($2 - want) / $3
		printf "%-7s %.8f stderr %.6f want %.8f z %+.3f%s\n", $1, $2, $3, want, z, \
			(z > 4 || z < -4) ? " Z>4" : ""
		bad += z > 4 || z < -4; n++
	}
	END { exit bad > 0 || n != 5 }'
}

# Call - put = e^{-rT} (A - K) on every path (and with G for A), to rounding: the two payoffs
# are the positive and negative parts of one number. STEPS=4, 3000 paths,
# the fused rows and payoff's rows of the same summary stream (same seed,
# so the same paths). A payoff scaled on one side, a strike read wrongly,
# or a different average in the two, fails on the first path it touches.
@test "Asians: call - put = e^{-rT} (A - K) on every path, fused and from summary rows; the same for the geometric average G" {
	local d=$BATS_TEST_TMPDIR avg column
	local model=(--s0 100 -r 0.05 -q 0.02 --sigma 0.3 -T 1 --steps 4 --count 3000 --seed 8501)
	simpaths "${model[@]}" --emit summary >"$d/paths.tsv"
	for avg in arith geo; do
		column=2
		[ "$avg" = arith ] || column=3
		for p in call put; do
			payoff -p "asian-$p-$avg" -K 101 "$d/paths.tsv" | rows >"$d/text-$p"
			simpaths "${model[@]}" --emit summary --payoff "asian-$p-$avg" -K 101 | rows >"$d/fused-$p"
		done
		rows "$d/paths.tsv" | cut -f "$column" >"$d/avg"
		[ "$(wc -l <"$d/avg")" -eq 3000 ]
		for k in text fused; do
			paste "$d/$k-call" "$d/$k-put" "$d/avg" | awk -F'\t' -v k="$avg $k" '
			BEGIN { D = exp(-0.05) }
			{
				want = D * ($3 - 101); got = $1 - $2
				if (($1 > 0) + ($2 > 0) != 1) { print k ": path " NR ": call " $1 ", put " $2; bad++ }
				e = got - want; if (e < 0) e = -e
				if (e > 1e-12 * (101 + $3)) { printf "%s: path %d: call - put %.17g, want %.17g\n", k, NR, got, want; bad++ }
				n++
			}
			END { print k ": " n " paths, " bad + 0 " wrong"; exit bad > 0 || n != 3000 }'
		done
	done
}

# The control-variate estimate against an exact, independent regression:
# python's Fractions compute beta = Sxy/Sxx, the estimate mean(y) -
# beta (mean(c) - mu) and the residual variance (Syy - beta Sxy)/(n - 2)
# from the rows aggregate read (the same decimal text), exactly; only the
# final square root is rounded. aggregate's estimate, stderr and interval
# must agree to 1e-12 relative (its sums are exact too, so they agree to
# the last bits). 3000 paths of the arithmetic Asian call with its
# geometric control, STEPS=4. The plain row too. A beta off by 10%, a
# stderr 10% off, n - 1 for n - 2 (1.7e-4 here) all fail.
@test "controlled estimate, beta and stderr: aggregate equals an exact regression (python Fractions) on 3000 paths" {
	local d=$BATS_TEST_TMPDIR geo
	local model=(--s0 100 -r 0.05 -q 0.02 --sigma 0.3 -T 1 --steps 4)
	geo=$(closed asian-call-geo "${model[@]}" -K 100)
	simpaths "${model[@]}" --emit summary --count 3000 --seed 8601 \
		--payoff asian-call-arith -K 100 --control --control-mean "$geo" >"$d/rows.tsv"
	aggregate "$d/rows.tsv" >"$d/agg.tsv"
	cat "$d/agg.tsv"
	/usr/bin/python3 - "$d/rows.tsv" "$d/agg.tsv" "$geo" <<-'EOF'
	import math, sys
	from fractions import Fraction as F
	rows = [l.split('\t') for l in open(sys.argv[1]) if not l.startswith('#')][1:]
	y = [F(r[0]) for r in rows]
	c = [F(r[1]) for r in rows]
	mu = F(sys.argv[3])
	n = len(y)
	my, mc = sum(y) / n, sum(c) / n
	sxy = sum((a - my) * (b - mc) for a, b in zip(y, c))
	sxx = sum((b - mc) ** 2 for b in c)
	syy = sum((a - my) ** 2 for a in y)
	beta = sxy / sxx
	want = {
	    'price': (my - beta * (mc - mu), math.sqrt((syy - beta * sxy) / (n - 2) / n)),
	    'price-plain': (my, math.sqrt(syy / (n - 1) / n)),
	}
	got = {l.split('\t')[0]: [float(x) for x in l.split('\t')[1:]]
	       for l in open(sys.argv[2]) if not l.startswith(('#', 'name'))}
	print('n', n, 'beta', float(beta))
	assert set(got) == set(want), got
	for name, (est, se) in want.items():
	    est = float(est)
	    z95 = 1.959963984540054
	    ref = [est, se, est - z95 * se, est + z95 * se, n]
	    print(name, 'aggregate', got[name], 'exact', ref)
	    for g, w in zip(got[name], ref):
	        assert abs(g - w) <= 1e-12 * abs(w), (name, g, w)
	EOF
}
