#!/usr/bin/env bats
# impvol: Black-Scholes implied volatility. The round trip over the whole
# domain is tests/unit/test_black.c; here the tool's interface.
load test_helper

# iv ARGS...: the iv of impvol ARGS (one price).
iv() {
	impvol "$@" | rows | cut -f 2
}

near() {
	awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN {
		d = a - b; if (d < 0) d = -d
		if (d <= tol) exit 0
		printf "not near: %.17g and %.17g differ by %.3g, over %g\n", a, b, d, tol
		exit 1 }'
}

price() {
	closedform "$@" | awk -F '\t' '$1 == "price" { print $2 }'
}

@test "black_implied round-trips 400000 random points to 1e-12 where the price carries it" {
	run -0 --separate-stderr "$UNIT/test_black"
	echo "$output"
	[ "$stderr" = "" ]
	[[ "$output" == *"round trip: "* ]]
}

@test "impvol inverts closedform's Black-Scholes prices to 1e-12: in, at and out of the money, short and long" {
	local K T sig p
	# (Deeper, where the time value falls below the price's rounding, is
	# test_black's: there the price no longer carries 1e-12 of vol.)
	for K in 80 100 125; do
		for T in 0.02 1 10; do
			for sig in 0.1 0.3 1.2; do
				for p in call put; do
					# in the money at T = 0.02 the time value is below the
					# price's last bit when sigma is small
					case "$T $p $K" in "0.02 call 80"|"0.02 put 125") continue ;; esac
					near "$(iv -K $K -T $T -p $p -q 0.01 "$(price -K $K -T $T -p $p -q 0.01 --sigma $sig)")" $sig 1e-12
				done
			done
		done
	done
}

@test "a price at its intrinsic value, or within rounding below it, has volatility 0" {
	[ "$(iv -r 0 -K 90 10)" = 0 ]
	# closedform's deep in-the-money call, one ulp below the discounted
	# intrinsic value 40.03997200986418
	[ "$(iv -K 60 -T 0.02 -q 0.01 40.03997200986417)" = 0 ]
}

@test "prices outside the no-arbitrage bounds are refused, and nothing is written" {
	run -1 --separate-stderr impvol -K 80 -T 0.01 20.1 19
	[ "$stderr" = "impvol: price '19': below the no-arbitrage bound 20.039990001666453 (the discounted intrinsic value)" ]
	[ -z "$output" ]
	run -1 --separate-stderr impvol -K 80 -T 0.01 100
	[ "$stderr" = "impvol: price '100': at or above the no-arbitrage bound 100" ]
	run -1 --separate-stderr impvol -p put -r 0 -K 80 -- -1
	[ "$stderr" = "impvol: price '-1': below the no-arbitrage bound 0 (the discounted intrinsic value)" ]
}

@test "usage errors" {
	run -2 --separate-stderr impvol
	[ "${stderr_lines[0]}" = "impvol: no price given" ]
	run -2 --separate-stderr impvol -p digital 1
	[ "${stderr_lines[0]}" = "impvol: --payoff: 'digital' is not call or put" ]
	run -2 --separate-stderr impvol abc
	[ "${stderr_lines[0]}" = "impvol: price: invalid number 'abc'" ]
	run -2 --separate-stderr impvol -T 0 5
	[ "${stderr_lines[0]}" = "impvol: --maturity: '0' must be positive" ]
}

@test "the usage text is the man page's SYNOPSIS; --version" {
	run -0 synopsis_of "$ROOT/tools/impvol.1"
	[ "$output" = "$(usage_of impvol)" ]
	run -0 impvol --version
	[ "$output" = "impvol (mcpipe) 0.1.0" ]
}

@test "the man page's examples give the output shown" {
	not_sanitized
	man_examples "$ROOT/tools/impvol.1"
}

@test "a write error is reported" {
	run -1 --separate-stderr sh -c 'impvol 10 > /dev/full'
	[ "$stderr" = "impvol: write error: No space left on device" ]
}
