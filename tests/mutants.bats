#!/usr/bin/env bats
# tests/mutants/list.tsv kept in step with the code: every row's snippet
# occurs once in its file and its suites exist (tests/mutants/run --check,
# nothing built or run). make mutants runs the mutants themselves.

load test_helper

@test "mutants: every row's snippet occurs exactly once in its file, its suites exist" {
	run -0 "$ROOT/tests/mutants/run" --check
	[[ "$output" == "mutants: "*" rows checked, none stale" ]]
}

@test "mutants --check: a stale row is named, exit 1" {
	cp -R "$ROOT/tests/mutants" "$BATS_TEST_TMPDIR/m"
	printf 'x-stale\ttools/lib/tail.c\tno such code\tother code\ttests/risk.bats\tkilled\n' >>"$BATS_TEST_TMPDIR/m/list.tsv"
	MUTANTS_LIST="$BATS_TEST_TMPDIR/m/list.tsv" run -1 "$ROOT/tests/mutants/run" --check 'x-*'
	[ "$output" = "x-stale: stale: the snippet occurs 0 times in tools/lib/tail.c, not once"$'\n'"mutants: 1 rows checked, some stale" ]
}

@test "mutants --check: a row on a file the runner cannot rebuild or run (the Makefile) is named, exit 1" {
	cp -R "$ROOT/tests/mutants" "$BATS_TEST_TMPDIR/m"
	printf 'x-make\tMakefile\tinclude mk/mutants.mk\tinclude mk/none.mk\ttests/pipeline.bats\tkilled\n' >>"$BATS_TEST_TMPDIR/m/list.tsv"
	MUTANTS_LIST="$BATS_TEST_TMPDIR/m/list.tsv" run -1 "$ROOT/tests/mutants/run" --check 'x-*'
	[ "$output" = "x-make: Makefile: not a file the runner rebuilds or runs (tools/, tests/unit/, pipeline/)"$'\n'"mutants: 1 rows checked, some stale" ]
	# a glue row (pipeline/) is one it runs
	printf 'x-glue\tpipeline/publish.bash\tmv -f -- "$1" "$2"\tmv -f -- "$2" "$1"\ttests/pipeline.bats\tkilled\n' >>"$BATS_TEST_TMPDIR/m/list.tsv"
	MUTANTS_LIST="$BATS_TEST_TMPDIR/m/list.tsv" run -0 "$ROOT/tests/mutants/run" --check 'x-glue'
	[ "$output" = "mutants: 1 rows checked, none stale" ]
}
