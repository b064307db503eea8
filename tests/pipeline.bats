#!/usr/bin/env bats
# The user's jobs end to end: make price, grid and speedup, composed from
# the tools under GNU parallel. Small path counts: these test behaviour and
# determinism; tests/stats.bats tests the numbers.

load test_helper

setup() {
	export OUT="$BATS_TEST_TMPDIR/out" PATHS=200000 SEED=7
	export HOME="$BATS_TEST_TMPDIR"   # GNU parallel keeps its state here
}

@test "price writes price.tsv with the contract's header and a price row" {
	run -0 price
	[ -f "$OUT/price.tsv" ]
	run -0 grep -v '^#' "$OUT/price.tsv"
	[ "${lines[0]}" = "$(printf 'name\testimate\tstderr\tci95_low\tci95_high\tpaths')" ]
	[[ "${lines[1]}" == price$'\t'* ]]
	[ "$(echo "${lines[1]}" | cut -f6)" = 200000 ]
}

@test "price shows the estimate, the closed form, the z-score and paths per second" {
	run -0 price
	[[ "$output" == *"price  "* ]]
	[[ "$output" == *"closed form 10.450584"* ]]
	[[ "$output" == *"z = "* ]]
	[[ "$output" == *"paths/s"* ]]
	# z is (estimate - closed form) / stderr of price.tsv, and small: a
	# correct price is within 4 stderr with probability 1 - 6.3e-5
	z=$(sed -n 's/.*z = \([-+0-9.]*\).*/\1/p' <<<"$output" | head -n 1)
	awk -F '\t' -v z="$z" '$1 == "price" {
		want = ($2 - 10.450583572185565) / $3; print "z", z, "want", want
		found = 1; ok = z != "" && z - want < 0.006 && want - z < 0.006 && z <= 4 && z >= -4 }
		END { exit !(found && ok) }' "$OUT/price.tsv"
}

@test "price.tsv is byte-identical for SHARDS=1, SHARDS=7 and JOBS=1" {
	OUT="$BATS_TEST_TMPDIR/a" SHARDS=1 run -0 price
	OUT="$BATS_TEST_TMPDIR/b" SHARDS=7 run -0 price
	OUT="$BATS_TEST_TMPDIR/c" SHARDS=7 JOBS=1 run -0 price
	OUT="$BATS_TEST_TMPDIR/d" SHARDS=37 JOBS=2 run -0 price
	cmp "$BATS_TEST_TMPDIR/a/price.tsv" "$BATS_TEST_TMPDIR/b/price.tsv"
	cmp "$BATS_TEST_TMPDIR/a/price.tsv" "$BATS_TEST_TMPDIR/c/price.tsv"
	cmp "$BATS_TEST_TMPDIR/a/price.tsv" "$BATS_TEST_TMPDIR/d/price.tsv"
	# the shards' inner boundaries on the partials' blocks of 128 paths
	# (genseeds --align 128): no shard holds a block in part
	[ -z "$(grep -l '^path' "$BATS_TEST_TMPDIR"/[bd]/runs/*/shard-*.part)" ]
	# d's split is tapered for its 2 job slots (genseeds --taper 2: sizes
	# falling along each slot's run of shards), c's (JOBS=1) is not: the
	# same bytes
	cmp <(genseeds -n 200000 -s 37 --align 128 --taper 2 --seed 7) "$BATS_TEST_TMPDIR"/d/runs/*/seeds.tsv
	cmp <(genseeds -n 200000 -s 7 --align 128 --seed 7) "$BATS_TEST_TMPDIR"/c/runs/*/seeds.tsv
	# ssh (HOSTS) and SLURM runs, one shard a job, keep the plain split
	printf ':\n' >"$BATS_TEST_TMPDIR/hosts"
	OUT="$BATS_TEST_TMPDIR/g" SHARDS=37 JOBS=2 HOSTS="$BATS_TEST_TMPDIR/hosts" run -0 prepare-run
	cmp <(genseeds -n 200000 -s 37 --align 128 --seed 7) "$output/seeds.tsv"
	OUT="$BATS_TEST_TMPDIR/h" SHARDS=37 JOBS=2 SCHEDULER=slurm run -0 prepare-run
	cmp <(genseeds -n 200000 -s 37 --align 128 --seed 7) "$output/seeds.tsv"
	# and so does QMC: shards of whole replicates (genseeds --multiple)
	OUT="$BATS_TEST_TMPDIR/q" PATHS=262144 SHARDS=37 JOBS=2 QMC=sobol REPLICATES=8 run -0 prepare-run
	cmp <(genseeds -n 262144 -s 37 --multiple 8 --seed 7) "$output/seeds.tsv"
	# 4000 paths in 37 shards: fewer whole blocks (31) than shards, so the
	# plain split: the shards hold blocks in part, which wait as path rows
	# (DESIGN.md), and give the same bytes
	OUT="$BATS_TEST_TMPDIR/e" PATHS=4000 SHARDS=1 run -0 price
	OUT="$BATS_TEST_TMPDIR/f" PATHS=4000 SHARDS=37 run -0 price
	cmp "$BATS_TEST_TMPDIR/e/price.tsv" "$BATS_TEST_TMPDIR/f/price.tsv"
	grep -q '^path' "$BATS_TEST_TMPDIR"/f/runs/*/shard-1.part
	grep -q '^path' "$BATS_TEST_TMPDIR"/f/runs/*/shard-36.part
}

@test "price equals the pipeline a user types by hand" {
	SHARDS=3 run -0 price
	genseeds -n 200000 -s 5 --seed 7 | simpaths --normals ziggurat | payoff | aggregate >"$BATS_TEST_TMPDIR/hand.tsv"
	diff <(grep -v '^#' "$OUT/price.tsv") <(grep -v '^#' "$BATS_TEST_TMPDIR/hand.tsv")
}

@test "FUSED=0 (the text pipeline) and FUSED=1 give the same bytes, and their shards mix" {
	for payoff in call asian-call-arith; do
		export PAYOFF=$payoff STEPS=$([ $payoff = call ] && echo 1 || echo 12) CONTROL=1
		OUT="$BATS_TEST_TMPDIR/fused" SHARDS=5 run -0 price
		OUT="$BATS_TEST_TMPDIR/text" SHARDS=5 FUSED=0 run -0 price
		cmp "$BATS_TEST_TMPDIR/fused/price.tsv" "$BATS_TEST_TMPDIR/text/price.tsv"
		cmp <(cat "$BATS_TEST_TMPDIR"/fused/runs/*/shard-*.part) \
		    <(cat "$BATS_TEST_TMPDIR"/text/runs/*/shard-*.part)
	done
	# a run resumed with the other kind of shard
	rm "$BATS_TEST_TMPDIR"/text/runs/*/shard-[02].part "$BATS_TEST_TMPDIR/text/price.tsv"
	OUT="$BATS_TEST_TMPDIR/text" SHARDS=5 run -0 price
	cmp "$BATS_TEST_TMPDIR/fused/price.tsv" "$BATS_TEST_TMPDIR/text/price.tsv"
	FUSED=2 run -2 --separate-stderr price
	[ "$stderr" = "price: FUSED=2: want 0 or 1" ]
}

@test "American: FUSED=0 (simpaths | exercise | aggregate) and FUSED=1 give the same bytes, and their shards mix" {
	export PAYOFF=american-put STEPS=10 PATHS=100000 TRAIN_PATHS=20000
	OUT="$BATS_TEST_TMPDIR/fused" SHARDS=5 run -0 price
	OUT="$BATS_TEST_TMPDIR/text" SHARDS=5 FUSED=0 run -0 price
	cmp "$BATS_TEST_TMPDIR/fused/price.tsv" "$BATS_TEST_TMPDIR/text/price.tsv"
	cmp <(cat "$BATS_TEST_TMPDIR"/fused/runs/*/shard-*.part) \
	    <(cat "$BATS_TEST_TMPDIR"/text/runs/*/shard-*.part)
	cmp "$BATS_TEST_TMPDIR"/fused/runs/*/coefficients.tsv "$BATS_TEST_TMPDIR"/text/runs/*/coefficients.tsv
	# a run resumed with the other kind of shard
	rm "$BATS_TEST_TMPDIR"/text/runs/*/shard-[13].part "$BATS_TEST_TMPDIR/text/price.tsv"
	OUT="$BATS_TEST_TMPDIR/text" SHARDS=5 run -0 price
	cmp "$BATS_TEST_TMPDIR/fused/price.tsv" "$BATS_TEST_TMPDIR/text/price.tsv"
}

@test "a rerun reuses finished shards and gives the same result" {
	SHARDS=4 run -0 price
	cp "$OUT/price.tsv" "$BATS_TEST_TMPDIR/first.tsv"
	part=$(ls "$OUT"/runs/*/shard-2.part)
	rm "$part"
	touch -d '2000-01-01' "$OUT"/runs/*/shard-0.part
	SHARDS=4 run -0 price
	[ -s "$part" ]                                              # recomputed
	[ -z "$(find "$OUT"/runs/*/shard-0.part -newer "$part")" ]   # kept
	cmp "$BATS_TEST_TMPDIR/first.tsv" "$OUT/price.tsv"
	# every partial there: nothing to run (GNU parallel, started before
	# the shards were known, stopped), the same result, no temporary left
	SHARDS=4 run -0 price
	cmp "$BATS_TEST_TMPDIR/first.tsv" "$OUT/price.tsv"
	[ -z "$(find "$OUT" -name '*.tmp*')" ]
}

@test "changed parameters never reuse another run's shards" {
	run -0 price
	SIGMA=0.3 run -0 price
	[ "$(ls -d "$OUT"/runs/* | wc -l)" -eq 2 ]
	run -0 grep -c 'sigma=0.3' "$OUT/price.tsv"
}

@test "path-dependent payoffs run through make price with the summary emission" {
	PAYOFF=asian-call-geo STEPS=12 run -0 price
	run -0 grep -c 'emit=summary' "$OUT/price.tsv"
	PAYOFF=up-and-out-call STEPS=12 BARRIER=130 run -0 price
	run -0 grep -c 'payoff=up-and-out-call' "$OUT/price.tsv"
}

@test "price refuses an unknown payoff, naming the catalog, with status 2" {
	PAYOFF=bogus run -2 --separate-stderr price
	[ "$stderr" = "price: PAYOFF=bogus: unknown payoff (payoff --describe lists them)" ]
	[ ! -e "$OUT/price.tsv" ]
}

@test "price refuses a negative sigma and a zero maturity before any work" {
	SIGMA=-0.1 run -2 --separate-stderr price
	[ "$stderr" = "price: SIGMA=-0.1: want a number, zero or more" ]
	T=0 run -2 --separate-stderr price
	[ "$stderr" = "price: T=0: want a positive number" ]
	[ ! -e "$OUT/price.tsv" ]
}

@test "price refuses PATHS=0, PATHS=1 and an unwritable OUT" {
	PATHS=0 run -2 --separate-stderr price
	[ "$stderr" = "price: PATHS=0: want a whole number from 2 to 1000000000000000" ]
	# one path has no standard error: refused before it is simulated
	PATHS=1 run -2 --separate-stderr price
	[ "$stderr" = "price: PATHS=1: want a whole number from 2 to 1000000000000000" ]
	OUT=/proc/mcpipe-out run -2 --separate-stderr price
	[ "$stderr" = "price: OUT=/proc/mcpipe-out: cannot create the directory" ]
}

@test "a failing shard fails the run and leaves no price.tsv" {
	SHARDS=4 run -0 price
	rm "$OUT/price.tsv"
	rundir=$(ls -d "$OUT"/runs/*)
	rm "$rundir"/shard-*.part
	# Corrupt the seeds of one shard: simpaths must refuse it.
	spoil_shard "$rundir" 2
	SHARDS=4 run -1 --separate-stderr price
	[[ "$stderr" == *"simpaths: stdin:3: invalid first 'junk'"* ]]
	[[ "$stderr" == *"price: a shard failed"* ]]
	[ ! -e "$OUT/price.tsv" ]
}

# fails_on_shard SHARD KEPT...: $rundir's partials and the result removed,
# SHARD's seeds spoilt (spoil_shard), price run again (the caller's
# variables): it fails naming SHARD, and the partials left are exactly
# those of the KEPT shards (finished before the failure stopped the run).
fails_on_shard() {
	rm "$OUT/price.tsv" "$rundir"/shard-*.part
	spoil_shard "$rundir" "$1"
	run -1 --separate-stderr price
	[[ "$stderr" == *"simpaths: stdin:3: invalid first 'junk'"* ]]
	[[ "$stderr" == *$'\n'"price: shard $1 failed: exit status 1"$'\n'* ]]
	shift
	[ "$(cd "$rundir" && ls shard-*.part)" = "$(printf 'shard-%s.part\n' "$@")" ]
	[ ! -e "$OUT/price.tsv" ]
}

@test "shards go several to a GNU parallel job, each its own partial; a failed group names its shard" {
	# JOBS=2: two jobs of three shards (one a job slot)
	PATHS=60000 SHARDS=6 JOBS=2 run -0 price
	cp "$OUT/price.tsv" "$BATS_TEST_TMPDIR/grouped.tsv"
	rundir=$(ls -d "$OUT"/runs/*)
	[ "$(ls "$rundir"/shard-*.part | wc -l)" -eq 6 ]
	[ "$(tail -n +2 "$rundir/jobs.log" | cut -f 9 | sed 's,.*/runs/[0-9a-f]* ,,' | sort)" = "0 1 2"$'\n'"3 4 5" ]
	# (the joblog, written under OUT until the run directory is known, moved)
	[ -z "$(find "$OUT" -name 'jobs.log.tmp*')" ]
	PATHS=60000 SHARDS=1 OUT="$BATS_TEST_TMPDIR/one" run -0 price
	cmp "$BATS_TEST_TMPDIR/grouped.tsv" "$BATS_TEST_TMPDIR/one/price.tsv"
	# JOBS=1, one job of six: shard 4 refused, shard 3 before it done and
	# kept, 5 never started
	PATHS=60000 SHARDS=6 JOBS=1 fails_on_shard 4 0 1 2 3
}

@test "a job slot that starts late gets no more work: the other takes its shards (same bytes); a taken shard that fails is the one named" {
	not_sanitized   # the glue's tests; the tools' sanitized runs are in their own suites
	PATHS=60000 SHARDS=6 OUT="$BATS_TEST_TMPDIR/plain" run -0 price
	# price-shard, wrapped: the job of shard 0's group starts only when its
	# shards are all done, or after 60 s, and says which were done then
	# (price's head start, MCPIPE_STEAL=head, takes nothing: this test
	# orders the job slots)
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	export LATE_LOG="$BATS_TEST_TMPDIR/late.log"
	cat >"$BATS_TEST_TMPDIR/bin/price-shard" <<-'EOF'
	#!/bin/bash
	[ "${MCPIPE_STEAL:-}" != head ] || exit 0
	if [ "$2" = 0 ]; then
		for _ in $(seq 1200); do
			[ -s "$1/shard-0.part" ] && [ -s "$1/shard-1.part" ] && [ -s "$1/shard-2.part" ] && break
			sleep 0.05
		done
		for s in "${@:2}"; do [ ! -s "$1/shard-$s.part" ] || echo "$s" >>"$LATE_LOG"; done
	fi
	exec "$ROOT/pipeline/price-shard" "$@"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/price-shard"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" PATHS=60000 SHARDS=6 JOBS=2 run -0 price
	rundir=$(ls -d "$OUT"/runs/*)
	# groups 0 1 2 and 3 4 5 (the joblog), and the late one found its own done
	[ "$(tail -n +2 "$rundir/jobs.log" | cut -f 9 | sed 's,.*/runs/[0-9a-f]* ,,' | sort)" = "0 1 2"$'\n'"3 4 5" ]
	[ "$(cat "$LATE_LOG")" = "0"$'\n'"1"$'\n'"2" ]
	cmp "$OUT/price.tsv" "$BATS_TEST_TMPDIR/plain/price.tsv"
	[ -z "$(find "$OUT" -name '*.tmp.*')" ]
	# shard 1 refused: the slot of 3 4 5 takes 0 (the next free shard,
	# from the first up), then fails on 1, which the report names (not its
	# own last shard); 2 is never computed
	rm "$LATE_LOG"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" PATHS=60000 SHARDS=6 JOBS=2 fails_on_shard 1 0 3 4 5
}

@test "a temporary partial of a killed shard whose pid a live process now has (pid reuse) is no claim: the rerun computes that shard" {
	not_sanitized   # the glue's tests; the tools' sanitized runs are in their own suites
	PATHS=4000 SHARDS=4 JOBS=2 run -0 price
	cp "$OUT/price.tsv" "$BATS_TEST_TMPDIR/first.tsv"
	rundir=$(ls -d "$OUT"/runs/*)
	rm "$OUT/price.tsv" "$rundir/shard-1.part"
	# shards 1 and 2's processes were killed (kill -9: their temporaries
	# stay) and their pids are now a process that is no price-shard, and
	# another run's price-shard
	rm "$rundir/shard-2.part"
	sleep 60 &
	pid=$!
	mkdir -p "$rundir/tmp"
	: >"$rundir/tmp/shard-1.part.tmp.${HOSTNAME:-host}.$pid"
	mkdir -p "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/other"
	printf '#!/bin/bash\nsleep 60 &\ntrap "kill $!" TERM\nwait\n' >"$BATS_TEST_TMPDIR/bin/price-shard"
	chmod +x "$BATS_TEST_TMPDIR/bin/price-shard"
	"$BATS_TEST_TMPDIR/bin/price-shard" "$BATS_TEST_TMPDIR/other" 2 &
	other=$!
	: >"$rundir/tmp/shard-2.part.tmp.${HOSTNAME:-host}.$other"
	# (before: price-shard took a live pid for a slot computing the shard
	# and skipped it, as did every other slot: aggregate found its paths
	# missing, at every rerun while that process lived)
	PATHS=4000 SHARDS=4 JOBS=2 run -0 price
	kill "$pid" "$other"
	cmp <(grep -v '^#' "$OUT/price.tsv") <(grep -v '^#' "$BATS_TEST_TMPDIR/first.tsv")
}

@test "parallel-run --many --stdin: the shards on its input, one group a job slot; no input: nothing run, nothing left; no run directory: refused" {
	PATHS=50000 SHARDS=5 JOBS=2 run -0 price
	cp "$OUT/price.tsv" "$BATS_TEST_TMPDIR/first.tsv"
	rundir=$(ls -d "$OUT"/runs/*)
	rm "$rundir"/shard-*.part
	printf '%s\n' "$rundir" 0 1 2 3 4 >"$BATS_TEST_TMPDIR/input"
	JOBS=2 run -0 parallel-run --many --stdin "$BATS_TEST_TMPDIR/log" <"$BATS_TEST_TMPDIR/input"
	# groups of 3 and 2 shards, the joblog moved into the run directory
	[ "$(tail -n +2 "$rundir/jobs.log" | cut -f 9 | sed 's,.*/runs/[0-9a-f]* ,,' | sort)" = "0 1 2"$'\n'"3 4" ]
	[ ! -e "$BATS_TEST_TMPDIR/log" ]
	PATHS=50000 SHARDS=5 JOBS=2 run -0 price
	cmp "$BATS_TEST_TMPDIR/first.tsv" "$OUT/price.tsv"
	# nothing to run: exit 0 at once, no joblog left
	JOBS=2 run -0 parallel-run --many --stdin "$BATS_TEST_TMPDIR/log" </dev/null
	[ -z "$output" ]
	[ ! -e "$BATS_TEST_TMPDIR/log" ]
	printf '%s\n' "$BATS_TEST_TMPDIR/none" 0 >"$BATS_TEST_TMPDIR/input"
	JOBS=2 run -2 --separate-stderr parallel-run --many --stdin "$BATS_TEST_TMPDIR/log" <"$BATS_TEST_TMPDIR/input"
	[ "$stderr" = "price: $BATS_TEST_TMPDIR/none: no such run directory" ]
	[ ! -e "$BATS_TEST_TMPDIR/log" ]
}

@test "parallel-run: a JOBS that is not a number is refused, never evaluated (bash's arithmetic would run \$(...) in it)" {
	PATHS=50000 SHARDS=2 JOBS=2 run -0 price
	rundir=$(ls -d "$OUT"/runs/*)
	rm "$rundir"/shard-*.part
	local v
	for v in 'a[$(touch canary)]' '1+1' 'x' '0' '-1' '08'; do
		printf '%s\n' "$rundir" 0 1 >"$BATS_TEST_TMPDIR/input"
		JOBS=$v run -2 --separate-stderr parallel-run --many --stdin "$BATS_TEST_TMPDIR/log" <"$BATS_TEST_TMPDIR/input"
		[ "$stderr" = "price: JOBS=$v: want a positive integer" ]
		JOBS=$v run -2 --separate-stderr parallel-run --many "$rundir" 0 1
		[ "$stderr" = "price: JOBS=$v: want a positive integer" ]
		[ ! -e canary ]
	done
	[ -z "$(ls "$rundir"/shard-*.part 2>/dev/null)" ]
}

@test "parallel-run, stopped by TERM: a job that GNU parallel did not count (its own session here) is stopped too, and waited for" {
	# GNU parallel counts a job once its fork returns and stops only the
	# jobs it counted: a TERM in between left a shard running (CI). A job
	# in a session of its own is a job parallel's stop cannot reach, every
	# time: parallel-run finds it by the mark in its environment.
	mkdir "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/run"
	# (shard 1's without PARALLEL_PID: as a job forked and not yet exec'd
	# is, a copy of parallel, which sets it in perl's %ENV, not in the
	# environment its /proc/PID/environ shows)
	cat >"$BATS_TEST_TMPDIR/bin/escaping-shard" <<-'EOF'
		#!/bin/bash
		if [ "$2" = 1 ]; then unset PARALLEL_PID; fi
		setsid sleep 300 &
		echo "$!" >"$1/escaped-$2"
		wait
	EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/escaping-shard"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" JOBS=2 parallel-run --shard escaping-shard "$BATS_TEST_TMPDIR/run" 0 1 \
		>/dev/null 2>&1 </dev/null &
	local runner=$! status=0
	for _ in $(seq 3000); do [ -s "$BATS_TEST_TMPDIR/run/escaped-1" ] && [ -s "$BATS_TEST_TMPDIR/run/escaped-0" ] && break; sleep 0.02; done
	local escaped
	escaped=$(cat "$BATS_TEST_TMPDIR/run/escaped-0" "$BATS_TEST_TMPDIR/run/escaped-1")
	kill -0 $escaped
	kill -TERM "$runner"
	wait "$runner" || status=$?
	[ "$status" -eq 143 ]
	# parallel-run has waited for them: ended as it exits
	run ! running $escaped
}

@test "parallel-run, stopped by TERM as GNU parallel starts (which ignores TERM then): stopped at once, not at the run's end" {
	# parallel 20221122 ignores TERM until it starts its first job: a TERM
	# in its first 0.1-0.3 s was lost, and the run went on to its end. Here
	# a parallel that ignores TERM for its first half second, as that start
	# does; parallel-run sends TERM again until it ends.
	mkdir "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/run"
	local real
	real=$(command -v parallel)
	cat >"$BATS_TEST_TMPDIR/bin/parallel" <<-EOF
		#!/bin/bash
		trap : TERM
		touch "$BATS_TEST_TMPDIR/starting"
		sleep 0.5 & pause=\$!
		until wait \$pause; do :; done
		trap - TERM
		exec "$real" "\$@"
	EOF
	printf '#!/bin/sh\necho $$ >"$1/job-$2"\nexec sleep 30\n' >"$BATS_TEST_TMPDIR/bin/sleeping-shard"
	chmod +x "$BATS_TEST_TMPDIR/bin/parallel" "$BATS_TEST_TMPDIR/bin/sleeping-shard"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" JOBS=2 parallel-run --shard sleeping-shard "$BATS_TEST_TMPDIR/run" 0 1 \
		>/dev/null 2>&1 </dev/null &
	local runner=$! status=0
	for _ in $(seq 3000); do [ -e "$BATS_TEST_TMPDIR/starting" ] && break; sleep 0.02; done
	[ -e "$BATS_TEST_TMPDIR/starting" ]
	local t0=$SECONDS
	kill -TERM "$runner"
	wait "$runner" || status=$?
	echo "exit $status after $((SECONDS - t0)) s"
	[ "$status" -eq 143 ]
	[ $((SECONDS - t0)) -lt 20 ]
	# (its jobs, if it started them, ended with it)
	run ! running $(cat "$BATS_TEST_TMPDIR"/run/job-* 2>/dev/null)
}

@test "slurm-run, stopped by TERM while sbatch submits: that array is cancelled too" {
	# Its trap cancelled the arrays in its list at once: a TERM that came
	# while sbatch ran was acted on as sbatch returned, before the array's
	# id was in the list, and left the array queued. A SLURM of four
	# commands here: sbatch sends slurm-run TERM, scancel notes its
	# arguments.
	mkdir "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/run"
	cat >"$BATS_TEST_TMPDIR/bin/sbatch" <<-'EOF'
		#!/bin/bash
		p=$PPID
		until [ "$(ps -o comm= -p "$p")" = slurm-run ] || [ "$p" -le 1 ]; do
			p=$(ps -o ppid= -p "$p" | tr -d ' ')
		done
		kill -TERM "$p"
		echo 4242
	EOF
	printf '#!/bin/sh\necho 4242\n' >"$BATS_TEST_TMPDIR/bin/squeue"
	printf '#!/bin/sh\necho "$*" >>"%s/cancelled"\n' "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/bin/scancel"
	printf '#!/bin/sh\n' >"$BATS_TEST_TMPDIR/bin/scontrol"
	chmod +x "$BATS_TEST_TMPDIR"/bin/*
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" run -143 slurm-run "$BATS_TEST_TMPDIR/run" 0 1
	[ "$(cat "$BATS_TEST_TMPDIR/cancelled")" = 4242 ]
}

@test "grid writes grid.tsv with one row per volatility and a PNG" {
	not_sanitized
	PATHS=20000 run -0 grid
	[ "$(tail -n +2 "$OUT/grid.tsv" | wc -l)" -eq 9 ]
	run -0 cut -f1 "$OUT/grid.tsv"
	[ "$(echo "$output" | tr '\n' ' ')" = "sigma 0.1 0.15 0.2 0.25 0.3 0.35 0.4 0.45 0.5 " ]
	# Every point agrees with its closed form within 5 standard errors.
	awk -F '\t' 'NR > 1 { z = ($2 - $6) / $3; if (z > 5 || z < -5) exit 1 }' "$OUT/grid.tsv"
	[ "$(head -c 8 "$OUT/grid.png" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ]
}

@test "grid checks each point's values as make price does: a word in a list is refused" {
	PATHS=1000 SIGMA_GRID=0.2,abc run -2 --separate-stderr grid
	[ "$stderr" = "grid: SIGMA=abc: want a decimal number" ]
	PAYOFF=lookback-call-float STEPS=4 K_GRID=90,100 run -2 --separate-stderr grid
	[ "$stderr" = "grid: K_GRID=90,100: lookback-call-float takes no strike" ]
	[ ! -e "$OUT/grid.tsv" ]
}

@test "grid takes overridden and extra axes" {
	not_sanitized
	PATHS=10000 SIGMA_GRID=0.2,0.3 K_GRID=90:110:10 run -0 grid
	[ "$(head -1 "$OUT/grid.tsv" | cut -f1,2)" = "$(printf 'sigma\tk')" ]
	[ "$(tail -n +2 "$OUT/grid.tsv" | wc -l)" -eq 6 ]
}

@test "speedup runs sequential and parallel and proves the prices identical" {
	not_sanitized
	PATHS=400000 run -0 speedup
	[[ "$output" == *"speedup "* ]]
	[[ "$output" == *"price.tsv: identical"* ]]
}

@test "make price works from the Makefile with variables on the command line" {
	not_sanitized
	run -0 make -s -C "$ROOT" price PATHS=100000 SHARDS=3 OUT="$OUT"
	[[ "$output" == *"closed form 10.450584"* ]]
	[ -f "$OUT/price.tsv" ]
}

@test "make install puts tools and man pages under DESTDIR/PREFIX; uninstall removes them" {
	not_sanitized
	dest="$BATS_TEST_TMPDIR/dest"
	run -0 make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/opt/mc
	local tools
	tools=$(sed -n 's/^TOOLS *= *//p' "$ROOT/Makefile")
	[ "$(wc -w <<<"$tools")" -ge 8 ]
	for t in $tools; do
		[ -x "$dest/opt/mc/bin/$t" ]
		[ -f "$dest/opt/mc/share/man/man1/$t.1" ]
	done
	run -0 "$dest/opt/mc/bin/simpaths" --version
	[ "$output" = "simpaths (mcpipe) 0.1.0" ]
	run -0 make -s -C "$ROOT" uninstall DESTDIR="$dest" PREFIX=/opt/mc
	[ -z "$(find "$dest" -type f)" ]
}

# NORMALS (simpaths --normals, issue 20): the ziggurat's run is its own
# run, split any way, fused or not, and the hand pipeline's; it is the
# default; inversion's is another run; other models refuse it.
@test "NORMALS=ziggurat: price.tsv the same for SHARDS=1 and 7 and FUSED=0, equal to the hand pipeline" {
	NORMALS=ziggurat OUT="$BATS_TEST_TMPDIR/a" SHARDS=1 run -0 price
	NORMALS=ziggurat OUT="$BATS_TEST_TMPDIR/b" SHARDS=7 FUSED=0 run -0 price
	cmp "$BATS_TEST_TMPDIR/a/price.tsv" "$BATS_TEST_TMPDIR/b/price.tsv"
	grep -q '^# .* normals=ziggurat ' "$BATS_TEST_TMPDIR/a/price.tsv"
	genseeds -n 200000 -s 5 --seed 7 | simpaths --normals ziggurat | payoff | aggregate >"$BATS_TEST_TMPDIR/hand.tsv"
	diff <(grep -v '^#' "$BATS_TEST_TMPDIR/a/price.tsv") <(grep -v '^#' "$BATS_TEST_TMPDIR/hand.tsv")
	OUT="$BATS_TEST_TMPDIR/c" SHARDS=1 run -0 price
	cmp "$BATS_TEST_TMPDIR/a/price.tsv" "$BATS_TEST_TMPDIR/c/price.tsv"
	NORMALS=inversion OUT="$BATS_TEST_TMPDIR/d" SHARDS=1 run -0 price
	genseeds -n 200000 -s 5 --seed 7 | simpaths | payoff | aggregate >"$BATS_TEST_TMPDIR/hand.tsv"
	diff <(grep -v '^#' "$BATS_TEST_TMPDIR/d/price.tsv") <(grep -v '^#' "$BATS_TEST_TMPDIR/hand.tsv")
	run grep -c normals= "$BATS_TEST_TMPDIR/d/price.tsv"
	[ "$output" = 0 ]
	MODEL=merton NORMALS=ziggurat run -2 --separate-stderr price
	[ "$stderr" = "price: NORMALS=ziggurat: only MODEL=gbm and MODEL=heston take it (merton draws by inversion)" ]
	NORMALS=boxmuller run -2 --separate-stderr price
	[ "$stderr" = "price: NORMALS=boxmuller: want one of inversion|ziggurat" ]
}

# deep DIR: a directory under DIR whose path is some 3,800 characters (15
# names of 250), so that 20 partials' names are past merge-parts' 64 KiB.
deep() {
	local d=$1 i
	for i in $(seq 15); do d+=/$(printf 'd%.0s' $(seq 250)); done
	mkdir -p "$d"
	printf '%s\n' "$d"
}

@test "merge-parts: past 64 KiB of names the partials go to the tool as one stream, the same bytes as arguments" {
	local d r p
	# make price's, var's and credit's partials, 20 each
	SHARDS=20 PATHS=2000 OUT="$BATS_TEST_TMPDIR/p" price >/dev/null
	# (JOBS=20: a job slot's consecutive shards would share a partial)
	SCENARIOS=4000 SHARDS=20 JOBS=20 OUT="$BATS_TEST_TMPDIR/v" MARKET="$ROOT/data/market.tsv" CORR="$ROOT/data/corr.tsv" \
		PORTFOLIO="$ROOT/data/portfolio.tsv" var >/dev/null
	SCENARIOS=4000 SHARDS=20 OUT="$BATS_TEST_TMPDIR/c" LOANS="$ROOT/data/loans.tsv" "$ROOT/pipeline/credit" >/dev/null
	d=$(deep "$BATS_TEST_TMPDIR")
	for r in p v c; do
		mkdir "$d/$r"
		cp "$BATS_TEST_TMPDIR/$r"/*/*/shard-*.part "$BATS_TEST_TMPDIR/$r"/*-run*/shard-*.part "$d/$r/" 2>/dev/null || true
		[ "$(ls "$d/$r" | wc -l)" = 20 ]
	done
	# the names: 20 of some 3,800 characters
	[ "$(printf '%s\0' "$d"/p/shard-*.part | wc -c)" -gt 65536 ]
	# same DIR TOOL [ARG...]: TOOL's output over DIR's partials as
	# arguments (its failure fails the test, and it says something), then
	# through merge-parts, the same bytes (before: cmp of two process
	# substitutions, which two failures' empty outputs passed)
	same() {
		local dir=$1
		shift
		(cd "$dir" && "$@" shard-*.part) >"$BATS_TEST_TMPDIR/args.out"
		[ -s "$BATS_TEST_TMPDIR/args.out" ]
		printf '%s\0' "$dir"/shard-*.part | merge-parts "$@" | cmp "$BATS_TEST_TMPDIR/args.out" -
	}
	same "$d/p" aggregate
	same "$d/p" tol-merge 2000
	same "$d/v" risk
	# (the runs' SEED=7, setup's: the contributions' comparison before ran
	# under the default seed, refused alike both ways)
	same "$d/v" scenarios -m "$ROOT/data/market.tsv" -c "$ROOT/data/corr.tsv" -p "$ROOT/data/portfolio.tsv" -n 4000 \
		-s 7 --normals ziggurat --contributions
	same "$d/c" credit -l "$ROOT/data/loans.tsv" -r 0.2 -n 4000 --seed 7 --merge
	# a failure of the tool is merge-parts' status
	printf 'x\n' >"$d/p/shard-99.part"
	run -1 --separate-stderr bash -c 'printf "%s\0" "$1"/p/shard-*.part | merge-parts aggregate' - "$d"
	[[ "$stderr" == "aggregate: "* ]]
	# a partial that cannot be read, amid the others: named as the tool
	# names it among its arguments, and the tool stopped (before: cat's
	# message, and the tool went on to its own about the paths missing)
	rm "$d/p/shard-99.part"
	run -1 --separate-stderr aggregate "$d/p/shard-99.part"
	[ "$stderr" = "aggregate: $d/p/shard-99.part: cannot open: No such file or directory" ]
	run -1 --separate-stderr bash -c 'printf "%s\0" "$1"/p/shard-1*.part "$1"/p/shard-99.part "$1"/p/shard-[02-9]*.part |
		merge-parts aggregate' - "$d"
	[ "$stderr" = "aggregate: $d/p/shard-99.part: cannot open: No such file or directory" ]
	[ -z "$output" ]
	mkdir "$d/p/shard-99.part"
	run -1 --separate-stderr aggregate "$d/p/shard-99.part"
	[ "$stderr" = "aggregate: $d/p/shard-99.part: read error: Is a directory" ]
	run -1 --separate-stderr bash -c 'printf "%s\0" "$1"/p/shard-*.part | merge-parts aggregate' - "$d"
	[ "$stderr" = "aggregate: $d/p/shard-99.part: read error: Is a directory" ]
}

@test "merge-parts counts the names' bytes, not their characters (a UTF-8 OUT): no E2BIG under a 128 KiB limit" {
	local d c i
	# 50 names of 15 directories of 40 x é€ (2 and 3 bytes): some
	# 62,000 characters (under 64 KiB: before, the names were arguments)
	# and 151,000 bytes, past the kernel's least limit on a command line
	d=$BATS_TEST_TMPDIR c=
	for i in $(seq 40); do c+=é€; done
	for i in $(seq 15); do d+=/$c; done
	mkdir -p "$d"
	for i in $(seq 50); do : >"$d/shard-$i.part"; done
	[ "$(printf '%s\0' "$d"/shard-*.part | wc -c)" -gt 131072 ]
	run -0 env LC_ALL=C.UTF-8 bash -c 'ulimit -S -s 256 && printf "%s\0" "$1"/shard-*.part | merge-parts cat' - "$d"
	[ -z "$output" ]
}

@test "merge-parts stopped by a signal while it streams the partials: the tool stops too, not left running" {
	local d i pid tool
	d=$(deep "$BATS_TEST_TMPDIR")
	for i in $(seq 20); do : >"$d/shard-$i.part"; done
	# the tool: a sleep (make var stops its merges in the background so
	# when it ends early; before, the stream's tool went on alone)
	merge-parts sleep 30 < <(printf '%s\0' "$d"/shard-*.part) &
	pid=$!
	tool=
	for i in $(seq 100); do
		# (a child of merge-parts' copy of the partials, a child of it)
		tool=$(pgrep -P "$(pgrep -d , -P "$pid")" -x sleep) && break
		sleep 0.05
	done
	[ -n "$tool" ]
	kill -TERM "$pid"
	wait "$pid" || true
	for i in $(seq 40); do
		kill -0 "$tool" 2>/dev/null || break
		sleep 0.05
	done
	run ! kill -0 "$tool"
	kill "$tool" 2>/dev/null || true
}

@test "parallel-run RUNDIR -: 20,000 shards on standard input, in jobs of at most 4096, within the kernel's least limit on arguments" {
	[ -z "${MCPIPE_SANITIZED:-}" ] || skip "shell alone: not repeated under sanitizers"
	# a shard command that only writes its partials
	mkdir "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/run"
	printf '#!/bin/bash\nrun=$1; shift\nfor k; do printf "x\\n" >"$run/shard-$k.part"; done\n' >"$BATS_TEST_TMPDIR/bin/noop-shard"
	chmod +x "$BATS_TEST_TMPDIR/bin/noop-shard"
	# a 256 KiB stack: 128 KiB of arguments at most (before: 20,000
	# shards as parallel-run's arguments, and 10,000 a job on 2 slots,
	# were Argument list too long)
	run -0 bash -c 'ulimit -S -s 256 && seq 0 19999 |
		PATH="$1/bin:$PATH" JOBS=2 parallel-run --shard noop-shard --many "$1/run" -' - "$BATS_TEST_TMPDIR"
	[ "$(ls "$BATS_TEST_TMPDIR/run" | grep -c '^shard-[0-9]*\.part$')" = 20000 ]
	# 5 jobs of 4000 shards (not 2 of 10,000)
	[ "$(tail -n +2 "$BATS_TEST_TMPDIR/run/jobs.log" | wc -l)" = 5 ]
	# no shard at all: nothing to run
	run -0 bash -c 'PATH="$1/bin:$PATH" parallel-run --shard noop-shard "$1/run" - </dev/null' - "$BATS_TEST_TMPDIR"
}

@test "make price SHARDS=3000 under a 128 KiB argument limit: the shards and their partials never on one command line" {
	expensive
	not_sanitized
	# 3000 partials' names are some 140 KB (at the usual 2 MiB limit,
	# some 45,000 with OUT=out). Before: every shard ran, then
	# aggregate: Argument list too long
	run -0 --separate-stderr bash -c 'ulimit -S -s 256 && SHARDS=3000 PATHS=3000 OUT="$1" price' - "$BATS_TEST_TMPDIR/o"
	[[ "$output" == *"paths  3000 in "*" (3000 shards)"* ]]
	# the same bytes as one shard
	SHARDS=1 PATHS=3000 OUT="$BATS_TEST_TMPDIR/one" price >/dev/null
	cmp <(grep -v '^#' "$BATS_TEST_TMPDIR/o/price.tsv") <(grep -v '^#' "$BATS_TEST_TMPDIR/one/price.tsv")
}

@test "merge-parts: names of up to 65536 bytes (name + 9 each) are arguments, a byte more is one stream" {
	not_sanitized   # shell alone
	# a tool that says how it got the partials
	mkdir "$BATS_TEST_TMPDIR/m"
	cd "$BATS_TEST_TMPDIR/m"
	printf '#!/bin/bash\nif [ $# -gt 0 ]; then echo "args $#"; else echo "stdin $(wc -c)"; fi\n' >../how
	chmod +x ../how
	# 256 names of 247 characters: 256 x 256 = 65536 bytes; then a 257th
	local i
	for i in $(seq 1000 1256); do printf 'x\n' >"$(printf "%0247d" "$i")"; done
	run -0 bash -c 'ls | head -256 | tr "\n" "\0" | merge-parts ../how'
	[ "$output" = "args 256" ]
	run -0 bash -c 'ls | tr "\n" "\0" | merge-parts ../how'
	[ "$output" = "stdin 514" ]
}

# steal_wrappers SLOT CASES: simpaths and price-shard wrapped in
# $BATS_TEST_TMPDIR/bin for the MCPIPE_STEAL tests. simpaths logs the
# shard it computes (its output: the shard's temporary partial) to
# $STEAL_DIR/computed and, before computing, runs CASES (a case's arms on
# $shard, with wait_for FILE: until FILE exists, at most 60 s); the job
# whose first shard is SLOT touches $STEAL_DIR/slot-SLOT-done when it ends.
steal_wrappers() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	export STEAL_DIR="$BATS_TEST_TMPDIR" REAL_SIMPATHS
	REAL_SIMPATHS=$(command -v simpaths)
	{
		cat <<-'EOF'
		#!/bin/bash
		out=$(readlink /proc/$$/fd/1)
		case $out in */shard-*.part.tmp.*) ;; *) exec "$REAL_SIMPATHS" "$@" ;; esac
		shard=${out##*/shard-} shard=${shard%%.part.tmp.*}
		echo "$shard" >>"$STEAL_DIR/computed"
		wait_for() { for _ in $(seq 1200); do [ ! -e "$STEAL_DIR/$1" ] || break; sleep 0.05; done; }
		case $shard in
		EOF
		printf '%s\n' "$2" esac 'exec "$REAL_SIMPATHS" "$@"'
	} >"$BATS_TEST_TMPDIR/bin/simpaths"
	# (price's head start, MCPIPE_STEAL=head, takes nothing here unless
	# HEAD_START is set: these tests order the job slots)
	cat >"$BATS_TEST_TMPDIR/bin/price-shard" <<-EOF
	#!/bin/bash
	[ "\${MCPIPE_STEAL:-}" != head ] || [ -n "\${HEAD_START:-}" ] || exit 0
	"\$ROOT/pipeline/price-shard" "\$@"
	status=\$?
	[ "\$2" != $1 ] || : >"\$STEAL_DIR/slot-$1-done"
	exit \$status
	EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/simpaths" "$BATS_TEST_TMPDIR/bin/price-shard"
}

@test "MCPIPE_STEAL: no slot computes a shard another slot is computing, its own or a taken one (each shard once)" {
	not_sanitized   # the glue's tests
	# groups 0 1 and 2 3. simpaths, wrapped, logs the shard it computes (its
	# output: the shard's temporary partial) and orders the slots: shard 0
	# waits until the other slot computes shard 1 (taken: it has done 2 and
	# 3), which holds until the slot of 0 1 has ended (or 60 s), having
	# found its shard 1 taken
	steal_wrappers 0 '0) wait_for computing-1 ;;
1) if [ ! -e "$STEAL_DIR/computing-1" ]; then : >"$STEAL_DIR/computing-1"; wait_for slot-0-done; fi ;;'
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" PATHS=4000 SHARDS=4 JOBS=2 run -0 price
	rundir=$(ls -d "$OUT"/runs/*)
	[ "$(tail -n +2 "$rundir/jobs.log" | cut -f 9 | sed 's,.*/runs/[0-9a-f]* ,,' | sort)" = "0 1"$'\n'"2 3" ]
	# shard 1 computed by the slot of 2 3, after them (the slot of 0 1
	# computes 0 alone: when it starts late, under load, after that
	# slot took 1, its 0 is the last line, as once in a loaded run)
	[ "$(grep -vx 0 "$STEAL_DIR/computed")" = "2"$'\n'"3"$'\n'"1" ]
	[ -e "$STEAL_DIR/computing-1" ]
	[ "$(sort "$STEAL_DIR/computed")" = "0"$'\n'"1"$'\n'"2"$'\n'"3" ]
	PATHS=4000 SHARDS=4 OUT="$BATS_TEST_TMPDIR/plain" price >/dev/null
	cmp "$OUT/price.tsv" "$BATS_TEST_TMPDIR/plain/price.tsv"
}

# head_start_run SLOT CASES: steal_wrappers SLOT CASES, simpaths logging
# by whom (MCPIPE_STEAL: 1 a job slot, head the head start) it computes
# each shard; a run of 4 shards on 2 slots with price's head start; each
# shard computed once: 3 by the head start alone, 0, 1 and 2 by the slots;
# the job of SLOT ended; the bytes of a run without wrappers.
head_start_run() {
	steal_wrappers "$@"
	sed -i 's|^echo "$shard" >>"$STEAL_DIR/computed"$|echo "$shard ${MCPIPE_STEAL:-}" >>"$STEAL_DIR/computed"|' "$BATS_TEST_TMPDIR/bin/simpaths"
	HEAD_START=1 PATH="$BATS_TEST_TMPDIR/bin:$PATH" PATHS=4000 SHARDS=4 JOBS=2 run -0 price
	cat "$STEAL_DIR/computed"
	[ -e "$STEAL_DIR/slot-$1-done" ]
	[ "$(sort "$STEAL_DIR/computed")" = "0 1"$'\n'"1 1"$'\n'"2 1"$'\n'"3 head" ]
	PATHS=4000 SHARDS=4 OUT="$BATS_TEST_TMPDIR/plain" price >/dev/null
	cmp "$OUT/price.tsv" "$BATS_TEST_TMPDIR/plain/price.tsv"
}

@test "price's head start (MCPIPE_STEAL=head) takes the last shard; the slot that owns it skips it while it runs (each shard once)" {
	not_sanitized   # the glue's tests
	# groups 0 1 and 2 3. The head start computes shard 3, the run's last,
	# and holds it until the slot of 2 3 has ended (or 60 s); that slot
	# starts its 2 once 3 is taken and the slot of 0 1 computes its 0
	# (under load GNU parallel may start that slot late: the slot of 2 3
	# would then take the free 0 first, in the first-up order of the
	# tapered split, and hold there), finds 3 taken and 0 computing, takes
	# 1 (the slot of 0 1 holds its 0 until the slot of 2 3 has ended: no
	# two slots look at 1 at once) and ends. simpaths logs each shard it
	# computes, and by whom.
	head_start_run 2 '3) if [ "${MCPIPE_STEAL:-}" = head ]; then : >"$STEAL_DIR/head-3"; wait_for slot-2-done; fi ;;
2) wait_for head-3; wait_for started-0 ;;
0) : >"$STEAL_DIR/started-0"; wait_for slot-2-done ;;'
}

@test "price's head start hands over: once a job slot computes a shard it takes no other (the slots have the cores)" {
	not_sanitized   # the glue's tests
	# groups 0 1 and 2 3. The head start computes shard 3 once the slot
	# of 0 1 computes its 0 (held until the head start has ended); the
	# slot of 2 3 starts its 2 only then, and once 1 is computed (by the
	# slot of 0 1: released with it, the slot of 2 3 could look at 1 first,
	# as once under load, and both compute it). Shard 1 is free when the
	# head start is done with 3: it must not take it (before, a head start
	# that looked for the slots' claims where they are not would have).
	head_start_run 3 '3) [ "${MCPIPE_STEAL:-}" != head ] || wait_for computing-0 ;;
0) : >"$STEAL_DIR/computing-0"; wait_for slot-3-done ;;
1) : >"$STEAL_DIR/computing-1" ;;
2) wait_for slot-3-done; wait_for computing-1 ;;'
}

@test "price's head start, before any job slot computes, takes the free shards from the last down (under the tapered split the last group's smallest)" {
	not_sanitized   # the glue's tests
	# groups 0 1 and 2 3. The job slots' price-shards wait until the head
	# start has computed two shards (or 60 s): its own 3, the run's last,
	# then the next free one from the last down, 2 (from the first up it
	# would be 0, the first group's largest, no smaller than a slot's
	# first shard). simpaths logs each shard it computes, and by whom.
	steal_wrappers 0 ''
	sed -i 's|^echo "$shard" >>"$STEAL_DIR/computed"$|echo "$shard ${MCPIPE_STEAL:-}" >>"$STEAL_DIR/computed"|' "$BATS_TEST_TMPDIR/bin/simpaths"
	cat >"$BATS_TEST_TMPDIR/bin/price-shard" <<-'EOF'
	#!/bin/bash
	if [ "${MCPIPE_STEAL:-}" != head ]; then
		for _ in $(seq 1200); do
			[ "$(grep -c ' head$' "$STEAL_DIR/computed" 2>/dev/null)" -lt 2 ] || break
			sleep 0.05
		done
	fi
	exec "$ROOT/pipeline/price-shard" "$@"
	EOF
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" PATHS=4000 SHARDS=4 JOBS=2 run -0 price
	cat "$STEAL_DIR/computed"
	[ "$(grep ' head$' "$STEAL_DIR/computed" | head -n 2)" = "3 head"$'\n'"2 head" ]
	PATHS=4000 SHARDS=4 OUT="$BATS_TEST_TMPDIR/plain" price >/dev/null
	cmp "$OUT/price.tsv" "$BATS_TEST_TMPDIR/plain/price.tsv"
}

@test "MCPIPE_STEAL: a slot done with its own shards does not take the one another slot is computing" {
	not_sanitized   # the glue's tests
	# simpaths, wrapped: logs the shard it computes; shard 0's holds until
	# the slot of shard 1 has ended (or 60 s), shard 1's starts only once
	# shard 0's runs: that slot looks at shard 0 while it is computed
	steal_wrappers 1 '0) if [ ! -e "$STEAL_DIR/computing-0" ]; then : >"$STEAL_DIR/computing-0"; wait_for slot-1-done; fi ;;
1) wait_for computing-0 ;;'
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" PATHS=2000 SHARDS=2 JOBS=2 run -0 price
	[ -e "$STEAL_DIR/slot-1-done" ]
	[ "$(sort "$STEAL_DIR/computed")" = "0"$'\n'"1" ]
	PATHS=2000 SHARDS=2 OUT="$BATS_TEST_TMPDIR/plain" price >/dev/null
	cmp "$OUT/price.tsv" "$BATS_TEST_TMPDIR/plain/price.tsv"
}

@test "MCPIPE_STEAL: a slot that fails on a taken shard is named with that shard, not with its own one another slot was computing" {
	not_sanitized   # the glue's tests
	# JOBS=3, groups 0 1, 2 3 and 4 5. Ordered by simpaths, wrapped: the
	# slot of 4 5 holds in 4; the slot of 0 1 computes 0 once 2 runs,
	# then 1, then takes 3 (the next free shard: 2 is taken)
	# and holds in it once 4 runs; the slot of 2 3 waits in 2 until then,
	# finds its 3 taken, takes 5, which fails
	steal_wrappers 0 '0) wait_for two-started ;;
2) : >"$STEAL_DIR/two-started"; wait_for three-started ;;
3) wait_for four-started; : >"$STEAL_DIR/three-started"; wait_for never ;;
4) : >"$STEAL_DIR/four-started"; wait_for never ;;
5) echo "simpaths: shard 5 refused" >&2; exit 1 ;;'
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" PATHS=6000 SHARDS=6 JOBS=3 run -1 --separate-stderr price
	[[ "$stderr" == *"simpaths: shard 5 refused"$'\n'* ]]
	[[ "$stderr" == *$'\n'"price: shard 5 failed: exit status 1"$'\n'* ]]
	[ ! -e "$OUT/price.tsv" ]
}

@test "a JOBS past the shards: GNU parallel is given -j of the jobs there are, not JOBS (its start grows with -j: JOBS=100000 took 50 s); JOBS at most 1024" {
	not_sanitized   # the glue's tests
	# parallel, wrapped: logs its -j
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	export J_LOG="$BATS_TEST_TMPDIR/j.log" REAL_PARALLEL
	REAL_PARALLEL=$(command -v parallel)
	cat >"$BATS_TEST_TMPDIR/bin/parallel" <<-'EOF'
	#!/bin/bash
	for ((i = 1; i < $#; i++)); do [ "${!i}" != -j ] || { j=$((i + 1)); echo "${!j}" >>"$J_LOG"; }; done
	exec "$REAL_PARALLEL" "$@"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/parallel"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" PATHS=4000 SHARDS=3 JOBS=1024 run -0 price
	[ "$(cat "$J_LOG")" = 3 ]
	rm "$J_LOG" "$OUT/price.tsv"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" PATHS=4000 SHARDS=3 JOBS=2 run -0 price
	[ "$(cat "$J_LOG")" = 2 ]
	JOBS=1025 run -2 --separate-stderr price
	[ "$stderr" = "price: JOBS=1025: want a whole number from 1 to 1024" ]
}

@test "price-shard writes its temporary partials in RUNDIR/tmp, not among the run's partials, which its claims' glob read whole for every shard (quadratic in SHARDS)" {
	not_sanitized   # the glue's tests
	# (before: SHARDS=5000 21 s, 10000 60 s, 20000 286 s; after 12, 47
	# and 93 s, a loaded machine; the price-shard of 500 to 2000 shards
	# of a run of 20,000: 4 to 5 ms a shard whatever their number)
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	export REAL_SIMPATHS TMP_LOG="$BATS_TEST_TMPDIR/tmp.log"
	REAL_SIMPATHS=$(command -v simpaths)
	printf '#!/bin/bash\nreadlink /proc/$$/fd/1 >>"$TMP_LOG"\nexec "$REAL_SIMPATHS" "$@"\n' >"$BATS_TEST_TMPDIR/bin/simpaths"
	chmod +x "$BATS_TEST_TMPDIR/bin/simpaths"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" PATHS=4000 SHARDS=4 JOBS=2 run -0 price
	rundir=$(ls -d "$OUT"/runs/*)
	[ "$(grep -c "^$rundir/tmp/shard-[0-3]\.part\.tmp\." "$TMP_LOG")" = 4 ]
	[ -z "$(ls "$rundir/tmp")" ]
}

# counting_mv: an mv first on PATH that logs each call to
# $BATS_TEST_TMPDIR/mv.log, then renames as mv does.
counting_mv() {
	mkdir -p "$BATS_TEST_TMPDIR/stub"
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/mv.log"\nexec /bin/mv "$@"\n' "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/stub/mv"
	chmod +x "$BATS_TEST_TMPDIR/stub/mv"
	PATH="$BATS_TEST_TMPDIR/stub:$PATH"
}

@test "a fresh run publishes its partials and files without mv where bash's loadable ln and rm are, with mv where not: the same bytes" {
	[ -e /usr/lib/bash/ln ] && [ -e /usr/lib/bash/rm ] || skip "no bash-builtins (/usr/lib/bash/ln, rm)"
	counting_mv
	OUT="$BATS_TEST_TMPDIR/a" SHARDS=5 JOBS=2 run -0 price
	# (no mv at all: the 5 partials, the run directory's 3 files, its
	# joblog, price.tsv and manifest.tsv, each linked then unlinked)
	[ ! -e "$BATS_TEST_TMPDIR/mv.log" ] || { cat "$BATS_TEST_TMPDIR/mv.log"; false; }
	run -0 find "$BATS_TEST_TMPDIR/a" -name '*.tmp.*'
	[ -z "$output" ]
	# without them (hidden under a tmpfs in a mount namespace of its own):
	# mv, as before, and the same bytes
	unshare -m true 2>/dev/null || skip "unshare -m: not permitted here"
	OUT="$BATS_TEST_TMPDIR/b" SHARDS=5 JOBS=2 run -0 unshare -m bash -c 'mount -t tmpfs none /usr/lib/bash && exec price'
	run -0 grep -c 'shard-[0-9]*\.part' "$BATS_TEST_TMPDIR/mv.log"
	[ "$output" = 5 ]
	run -0 grep -c '/price\.tsv$' "$BATS_TEST_TMPDIR/mv.log"
	[ "$output" = 1 ]
	cmp "$BATS_TEST_TMPDIR/a/price.tsv" "$BATS_TEST_TMPDIR/b/price.tsv"
	for part in "$BATS_TEST_TMPDIR"/a/runs/*/shard-*.part; do
		cmp "$part" "$BATS_TEST_TMPDIR"/b/runs/*/"${part##*/}"
	done
	run -0 find "$BATS_TEST_TMPDIR/b" -name '*.tmp.*'
	[ -z "$output" ]
	[ -e /usr/lib/bash/ln ]   # (the namespace's tmpfs did not reach here)
}
