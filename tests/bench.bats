#!/usr/bin/env bats
# bench: `make bench`'s measuring script (bench/run-bench.py) runs end to
# end and prints what issue 5 asks for: every implementation on both
# workloads (and the fused loop on every core, the ceiling), the ratios
# against their goals, the prices' agreement, the
# same bits from JOBS=1 and all cores, and peak memory as PATHS grows.
# Its runs are cut to a few hundredths of a second each, so the numbers
# mean nothing here; `make bench` measures (bench/RESULTS.md).

load test_helper

@test "the bench's script prints every row, ratio and check, in a short run" {
	not_sanitized
	/usr/bin/python3 -c 'import numpy' ||
		{ echo "python3-numpy is missing: make deps-bench installs it" >&2; return 1; }
	cd "$ROOT"
	[ -x build/bench/fused ] ||
		{ echo "build/bench/fused is missing: make build/bench/fused" >&2; return 1; }
	# BENCH_Z=6: ten comparisons of tiny runs; 4 standard errors would
	# fail one run in 1600 by chance.
	run -0 --separate-stderr env MAKE=make BENCH_PYTHON=/usr/bin/python3 \
		FUSED_LOOP=build/bench/fused BENCH_SECONDS=0.05 BENCH_REPEAT=1 BENCH_Z=6 \
		/usr/bin/python3 bench/run-bench.py
	printf '%s\n' "${lines[@]}"
	local impl
	for workload in "European call" "Asian call, 252 steps"; do
		for impl in "fused C loop, 1 core" "fused C loop, $(nproc) cores" "numpy, 1 process" "numpy, ProcessPool($(nproc))" \
			"make price JOBS=1" "make price JOBS=$(nproc)" "... FUSED=0 JOBS=$(nproc)"; do
			[ "$(grep -cF "| $(printf '%-21s' "$impl") | $(printf '%-21s' "$workload") |" <<<"$output")" -eq 1 ]
		done
	done
	local goal line
	for goal in "Asian: make price (all cores) / fused limit" \
		"Asian: make price (all cores) / numpy pool($(nproc))" \
		"European: make price (all cores) / numpy pool($(nproc))" \
		"European: make price (all cores) / fused limit" \
		"European call: JOBS=$(nproc) / JOBS=1" "Asian call, 252 steps: JOBS=$(nproc) / JOBS=1"; do
		line=$(grep -F "$goal" <<<"$output")
		[[ "$line" =~ ^.+\ [0-9.]+x\ .*\>=\ [0-9.]+.*:\ (met|NOT\ met)$ ]]
	done
	# the ceiling: one fused loop per core, against one core, numpy's pool
	# and make price, on both workloads; and what the Asian 3x asks of it
	for goal in "European: fused on $(nproc) cores / fused on 1 core" \
		"European: fused on $(nproc) cores / numpy pool($(nproc))" "European: make price / fused on $(nproc) cores" \
		"Asian: fused on $(nproc) cores / fused on 1 core" \
		"Asian: fused on $(nproc) cores / numpy pool($(nproc))" "Asian: make price / fused on $(nproc) cores"; do
		[[ "$(grep -F "$goal" <<<"$output")" =~ ^.+\ [0-9.]+x\ +\([0-9.]+x\)$ ]]
	done
	grep -qE '^Asian, 3x the numpy pool: make price must reach [0-9]+% of the ceiling; it reached [0-9]+%$' <<<"$output"
	grep -qE '^prices agree within 6 standard errors +yes$' <<<"$output"
	grep -qE '^make price JOBS=1 and JOBS=[0-9]+: same estimate +yes \(identical bits\)$' <<<"$output"
	[ "$(grep -cE '^\| (European call|Asian call, 252 steps) +\| +[0-9]+ \|( +[0-9]+ \|){4}$' <<<"$output")" -eq 6 ]
	# Speed goals may be "NOT met" here: runs of 0.05 s on a machine other
	# jobs load measure start-up and noise, not speed (make bench measures).
	# Peak memory does not depend on load or run length: it must be flat.
	grep -qE '^peak memory flat as PATHS grows 100x +met$' <<<"$output"
}
