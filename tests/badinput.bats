#!/usr/bin/env bats
# badinput: bad input across the tools, from one table.
#
# Each case runs one tool and checks its exit status (2 usage, 1 data,
# closedform's 3 for "no closed form") and its whole stderr, exactly, and
# that nothing at all reached stdout: no partial result that could pass for
# a good one. Run by `make test` against both builds (plain and
# AddressSanitizer + UBSan, MCPIPE_BUILD=build/asan): a sanitizer report
# changes the status (99) and the stderr, so it fails the case.
#
# One test per tool, each running every case of its tool and listing all
# the cases that failed, not only the first.

load test_helper

# The table. One case per line, four fields separated by " ¦ ":
#
#   command ¦ stdin ¦ status ¦ stderr
#
# command  the tool and its arguments, split at spaces (no quoting). It runs
#          in a scratch directory holding the files made by setup_file.
# stdin    "-" for none (/dev/null), "@NAME" for the file NAME made by
#          setup_file, or else a printf %b string (\n, \t, \xHH).
# stderr   the exact text, printf %b escapes; {try} stands for
#          "\nTry 'TOOL --help' for more information." (TOOL: the tool run).
#
# Lines starting with '#' and blank lines are skipped.
TABLE=$(cat <<'END_OF_TABLE'
# --- genseeds: options only -----------------------------------------------------------------------
genseeds ¦ - ¦ 2 ¦ genseeds: --paths is required{try}
genseeds -n abc ¦ - ¦ 2 ¦ genseeds: --paths: invalid count 'abc'{try}
genseeds -n 1e3 ¦ - ¦ 2 ¦ genseeds: --paths: invalid count '1e3'{try}
genseeds -n 0 ¦ - ¦ 2 ¦ genseeds: --paths: '0' must be positive{try}
genseeds -n -5 ¦ - ¦ 2 ¦ genseeds: --paths: '-5' must be positive{try}
genseeds -n 18446744073709551616 ¦ - ¦ 2 ¦ genseeds: --paths: invalid count '18446744073709551616'{try}
genseeds -n 9223372036854775809 ¦ - ¦ 2 ¦ genseeds: --paths: '9223372036854775809' is too large (at most 9223372036854775808){try}
genseeds -n 10 -s 11 ¦ - ¦ 2 ¦ genseeds: --shards: 11 shards for 10 paths: at most one shard per path{try}
genseeds -n 10 --seed 18446744073709551616 ¦ - ¦ 2 ¦ genseeds: --seed: invalid seed '18446744073709551616' (want 0..2^64-1, decimal or 0x hex){try}
genseeds -n 10 --seed -1 ¦ - ¦ 2 ¦ genseeds: --seed: invalid seed '-1' (want 0..2^64-1, decimal or 0x hex){try}
genseeds -n 10 extra ¦ - ¦ 2 ¦ genseeds: unexpected argument 'extra'{try}
genseeds --bogus ¦ - ¦ 2 ¦ genseeds: unrecognized option '--bogus'\nusage: genseeds -n paths [-s shards] [-m multiple | --align A] [--taper J] [--first first] [--seed seed]{try}

# --- simpaths: options, and shard rows on stdin --------------------------------------------------
simpaths --count 1 --sigma nan ¦ - ¦ 2 ¦ simpaths: --sigma: invalid number 'nan'{try}
simpaths --count 1 --sigma inf ¦ - ¦ 2 ¦ simpaths: --sigma: invalid number 'inf'{try}
simpaths --count 1 --s0 1e309 ¦ - ¦ 2 ¦ simpaths: --s0: invalid number '1e309'{try}
simpaths --count 1 --sigma -0.1 ¦ - ¦ 2 ¦ simpaths: --sigma: '-0.1' must not be negative{try}
simpaths --count 1 --steps 100001 ¦ - ¦ 2 ¦ simpaths: --steps: '100001' must be between 1 and 100000{try}
simpaths --count 0 ¦ - ¦ 2 ¦ simpaths: --count: '0' must be between 1 and 9223372036854775807{try}
simpaths --count 18446744073709551616 ¦ - ¦ 2 ¦ simpaths: --count: '18446744073709551616' is out of range{try}
simpaths --count 99999999999999999999x ¦ - ¦ 2 ¦ simpaths: --count: invalid integer '99999999999999999999x'{try}
simpaths --count 1 --sigma 1e200 ¦ - ¦ 2 ¦ simpaths: the model parameters overflow (drift or volatility per step is not finite){try}
simpaths --count 1 --rate 1e300 ¦ - ¦ 1 ¦ simpaths: path 0: a simulated price overflows a double (--s0, --rate or --sigma too large?)
simpaths --count 1 --emit bogus ¦ - ¦ 2 ¦ simpaths: --emit: unknown mode 'bogus' (terminal, summary or path){try}
simpaths --first 5 ¦ - ¦ 2 ¦ simpaths: --first needs --count{try}
simpaths ¦ - ¦ 1 ¦ simpaths: stdin: no shard rows in input
simpaths ¦ shard\tfirst\tcount\tseed\n0\t0\t10\t7\n ¦ 1 ¦ simpaths: stdin:2: shard rows need metadata paths=N (from genseeds)
simpaths ¦ # paths=10 seed=7\nshard\tfirst\tcount\tseed\n0\tjunk\t10\t7\n ¦ 1 ¦ simpaths: stdin:3: invalid first 'junk'
simpaths ¦ # paths=10 seed=7\nshard\tfirst\tcount\tseed\n0\t0\t18446744073709551616\t7\n ¦ 1 ¦ simpaths: stdin:3: invalid count '18446744073709551616'
simpaths ¦ # paths=10 seed=7\nshard\tfirst\tcount\tseed\n0\t0\t0\t7\n ¦ 1 ¦ simpaths: stdin:3: shard 0 has no paths
simpaths ¦ # paths=10 seed=7\nshard\tfirst\tcount\tseed\n0\t5\t6\t7\n ¦ 1 ¦ simpaths: stdin:3: shard 0 (paths 5..10) lies beyond paths=10
simpaths ¦ # paths=10 seed=7\nshard\tfirst\tcount\tseed\n0\t0\t10\n ¦ 1 ¦ simpaths: stdin:3: expected 4 fields, found 3
simpaths ¦ # paths=10 seed=7\nshard\tfirst\tcount\tseed\n0\t0\t5\t7\n1\t5\t5\t8\n ¦ 1 ¦ simpaths: stdin:4: shard 1 has seed 8, but earlier shards have seed 7
simpaths ¦ @elf ¦ 1 ¦ simpaths: stdin:1: NUL byte in line (binary data?)

# --- payoff: a simpaths stream on stdin ------------------------------------------------------------
payoff ¦ - ¦ 1 ¦ payoff: stdin: no header: empty input?
payoff ¦ ST\n100\n ¦ 1 ¦ payoff: stdin:2: metadata has no r= (was the stream written by simpaths?)
payoff ¦ # r=abc T=1 s0=100 steps=1\nST\n100\n ¦ 1 ¦ payoff: stdin:3: invalid number in metadata r=abc
payoff ¦ # r=0.05 T=1 s0=100 steps=1.5\nST\n100\n ¦ 1 ¦ payoff: stdin:3: metadata has an invalid model (s0, T or steps)
payoff ¦ # r=0.05 T=1 s0=100 steps=1 first=1\nST\n100\n ¦ 1 ¦ payoff: stdin:1: metadata has first= without count=
payoff ¦ @paths-nan ¦ 1 ¦ payoff: stdin:4: invalid number in column 1 (ST): 'nan'
payoff ¦ @paths-inf ¦ 1 ¦ payoff: stdin:4: invalid number in column 1 (ST): '-inf'
payoff ¦ @paths-1e309 ¦ 1 ¦ payoff: stdin:4: invalid number in column 1 (ST): '1e309'
payoff ¦ @paths-comma ¦ 1 ¦ payoff: stdin:4: invalid number in column 1 (ST): '1,5'
payoff ¦ @paths-negative ¦ 1 ¦ payoff: stdin:4: non-positive price in column 1 (ST): '-5'
payoff ¦ @paths-columns ¦ 1 ¦ payoff: stdin:4: expected 1 fields, found 2
payoff ¦ @paths-sigma ¦ 1 ¦ payoff: stdin:5: metadata sigma=0.3 conflicts with sigma=0.2 (stdin:1)
payoff ¦ @paths-header ¦ 1 ¦ payoff: stdin:5: header 'S1' conflicts with 'ST'
payoff ¦ @paths-10mb ¦ 1 ¦ payoff: stdin:4: line longer than 8388608 bytes (binary data?)
payoff -K 0 ¦ @paths ¦ 2 ¦ payoff: --strike: '0' must be positive{try}
payoff -K nan ¦ @paths ¦ 2 ¦ payoff: --strike: invalid number 'nan'{try}
payoff -p bogus ¦ @paths ¦ 2 ¦ payoff: --payoff: unknown payoff 'bogus'{try}
payoff -p asian-call-arith ¦ @paths ¦ 2 ¦ payoff: --payoff: asian-call-arith needs at least 2 monitoring dates (the stream has steps=1){try}

# --- aggregate: numeric rows and partials -----------------------------------------------------------
aggregate ¦ - ¦ 1 ¦ aggregate: stdin: no header: empty input?
aggregate ¦ x\nnan\n1\n ¦ 1 ¦ aggregate: stdin:2: invalid number in column 1 (x): 'nan'
aggregate ¦ x\n1\ninf\n ¦ 1 ¦ aggregate: stdin:3: invalid number in column 1 (x): 'inf'
aggregate ¦ x\n1e309\n1\n ¦ 1 ¦ aggregate: stdin:2: invalid number in column 1 (x): '1e309'
aggregate ¦ x\n0x1p\n1\n ¦ 1 ¦ aggregate: stdin:2: invalid number in column 1 (x): '0x1p'
aggregate ¦ x\n1e200\n1\n ¦ 1 ¦ aggregate: stdin:2: value too large to square: 1e+200
aggregate ¦ x\n1\n ¦ 1 ¦ aggregate: 1 rows: a standard error needs at least 2
aggregate ¦ x\ty\n1\n ¦ 1 ¦ aggregate: stdin:2: expected 2 fields, found 1
aggregate ¦ x\ty\n1\t2\t3\n ¦ 1 ¦ aggregate: stdin:2: expected 2 fields, found 3
aggregate ¦ x\ty\nx\tz\n ¦ 1 ¦ aggregate: stdin:2: header 'x\tz' conflicts with 'x\ty'
aggregate ¦ # a=1\nx\n1\n# a=2\n2\n ¦ 1 ¦ aggregate: stdin:4: metadata a=2 conflicts with a=1 (stdin:1)
aggregate ¦ # first=0 count=2\nx\n1\n2\n ¦ 1 ¦ aggregate: stdin:1: path range before the header
aggregate ¦ # paths=2\nx\n# first=0 count=18446744073709551616\n1\n2\n ¦ 1 ¦ aggregate: stdin:3: invalid count=18446744073709551616 in metadata
aggregate ¦ # paths=3\nx\n# first=0 count=3\n1\n2\n ¦ 1 ¦ aggregate: stdin:3: range has 2 rows, its metadata says count=3 (truncated?)
aggregate ¦ @columns-65 ¦ 1 ¦ aggregate: stdin:1: 65 columns: at most 64
aggregate ¦ @png ¦ 1 ¦ aggregate: stdin:2: invalid number in column 1 (\x89PNG): '\x1a'
aggregate ¦ @elf ¦ 1 ¦ aggregate: stdin:1: NUL byte in line (binary data?)
aggregate ¦ @rows-10mb ¦ 1 ¦ aggregate: stdin:2: line longer than 8388608 bytes (binary data?)
aggregate -q ¦ - ¦ 2 ¦ aggregate: invalid option -- 'q'\nusage: aggregate [-p] [file ...]{try}
aggregate nonexistent.part ¦ - ¦ 1 ¦ aggregate: nonexistent.part: cannot open: No such file or directory
aggregate part0 part1 part3 ¦ - ¦ 1 ¦ aggregate: paths 500..749 are missing
aggregate part0 part1 part1 part2 part3 ¦ - ¦ 1 ¦ aggregate: part1:3: paths 250..499 overlap paths 250..499 (part1:3)
aggregate part0 truncated part2 part3 ¦ - ¦ 1 ¦ aggregate: truncated: truncated partial: missing its count or sums
aggregate part0 noproducts part2 part3 ¦ - ¦ 1 ¦ aggregate: noproducts: truncated partial: no product price*price
aggregate part0 othersigma part2 part3 ¦ - ¦ 1 ¦ aggregate: othersigma:1: metadata sigma=0.3 conflicts with sigma=0.2 (part0:1)
aggregate part0 otherseed part2 part3 ¦ - ¦ 1 ¦ aggregate: otherseed:1: metadata seed=8 conflicts with seed=7 (part0:1)
aggregate part0 hugecount part2 part3 ¦ - ¦ 1 ¦ aggregate: hugecount:4: invalid or repeated row count in partial
aggregate part0 badsum part2 part3 ¦ - ¦ 1 ¦ aggregate: badsum:5: invalid exact sum '0x2p+0'
aggregate -p part0 badsum ¦ - ¦ 1 ¦ aggregate: badsum:5: invalid exact sum '0x2p+0'

# --- gridgen: axis specs ------------------------------------------------------------------------------
gridgen ¦ - ¦ 2 ¦ usage: gridgen name=lo:hi:step | name=a,b,c ...{try}
gridgen x ¦ - ¦ 2 ¦ gridgen: x: expected name=lo:hi:step or name=a,b,c{try}
gridgen x=nan ¦ - ¦ 2 ¦ gridgen: x=nan: invalid number 'nan'{try}
gridgen x=1.2.3 ¦ - ¦ 2 ¦ gridgen: x=1.2.3: invalid number '1.2.3'{try}
gridgen x=1e309 ¦ - ¦ 2 ¦ gridgen: x=1e309: too many digits: 310 before and 0 after the decimal point (at most 36 in all){try}
gridgen x=1e1000001 ¦ - ¦ 2 ¦ gridgen: x=1e1000001: number '1e1000001' out of range{try}
gridgen x=0:1e8:1 ¦ - ¦ 2 ¦ gridgen: x=0:1e8:1: too many points: 100000001 (at most 10000000){try}
gridgen x=1:0:1 ¦ - ¦ 2 ¦ gridgen: x=1:0:1: lo is greater than hi{try}
gridgen x=0:1:0 ¦ - ¦ 2 ¦ gridgen: x=0:1:0: step must be positive{try}
gridgen 1x=1 ¦ - ¦ 2 ¦ gridgen: 1x=1: invalid axis name '1x'{try}
gridgen x=1 x=2 ¦ - ¦ 2 ¦ gridgen: duplicate axis 'x'{try}
gridgen x=a,,b ¦ - ¦ 2 ¦ gridgen: x=a,,b: empty list item{try}
gridgen x=0:10000:1 y=0:10000:1 ¦ - ¦ 2 ¦ gridgen: y=0:10000:1: grid too large: more than 100000000 rows{try}

# --- closedform: options only ---------------------------------------------------------------------------
closedform --sigma nan ¦ - ¦ 2 ¦ closedform: --sigma: invalid number 'nan'{try}
closedform --rate 1e400 ¦ - ¦ 2 ¦ closedform: --rate: invalid number '1e400'{try}
closedform --steps 0 ¦ - ¦ 2 ¦ closedform: --steps: '0' must be at least 1{try}
closedform --steps 18446744073709551616 ¦ - ¦ 2 ¦ closedform: --steps: '18446744073709551616' is out of range{try}
closedform -p bogus ¦ - ¦ 2 ¦ closedform: --payoff: unknown payoff 'bogus'{try}
closedform -p up-and-out-call ¦ - ¦ 2 ¦ closedform: --barrier is required for up-and-out-call{try}
closedform -p down-and-out-put --barrier 120 ¦ - ¦ 2 ¦ closedform: --barrier: '120' must be below --s0 '100' for down-and-out-put (it would start knocked out){try}
closedform extra ¦ - ¦ 2 ¦ closedform: unexpected argument 'extra'{try}
closedform -p asian-call-arith ¦ - ¦ 3 ¦ closedform: no closed form for asian-call-arith
closedform --s0 1e300 -K 1e-300 --sigma 10 -T 1e10 ¦ - ¦ 1 ¦ closedform: price: not a finite number for these parameters
END_OF_TABLE
)

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	# Four shard partials of one small run, and damaged or foreign ones.
	genseeds -n 1000 -s 4 --seed 7 >seeds
	for k in 0 1 2 3; do
		sed -n "1,2p;$((k + 3))p" seeds | simpaths -x | payoff -x | aggregate -p >part$k
	done
	sed -n '1,2p;4p' seeds | simpaths -x --sigma 0.3 | payoff -x | aggregate -p >othersigma
	genseeds -n 1000 -s 4 --seed 8 | sed -n '1,2p;4p' | simpaths -x | payoff -x |
		aggregate -p >otherseed
	head -c 214 part1 >truncated   # cut in the n row (the first line holds sum_block=128)
	grep -v '^prod\|^path' part1 >noproducts
	sed 's/^n\t-\t-\t.*/n\t-\t-\t18446744073709551616/' part1 >hugecount
	sed 's/^\(sum\tprice\t-\t\).*/\10x2p+0/' part1 >badsum

	# A simpaths stream with one range of two paths, and broken copies.
	local meta='# tool=simpaths model=gbm s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=1 seed=7 paths=2 emit=terminal antithetic=0'
	printf '%s\nST\n# shard=0 first=0 count=2 seed=7\n' "$meta" >paths-head
	{ cat paths-head; printf '100\n90\n'; } >paths
	{ cat paths-head; printf 'nan\n90\n'; } >paths-nan
	{ cat paths-head; printf -- '-inf\n90\n'; } >paths-inf
	{ cat paths-head; printf '1e309\n90\n'; } >paths-1e309
	{ cat paths-head; printf '1,5\n90\n'; } >paths-comma
	{ cat paths-head; printf -- '-5\n90\n'; } >paths-negative
	{ cat paths-head; printf '100\t2\n90\n'; } >paths-columns
	{ cat paths-head; printf '100\n# sigma=0.3\n90\n'; } >paths-sigma
	{ cat paths-head; printf '100\nS1\n90\n'; } >paths-header
	# Lines of 10 MB: past the readers' 8 MB limit.
	{ cat paths-head; head -c 10485760 /dev/zero | tr '\0' 7; printf '\n90\n'; } >paths-10mb
	{ printf 'x\n'; head -c 10485760 /dev/zero | tr '\0' 7; printf '\n'; } >rows-10mb

	# Binary junk: an ELF header (NUL bytes), a PNG signature (none).
	printf '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00' >elf
	printf '\x89PNG\r\n\x1a\n' >png
	seq -s "$(printf '\t')" -f 'c%g' 65 >columns-65
}

# run_table TOOL: runs every case of TOOL; fails listing each case that did
# not give exactly its status and stderr with an empty stdout.
run_table() {
	local tool=$1 line command input status want words got_status got_err got_out
	local failed=0 count=0 try="\\nTry '$tool --help' for more information."
	cd "$BATS_FILE_TMPDIR"
	while IFS= read -r line; do
		[[ -z $line || $line == '#'* ]] && continue
		command=${line%% ¦ *}; line=${line#* ¦ }
		input=${line%% ¦ *}; line=${line#* ¦ }
		status=${line%% ¦ *}; want=${line#* ¦ }
		read -ra words <<<"$command"
		[ "${words[0]}" = "$tool" ] || continue
		count=$((count + 1))
		want=$(printf '%b' "${want//'{try}'/"$try"}")
		case $input in
		-) input=/dev/null ;;
		@*) input=${input#@} ;;
		*) printf '%b' "$input" >stdin.txt; input=stdin.txt ;;
		esac
		got_status=0
		"${words[@]}" <"$input" >stdout.txt 2>stderr.txt || got_status=$?
		got_err=$(cat stderr.txt)
		got_out=$(head -c 200 stdout.txt)
		if [ "$got_status" != "$status" ] || [ "$got_err" != "$want" ] || [ -s stdout.txt ]; then
			failed=$((failed + 1))
			printf 'FAILED: %s  (stdin: %s)\n' "$command" "$input"
			printf '  status %s, want %s\n' "$got_status" "$status"
			printf '  stderr: %s\n  want:   %s\n' "${got_err:0:400}" "$want"
			[ -s stdout.txt ] && printf '  stdout (first 200 bytes): %s\n' "$got_out"
		fi
	done <<<"$TABLE"
	echo "$tool: $count cases, $failed failed"
	[ "$count" -gt 0 ] && [ "$failed" -eq 0 ]
}

@test "the table has at least 40 cases, every one for a known tool" {
	local cases
	cases=$(grep -v '^#' <<<"$TABLE" | grep -c ' ¦ ')
	echo "$cases cases"
	[ "$cases" -ge 40 ]
	run -1 grep -v -E '^(#|$|(genseeds|simpaths|payoff|aggregate|gridgen|closedform)( .*)? ¦ )' <<<"$TABLE"
}

@test "genseeds: bad options, each with its message and status" {
	run_table genseeds
}

@test "simpaths: bad options and shard rows, each with its message and status" {
	run_table simpaths
}

@test "payoff: bad streams and options, each with its message and status" {
	run_table payoff
}

@test "aggregate: bad rows and partials, each with its message and status" {
	run_table aggregate
}

@test "gridgen: bad axis specs, each with its message and status" {
	run_table gridgen
}

@test "closedform: bad options, each with its message and status" {
	run_table closedform
}
