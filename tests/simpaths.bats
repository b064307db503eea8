#!/usr/bin/env bats
# simpaths: the output modes, determinism and shard invariance, exact number
# text, the model's identities (antithetic mirrors, sigma = 0, the mean), an
# independent reference model, and every input error.

bats_require_minimum_version 1.5.0
load test_helper

TRY="Try 'simpaths --help' for more information."
TOOL=simpaths
KAT="$FIXTURES/rng/kat_vectors.txt"
REFERENCE="$FIXTURES/simpaths/reference.py"

# The interpreter itself, found once: a version manager's python3 shim
# costs a quarter of a second a call.
setup_file() {
	PYTHON=$(python3 -c 'import sys; print(sys.executable)')
	export PYTHON
}

# data_fails MESSAGE INPUT ARGS...: simpaths ARGS reading INPUT (printf
# format) on stdin exits 1, writes nothing on stdout and exactly
# "simpaths: MESSAGE" on stderr.
data_fails() {
	local message=$1 input=$2
	shift 2
	printf "$input" >"$BATS_TEST_TMPDIR/input"
	run -1 --separate-stderr simpaths "$@" <"$BATS_TEST_TMPDIR/input"
	[ "$output" = "" ]
	[ "$stderr" = "simpaths: $message" ]
}

# The start of a genseeds stream: metadata and header.
SHARDS_HEAD='# tool=genseeds paths=10 seed=1\nshard\tfirst\tcount\tseed\n'

# pieces_match OPTIONS...: 64 paths split into [0, k) and [k, 64), for every
# k in 1..15, give byte for byte the data rows of one run of all 64; so the
# first path of a piece sits at every offset modulo a vector width of 8 or
# 16, and at offset 0 in the run itself.
pieces_match() {
	local k dir=$BATS_TEST_TMPDIR
	simpaths --first 0 --count 64 "$@" | rows >"$dir/whole"
	[ "$(wc -l <"$dir/whole")" -ge 64 ]
	for ((k = 1; k <= 15; k++)); do
		{
			simpaths --first 0 --count "$k" --paths 64 "$@" | rows
			simpaths --first "$k" --count $((64 - k)) --paths 64 "$@" | rows
		} >"$dir/pieces"
		cmp "$dir/whole" "$dir/pieces" || { echo "split at $k differs: $*"; return 1; }
	done
}

# --- output modes --------------------------------------------------------------

@test "terminal mode writes the run's metadata, the header ST and one row per path" {
	run -0 simpaths --count 3
	[ "${#lines[@]}" -eq 6 ]
	[ "${lines[0]}" = "# tool=simpaths model=gbm s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=1 seed=1 paths=3 emit=terminal antithetic=0" ]
	[ "${lines[1]}" = "ST" ]
	[ "${lines[2]}" = "# shard=0 first=0 count=3 seed=1" ]
	for i in 3 4 5; do
		[[ "${lines[i]}" =~ ^[0-9]+\.[0-9]+$ ]]
	done
}

@test "the metadata records every model option" {
	run -0 simpaths --s0 42 -r 0.03 -q 0.01 --sigma 0.25 -T 0.5 --steps 12 --seed 0xff \
		--first 10 --count 2 --paths 100 -e summary --antithetic
	[ "${lines[0]}" = "# tool=simpaths model=gbm s0=42 r=0.03 q=0.01 sigma=0.25 T=0.5 steps=12 seed=255 paths=100 emit=summary antithetic=1" ]
	[ "${lines[2]}" = "# shard=0 first=10 count=2 seed=255" ]
}

@test "summary mode's header is ST avg geo max min" {
	run -0 simpaths --count 2 --steps 4 -e summary
	[ "${lines[1]}" = $'ST\tavg\tgeo\tmax\tmin' ]
	[ "$(rows <<<"$output" | awk -F'\t' 'NF != 5' | wc -l)" -eq 0 ]
}

@test "path mode's header is S1 to S<steps>" {
	run -0 simpaths --count 2 --steps 5 -e path
	[ "${lines[1]}" = $'S1\tS2\tS3\tS4\tS5' ]
	run -0 simpaths --count 2 --steps 252 -e path
	[ "${lines[1]}" = "$(seq -f 'S%g' 1 252 | paste -s -d '\t' -)" ]
	[ "$(rows <<<"$output" | awk -F'\t' 'NF != 252' | wc -l)" -eq 0 ]
}

@test "the three modes agree on S_T byte for byte" {
	for format in "" -x; do
		simpaths --count 300 --steps 7 $format -e terminal | rows >"$BATS_TEST_TMPDIR/terminal"
		simpaths --count 300 --steps 7 $format -e summary | rows | cut -f 1 >"$BATS_TEST_TMPDIR/summary"
		simpaths --count 300 --steps 7 $format -e path | rows | cut -f 7 >"$BATS_TEST_TMPDIR/path"
		cmp "$BATS_TEST_TMPDIR/terminal" "$BATS_TEST_TMPDIR/summary"
		cmp "$BATS_TEST_TMPDIR/terminal" "$BATS_TEST_TMPDIR/path"
	done
}

@test "summary's max and min are exactly those of the path's dates" {
	simpaths --count 300 --steps 7 -e path | rows >"$BATS_TEST_TMPDIR/path"
	simpaths --count 300 --steps 7 -e summary | rows | cut -f 4,5 >"$BATS_TEST_TMPDIR/summary"
	# the fields themselves, as text, of the largest and smallest value
	awk -F'\t' -v OFS='\t' '{
		max = min = 1; for (i = 2; i <= NF; i++) { if ($i + 0 > $max + 0) max = i; if ($i + 0 < $min + 0) min = i }
		print $max, $min }' "$BATS_TEST_TMPDIR/path" >"$BATS_TEST_TMPDIR/expected"
	cmp "$BATS_TEST_TMPDIR/summary" "$BATS_TEST_TMPDIR/expected"
}

@test "summary's avg and geo are the path's means within 1e-12" {
	simpaths --count 300 --steps 7 -e path | rows >"$BATS_TEST_TMPDIR/path"
	simpaths --count 300 --steps 7 -e summary | rows | cut -f 2,3 >"$BATS_TEST_TMPDIR/summary"
	run -0 awk -F'\t' '
		NR == FNR { a = 0; g = 0; for (i = 1; i <= NF; i++) { a += $i; g += log($i / 100) }
		            avg[FNR] = a / NF; geo[FNR] = 100 * exp(g / NF); next }
		{ da = ($1 - avg[FNR]) / avg[FNR]; dg = ($2 - geo[FNR]) / geo[FNR]
		  if (da < 0) da = -da; if (dg < 0) dg = -dg
		  if (da > 1e-12 || dg > 1e-12) { print "row " FNR ": " $0 " vs " avg[FNR] " " geo[FNR]; bad++ } }
		END { exit bad > 0 }' "$BATS_TEST_TMPDIR/path" "$BATS_TEST_TMPDIR/summary"
}

@test "with one step the summary is S_T five times" {
	run -0 simpaths --count 50 -e summary
	[ "$(rows <<<"$output" | awk -F'\t' '!($1 == $2 && $1 == $3 && $1 == $4 && $1 == $5)' | wc -l)" -eq 0 ]
}

# --- determinism and shard invariance ----------------------------------------

@test "pieces split at every offset 0..15 give one run's rows, one step" {
	pieces_match -e path --steps 1
	pieces_match -e path --steps 1 -x
}

@test "pieces split at every offset 0..15 give one run's rows, two steps" {
	pieces_match -e path --steps 2
	pieces_match -e path --steps 2 -x
}

@test "pieces split at every offset 0..15 give one run's rows, three steps" {
	pieces_match -e path --steps 3
	pieces_match -e path --steps 3 -x
	pieces_match -e summary --steps 3 --antithetic
}

@test "pieces split at every offset 0..15 give one run's rows, 252 steps" {
	pieces_match -e path --steps 252 --sigma 0.4 -q 0.02
	pieces_match -e path --steps 252 --sigma 0.4 -q 0.02 -x
}

@test "genseeds with 1, 3 and 7 shards gives identical rows" {
	for shards in 1 3 7; do
		genseeds -n 1000 -s "$shards" --seed 7 | simpaths --steps 3 -e summary | rows \
			>"$BATS_TEST_TMPDIR/rows.$shards"
	done
	[ "$(wc -l <"$BATS_TEST_TMPDIR/rows.1")" -eq 1000 ]
	cmp "$BATS_TEST_TMPDIR/rows.1" "$BATS_TEST_TMPDIR/rows.3"
	cmp "$BATS_TEST_TMPDIR/rows.1" "$BATS_TEST_TMPDIR/rows.7"
	simpaths --first 0 --count 1000 --seed 7 --steps 3 -e summary | rows >"$BATS_TEST_TMPDIR/single"
	cmp "$BATS_TEST_TMPDIR/rows.1" "$BATS_TEST_TMPDIR/single"
}

@test "shard rows pass genseeds's metadata through and open one range each" {
	run -0 bash -c 'genseeds -n 10 -s 3 --seed 7 | simpaths'
	[ "${lines[0]}" = "# tool=genseeds paths=10 seed=7" ]
	[ "${lines[1]}" = "# tool=simpaths model=gbm s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=1 seed=7 paths=10 emit=terminal antithetic=0" ]
	[ "${lines[2]}" = "ST" ]
	[ "${lines[3]}" = "# shard=0 first=0 count=4 seed=7" ]
	[ "${lines[8]}" = "# shard=1 first=4 count=3 seed=7" ]
	[ "${lines[12]}" = "# shard=2 first=7 count=3 seed=7" ]
	[ "${#lines[@]}" -eq 16 ]
}

@test "shard files read as arguments equal the same rows on stdin" {
	genseeds -n 100 -s 4 --seed 3 >"$BATS_TEST_TMPDIR/shards"
	head -4 "$BATS_TEST_TMPDIR/shards" >"$BATS_TEST_TMPDIR/a"
	{ head -2 "$BATS_TEST_TMPDIR/shards"; tail -2 "$BATS_TEST_TMPDIR/shards"; } >"$BATS_TEST_TMPDIR/b"
	simpaths "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b" >"$BATS_TEST_TMPDIR/files"
	simpaths <"$BATS_TEST_TMPDIR/shards" >"$BATS_TEST_TMPDIR/stdin"
	diff <(rows "$BATS_TEST_TMPDIR/files") <(rows "$BATS_TEST_TMPDIR/stdin")
}

@test "the same seed gives the same paths, another seed other paths" {
	run -0 simpaths --count 5 --seed 9
	first=$output
	run -0 simpaths --count 5 --seed 9
	[ "$output" = "$first" ]
	run -0 simpaths --count 5 --seed 10
	[ "$(rows <<<"$output")" != "$(rows <<<"$first")" ]
}

@test "paths match an independent Python model of the documented RNG" {
	# path indices across 2^32 exercise the counter's high word
	for args in "0x9e3779b97f4a7c15 4294967290 12 5 100 0.05 0.01 0.3 2" \
	            "0 9223372036854775800 8 252 100 0.05 0 0.2 1" \
	            "18446744073709551615 0 20 7 42 -0.01 0.03 0.9 0.5"; do
		set -- $args
		"$PYTHON" "$REFERENCE" "$KAT" "$@" >"$BATS_TEST_TMPDIR/reference"
		simpaths --seed "$1" --first "$2" --count "$3" --steps "$4" --s0 "$5" -r "$6" -q "$7" \
			--sigma "$8" -T "$9" -e path -x | rows >"$BATS_TEST_TMPDIR/simpaths"
		"$PYTHON" - "$BATS_TEST_TMPDIR/reference" "$BATS_TEST_TMPDIR/simpaths" <<-'EOF'
		import sys
		ref, got = (open(f).read().splitlines() for f in sys.argv[1:3])
		assert len(ref) == len(got), (len(ref), len(got))
		for a, b in zip(ref, got):
		    a, b = a.split("\t"), b.split("\t")
		    assert len(a) == len(b)
		    for x, y in zip(a, b):
		        x, y = float.fromhex(x), float.fromhex(y)
		        assert abs(x - y) <= 1e-12 * abs(x), (x, y)
		EOF
	done
}

# --- number text --------------------------------------------------------------

@test "hex and decimal output read back to identical values" {
	for mode in "-e path --steps 4" "-e summary --steps 5" "-e terminal --antithetic"; do
		simpaths --count 500 $mode | rows >"$BATS_TEST_TMPDIR/decimal"
		simpaths --count 500 $mode -x | rows >"$BATS_TEST_TMPDIR/hex"
		"$PYTHON" - "$BATS_TEST_TMPDIR/decimal" "$BATS_TEST_TMPDIR/hex" <<-'EOF'
		import sys
		dec, hexa = (open(f).read().splitlines() for f in sys.argv[1:3])
		assert len(dec) == len(hexa) >= 500, (len(dec), len(hexa))
		for d, h in zip(dec, hexa):
		    d, h = d.split("\t"), h.split("\t")
		    assert len(d) == len(h)
		    for x, y in zip(d, h):
		        assert float(x) == float.fromhex(y), (x, y)
		        assert y.startswith("0x1"), y
		EOF
	done
}

@test "decimal output is plain C-locale text whatever the locale" {
	LC_ALL=de_DE.UTF-8 LC_NUMERIC=de_DE.UTF-8 simpaths --count 20 --steps 3 -e path | rows \
		>"$BATS_TEST_TMPDIR/out"
	number='[0-9]+(\.[0-9]+)?(e[-+][0-9]+)?'
	run -1 grep -v -E "^$number("$'\t'"$number)*\$" "$BATS_TEST_TMPDIR/out"
}

# --- the model's identities ------------------------------------------------------

@test "antithetic rows come in pairs, the first of each the plain path" {
	simpaths --count 200 --steps 3 -e path | rows >"$BATS_TEST_TMPDIR/plain"
	simpaths --count 200 --steps 3 -e path --antithetic | rows >"$BATS_TEST_TMPDIR/anti"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/anti")" -eq 400 ]
	awk 'NR % 2 == 1' "$BATS_TEST_TMPDIR/anti" | cmp - "$BATS_TEST_TMPDIR/plain"
	# the mirror is another path, not a copy
	[ "$(awk 'NR % 2 == 1 { a = $0; next } $0 == a' "$BATS_TEST_TMPDIR/anti" | wc -l)" -eq 0 ]
}

@test "antithetic one-step log-returns sum to twice the drift" {
	# ln(S_a/S0) + ln(S_b/S0) = 2 (r - q - sigma^2/2) T, as z_b = -z_a exactly
	simpaths --antithetic --count 2000 --s0 80 -r 0.04 -q 0.01 --sigma 0.35 -T 2 | rows \
		>"$BATS_TEST_TMPDIR/anti"
	run -0 awk 'BEGIN { d = 2 * (0.04 - 0.01 - 0.35 * 0.35 / 2) * 2 }
		NR % 2 == 1 { a = $1; next }
		{ e = log(a / 80) + log($1 / 80) - d; if (e < 0) e = -e
		  if (e > 1e-12) { print "pair " NR / 2 ": " a " " $1 " off by " e; bad++ } }
		END { if (NR != 4000) { print NR " rows"; bad++ } exit bad > 0 }' "$BATS_TEST_TMPDIR/anti"
}

@test "with sigma 0 every path is S0 exp((r-q)T) within 1e-15" {
	for steps in 1 2 3 7 252; do
		for model in "0.05 0 1" "0.07 0.013 1.7" "-0.01 0.02 10"; do
			set -- $model
			simpaths --sigma 0 --s0 100 -r "$1" -q "$2" -T "$3" --steps "$steps" --count 20 | rows \
				>"$BATS_TEST_TMPDIR/out"
			awk -v r="$1" -v q="$2" -v T="$3" -v steps="$steps" '
				BEGIN { e = 100 * exp((r - q) * T) }
				{ d = ($1 - e) / e; if (d < 0) d = -d
				  if (d > 1e-15) { print "steps " steps ": " $1 " vs " e; bad++ } }
				END { exit bad > 0 || NR != 20 }' "$BATS_TEST_TMPDIR/out"
		done
	done
}

@test "with sigma 0 every date of a path is S0 exp((r-q)t_i)" {
	simpaths --sigma 0 -r 0.07 -q 0.013 -T 1.7 --steps 12 -e path --count 3 | rows >"$BATS_TEST_TMPDIR/out"
	run -0 awk -F'\t' '{ for (i = 1; i <= NF; i++) { e = 100 * exp(0.057 * 1.7 * i / 12)
		d = ($i - e) / e; if (d < 0) d = -d; if (d > 2e-15) { print i ": " $i " vs " e; bad++ } } }
		END { exit bad > 0 || NR != 3 }' "$BATS_TEST_TMPDIR/out"
}

@test "the mean of S_T is S0 exp((r-q)T) within 5 standard errors" {
	not_sanitized
	simpaths --count 200000 --s0 100 -r 0.05 -q 0.02 --sigma 0.3 -T 2 --seed 11 | rows \
		>"$BATS_TEST_TMPDIR/st"
	run -0 awk 'BEGIN { e = 100 * exp((0.05 - 0.02) * 2) }
		{ n++; d = $1 - e; s += d; ss += d * d }
		END { m = s / n; se = sqrt((ss / n - m * m) / (n - 1)); z = m / se
		      print "mean " e + m ", expected " e ", z = " z
		      exit n != 200000 || z > 5 || z < -5 }' "$BATS_TEST_TMPDIR/st"
}

@test "the mean over many dates and antithetic pairs is S0 exp((r-q)T)" {
	not_sanitized
	simpaths --count 20000 --steps 252 --antithetic -e summary --seed 12 | rows | cut -f 1 \
		>"$BATS_TEST_TMPDIR/st"
	run -0 awk 'BEGIN { e = 100 * exp(0.05) }
		NR % 2 == 1 { a = $1; next }
		{ n++; d = (a + $1) / 2 - e; s += d; ss += d * d }
		END { m = s / n; se = sqrt((ss / n - m * m) / (n - 1)); z = m / se
		      print "mean " e + m ", expected " e ", z = " z
		      exit n != 20000 || z > 5 || z < -5 }' "$BATS_TEST_TMPDIR/st"
}

# --- options: usage errors ----------------------------------------------------------

@test "rejects a negative sigma" {
	usage_fails "--sigma: '-0.1' must not be negative" --sigma -0.1 --count 1
}

@test "rejects a zero or negative maturity" {
	usage_fails "--maturity: '0' must be positive" -T 0 --count 1
	usage_fails "--maturity: '-1' must be positive" --maturity -1 --count 1
}

@test "rejects a NaN or infinite maturity" {
	usage_fails "--maturity: invalid number 'nan'" -T nan --count 1
	usage_fails "--maturity: invalid number 'inf'" -T inf --count 1
}

@test "rejects zero steps" {
	usage_fails "--steps: '0' must be between 1 and 100000" --steps 0 --count 1
}

@test "rejects too many steps" {
	usage_fails "--steps: '100001' must be between 1 and 100000" --steps 100001 --count 1
	usage_fails "--steps: '99999999999999999999' is out of range" --steps 99999999999999999999 --count 1
}

@test "rejects a zero or negative s0" {
	usage_fails "--s0: '0' must be positive" --s0 0 --count 1
	usage_fails "--s0: '-100' must be positive" --s0 -100 --count 1
}

@test "rejects non-numeric model options" {
	usage_fails "--rate: invalid number 'abc'" -r abc --count 1
	usage_fails "--yield: invalid number ''" -q '' --count 1
	usage_fails "--sigma: invalid number '0.2x'" --sigma 0.2x --count 1
	usage_fails "--steps: invalid integer '1.5'" --steps 1.5 --count 1
}

@test "rejects an unknown --emit mode" {
	usage_fails "--emit: unknown mode 'bogus' (terminal, summary or path)" --emit bogus --count 1
}

@test "rejects --first without --count" {
	usage_fails "--first needs --count" --first 3
}

@test "rejects a zero --count" {
	usage_fails "--count: '0' must be between 1 and 9223372036854775807" --count 0
}

@test "rejects --paths smaller than first+count, and ranges beyond 2^63 paths" {
	usage_fails "--first/--count: paths 3..7 lie beyond --paths 7" --first 3 --count 5 --paths 7
	usage_fails "--first/--count: paths 9223372036854775807..9223372036854775808 go beyond 2^63 paths" --first 9223372036854775807 --count 2
}

@test "rejects --paths without --first/--count" {
	usage_fails "--paths goes with --first/--count; shard rows carry their own" --paths 5
}

@test "rejects --seed with shard input" {
	usage_fails "--seed goes with --first/--count; shard rows carry their own" --seed 5
}

@test "rejects a shard file together with --first/--count" {
	usage_fails "--first/--count replace shard input: unexpected file 'shards.tsv'" --count 5 shards.tsv
}

@test "rejects a model whose drift overflows" {
	usage_fails "the model parameters overflow (drift or volatility per step is not finite)" \
		--sigma 1e200 --count 1
}

@test "rejects an unknown option" {
	run -2 --separate-stderr simpaths --bogus
	[ "$output" = "" ]
	[ "${stderr_lines[0]}" = "simpaths: unrecognized option '--bogus'" ]
	[ "${stderr_lines[1]}" = "usage: simpaths [--model gbm|heston|merton [model options]] [--s0 x] [-r rate]" ]
	[ "${stderr_lines[-1]}" = "$TRY" ]
}

@test "--help prints the usage on stdout and exits 0" {
	run -0 --separate-stderr simpaths --help
	[ "${lines[0]}" = "usage: simpaths [--model gbm|heston|merton [model options]] [--s0 x] [-r rate]" ]
	[ "${lines[1]}" = "                [-q yield] [--sigma x] [-T maturity] [--steps n]" ]
	[ "${lines[2]}" = "                [-e terminal|summary|path] [-x] [--antithetic]" ]
	[ "${lines[3]}" = "                [--normals inversion|ziggurat]" ]
	[ "${lines[4]}" = "                [--qmc sobol [--replicates R]]" ]
	[ "${lines[5]}" = "                [-p name [payoff options] [-c file] [--partial]]" ]
	[ "${lines[6]}" = "                [--first i --count n [--paths n] [--seed x] | [file ...]]" ]
	[ "$stderr" = "" ]
}

@test "the man page's synopsis is the --help usage" {
	needs_package man-db man
	needs_package bsdextrautils col
	run -0 synopsis_of "$ROOT/tools/simpaths.1"
	[ -n "$output" ]
	[ "$output" = "$(usage_of simpaths)" ]
}

@test "the man page's examples run as shown" {
	not_sanitized   # a million paths, several times
	man_examples "$ROOT/tools/simpaths.1"
}

@test "--version prints the version and exits 0" {
	run -0 --separate-stderr simpaths --version
	[ "$output" = "simpaths (mcpipe) 0.1.0" ]
	[ "$stderr" = "" ]
}

# --- results: data errors ---------------------------------------------------------

@test "rejects a price that overflows a double" {
	run -1 --separate-stderr simpaths --s0 1e308 -r 1 --sigma 1 --count 4
	[ "$output" = "" ]
	[ "$stderr" = "simpaths: path 0: a simulated price overflows a double (--s0, --rate or --sigma too large?)" ]
	run -1 --separate-stderr simpaths --s0 1e308 -r 1 --sigma 1 --count 4 -x -e summary --steps 3
	[ "$stderr" = "simpaths: path 0: a simulated price overflows a double (--s0, --rate or --sigma too large?)" ]
}

# --- shard input: data errors ----------------------------------------------------------

@test "rejects a shard row with too few fields" {
	data_fails "stdin:3: expected 4 fields, found 3" "$SHARDS_HEAD"'0\t0\t5\n'
}

@test "rejects a shard row with too many fields" {
	data_fails "stdin:3: expected 4 fields, found 5" "$SHARDS_HEAD"'0\t0\t5\t1\t9\n'
}

@test "rejects non-numeric shard fields" {
	data_fails "stdin:3: invalid shard 'a'" "$SHARDS_HEAD"'a\t0\t5\t1\n'
	data_fails "stdin:3: invalid first '-1'" "$SHARDS_HEAD"'0\t-1\t5\t1\n'
	data_fails "stdin:3: invalid count 'x'" "$SHARDS_HEAD"'0\t0\tx\t1\n'
	data_fails "stdin:3: invalid count '1.5'" "$SHARDS_HEAD"'0\t0\t1.5\t1\n'
	data_fails "stdin:3: invalid seed 'zz'" "$SHARDS_HEAD"'0\t0\t5\tzz\n'
	data_fails "stdin:3: invalid seed '18446744073709551616'" "$SHARDS_HEAD"'0\t0\t5\t18446744073709551616\n'
}

@test "rejects shard rows without a header" {
	data_fails "stdin:2: missing header: expected column names, found '0'" \
		'# paths=10\n0\t0\t5\t1\n'
}

@test "rejects a header without the shard columns" {
	data_fails "stdin:3: expected shard rows with columns shard, first, count, seed" \
		'# paths=10\nshard\tfirst\tcount\n0\t0\t5\n'
}

@test "rejects shard rows without paths= metadata" {
	data_fails "stdin:2: shard rows need metadata paths=N (from genseeds)" \
		'shard\tfirst\tcount\tseed\n0\t0\t5\t1\n'
}

@test "rejects a shard beyond paths" {
	data_fails "stdin:3: shard 0 (paths 8..12) lies beyond paths=10" "$SHARDS_HEAD"'0\t8\t5\t1\n'
}

@test "a bad later shard leaves no rows of the good ones on stdout" {
	data_fails "stdin:4: shard 1 (paths 5..10) lies beyond paths=10" \
		"$SHARDS_HEAD"'0\t0\t5\t1\n1\t5\t6\t1\n'
}

@test "rejects a shard with no paths" {
	data_fails "stdin:3: shard 0 has no paths" "$SHARDS_HEAD"'0\t0\t0\t1\n'
}

@test "rejects a shard whose seed contradicts the metadata" {
	data_fails "stdin:3: shard 0 has seed 8, but the metadata says seed=1" "$SHARDS_HEAD"'0\t0\t5\t8\n'
}

@test "rejects shards of different seeds" {
	data_fails "stdin:4: shard 1 has seed 9, but earlier shards have seed 8" \
		'# paths=10\nshard\tfirst\tcount\tseed\n0\t0\t5\t8\n1\t5\t5\t9\n'
}

@test "rejects NUL bytes in the input" {
	data_fails "stdin:3: NUL byte in line (binary data?)" "$SHARDS_HEAD"'0\t0\0005\t1\n'
}

@test "rejects a file that does not exist" {
	run -1 --separate-stderr simpaths "$BATS_TEST_TMPDIR/missing"
	[ "$output" = "" ]
	[ "$stderr" = "simpaths: $BATS_TEST_TMPDIR/missing: cannot open: No such file or directory" ]
}

@test "rejects a directory as input" {
	run -1 --separate-stderr simpaths "$BATS_TEST_TMPDIR"
	[ "$output" = "" ]
	[ "$stderr" = "simpaths: $BATS_TEST_TMPDIR: read error: Is a directory" ]
}

@test "rejects a 10 MB line" {
	{
		printf "$SHARDS_HEAD"'0\t0\t1\t'
		head -c 10000000 /dev/zero | tr '\0' 7
		printf '\n'
	} >"$BATS_TEST_TMPDIR/big"
	run -1 --separate-stderr simpaths "$BATS_TEST_TMPDIR/big"
	[ "$output" = "" ]
	[ "$stderr" = "simpaths: $BATS_TEST_TMPDIR/big:3: line longer than 8388608 bytes (binary data?)" ]
}

@test "rejects a 10 MB metadata line" {
	{
		printf '# note=%s\n' "$(head -c 10000000 /dev/zero | tr '\0' a)"
		genseeds -n 3
	} >"$BATS_TEST_TMPDIR/big"
	run -1 --separate-stderr simpaths "$BATS_TEST_TMPDIR/big"
	[ "$output" = "" ]
	[ "$stderr" = "simpaths: $BATS_TEST_TMPDIR/big:1: line longer than 8388608 bytes (binary data?)" ]
}

@test "reads a 2 MB line of a long shard row's worth of fields" {
	# the longest legitimate line, simpaths' own path row of 100000 steps,
	# is about 2.5 MB: such lengths must pass
	{
		printf '# note=%s\n' "$(head -c 2500000 /dev/zero | tr '\0' a)"
		genseeds -n 3
	} >"$BATS_TEST_TMPDIR/big"
	simpaths "$BATS_TEST_TMPDIR/big" >"$BATS_TEST_TMPDIR/out"
	cmp <(head -1 "$BATS_TEST_TMPDIR/big") <(head -1 "$BATS_TEST_TMPDIR/out")
	[ "$(rows "$BATS_TEST_TMPDIR/out" | wc -l)" -eq 3 ]
}

@test "rejects empty input" {
	data_fails "stdin: no shard rows in input" ''
}

@test "rejects input with a header but no shard rows" {
	data_fails "stdin: no shard rows in input" "$SHARDS_HEAD"
}

# --- output errors ------------------------------------------------------------------

@test "a full disk is a write error with exit status 1" {
	[ -w /dev/full ] || skip "no /dev/full"
	run -1 --separate-stderr sh -c 'simpaths --count 10 >/dev/full'
	[ "$stderr" = "simpaths: write error: No space left on device" ]
	run -1 --separate-stderr sh -c 'simpaths --count 1000000 -e summary >/dev/full'
	[ "$stderr" = "simpaths: write error: No space left on device" ]
}

@test "a reader that stops early ends simpaths quietly" {
	run -0 --separate-stderr bash -c \
		'timeout 30 simpaths --count 100000000 | head -1; echo "${PIPESTATUS[0]}" >&2'
	[ "$output" = "# tool=simpaths model=gbm s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=1 seed=1 paths=100000000 emit=terminal antithetic=0" ]
	[ "$stderr" = 141 ]
}

# --- the ziggurat's normals (--normals, tools/lib/ziggurat.h; issue 20) -----

@test "--normals ziggurat is recorded as normals=ziggurat; --normals inversion is the default, bytes and all" {
	run -0 simpaths --count 3 --normals ziggurat
	[ "${lines[0]}" = "# tool=simpaths model=gbm s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=1 seed=1 paths=3 emit=terminal antithetic=0 normals=ziggurat" ]
	cmp <(simpaths --count 100 --steps 3 -e path --normals inversion) \
		<(simpaths --count 100 --steps 3 -e path)
	# other numbers: the same words, another transform
	[ "$(simpaths --count 100 --normals ziggurat | rows | sort | comm -12 - <(simpaths --count 100 | rows | sort) | wc -l)" -eq 0 ]
	run -0 simpaths --training --count 1 --normals ziggurat
	[[ "${lines[0]}" == *" antithetic=0 stream=training normals=ziggurat" ]]
}

@test "--normals ziggurat: pieces split at every offset 0..15 give one run's rows" {
	pieces_match -e path --steps 1 --normals ziggurat --sigma 0.9
	pieces_match -e path --steps 3 --normals ziggurat -x
	pieces_match -e path --steps 40 --normals ziggurat --antithetic
}

@test "--normals ziggurat: antithetic one-step log-returns sum to twice the drift (z_b = -z_a exactly)" {
	simpaths --normals ziggurat --antithetic --count 2000 --s0 80 -r 0.04 -q 0.01 --sigma 0.35 -T 2 |
		rows >"$BATS_TEST_TMPDIR/anti"
	run -0 awk 'BEGIN { d = 2 * (0.04 - 0.01 - 0.35 * 0.35 / 2) * 2 }
		NR % 2 == 1 { a = $1; next }
		{ e = log(a / 80) + log($1 / 80) - d; if (e < 0) e = -e
		  if (e > 1e-12) { print "pair " NR / 2 ": " a " " $1 " off by " e; bad++ } }
		END { if (NR != 4000) { print NR " rows"; bad++ } exit bad > 0 }' "$BATS_TEST_TMPDIR/anti"
}

@test "--normals ziggurat: --payoff --partial writes what simpaths | payoff | aggregate --partial would" {
	local args=(--normals ziggurat --steps 12 -e summary --count 3001 --first 5 --paths 4000 --seed 9)
	cmp <(simpaths "${args[@]}" -p asian-call-arith --partial) \
		<(simpaths "${args[@]}" | payoff -p asian-call-arith | aggregate --partial)
	simpaths "${args[@]}" -p call --partial | grep -q '^# .* normals=ziggurat payoff=call'
}

@test "--normals: rejects an unknown transform, and merton" {
	usage_fails "--normals: unknown transform 'boxmuller' (inversion or ziggurat)" --normals boxmuller --count 1
	usage_fails "--normals ziggurat: merton draws its normals by inversion only" \
		--model merton --normals ziggurat --count 1
	run -0 simpaths --model heston --normals inversion --count 1
}
