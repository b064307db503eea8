#!/usr/bin/env bats
# numtext: exact number text (hex floats, decimal parsing, shortest decimal,
# u64). The C program tests/unit/test_numtext.c does the work; see its usage.

load test_helper

# How many random doubles each property test draws: 10^6, or 2*10^4 under
# the sanitizers. There the 10^6 cost a minute and a half of CPU (ASan's
# checks on every byte of every rendering) and find nothing the plain run
# has not: the same code paths, the same assertions and the fixed cases run
# under ASan and UBSan, on the first 2*10^4 values of the same sequence
# (each of random_double's 16 branches comes up about 1250 times; the
# sampled ones, a midpoint check every 256th value, 78 times, and %.3f
# beyond 1e25 on every 16th value, some hundreds of times).
random_count() {
	if [ -n "${MCPIPE_SANITIZED:-}" ]; then echo 20000; else echo 1000000; fi
}

@test "numtext: 10^6 doubles through num_format_hex and back, bit for bit, as glibc %a writes them" {
	"$UNIT/test_numtext" hex "$(random_count)"
}

@test "numtext: num_parse reads glibc's decimal renderings of 10^6 doubles exactly as strtod does" {
	"$UNIT/test_numtext" decimal "$(random_count)"
}

@test "numtext: num_format of 10^6 doubles is the shortest of %.15g/%.16g/%.17g that reads back" {
	"$UNIT/test_numtext" shortest "$(random_count)"
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
