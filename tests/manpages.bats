#!/usr/bin/env bats
# manpages: every tool's man page renders without a warning (mandoc's lint
# and groff's, both warning levels on) and its SYNOPSIS is the tool's
# --help usage, word for word. The tools are the Makefile's TOOLS; each
# must have tools/<tool>.1.

bats_require_minimum_version 1.5.0
load test_helper

tools() {
	sed -n 's/^TOOLS *= *//p' "$ROOT/Makefile" | tr -s ' ' '\n' | grep .
}

@test "every tool has a man page, and mandoc and groff render it without a warning" {
	needs_package mandoc mandoc
	needs_package groff groff
	local t n=0 bad=0 out
	for t in $(tools); do
		[ -f "$ROOT/tools/$t.1" ] || { echo "$t: no tools/$t.1"; bad=$((bad + 1)); continue; }
		out=$(mandoc -T lint -W warning "$ROOT/tools/$t.1" 2>&1)
		out+=$(groff -mandoc -ww -z -Tutf8 "$ROOT/tools/$t.1" 2>&1)
		if [ -n "$out" ]; then
			echo "$out"
			bad=$((bad + 1))
		fi
		n=$((n + 1))
	done
	echo "$n pages, $bad with warnings"
	[ "$n" -ge 8 ]
	[ "$bad" -eq 0 ]
}

@test "every man page's SYNOPSIS is its tool's --help usage" {
	needs_package man-db man
	needs_package bsdextrautils col
	local t n=0 bad=0 man usage
	for t in $(tools); do
		man=$(synopsis_of "$ROOT/tools/$t.1")
		usage=$(usage_of "$t")
		if [ -z "$man" ] || [ "$man" != "$usage" ]; then
			printf '%s:\n  man:   %s\n  usage: %s\n' "$t" "$man" "$usage"
			bad=$((bad + 1))
		fi
		n=$((n + 1))
	done
	echo "$n tools, $bad differ"
	[ "$n" -ge 8 ]
	[ "$bad" -eq 0 ]
}
