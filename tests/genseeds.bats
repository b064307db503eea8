#!/usr/bin/env bats
# genseeds: exact partitions of [0, paths), seeds, usage errors, output errors.

bats_require_minimum_version 1.5.0
load test_helper

TRY="Try 'genseeds --help' for more information."
TOOL=genseeds
SYNOPSIS="usage: genseeds -n paths [-s shards] [-m multiple | --align A] [--taper J] [--first first] [--seed seed]"

# The interpreter itself, found once: a version manager's python3 shim
# costs a quarter of a second a call.
setup_file() {
	PYTHON=$(python3 -c 'import sys; print(sys.executable)')
	export PYTHON
}

# getopt_fails MESSAGE ARGS...: as usage_fails, for getopt's own messages,
# which are followed by the synopsis.
getopt_fails() {
	local message=$1
	shift
	run -2 --separate-stderr genseeds "$@"
	[ "$output" = "" ]
	[ "$stderr" = "genseeds: $message"$'\n'"$SYNOPSIS"$'\n'"$TRY" ]
}

# partitions PATHS:SHARDS:SEED...: for each triple, genseeds's output is an
# exact partition: the metadata line, the header, then SHARDS rows numbered
# from 0 whose ranges are contiguous from 0, non-empty, differ in size by at
# most one and add up to PATHS; every row carries SEED. One Python process
# runs genseeds for every triple and checks the integers exactly (bash and
# awk cannot hold 2^63).
partitions() {
	"$PYTHON" - "$@" <<-'EOF'
	import subprocess, sys
	for triple in sys.argv[1:]:
	    paths, shards, seed = (int(a, 0) for a in triple.split(":"))
	    text = subprocess.run(["genseeds", "-n", str(paths), "-s", str(shards),
	                           "--seed", str(seed)], check=True,
	                          capture_output=True, text=True).stdout
	    lines = text.split("\n")
	    assert lines.pop() == "", f"{triple}: no newline at the end"
	    assert lines[0] == f"# tool=genseeds paths={paths} seed={seed}", lines[0]
	    assert lines[1] == "shard\tfirst\tcount\tseed", lines[1]
	    rows = [line.split("\t") for line in lines[2:]]
	    assert len(rows) == shards, f"{triple}: {len(rows)} rows"
	    next_first, sizes = 0, set()
	    for i, row in enumerate(rows):
	        assert len(row) == 4, (triple, row)
	        assert all(f == str(int(f)) for f in row), (triple, row)  # plain decimal
	        shard, first, count, row_seed = map(int, row)
	        assert shard == i and first == next_first and count >= 1, (triple, row)
	        assert row_seed == seed, (triple, row)
	        next_first += count
	        sizes.add(count)
	    assert next_first == paths, f"{triple}: counts add up to {next_first}"
	    assert max(sizes) - min(sizes) <= 1, (triple, sizes)
	EOF
}

# --- partitions ---------------------------------------------------------------

@test "writes the metadata line, the header and one row per shard" {
	genseeds -n 10 -s 3 --seed 7 >"$BATS_TEST_TMPDIR/out"
	printf '# tool=genseeds paths=10 seed=7\nshard\tfirst\tcount\tseed\n0\t0\t4\t7\n1\t4\t3\t7\n2\t7\t3\t7\n' \
		>"$BATS_TEST_TMPDIR/expected"
	cmp "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/expected"
}

@test "--first splits only the later paths, under the run's whole count" {
	run -0 genseeds -n 10 -s 3 --first 4 --seed 7
	[ "$output" = $'# tool=genseeds paths=10 seed=7\nshard\tfirst\tcount\tseed\n0\t4\t2\t7\n1\t6\t2\t7\n2\t8\t2\t7' ]
	# --first 0 is no --first; the last path alone is a batch of one
	run -0 genseeds -n 10 -s 3 --first 0 --seed 7
	[ "$output" = "$(genseeds -n 10 -s 3 --seed 7)" ]
	run -0 genseeds -n 10 --first 9
	[ "${lines[2]}" = $'0\t9\t1\t1' ]
}

@test "--first refuses an index at or past paths, and more shards than its paths" {
	TOOL=genseeds
	usage_fails "--first: 10: want a first path below paths=10" -n 10 --first 10
	usage_fails "--first: invalid path index '-1'" -n 10 --first -1
	usage_fails "--first: invalid path index ''" -n 10 --first ''
	usage_fails "--first: invalid path index '1e3'" -n 10000 --first 1e3
	usage_fails "--shards: 7 shards for 6 paths: at most one shard per path" -n 10 -s 7 --first 4
	usage_fails "--first: 8 is not a multiple of 16" -n 64 -m 16 --first 8
	usage_fails "--shards: 4 shards for 32 paths in multiples of 16: at most 2" -n 64 -m 16 --first 32 -s 4
	run -0 genseeds -n 64 -m 16 --first 32 -s 2
	[ "$(printf '%s\n' "${lines[@]:2}")" = $'0\t32\t16\t1\n1\t48\t16\t1' ]
}

@test "--align: inner boundaries on multiples of A, every path once; the plain split when blocks are fewer than shards" {
	# 1000 paths, 3 shards, A=128: 7 whole blocks (0..895) split 3 2 2,
	# the last shard also takes 896..999
	run -0 genseeds -n 1000 -s 3 --align 128
	[ "$(printf '%s\n' "${lines[@]:2}")" = $'0\t0\t384\t1\n1\t384\t256\t1\n2\t640\t360\t1' ]
	# --first 100: the first shard takes 100..127 before the blocks
	run -0 genseeds -n 1000 -s 3 --first 100 --align 128
	[ "$(printf '%s\n' "${lines[@]:2}")" = $'0\t100\t284\t1\n1\t384\t256\t1\n2\t640\t360\t1' ]
	# make price's split at the bench's size: 15 boundaries on blocks, the
	# shards' counts adding up to the paths
	run -0 genseeds -n 270000000 -s 16 --align 128
	[ "$(printf '%s\n' "${lines[@]:3}" | awk '$2 % 128 { bad++ } END { print bad + 0 }')" = 0 ]
	[ "$(printf '%s\n' "${lines[@]:2}" | awk '{ n += $3; if ($2 != next_first) bad++; next_first = $2 + $3 } END { print n, bad + 0 }')" = "270000000 0" ]
	# as many whole blocks as shards (3 of 128, and 16 paths after them):
	# on the blocks still, the last shard taking the 16
	run -0 genseeds -n 400 -s 3 --align 128
	[ "$(printf '%s\n' "${lines[@]:2}")" = $'0\t0\t128\t1\n1\t128\t128\t1\n2\t256\t144\t1' ]
	# 2 whole blocks, 3 shards: the plain split
	run -0 genseeds -n 300 -s 3 --align 128
	[ "$output" = "$(genseeds -n 300 -s 3)" ]
	TOOL=genseeds
	usage_fails "--align: not with --multiple (a shard of replicates starts on a multiple)" -n 1024 -m 4 --align 128
	usage_fails "--align: '0' must be positive" -n 10 --align 0
}

# tapers ARGS...: for each genseeds argument list (words split on ','),
# the tapered split's rules, checked exactly in one Python process: rows
# contiguous from --first to paths, every path once; every boundary after
# the first shard's start on a multiple of --align/-m; the shards in J runs
# as parallel-run --many groups them (min(J, shards) runs, the first
# shards % J one longer), the runs' units (blocks) equal within one, each
# run's sizes never growing (the last shard's tail of < A paths aside) and
# ending on its smallest; TAPERED=1: the run's first shard larger than its
# last (tapered, not the plain split).
tapers() {
	"$PYTHON" - "$@" <<-'EOF'
	import os, subprocess, sys
	for words in sys.argv[1:]:
	    args = words.split(",")
	    opt = dict(zip(args[::2], args[1::2]))
	    paths, shards, j = int(opt["-n"]), int(opt["-s"]), int(opt["--taper"])
	    unit = int(opt.get("--align", opt.get("-m", "1")))
	    first = int(opt.get("--first", "0"))
	    text = subprocess.run(["genseeds"] + args, check=True, capture_output=True,
	                          text=True).stdout
	    rows = [list(map(int, l.split("\t"))) for l in text.splitlines()[2:]]
	    assert len(rows) == shards, (words, len(rows))
	    at = first
	    for k, (shard, f, count, _) in enumerate(rows):
	        assert shard == k and f == at and count >= 1, (words, k, f, count)
	        assert k == 0 or f % unit == 0, (words, "boundary", f)
	        at += count
	    assert at == paths, (words, at)
	    runs = min(j, shards)
	    sizes, k, units = [], 0, []
	    for g in range(runs):
	        m = shards // runs + (g < shards % runs)
	        run = [c for _, _, c, _ in rows[k:k + m]]
	        k += m
	        units.append(sum(run) // unit)
	        for a, b in zip(run, run[1:]):
	            assert a >= b or (k == shards and b - a < unit), (words, g, run)
	        if os.environ.get("TAPERED") == "1" and m > 1:
	            assert run[0] > run[-1], (words, "not tapered", run)
	    assert max(units) - min(units) <= 1, (words, units)
	EOF
}

@test "--taper J: sizes falling along each of J runs of shards, boundaries on the blocks, every path once" {
	# 16 blocks, 4 shards, 2 runs of 2: 8 blocks a run, ending at
	# 8 (4 - 1) / 4 = 6 blocks: 6 2 6 2
	run -0 genseeds -n 2048 -s 4 --align 128 --taper 2
	[ "$(printf '%s\n' "${lines[@]:2}")" = $'0\t0\t768\t1\n1\t768\t256\t1\n2\t1024\t768\t1\n3\t1792\t256\t1' ]
	# make price's Asian at the bench's size: 2 runs of 8, sizes in the
	# ratio 15 13 ... 3 1 (in blocks: 1373 1190 1007 824 641 457 275 92),
	# the last shard also taking the 96 paths past the last block
	run -0 genseeds -n 1500000 -s 16 --align 128 --taper 2
	[ "$(printf '%s\n' "${lines[@]:2}" | cut -f 3 | paste -sd ' ')" = \
	  "175744 152320 128896 105472 82048 58496 35200 11776 175744 152320 128896 105472 82048 58496 35200 11872" ]
	TAPERED=1 tapers -n,1500000,-s,16,--align,128,--taper,2 -n,270000000,-s,16,--align,128,--taper,2 \
		-n,220000000,-s,16,--align,128,--taper,3 -n,1000000,-s,17,--align,128,--taper,2 \
		-n,1000000,-s,16,--align,128,--taper,16 -n,1000000,-s,5,--align,128,--taper,1 \
		-n,1000003,-s,7,--align,128,--taper,2,--first,1000 -n,4096,-s,4,-m,16,--taper,2 \
		-n,9223372036854775808,-s,1000,--align,128,--taper,7 -n,9223372036854775807,-s,3,--taper,2
	# J past the shards: a run of one shard each, the plain split's sizes
	tapers -n,1000000,-s,4,--align,128,--taper,64
	[ "$(genseeds -n 1000000 -s 4 --align 128 --taper 64)" = "$(genseeds -n 1000000 -s 4 --align 128)" ]
	# too few blocks for a unit in every shard of a run of m (m^2 of them):
	# the plain split (2 runs of 8 want 64 blocks a run)
	[ "$(genseeds -n 16383 -s 16 --align 128 --taper 2)" = "$(genseeds -n 16383 -s 16 --align 128)" ]
	# the longest run sets it: 17 shards on 2 slots are runs of 9 and 8,
	# which want 81 blocks a run (162 in all), not 64
	[ "$(genseeds -n 20608 -s 17 --align 128 --taper 2)" = "$(genseeds -n 20608 -s 17 --align 128)" ]
	TAPERED=1 tapers -n,20736,-s,17,--align,128,--taper,2
	run -0 genseeds -n 16384 -s 16 --align 128 --taper 2
	[ "$(printf '%s\n' "${lines[@]:2}" | cut -f 3 | paste -sd ' ')" = \
	  "1920 1664 1408 1152 896 640 384 128 1920 1664 1408 1152 896 640 384 128" ]
	TOOL=genseeds
	usage_fails "--taper: '0' must be positive" -n 10 --taper 0
	usage_fails "--taper: invalid count 'x'" -n 10 --taper x
	usage_fails "--taper: '-2' must be positive" -n 10 --taper -2
}

@test "defaults to one shard and seed 1" {
	run -0 genseeds -n 5
	[ "$output" = $'# tool=genseeds paths=5 seed=1\nshard\tfirst\tcount\tseed\n0\t0\t5\t1' ]
}

@test "long options say the same as short ones" {
	run -0 genseeds --paths=10 --shards=3 --seed=7
	long=$output
	run -0 genseeds -n 10 -s 3 --seed 7
	[ "$output" = "$long" ]
}

@test "partitions small path counts exactly for every shard count" {
	local triples=()
	for paths in 1 2 3 4 5 7 8 9 16 17; do
		for ((shards = 1; shards <= paths; shards++)); do
			triples+=("$paths:$shards:1")
		done
	done
	partitions "${triples[@]}"
}

@test "partitions larger path counts exactly" {
	partitions 100:7:3 1000:37:3 1000:999:3 1000000:64:3 999999:1000:3 \
		10000:10000:3 4294967297:2:3 4294967296:100000:3 4294967295:65537:3
}

@test "partitions 2^63 paths into 3 shards exactly" {
	partitions 9223372036854775808:3:1
	run -0 rows <(genseeds -n 9223372036854775808 -s 3)
	[ "${lines[0]}" = $'0\t0\t3074457345618258603\t1' ]
	[ "${lines[1]}" = $'1\t3074457345618258603\t3074457345618258603\t1' ]
	[ "${lines[2]}" = $'2\t6148914691236517206\t3074457345618258602\t1' ]
}

@test "partitions the largest path counts exactly" {
	partitions 9223372036854775808:1:1 9223372036854775808:2:1 \
		9223372036854775807:7:1 9223372036854775808:1000:1 9223372036854775808:99999:1
}

@test "one shard per path is the most shards allowed" {
	partitions 5:5:1
	run -0 rows <(genseeds -n 5 -s 5)
	[ "${#lines[@]}" -eq 5 ]
	for i in 0 1 2 3 4; do
		[ "${lines[i]}" = "$i	$i	1	1" ]
	done
}

# --- seeds ----------------------------------------------------------------

@test "accepts the largest seed in decimal" {
	partitions 10:3:18446744073709551615
}

@test "accepts the largest seed in 0x hex and writes it in decimal" {
	run -0 genseeds -n 2 --seed 0xffffffffffffffff
	[ "$output" = $'# tool=genseeds paths=2 seed=18446744073709551615\nshard\tfirst\tcount\tseed\n0\t0\t2\t18446744073709551615' ]
	run -0 genseeds -n 2 --seed 0XFF
	[ "${lines[0]}" = "# tool=genseeds paths=2 seed=255" ]
}

@test "accepts seed 0" {
	partitions 10:2:0
}

@test "rejects the seed 2^64 in decimal" {
	usage_fails "--seed: invalid seed '18446744073709551616' (want 0..2^64-1, decimal or 0x hex)" \
		-n 5 --seed 18446744073709551616
}

@test "rejects the seed 2^64 in hex" {
	usage_fails "--seed: invalid seed '0x10000000000000000' (want 0..2^64-1, decimal or 0x hex)" \
		-n 5 --seed 0x10000000000000000
}

@test "rejects malformed seeds" {
	for seed in abc 0x '' -1 +1 1.5 1e3 ' 5' '5 ' 0x-1 00x5 0xg; do
		usage_fails "--seed: invalid seed '$seed' (want 0..2^64-1, decimal or 0x hex)" -n 5 --seed "$seed"
	done
}

# --- usage errors -----------------------------------------------------------

@test "rejects zero paths" {
	usage_fails "--paths: '0' must be positive" -n 0
}

@test "rejects a negative path count" {
	usage_fails "--paths: '-5' must be positive" -n -5
	usage_fails "--paths: '-0' must be positive" --paths=-0
}

@test "rejects zero shards" {
	usage_fails "--shards: '0' must be positive" -n 5 -s 0
}

@test "rejects a negative shard count" {
	usage_fails "--shards: '-1' must be positive" -n 5 -s -1
}

@test "rejects more shards than paths" {
	usage_fails "--shards: 6 shards for 5 paths: at most one shard per path" -n 5 -s 6
	usage_fails "--shards: 2 shards for 1 paths: at most one shard per path" -n 1 -s 2
}

@test "rejects more than 2^63 paths" {
	usage_fails "--paths: '9223372036854775809' is too large (at most 9223372036854775808)" \
		-n 9223372036854775809
	usage_fails "--paths: '18446744073709551615' is too large (at most 9223372036854775808)" \
		-n 18446744073709551615
}

@test "rejects a path count beyond 64 bits" {
	usage_fails "--paths: invalid count '18446744073709551616'" -n 18446744073709551616
}

@test "rejects a non-numeric path count" {
	for n in abc '' 1.5 1e6 +5 ' 5' 5x; do
		usage_fails "--paths: invalid count '$n'" -n "$n"
	done
}

@test "rejects a non-numeric shard count" {
	usage_fails "--shards: invalid count 'two'" -n 5 -s two
}

@test "requires --paths" {
	usage_fails "--paths is required"
	usage_fails "--paths is required" -s 3 --seed 7
}

@test "rejects an unknown long option" {
	getopt_fails "unrecognized option '--bogus'" -n 5 --bogus
}

@test "rejects an unknown short option" {
	getopt_fails "invalid option -- 'z'" -n 5 -z
}

@test "rejects an option without its value" {
	getopt_fails "option requires an argument -- 'n'" -n
	getopt_fails "option '--seed' requires an argument" -n 5 --seed
}

@test "rejects a stray argument" {
	usage_fails "unexpected argument 'x'" -n 5 x
	usage_fails "unexpected argument '10'" 10
}

# --- help, version, output errors ---------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run -0 --separate-stderr genseeds --help
	[ "${lines[0]}" = "$SYNOPSIS" ]
	[[ "$output" == *"-n, --paths N"* ]]
	[ "$stderr" = "" ]
	run -0 genseeds -h
	[ "${lines[0]}" = "$SYNOPSIS" ]
}

@test "the man page's synopsis is the --help usage" {
	needs_package man-db man
	needs_package bsdextrautils col
	run -0 synopsis_of "$ROOT/tools/genseeds.1"
	[ -n "$output" ]
	[ "$output" = "$(usage_of genseeds)" ]
}

@test "--version prints the version and exits 0" {
	run -0 --separate-stderr genseeds --version
	[ "$output" = "genseeds (mcpipe) 0.1.0" ]
	[ "$stderr" = "" ]
	run -0 genseeds -V
	[ "$output" = "genseeds (mcpipe) 0.1.0" ]
}

@test "a full disk is a write error with exit status 1" {
	[ -w /dev/full ] || skip "no /dev/full"
	run -1 --separate-stderr sh -c 'genseeds -n 10 -s 3 >/dev/full'
	[ "$stderr" = "genseeds: write error: No space left on device" ]
}

@test "a closed pipe ends genseeds quietly" {
	run -0 --separate-stderr bash -c \
		'timeout 20 genseeds -n 1000000000 -s 1000000000 | head -1; echo "${PIPESTATUS[0]}" >&2'
	[ "$output" = "# tool=genseeds paths=1000000000 seed=1" ]
	[ "$stderr" = 141 ]
}
