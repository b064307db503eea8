#!/usr/bin/env bats
# scenarios: the delta-normal closed form against Hull's published example,
# Monte Carlo VaR and ES against it within their intervals, interval
# coverage over 200 seeds, options departing from delta-normal the
# expected way, bit-identical shards, and every refusal's exact message.

bats_require_minimum_version 1.5.0
load test_helper

TOOL=scenarios
FIX="$FIXTURES/scenarios"
# Hull's two-asset example (Options, Futures, and Other Derivatives, 8th
# ed., 2012, sec. 21.4; also Risk Management and Financial Institutions):
# $10M in Microsoft at 2% daily volatility, $5M in AT&T at 1%, correlation
# 0.3. The daily sd of the portfolio is sqrt(200000^2 + 50000^2 + 2 0.3
# 200000 50000) = $220,227 and the 10-day 99% VaR "$1,620,000" (with
# z = 2.326). Here: spot 100, 100000 and 50000 shares, annual vol 0.02
# sqrt(252) and 0.01 sqrt(252), so that one day is 2% and 1%.
HULL=(-m "$FIX/hull-market.tsv" -c "$FIX/hull-corr.tsv" -p "$FIX/hull-portfolio.tsv")
ABC=(-m "$FIX/abc-market.tsv" -c "$FIX/abc-corr.tsv" -p "$FIX/abc-portfolio.tsv")

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# within FIELD ROW FILE VALUE: VALUE lies in row ROW's [ci95_low, ci95_high]
within() {
	awk -F '\t' -v row="$1" -v x="$2" '$1 == row { found = 1; ok = $4 <= x && x <= $5 }
		END { exit !(found && ok) }' "$3"
}

@test "Hull's example: the delta-normal VaR is his 1,620,000 and z sd sqrt(10) to 1e-12" {
	run -0 scenarios "${HULL[@]}" -R normal -H 10 --closed-form
	echo "$output" >"$BATS_TEST_TMPDIR/closed"
	var=$(field VaR-delta-normal 2 "$BATS_TEST_TMPDIR/closed")
	es=$(field ES-delta-normal 2 "$BATS_TEST_TMPDIR/closed")
	# his 2.326 rounds z = 2.3263478740408408: 1,620,000 to 0.02%
	awk -v v="$var" 'BEGIN { exit !(v > 1619700 && v < 1620300) }'
	/usr/bin/python3 -c "
import math, sys
from scipy.stats import norm
sd = math.sqrt(200000**2 + 50000**2 + 2 * 0.3 * 200000 * 50000) * math.sqrt(10)
z = norm.ppf(0.99)
ok = abs($var / (z * sd) - 1) < 1e-12 and abs($es / (norm.pdf(z) / 0.01 * sd) - 1) < 1e-12
sys.exit(not ok)"
	# linear book: delta-gamma is delta-normal
	[ "$(field VaR-delta-gamma-normal 2 "$BATS_TEST_TMPDIR/closed")" = "$var" ]
}

@test "Hull's example: Monte Carlo VaR and ES (RETURNS=normal, mu=0) hold the closed form in their intervals" {
	not_sanitized
	scenarios "${HULL[@]}" -R normal -H 10 --closed-form >closed.tsv
	for normals in inversion ziggurat; do
		hull_mc "$normals"
	done
}

# hull_mc NORMALS: the checks of the test above with those normals
hull_mc() {
	scenarios "${HULL[@]}" -R normal -H 10 -n 100000 -s 7 --normals "$1" | risk -c contrib.tsv >mc.tsv
	within VaR "$(field VaR-delta-normal 2 closed.tsv)" mc.tsv
	within ES "$(field ES-delta-normal 2 closed.tsv)" mc.tsv
	# Euler contributions of a normal book: ES cov(i, P) / var(P), within their intervals
	within L2-MSFT-stock "$(awk -v es="$(field ES-delta-normal 2 closed.tsv)" 'BEGIN { print es * 43000 / 48500 }')" contrib.tsv
	within L3-ATT-stock "$(awk -v es="$(field ES-delta-normal 2 closed.tsv)" 'BEGIN { print es * 5500 / 48500 }')" contrib.tsv
	awk -F '\t' 'NR == FNR && $1 == "ES" { es = $2 } NR > FNR && /^L/ { s += $2 }
		END { exit !(s - es < 1e-9 * es && es - s < 1e-9 * es) }' mc.tsv contrib.tsv
	if [ "$1" = ziggurat ]; then
		grep -q ' normals=ziggurat$' mc.tsv
	else
		run ! grep -q normals= mc.tsv
	fi
}

@test "interval coverage over 200 seeds: VaR's and ES's 95% intervals hold the closed form about 95% of the time" {
	not_sanitized
	coverage inversion
}

@test "interval coverage over 200 seeds, the ziggurat's normals (make var's)" {
	not_sanitized
	coverage ziggurat
}

# coverage NORMALS: the 200 seeds' runs with those normals
coverage() {
	# 200 runs of 2000 scenarios; coverage of a true 95% interval lies in
	# [0.89, 1] with probability 1 - 1e-4 (binomial sd 1.5%); an interval
	# of half the width would cover about 68%
	scenarios "${HULL[@]}" -R normal --closed-form >closed.tsv
	var=$(field VaR-delta-normal 2 closed.tsv) es=$(field ES-delta-normal 2 closed.tsv)
	for s in $(seq 1 200); do
		scenarios "${HULL[@]}" -R normal -n 2000 -s "$s" --normals "$1" | risk
	done | awk -F '\t' -v var="$var" -v es="$es" '
		$1 == "VaR" { n++; v += $4 <= var && var <= $5 }
		$1 == "ES" { e += $4 <= es && es <= $5 }
		END { printf "VaR %d/%d ES %d/%d\n", v, n, e, n; exit !(n == 200 && v >= 178 && e >= 178) }'
}

@test "options: full revaluation departs from delta-normal as gamma says" {
	not_sanitized
	# long calls gain convexity: full-revaluation VaR below delta-normal's;
	# short calls lose it: above. RETURNS=normal, 1 day: gamma alone.
	for book in long-calls short-calls; do
		P=(-m "$FIX/hull-market.tsv" -c "$FIX/hull-corr.tsv" -p "$FIX/$book.tsv" -R normal)
		scenarios "${P[@]}" --closed-form >"$book.closed"
		scenarios "${P[@]}" -n 20000 | risk >"$book.mc"
		scenarios "${P[@]}" -n 20000 --normals ziggurat | risk >"$book.zig"
	done
	dn=$(field VaR-delta-normal 2 long-calls.closed)
	[ "$(field VaR-delta-normal 2 short-calls.closed)" = "$dn" ]
	for mc in mc zig; do
		awk -v hi="$(field VaR 5 long-calls.$mc)" -v dn="$dn" 'BEGIN { exit !(hi < dn) }'
		awk -v lo="$(field VaR 4 short-calls.$mc)" -v dn="$dn" 'BEGIN { exit !(lo > dn) }'
	done
	# delta-gamma-normal moves from delta-normal toward full revaluation
	awk -v dg="$(field VaR-delta-gamma-normal 2 long-calls.closed)" -v dn="$dn" 'BEGIN { exit !(dg < dn) }'
	awk -v dg="$(field VaR-delta-gamma-normal 2 short-calls.closed)" -v dn="$dn" 'BEGIN { exit !(dg > dn) }'
}

@test "RETURNS=t: fatter tails than gbm at the same volatility" {
	not_sanitized
	for normals in inversion ziggurat; do
		scenarios "${HULL[@]}" -n 20000 --normals $normals | risk >gbm.tsv
		scenarios "${HULL[@]}" -n 20000 -R t -d 3 --normals $normals | risk >t.tsv
		awk -v t="$(field ES 2 t.tsv)" -v g="$(field ES 2 gbm.tsv)" 'BEGIN { exit !(t > 1.1 * g) }'
	done
}

@test "any split into shards gives the same bytes, contributions included" {
	split_same inversion
}

@test "any split into shards gives the same bytes under the ziggurat, contributions included" {
	split_same ziggurat
}

# split_same NORMALS: the test above with those normals
split_same() {
	local n=5000
	scenarios "${ABC[@]}" -n $n -R t -d 5 -H 5 --normals "$1" >whole
	risk whole -c c0 >r0
	for cuts in "1 4999" "1234 2000" "64 65 129 4000"; do
		rm -f part-*
		local first=0 k=0
		for cut in $cuts $n; do
			scenarios "${ABC[@]}" -n $n -R t -d 5 -H 5 -f $first -k $((cut - first)) --normals "$1" >"part-$k"
			first=$cut k=$((k + 1))
		done
		risk part-* -c c1 | cmp - r0
		cmp c1 c0
		risk -p part-* | cmp - <(risk -p whole)
	done
}

@test "--normals inversion, the default, keeps the bytes of before the option (pinned)" {
	# the bytes of c0c74a1's scenarios (before --normals), RETURNS=t's
	# chi-square words included
	run -0 sh -c 'scenarios "$@" | cksum' sh "${ABC[@]}" -n 5000 -R t -d 5 -H 5
	[ "$output" = "1957279951 8865" ]
	run -0 sh -c 'scenarios "$@" | cksum' sh "${ABC[@]}" -n 5000 -R t -d 5 -H 5 --normals inversion
	[ "$output" = "1957279951 8865" ]
	run -0 scenarios "${ABC[@]}" -n 5000 -H 5 --no-positions --normals inversion
	[ "${lines[3]}" = $'4482\t0x1.6e873fcced3bep+6\t0x1p+0' ]
	[ "${lines[4]}" = $'1475\t0x1.5d7c0f2bf23d7p+6\t0x1p+0' ]
	echo "$output" | risk >r
	[ "$(field VaR 2 r)" = 61.37210836206512 ]
	[ "$(field ES 2 r)" = 69.45002387471489 ]
	[[ $(head -1 r) != *normals=* ]]
}

@test "--normals ziggurat: other scenarios of the seed, normals=ziggurat; tails of both kinds do not merge" {
	local n=5000
	scenarios "${ABC[@]}" -n $n -k 1800 --no-positions >inv
	scenarios "${ABC[@]}" -n $n -f 1800 --no-positions --normals ziggurat >zig
	scenarios "${ABC[@]}" -n $n -k 1800 --no-positions --normals ziggurat >zig-a
	grep -q '^# tool=scenarios tail=1 .* inputs=[0-9a-f]* normals=ziggurat$' zig
	# the ziggurat's own bytes (scenarios' first block of the rare words'
	# counters included: about 1% of the draws)
	risk zig-a zig >r
	scenarios "${ABC[@]}" -n $n -f 1800 --no-positions >inv-b
	risk inv inv-b >r-inv
	[ "$(field VaR 2 r)" != "$(field VaR 2 r-inv)" ]
	TOOL=risk
	run -1 --separate-stderr risk inv zig
	[ "$stderr" = "risk: zig:1: normals=ziggurat but inv:1 has normals=(none: inversion): tails of inversion and ziggurat normals do not merge (another run?)" ]
	run -1 --separate-stderr risk zig inv
	[ "$stderr" = "risk: inv:1: normals=(none: inversion) but zig:1 has normals=ziggurat: tails of inversion and ziggurat normals do not merge (another run?)" ]
	# concatenated, as one stream
	run -1 --separate-stderr sh -c 'cat inv zig | risk'
	[ "$stderr" = "risk: stdin:$(($(wc -l <inv) + 1)): normals=ziggurat but stdin:1 has normals=(none: inversion): tails of inversion and ziggurat normals do not merge (another run?)" ]
	run -1 --separate-stderr scenarios "${ABC[@]}" -n $n --contributions inv zig
	[ "$stderr" = "scenarios: zig:1: normals=ziggurat but inv:1 has normals=(none: inversion): tails of inversion and ziggurat normals do not merge (another run?)" ]
	run -1 --separate-stderr scenarios "${ABC[@]}" -n $n --normals ziggurat --contributions zig inv
	[ "$stderr" = "scenarios: inv:1: normals=(none: inversion) but zig:1 has normals=ziggurat: tails of inversion and ziggurat normals do not merge (another run?)" ]
	# a tail of one kind given to a run of the other
	risk -p zig-a zig >merged
	run -1 --separate-stderr scenarios "${ABC[@]}" -n $n --positions merged
	[ "$stderr" = "scenarios: merged: the tail's normals=ziggurat differs from this run's (none)" ]
	risk -p inv inv-b >merged-inv
	run -1 --separate-stderr scenarios "${ABC[@]}" -n $n --normals ziggurat --positions merged-inv
	[ "$stderr" = "scenarios: merged-inv: the tail's normals=(none) differs from this run's ziggurat" ]
	# and the right kind: the contributions of the ziggurat's whole run
	scenarios "${ABC[@]}" -n $n --normals ziggurat --positions merged | risk -c c1 >/dev/null
	scenarios "${ABC[@]}" -n $n --normals ziggurat --contributions zig-a zig | tail -n +2 | cmp - <(tail -n +2 c1)
}

@test "options near N's branch point (|d| = 7.07): the same bytes in every block" {
	# A block of scenarios whose arguments of N all lie below 7.07 takes
	# the near branch alone, a block with one beyond takes both. Here d1
	# of the two options at 75.8 is about 6.5 +- 0.3 at the horizon: of the
	# 47 blocks of the whole run, 29 hold a scenario beyond 7.07 and 18 do
	# not (counted once in a build that printed them), and a split
	# moves scenarios between blocks of both kinds. Every loss must be the
	# same bits either way.
	printf 'asset\tspot\tvol\tq\tmu\nA\t100\t0.2\t0\t0\n' >m
	printf 'A\nA\t1\n' >c
	printf 'quantity\tasset\tinstrument\tstrike\tmaturity\n1\tA\tcall\t75.8\t0.05\n' >p
	printf -- '-2\tA\tput\t75.8\t0.05\n3\tA\tput\t100\t0.05\n' >>p
	local n=3000 book=(-m m -c c -p p -l 0.5)
	scenarios "${book[@]}" -n $n >whole
	scenarios "${book[@]}" -n $n -k 1 >part-0
	scenarios "${book[@]}" -n $n -f 1 -k 36 >part-1
	scenarios "${book[@]}" -n $n -f 37 >part-2
	risk -p part-* | cmp - <(risk -p whole)
	[ "$(rows whole | wc -l)" -gt 1500 ]
}

# screened NAME ARGS...: the partial of scenarios ARGS is --no-screen's, byte for byte
screened() {
	local name=$1
	shift
	scenarios "$@" >"$name.screened"
	scenarios "$@" --no-screen >"$name.all"
	cmp "$name.screened" "$name.all"
	[ "$(rows "$name.all" | wc -l)" -gt 100 ]
}

@test "screening: a shard's partial is --no-screen's, byte for byte (gbm, normal, t; near N's branch point; coarse grids; a grid overflowing; histograms)" {
	# A shard leaves out the scenarios whose loss bound (per-asset grids
	# of the positions' losses, each monotone in its asset's price) is
	# below a cut the K' worst surely reach; what it keeps must be what
	# revaluing every scenario keeps. 300000 scenarios are two of the
	# screen's segments (262144 each).
	screened abc "${ABC[@]}" -n 300000 --no-positions
	screened t "${ABC[@]}" -n 300000 -f 1000 -k 270000 -R t -d 4 --normals ziggurat --no-positions
	screened normal "${ABC[@]}" -n 50000 -R normal -H 10 -l 0.95
	screened straddle -m "$FIX/hull-market.tsv" -c "$FIX/hull-corr.tsv" -p "$FIX/straddle.tsv" -n 60000 -H 10 --no-positions
	# d1 about 6.5 at the horizon: N's far branch in part
	printf 'asset\tspot\tvol\tq\tmu\nA\t100\t0.2\t0\t0\n' >m
	printf 'A\nA\t1\n' >c
	printf 'quantity\tasset\tinstrument\tstrike\tmaturity\n1\tA\tcall\t75.8\t0.05\n' >p
	printf -- '-2\tA\tput\t75.8\t0.05\n3\tA\tput\t100\t0.05\n' >>p
	screened branch -m m -c c -p p -n 60000 -l 0.9 --no-positions
	# vols of 2 and 1.5 over a year: grids 60 times coarser than ABC's,
	# bounds a few units wide (a wrong bound or floor shows here)
	printf 'asset\tspot\tvol\tq\tmu\nA\t100\t2\t0\t0\nB\t50\t1.5\t0\t0\n' >m
	printf 'A\tB\nA\t1\t0.5\nB\t0.5\t1\n' >c
	printf 'quantity\tasset\tinstrument\tstrike\tmaturity\n1\tA\tcall\t100\t3\n-2\tA\tstock\t\t\n5\tB\tput\t60\t2\n' >p
	screened wide -m m -c c -p p -n 50000 -H 252 -l 0.9 --no-positions
	# --histogram: the range's ends, the scenarios of a bin's edge and,
	# with --histogram-file, the tail's revalued; the others binned by
	# their bounds
	screened hist-wide -m m -c c -p p -n 50000 -H 252 --histogram 120
	# the range's ends are the exact P&L of whichever candidates hold
	# them: at seed 2 one is the last revalued
	for s in 1 2 3 4; do
		screened hist-wide-$s -m m -c c -p p -n 20000 -H 252 --histogram 120 -s $s
	done
	screened hist-abc "${ABC[@]}" -n 50000 --histogram 120 --histogram-file bins.screened --no-positions
	scenarios "${ABC[@]}" -n 50000 --histogram 120 --histogram-file bins.all --no-positions --no-screen >/dev/null
	cmp bins.screened bins.all
	# a spot of 1e307: the grid's top prices overflow (a stock's loss
	# +inf there), nothing is screened, the scenarios' own losses finite
	printf 'asset\tspot\tvol\tq\tmu\nA\t1e307\t0.5\t0\t0\n' >m
	printf 'A\nA\t1\n' >c
	printf 'quantity\tasset\tinstrument\tstrike\tmaturity\n1\tA\tcall\t1e307\t2\n-1\tA\tstock\t\t\n' >p
	screened overflow -m m -c c -p p -n 20000 -H 252 -l 0.95 --no-positions
}

# data_fails MESSAGE ARGS...: exit 1, nothing on stdout, exactly "scenarios: MESSAGE".
data_fails() {
	local message=$1
	shift
	run -1 --separate-stderr scenarios "$@"
	echo "stderr: $stderr"
	[ "$output" = "" ]
	[ "$stderr" = "scenarios: $message" ]
}

@test "full revaluation: every option's loss is Black-Scholes's, by scipy, to 1e-9" {
	not_sanitized
	# Each asset's stock (quantity 1) gives the scenario's price: S_h =
	# S_0 - its loss. Every option's loss must then be its Black-Scholes
	# value today minus at the horizon (scipy's ndtr, an independent N),
	# near and far from the money: a deep out-of-the-money put and a deep
	# in-the-money call (|d| beyond 7.07, N's far branch), long maturities
	# at high volatility (v = sigma sqrt(tau) up to 4.7, where |d2| is the
	# smaller of |d1|, |d2| in some scenarios and not in others), and a
	# strike of 1e-47 (d1 near 39, where e^(-d1^2/2) underflows but
	# e^(-d2^2/2) does not).
	printf 'asset\tspot\tvol\tq\tmu\nA\t100\t0.2\t0\t0\nB\t50\t1.5\t0.02\t0\nC\t20\t0.3\t0.01\t0\n' >m
	printf 'A\tB\tC\nA\t1\t0.3\t0.1\nB\t0.3\t1\t0.2\nC\t0.1\t0.2\t1\n' >c
	{
		printf 'quantity\tasset\tinstrument\tstrike\tmaturity\n'
		printf '1\tA\tstock\t\t\n1\tB\tstock\t\t\n1\tC\tstock\t\t\n'
		printf '2\tA\tcall\t100\t0.5\n-3\tA\tput\t60\t0.05\n1\tA\tcall\t10\t0.06\n'
		printf '1\tB\tcall\t1e-47\t4\n-1\tB\tput\t200\t10\n5\tB\tcall\t30\t10\n'
		printf '4\tC\tput\t20\t1\n-2\tC\tcall\t25\t0.3\n'
	} >p
	scenarios -m m -c c -p p -n 2000 -l 0.5 -H 10 -r 0.03 >tail
	run -0 /usr/bin/python3 - tail p m <<-'EOF'
		import math, sys
		from scipy.special import ndtr
		tail, book, market = sys.argv[1:]
		spot, vol, q = {}, {}, {}
		for line in open(market).read().splitlines()[1:]:
		    a, s, v, d, m = line.split("\t")
		    spot[a], vol[a], q[a] = float(s), float(v), float(d)
		positions = [l.split("\t") for l in open(book).read().splitlines()[1:]]
		r, h = 0.03, 10 / 252
		def bs(kind, s, k, tau, a):
		    v = vol[a] * math.sqrt(tau)
		    d1 = (math.log(s / k) + (r - q[a] + 0.5 * vol[a] ** 2) * tau) / v
		    phi = 1 if kind == "call" else -1
		    return phi * (s * math.exp(-q[a] * tau) * ndtr(phi * d1) - k * math.exp(-r * tau) * ndtr(phi * (d1 - v)))
		rows = [l.split("\t") for l in open(tail) if not l.startswith("#")]
		checked, worst = 0, 0.0
		for row in rows[1:]:
		    if row[0] == "end":
		        break
		    losses = [float.fromhex(x) for x in row[3:]]
		    s_h = {p[1]: spot[p[1]] - x for p, x in zip(positions, losses) if p[2] == "stock"}
		    for p, x in zip(positions, losses):
		        if p[2] == "stock":
		            continue
		        qty, a, kind, k, t = float(p[0]), p[1], p[2], float(p[3]), float(p[4])
		        ref = qty * (bs(kind, spot[a], k, t, a) - bs(kind, s_h[a], k, t - h, a))
		        worst = max(worst, abs(x - ref) / (1 + abs(ref)))
		        checked += 1
		print(checked, "options", "ok" if worst < 1e-9 else "worst %g" % worst)
	EOF
	[ "$output" = "$(( $(rows tail | grep -vc '^end') * 8 )) options ok" ]
}

@test "refuses correlation matrices that are not: symmetric, unit-diagonal, in range, positive semi-definite" {
	M=(-m "$FIX/abc-market.tsv" -p "$FIX/abc-portfolio.tsv")
	data_fails "$FIX/asym-corr.tsv:3: not symmetric: entry B,A = 0.4 but A,B = 0.3" "${M[@]}" -c "$FIX/asym-corr.tsv"
	data_fails "$FIX/diag-corr.tsv:3: diagonal entry B,B = 0.98 is not 1" "${M[@]}" -c "$FIX/diag-corr.tsv"
	data_fails "$FIX/range-corr.tsv:3: correlation B,C = 1.5 is not in [-1, 1]" "${M[@]}" -c "$FIX/range-corr.tsv"
	data_fails "$FIX/notpsd-corr.tsv: not positive semi-definite: smallest eigenvalue -0.8" "${M[@]}" -c "$FIX/notpsd-corr.tsv"
}

@test "refuses bad files with file:line" {
	printf 'A\tB\nA\t1\t0.3\nB\t0.3\t1\n' >two.tsv
	data_fails "two.tsv:1: 2 names, the market has 3 assets" -m "$FIX/abc-market.tsv" -p "$FIX/abc-portfolio.tsv" -c two.tsv
	printf 'A\tB\tD\nA\t1\t0\t0\nB\t0\t1\t0\nD\t0\t0\t1\n' >d.tsv
	data_fails "d.tsv:1: asset 'D' is not in the market" -m "$FIX/abc-market.tsv" -p "$FIX/abc-portfolio.tsv" -c d.tsv
	printf 'asset\tspot\tvol\tq\tmu\nA\t100\t0.2\t0\t0\nB\t-50\t0.3\t0\t0\nC\t20\t0.25\t0.01\t0\n' >m.tsv
	data_fails "m.tsv:3: spot -50 is not positive" -m m.tsv -c "$FIX/abc-corr.tsv" -p "$FIX/abc-portfolio.tsv"
	printf 'asset\tspot\tvol\tq\tmu\nA\t100\t0.2\t0\t0\nB\tfifty\t0.3\t0\t0\nC\t20\t0.25\t0.01\t0\n' >m.tsv
	data_fails "m.tsv:3: spot 'fifty' is not a number" -m m.tsv -c "$FIX/abc-corr.tsv" -p "$FIX/abc-portfolio.tsv"
	C=(-m "$FIX/abc-market.tsv" -c "$FIX/abc-corr.tsv")
	printf 'quantity\tasset\tinstrument\tstrike\tmaturity\n10\tA\tstock\t\t\n5\tZ\tcall\t55\t0.5\n' >p.tsv
	data_fails "p.tsv:3: asset 'Z' is not in the market" "${C[@]}" -p p.tsv
	printf 'quantity\tasset\tinstrument\tstrike\tmaturity\n10\tA\tswap\t1\t1\n' >p.tsv
	data_fails "p.tsv:2: instrument 'swap': want stock, call or put" "${C[@]}" -p p.tsv
	printf 'quantity\tasset\tinstrument\tstrike\tmaturity\n# a comment\n10\tA\tcall\t100\t0.01\n' >p.tsv
	data_fails "p.tsv:3: maturity 0.01 is not after the horizon (0.03968253968253968 years) or beyond 100 years" "${C[@]}" -p p.tsv -H 10
	printf 'quantity\tasset\tinstrument\tstrike\tmaturity\n10\tA\tstock\t100\t\n' >p.tsv
	data_fails "p.tsv:2: a stock has no strike or maturity (leave them empty)" "${C[@]}" -p p.tsv
	printf 'quantity\tasset\tinstrument\tstrike\n10\tA\tstock\t\n' >p.tsv
	data_fails "p.tsv:1: no column 'maturity'" "${C[@]}" -p p.tsv
	data_fails "nothing.tsv: cannot open: No such file or directory" "${C[@]}" -p nothing.tsv
}

@test "usage errors" {
	usage_fails "--df goes with --returns t only" "${ABC[@]}" -d 5
	usage_fails "--returns t needs --df" "${ABC[@]}" -R t
	usage_fails "--df: '2' must be between 3 and 500" "${ABC[@]}" -R t -d 2
	usage_fails "--returns: 'cauchy': want gbm, normal or t" "${ABC[@]}" -R cauchy
	usage_fails "--normals: 'box-muller': want inversion or ziggurat" "${ABC[@]}" --normals box-muller
	usage_fails "--level: '0.3' is not in [0.5, 1)" "${ABC[@]}" -l 0.3
	usage_fails "--count: scenarios 90..189 go past --scenarios 100" "${ABC[@]}" -n 100 -f 90 -k 100
	usage_fails "--market, --corr and --portfolio are required" -m x
	run -0 scenarios --version
	[ "$output" = "scenarios (mcpipe) 0.1.0" ]
	[ "$(synopsis_of "$ROOT/tools/scenarios.1")" = "$(usage_of scenarios)" ]
	run -1 --separate-stderr sh -c 'scenarios "$@" >/dev/full' sh "${ABC[@]}" -n 1000
	[ "$stderr" = "scenarios: write error: No space left on device" ]
}

@test "--no-positions shards merged, then --positions: the bytes of shards with positions" {
	local n=5000
	scenarios "${ABC[@]}" -n $n -k 1800 --no-positions >a
	scenarios "${ABC[@]}" -n $n -f 1800 --no-positions >b
	[ "$(grep -v '^#' a | head -1)" = $'scenario\tloss\tweight' ]
	risk -p b a >merged
	scenarios "${ABC[@]}" -n $n --positions merged >with
	risk with -c c1 >r1
	scenarios "${ABC[@]}" -n $n | risk -c c2 >r2
	cmp r1 r2
	cmp c1 c2
	run -1 --separate-stderr scenarios "${ABC[@]}" -n $n -s 9 --positions merged
	[ "$stderr" = "scenarios: merged: the tail's seed=20261206 differs from this run's 9" ]
}

@test "--contributions: the shards merged give risk -c's contributions, bit for bit" {
	local n=5000
	scenarios "${ABC[@]}" -n $n -k 1800 --no-positions >a
	scenarios "${ABC[@]}" -n $n -f 1800 -k 2000 --no-positions >b
	scenarios "${ABC[@]}" -n $n -f 3800 --no-positions >c
	scenarios "${ABC[@]}" -n $n | risk -c expected >/dev/null
	run -0 scenarios "${ABC[@]}" -n $n --contributions c a b
	# the same table; only the metadata line's writer differs
	[ "${lines[0]}" = "$(head -1 expected | sed 's/^# tool=risk /# tool=scenarios /')" ]
	[ "$(tail -n +2 <(echo "$output"))" = "$(tail -n +2 expected)" ]
	[ "$(rows expected | wc -l)" = "$(rows "$FIX/abc-portfolio.tsv" | wc -l)" ]
	# from standard input too
	cat a b c | scenarios "${ABC[@]}" -n $n --contributions | cmp - <(echo "$output")
	# every scenario of the run, once
	run -1 --separate-stderr scenarios "${ABC[@]}" -n $n --contributions a c
	[ "$stderr" = "scenarios: scenarios 1800..3799 are missing" ]
	run -1 --separate-stderr scenarios "${ABC[@]}" -n $n -s 9 --contributions a b c
	[ "$stderr" = "scenarios: the tails: the tail's seed=20261206 differs from this run's 9" ]
	usage_fails "--contributions reads the run's tails: no --first or --count" \
		"${ABC[@]}" -n $n -f 10 --contributions a
	usage_fails "--closed-form, --histogram, --no-positions, --positions and --contributions: choose one" \
		"${ABC[@]}" --closed-form --contributions
}

@test "--histogram-file: --histogram's bins there, --no-positions's tail on stdout" {
	scenarios "${ABC[@]}" -n 3000 -f 1000 --histogram 25 >bins
	scenarios "${ABC[@]}" -n 3000 -f 1000 --no-positions >tail
	scenarios "${ABC[@]}" -n 3000 -f 1000 >tail-positions
	run -0 scenarios "${ABC[@]}" -n 3000 -f 1000 --histogram 25 --no-positions --histogram-file got
	[ "$output" = "$(cat tail)" ]
	cmp bins got
	run -0 scenarios "${ABC[@]}" -n 3000 -f 1000 --histogram 25 --histogram-file got
	[ "$output" = "$(cat tail-positions)" ]
	cmp bins got
	run -1 --separate-stderr scenarios "${ABC[@]}" -n 3000 --histogram 25 --histogram-file /dev/full
	[ "$stderr" = "scenarios: /dev/full: write error: No space left on device" ]
	[ -z "$output" ]
	run -1 --separate-stderr scenarios "${ABC[@]}" -n 3000 --histogram 25 --histogram-file no/such/bins
	[ "$stderr" = "scenarios: no/such/bins: cannot open: No such file or directory" ]
	local m="--histogram-file goes with --histogram, and not with --closed-form, --positions or --contributions"
	usage_fails "$m" "${ABC[@]}" --histogram-file got
	usage_fails "$m" "${ABC[@]}" --histogram 5 --histogram-file got --closed-form
	usage_fails "$m" "${ABC[@]}" --histogram 5 --histogram-file got --contributions tail
	usage_fails "$m" "${ABC[@]}" --histogram 5 --histogram-file got --positions tail
}

@test "--histogram: BINS rows whose counts add up to the scenarios" {
	run -0 scenarios "${ABC[@]}" -n 3000 -f 1000 --histogram 25
	[ "${lines[1]}" = $'pnl\tcount' ]
	[ "$(rows <(echo "$output") | wc -l)" = 25 ]
	[ "$(rows <(echo "$output") | awk '{ s += $2 } END { print s }')" = 2000 ]
}
