#!/usr/bin/env bats
# Every ```sh block in README.md works exactly as written.

load test_helper

# Prints block number $1 (1-based) of the README's ```sh blocks.
readme_block() {
	awk -v want="$1" '/^```sh$/ { n++; inside = 1; next }
	                  /^```$/ { inside = 0; next }
	                  inside && n == want' "$ROOT/README.md"
}

@test "the README opens with make price and make test" {
	run -0 grep -m2 -n '^    make ' "$ROOT/README.md"
	[[ "${lines[0]}" == *"make price"* ]]
	[[ "${lines[1]}" == *"make test"* ]]
}

@test "every sh block of the README runs as written" {
	not_sanitized
	export HOME="$BATS_TEST_TMPDIR"
	cd "$BATS_TEST_TMPDIR"
	count=$(grep -c '^```sh$' "$ROOT/README.md")
	[ "$count" -ge 6 ]
	for i in $(seq 1 "$count"); do
		readme_block "$i" >block.sh
		# Not pipefail: `sort | head` closes sort's pipe early, as in any shell.
		# Any tool failing on the way still shows on stderr.
		run --separate-stderr bash -e block.sh
		if [ "$status" -ne 0 ] || [ -z "$output" ] || [ -n "$stderr" ]; then
			echo "README block $i failed (status $status):"; cat block.sh; echo "$output"; echo "$stderr"
			return 1
		fi
		printf '%s\n' "$output" >"out-$i.txt"
		check_prices block.sh "out-$i.txt" || { echo "README block $i:"; cat block.sh; return 1; }
	done
}

# within EST SE REFERENCE [SIDES]: |EST - REFERENCE| <= 4 SE (a correct
# estimate fails with probability 6.3e-5).
within() {
	awk -v e="$1" -v s="$2" -v c="$3" 'BEGIN {
		z = (e - c) / s; printf "  %.6f stderr %.6f reference %.6f z %+.2f\n", e, s, c, z
		exit !(s > 0 && z <= 4 && z >= -4) }'
}

# check_prices BLOCK OUTPUT: the prices a README block prints, against
# closed forms (closedform, tested against published values in
# tests/closedform.bats), within 4 stderr. Blocks are told apart by what
# they run, so that adding a block does not shift the others; a block
# that prints an aggregate price row and matches none of these fails:
# give it its reference here.
check_prices() {
	local block=$1 out=$2 est se k s cf geo
	row() { awk -F '\t' -v c="$2" '$1 == "price" { print $c; exit }' "$1"; }
	case $(cat "$block") in
	*'simpaths --sigma 0.2 | payoff -p call -K 100 | aggregate'* | *'aggregate part3.tsv'*)
		within "$(row "$out" 2)" "$(row "$out" 3)" "$(closed call --sigma 0.2 -K 100)" ;;
	*'cmp text0.tsv fused0.tsv'*)
		[ "$(cat "$out")" = same ] ;;
	*'for k in 90 100 110; do payoff -K $k paths.tsv'*)
		[ "$(wc -l <"$out")" -eq 3 ] || return 1
		while read -r k est se; do
			within "$est" "$se" "$(closed call --sigma 0.25 -K "$k")" || return 1
		done <"$out" ;;
	*'payoff -p asian-call-arith | aggregate'*)
		# no closed form: between the geometric Asian's (AM >= GM, path by
		# path) and that plus e^{-rT} E[A - G] ((A-K)+ - (G-K)+ <= A - G),
		# E[A] = S0/n sum e^{r t_i}, E[G] = S0 e^{(r - sigma^2/2) a T +
		# sigma^2 c T/2}, a = (n+1)/2n, c = (n+1)(2n+1)/6n^2: a band of 0.29
		geo=$(closed asian-call-geo --steps 12)
		read -r est _ se <"$out"
		awk -v e="$est" -v h="$se" -v g="$geo" 'BEGIN {
			n = 12; s = h / 1.96; for (i = 1; i <= n; i++) A += 100 * exp(0.05 * i / n) / n
			a = (n + 1) / (2 * n); c = (n + 1) * (2 * n + 1) / (6 * n * n)
			G = 100 * exp((0.05 - 0.02) * a + 0.04 * c / 2); hi = g + exp(-0.05) * (A - G)
			printf "  %.4f stderr %.4f within [%.4f, %.4f] +- 4 stderr?\n", e, s, g, hi
			exit !(e >= g - 4 * s && e <= hi + 4 * s) }' ;;
	*'gridgen sigma=0.1:0.5:0.1'*)
		# no stderr printed: 4 times a bound on it, sqrt(E[S_T^2]/n)
		[ "$(wc -l <"$out")" -eq 5 ] || return 1
		while read -r s est; do
			cf=$(closed call --sigma "$s")
			se=$(awk -v s="$s" 'BEGIN { print 100 * exp(0.05 + s * s / 2) / sqrt(100000) }')
			within "$est" "$se" "$cf" || return 1
		done <"$out" ;;
	*'closedform --sigma 0.3 --payoff put --strike 110'*)
		cf=$(awk -F '\t' '$1 == "price" { print $2; exit }' "$out")
		[ "$cf" = "$(closed put --sigma 0.3 -K 110)" ] || return 1
		within "$(awk -F '\t' '$1 == "price" { n++ } n == 2 && $1 == "price" { print $2 }' "$out")" \
			"$(awk -F '\t' '$1 == "price" { n++ } n == 2 && $1 == "price" { print $3 }' "$out")" "$cf" ;;
	*'closedform --model heston --v0 0.04 --kappa 0.5'*)
		# Andersen (2008) case I: 13.0847, to its digits; the Merton put by
		# put-call parity against closedform's Merton call (C - P = S0 -
		# K e^{-rT}); impvol's volatility reprices the Heston price under
		# Black-Scholes
		call=$(closed_row call price --model merton --lambda 1 --mu-j -0.1 --delta-j 0.15)
		bs=$(closed call -r 0 -T 10 --sigma "$(awk -F '\t' 'NR == 3 { print $2 }' "$out")")
		awk -F '\t' -v call="$call" -v bs="$bs" '
			function abs(x) { return x < 0 ? -x : x }
			NR == 1 { h = $2 } NR == 2 { p = $2 } NR == 3 { v = $1 }
			END {
				printf "  heston %.6f (13.0847), parity %.3g, impvol repriced %.3g\n",
				       h, call - p - (100 - 100 * exp(-0.05)), bs - v
				exit !(abs(h - 13.0847) <= 5e-5 && abs(call - p - (100 - 100 * exp(-0.05))) <= 1e-9 &&
				       abs(bs - v) <= 1e-9 && v == h) }' "$out" ;;
	*)
		if grep -q '^price	' "$out"; then
			echo "a price without a reference: add one to check_prices (tests/readme.bats)"
			return 1
		fi ;;
	esac
}
