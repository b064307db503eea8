#!/usr/bin/env bats
# gridgen: exact decimal ranges, lists, the product's order, limits, errors.

bats_require_minimum_version 1.5.0
load test_helper

TRY="Try 'gridgen --help' for more information."
TOOL=gridgen

# column ARGS...: the values of a one-axis grid on one line, space-separated.
column() {
	gridgen "$@" | tail -n +2 | paste -s -d ' ' -
}

# decimal MANTISSA PLACES: MANTISSA * 10^-PLACES in plain decimal, no
# trailing zeros, "0" for zero; integer arithmetic only.
decimal() {
	local m=$1 places=$2 sign='' digits int frac
	if ((m < 0)); then sign=-; m=$((-m)); fi
	((m == 0)) && { echo 0; return; }
	digits=$m
	while ((${#digits} <= places)); do digits=0$digits; done
	int=${digits:0:${#digits}-places}
	frac=${digits:${#digits}-places}
	while [ -n "$frac" ] && [ "${frac: -1}" = 0 ]; do frac=${frac%0}; done
	echo "$sign$int${frac:+.$frac}"
}

# --- exact decimal ranges ---------------------------------------------------

@test "the sigma example: header and nine exact rows" {
	run -0 gridgen sigma=0.1:0.5:0.05
	expected=$(printf '%s\n' sigma 0.1 0.15 0.2 0.25 0.3 0.35 0.4 0.45 0.5)
	[ "$output" = "$expected" ]
	# byte-exact, trailing newline included, no metadata or CR
	gridgen sigma=0.1:0.5:0.05 >"$BATS_TEST_TMPDIR/out"
	printf 'sigma\n0.1\n0.15\n0.2\n0.25\n0.3\n0.35\n0.4\n0.45\n0.5\n' >"$BATS_TEST_TMPDIR/expected"
	cmp "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/expected"
}

@test "the sigma by strike example: 27 TAB-separated rows, sigma slowest" {
	gridgen sigma=0.1:0.5:0.05 strike=90,100,110 >"$BATS_TEST_TMPDIR/out"
	{
		printf 'sigma\tstrike\n'
		for s in 0.1 0.15 0.2 0.25 0.3 0.35 0.4 0.45 0.5; do
			printf '%s\t90\n%s\t100\n%s\t110\n' "$s" "$s" "$s"
		done
	} >"$BATS_TEST_TMPDIR/expected"
	cmp "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/expected"
}

@test "an end point on the grid is included: 0.1:0.3:0.1 ends at 0.3" {
	run -0 column x=0.1:0.3:0.1
	[ "$output" = "0.1 0.2 0.3" ]
	run -0 column x=0:1:0.1
	[ "$output" = "0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1" ]
}

@test "an end point off the grid is excluded: 0:1:0.3 ends at 0.9" {
	run -0 column x=0:1:0.3
	[ "$output" = "0 0.3 0.6 0.9" ]
	run -0 column x=1:2:0.7
	[ "$output" = "1 1.7" ]
}

@test "lo equal to hi is a single point" {
	run -0 gridgen x=0.25:0.25:1
	[ "$output" = $'x\n0.25' ]
	run -0 gridgen x=7:7:0.001
	[ "$output" = $'x\n7' ]
}

@test "a step larger than the range gives lo alone" {
	run -0 column x=1:2:5
	[ "$output" = "1" ]
}

@test "negative values, and zero written as 0, never -0" {
	run -0 column x=-0.5:0.5:0.25
	[ "$output" = "-0.5 -0.25 0 0.25 0.5" ]
	run -0 column x=-3:-1:0.5
	[ "$output" = "-3 -2.5 -2 -1.5 -1" ]
	run -0 column x=-0:0:1
	[ "$output" = "0" ]
	run -0 column x=-0.000
	[ "$output" = "0" ]
}

@test "trailing zeros in the input do not reach the output" {
	run -0 column x=1.50:2.50:0.50
	[ "$output" = "1.5 2 2.5" ]
	run -0 column x=10:30:10
	[ "$output" = "10 20 30" ]
	run -0 column x=007.0
	[ "$output" = "7" ]
}

@test "exponent input gives plain decimal output" {
	run -0 column x=1e-3:3e-3:1e-3
	[ "$output" = "0.001 0.002 0.003" ]
	run -0 column x=1.5e2:2E+2:25
	[ "$output" = "150 175 200" ]
	run -0 column x=-2.5e-1:+25e-2:.125
	[ "$output" = "-0.25 -0.125 0 0.125 0.25" ]
	run -0 column x=5.e0
	[ "$output" = "5" ]
}

@test "large integers stay exact where a double would not" {
	run -0 column x=1e15:1000000000000003:1
	[ "$output" = "1000000000000000 1000000000000001 1000000000000002 1000000000000003" ]
	# 2^53 + 1 is not a double
	run -0 column x=9007199254740991:9007199254740993:1
	[ "$output" = "9007199254740991 9007199254740992 9007199254740993" ]
	run -0 column x=123456789012345678901234567890:123456789012345678901234567892:1
	[ "$output" = "123456789012345678901234567890 123456789012345678901234567891 123456789012345678901234567892" ]
}

@test "36 digits at the axis's scale are accepted, at both ends" {
	run -0 column x=999999999999999999999999999999999998:999999999999999999999999999999999999:1
	[ "$output" = "999999999999999999999999999999999998 999999999999999999999999999999999999" ]
	run -0 column x=-1e-36:1e-36:1e-36
	[ "$output" = "-0.000000000000000000000000000000000001 0 0.000000000000000000000000000000000001" ]
	run -0 column x=123456.123456789012345678901234567890
	[ "$output" = "123456.12345678901234567890123456789" ]
}

@test "a single number is a one-point axis, written canonically" {
	run -0 gridgen x=1 y=2.50 z=1e-3
	[ "$output" = $'x\ty\tz\n1\t2.5\t0.001' ]
}

@test "a bare word is a list of one word; NaN and infinities stay refused numbers" {
	run -0 gridgen payoff=call sigma=0.1,0.2
	[ "$output" = "$(printf 'payoff\tsigma\ncall\t0.1\ncall\t0.2')" ]
	usage_fails "x=NaN: invalid number 'NaN'" x=NaN
	usage_fails "x=Infinity: invalid number 'Infinity'" x=Infinity
}

@test "list items are written verbatim, in order" {
	run -0 column payoff=call,put,digital-call
	[ "$output" = "call put digital-call" ]
	run -0 column k=1.50,1e2,-0,0x10,a=b
	[ "$output" = "1.50 1e2 -0 0x10 a=b" ]
}

@test "axis names: letters, digits and underscores, not starting with a digit" {
	run -0 gridgen _a1=1 B_2=x,y
	[ "$output" = $'_a1\tB_2\n1\tx\n1\ty' ]
}

# --- the product ------------------------------------------------------------

@test "three axes: row count and nested-loop order, first axis slowest" {
	run -0 gridgen a=1:2:1 b=x,y c=0.5:1:0.5
	expected=$(printf '%s\t%s\t%s\n' a b c \
		1 x 0.5  1 x 1  1 y 0.5  1 y 1 \
		2 x 0.5  2 x 1  2 y 0.5  2 y 1)
	[ "$output" = "$expected" ]
}

@test "a larger product matches nested loops in the shell" {
	gridgen a=1:10:1 b=-0.3:0.3:0.1 c=p,q,r >"$BATS_TEST_TMPDIR/out"
	{
		printf 'a\tb\tc\n'
		for a in 1 2 3 4 5 6 7 8 9 10; do
			for b in -0.3 -0.2 -0.1 0 0.1 0.2 0.3; do
				for c in p q r; do
					printf '%s\t%s\t%s\n' "$a" "$b" "$c"
				done
			done
		done
	} >"$BATS_TEST_TMPDIR/expected"
	cmp "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/expected"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 211 ]
}

@test "the output feeds parallel --header : --colsep directly" {
	export HOME="$BATS_TEST_TMPDIR"   # parallel keeps its state in ~/.parallel
	run -0 --separate-stderr bash -c \
		"gridgen sigma=0.1:0.3:0.1 strike=90,100 | parallel --will-cite -k --header : --colsep '\t' echo {sigma}-{strike}"
	[ "$output" = $'0.1-90\n0.1-100\n0.2-90\n0.2-100\n0.3-90\n0.3-100' ]
	[ "$stderr" = "" ]
	# without -k: the same six combinations, in any order
	run -0 bash -c \
		"gridgen sigma=0.1:0.3:0.1 strike=90,100 | parallel --will-cite -j4 --header : --colsep '\t' echo {sigma}-{strike} | sort"
	[ "$output" = $'0.1-100\n0.1-90\n0.2-100\n0.2-90\n0.3-100\n0.3-90' ]
}

@test "a range of exactly 10^7 points is accepted" {
	not_sanitized
	run -0 bash -c 'gridgen x=1:10000000:1 | tail -n 2'
	[ "$output" = $'9999999\n10000000' ]
}

@test "a grid of exactly 10^8 rows is accepted" {
	expensive
	run -0 bash -c 'gridgen a=1:10000:1 b=0.0001:1:0.0001 | wc -l'
	[ "$output" -eq 100000001 ]
}

@test "a closed pipe ends gridgen quietly" {
	run -0 --separate-stderr bash -c 'gridgen x=1:1000000:1 | head -n 2'
	[ "$output" = $'x\n1' ]
	[ "$stderr" = "" ]
}

# --- property ---------------------------------------------------------------

@test "property: random lo:hi:step give n+1 rows, ending at lo + n*step exactly" {
	# The 150 specs in a bash of its own (decimal() passed along), outside
	# bats' per-command DEBUG trap: the same RANDOM sequence and checks, at a
	# fraction of the time (34 s under the sanitized run, most of it the trap).
	{
		declare -f decimal
		cat <<-'EOF'
		dir=$1
		RANDOM=20240611
		for i in $(seq 1 150); do
			places=$((RANDOM % 7))
			lo=$(((RANDOM * 32768 + RANDOM) % 2000001 - 1000000))
			step=$((RANDOM % 100000 + 1))
			n=$((RANDOM % 2000))
			last=$((lo + n * step))
			hi=$((last + RANDOM % step))        # off the grid as often as not
			k=$((RANDOM % (n + 1)))
			# half the specs in exponent form, half in plain decimal
			if ((i % 2)); then
				spec="x=${lo}e-$places:${hi}e-$places:$(decimal "$step" "$places")"
			else
				spec="x=$(decimal "$lo" "$places"):$(decimal "$hi" "$places"):${step}E-$places"
			fi
			gridgen "$spec" >"$dir/out" || { echo "failed: $spec"; exit 1; }
			rows=$(($(wc -l <"$dir/out") - 1))
			got_last=$(tail -n 1 "$dir/out")
			got_k=$(sed -n "$((k + 2))p" "$dir/out")
			want_last=$(decimal "$last" "$places")
			want_k=$(decimal "$((lo + k * step))" "$places")
			if [ "$rows" -ne $((n + 1)) ] || [ "$got_last" != "$want_last" ] || [ "$got_k" != "$want_k" ]; then
				echo "$spec: $rows rows (want $((n + 1))), last '$got_last' (want '$want_last'), row $k '$got_k' (want '$want_k')"
				exit 1
			fi
		done
		EOF
	} >"$BATS_TEST_TMPDIR/property.sh"
	run bash "$BATS_TEST_TMPDIR/property.sh" "$BATS_TEST_TMPDIR"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

# --- errors -----------------------------------------------------------------

@test "rejects lo greater than hi" {
	usage_fails "sigma=0.5:0.1:0.05: lo is greater than hi" sigma=0.5:0.1:0.05
}

@test "rejects a zero or negative step" {
	usage_fails "sigma=0.1:0.5:0: step must be positive" sigma=0.1:0.5:0
	usage_fails "sigma=0.1:0.5:-0.1: step must be positive" sigma=0.1:0.5:-0.1
	usage_fails "x=1:1:-0e5: step must be positive" x=1:1:-0e5
}

@test "rejects invalid numbers, NaN and infinities" {
	usage_fails "sigma=1abc: invalid number '1abc'" sigma=1abc
	usage_fails "sigma=abc:1:0.1: invalid number 'abc'" sigma=abc:1:0.1
	usage_fails "x=0:1.2.3:0.1: invalid number '1.2.3'" x=0:1.2.3:0.1
	usage_fails "x=0:1:: invalid number ''" x=0:1:
	usage_fails "x=nan: invalid number 'nan'" x=nan
	usage_fails "x=0:inf:1: invalid number 'inf'" x=0:inf:1
	usage_fails "x=-Infinity: invalid number '-Infinity'" x=-Infinity
	usage_fails "x=0x10: invalid number '0x10'" x=0x10
	usage_fails "x=1e: invalid number '1e'" x=1e
	usage_fails "x=.: invalid number '.'" x=.
	usage_fails "x=-: invalid number '-'" x=-
	usage_fails "x= 1: invalid number ' 1'" "x= 1"
	usage_fails "x=1:2:3,4: invalid number '3,4'" x=1:2:3,4
}

@test "rejects a bad axis name" {
	usage_fails "=1,2: invalid axis name ''" =1,2
	usage_fails "1x=3: invalid axis name '1x'" 1x=3
	usage_fails "a-b=3: invalid axis name 'a-b'" a-b=3
}

@test "rejects a spec that is neither a range nor a list" {
	usage_fails "sigma: expected name=lo:hi:step or name=a,b,c" sigma
	usage_fails "sigma=: expected name=lo:hi:step or name=a,b,c" sigma=
	usage_fails "sigma=1:2: expected name=lo:hi:step or name=a,b,c" sigma=1:2
	usage_fails "sigma=1:2:3:4: expected name=lo:hi:step or name=a,b,c" sigma=1:2:3:4
}

@test "rejects an empty list item" {
	usage_fails "sigma=1,,2: empty list item" sigma=1,,2
	usage_fails "sigma=1,2,: empty list item" sigma=1,2,
	usage_fails "sigma=,1: empty list item" sigma=,1
}

@test "rejects a list item with a blank or control character" {
	usage_fails "p=call,put x: list item 'put x' contains a blank or control character" "p=call,put x"
	usage_fails $'p=a\tb,c: list item \'a\tb\' contains a blank or control character' $'p=a\tb,c'
}

@test "rejects a duplicate axis" {
	usage_fails "duplicate axis 'sigma'" sigma=0.1,0.2 strike=90 sigma=0.3
}

@test "rejects numbers needing more than 36 digits" {
	usage_fails "x=1e36: too many digits: 37 before and 0 after the decimal point (at most 36 in all)" x=1e36
	usage_fails "x=1e-37: too many digits: 0 before and 37 after the decimal point (at most 36 in all)" x=1e-37
	usage_fails "x=1e35:2e35:0.1: too many digits: 36 before and 1 after the decimal point (at most 36 in all)" \
		x=1e35:2e35:0.1
	usage_fails "x=1e999999: too many digits: 1000000 before and 0 after the decimal point (at most 36 in all)" \
		x=1e999999
	usage_fails "x=1e-99999999999999999999: number '1e-99999999999999999999' out of range" \
		x=1e-99999999999999999999
}

@test "rejects a range of more than 10^7 points" {
	usage_fails "x=0:1:1e-7: too many points: 10000001 (at most 10000000)" x=0:1:1e-7
	usage_fails "x=0:1e30:1: too many points: 1000000000000000000000000000001 (at most 10000000)" x=0:1e30:1
}

@test "rejects a grid of more than 10^8 rows, without wrapping around" {
	usage_fails "b=1:10001:1: grid too large: more than 100000000 rows" a=1:10000:1 b=1:10001:1
	usage_fails "e=0:99:1: grid too large: more than 100000000 rows" \
		a=0:99:1 b=0:99:1 c=0:99:1 d=0:99:1 e=0:99:1 f=0:99:1 g=0:99:1
}

@test "an error in a later axis writes nothing" {
	usage_fails "b=1x: invalid number '1x'" a=1:3:1 b=1x
}

@test "no axes: usage" {
	run -2 --separate-stderr gridgen
	[ "$output" = "" ]
	[ "$stderr" = "usage: gridgen name=lo:hi:step | name=a,b,c ..."$'\n'"$TRY" ]
}

@test "an unknown option: usage" {
	run -2 --separate-stderr gridgen -q x=1
	[ "$output" = "" ]
	[ "$stderr" = "gridgen: invalid option -- 'q'"$'\n'"usage: gridgen name=lo:hi:step | name=a,b,c ..."$'\n'"$TRY" ]
}

@test "a write error is reported: /dev/full" {
	run -1 --separate-stderr bash -c 'gridgen x=1 >/dev/full'
	[ "$stderr" = "gridgen: write error: No space left on device" ]
}

# --- help and version ---------------------------------------------------------

@test "--help and -h print the usage line first and exit 0" {
	run -0 --separate-stderr gridgen --help
	[ "${lines[0]}" = "usage: gridgen name=lo:hi:step | name=a,b,c ..." ]
	[ "$stderr" = "" ]
	help=$output
	run -0 gridgen -h
	[ "$output" = "$help" ]
}

@test "--help matches the man page SYNOPSIS" {
	needs_package groff groff
	synopsis=$(groff -mdoc -Tascii -P-c -P-b -P-u "$ROOT/tools/gridgen.1" 2>/dev/null |
		awk '/^SYNOPSIS/ { getline; sub(/^ +/, ""); print; exit }')
	[ "$synopsis" = "gridgen name=lo:hi:step | name=a,b,c ..." ]
}

@test "--version and -V print the version" {
	run -0 gridgen --version
	[ "$output" = "gridgen (mcpipe) 0.1.0" ]
	run -0 gridgen -V
	[ "$output" = "gridgen (mcpipe) 0.1.0" ]
}
