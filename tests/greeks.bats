#!/usr/bin/env bats
# greeks: payoff --greeks, its estimators against the exact Greeks of
# closedform and against bump-and-reprice with common random numbers, the
# columns each payoff and stream give, shard invariance, make price
# GREEKS=1, and the refusals.
#
# Every seed is fixed, so every outcome is deterministic. The statistical
# tests allow 4 standard errors (a correct estimator fails one such check
# with probability 6e-5 for a fresh seed) and also require each standard
# error to be small against the value checked, so that a wrong sign or a
# missing factor (T, sigma, s0, a discount) cannot pass.

bats_require_minimum_version 1.5.0
load test_helper

TMP() { echo "$BATS_TEST_TMPDIR/$1"; }

# The header of a stream: its column names, separated by spaces.
header_of() {
	grep -v '^#' "$@" | head -n 1 | tr '\t' ' '
}

# --- against the exact Greeks ----------------------------------------------------

# exact STREAM NOISE PAYOFF-ARGS... -- CLOSEDFORM-ARGS...: every row of
# payoff --greeks | aggregate on STREAM that closedform also gives (the
# price, the Greeks) is within 4 standard errors of the exact value, and
# 4 standard errors are below NOISE (a fraction) of its size, unless the
# value lies within 8 standard errors of 0 (an ATM digital's theta): that
# estimator's power is then shown at another point. Prints a line per row.
exact() {
	local stream=$1 noise=$2 args=()
	shift 2
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	payoff -x --greeks "${args[@]}" "$stream" | aggregate >"$(TMP mc.tsv)"
	closedform "$@" >"$(TMP cf.tsv)"
	awk -F '\t' -v noise="$noise" '
		FNR == 1 { file++ }
		/^#/ || $1 == "name" { next }
		file == 1 { exact[$1] = $2; next }
		$1 in exact { est[$1] = $2; se[$1] = $3 }
		END {
			for (g in est) {
				z = (est[g] - exact[g]) / se[g]
				size = exact[g] < 0 ? -exact[g] : exact[g]
				printf "%-6s %.6g +/- %.3g  exact %.6g  z %+.2f\n", g, est[g], se[g], exact[g], z
				if (z * z > 16) bad = 1
				if (size > 8 * se[g] && 4 * se[g] > noise * size) { print "  too noisy to tell"; bad = 1 }
				checked++
			}
			if (checked < 5) { print "only " checked " rows checked"; bad = 1 }
			exit bad
		}' "$(TMP cf.tsv)" "$(TMP mc.tsv)"
}

# european NOISE POINT-ARGS...: the four Europeans on 10^6 paths at one
# point, each checked by exact.
european() {
	local noise=$1 p
	shift
	simpaths -x --count 1000000 --seed 4242 "$@" >"$(TMP paths.tsv)"
	for p in call put digital-call digital-put; do
		echo "== $p $*"
		exact "$(TMP paths.tsv)" "$noise" -p "$p" -K 100 -- -p "$p" -K 100 "$@" || return 1
	done
}

@test "call, put and digitals: five Greeks within 4 stderr of Black-Scholes, at the money" {
	not_sanitized
	run european 0.05 --s0 100 -r 0.05 -q 0 --sigma 0.2 -T 1
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "call, put and digitals: five Greeks within 4 stderr of Black-Scholes, with a yield" {
	not_sanitized
	run european 0.05 --s0 105 -r 0.03 -q 0.02 --sigma 0.25 -T 0.7
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "call, put and digitals: five Greeks within 4 stderr of Black-Scholes, long and volatile" {
	not_sanitized
	# the digital put's theta is small here: 4 stderr are 10% of it
	run european 0.11 --s0 120 -r 0.08 -q 0.03 --sigma 0.35 -T 2
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "antithetic pairs: the Greeks are averaged over the pair and still right" {
	not_sanitized
	simpaths -x --count 500000 --seed 99 --antithetic --s0 95 -r 0.04 -q 0.01 \
		--sigma 0.3 -T 1.5 >"$(TMP anti.tsv)"
	for p in call digital-put; do
		run exact "$(TMP anti.tsv)" 0.1 -p "$p" -- -p "$p" --s0 95 -r 0.04 -q 0.01 \
			--sigma 0.3 -T 1.5
		echo "$output"
		[ "$status" -eq 0 ]
		# 500000 rows for 10^6 paths
		[ "$(payoff -x --greeks -p "$p" "$(TMP anti.tsv)" | grep -vc '^[#a-z]')" -eq 500000 ]
	done
}

@test "geometric Asian: Greeks against closedform, delta and gamma against its finite differences" {
	not_sanitized
	local model=(-r 0.04 -q 0.01 --sigma 0.3 -T 1.5 --steps 12)
	simpaths -x --count 500000 --seed 31 --emit summary "${model[@]}" >"$(TMP geo.tsv)"
	for p in asian-call-geo asian-put-geo; do
		run exact "$(TMP geo.tsv)" 0.05 -p "$p" -K 95 -- -p "$p" -K 95 "${model[@]}"
		echo "$output"
		[ "$status" -eq 0 ]
		# central differences of the closed-form price in s0, h = 0.01,
		# against the estimates exact left in mc.tsv
		for s in 99.99 100 100.01; do
			closedform -p "$p" -K 95 "${model[@]}" --s0 "$s" | awk -F '\t' '$1 == "price" { print $2 }'
		done >"$(TMP prices)"
		run -0 awk -F '\t' '
			NR == FNR { v[NR] = $1; next }
			$1 == "delta" || $1 == "gamma" {
				fd = $1 == "delta" ? (v[3] - v[1]) / 0.02 : (v[3] - 2 * v[2] + v[1]) / 0.0001
				z = ($2 - fd) / $3
				printf "%s %.6g +/- %.3g  finite difference %.6g  z %+.2f\n", $1, $2, $3, fd, z
				if (z * z > 16) bad = 1
				n++
			}
			END { exit bad || n != 2 }' "$(TMP prices)" "$(TMP mc.tsv)"
		echo "$output"
	done
}

@test "barrier far away: the path likelihood-ratio Greeks are the vanilla's" {
	not_sanitized
	# With the barrier out of reach the barrier option is the vanilla, so
	# the per-step likelihood-ratio estimators must give Black-Scholes.
	local model=(--s0 100 -r 0.05 -q 0.02 --sigma 0.25 -T 1)
	simpaths -x --count 1000000 --seed 77 --steps 4 --emit path "${model[@]}" >"$(TMP far.tsv)"
	run exact "$(TMP far.tsv)" 0.1 -p up-and-out-call --barrier 1e9 -- -p call "${model[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	run exact "$(TMP far.tsv)" 0.1 -p down-and-out-put --barrier 1e-6 -- -p put "${model[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
}

# --- against bump-and-reprice with common random numbers ---------------------------

# The paths of the bump tests, made once for this file: 100000 whole paths
# of 6 steps, seed 17, at the model BASE, and with s0, sigma and r bumped
# up and down: common random numbers, the same normal draws throughout.
BASE=(--s0 100 -r 0.05 -q 0.02 --sigma 0.25 -T 1)
BUMPS="base s0+ s0- sigma+ sigma- r+ r-"
crn_paths() {
	local dir=$BATS_FILE_TMPDIR/crn name bump
	[ -e "$dir/done" ] && return
	mkdir -p "$dir"
	for name in $BUMPS; do
		case $name in
		base) bump=() ;; s0+) bump=(--s0 100.5) ;; s0-) bump=(--s0 99.5) ;;
		sigma+) bump=(--sigma 0.255) ;; sigma-) bump=(--sigma 0.245) ;;
		r+) bump=(-r 0.055) ;; r-) bump=(-r 0.045) ;;
		esac
		# a later option overrides an earlier one
		simpaths -x --count 100000 --seed 17 --steps 6 --emit path "${BASE[@]}" "${bump[@]}" \
			>"$dir/$name" || return 1
	done
	touch "$dir/done"
}

# crn PAYOFF-ARGS...: payoff --greeks rows (decimal, no metadata) of each
# of those streams into $(TMP base), $(TMP s0+), ...
crn() {
	local name
	crn_paths || return 1
	for name in $BUMPS; do
		payoff --greeks "$@" "$BATS_FILE_TMPDIR/crn/$name" | grep -v '^#' >"$(TMP "$name")" ||
			return 1
	done
}

# agree GREEK BUMPED H COLUMN: per path, GREEK of the base paths minus the
# central difference of COLUMN between the paths bumped up and down by H
# (BUMPED+ and BUMPED-); its mean is within 4 standard errors of 0.
agree() {
	paste "$(TMP base)" "$(TMP "$2+")" "$(TMP "$2-")" | awk -F '\t' -v g="$1" -v h="$3" -v c="$4" '
		NR == 1 {
			n = NF / 3
			for (i = 1; i <= n; i++) { if ($i == g) gi = i; if ($i == c) ci = i }
			if (!gi || !ci) { print "no column " g " or " c; exit 1 }
			next
		}
		{ x = $gi - ($(n + ci) - $(2 * n + ci)) / (2 * h); s += x; ss += x * x; sg += $gi; m++ }
		END {
			mean = s / m; var = (ss / m - mean * mean) / (m - 1)
			se = var > 0 ? sqrt(var) : 0; z = se > 0 ? mean / se : (mean == 0 ? 0 : 1e9)
			printf "%-6s %.6g  minus bumped %s: %.3g +/- %.3g  z %+.2f\n", g, sg / m, c, mean, se, z
			exit !(z * z <= 16)
		}'
}

# bump_all PAYOFF-ARGS...: delta, gamma, vega and rho against bumps of s0
# (the price, and delta for gamma), sigma and r.
bump_all() {
	crn "$@" || return 1
	agree delta s0 0.5 price &&
	agree gamma s0 0.5 delta &&
	agree vega sigma 0.005 price &&
	agree rho r 0.005 price
}

@test "arithmetic Asian on whole paths: delta, gamma, vega, rho agree with bump-and-reprice" {
	not_sanitized
	for p in asian-call-arith asian-put-arith; do
		run bump_all -p "$p" -K 95
		echo "== $p"$'\n'"$output"
		[ "$status" -eq 0 ]
	done
}

@test "barriers on whole paths: delta, gamma, vega, rho agree with bump-and-reprice" {
	not_sanitized
	run bump_all -p up-and-out-call -K 100 --barrier 130
	echo "== up-and-out-call"$'\n'"$output"
	[ "$status" -eq 0 ]
	run bump_all -p down-and-in-put -K 100 --barrier 85 --rebate 2
	echo "== down-and-in-put"$'\n'"$output"
	[ "$status" -eq 0 ]
}

@test "floating lookbacks on whole paths: vega and rho agree with bump-and-reprice" {
	not_sanitized
	for p in lookback-call-float lookback-put-float; do
		crn -p "$p"
		run agree vega sigma 0.005 price
		echo "$output"
		[ "$status" -eq 0 ]
		run agree rho r 0.005 price
		echo "$output"
		[ "$status" -eq 0 ]
	done
}

# --- columns, per payoff and stream --------------------------------------------------

@test "the Greeks each payoff gives from summaries and from whole paths" {
	simpaths --count 20 --steps 4 --emit summary >"$(TMP summary.tsv)"
	simpaths --count 20 --steps 4 --emit path >"$(TMP path.tsv)"
	simpaths --count 20 --steps 4 >"$(TMP terminal.tsv)"
	check() {   # check STREAM WANT PAYOFF-ARGS...
		local stream=$1 want=$2
		shift 2
		run -0 header_of <(payoff --greeks "$@" "$(TMP "$stream.tsv")")
		echo "$stream $*: $output"
		[ "$output" = "price $want" ]
		local greeks=${want#control }
		[ "$(payoff --greeks "$@" "$(TMP "$stream.tsv")" | grep -c "^# tool=payoff .* greeks=${greeks// /,}$")" -eq 1 ]
	}
	for s in terminal summary path; do
		for p in call put digital-call digital-put; do
			check $s "delta gamma vega rho theta" -p $p
		done
	done
	for s in summary path; do
		check $s "delta gamma vega rho" -p asian-call-geo
		check $s "delta gamma vega rho" -p asian-put-geo
	done
	check summary "delta" -p asian-call-arith
	check path "delta gamma vega rho" -p asian-put-arith
	check summary "delta gamma" -p lookback-call-float
	check path "delta gamma vega rho" -p lookback-put-float
	check path "delta gamma vega rho" -p up-and-out-call --barrier 150
	check path "delta gamma vega rho" -p up-and-in-call --barrier 150 --rebate 1
	check path "delta gamma vega rho" -p down-and-out-put --barrier 70
	check path "delta gamma vega rho" -p down-and-in-put --barrier 70
	# with a control, the Greeks come after it
	check summary "control delta gamma vega rho theta" -p call --control
	check path "control delta gamma vega rho" -p asian-call-arith --control \
		--control-mean "$(closed asian-call-geo --steps 4)"
}

@test "per-path values on hand-made paths follow the documented formulas" {
	# The fixture: s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=4, 7 paths.
	payoff --greeks -p call -K 100 "$FIXTURES/payoff/summary.tsv" >"$(TMP call.tsv)"
	payoff --greeks -p digital-put -K 100 "$FIXTURES/payoff/summary.tsv" >"$(TMP dput.tsv)"
	payoff --greeks -p lookback-put-float "$FIXTURES/payoff/path.tsv" >"$(TMP look.tsv)"
	payoff --greeks -p up-and-out-call --barrier 131 "$FIXTURES/payoff/path.tsv" >"$(TMP uoc.tsv)"
	python3 - "$(TMP call.tsv)" "$(TMP dput.tsv)" "$(TMP look.tsv)" "$(TMP uoc.tsv)" \
		"$FIXTURES/payoff/summary.tsv" "$FIXTURES/payoff/path.tsv" <<-'EOF'
	import math, sys
	def table(name):
	    lines = [l.rstrip('\n').split('\t') for l in open(name) if not l.startswith('#')]
	    return [dict(zip(lines[0], map(float, row))) for row in lines[1:]]
	call, dput, look, uoc, summary, path = map(table, sys.argv[1:])
	s0, r, q, sigma, T, n, K = 100.0, 0.05, 0.0, 0.2, 1.0, 4, 100.0
	D, mu = math.exp(-r * T), r - q - sigma ** 2 / 2
	def close(got, want, what):
	    assert abs(got - want) <= 1e-12 * max(1, abs(want)), (what, got, want)
	for row, p in zip(call, summary):
	    S = p['ST']; z = (math.log(S / s0) - mu * T) / (sigma * math.sqrt(T)); i = S > K
	    close(row['delta'], D * i * S / s0, 'call delta')
	    close(row['gamma'], D * i * K * z / (s0 ** 2 * sigma * math.sqrt(T)), 'call gamma')
	    close(row['vega'], D * i * S * (z * math.sqrt(T) - sigma * T), 'call vega')
	    close(row['rho'], D * i * K * T, 'call rho')
	    close(row['theta'], D * (r * max(S - K, 0) - i * S * (mu + sigma * z / (2 * math.sqrt(T)))), 'call theta')
	for row, p in zip(dput, summary):
	    S = p['ST']; z = (math.log(S / s0) - mu * T) / (sigma * math.sqrt(T)); f = float(S < K); v = sigma * math.sqrt(T)
	    close(row['delta'], D * f * z / (s0 * v), 'digital delta')
	    close(row['gamma'], D * f * (z * z - 1 - z * v) / (s0 ** 2 * v * v), 'digital gamma')
	    close(row['vega'], D * f * ((z * z - 1) / sigma - z * math.sqrt(T)), 'digital vega')
	    close(row['rho'], D * f * (z * math.sqrt(T) / sigma - T), 'digital rho')
	dt = T / n
	for row, p in zip(look, path):
	    S = [p['S%d' % (i + 1)] for i in range(n)]
	    assert row['delta'] == row['price'] / s0 or abs(row['delta'] - row['price'] / s0) <= 1e-15, row
	    assert row['gamma'] == 0, row
	    j = max(range(n), key=lambda i: S[i])
	    ds = lambda i: S[i] * (math.log(S[i] / s0) - (mu + sigma ** 2) * (i + 1) * dt) / sigma
	    dE, dEr = (ds(j), S[j] * (j + 1) * dt) if S[j] > s0 else (0, 0)
	    f = max(max(S), s0) - S[-1]
	    close(row['vega'], D * (dE - ds(n - 1)), 'lookback vega')
	    close(row['rho'], D * (dEr - T * S[-1] - T * f), 'lookback rho')
	for row, p in zip(uoc, path):
	    S = [p['S%d' % (i + 1)] for i in range(n)]
	    x = [0] + [math.log(s / s0) for s in S]
	    z = [(x[i + 1] - x[i] - mu * dt) / (sigma * math.sqrt(dt)) for i in range(n)]
	    f = 0 if max(S) >= 131 else max(S[-1] - K, 0)
	    v = sigma * math.sqrt(dt)
	    close(row['delta'], D * f * z[0] / (s0 * v), 'barrier delta')
	    close(row['gamma'], D * f * (z[0] ** 2 - 1 - z[0] * v) / (s0 ** 2 * v * v), 'barrier gamma')
	    close(row['vega'], D * f * sum((zi * zi - 1) / sigma - zi * math.sqrt(dt) for zi in z), 'barrier vega')
	    close(row['rho'], D * f * (sum(z) * math.sqrt(dt) / sigma - T), 'barrier rho')
	assert sum(1 for row in uoc if row['price'] > 0) >= 3   # some paths pay
	EOF
}

# --- shard invariance ---------------------------------------------------------------

# sharded SHARDS SIM-ARGS -- PAYOFF-ARGS: every shard through simpaths -x |
# payoff -x | aggregate -p on its own, the partials merged.
sharded() {
	local shards=$1 sim=()
	shift
	while [ "$1" != -- ]; do sim+=("$1"); shift; done
	shift
	# 70001 paths, 7001 under the sanitizers: the same pipelines and splits,
	# each of 7 shards still 1000 paths (8 sum blocks); ASan's CPU for the
	# test 5.7 -> 3.6 s (its processes' start-up is the rest)
	local paths=70001
	[ -z "${MCPIPE_SANITIZED:-}" ] || paths=7001
	genseeds -n "$paths" -s "$shards" --seed 12345 >"$(TMP seeds-$shards)"
	for ((k = 0; k < shards; k++)); do
		sed -n "1,2p;$((k + 3))p" "$(TMP seeds-$shards)" | simpaths -x "${sim[@]}" |
			payoff -x --greeks "$@" | aggregate -p >"$(TMP part-$shards-$k)" || return 1
	done
	aggregate "$(TMP part-$shards)"-*
}

@test "shard invariance: 7 shards give the 1-shard Greeks byte for byte" {
	for args in "-- -p call --control" \
	            "--antithetic -- -p digital-put" \
	            "--steps 5 --emit summary -- -p asian-call-geo" \
	            "--steps 5 --emit path -- -p asian-put-arith" \
	            "--steps 5 --emit path -- -p up-and-out-call --barrier 125 --rebate 1"; do
		read -ra a <<<"$args"
		sharded 1 "${a[@]}" >"$(TMP one.tsv)"
		sharded 7 "${a[@]}" >"$(TMP seven.tsv)"
		echo "$args"
		cmp "$(TMP one.tsv)" "$(TMP seven.tsv)"
		[ "$(grep -Ec '^(delta|gamma|vega|rho)'$'\t' "$(TMP one.tsv)")" -eq 4 ]
	done
}

# --- make price GREEKS=1 ---------------------------------------------------------------

price_env() {
	export OUT="$BATS_TEST_TMPDIR/out" PATHS=200000 SEED=7 SHARDS=3 JOBS=2
	export HOME="$BATS_TEST_TMPDIR"   # GNU parallel keeps its state here
}

@test "GREEKS=1 price: rows delta gamma vega rho theta after price, each with its closed form" {
	not_sanitized
	price_env
	GREEKS=1 run -0 price
	echo "$output"
	[ "$(grep -v '^#' "$OUT/price.tsv" | cut -f1 | paste -s -d ' ')" = \
	  "name price delta gamma vega rho theta" ]
	[ "$(grep -c 'closed form' <<<"$output")" -eq 6 ]
	# every z-score within 4
	[ "$(grep -o 'z = [-+][0-9.]*' <<<"$output" | awk '{ z = $3 + 0; if (z * z > 16) print }')" = "" ]
	# and the same bits from any number of shards
	cp "$OUT/price.tsv" "$(TMP three.tsv)"
	GREEKS=1 SHARDS=8 OUT="$(TMP eight)" run -0 price
	cmp "$(TMP three.tsv)" "$(TMP eight)/price.tsv"
}

@test "GREEKS=1 price: barriers and arithmetic Asians switch to whole paths" {
	not_sanitized
	price_env
	PATHS=20000
	GREEKS=1 PAYOFF=up-and-out-call BARRIER=130 STEPS=6 run -0 price
	grep -q 'emit=path' "$OUT/price.tsv"
	[ "$(grep -v '^#' "$OUT/price.tsv" | cut -f1 | paste -s -d ' ')" = "name price delta gamma vega rho" ]
	GREEKS=1 CONTROL=1 PAYOFF=asian-call-arith STEPS=6 run -0 price
	[ "$(grep -v '^#' "$OUT/price.tsv" | cut -f1 | paste -s -d ' ')" = \
	  "name price price-plain delta gamma vega rho" ]
	GREEKS=1 PAYOFF=asian-call-geo STEPS=6 run -0 price
	grep -q 'emit=summary' "$OUT/price.tsv"
	[[ "$output" == *"closed form"*"closed form"*"closed form"*"closed form"*"closed form"* ]]
}

@test "GREEKS= refusals: a bad value, sigma 0, American payoffs" {
	price_env
	GREEKS=2 run -2 --separate-stderr price
	[ "$stderr" = "price: GREEKS=2: want 0 or 1" ]
	GREEKS=1 SIGMA=0 run -2 --separate-stderr price
	[[ "$stderr" == *"payoff: --greeks: the stream has sigma=0; the Greeks' estimators need sigma > 0"* ]]
	GREEKS=1 PAYOFF=american-put STEPS=10 run -2 --separate-stderr price
	[ "$stderr" = "price: GREEKS=1: no Greeks for american-put" ]
	[ ! -e "$OUT/price.tsv" ]
}

# --- refusals --------------------------------------------------------------------

@test "refused: a stream without sigma= or q=, and sigma 0" {
	printf '# s0=100 r=0.05 T=1 steps=1 q=0\nST\n120\n' >"$(TMP nosigma.tsv)"
	run -1 --separate-stderr payoff --greeks "$(TMP nosigma.tsv)"
	[ "$stderr" = "payoff: $(TMP nosigma.tsv):3: metadata has no sigma= (was the stream written by simpaths?)" ]
	[ "$output" = "" ]
	printf '# s0=100 r=0.05 T=1 steps=1 sigma=0.2\nST\n120\n' >"$(TMP noq.tsv)"
	run -1 --separate-stderr payoff --greeks "$(TMP noq.tsv)"
	[ "$stderr" = "payoff: $(TMP noq.tsv):3: metadata has no q= (was the stream written by simpaths?)" ]
	# without --greeks neither is needed
	run -0 payoff "$(TMP noq.tsv)"
	simpaths --count 3 --sigma 0 >"$(TMP flat.tsv)"
	run -2 --separate-stderr payoff --greeks "$(TMP flat.tsv)"
	[ "$stderr" = "payoff: --greeks: the stream has sigma=0; the Greeks' estimators need sigma > 0"$'\n'"Try 'payoff --help' for more information." ]
}

@test "refused: barrier Greeks without the whole path" {
	simpaths --count 3 --steps 4 --emit summary >"$(TMP summary.tsv)"
	run -1 --separate-stderr payoff --greeks -p up-and-out-call --barrier 130 "$(TMP summary.tsv)"
	[ "$stderr" = "payoff: $(TMP summary.tsv):3: --greeks: up-and-out-call's Greeks need the whole path, columns S1..S4, which the stream lacks (simpaths --emit path)" ]
	[ "$output" = "" ]
	# the price alone is fine
	run -0 payoff -p up-and-out-call --barrier 130 "$(TMP summary.tsv)"
}

@test "refused: a Greek that is not a finite number" {
	# sigma so small that Z/(s0 sigma sqrt T) overflows
	printf '# s0=100 r=0 q=0 sigma=1e-300 T=1 steps=1\nST\n50\n' >"$(TMP tiny.tsv)"
	run -1 --separate-stderr payoff --greeks -p digital-put "$(TMP tiny.tsv)"
	[ "$stderr" = "payoff: $(TMP tiny.tsv):3: delta of this path is not a finite number (sigma or T too small?)" ]
}

@test "--help names --greeks" {
	run -0 payoff --help
	[[ "$output" == *"--greeks"* ]]
}

# --- heston and merton: bump and reprice with common random numbers ----------

# sv_exact NOISE MODEL-ARGS... -- PAYOFF-ARGS...: simpaths --greeks on 10^5
# paths (seed 515) against closedform's price and its central differences
# (kind "difference", accurate to about 1e-6 of each Greek): each of price,
# delta, gamma, vega, rho within 4 standard errors, and 4 standard errors
# below NOISE of its size. The bumps' own bias (1% of S0, V0 or sigma, and
# 0.01/T in r: bumpgreeks.h) is below 0.2 standard errors here, and the QE
# scheme's at 1/32 year below 0.5 (tests/heston.bats).
sv_exact() {
	local noise=$1 model=() pay=()
	shift
	while [ "$1" != -- ]; do model+=("$1"); shift; done
	shift
	pay=("$@")
	simpaths "${model[@]}" "${pay[@]}" --greeks --count 100000 --seed 515 --partial |
		aggregate >"$(TMP mc.tsv)" || return 1
	closedform "${model[@]}" "${pay[@]}" >"$(TMP cf.tsv)" || return 1
	awk -F '\t' -v noise="$noise" '
		FNR == 1 { file++ }
		/^#/ || $1 == "name" { next }
		file == 1 { exact[$1] = $2; next }
		$1 in exact { est[$1] = $2; se[$1] = $3 }
		END {
			for (g in est) {
				z = (est[g] - exact[g]) / se[g]
				size = exact[g] < 0 ? -exact[g] : exact[g]
				printf "%-6s %.6g +/- %.3g  closed form %.6g  z %+.2f\n", g, est[g], se[g], exact[g], z
				if (z * z > 16) bad = 1
				if (4 * se[g] > noise * size) { print "  too noisy to tell"; bad = 1 }
				checked++
			}
			if (checked != 5) { print checked " rows checked, not 5"; bad = 1 }
			exit bad
		}' "$(TMP cf.tsv)" "$(TMP mc.tsv)"
}

@test "heston: call and put Greeks by bump and reprice within 4 stderr of the closed form's differences" {
	not_sanitized
	for p in call put; do
		run sv_exact 0.15 --model heston -- -p "$p" -K 100
		echo "== heston $p"$'\n'"$output"
		[ "$status" -eq 0 ]
	done
	# another point: in the money, a yield, high V0, weak correlation
	run sv_exact 0.15 --model heston --s0 100 --maturity 0.5 -q 0.02 --v0 0.09 --kappa 2 \
		--theta 0.05 --xi 0.5 --rho -0.3 -- -p put -K 110
	echo "== heston put K=110"$'\n'"$output"
	[ "$status" -eq 0 ]
}

@test "merton: call and put Greeks by bump and reprice within 4 stderr of the series' differences" {
	not_sanitized
	for p in call put; do
		run sv_exact 0.15 --model merton -- -p "$p" -K 100
		echo "== merton $p"$'\n'"$output"
		[ "$status" -eq 0 ]
	done
	run sv_exact 0.15 --model merton --maturity 2 --sigma 0.3 --lambda 0.5 --mu-j 0.05 \
		--delta-j 0.3 -q 0.01 -- -p call -K 90
	echo "== merton call K=90"$'\n'"$output"
	[ "$status" -eq 0 ]
}

# crn_rows COLUMN FILE...: the column COLUMN of each file's rows, side by side.
crn_rows() {
	local column=$1
	shift
	paste "$@" | awk -F '\t' -v c="$column" '
		/^#/ { next }
		!n { n = 0; for (i = 1; i <= NF; i++) if ($i == c) idx[++n] = i; next }
		{ line = ""; for (k = 1; k <= n; k++) line = line (k > 1 ? "\t" : "") $(idx[k]); print line }'
}

# same_draws MODEL-ARGS -- BUMPS: each row's delta, gamma, vega and rho are
# the central differences of the path's own price under the bumped
# parameters, repriced by separate runs: the same draws (common random
# numbers), so they agree to rounding, 1e-9; different draws would differ
# by the payoff's spread over h.
same_draws() {
	local model=() vol=$1 up=$2 down=$3 p
	shift 3
	model=("$@")
	p=(-p asian-call-arith -K 100 --steps 4 --emit summary --count 2000 --seed 9 --antithetic)
	simpaths "${model[@]}" "${p[@]}" --greeks >"$(TMP g.tsv)"
	simpaths "${model[@]}" "${p[@]}" >"$(TMP base.tsv)"
	simpaths "${model[@]}" "${p[@]}" --s0 101 >"$(TMP s+.tsv)"
	simpaths "${model[@]}" "${p[@]}" --s0 99 >"$(TMP s-.tsv)"
	simpaths "${model[@]}" "${p[@]}" "--$vol" "$up" >"$(TMP v+.tsv)"
	simpaths "${model[@]}" "${p[@]}" "--$vol" "$down" >"$(TMP v-.tsv)"
	simpaths "${model[@]}" "${p[@]}" --rate 0.06 >"$(TMP r+.tsv)"
	simpaths "${model[@]}" "${p[@]}" --rate 0.04 >"$(TMP r-.tsv)"
	# the price column is the same bits with and without --greeks
	[ "$(crn_rows price "$(TMP g.tsv)")" = "$(crn_rows price "$(TMP base.tsv)")" ] || return 1
	paste <(crn_rows delta "$(TMP g.tsv)") <(crn_rows gamma "$(TMP g.tsv)") \
	      <(crn_rows vega "$(TMP g.tsv)") <(crn_rows rho "$(TMP g.tsv)") \
	      <(crn_rows price "$(TMP base.tsv)" "$(TMP s+.tsv)" "$(TMP s-.tsv)" "$(TMP v+.tsv)" \
	                       "$(TMP v-.tsv)" "$(TMP r+.tsv)" "$(TMP r-.tsv)") |
	awk -F '\t' -v hv="$(awk -v u="$up" -v d="$down" 'BEGIN { print (u - d) / 2 }')" '
		function check(name, got, want) {
			if ((got - want) ^ 2 > 1e-18) { printf "row %d: %s %.17g, bumped %.17g\n", NR, name, got, want; bad = 1 }
		}
		{
			check("delta", $1, ($6 - $7) / 2)
			check("gamma", $2, ($6 + $7 - 2 * $5) / 1)
			check("vega", $3, ($8 - $9) / (2 * hv))
			check("rho", $4, ($10 - $11) / 0.02)
			nonzero += ($1 != 0)
		}
		END { if (NR != 2000 || nonzero < 500) { print NR " rows, " nonzero " deltas not 0"; bad = 1 }; exit bad }'
}

@test "heston and merton: each row's Greeks are its own path's central differences (common random numbers)" {
	run same_draws v0 0.0404 0.0396 --model heston
	echo "$output"
	[ "$status" -eq 0 ]
	run same_draws sigma 0.202 0.198 --model merton
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "heston and merton Greeks: the same bits for any split into shards" {
	for model in heston merton; do
		for anti in "" --antithetic; do
			a=(--model "$model" -p up-and-out-call -K 100 --barrier 125 --steps 3 --emit summary
			   --greeks --partial --seed 77 $anti)
			simpaths "${a[@]}" --count 3000 | aggregate >"$(TMP one.tsv)"
			simpaths "${a[@]}" --first 0 --count 1234 --paths 3000 >"$(TMP p1.part)"
			simpaths "${a[@]}" --first 1234 --count 1766 --paths 3000 >"$(TMP p2.part)"
			aggregate "$(TMP p2.part)" "$(TMP p1.part)" >"$(TMP two.tsv)"
			cmp "$(TMP one.tsv)" "$(TMP two.tsv)"
			[ "$(cut -f1 "$(TMP one.tsv)" | grep -v '^#' | tr '\n' ' ')" = "name price delta gamma vega rho " ]
		done
	done
}

@test "price GREEKS=1 under merton: rows for each Greek, z against the closed form's differences, any SHARDS" {
	not_sanitized
	export HOME="$BATS_TEST_TMPDIR"
	MODEL=merton GREEKS=1 PATHS=40000 SHARDS=1 JOBS=1 OUT="$(TMP a)" run -0 price
	echo "$output"
	[[ "$output" == *"delta "*"closed form, central difference"*"gamma "*"vega "*"rho "* ]]
	MODEL=merton GREEKS=1 PATHS=40000 SHARDS=5 JOBS=2 OUT="$(TMP b)" run -0 price
	cmp "$(TMP a)/price.tsv" "$(TMP b)/price.tsv"
	# z of each row, from the report
	run awk '/ z = / { z = $NF; if (z < 0) z = -z; if (z > 4) bad = 1; n++ } END { exit bad || n != 5 }' <<<"$output"
}

