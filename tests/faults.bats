#!/usr/bin/env bats
# faults: injected I/O faults. A full disk (/dev/full), a closed standard
# output, a read error, a reader that goes away (`| head -1`), and an OUT
# directory that cannot be written. Each ends in a clear message and the
# contract's status, or, for a closed pipe, a quiet exit: no message, status
# 0 or 141 (SIGPIPE), never a hang.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	export HOME="$BATS_TEST_TMPDIR"   # GNU parallel keeps its state here
}

# Every tool and the commands that make it write: the main output, --help,
# --version, the partial. One per line; files are the test fixtures.
writers() {
	cat <<-EOF
	genseeds -n 10 -s 3
	genseeds --help
	simpaths --count 10
	simpaths --count 100000 -e summary --steps 4 -x
	simpaths --version
	payoff $FIXTURES/payoff/summary.tsv
	payoff -x -p asian-call-geo $FIXTURES/payoff/summary.tsv
	payoff --help
	aggregate $FIXTURES/aggregate/small.tsv
	aggregate -p $FIXTURES/aggregate/small.tsv
	aggregate --version
	gridgen x=1:3:1 y=a,b
	gridgen --help
	closedform
	closedform --version
	EOF
}

@test "a full disk (/dev/full): every tool says 'write error', exit 1, for output, help and version" {
	[ -w /dev/full ] || skip "no /dev/full"
	local failed=0 count=0 command tool
	while read -r command; do
		tool=${command%% *}
		count=$((count + 1))
		# shellcheck disable=SC2086
		run --separate-stderr sh -c 'exec "$@" >/dev/full' _ $command
		if [ "$status" -ne 1 ] || [ "$stderr" != "$tool: write error: No space left on device" ]; then
			echo "FAILED: $command >/dev/full: status $status, stderr: ${stderr:0:300}"
			failed=$((failed + 1))
		fi
	done < <(writers)
	echo "$count commands, $failed failed"
	[ "$failed" -eq 0 ]
}

@test "a closed standard output: 'write error: Bad file descriptor', exit 1" {
	local failed=0 command tool
	while read -r command; do
		tool=${command%% *}
		# shellcheck disable=SC2086
		run --separate-stderr sh -c 'exec "$@" >&-' _ $command
		if [ "$status" -ne 1 ] || [ "$stderr" != "$tool: write error: Bad file descriptor" ]; then
			echo "FAILED: $command >&-: status $status, stderr: ${stderr:0:300}"
			failed=$((failed + 1))
		fi
	done < <(writers)
	[ "$failed" -eq 0 ]
}

@test "a read error (EIO from /proc/self/mem, EISDIR): named, exit 1, nothing on stdout" {
	run -1 --separate-stderr aggregate /proc/self/mem
	[ "$stderr" = "aggregate: /proc/self/mem: read error: Input/output error" ]
	[ -z "$output" ]
	run -1 --separate-stderr payoff /proc/self/mem
	[ "$stderr" = "payoff: /proc/self/mem: read error: Input/output error" ]
	[ -z "$output" ]
	run -1 --separate-stderr simpaths /proc/self/mem
	[ "$stderr" = "simpaths: /proc/self/mem: read error: Input/output error" ]
	[ -z "$output" ]
	run -1 --separate-stderr aggregate "$FIXTURES/aggregate/small.tsv" "$FIXTURES"
	[ "$stderr" = "aggregate: $FIXTURES: read error: Is a directory" ]
	[ -z "$output" ]
}

# closed_pipe PIPELINE: runs `PIPELINE | head -1` under pipefail, SIGPIPE as
# the shell left it (default: the writer dies of it), or ignored with
# IGNORE=1 (writes fail with EPIPE instead). Every stage must end with
# status 0 or 141, quietly; the stages run under `timeout 20`, so a hang
# shows as 124.
closed_pipe() {
	local script="set -o pipefail; $1 | head -1 >/dev/null; echo \${PIPESTATUS[*]}"
	[ -n "${IGNORE:-}" ] && script="trap '' PIPE; $script"
	run --separate-stderr bash -c "$script"
	echo "${IGNORE:+(SIGPIPE ignored) }$1: stages ended with $output; stderr: ${stderr:0:300}"
	[ -z "$stderr" ]
	local stage
	for stage in $output; do
		[[ $stage == 0 || $stage == 141 ]]
	done
}

@test "a closed pipe: simpaths --count 100000000 | head -1 exits quietly, at once" {
	closed_pipe 'timeout 20 simpaths --count 100000000'
	IGNORE=1 closed_pipe 'timeout 20 simpaths --count 100000000'
	closed_pipe 'timeout 20 simpaths --count 10000000 -e path --steps 12 -x'
}

@test "a closed pipe: genseeds -n 1000000 -s 1000000 | head -1 exits quietly" {
	closed_pipe 'timeout 20 genseeds -n 1000000 -s 1000000'
	IGNORE=1 closed_pipe 'timeout 20 genseeds -n 1000000 -s 1000000'
}

@test "a closed pipe: gridgen x=0:1000000:1 | head -1 exits quietly" {
	closed_pipe 'timeout 20 gridgen x=0:1000000:1'
	IGNORE=1 closed_pipe 'timeout 20 gridgen x=0:1000000:1'
	closed_pipe 'timeout 20 gridgen x=0:9999:1 y=0:9999:1'
}

@test "a closed pipe mid-pipeline: simpaths | payoff | head -1, both upstream stages quiet" {
	closed_pipe 'timeout 20 simpaths --count 10000000 | timeout 20 payoff'
	IGNORE=1 closed_pipe 'timeout 20 simpaths --count 10000000 -x | timeout 20 payoff -x'
	IGNORE=1 closed_pipe 'timeout 20 genseeds -n 10000000 -s 4 | timeout 20 simpaths | timeout 20 payoff'
}

# --- an OUT directory that cannot be written: price stops before any work ----

# price_refuses OUT: `price` with that OUT exits 2 with a "price: OUT=..."
# message, and no price.tsv appears anywhere under it.
price_refuses() {
	OUT=$1 PATHS=1000 SHARDS=2 JOBS=1 run -2 --separate-stderr price
	echo "stderr: $stderr"
	[[ $stderr == "price: OUT=$1: "* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[ -z "$(find "$BATS_TEST_TMPDIR" -name 'price.tsv*')" ]
}

@test "an unwritable OUT: a regular file where the directory should be" {
	: >not-a-directory
	price_refuses not-a-directory
	price_refuses not-a-directory/sub
}

@test "an unwritable OUT: a directory under /proc (root may write anywhere else)" {
	price_refuses /proc/mcpipe-out
	price_refuses /proc/self
}

@test "an unwritable OUT: its runs/ is a regular file" {
	mkdir out
	: >out/runs
	price_refuses out
}
