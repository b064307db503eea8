#!/usr/bin/env bats
# The stream contract (tools/lib/stream.c), exercised through aggregate and
# payoff: separators, line ends, blank lines, headers, metadata, numbers,
# and junk that must end in a clean error (exit 1), never a crash.

bats_require_minimum_version 1.5.0
load test_helper

SUMMARY="$FIXTURES/payoff/summary.tsv"

# same_as_tab TEXT: aggregate -p of TEXT equals that of the TAB-separated
# table x y / 1 2 / 3 4.5 / -1 0.
same_as_tab() {
	diff <(printf 'x\ty\n1\t2\n3\t4.5\n-1\t0\n' | aggregate -p) <(printf '%b' "$1" | aggregate -p)
}

# fails_cleanly TOOL ARGS... < input: exit status 1 (not a signal, not a
# sanitizer's 99), one line "TOOL: ..." on stderr, nothing on stdout.
fails_cleanly() {
	local tool=$1
	run -1 --separate-stderr "$@"
	echo "stderr: ${stderr:0:300}"   # shown when the test fails
	[ "$output" = "" ]
	[[ $stderr == "$tool: "* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[ "${#stderr}" -lt 400 ]
}

# --- separators, line ends, blank lines --------------------------------------------

@test "fields separated by a TAB or by runs of spaces read the same" {
	same_as_tab 'x y\n1 2\n3 4.5\n-1 0\n'
	same_as_tab 'x    y\n1     2\n3  4.5\n-1          0\n'
	same_as_tab 'x\t\ty\n1 \t 2\n3\t  4.5\n-1  \t0\n'
}

@test "leading and trailing blanks around fields are ignored" {
	same_as_tab '  x\ty  \n\t1\t2\t\n 3 4.5 \n-1 0    \n'
}

@test "CRLF line ends are accepted, in rows, header and metadata" {
	same_as_tab 'x\ty\r\n1\t2\r\n3\t4.5\r\n-1\t0\r\n'
	sed 's/$/\r/' "$SUMMARY" >"$BATS_TEST_TMPDIR/crlf.tsv"
	diff <(payoff "$SUMMARY") <(payoff "$BATS_TEST_TMPDIR/crlf.tsv" | tr -d '\r')
	# the metadata values carry no CR: r=0.05 was read as a number
	run -0 payoff "$BATS_TEST_TMPDIR/crlf.tsv"
	[ "${lines[4]}" = "19.024588490014281" ]
}

@test "blank and whitespace-only lines are skipped anywhere" {
	same_as_tab '\n\nx\ty\n\n1\t2\n   \n\t\n3\t4.5\n\r\n-1\t0\n\n'
}

@test "a last line without a newline is read" {
	same_as_tab 'x\ty\n1\t2\n3\t4.5\n-1\t0'
}

# --- headers -------------------------------------------------------------------------

@test "a repeated identical header is skipped (cat a b)" {
	same_as_tab 'x\ty\n1\t2\n3\t4.5\nx\ty\n-1\t0\n'
	same_as_tab 'x\ty\n1\t2\nx y\n3\t4.5\nx   y\n-1\t0\n'   # however separated
	cd "$BATS_TEST_TMPDIR"
	head -n 6 "$SUMMARY" >a.tsv
	{ head -n 2 "$SUMMARY"; tail -n +7 "$SUMMARY"; } >b.tsv
	diff <(payoff "$SUMMARY" | rows) <(cat a.tsv b.tsv | payoff | rows)
}

@test "a different header is refused, naming both" {
	run -1 --separate-stderr aggregate < <(printf 'x\ty\n1\t2\nx\tz\n3\t4\n')
	[ "$stderr" = "aggregate: stdin:3: header 'x	z' conflicts with 'x	y'" ]
	run -1 --separate-stderr aggregate < <(printf 'x\ty\n1\t2\na\n')
	[ "$stderr" = "aggregate: stdin:3: header 'a' conflicts with 'x	y'" ]
	run -1 --separate-stderr payoff < <(cat "$SUMMARY"; printf 'S1\tS2\tS3\tS4\n')
	[ "$stderr" = "payoff: stdin:11: header 'S1	S2	S3	S4' conflicts with 'ST	avg	geo	max	min'" ]
}

@test "a different header in a second file is refused too" {
	cd "$BATS_TEST_TMPDIR"
	printf 'x\n1\n2\n' >a.tsv
	printf 'y\n3\n4\n' >b.tsv
	run -1 --separate-stderr aggregate < <(cat a.tsv b.tsv)
	[ "$stderr" = "aggregate: stdin:4: header 'y' conflicts with 'x'" ]
}

@test "a table without a header is refused" {
	run -1 --separate-stderr aggregate < <(printf '1\t2\n3\t4\n')
	[ "$stderr" = "aggregate: stdin:1: missing header: expected column names, found '1'" ]
	run -1 --separate-stderr aggregate < <(printf 'x\tnan\n1\t2\n')
	[ "$stderr" = "aggregate: stdin:1: missing header: expected column names, found 'nan'" ]
}

@test "a header naming a column twice is refused" {
	run -1 --separate-stderr aggregate < <(printf 'x\ty\tx\n1\t2\t3\n')
	[ "$stderr" = "aggregate: stdin:1: duplicate column 'x' in header" ]
}

@test "a column name starting with '#' is refused: written first on a line it is metadata" {
	run -1 --separate-stderr aggregate < <(printf ' #x\n1\n2\n')
	[ "$stderr" = "aggregate: stdin:1: column name '#x' starts with '#'" ]
	run -1 --separate-stderr aggregate < <(printf 'a\t#b\n1\t2\n')
	[ "$stderr" = "aggregate: stdin:1: column name '#b' starts with '#'" ]
}

@test "a row with the wrong number of fields is refused" {
	run -1 --separate-stderr aggregate < <(printf 'x\ty\n1\t2\n3\n')
	[ "$stderr" = "aggregate: stdin:3: expected 2 fields, found 1" ]
	run -1 --separate-stderr aggregate < <(printf 'x\ty\n1\t2\t3\n')
	[ "$stderr" = "aggregate: stdin:2: expected 2 fields, found 3" ]
}

# --- metadata --------------------------------------------------------------------------

@test "comment words that are not key=value are ignored" {
	same_as_tab '# a table by hand, no = signs here\nx\ty\n# more text\n1\t2\n3\t4.5\n-1\t0\n'
}

@test "a metadata key with an empty value is refused" {
	run -1 --separate-stderr aggregate < <(printf '# sigma=\nx\n1\n2\n')
	[ "$stderr" = "aggregate: stdin:1: metadata key 'sigma' has an empty value" ]
}

@test "a metadata key given two values in one stream is refused" {
	run -1 --separate-stderr aggregate < <(printf '# sigma=0.2\nx\n1\n# sigma=0.25\n2\n')
	[ "$stderr" = "aggregate: stdin:4: metadata sigma=0.25 conflicts with sigma=0.2 (stdin:1)" ]
	run -0 aggregate < <(printf '# tool=a shard=1 sigma=0.2\nx\n1\n# tool=b shard=2 sigma=0.2\n2\n')
}

# The normals of simpaths' paths (issue 20): inversion's (no normals=, the
# default) and the ziggurat's are other paths of one seed; a `cat` of both
# read by payoff or exercise would pass for one run. aggregate refuses
# their partials (aggregate.bats); the stream reader refuses the paths.
@test "paths of inversion and of the ziggurat in one stream are refused, in either order" {
	local t=$BATS_TEST_TMPDIR
	simpaths --count 3 >"$t/inv.tsv"
	simpaths --count 3 --normals ziggurat >"$t/zig.tsv"
	simpaths --steps 10 --emit path --training --count 200 | lsmfit -K 100 >"$t/rule.tsv"
	simpaths --steps 10 --emit path --count 3 >"$t/inv-path.tsv"
	simpaths --steps 10 --emit path --count 3 --normals ziggurat >"$t/zig-path.tsv"
	run -1 --separate-stderr payoff "$t/inv.tsv" "$t/zig.tsv"
	[ "$stderr" = "payoff: $t/zig.tsv:1: metadata normals=ziggurat conflicts with $t/inv.tsv:1, which has no normals= (paths drawn by inversion; another run?)" ]
	run -1 --separate-stderr payoff < <(cat "$t/zig.tsv" "$t/inv.tsv")
	[ "$stderr" = "payoff: stdin:7: metadata has no normals= (paths drawn by inversion) but stdin:1 has normals=ziggurat (another run?)" ]
	run -1 --separate-stderr exercise -c "$t/rule.tsv" < <(cat "$t/inv-path.tsv" "$t/zig-path.tsv")
	[ "$stderr" = "exercise: stdin:7: metadata normals=ziggurat conflicts with stdin:1, which has no normals= (paths drawn by inversion; another run?)" ]
	# one transform twice is one stream; later tools' lines need no normals=
	run -0 payoff "$t/inv.tsv" "$t/inv.tsv"
	run -0 payoff "$t/zig.tsv" "$t/zig.tsv"
	run -0 aggregate < <(payoff "$t/zig.tsv")
}

# The training and the pricing stream of one seed (simpaths --training,
# metadata stream=training; none is pricing), and Sobol points and Philox
# draws (--qmc sobol, qmc=sobol; none is Philox) are other paths too: a
# `cat` of two runs' outputs is refused by payoff, aggregate and exercise,
# naming the key, both values and where each was.
@test "paths of the training and the pricing stream, or of QMC and Philox, in one stream are refused" {
	local t=$BATS_TEST_TMPDIR
	simpaths --count 16 >"$t/price.tsv"
	simpaths --count 16 --training >"$t/train.tsv"
	simpaths --count 16 --qmc sobol >"$t/qmc.tsv"
	simpaths --steps 4 --emit path --training --count 200 | lsmfit -K 100 >"$t/rule.tsv"
	simpaths --steps 4 --emit path --count 16 >"$t/price-path.tsv"
	simpaths --steps 4 --emit path --count 16 --qmc sobol >"$t/qmc-path.tsv"
	run -1 --separate-stderr payoff "$t/price.tsv" "$t/train.tsv"
	[ "$stderr" = "payoff: $t/train.tsv:1: metadata stream=training conflicts with $t/price.tsv:1, which has no stream= (the pricing stream; another run?)" ]
	run -1 --separate-stderr aggregate < <(cat "$t/train.tsv" "$t/price.tsv")
	[ "$stderr" = "aggregate: stdin:20: metadata has no stream= (the pricing stream) but stdin:1 has stream=training (another run?)" ]
	run -1 --separate-stderr payoff "$t/qmc.tsv" "$t/price.tsv"
	[ "$stderr" = "payoff: $t/price.tsv:1: metadata has no qmc= (Philox draws, no QMC) but $t/qmc.tsv:1 has qmc=sobol (another run?)" ]
	run -1 --separate-stderr exercise -c "$t/rule.tsv" < <(cat "$t/price-path.tsv" "$t/qmc-path.tsv")
	[ "$stderr" = "exercise: stdin:20: metadata qmc=sobol conflicts with stdin:1, which has no qmc= (Philox draws, no QMC; another run?)" ]
	# one run's outputs twice are one stream
	run -0 payoff "$t/train.tsv" "$t/train.tsv"
	run -0 payoff "$t/qmc.tsv" "$t/qmc.tsv"
	run -0 exercise -c "$t/rule.tsv" "$t/qmc-path.tsv" "$t/qmc-path.tsv"
}

@test "first= without count=, and bad range numbers, are refused" {
	run -1 --separate-stderr aggregate < <(printf 'x\n# first=0\n1\n2\n')
	[ "$stderr" = "aggregate: stdin:2: metadata has first= without count=" ]
	run -1 --separate-stderr aggregate < <(printf 'x\n# count=2\n1\n2\n')
	[ "$stderr" = "aggregate: stdin:2: metadata has count= without first=" ]
	run -1 --separate-stderr aggregate < <(printf 'x\n# first=-1 count=2\n1\n2\n')
	[ "$stderr" = "aggregate: stdin:2: invalid first=-1 in metadata" ]
	run -1 --separate-stderr aggregate < <(printf 'x\n# first=0 count=1.5\n1\n2\n')
	[ "$stderr" = "aggregate: stdin:2: invalid count=1.5 in metadata" ]
}

# --- numbers --------------------------------------------------------------------------------

@test "numbers in decimal and in C99 hex read the same" {
	same_as_tab 'x\ty\n0x1p+0\t0x1p+1\n0x1.8p+1\t0x1.2p+2\n-0x1p+0\t0x0p+0\n'
	same_as_tab 'x\ty\n1e0\t.2e1\n3.\t+4.5\n-1.0\t-0\n'
	same_as_tab 'x\ty\n0X1P0\t2\n3\t0x9p-1\n-1E0\t0e5\n'
}

@test "payoff's hex output and its decimal output aggregate to the same bytes" {
	cd "$BATS_TEST_TMPDIR"
	simpaths --count 5000 --steps 4 --emit summary --hex >paths.tsv
	payoff -p asian-put-arith paths.tsv >dec.tsv
	payoff -p asian-put-arith --hex paths.tsv >hex.tsv
	run ! cmp -s dec.tsv hex.tsv
	diff <(aggregate -p dec.tsv) <(aggregate -p hex.tsv)
}

@test "malformed numbers are refused, naming line, column and text" {
	for bad in 1.2.3 0x10 1e 1e+ - 1_000 12abc 0x1p; do
		run -1 --separate-stderr aggregate < <(printf 'x\ty\n1\t2\n3\t%s\n' "$bad")
		[ "$stderr" = "aggregate: stdin:3: invalid number in column 2 (y): '$bad'" ]
	done
}

@test "a very long bad number is quoted cut short" {
	long=$(printf '7%.0s' $(seq 100))
	run -1 --separate-stderr aggregate < <(printf 'x\n%sz\n' "$long")
	[ "$stderr" = "aggregate: stdin:2: invalid number in column 1 (x): '${long:0:40}...'" ]
}

# --- junk: a clean error, never a crash ----------------------------------------------------------

@test "a 10 MB line is refused cleanly: a row, a header, a metadata line" {
	cd "$BATS_TEST_TMPDIR"
	head -c 10000000 /dev/zero | tr '\0' '7' >digits
	head -c 10000000 /dev/zero | tr '\0' 'a' >letters
	{ echo x; cat digits; echo; } >row.tsv
	fails_cleanly aggregate row.tsv
	[ "$stderr" = "aggregate: row.tsv:2: line longer than 8388608 bytes (binary data?)" ]
	{ cat letters; echo; echo 1; } >header.tsv
	fails_cleanly aggregate header.tsv
	{ printf '# k='; cat letters; printf '\nx\n1\n2\n'; } >meta.tsv
	fails_cleanly aggregate meta.tsv
	{ echo x; echo 1; cat letters; } >last.tsv   # no newline at the end
	fails_cleanly aggregate last.tsv
	fails_cleanly payoff < <(cat "$SUMMARY" letters)
}

@test "a long line under the limit that is junk gives a short message" {
	long=$(printf 'a%.0s' $(seq 5000))
	fails_cleanly aggregate < <(printf 'x\n1\n%s\n' "$long")
	[ "$stderr" = "aggregate: stdin:3: header '${long:0:120}...' conflicts with 'x'" ]
	fails_cleanly aggregate < <(printf '%s %s\n1 1\n' "$long" "$long")
	fails_cleanly aggregate < <(printf '# k=%s\n# k=b\nx\n1\n2\n' "$long")
}

@test "NUL bytes are refused cleanly" {
	fails_cleanly aggregate < <(printf 'x\n1\n2\0\n')
	[ "$stderr" = "aggregate: stdin:3: NUL byte in line (binary data?)" ]
	fails_cleanly payoff < <(cat "$SUMMARY"; printf '1\0002\n')
	[ "$stderr" = "payoff: stdin:11: NUL byte in line (binary data?)" ]
	fails_cleanly aggregate < <(head -c 100000 /dev/zero)
}

# random_junk NUL|NONUL: files junk1..junk8 of 100000 random bytes (without
# NULs: fewer), of fixed seeds, so that a failure is one to reproduce (they
# came from /dev/urandom: a crash found once was never seen again).
random_junk() {
	python3 - "$1" <<-'EOF'
	import random, sys
	for i in range(1, 9):
	    data = random.Random(20261206 + i).randbytes(100000)
	    if sys.argv[1] == 'NONUL':
	        data = data.replace(b'\0', b'')
	    open('junk%d' % i, 'wb').write(data)
	EOF
}

@test "random bytes: exit 1 with a message, never a crash" {
	cd "$BATS_TEST_TMPDIR"
	random_junk NUL
	for i in $(seq 8); do
		fails_cleanly aggregate "junk$i"
		fails_cleanly aggregate -p "junk$i"
		fails_cleanly payoff "junk$i"
		fails_cleanly payoff -p up-and-out-call --barrier 120 "junk$i"
	done
}

@test "random bytes without NULs: exit 1 with a message, never a crash" {
	cd "$BATS_TEST_TMPDIR"
	random_junk NONUL
	for i in $(seq 8); do
		fails_cleanly aggregate "junk$i"
		fails_cleanly payoff "junk$i"
	done
}

@test "randomly mutated streams and partials: exit 0 or 1, never a crash" {
	cd "$BATS_TEST_TMPDIR"
	genseeds -n 40 -s 3 | simpaths --steps 3 --emit summary --antithetic >paths.tsv
	payoff -p asian-call-arith paths.tsv | awk -F '\t' -v OFS='\t' \
		'/^#/ { print; next } $1 == "price" { print "price", "sq"; next } { print $1, $1 * $1 }' >rows.tsv
	aggregate -p rows.tsv >part
	# each mutation deletes, repeats, swaps or truncates lines, or replaces
	# a word by another from the streams' vocabulary; 40 seeds per stream,
	# written by one python (not one per seed: its start-up was a third of
	# this test's time), each file's text as before (its own
	# random.Random(seed + name)).
	python3 - paths.tsv rows.tsv part <<-'EOF'
	import random, sys
	vocab = ['0', '1', '-1', '2.5', '0x3p-2', '0x4p-2', '1e200', '1e-320', 'nan', '-', 'x',
	         'first=0', 'count=3', 'first=1', 'count=0', 'paths=41', 'sigma=0.3', 'tool=x',
	         'n', 'sum', 'prod', 'price', 'sq', 'ST', '#', '', '18446744073709551615']
	for seed in range(1, 41):
	    for base in sys.argv[1:]:
	        rnd = random.Random(str(seed) + base)
	        lines = open(base).read().split('\n')
	        for _ in range(rnd.randrange(1, 4)):
	            i = rnd.randrange(len(lines))
	            c = rnd.randrange(5)
	            if c == 0:
	                del lines[i]
	            elif c == 1:
	                lines.insert(i, lines[rnd.randrange(len(lines))])
	            elif c == 2:
	                j = rnd.randrange(len(lines))
	                lines[i], lines[j] = lines[j], lines[i]
	            elif c == 3:
	                lines = lines[:i]
	            else:
	                words = lines[i].replace('\t', ' \t ').split(' ')
	                words[rnd.randrange(len(words))] = rnd.choice(vocab)
	                lines[i] = ' '.join(words).replace(' \t ', '\t')
	            if not lines:
	                lines = ['']
	        with open('junk-%d-%s' % (seed, base), 'w') as out:
	            out.write('\n'.join(lines))
	EOF
	# The 360 runs in a bash of their own, outside bats' per-command DEBUG
	# trap; it prints each junk file that made a tool exit other than 0 or 1.
	run -0 bash -c '
		for seed in $(seq 40); do
			for base in paths.tsv rows.tsv part; do
				junk=junk-$seed-$base
				[ -f "$junk" ] || { echo "$junk: missing"; continue; }
				for tool in aggregate "aggregate -p" payoff; do
					status=0
					$tool "$junk" >/dev/null 2>&1 || status=$?
					if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
						echo "$tool $junk: exit $status"
						cat "$junk"
					fi
				done
			done
		done'
	echo "$output"
	[ "$output" = "" ]
}

@test "a directory as input is a read error, exit 1" {
	fails_cleanly aggregate "$BATS_TEST_TMPDIR"
	[ "$stderr" = "aggregate: $BATS_TEST_TMPDIR: read error: Is a directory" ]
}
