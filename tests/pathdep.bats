#!/usr/bin/env bats
# pathdep: the path-dependent payoffs against their closed forms.
#
# Geometric Asians against the exact discrete formula; barriers in + out =
# vanilla path by path, exactly; barriers and floating lookbacks converging
# towards the continuously monitored closed forms as STEPS grows, and at
# STEPS=252 sitting where the discrete prices are (lookbacks: closedform's
# exact discrete price; barriers: the Broadie-Glasserman-Kou approximation,
# within its known error); and the refusals of streams and options that
# cannot give a path-dependent price, with their exact messages.
#
# The tools are composed as a user would: simpaths | payoff | aggregate.
# Every seed is fixed, so every outcome is deterministic. Each statistical
# test says how many standard errors it allows: a correct pricer passes such
# a check with a fresh seed with the stated probability (|z| > 4 for a
# normal estimate: 6.3e-5 per comparison; this file makes 24 such
# comparisons, 0.15% family-wise), and each says what a wrong one does.
# Numbers, not memory safety: the statistical tests skip under the
# sanitizers; the refusals run there too.

bats_require_minimum_version 1.5.0
load test_helper

TRY="Try 'payoff --help' for more information."
TOOL=payoff

# --- geometric Asians: exact discrete formula ---------------------------------

# Three models (S0=K=100 sigma=0.2 T=1 r=0.05 q=0; S0=90 sigma=0.4 T=0.5
# q=0.02; S0=110 sigma=0.25 T=2 q=0), each at STEPS=12 (10^6 paths) and
# STEPS=252 (250,000 paths), asian-call-geo and asian-put-geo from one
# simpaths stream (tee): 12 estimates, each within 4 of its reported stderr
# of closedform's exact price (the plain estimator: a mean of iid payoffs,
# P(|z| > 4) = 6.3e-5 each, 7.6e-4 for the 12).
#
# Power, on this seed's stderrs (shifts from the lognormal formula with the
# wrong dates): averaging over the dates 0..n-1 (S0 in, S_T out) instead of
# 1..n moves the STEPS=12 prices by 48 to 95 stderr; counting S0 as a 13th
# date, by 30 to 64; the continuous (Kemna-Vorst) average, by 24 to 48. At
# STEPS=252 the same mistakes move the prices by only 1 to 2.5 stderr: the
# 12-date runs are the ones that pin the date convention down.
@test "geometric Asians: 12 estimates (call, put; 3 models; STEPS 12, 252) within 4 stderr of closedform's exact price" {
	not_sanitized
	local d=$BATS_TEST_TMPDIR seed=4100 model steps n p pid
	local models=("--s0 100 -r 0.05 -q 0 --sigma 0.2 -T 1"
	              "--s0 90 -r 0.05 -q 0.02 --sigma 0.4 -T 0.5"
	              "--s0 110 -r 0.05 -q 0 --sigma 0.25 -T 2")
	: >"$d/results"
	for model in "${models[@]}"; do
		for steps in 12 252; do
			n=1000000
			[ "$steps" = 252 ] && n=250000
			seed=$((seed + 1))
			rm -f "$d/put.fifo" && mkfifo "$d/put.fifo"
			(set -o pipefail; payoff -x -p asian-put-geo <"$d/put.fifo" | aggregate >"$d/put.tsv") &
			pid=$!
			(set -o pipefail
			 simpaths -x $model --steps "$steps" --emit summary --count "$n" --seed "$seed" |
				tee "$d/put.fifo" | payoff -x -p asian-call-geo | aggregate >"$d/call.tsv")
			wait "$pid"
			for p in call put; do
				[ "$(field price 6 "$d/$p.tsv")" = "$n" ]
				printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$model" "$steps" "$p" \
					"$(field price 2 "$d/$p.tsv")" "$(field price 3 "$d/$p.tsv")" \
					"$(closed_row "asian-$p-geo" price $model --steps "$steps" -K 100)" >>"$d/results"
			done
		done
	done
	awk -F'\t' '
	{
		z = ($4 - $6) / $5
		bad += z > 4 || z < -4
		printf "%-44s steps=%-3s %-4s est=%.8f stderr=%.6f exact=%.8f z=%+.3f%s\n", \
			$1, $2, $3, $4, $5, $6, z, ((z > 4 || z < -4) ? " Z>4" : "")
	}
	END { printf "%d rows, %d beyond 4 stderr\n", NR, bad; exit bad || NR != 12 }' "$d/results"
}

# --- in + out = vanilla, path by path -------------------------------------------

# in_out_check UP|DOWN BARRIER REBATE RATE MATURITY SUMMARY VANILLA IN OUT:
# per path (the summary stream and payoff's three outputs on it, side by
# side), with d = e^{-rT} and R the rebate, exactly one of the legs pays dR and the
# other the vanilla: the knock-out pays dR exactly when the path's max
# (min) over the dates reached the barrier, the knock-in exactly when it
# did not, so in + out = vanilla + dR to the last bit (with R = 0: in + out
# = vanilla, and each leg is the vanilla or 0). d R is the value the rows
# show; it must be R e^{-rT} to 1e-15 relative (awk's exp, not ours).
# Both kinds of path must occur, and both legs must pay somewhere.
in_out_check() {
	local side=$1 barrier=$2 rebate=$3 r=$4 t=$5
	shift 5
	paste <(rows "$1") <(rows "$2") <(rows "$3") <(rows "$4") | awk -F'\t' \
		-v side="$side" -v h="$barrier" -v R="$rebate" -v r="$r" -v t="$t" '
	NF != 8 { print "row " NR ": " NF " fields"; bad++; next }
	{
		v = $6; in_ = $7; out = $8
		knocked = side == "UP" ? $4 >= h : $5 <= h
		if (R > 0 && !have_dR) {   # learn dR from the first row that pays it
			dR = knocked ? out : in_; have_dR = 1
			want = R * exp(-r * t)
			if (dR - want > 1e-15 * want || want - dR > 1e-15 * want) {
				print "rebate paid " dR ", want " want; bad++
			}
		}
		if (R == 0) dR = 0
		if (knocked ? (out != dR || in_ != v) : (in_ != dR || out != v)) {
			print "row " NR " (knocked " knocked "): vanilla " v " in " in_ " out " out; bad++
		}
		if (in_ + out != v + dR) { print "row " NR ": in + out != vanilla + dR"; bad++ }
		nk += knocked; pays_in += in_ > dR; pays_out += out > dR
	}
	END {
		printf "%d paths, %d knocked; vanilla paid by in on %d, by out on %d; rebate %s\n", \
			NR, nk, pays_in, pays_out, dR
		exit bad || NR != 20000 || nk == 0 || nk == NR || !pays_in || !pays_out
	}'
}

# 20,000 paths, 52 weekly dates, r=0.03 q=0.02 sigma=0.3 T=1, an up-and-in
# and an up-and-out call (K=105, H=125) and the call on the same stream;
# rebate 0, then 2.5. Exact: no statistics.
@test "up-and-in + up-and-out = call path by path, exactly; with rebate R one leg pays R e^{-rT}" {
	cd "$BATS_TEST_TMPDIR"
	simpaths -r 0.03 -q 0.02 --sigma 0.3 --steps 52 --emit summary --count 20000 \
		--seed 21 >paths.tsv
	payoff -p call -K 105 paths.tsv >vanilla.tsv
	for rebate in 0 2.5; do
		payoff -p up-and-in-call -K 105 --barrier 125 --rebate "$rebate" paths.tsv >in.tsv
		payoff -p up-and-out-call -K 105 --barrier 125 --rebate "$rebate" paths.tsv >out.tsv
		run -0 in_out_check UP 125 "$rebate" 0.03 1 paths.tsv vanilla.tsv in.tsv out.tsv
		echo "rebate $rebate: $output"
	done
}

# The same for the down-and-in and down-and-out puts (S0=100 K=95 H=85,
# r=0.05 q=0 sigma=0.25 T=0.5), the rebate 1.25.
@test "down-and-in + down-and-out = put path by path, exactly; with rebate R one leg pays R e^{-rT}" {
	cd "$BATS_TEST_TMPDIR"
	simpaths -r 0.05 --sigma 0.25 -T 0.5 --steps 52 --emit summary --count 20000 \
		--seed 22 >paths.tsv
	payoff -p put -K 95 paths.tsv >vanilla.tsv
	for rebate in 0 1.25; do
		payoff -p down-and-in-put -K 95 --barrier 85 --rebate "$rebate" paths.tsv >in.tsv
		payoff -p down-and-out-put -K 95 --barrier 85 --rebate "$rebate" paths.tsv >out.tsv
		run -0 in_out_check DOWN 85 "$rebate" 0.05 0.5 paths.tsv vanilla.tsv in.tsv out.tsv
		echo "rebate $rebate: $output"
	done
}

# The closed forms obey the same parity, for the discrete (BGK) and the
# continuous rows, with the strike on either side of the barrier: in + out
# = vanilla + R e^{-rT} to 1e-12 relative (separate formulas, so rounding,
# not bits).
@test "closedform: in + out = vanilla + R e^{-rT} for the BGK and continuous rows, to 1e-12" {
	local m="--s0 100 -r 0.05 -q 0.02 --sigma 0.25 -T 1 --steps 52" k rebate row v i o
	for k in 90 130; do
		for rebate in 0 3; do
			v=$(closed_row call price $m -K "$k")
			for row in price price-continuous; do
				i=$(closed_row up-and-in-call "$row" $m -K "$k" --barrier 120 --rebate "$rebate")
				o=$(closed_row up-and-out-call "$row" $m -K "$k" --barrier 120 --rebate "$rebate")
				awk -v i="$i" -v o="$o" -v v="$v" -v R="$rebate" -v row="$row" -v k="$k" 'BEGIN {
					want = v + R * exp(-0.05); e = (i + o - want) / want
					printf "up K=%s R=%s %s: in %.15g + out %.15g - (vanilla + R e^-rT) = %.3g rel\n", \
						k, R, row, i, o, e
					exit !(e <= 1e-12 && e >= -1e-12)
				}'
			done
			v=$(closed_row put price $m -K "$k")
			for row in price price-continuous; do
				i=$(closed_row down-and-in-put "$row" $m -K "$k" --barrier 80 --rebate "$rebate")
				o=$(closed_row down-and-out-put "$row" $m -K "$k" --barrier 80 --rebate "$rebate")
				awk -v i="$i" -v o="$o" -v v="$v" -v R="$rebate" -v row="$row" -v k="$k" 'BEGIN {
					want = v + R * exp(-0.05); e = (i + o - want) / want
					printf "down K=%s R=%s %s: in %.15g + out %.15g - (vanilla + R e^-rT) = %.3g rel\n", \
						k, R, row, i, o, e
					exit !(e <= 1e-12 && e >= -1e-12)
				}'
			done
		done
	done
}

# --- convergence towards continuous monitoring -----------------------------------

# One model, S0=K=100 r=0.05 q=0.02 sigma=0.25 T=1, at STEPS 4, 16, 64 and
# 252: 400,000 paths each (own seed per STEPS, so the four are independent),
# written once as a summary stream and priced by the four barriers (up:
# H=140, down: H=80, rebate 0) and the two floating lookbacks, each with
# payoff --control (the vanilla, with closedform's price as its mean, for
# the barriers; the discounted S_T for the lookbacks; aggregate's `price`
# row is the controlled estimate, `price-plain` is kept in the table).
# The tables are computed once per file run, by the first test that needs
# them, into $BATS_FILE_TMPDIR: results has one line per payoff and STEPS,
#   payoff steps estimate stderr continuous discrete kind plain plain-stderr
# (continuous: closedform's price-continuous; discrete: its price, kind
# approx-bgk for barriers, exact for lookbacks).
CONV_MODEL="--s0 100 -r 0.05 -q 0.02 --sigma 0.25 -T 1"
CONV_PATHS=400000
convergence_results() {
	local d=$BATS_FILE_TMPDIR/convergence steps p spec i mean_call mean_put
	if [ -s "$d/results" ]; then
		echo "$d/results"
		return
	fi
	mkdir -p "$d"
	mean_call=$(closed_row call price $CONV_MODEL -K 100)
	mean_put=$(closed_row put price $CONV_MODEL -K 100)
	local specs=("up-and-out-call --barrier 140 --control-mean $mean_call -K 100"
	             "up-and-in-call --barrier 140 --control-mean $mean_call -K 100"
	             "down-and-out-put --barrier 80 --control-mean $mean_put -K 100"
	             "down-and-in-put --barrier 80 --control-mean $mean_put -K 100"
	             "lookback-call-float" "lookback-put-float")   # no strike
	: >"$d/results.tmp"
	for steps in 4 16 64 252; do
		simpaths -x $CONV_MODEL --steps "$steps" --emit summary --count "$CONV_PATHS" \
			--seed $((5200 + steps)) >"$d/paths.tsv"
		# Two payoffs at a time.
		for i in 0 2 4; do
			for spec in "${specs[@]:i:2}"; do
				(set -o pipefail; payoff -x -p $spec --control "$d/paths.tsv" |
					aggregate >"$d/${spec%% *}-$steps.tsv") &
			done
			wait
		done
		for spec in "${specs[@]}"; do
			p=${spec%% *}
			local t=$d/$p-$steps.tsv barrier=
			[ "$(field price 6 "$t")" = "$CONV_PATHS" ]
			case $p in up-*) barrier="--barrier 140" ;; down-*) barrier="--barrier 80" ;; esac
			closedform $CONV_MODEL --steps "$steps" -K 100 $barrier --payoff "$p" >"$d/cf.tsv"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$steps" \
				"$(field price 2 "$t")" "$(field price 3 "$t")" \
				"$(field price-continuous 2 "$d/cf.tsv")" "$(field price 2 "$d/cf.tsv")" \
				"$(field price 3 "$d/cf.tsv")" \
				"$(field price-plain 2 "$t")" "$(field price-plain 3 "$t")" >>"$d/results.tmp"
		done
	done
	rm "$d/paths.tsv"
	mv "$d/results.tmp" "$d/results"
	echo "$d/results"
}

# The convergence checks shared by barriers and lookbacks, per payoff, with
# d_n = estimate - continuous price at STEPS n:
#   (1) sign: discrete monitoring misses excursions, so knock-outs are worth
#       more than their continuous price (d_n > 0), knock-ins and floating
#       lookbacks less (d_n < 0), and by more than 4 stderr at every n;
#   (2) |d_n| shrinks from each STEPS to the next (x4) by more than 4
#       combined stderr (the estimates at different STEPS are independent);
#   (3) at the rate of 1/sqrt(n): |d_n| / |d_4n| within [1.5, 2.5]. The
#       exact ratios are 1.72 to 1.98 here (the gap is beta sigma sqrt(T/n)
#       times the price's sensitivity to the log-barrier, to first order:
#       ratio 2 for n x 4, less at small n); a gap falling like 1/n gives
#       4, a simulation that does not converge 1.
# The smallest margins on this seed are printed; (1) to (3) are "beyond
# noise" by construction: the expected z of (1) is 19 or more and of (2)
# 13 or more, so a correct pricer never comes near the thresholds.
CONVERGENCE_AWK='
function abs(x) { return x < 0 ? -x : x }
function converge(p, want_sign,   k, n, m, dn, dm, z, ratio, se) {
	for (k = 1; k <= 4; k++) {
		n = STEPS[k]; dn = EST[p, n] - CONT[p, n]
		z = dn / SE[p, n]
		printf "%-20s steps=%-3d d=%+.5f (%+.1f stderr)", p, n, dn, z
		if (z * want_sign < 4) { printf " SIGN-OR-NOISE"; BAD++ }
		if (k > 1) {
			m = STEPS[k - 1]; dm = EST[p, m] - CONT[p, m]
			se = sqrt(SE[p, n] ^ 2 + SE[p, m] ^ 2)
			ratio = abs(dm) / abs(dn)
			printf "  |d_%d|-|d_%d| = %.1f combined stderr, ratio %.3f", m, n, (abs(dm) - abs(dn)) / se, ratio
			if (abs(dm) - abs(dn) < 4 * se) { printf " NOT-DECREASING"; BAD++ }
			if (ratio < 1.5 || ratio > 2.5) { printf " RATE"; BAD++ }
		}
		printf "\n"
	}
}
{
	EST[$1, $2] = $3; SE[$1, $2] = $4; CONT[$1, $2] = $5; DISC[$1, $2] = $6; KIND[$1, $2] = $7
	PLAIN[$1, $2] = $8; PLAIN_SE[$1, $2] = $9
}
BEGIN { STEPS[1] = 4; STEPS[2] = 16; STEPS[3] = 64; STEPS[4] = 252 }
'

# Barriers at STEPS=252 against the discrete prices. closedform's `price`
# there is the Broadie-Glasserman-Kou approximation, not exact, so each
# estimate must lie within 4 stderr plus the approximation's error bound
# tol of it: |estimate - BGK| <= 4 stderr + tol, tol = 0.5% of the
# knock-out's price (0.0218 up, 0.0066 down), the same absolute tol for its
# knock-in partner (in = vanilla - out, in the closed forms as in the
# simulation, so their BGK errors are opposite). The sum, not the max of
# the two, because the estimate's noise and BGK's bias add. The bound is
# measured, not hoped for: the exact discrete prices of these knock-outs,
# by recursive quadrature of the killed transition density on a log-price
# grid (trapezoid, step sigma sqrt(T/n)/40, 10 sds wide, converged to 3e-5),
# are 4.34288 up and 1.31779 down, against BGK's 4.35103 and 1.32246: errors
# of 0.19% and 0.35% of the price, as BGK's own tables lead one to expect
# for barriers 1.35 and 0.9 sds of sqrt(T) from the spot. (For barriers
# closer in it grows: 0.63% at H=85, 0.9% at H=90 with sigma=0.2.) So each
# estimate is also checked against these exact values, within 4 stderr
# (P = 6.3e-5 per comparison): knock-ins 11.12376 - out = 6.78088 and
# 6.90905 (the vanilla prices are closedform's Black-Scholes).
# Power: the continuous price is 0.25 (up) and 0.15 (down) from the
# discrete one, 3.5 and 5 times the allowed BGK band and 20 and 26 stderr
# from the exact value.
@test "barriers converge to the continuous closed form as STEPS = 4, 16, 64, 252 (> 4 stderr per step), at 252 within 4 stderr + 0.5% of BGK and 4 stderr of the exact discrete price" {
	not_sanitized
	local results
	results=$(convergence_results)
	grep -E '^(up|down)-' "$results"
	awk -F'\t' "$CONVERGENCE_AWK"'
	END {
		converge("up-and-out-call", 1); converge("up-and-in-call", -1)
		converge("down-and-out-put", 1); converge("down-and-in-put", -1)
		tol["up"] = 0.005 * DISC["up-and-out-call", 252]
		tol["down"] = 0.005 * DISC["down-and-out-put", 252]
		exact["up-and-out-call"] = 4.34288; exact["up-and-in-call"] = 6.78088
		exact["down-and-out-put"] = 1.31779; exact["down-and-in-put"] = 6.90905
		for (p in exact) {
			side = substr(p, 1, index(p, "-") - 1)
			e = EST[p, 252] - DISC[p, 252]; band = 4 * SE[p, 252] + tol[side]
			z = (EST[p, 252] - exact[p]) / SE[p, 252]
			printf "%-18s steps=252 est=%.5f stderr=%.5f BGK=%.5f (%s) est-BGK=%+.5f band %.5f; exact %.5f z=%+.3f%s%s\n", \
				p, EST[p, 252], SE[p, 252], DISC[p, 252], KIND[p, 252], e, band, exact[p], z, \
				(abs(e) > band ? " BGK" : ""), (abs(z) > 4 ? " Z>4" : "")
			BAD += abs(e) > band || abs(z) > 4 || KIND[p, 252] != "approx-bgk"
		}
		printf "%d failures\n", BAD
		exit BAD > 0
	}' "$results"
}

# Floating lookbacks: closedform's `price` is exact for discrete monitoring
# (Spitzer), so at every STEPS the estimate is within 4 stderr of it
# (8 comparisons, P = 6.3e-5 each), plus the convergence checks (1)-(3)
# towards the continuous Goldman-Sosin-Gatto price. Power: leaving S0 out
# of the extreme moves the STEPS=4 prices by 2.5 (call) and 2.2 (put), over
# 150 stderr (measured on this seed's paths); the continuous price is 64
# stderr or more away even at 252.
@test "lookbacks: within 4 stderr of the exact discrete price at STEPS = 4, 16, 64, 252, converging to the continuous one (> 4 stderr per step)" {
	not_sanitized
	local results
	results=$(convergence_results)
	grep '^lookback-' "$results"
	awk -F'\t' "$CONVERGENCE_AWK"'
	END {
		converge("lookback-call-float", -1); converge("lookback-put-float", -1)
		for (k = 1; k <= 4; k++) {
			n = STEPS[k]
			split("lookback-call-float lookback-put-float", ps, " ")
			for (j = 1; j <= 2; j++) {
				p = ps[j]; z = (EST[p, n] - DISC[p, n]) / SE[p, n]
				printf "%-20s steps=%-3d est=%.5f stderr=%.5f exact=%.5f (%s) z=%+.3f%s\n", \
					p, n, EST[p, n], SE[p, n], DISC[p, n], KIND[p, n], z, (abs(z) > 4 ? " Z>4" : "")
				BAD += abs(z) > 4 || KIND[p, n] != "exact"
			}
		}
		printf "%d failures\n", BAD
		exit BAD > 0
	}' "$results"
}

# --- refusals ----------------------------------------------------------------

# data_fails MESSAGE ARGS...: payoff exits 1 with exactly "payoff: MESSAGE".
data_fails() {
	local message=$1
	shift
	run -1 --separate-stderr payoff "$@"
	echo "stderr: $stderr"
	[ "$stderr" = "payoff: $message" ]
}

@test "refuses a barrier payoff without --barrier (exit 2)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 3 --steps 12 --emit summary >s.tsv
	for p in up-and-out-call up-and-in-call down-and-out-put down-and-in-put; do
		usage_fails "--payoff: $p needs --barrier" -p "$p" s.tsv
		usage_fails "--payoff: $p needs --barrier" -p "$p" --rebate 1 s.tsv
	done
}

@test "refuses a barrier on the wrong side of s0, or at s0 (exit 2)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --s0 90 --count 3 --steps 12 --emit summary >s.tsv
	for p in up-and-out-call up-and-in-call; do
		usage_fails "--barrier: an up barrier must lie above s0=90" -p "$p" --barrier 80 s.tsv
		usage_fails "--barrier: an up barrier must lie above s0=90" -p "$p" --barrier 90 s.tsv
	done
	for p in down-and-out-put down-and-in-put; do
		usage_fails "--barrier: a down barrier must lie below s0=90" -p "$p" --barrier 100 s.tsv
		usage_fails "--barrier: a down barrier must lie below s0=90" -p "$p" --barrier 90 s.tsv
	done
}

@test "refuses an Asian, barrier or lookback on a stream with STEPS=1 (exit 2)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 3 --steps 1 --emit summary >one.tsv
	simpaths --count 3 --steps 1 --emit path >one-path.tsv
	for p in asian-call-arith asian-put-arith asian-call-geo asian-put-geo \
	         lookback-call-float lookback-put-float; do
		usage_fails "--payoff: $p needs at least 2 monitoring dates (the stream has steps=1)" \
			-p "$p" one.tsv
	done
	usage_fails "--payoff: up-and-in-call needs at least 2 monitoring dates (the stream has steps=1)" \
		-p up-and-in-call --barrier 120 one.tsv
	usage_fails "--payoff: down-and-out-put needs at least 2 monitoring dates (the stream has steps=1)" \
		-p down-and-out-put --barrier 80 one-path.tsv
}

@test "refuses a payoff that needs columns the stream lacks (Asian, barrier, lookback on --emit terminal: exit 1)" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 3 --steps 12 >t.tsv
	local where="t.tsv:3" hint="which the stream lacks (simpaths --emit summary)"
	data_fails "$where: asian-call-arith needs column 'avg', $hint" -p asian-call-arith t.tsv
	data_fails "$where: asian-put-geo needs column 'geo', $hint" -p asian-put-geo t.tsv
	data_fails "$where: up-and-in-call needs column 'max', $hint" -p up-and-in-call --barrier 120 t.tsv
	data_fails "$where: down-and-out-put needs column 'min', $hint" -p down-and-out-put --barrier 80 t.tsv
	data_fails "$where: lookback-call-float needs column 'min', $hint" -p lookback-call-float t.tsv
	data_fails "$where: lookback-put-float needs column 'max', $hint" -p lookback-put-float t.tsv
	# --control on an arithmetic Asian reads 'geo' too
	data_fails "stdin:3: asian-call-arith needs column 'geo', $hint" -p asian-call-arith \
		--control --control-mean 5 < <(printf '# s0=100 r=0.05 T=1 steps=12\nST\tavg\n100\t100\n')
	# on stdin, the same
	data_fails "stdin:3: asian-call-arith needs column 'avg', $hint" -p asian-call-arith <t.tsv
}
