#!/usr/bin/env bats
# numtext: exact number text (hex floats, decimal parsing, shortest decimal,
# u64). The C program tests/unit/test_numtext.c does the work; see its usage.

load test_helper

@test "numtext: 10^6 doubles through num_format_hex and back, bit for bit, as glibc %a writes them" {
	"$UNIT/test_numtext" hex 1000000
}

@test "numtext: num_parse reads glibc's decimal renderings of 10^6 doubles exactly as strtod does" {
	"$UNIT/test_numtext" decimal 1000000
}

@test "numtext: num_format of 10^6 doubles is the shortest of %.15g/%.16g/%.17g that reads back" {
	"$UNIT/test_numtext" shortest 1000000
}

@test "numtext: junk, NaN, infinities and overflow are rejected; underflow is read as zero or subnormal" {
	"$UNIT/test_numtext" reject
}

@test "numtext: prints ns per value for formatting and parsing over 10^6 values" {
	not_sanitized
	run "$UNIT/test_numtext" bench 1000000
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 6 ]
	printf '# %s\n' "${lines[@]}" >&3
}

@test "numtext: 10^7 random doubles round-trip (expensive)" {
	expensive
	"$UNIT/test_numtext" hex 10000000 0x6e756d7465787402
	"$UNIT/test_numtext" decimal 10000000 0x6e756d7465787402
}
