#!/usr/bin/env bats
# The random numbers: Philox4x32-10 (Random123) against its known answers,
# rng.h's key/counter/output layout, and the uniform and normal draws
# simpaths makes from it. The checks themselves live in tests/unit/test_rng.c.

bats_require_minimum_version 1.5.0
load test_helper

KAT="$FIXTURES/rng/kat_vectors.txt"

@test "the known-answer file holds Random123's three philox4x32 10 vectors" {
	run -0 grep -c '^philox4x32 10 ' "$KAT"
	[ "$output" = 3 ]
}

@test "Philox4x32-10 and rng_block reproduce Random123's known answers" {
	run -0 --separate-stderr "$UNIT/test_rng" kat "$KAT"
	[ "$output" = "kat: 3 vectors from $KAT" ]
	[ "$stderr" = "" ]
}

@test "a wrong known answer fails the check" {
	sed 's/d16cfe09 94fdcceb/d16cfe09 94fdccec/' "$KAT" >"$BATS_TEST_TMPDIR/kat"
	run -1 --separate-stderr "$UNIT/test_rng" kat "$BATS_TEST_TMPDIR/kat"
	[[ "$stderr" == *"kat:8: philox4x32_R(10) gave d16cfe09 94fdcceb 5001e420 24126ea1"* ]]
	[[ "$stderr" == *"kat:8: rng_block gave "* ]]
}

@test "a malformed known-answer line is a fixture error, not a pass" {
	printf 'philox4x32 10 00000000 00000000\n' >"$BATS_TEST_TMPDIR/kat"
	run -2 --separate-stderr "$UNIT/test_rng" kat "$BATS_TEST_TMPDIR/kat"
	[ "$stderr" = "test_rng: $BATS_TEST_TMPDIR/kat:1: not a philox4x32 10 vector" ]
}

@test "uniforms lie in (0,1) with the right mean, variance and histogram" {
	run -0 --separate-stderr "$UNIT/test_rng" uniform
	[[ "$output" == *"1000000 draws, 0 outside (0,1)"* ]]
	[ "$stderr" = "" ]
}

@test "normals have the right moments and tail frequencies" {
	run -0 --separate-stderr "$UNIT/test_rng" normal
	[ "$stderr" = "" ]
}

@test "mirrored draws are exact negatives and |z| stays below 8.3" {
	run -0 --separate-stderr "$UNIT/test_rng" mirror
	[[ "$output" == *"0 uniform and 0 normal mirrors inexact"* ]]
	[ "$stderr" = "" ]
}
