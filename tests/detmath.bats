#!/usr/bin/env bats
# detmath.h: our own exp, log, normal quantile and uniform, bit-identical on
# every CPU and vector width. The checks live in tests/unit/test_detmath.c;
# each test runs one part of it, which prints its measurements on stdout and
# one line per failure on stderr.
#
# Under the sanitizers (build/asan: -O1, ASan and UBSan, about 3x slower)
# the parts that compare numbers over 10^7 inputs are skipped: kat runs
# det_exp, det_log, det_normal_quantile (central region and tails) and
# det_u01 sanitized on 10^6 inputs each (exp's underflow and overflow
# ranges, log's subnormals, the quantile's deep tails included), normals
# runs normals.h's gathering and both quantile branches at every length,
# and u01 and exp_lean (whose only other sanitized caller is scenarios)
# run whole.

bats_require_minimum_version 1.5.0
load test_helper

@test "det_exp is within 1 ulp of e^x on 10^7 points, exact at 0, 0 on underflow, inf on overflow" {
	not_sanitized   # numbers; kat runs det_exp sanitized, underflow and overflow included
	run -0 --separate-stderr "$UNIT/test_detmath" exp
	echo "$output"
	[ "$stderr" = "" ]
	[[ "$output" == *"exp: 10000000 points in [-745, 709.7]: max error 0."* ]]
}

@test "det_log is within 1 ulp of log x on 10^7 positive doubles, subnormals included; log 1 = 0" {
	not_sanitized   # numbers; kat runs det_log sanitized, subnormals included
	run -0 --separate-stderr "$UNIT/test_detmath" log
	echo "$output"
	[ "$stderr" = "" ]
	[[ "$output" == *" subnormals: max error 0."* ]]
}

@test "det_normal_quantile inverts Phi, is exactly antisymmetric on det_u01 pairs and increasing" {
	not_sanitized   # numbers; the quantile's code runs sanitized in kat and normals
	run -0 --separate-stderr "$UNIT/test_detmath" quantile
	echo "$output"
	[ "$stderr" = "" ]
	[[ "$output" == *"quantile: 0 antisymmetry failures in 2000000 det_u01 pairs, 0 monotonicity failures"* ]]
}

@test "det_u01 lies in (0,1) and det_u01(~b) is exactly 1 - det_u01(b)" {
	run -0 --separate-stderr "$UNIT/test_detmath" u01
	[ "$stderr" = "" ]
	[ "$output" = "u01: range [0x1p-53, 0x1.fffffffffffffp-1], det_u01(~b) == 1 - det_u01(b) on 10^6 draws" ]
}

@test "a vectorisable loop and an opaque scalar call give the same bits at every offset" {
	not_sanitized   # the sanitized build (-O1) has no vector loops to compare
	run -0 --separate-stderr "$UNIT/test_detmath" determinism
	[ "$stderr" = "" ]
	[ "$output" = "determinism: 1000000 inputs x 16 offsets x 4 loops: 0 differences between loop and scalar call" ]
}

@test "a million results of each function hash to the recorded known answers" {
	run -0 --separate-stderr "$UNIT/test_detmath" kat
	echo "$output"
	[ "$stderr" = "" ]
	[ "${lines[0]}" = "kat: det_exp              5c2569b6092bbb9e" ]
	[ "${lines[3]}" = "kat: det_u01              b917341082eb8b93" ]
}

@test "an unknown part is a usage error" {
	run -2 --separate-stderr "$UNIT/test_detmath" nosuchpart
	[ "$stderr" = "test_detmath: unknown part 'nosuchpart'" ]
	run -2 --separate-stderr "$UNIT/test_detmath"
	[[ "$stderr" == "usage: test_detmath "* ]]
}

@test "speed of det_exp, det_log and det_normal_quantile (printed, not checked)" {
	not_sanitized
	run -0 --separate-stderr "$UNIT/test_detmath" bench
	[ "$stderr" = "" ]
	printf '# %s\n' "${lines[@]}" >&3
}

@test "det_normal_quantile_central equals det_normal_quantile bit for bit on the central region" {
	not_sanitized   # numbers; both run sanitized in kat and normals
	run -0 --separate-stderr "$UNIT/test_detmath" central
	echo "$output"
	[ "$stderr" = "" ]
	[[ "$output" == *" mismatches"* ]]
	[[ "$output" == *", 0 mismatches"* ]]
}

@test "det_normal_quantile_tail equals det_normal_quantile bit for bit outside the central region" {
	not_sanitized   # numbers; both run sanitized in kat and normals
	run -0 --separate-stderr "$UNIT/test_detmath" tail
	echo "$output"
	[ "$stderr" = "" ]
	[[ "$output" == "tail: "*" values outside the central region, 0 mismatches" ]]
}

@test "normals_from_words (normals.h) gives det_normal_quantile of every word, at every length" {
	run -0 --separate-stderr "$UNIT/test_detmath" normals
	echo "$output"
	[ "$stderr" = "" ]
	[[ "$output" == "normals: "*" values ("*" in the tails), 0 mismatches" ]]
}

@test "det_exp_lean is within 1 ulp of e^x on [-708, 709], the same bits in a loop and a call, 1 at 0, 0 below -708" {
	run -0 --separate-stderr "$UNIT/test_detmath" exp_lean
	echo "$output"
	[ "$stderr" = "" ]
	[[ "$output" == "exp_lean: 12000000 points in [-708, 709]: max error 0."* ]]
}
