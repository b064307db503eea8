#!/usr/bin/env bats
# ziggurat.h: simpaths --normals ziggurat's standard normals, Marsaglia and
# Tsang's ziggurat on Philox words. The library's checks live in
# tests/unit/test_ziggurat.c (each test runs one part of it, which prints
# its measurements on stdout and one line per failure on stderr); the
# closed-form prices with these normals are in tests/stats.bats; what
# simpaths does with them in tests/simpaths.bats. Here too: partials of the
# two transforms are never summed together.

bats_require_minimum_version 1.5.0
load test_helper

@test "the tables: 256 layers of area v (x87 long double), the top one closing, Q(r) right" {
	run -0 --separate-stderr "$UNIT/test_ziggurat" tables
	echo "$output"
	[ "$stderr" = "" ]
	[[ "$output" == "tables: 256 layers of area v within "*" relative (the top one closing at 0)" ]]
}

# 10^7 normals drawn as simpaths draws them. Each moment and tail count is
# standardised by its exact sd under N(0,1) and must be within |z| < 5
# (P = 6e-7 each; 11 of them and the chi-square's, below 1e-5 together);
# KS sqrt(n) D < 2.3 (P = 5e-5). What fails: a layer's area off by 1% moves
# the chi-square on 2000 bins by far more than 5 sd; a tail not drawn (the
# rare words returned as x) fails P(|z| > 4); a wrong variance by 0.3%
# fails at z = 7.
@test "10^7 normals: moments, 7 tail probabilities, chi-square on 2000 bins and KS agree with N(0,1)" {
	not_sanitized
	run -0 --separate-stderr "$UNIT/test_ziggurat" moments
	echo "$output"
	[ "$stderr" = "" ]
	[[ "$output" == *"moments: Kolmogorov-Smirnov sqrt(n) D = "* ]]
}

@test "a word's normal is the same in any block, at any offset, of any width, its path given or counted" {
	run -0 --separate-stderr "$UNIT/test_ziggurat" determinism
	[ "$stderr" = "" ]
	[[ "$output" == "determinism: "*" words ("*" rare), 0 differences between a block and one word (or by ids)" ]]
}

@test "the word with its sign bit flipped gives exactly -z (antithetic mirrors)" {
	run -0 --separate-stderr "$UNIT/test_ziggurat" mirror
	[ "$stderr" = "" ]
	[ "$output" = "mirror: 1024000 words, 0 whose sign-flipped word is not exactly -z" ]
}

@test "known answer: the hash of 10^6 normals of seed 42 (the same on every CPU and vector width)" {
	run -0 --separate-stderr "$UNIT/test_ziggurat" kat
	[ "$stderr" = "" ]
	[ "$output" = "kat: 73ab185deff68ba1" ]
}

# Two shards of one run, one drawn with each transform: aggregate refuses
# to sum them, whichever comes first, and so does a stream of both.
@test "aggregate refuses partials of the two transforms, in either order" {
	cd "$BATS_TEST_TMPDIR"
	genseeds -n 2000 -s 2 --seed 5 >seeds.tsv
	sed -n '1,3p' seeds.tsv | simpaths --normals ziggurat -p call --partial >zig.tsv
	sed -n '1,2p;4p' seeds.tsv | simpaths -p call --partial >inv.tsv
	run -1 --separate-stderr aggregate zig.tsv inv.tsv
	[ "$output" = "" ]
	[ "$stderr" = "aggregate: inv.tsv: metadata has no normals= but zig.tsv:1 has normals=ziggurat (another run?)" ]
	run -1 --separate-stderr aggregate inv.tsv zig.tsv
	[ "$stderr" = "aggregate: zig.tsv:1: metadata normals=ziggurat is not in the first input (another run?)" ]
	# the same shards by one transform merge
	sed -n '1,2p;4p' seeds.tsv | simpaths --normals ziggurat -p call --partial >zig1.tsv
	run -0 aggregate zig.tsv zig1.tsv
	[ "${lines[0]}" = "# tool=aggregate paths=2000 seed=5 model=gbm s0=100 r=0.05 q=0 sigma=0.2 T=1 steps=1 emit=terminal antithetic=0 normals=ziggurat payoff=call strike=100" ]
}

@test "genseeds with 1 and 7 shards gives the same partial byte for byte with the ziggurat" {
	cd "$BATS_TEST_TMPDIR"
	genseeds -n 20000 -s 1 --seed 3 | simpaths --normals ziggurat --steps 5 -e summary \
		-p asian-call-arith --partial >one.tsv
	genseeds -n 20000 -s 7 --seed 3 | simpaths --normals ziggurat --steps 5 -e summary \
		-p asian-call-arith --partial >seven.tsv
	cmp <(aggregate one.tsv) <(aggregate seven.tsv)
}
