#!/usr/bin/env bats
# Every ```sh block in README.md works exactly as written.

load test_helper

# Prints block number $1 (1-based) of the README's ```sh blocks.
readme_block() {
	awk -v want="$1" '/^```sh$/ { n++; inside = 1; next }
	                  /^```$/ { inside = 0; next }
	                  inside && n == want' "$ROOT/README.md"
}

@test "the README opens with make price and make test" {
	run -0 grep -m2 -n '^    make ' "$ROOT/README.md"
	[[ "${lines[0]}" == *"make price"* ]]
	[[ "${lines[1]}" == *"make test"* ]]
}

@test "every sh block of the README runs as written" {
	not_sanitized
	export HOME="$BATS_TEST_TMPDIR"
	cd "$BATS_TEST_TMPDIR"
	count=$(grep -c '^```sh$' "$ROOT/README.md")
	[ "$count" -ge 6 ]
	for i in $(seq 1 "$count"); do
		readme_block "$i" >block.sh
		# Not pipefail: `sort | head` closes sort's pipe early, as in any shell.
		# Any tool failing on the way still shows on stderr.
		run --separate-stderr bash -e block.sh
		if [ "$status" -ne 0 ] || [ -z "$output" ] || [ -n "$stderr" ]; then
			echo "README block $i failed (status $status):"; cat block.sh; echo "$output"; echo "$stderr"
			return 1
		fi
	done
}
