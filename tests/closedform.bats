#!/usr/bin/env bats
load test_helper

# value NAME ARGS...: the value of row NAME in the output of closedform ARGS.
value() {
	local name=$1
	shift
	closedform "$@" | awk -F '\t' -v name="$name" '
		$1 == name { print $2; found = 1 } END { exit !found }'
}

# close A B TOL: |A - B| <= TOL max(|A|, |B|), or a message and failure.
close() {
	awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN {
		d = a - b; if (d < 0) d = -d
		m = a < 0 ? -a : a; n = b < 0 ? -b : b; if (n > m) m = n
		if (d <= tol * m) exit 0
		printf "not close: %.17g and %.17g differ by %.3g relative, over %g\n",
		       a, b, (m > 0 ? d / m : d), tol
		exit 1 }'
}

# near A B TOL: |A - B| <= TOL, or a message and failure.
near() {
	awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN {
		d = a - b; if (d < 0) d = -d
		if (d <= tol) exit 0
		printf "not near: %.17g and %.17g differ by %.3g, over %g\n", a, b, d, tol
		exit 1 }'
}

# calc EXPR: an awk expression, printed to 17 digits.
calc() {
	awk "BEGIN { printf \"%.17g\n\", $1 }"
}

# py EXPR: a Python expression with math's names and N, the normal CDF.
py() {
	python3 -c "from math import *
N = lambda x: 0.5 * erfc(-x / sqrt(2))
print(repr($1))"
}

# fails_with STATUS MESSAGE ARGS...: closedform ARGS exits with STATUS, says
# MESSAGE first on stderr and writes nothing on stdout.
fails_with() {
	local want_status=$1 want=$2
	shift 2
	run "-$want_status" --separate-stderr closedform "$@"
	[ "${stderr_lines[0]}" = "$want" ] || {
		echo "stderr: $stderr"
		return 1
	}
	[ -z "$output" ]
}

# greeks_match PAYOFF S0 K R Q SIGMA T STEPS [theta]: delta, gamma, vega, rho
# (and theta) agree with central differences of the tool's own price.
greeks_match() {
	local p=$1 s0=$2 K=$3 r=$4 q=$5 sig=$6 T=$7 steps=$8 with_theta=${9:-}
	local hs hr hv hT up down mid g
	px() {
		value price -p "$p" -K "$K" -q "$q" --steps "$steps" \
			--s0 "$1" -r "$2" --sigma "$3" -T "$4"
	}
	hs=$(calc "$s0 * 1e-4")
	up=$(px "$(calc "$s0 + $hs")" "$r" "$sig" "$T")
	down=$(px "$(calc "$s0 - $hs")" "$r" "$sig" "$T")
	g=$(value delta -p "$p" --s0 "$s0" -K "$K" -r "$r" -q "$q" --sigma "$sig" -T "$T" --steps "$steps")
	close "$g" "$(calc "($up - $down) / (2 * $hs)")" 1e-6

	hs=$(calc "$s0 * 1e-3")
	up=$(px "$(calc "$s0 + $hs")" "$r" "$sig" "$T")
	mid=$(px "$s0" "$r" "$sig" "$T")
	down=$(px "$(calc "$s0 - $hs")" "$r" "$sig" "$T")
	g=$(value gamma -p "$p" --s0 "$s0" -K "$K" -r "$r" -q "$q" --sigma "$sig" -T "$T" --steps "$steps")
	close "$g" "$(calc "($up - 2 * $mid + $down) / ($hs * $hs)")" 1e-5

	hv=1e-5
	up=$(px "$s0" "$r" "$(calc "$sig + $hv")" "$T")
	down=$(px "$s0" "$r" "$(calc "$sig - $hv")" "$T")
	g=$(value vega -p "$p" --s0 "$s0" -K "$K" -r "$r" -q "$q" --sigma "$sig" -T "$T" --steps "$steps")
	close "$g" "$(calc "($up - $down) / (2 * $hv)")" 1e-6

	hr=1e-5
	up=$(px "$s0" "$(calc "$r + $hr")" "$sig" "$T")
	down=$(px "$s0" "$(calc "$r - $hr")" "$sig" "$T")
	g=$(value rho -p "$p" --s0 "$s0" -K "$K" -r "$r" -q "$q" --sigma "$sig" -T "$T" --steps "$steps")
	close "$g" "$(calc "($up - $down) / (2 * $hr)")" 1e-6

	[ -n "$with_theta" ] || return 0
	hT=$(calc "$T * 1e-5")
	up=$(px "$s0" "$r" "$sig" "$(calc "$T + $hT")")
	down=$(px "$s0" "$r" "$sig" "$(calc "$T - $hT")")
	g=$(value theta -p "$p" --s0 "$s0" -K "$K" -r "$r" -q "$q" --sigma "$sig" -T "$T" --steps "$steps")
	close "$g" "$(calc "-($up - $down) / (2 * $hT)")" 1e-6
}

# --- interface -------------------------------------------------------------

@test "prints a metadata line, a header and the rows of a call" {
	run -0 closedform
	[ "${lines[0]}" = "# tool=closedform model=gbm s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=1 payoff=call strike=100" ]
	[ "${lines[1]}" = $'name\tvalue\tkind' ]
	[ "$(closedform | tail -n +3 | cut -f 1,3 | paste -s -d ' ' -)" = \
	  "$(printf 'price\texact delta\texact gamma\texact vega\texact rho\texact theta\texact')" ]
}

@test "metadata numbers are shortest round-trip decimals" {
	run -0 closedform --s0 0x1.8p+6 -r .1 -q 1e-2 --sigma 0.30 -T 2 --steps 12 -K 95.5
	[ "${lines[0]}" = "# tool=closedform model=gbm s0=96 r=0.1 q=0.01 sigma=0.3 T=2 steps=12 payoff=call strike=95.5" ]
}

@test "barrier payoffs add barrier and rebate to the metadata" {
	run -0 closedform -p up-and-out-call --barrier 120 --rebate 1.5 --steps 4
	[ "${lines[0]}" = "# tool=closedform model=gbm s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=4 payoff=up-and-out-call strike=100 barrier=120 rebate=1.5" ]
	[ "$(rows <<<"$output" | cut -f 1,3 | paste -s -d ' ' -)" = \
	  "$(printf 'price\tapprox-bgk price-continuous\tcontinuous')" ]
}

@test "floating lookbacks have no strike: it is read as a number, not checked" {
	run -0 closedform -p lookback-put-float -K -5 --steps 3
	[ "${lines[0]}" = "# tool=closedform model=gbm s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=3 payoff=lookback-put-float" ]
	[ "$(rows <<<"$output" | cut -f 1,3 | paste -s -d ' ' -)" = \
	  "$(printf 'price\texact price-continuous\tcontinuous')" ]
	fails_with 2 "closedform: --strike: invalid number 'x'" -p lookback-put-float -K x
}

@test "--help exits 0 and prints the synopsis" {
	run -0 closedform --help
	[ "${lines[0]}" = "usage: closedform [-K strike] [-p payoff] [-q yield] [-r rate] [-T maturity]" ]
	[ "${lines[1]}" = "                  [--barrier level] [--rebate amount] [--s0 spot]" ]
	[ "${lines[2]}" = "                  [--sigma vol] [--steps n] [--model name]" ]
	[ "${lines[3]}" = "                  [--v0 var] [--kappa rate] [--theta var] [--xi volvol] [--rho corr]" ]
	[ "${lines[4]}" = "                  [--lambda intensity] [--mu-j mean] [--delta-j sd]" ]
	[[ "$output" == *"lookback-call-float"* ]]
}

@test "the usage text is the man page's SYNOPSIS" {
	needs_package mandoc mandoc
	local man usage
	man=$(mandoc -Tascii "$ROOT/tools/closedform.1" | col -bx |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
	usage=$(closedform --help | sed -n '1,/^$/p' | sed 's/^usage: //' | tr -s ' \n' ' ' | sed 's/ $//')
	echo "man:   $man"
	echo "usage: $usage"
	[ "$man" = "$usage" ]
}

@test "--version prints the version" {
	run -0 closedform --version
	[ "$output" = "closedform (mcpipe) 0.1.0" ]
}

@test "an unknown option prints the usage and exits 2" {
	run -2 --separate-stderr closedform --bogus
	[ "${stderr_lines[0]}" = "closedform: unrecognized option '--bogus'" ]
	[ "${stderr_lines[1]}" = "usage: closedform [-K strike] [-p payoff] [-q yield] [-r rate] [-T maturity]" ]
	[ "${stderr_lines[6]}" = "Try 'closedform --help' for more information." ]
}

@test "short options are the long ones" {
	[ "$(closedform -r 0.03 -q 0.01 -T 2 -p put -K 90)" = \
	  "$(closedform --rate 0.03 --yield 0.01 --maturity 2 --payoff put --strike 90)" ]
}

# --- calls, puts, digitals ----------------------------------------------------

@test "the at-the-money call is 10.450583572185565" {
	close "$(value price)" 10.450583572185565 1e-12
}

@test "Hull's example: S0=42 K=40 r=0.1 sigma=0.2 T=0.5 gives call 4.76, put 0.81" {
	near "$(value price --s0 42 -K 40 -r 0.1 -T 0.5)" 4.76 0.005
	near "$(value price --s0 42 -K 40 -r 0.1 -T 0.5 -p put)" 0.81 0.005
}

@test "Haug's examples: Black-Scholes call 2.1334, Merton put with yield 2.4648" {
	near "$(value price --s0 60 -K 65 -T 0.25 -r 0.08 --sigma 0.3)" 2.1334 5e-5
	near "$(value price --s0 100 -K 95 -T 0.5 -r 0.1 -q 0.05 -p put)" 2.4648 5e-5
}

@test "put-call parity with dividends: C - P = S e^-qT - K e^-rT" {
	local point c p
	for point in "100 100 0.05 0 0.2 1" "100 120 0.03 0.02 0.35 2" "50 40 0.1 0.06 0.15 0.25" \
	             "100 80 -0.01 0.03 0.5 5" "100 100 0.04 0.04 1.2 0.1"; do
		set -- $point
		c=$(value price --s0 "$1" -K "$2" -r "$3" -q "$4" --sigma "$5" -T "$6")
		p=$(value price --s0 "$1" -K "$2" -r "$3" -q "$4" --sigma "$5" -T "$6" -p put)
		near "$(calc "$c - $p")" "$(calc "$1 * exp(-($4) * $6) - $2 * exp(-($3) * $6)")" "$(calc "1e-12 * $1")"
	done
}

@test "digital-call is e^-rT N(d2)" {
	local want
	want=$(py "exp(-0.04 * 0.75) * N((log(100 / 110) + (0.04 - 0.02 - 0.25**2 / 2) * 0.75) / (0.25 * sqrt(0.75)))")
	close "$(value price -p digital-call -K 110 -r 0.04 -q 0.02 --sigma 0.25 -T 0.75)" "$want" 1e-12
}

@test "digital-call plus digital-put is the discount factor" {
	local c p
	c=$(value price -p digital-call -K 90 -r 0.07 -q 0.01 --sigma 0.3 -T 1.5)
	p=$(value price -p digital-put -K 90 -r 0.07 -q 0.01 --sigma 0.3 -T 1.5)
	close "$(calc "$c + $p")" "$(calc "exp(-0.07 * 1.5)")" 1e-14
}

@test "call Greeks match finite differences of the price" {
	greeks_match call 100 100 0.05 0.02 0.2 1 1 theta
	greeks_match call 90 110 0.03 0 0.4 2.5 1 theta
}

@test "put Greeks match finite differences of the price" {
	greeks_match put 100 105 0.05 0.03 0.25 0.5 1 theta
}

@test "digital Greeks match finite differences of the price" {
	greeks_match digital-call 100 110 0.04 0.02 0.25 0.75 1 theta
	greeks_match digital-put 100 90 0.04 0.02 0.25 0.75 1 theta
}

@test "theta is -dV/dT: the call's known value -6.414" {
	near "$(value theta)" -6.4140275 1e-6
}

@test "sigma 0: a call is the discounted forward intrinsic value" {
	close "$(value price --sigma 0 -q 0.01 -r 0.03)" "$(calc "100 * exp(-0.01) - 100 * exp(-0.03)")" 1e-14
	close "$(value delta --sigma 0 -q 0.01 -r 0.03)" "$(calc "exp(-0.01)")" 1e-15
	[ "$(value gamma --sigma 0 -q 0.01 -r 0.03)" = 0 ]
	[ "$(value vega --sigma 0 -q 0.01 -r 0.03)" = 0 ]
	[ "$(value price --sigma 0 -q 0.01 -r 0.03 -p put)" = 0 ]
	close "$(value price --sigma 0 -r 0.03 -p digital-call)" "$(calc "exp(-0.03)")" 1e-15
}

@test "sigma 0 with the forward at the strike: the price, no Greeks" {
	run -0 closedform --sigma 0 -r 0.02 -q 0.02
	[ "$(rows <<<"$output")" = $'price\t0\texact' ]
	run -0 closedform --sigma 0 -r 0 -p digital-put
	[ "$(rows <<<"$output")" = $'price\t0.5\texact' ]
}

@test "sigma 0 works for every payoff with a closed form" {
	local p
	for p in call put digital-call digital-put asian-call-geo asian-put-geo \
	         lookback-call-float lookback-put-float american-call; do
		run -0 closedform -p "$p" --sigma 0 --steps 5
		run ! grep -Eqi 'nan|inf' <<<"$output"
	done
	for p in up-and-out-call up-and-in-call; do
		run -0 closedform -p "$p" --sigma 0 --barrier 120 --steps 5
	done
	for p in down-and-out-put down-and-in-put; do
		run -0 closedform -p "$p" --sigma 0 --barrier 80 --steps 5
	done
}

# --- geometric Asians -----------------------------------------------------------

@test "a geometric Asian with one date is the European" {
	local g
	for g in price delta gamma vega rho; do
		close "$(value "$g" -p asian-call-geo -q 0.02 --sigma 0.3)" "$(value "$g" -q 0.02 --sigma 0.3)" 1e-14
		close "$(value "$g" -p asian-put-geo -q 0.02 --sigma 0.3)" "$(value "$g" -p put -q 0.02 --sigma 0.3)" 1e-14
	done
	! closedform -p asian-call-geo | grep -q '^theta'
}

# ln G is normal with mean ln S0 + (r - q - sigma^2/2) sum(t_i)/n and variance
# sigma^2/n^2 sum_ij min(t_i, t_j), here summed directly: so the Asian is the
# European with sigma' = sqrt(var/T) and a yield q' that gives the forward E[G].
@test "a geometric Asian is the European with the average's mean and variance" {
	local n=7 S=100 K=95 r=0.06 q=0.01 sig=0.35 T=2 moments sigp qp
	moments=$(awk -v n=$n -v S=$S -v r=$r -v q=$q -v s=$sig -v T=$T 'BEGIN {
		for (i = 1; i <= n; i++) {
			mean += i * T / n
			for (j = 1; j <= n; j++) var += (i < j ? i : j) * T / n
		}
		mean = (r - q - s * s / 2) * mean / n; var = s * s * var / (n * n)
		printf "%.17g %.17g\n", sqrt(var / T), r - (mean + var / 2) / T }')
	read -r sigp qp <<<"$moments"
	close "$(value price -p asian-call-geo --steps $n -K $K -r $r -q $q --sigma $sig -T $T)" \
	      "$(value price -K $K -r $r -q "$qp" --sigma "$sigp" -T $T)" 1e-12
	close "$(value price -p asian-put-geo --steps $n -K $K -r $r -q $q --sigma $sig -T $T)" \
	      "$(value price -p put -K $K -r $r -q "$qp" --sigma "$sigp" -T $T)" 1e-12
}

@test "with many dates a geometric Asian tends to the continuous average" {
	# Kemna-Vorst: variance sigma^2 T/3, mean (r - q - sigma^2/2) T/2.
	local sigp qp
	sigp=$(calc "0.3 / sqrt(3)")
	qp=$(calc "0.05 - ((0.05 - 0.01 - 0.045) / 2 + 0.09 / 6)")
	close "$(value price -p asian-call-geo --steps 1000000 -q 0.01 --sigma 0.3)" \
	      "$(value price -q "$qp" --sigma "$sigp")" 1e-5
}

@test "geometric Asian Greeks match finite differences of the price" {
	greeks_match asian-call-geo 100 100 0.05 0.02 0.3 1 12
	greeks_match asian-put-geo 100 105 0.03 0.01 0.25 2 5
}

# --- barriers ---------------------------------------------------------------

# Haug's table of standard barrier options (S=100, T=0.5, r=0.08, b=0.04,
# rebate 3), to its last digit: his knock-ins pay the rebate at expiry as
# here; his knock-outs pay it at the hit, and so differ from this tool's.
@test "continuous knock-ins match Haug's table" {
	local common="-T 0.5 -r 0.08 -q 0.04 --rebate 3"
	near "$(value price-continuous -p up-and-in-call --barrier 105 -K 90 $common --sigma 0.25)" 14.1112 1e-4
	near "$(value price-continuous -p up-and-in-call --barrier 105 -K 100 $common --sigma 0.3)" 9.7278 1e-4
	near "$(value price-continuous -p up-and-in-call --barrier 105 -K 110 $common --sigma 0.25)" 4.5910 1e-4
	near "$(value price-continuous -p down-and-in-put --barrier 95 -K 90 $common --sigma 0.25)" 2.9586 1e-4
	near "$(value price-continuous -p down-and-in-put --barrier 95 -K 100 $common --sigma 0.3)" 7.7989 1e-4
	near "$(value price-continuous -p down-and-in-put --barrier 95 -K 110 $common --sigma 0.25)" 11.9752 1e-4
}

@test "in + out = vanilla + rebate e^-rT, for every barrier, strike and monitoring" {
	local pair H K R steps row in out van args
	for pair in "up 120 call" "down 85 put"; do
		set -- $pair
		H=$2
		for K in 80 100 110 130; do
			van=$(value price -p "$3" -K "$K" -r 0.04 -q 0.01 --sigma 0.3)
			for R in 0 2.5; do
				for steps in 1 12; do
					args=(-K "$K" --barrier "$H" --rebate "$R" --steps "$steps" -r 0.04 -q 0.01 --sigma 0.3)
					# each leg's table once, for both rows (half the runs:
					# most of this test's time under the sanitizers)
					closedform -p "$1-and-in-$3" "${args[@]}" >"$BATS_TEST_TMPDIR/in.tsv"
					closedform -p "$1-and-out-$3" "${args[@]}" >"$BATS_TEST_TMPDIR/out.tsv"
					for row in price price-continuous; do
						in=$(field $row 2 "$BATS_TEST_TMPDIR/in.tsv")
						out=$(field $row 2 "$BATS_TEST_TMPDIR/out.tsv")
						close "$(calc "$in + $out")" "$(calc "$van + $R * exp(-0.04)")" 1e-12
					done
				done
			done
		done
	done
}

@test "in + out = vanilla + rebate e^-rT with sigma 0 too" {
	local H R in out
	for H in 104 106; do
		for R in 0 3; do
			in=$(value price -p up-and-in-call --barrier $H --rebate $R --sigma 0)
			out=$(value price -p up-and-out-call --barrier $H --rebate $R --sigma 0)
			close "$(calc "$in + $out")" "$(calc "100 - 100 * exp(-0.05) + $R * exp(-0.05)")" 1e-14
		done
	done
}

@test "sigma 0: a knock-out is knocked out when the forward reaches the barrier" {
	# The forward is 100 e^0.05 = 105.13.
	close "$(value price -p up-and-out-call --barrier 104 --rebate 3 --sigma 0)" "$(calc "3 * exp(-0.05)")" 1e-15
	close "$(value price -p up-and-out-call --barrier 106 --rebate 3 --sigma 0)" "$(calc "100 - 100 * exp(-0.05)")" 1e-14
	[ "$(value price -p down-and-in-put --barrier 90 --sigma 0)" = 0 ]
}

@test "a far barrier leaves the vanilla" {
	local c p
	c=$(value price --steps 12)
	p=$(value price -p put --steps 12)
	close "$(value price-continuous -p up-and-out-call --barrier 1e6 --steps 12)" "$c" 1e-12
	close "$(value price -p up-and-out-call --barrier 1e6 --steps 12)" "$c" 1e-12
	close "$(value price-continuous -p down-and-out-put --barrier 1e-6 --steps 12)" "$p" 1e-12
	close "$(value price -p down-and-out-put --barrier 1e-6 --steps 12)" "$p" 1e-12
	near "$(value price -p up-and-in-call --barrier 1e6 --steps 12)" 0 1e-12
}

@test "a strike beyond the barrier: the knock-out is worth its rebate, the knock-in the vanilla" {
	close "$(value price-continuous -p up-and-in-call --barrier 110 -K 120)" "$(value price -K 120)" 1e-12
	close "$(value price-continuous -p down-and-in-put --barrier 90 -K 80)" "$(value price -p put -K 80)" 1e-12
	near "$(value price-continuous -p up-and-out-call --barrier 110 -K 120)" 0 1e-12
}

@test "discrete knock-outs are worth more than continuous ones, knock-ins less" {
	local args=(--barrier 120 --steps 12 --rebate 1) d c
	d=$(value price -p up-and-out-call "${args[@]}")
	c=$(value price-continuous -p up-and-out-call "${args[@]}")
	awk -v d="$d" -v c="$c" 'BEGIN { exit !(d > c) }'
	d=$(value price -p up-and-in-call "${args[@]}")
	c=$(value price-continuous -p up-and-in-call "${args[@]}")
	awk -v d="$d" -v c="$c" 'BEGIN { exit !(d < c) }'
	d=$(value price -p down-and-out-put --barrier 85 --steps 12)
	c=$(value price-continuous -p down-and-out-put --barrier 85 --steps 12)
	awk -v d="$d" -v c="$c" 'BEGIN { exit !(d > c) }'
}

@test "the discrete barrier price tends to the continuous one as dates are added" {
	local c steps d prev=1e9
	c=$(value price-continuous -p up-and-out-call --barrier 120)
	for steps in 10 100 10000 100000000; do
		d=$(value price -p up-and-out-call --barrier 120 --steps $steps)
		d=$(calc "$d - $c")
		awk -v d="$d" -v prev="$prev" 'BEGIN { exit !(d > 0 && d < prev) }'
		prev=$d
	done
	close "$(value price -p up-and-out-call --barrier 120 --steps 100000000)" "$c" 1e-3
}

@test "one monitoring date is exact: a vanilla less a spread and digitals at the barrier" {
	local c100 c120 d120 want
	c100=$(value price -K 100 --sigma 0.3)
	c120=$(value price -K 120 --sigma 0.3)
	d120=$(value price -p digital-call -K 120 --sigma 0.3)
	want=$(calc "$c100 - $c120 - 20 * $d120 + 2 * $d120")
	run -0 closedform -p up-and-out-call --barrier 120 --rebate 2 --sigma 0.3
	[ "$(rows <<<"$output" | head -1 | cut -f 1,3)" = $'price\texact' ]
	close "$(rows <<<"$output" | head -1 | cut -f 2)" "$want" 1e-12
	want=$(calc "$(value price -p put -K 85 --sigma 0.3) + 15 * $(value price -p digital-put -K 85 --sigma 0.3)")
	close "$(value price -p down-and-in-put --barrier 85 -K 100 --sigma 0.3)" "$want" 1e-12
}

# --- lookbacks ----------------------------------------------------------------

# lookback_quadrature PHI S r q sigma T: the continuous floating lookback
# (PHI 1: call, -1: put) by Simpson's rule over the law of the running
# extreme of drifted Brownian motion (reflection principle).
lookback_quadrature() {
	python3 - "$@" <<'EOF'
import sys
from math import *
N = lambda x: 0.5 * erfc(-x / sqrt(2))
phi, S, r, q, sig, T = int(sys.argv[1]), *map(float, sys.argv[2:])
nu, v = r - q - sig * sig / 2, sig * sqrt(T)
span, n = abs(nu) * T + v * v + 15 * v, 20000
def simpson(f, a, b):
    h = (b - a) / n
    return h / 3 * sum((1 if i in (0, n) else 4 if i % 2 else 2) * f(a + i * h) for i in range(n + 1))
if phi > 0:   # E[e^m] = 1 - int_{-inf}^0 e^y P(m < y) dy
    f = lambda y: exp(y) * (N((y - nu * T) / v) + exp(2 * nu * y / sig**2) * N((y + nu * T) / v))
    print(repr(S * exp(-q * T) - S * exp(-r * T) * (1 - simpson(f, -span, 0))))
else:         # E[e^M] = 1 + int_0^inf e^y P(M > y) dy
    f = lambda y: exp(y) * (N(-(y - nu * T) / v) + exp(2 * nu * y / sig**2) * N((-y - nu * T) / v))
    print(repr(S * exp(-r * T) * (1 + simpson(f, 0, span)) - S * exp(-q * T)))
EOF
}

@test "continuous lookbacks match Hull's example: call 8.04, put 7.79" {
	near "$(value price-continuous -p lookback-call-float --s0 50 -r 0.1 --sigma 0.4 -T 0.25)" 8.04 0.005
	near "$(value price-continuous -p lookback-put-float --s0 50 -r 0.1 --sigma 0.4 -T 0.25)" 7.79 0.005
}

@test "continuous lookbacks match integration over the law of the extreme" {
	not_sanitized
	local point
	for point in "100 0.05 0 0.2 1" "100 0.05 0.05 0.2 1" "80 0.1 0.02 0.1 0.5" "100 0.03 0.08 0.6 3"; do
		set -- $point
		close "$(value price-continuous -p lookback-call-float --s0 $1 -r $2 -q $3 --sigma $4 -T $5)" \
		      "$(lookback_quadrature 1 "$@")" 1e-11
		close "$(value price-continuous -p lookback-put-float --s0 $1 -r $2 -q $3 --sigma $4 -T $5)" \
		      "$(lookback_quadrature -1 "$@")" 1e-11
	done
}

@test "lookbacks at r = q need no special case: prices are smooth across it" {
	local p lo mid hi
	for p in lookback-call-float lookback-put-float; do
		lo=$(value price-continuous -p $p -r 0.05 -q 0.04999999)
		mid=$(value price-continuous -p $p -r 0.05 -q 0.05)
		hi=$(value price-continuous -p $p -r 0.05 -q 0.05000001)
		# a straight line to 1e-13: no cancellation near r = q
		near "$(calc "($lo + $hi) / 2")" "$mid" 1e-12
		awk -v a="$lo" -v b="$hi" 'BEGIN { exit !(a != b) }'
	done
}

@test "a lookback with one date is a vanilla struck at the spot" {
	close "$(value price -p lookback-call-float -q 0.02 --sigma 0.3)" "$(value price -q 0.02 --sigma 0.3)" 1e-13
	close "$(value price -p lookback-put-float -q 0.02 --sigma 0.3)" "$(value price -p put -q 0.02 --sigma 0.3)" 1e-13
}

# Two dates: E[max(S0, S1, S2)] = E[a + E[(S2 - a)+ | S1]] with a = max(S0, S1),
# a Black-Scholes value inside an integral over S1, split at S1 = S0.
@test "discrete lookbacks with two dates match a one-dimensional integral" {
	not_sanitized
	local want
	want=$(python3 - <<'EOF'
from math import *
N = lambda x: 0.5 * erfc(-x / sqrt(2))
S, r, q, s, T = 100, 0.05, 0.02, 0.3, 1
dt, b = T / 2, r - q
nu, sd = (b - s * s / 2) * dt, s * sqrt(dt)
def inner(z, phi):   # E[max (phi 1) or min (phi -1) of a and S2 | S1]
    S1 = S * exp(nu + sd * z)
    a = max(S, S1) if phi > 0 else min(S, S1)
    d1 = (log(S1 / a) + (b + s * s / 2) * dt) / sd
    F = S1 * exp(b * dt)
    if phi > 0:
        return a + F * N(d1) - a * N(d1 - sd)
    return a - (a * N(sd - d1) - F * N(-d1))
def simpson(f, a, c, n=4000):
    h = (c - a) / n
    return h / 3 * sum((1 if i in (0, n) else 4 if i % 2 else 2) * f(a + i * h) for i in range(n + 1))
zs = -nu / sd
for phi in (1, -1):
    g = lambda z: exp(-z * z / 2) / sqrt(2 * pi) * inner(z, phi)
    e = simpson(g, -12, zs) + simpson(g, zs, 12)
    print(repr(exp(-r * T) * e - S * exp(-q * T) if phi > 0 else S * exp(-q * T) - exp(-r * T) * e))
EOF
)
	close "$(value price -p lookback-put-float --steps 2 -r 0.05 -q 0.02 --sigma 0.3)" "$(sed -n 1p <<<"$want")" 1e-10
	close "$(value price -p lookback-call-float --steps 2 -r 0.05 -q 0.02 --sigma 0.3)" "$(sed -n 2p <<<"$want")" 1e-10
}

@test "discrete lookbacks grow towards the continuous price as dates are added" {
	local p steps d prev=0 c
	for p in lookback-call-float lookback-put-float; do
		c=$(value price-continuous -p $p)
		prev=0
		for steps in 1 2 12 250 10000; do
			d=$(value price -p $p --steps $steps)
			awk -v d="$d" -v prev="$prev" -v c="$c" 'BEGIN { exit !(prev < d && d < c) }'
			prev=$d
		done
	done
}

@test "beyond 10000 dates lookbacks switch from exact to the BGK correction seamlessly" {
	run -0 closedform -p lookback-put-float --steps 10001
	[ "$(rows <<<"$output" | head -1 | cut -f 3)" = approx-bgk ]
	close "$(value price -p lookback-put-float --steps 10001)" "$(value price -p lookback-put-float --steps 10000)" 1e-4
	close "$(value price -p lookback-call-float --steps 10001)" "$(value price -p lookback-call-float --steps 10000)" 1e-4
}

@test "the BGK correction gives no price where it is none (d > 1/2: it once printed -4.877 for a put)" {
	# found by fuzzing (make fuzz-closedform): sigma 190005 over 210005 dates
	run -0 closedform -p lookback-put-float --sigma 190005 --steps 210005
	[ "$(rows <<<"$output" | cut -f 1,3 | tr '\t\n' ': ')" = "price-continuous:continuous " ]
	run -0 closedform -p lookback-call-float --sigma 190005 --steps 210005
	[ "$(rows <<<"$output" | cut -f 1)" = price-continuous ]
}

@test "sigma 0: a lookback pays the deterministic rise or fall" {
	close "$(value price -p lookback-call-float --sigma 0 -q 0.01)" "$(calc "100 * exp(-0.05) * (exp(0.04) - 1)")" 1e-14
	[ "$(value price -p lookback-put-float --sigma 0 -q 0.01)" = 0 ]
	close "$(value price -p lookback-put-float --sigma 0 -q 0.08)" "$(calc "100 * exp(-0.05) * (1 - exp(-0.03))")" 1e-14
	close "$(value price-continuous -p lookback-put-float --sigma 1e-6 -q 0.08)" "$(calc "100 * exp(-0.05) * (1 - exp(-0.03))")" 1e-9
}

# --- American ----------------------------------------------------------------

@test "an American call without dividends is the European call" {
	[ "$(closedform -p american-call | tail -n +2)" = "$(closedform -p call | tail -n +2)" ]
}

@test "an American put at a rate of 0 is the European put" {
	[ "$(closedform -p american-put -r 0 -q 0.03 | tail -n +2)" = "$(closedform -p put -r 0 -q 0.03 | tail -n +2)" ]
}

# --- errors ------------------------------------------------------------------

@test "exit 3: no closed form for arithmetic Asians" {
	fails_with 3 "closedform: no closed form for asian-call-arith" -p asian-call-arith
	fails_with 3 "closedform: no closed form for asian-put-arith" -p asian-put-arith --steps 12
}

@test "exit 3: no closed form for an American put at a positive rate" {
	fails_with 3 "closedform: no closed form for american-put unless r <= 0 and q >= 0" -p american-put
}

@test "exit 3: no closed form for an American call with dividends or a negative rate" {
	fails_with 3 "closedform: no closed form for american-call unless q <= 0 and r >= 0" -p american-call -q 0.02
	fails_with 3 "closedform: no closed form for american-call unless q <= 0 and r >= 0" -p american-call -r -0.01
}

@test "usage errors say where to find help" {
	run -2 --separate-stderr closedform --sigma -0.1
	[ "${stderr_lines[0]}" = "closedform: --sigma: '-0.1' must not be negative" ]
	[ "${stderr_lines[1]}" = "Try 'closedform --help' for more information." ]
	[ -z "$output" ]
}

@test "rejects a spot that is not positive" {
	fails_with 2 "closedform: --s0: '0' must be positive" --s0 0
	fails_with 2 "closedform: --s0: '-5' must be positive" --s0 -5
}

@test "rejects a maturity that is not positive" {
	fails_with 2 "closedform: --maturity: '0' must be positive" -T 0
}

@test "rejects a step count that is not a positive integer" {
	fails_with 2 "closedform: --steps: '0' must be at least 1" --steps 0
	fails_with 2 "closedform: --steps: '-3' must be at least 1" --steps -3
	fails_with 2 "closedform: --steps: invalid integer '2.5'" --steps 2.5
}

@test "rejects a strike that is not positive" {
	fails_with 2 "closedform: --strike: '0' must be positive" -K 0
	fails_with 2 "closedform: --strike: '-1' must be positive" -p up-and-out-call --barrier 120 -K -1
}

@test "rejects an unknown payoff" {
	fails_with 2 "closedform: --payoff: unknown payoff 'foo'" -p foo
}

@test "rejects non-finite and malformed numbers" {
	fails_with 2 "closedform: --rate: invalid number 'inf'" -r inf
	fails_with 2 "closedform: --yield: invalid number 'nan'" -q nan
	fails_with 2 "closedform: --sigma: invalid number '0.2x'" --sigma 0.2x
	fails_with 2 "closedform: --s0: invalid number ''" --s0 ''
}

@test "a barrier payoff requires --barrier" {
	fails_with 2 "closedform: --barrier is required for up-and-out-call" -p up-and-out-call
	fails_with 2 "closedform: --barrier is required for down-and-in-put" -p down-and-in-put
}

@test "rejects a barrier that is not positive" {
	fails_with 2 "closedform: --barrier: '0' must be positive" -p down-and-out-put --barrier 0
}

@test "rejects an up barrier at or below the spot" {
	fails_with 2 "closedform: --barrier: '90' must be above --s0 '100' for up-and-out-call (it would start knocked out)" \
		-p up-and-out-call --barrier 90
	fails_with 2 "closedform: --barrier: '100' must be above --s0 '100' for up-and-in-call (it would start knocked in)" \
		-p up-and-in-call --barrier 100
}

@test "rejects a down barrier at or above the spot" {
	fails_with 2 "closedform: --barrier: '110' must be below --s0 '100' for down-and-out-put (it would start knocked out)" \
		-p down-and-out-put --barrier 110
	fails_with 2 "closedform: --barrier: '120' must be below --s0 '120' for down-and-in-put (it would start knocked in)" \
		-p down-and-in-put --barrier 120 --s0 120
}

@test "rejects a negative rebate" {
	fails_with 2 "closedform: --rebate: '-1' must not be negative" -p up-and-out-call --barrier 120 --rebate -1
}

@test "rejects --barrier and --rebate for payoffs without a barrier" {
	fails_with 2 "closedform: --barrier: call has no barrier" --barrier 120
	fails_with 2 "closedform: --rebate: lookback-put-float has no barrier" -p lookback-put-float --rebate 0
}

@test "rejects a stray argument" {
	fails_with 2 "closedform: unexpected argument 'extra'" extra
}

@test "a value that overflows is an error, not a number" {
	fails_with 1 "closedform: price: not a finite number for these parameters" --s0 1e300 -r 10 -T 100
}

@test "a write error is reported" {
	[ -w /dev/full ] || skip "no /dev/full"
	run -1 --separate-stderr sh -c 'closedform > /dev/full'
	[ "$stderr" = "closedform: write error: No space left on device" ]
}

# --- Heston (--model heston) ---------------------------------------------------

# heston ARGS...: the price row of closedform --model heston ARGS.
heston() {
	value price --model heston "$@"
}

@test "heston: Andersen's (2008) case I, K = 100: 13.0847" {
	# L. Andersen, "Simple and efficient simulation of the Heston stochastic
	# volatility model", J. Comput. Finance 11(3), 2008, Table: kappa 0.5,
	# theta = v0 = 0.04, xi 1, rho -0.9, r 0, T 10. Published to 4 decimals.
	near "$(heston --v0 0.04 --kappa 0.5 --theta 0.04 --xi 1 --rho -0.9 -r 0 -T 10)" 13.0847 5e-5
}

@test "heston: QuantLib's cached analytic value 0.0404774515 (hestonmodel.cpp, to 1e-8)" {
	# testAnalyticVsCached: 27 Dec 2004 to 28 Mar 2005, Actual/Actual (ISDA):
	# T = 5/366 + 86/365.
	near "$(heston --s0 1 -K 1.05 -r 0.0225 -q 0.02 -T "$(calc "5/366 + 86/365")" \
		--v0 0.1 --kappa 3.16 --theta 0.09 --xi 0.4 --rho -0.2)" 0.0404774515 1e-8
}

@test "heston: the Wilmott forum's values in QuantLib's tests (to QuantLib's 1e-6)" {
	# testAnalyticVsCached: F = 1 (S = e^{-0.021}), T 0.7, r 0.05, q 0.02;
	# QuantLib interpolates two dates to T = 0.7 and allows 100 x 1e-8.
	local args=(--s0 "$(calc "exp(-0.021)")" -r 0.05 -q 0.02 -T 0.7
	            --v0 0.09 --kappa 1.2 --theta 0.08 --xi 1.8 --rho -0.45)
	near "$(heston "${args[@]}" -K 0.9)" 0.1330371 1e-6
	near "$(heston "${args[@]}" -K 1.0)" 0.0641016 1e-6
	near "$(heston "${args[@]}" -K 1.1)" 0.0270645 1e-6
}

@test "heston: Kahl and Jaeckel's example 4.95212 (QuantLib's testKahlJaeckelCase)" {
	# "Not-so-complex logarithms in the Heston model", Wilmott, Sept. 2005:
	# a long maturity where the original formula jumps branches. The
	# published 4.95212 is 5.3e-6 above 25-digit integration (4.9521147208798,
	# tests/peers/heston-mpmath), hence 1e-5.
	near "$(heston --v0 0.16 --kappa 1 --theta 0.16 --xi 2 --rho -0.8 -r 0 -T 10 -K 200)" 4.95212 1e-5
}

@test "heston: 1e-10 of 25-digit integration (mpmath, Heston's P1 and P2; measured 6e-13)" {
	not_sanitized
	needs_package python3-mpmath /usr/lib/python3/dist-packages/mpmath/__init__.py
	# Andersen's case I at K = 140, a short maturity deep in the money, a
	# positive rho, and xi 3 with rho -0.99 (slowly decaying integrands)
	local cases=("0.04 0.5 0.04 1 -0.9 100 0 0 10 140"
	             "0.09 0.5 0.04 1.0 -0.9 100 0.03 0.01 0.082191780821917804 70"
	             "0.02 3 0.06 0.6 0.3 100 0.03 0.01 5 100"
	             "0.04 1.5 0.04 3 -0.99 100 0.05 0 1 100") c want
	want=$(for c in "${cases[@]}"; do echo "$c 1"; done | "$ROOT/tests/peers/heston-mpmath")
	local i=0
	for c in "${cases[@]}"; do
		set -- $c
		i=$((i + 1))
		near "$(heston --v0 $1 --kappa $2 --theta $3 --xi $4 --rho $5 --s0 $6 -r $7 -q $8 -T $9 -K ${10})" \
		     "$(sed -n ${i}p <<<"$want")" 1e-10
	done
}

@test "heston: within 1e-8 of QuantLib's AnalyticHestonEngine (Gauss-Laguerre, 144 nodes) on a grid" {
	not_sanitized
	needs_package quantlib-python /usr/lib/python3/dist-packages/QuantLib/__init__.py
	local grid=$BATS_TEST_TMPDIR/grid ql p K days phi row
	for p in "0.04 1.5 0.04 0.3 -0.7" "0.09 0.5 0.04 1.0 -0.9" "0.02 3.0 0.06 0.6 0.3" "0.2 1.0 0.1 1.5 -0.5"; do
		for days in 30 365 1825; do
			for K in 70 100 140; do
				for phi in 1 -1; do
					echo "$p 100 0.03 0.01 $days $K $phi"
				done
			done
		done
	done >"$grid"
	ql=$("$ROOT/tests/peers/quantlib-heston" --engine laguerre <"$grid")
	paste -d ' ' "$grid" - <<<"$ql" | while read -r v0 ka th xi rho S r q days K phi want; do
		[ "$phi" = 1 ] && p=call || p=put
		near "$(heston -p $p --v0 $v0 --kappa $ka --theta $th --xi $xi --rho $rho --s0 $S \
			-r $r -q $q -T "$(calc "$days / 365")" -K $K)" "$want" 1e-8 || exit 1
	done
}

@test "heston: put-call parity to 1e-12 S" {
	local args=(--v0 0.09 --kappa 0.5 --theta 0.04 --xi 1 --rho -0.9 -r 0.03 -q 0.01 -T 2) K c p
	for K in 50 100 200; do
		c=$(heston "${args[@]}" -K $K)
		p=$(heston "${args[@]}" -K $K -p put)
		near "$(calc "$c - $p")" "$(calc "100 * exp(-0.02) - $K * exp(-0.06)")" 1e-10
	done
}

@test "heston: xi -> 0 gives Black-Scholes at the integrated deterministic variance" {
	# With xi = 0, v_t = theta + (v0 - theta) e^{-kappa t}: total variance
	# w = theta T + (v0 - theta)(1 - e^{-kappa T})/kappa, so sigma = sqrt(w/T).
	# The price moves by O(rho xi) + O(xi^2): xi = 1e-6 with rho = 0 is
	# Black-Scholes to 1e-12; with rho = -0.5 and xi = 1e-8 the price is
	# within 1e-7 (O(rho xi) S T): the formula has no 1/xi^2 cancellation.
	local K T sigma args
	for T in 0.1 1 5; do
		sigma=$(calc "sqrt((0.04 * $T + (0.09 - 0.04) * (1 - exp(-2 * $T)) / 2) / $T)")
		for K in 80 100 125; do
			args=(-K $K -T $T -r 0.03 -q 0.01)
			close "$(heston "${args[@]}" --v0 0.09 --kappa 2 --theta 0.04 --xi 1e-6 --rho 0)" \
			      "$(value price "${args[@]}" --sigma "$sigma")" 1e-9
			near "$(heston "${args[@]}" --v0 0.09 --kappa 2 --theta 0.04 --xi 1e-8 --rho -0.5)" \
			     "$(value price "${args[@]}" --sigma "$sigma")" 1e-7
			close "$(heston "${args[@]}" --v0 0.09 --kappa 2 --theta 0.04 --xi 0 --rho -0.5 -p put)" \
			      "$(value price "${args[@]}" --sigma "$sigma" -p put)" 1e-12
		done
	done
}

@test "heston: prices move the right way with xi and rho (skew: rho < 0 cheapens high strikes)" {
	local lo hi
	lo=$(heston -K 130 --rho -0.9)
	hi=$(heston -K 130 --rho 0.9)
	awk -v a="$lo" -v b="$hi" 'BEGIN { exit !(a < b) }'
	lo=$(heston -K 70 -p put --rho 0.9)
	hi=$(heston -K 70 -p put --rho -0.9)
	awk -v a="$lo" -v b="$hi" 'BEGIN { exit !(a < b) }'
}

# --- Merton (--model merton) ---------------------------------------------------

@test "merton: Haug's table (QuantLib's testMerton76, to its 1e-2)" {
	# E. G. Haug, Option Pricing Formulas (1998), p. 9: S 100, K 80, r 0.08,
	# total vol v 0.25, gamma 0.25 of the variance from jumps of mean 1:
	# delta_j = v sqrt(gamma/lambda), sigma = v sqrt(1 - gamma),
	# mu_j = -delta_j^2/2. Values for T 0.1 0.25 0.5 and lambda 1 5 10.
	local want=(20.67 21.74 23.63 20.65 21.70 23.61 20.64 21.70 23.61) i=0 l T d
	for l in 1 5 10; do
		for T in 0.1 0.25 0.5; do
			d=$(calc "0.25 * sqrt(0.25 / $l)")
			near "$(value price --model merton -K 80 -r 0.08 -T $T --sigma "$(calc "0.25 * sqrt(0.75)")" \
				--lambda $l --mu-j "$(calc "-$d * $d / 2")" --delta-j "$d")" "${want[$i]}" 0.005
			i=$((i + 1))
		done
	done
}

@test "merton: lambda = 0, and jumps of size 1, give Black-Scholes" {
	local p K
	for p in call put; do
		for K in 70 100 150; do
			close "$(value price --model merton --lambda 0 -p $p -K $K -q 0.02)" \
			      "$(value price -p $p -K $K -q 0.02)" 1e-14
			close "$(value price --model merton --lambda 3 --mu-j 0 --delta-j 0 -p $p -K $K -q 0.02)" \
			      "$(value price -p $p -K $K -q 0.02)" 1e-13
		done
	done
}

@test "merton: put-call parity (each priced by its own series) to 1e-12 S" {
	local K c p
	for K in 60 100 160; do
		c=$(value price --model merton --lambda 2 --mu-j -0.2 --delta-j 0.3 -K $K -q 0.01 -T 3)
		p=$(value price --model merton --lambda 2 --mu-j -0.2 --delta-j 0.3 -K $K -q 0.01 -T 3 -p put)
		near "$(calc "$c - $p")" "$(calc "100 * exp(-0.03) - $K * exp(-0.15)")" 1e-10
	done
}

@test "merton: a large lambda T neither overflows nor loses the series" {
	# 1000 jumps a year of sd 0.01: the jumps add 1000 * 0.01^2 = 0.1 of
	# variance a year, so sigma^2 = 0.04 + 0.1 (the mean jump is compensated;
	# the law is not lognormal, so only near).
	near "$(value price --model merton --lambda 1000 --mu-j 0 --delta-j 0.01)" \
	     "$(value price --sigma "$(calc "sqrt(0.14)")")" 0.01
}

# --- models: errors ---------------------------------------------------------------

@test "heston and merton: no closed form for payoffs other than call and put (exit 3)" {
	fails_with 3 "closedform: no closed form for digital-call under --model heston" --model heston -p digital-call
	fails_with 3 "closedform: no closed form for up-and-out-call under --model merton" \
		--model merton -p up-and-out-call --barrier 120
	fails_with 3 "closedform: no closed form for american-put under --model heston" --model heston -p american-put
}

@test "rejects a model's options under another model, and --sigma under heston" {
	fails_with 2 "closedform: --v0: applies to --model heston only" --v0 0.04
	fails_with 2 "closedform: --lambda: applies to --model merton only" --model heston --lambda 1
	fails_with 2 "closedform: --sigma: not a parameter of --model heston (its variance is --v0, --kappa, --theta, --xi)" \
		--model heston --sigma 0.2
	fails_with 2 "closedform: --model: unknown model 'sabr' (gbm, heston or merton)" --model sabr
}

@test "rejects bad Heston and Merton parameters" {
	fails_with 2 "closedform: --rho: '-1.5' must be in [-1, 1]" --model heston --rho -1.5
	fails_with 2 "closedform: --v0: '-0.01' must not be negative" --model heston --v0 -0.01
	fails_with 2 "closedform: --xi: invalid number 'nan'" --model heston --xi nan
	fails_with 2 "closedform: --delta-j: '-0.1' must not be negative" --model merton --delta-j -0.1
	fails_with 2 "closedform: --lambda: '-1' must not be negative" --model merton --lambda -1
}

@test "the man page's examples give the output shown" {
	not_sanitized
	man_examples "$ROOT/tools/closedform.1"
}

@test "heston: an integral that does not settle is refused, not guessed; xi below 1e-100 is xi = 0" {
	# rho = -1 with xi = 3: the integrand decays too slowly for 1000
	# Gauss-Kronrod pieces below 2^40
	fails_with 1 "closedform: price: the Heston integral did not converge for these parameters" \
		--model heston --rho -1 --xi 3
	close "$(heston --xi 1e-300)" "$(heston --xi 0)" 1e-15
}
