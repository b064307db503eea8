#!/usr/bin/env bats
# resume: integrity of a pricing run's shards. `kill -9` in the middle of
# `price`, then a rerun computes only the missing shards and prints the
# bytes an uninterrupted run prints; partials that are truncated, of
# another run, or left under a temporary name are never used.

load test_helper

# 16 shards of 25000 Asian paths of 252 dates: each takes tens of
# milliseconds, so the run can be caught between shards (a European shard
# of 250000 paths took a few: the run, one price-shard for all its shards
# at JOBS=1, sometimes ended before the kill reached it).
KILL_PATHS=400000

setup() {
	cd "$BATS_TEST_TMPDIR"
	export HOME="$BATS_TEST_TMPDIR"   # GNU parallel keeps its state here
	export SEED=11 JOBS=1
	# price-shard, counted: a shard whose partial is missing when its
	# price-shard starts is one that gets computed (a job takes several:
	# price-shard RUNDIR SHARD...).
	mkdir -p bin
	export SHARD_LOG="$BATS_TEST_TMPDIR/computed.log"
	cat >bin/price-shard <<-'EOF'
	#!/bin/bash
	for shard in "${@:2}"; do
		[ -s "$1/shard-$shard.part" ] || echo "$shard" >>"$SHARD_LOG"
	done
	exec "$ROOT/pipeline/price-shard" "$@"
	EOF
	chmod +x bin/price-shard
	PATH="$BATS_TEST_TMPDIR/bin:$PATH"
}

teardown() {
	# A run this test started and did not kill already (a failed assertion).
	[ -s session ] && kill_session "$(cat session)"
	return 0
}

# kill_session SID: kill -9 every process of the session, by its id, in
# one call. Not the process group alone: GNU parallel puts each job in a
# group of its own. Parents (lower ids) go first, so that no shell outlives
# its children long enough to run its EXIT trap. Again until none is left
# (a process forked as the list was made), zombies aside (see
# test_helper's session_ended).
kill_session() {
	local pids
	for _ in $(seq 100); do
		pids=$(ps -eo pid=,sid=,stat= | awk -v sid="$1" '$2 == sid && $3 !~ /^Z/ { print $1 }' | sort -n)
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086
		kill -9 $pids 2>/dev/null || true
		sleep 0.1
	done
	echo "processes of session $1 outlived kill -9" >&2
	return 1
}

# The partials of the one run under $1 (an OUT), one per line.
partials() {
	find "$1"/runs -name 'shard-*.part' | sort
}

@test "kill -9 mid-run, rerun: only the missing shards are computed, same bytes as an uninterrupted run" {
	export OUT="$BATS_TEST_TMPDIR/out" PATHS=$KILL_PATHS SHARDS=16 PAYOFF=asian-call-arith STEPS=252
	# The simpaths of the first shard that starts with two partials done,
	# once, holds until the kill: the run is caught in the middle of a
	# shard however fast it runs against this test's polling (on a loaded
	# machine it ended before the kill, 2 runs in 4 at load 20).
	touch hold
	cat >bin/simpaths <<-EOF
	#!/bin/bash
	if [ -e "$BATS_TEST_TMPDIR/hold" ] && [ "\$(find "$OUT/runs" -name 'shard-*.part' 2>/dev/null | wc -l)" -ge 2 ] &&
		rm "$BATS_TEST_TMPDIR/hold" 2>/dev/null; then
		exec sleep 300
	fi
	exec "$BUILD/bin/simpaths" "\$@"
	EOF
	chmod +x bin/simpaths
	# In its own session, so that kill -9 reaches parallel and every shard.
	setsid bash -c 'echo $$ >session; exec price' >first.log 2>&1 &
	local job=$!
	# Wait until at least 2 shards are done, fewer than all, and one is in
	# the middle of its computation (its temporary partial exists).
	local done=0 tmp=0
	for _ in $(seq 3000); do
		if [ -d "$OUT/runs" ]; then
			done=$(find "$OUT/runs" -name 'shard-*.part' | wc -l)
			tmp=$(find "$OUT/runs" -name 'shard-*.part.tmp.*' | wc -l)
			[ "$done" -ge 2 ] && [ "$tmp" -ge 1 ] && break
		fi
		[ "$done" -lt 16 ] || break
		sleep 0.02
	done
	[ -s session ]
	kill_session "$(cat session)"
	rm session
	wait "$job" || true
	echo "killed with $done of 16 partials, $tmp temporary"
	[ "$done" -ge 2 ]
	[ "$done" -lt 16 ]
	[ "$tmp" -ge 1 ]
	[ ! -e "$OUT/price.tsv" ]

	# What survived, and what the kill left behind (most often a shard's
	# temporary partial: the next test makes sure such files are not used).
	partials "$OUT" >before.txt
	echo "left behind: $(find "$OUT/runs" -name 'shard-*.part.tmp.*' | sed 's,.*/,,')"
	local marker="$BATS_TEST_TMPDIR/marker"
	touch -d '1 second ago' "$marker"
	xargs touch -d '2000-01-01' <before.txt   # so that a rewrite would show
	: >"$SHARD_LOG"

	run -0 price
	[ -s "$OUT/price.tsv" ]
	# The killed shards' temporaries are gone...
	[ "$(find "$OUT/runs" -name 'shard-*.part.tmp.*')" = "" ]
	# ...the shards computed now are exactly the missing ones...
	partials "$OUT" | sed 's/.*shard-\([0-9]*\)\.part/\1/' | sort -n >all.txt
	sed 's/.*shard-\([0-9]*\)\.part/\1/' before.txt | sort -n >kept.txt
	sort -n "$SHARD_LOG" >computed.txt
	[ "$(wc -l <all.txt)" -eq 16 ]
	diff computed.txt <(comm -23 <(sort all.txt) <(sort kept.txt) | sort -n)
	# ...and the kept ones were not rewritten.
	[ -z "$(xargs -a before.txt -I{} find {} -newer "$marker")" ]

	# The same bytes as a run that was never interrupted.
	OUT="$BATS_TEST_TMPDIR/fresh" run -0 price
	cmp "$OUT/price.tsv" "$BATS_TEST_TMPDIR/fresh/price.tsv"
}

# A finished run of 4 shards under $OUT; sets rundir.
small_run() {
	export OUT="$BATS_TEST_TMPDIR/out" PATHS=40000 SHARDS=4
	run -0 price
	cp "$OUT/price.tsv" good.tsv
	rundir=$(ls -d "$OUT"/runs/*)
	[ "$(partials "$OUT" | wc -l)" -eq 4 ]
}

@test "a truncated partial under its final name (a crash after the rename) is refused, naming it" {
	small_run
	cp "$rundir/shard-2.part" whole.part
	rm "$OUT/price.tsv"
	head -c "$(($(wc -c <whole.part) / 2))" whole.part >"$rundir/shard-2.part"
	run -1 --separate-stderr price
	echo "$stderr"
	[[ $stderr == "aggregate: $rundir/shard-2.part:"* ]]
	[ ! -e "$OUT/price.tsv" ]
	# Remove it, and the rerun computes it again: the same bytes.
	rm "$rundir/shard-2.part"
	run -0 price
	cmp good.tsv "$OUT/price.tsv"
}

@test "a partial cut short at any byte is refused by aggregate, naming it" {
	small_run
	cp "$rundir/shard-3.part" whole.part
	# Every cut but the last newline's (which loses nothing): ~2200 runs of
	# aggregate. The loop runs in a bash of its own, outside bats' per-command
	# DEBUG trap, and without a fork of head or of bats' run per cut (the
	# partial is text, in a variable): those were most of this test's time.
	# It prints the cuts not refused, then how many of how many.
	run -0 bash -c '
		rundir=$1 failed=0
		size=$(wc -c <whole.part)
		whole=$(cat whole.part && echo .)   # the dot keeps the final newline
		whole=${whole%.}
		[ "${#whole}" -eq "$size" ] || { echo "whole.part: not plain text"; exit 1; }
		for ((cut = 1; cut < size - 1; cut++)); do
			printf "%s" "${whole:0:cut}" >"$rundir/shard-3.part"
			status=0
			aggregate "$rundir"/shard-*.part >/dev/null 2>stderr.txt || status=$?
			IFS= read -r -d "" stderr <stderr.txt
			if [ "$status" -ne 1 ] || [[ $stderr != "aggregate: $rundir/shard-3.part"* ]]; then
				echo "cut at byte $cut of $size: status $status, ${stderr:-no message}; the partial ends:"
				tail -c 40 "$rundir/shard-3.part" | od -c | head -3
				failed=$((failed + 1))
			fi
		done
		echo "$failed of $((size - 2)) cuts not refused"
	' _ "$rundir"
	echo "$output"
	[ "${lines[-1]}" = "0 of $(($(wc -c <whole.part) - 2)) cuts not refused" ]
}

@test "a partial of another run copied into the run directory is refused, naming it" {
	small_run
	rm "$OUT/price.tsv"
	cp "$rundir/shard-1.part" own.part
	# Another sigma: the identity metadata conflicts.
	OUT="$BATS_TEST_TMPDIR/other" SIGMA=0.3 run -0 price
	cp "$BATS_TEST_TMPDIR"/other/runs/*/shard-1.part "$rundir/shard-1.part"
	run -1 --separate-stderr price
	echo "$stderr"
	[[ $stderr == "aggregate: $rundir/shard-1.part:1: metadata sigma=0.3 conflicts with sigma=0.2 ("* ]]
	[ ! -e "$OUT/price.tsv" ]
	# Another seed.
	OUT="$BATS_TEST_TMPDIR/seed" SEED=12 run -0 price
	cp "$BATS_TEST_TMPDIR"/seed/runs/*/shard-1.part "$rundir/shard-1.part"
	run -1 --separate-stderr price
	[[ $stderr == "aggregate: $rundir/shard-1.part:1: metadata seed=12 conflicts with seed=11 ("* ]]
	# The same parameters in 3 shards: the same identity, but its first
	# shard overlaps this run's shards 0 and 1.
	OUT="$BATS_TEST_TMPDIR/three" SHARDS=3 run -0 price
	cp "$BATS_TEST_TMPDIR"/three/runs/*/shard-0.part "$rundir/shard-1.part"
	run -1 --separate-stderr price
	echo "$stderr"
	# (shards on the blocks of 128 paths: 3 x 104 blocks, 4 x 78)
	[[ $stderr == *"paths 0..13311 overlap paths 0..9983 ("* ]]
	[ ! -e "$OUT/price.tsv" ]
	# Its own partial back: the same bytes as before.
	cp own.part "$rundir/shard-1.part"
	run -0 price
	cmp good.tsv "$OUT/price.tsv"
}

@test "a run directory keeps its split: JOBS=2 (a tapered split) resumes JOBS=1's plain shards into the same bytes" {
	small_run
	cp "$rundir/seeds.tsv" seeds.tsv
	rm "$OUT/price.tsv" "$rundir/shard-1.part" "$rundir/shard-3.part"
	JOBS=2 run -0 price
	cmp seeds.tsv "$rundir/seeds.tsv"
	cmp good.tsv "$OUT/price.tsv"
	# a fresh run directory at JOBS=2: the tapered split, the same bytes
	OUT="$BATS_TEST_TMPDIR/fresh" JOBS=2 run -0 price
	run ! cmp -s seeds.tsv "$BATS_TEST_TMPDIR"/fresh/runs/*/seeds.tsv
	cmp <(genseeds -n 40000 -s 4 --align 128 --taper 2 --seed 11) "$BATS_TEST_TMPDIR"/fresh/runs/*/seeds.tsv
	cmp good.tsv "$BATS_TEST_TMPDIR/fresh/price.tsv"
}

@test "temporary partials left by a killed shard are never used" {
	small_run
	rm "$OUT/price.tsv" "$rundir/shard-0.part" "$rundir/shard-2.part"
	# What a kill -9 leaves: an empty temporary, a half-written one, and
	# one that holds another run's whole partial.
	: >"$rundir/shard-0.part.tmp.12345"
	head -c 100 "$rundir/shard-1.part" >"$rundir/shard-2.part.tmp.23456"
	OUT="$BATS_TEST_TMPDIR/other" SIGMA=0.3 run -0 price
	cp "$BATS_TEST_TMPDIR"/other/runs/*/shard-2.part "$rundir/shard-2.part.tmp.34567"
	# and one named as price-shard names its own (host, pid), of a process
	# that has ended: price's sweep removes it, and no slot takes it for a
	# live one's (MCPIPE_STEAL's claim, two job slots)
	local dead
	dead=$(bash -c 'echo $$')
	: >"$rundir/shard-0.part.tmp.${HOSTNAME:-host}.$dead"
	# and one whose shard was killed and is a zombie (its reaper, PID 1 or
	# a subreaper, may be slow or never come): gone, as if reaped (the
	# sweep's kill -0 took it for running: this machine's init reaps up to
	# 2 s late, and the kill -9 test above failed on it)
	# (SIGCHLD to its default: ignored, inherited from GNU parallel under
	# bats --jobs, the kernel would reap the child at once)
	perl -e '$SIG{CHLD} = "DEFAULT"; my $z = fork // die; exit 0 unless $z; print "$z\n"; close STDOUT; sleep 60' >zombie 3>&- &
	local parent=$!
	for _ in $(seq 500); do [ -s zombie ] && break; sleep 0.02; done
	local zombie
	zombie=$(cat zombie)
	# (Z, or ZN under nice)
	for _ in $(seq 500); do [[ $(ps -o stat= -p "$zombie") == Z* ]] && break; sleep 0.02; done
	[[ $(ps -o stat= -p "$zombie") == Z* ]]
	head -c 100 "$rundir/shard-1.part" >"$rundir/shard-2.part.tmp.$HOSTNAME.$zombie"
	: >"$SHARD_LOG"
	local whole
	whole=$(cd "$rundir" && stat -c '%n %i %y' shard-1.part shard-3.part)
	JOBS=2 run -0 price
	kill "$parent"
	# shards 0 and 2 computed (a slot may take the other's: the counting
	# wrapper then sees one of them only; price's head start begins with
	# 2, which a slot may then see as not yet done too), 1 and 3 not
	# (their files the same)
	[[ "$(sort -n "$SHARD_LOG" | tr '\n' ' ')" =~ ^(0 |2 )+$ ]]
	[ "$(cd "$rundir" && stat -c '%n %i %y' shard-1.part shard-3.part)" = "$whole" ]
	cmp good.tsv "$OUT/price.tsv"
	[ ! -e "$rundir/shard-2.part.tmp.$HOSTNAME.$zombie" ]
}

@test "kill -TERM of price mid-run: GNU parallel and every shard stop with it, nothing of it left" {
	# (heston's 252 steps: each shard runs for a while; the run is stopped
	# after its first shard's start, about a second of CPU)
	export OUT="$BATS_TEST_TMPDIR/out" MODEL=heston STEPS=252 PATHS=1600000 SHARDS=16
	setsid bash -c 'echo $$ >session; exec price' >first.log 2>&1 &
	local job=$!
	local tmp=0
	for _ in $(seq 3000); do
		[ ! -d "$OUT/runs" ] || tmp=$(find "$OUT/runs" -name 'shard-*.part.tmp.*' | wc -l)
		[ "$tmp" -lt 1 ] || break
		sleep 0.02
	done
	[ "$tmp" -ge 1 ]
	[ -s session ]
	# a second run, waiting for OUT's lock, stopped too: at once (not
	# when the first ends), exit 143
	price >second.log 2>&1 &
	local second=$!
	for _ in $(seq 500); do
		grep -q 'another run is using it' second.log && break
		sleep 0.02
	done
	kill -TERM "$second"
	local t0=$SECONDS status2=0
	wait "$second" || status2=$?
	echo "second: exit $status2 after $((SECONDS - t0)) s"
	[ "$status2" -eq 143 ]
	[ $((SECONDS - t0)) -le 5 ]
	# nothing of the run left running a few seconds later (before: GNU
	# parallel and the shards went on, holding OUT's lock)
	stop_session "$job"
	[ ! -e "$OUT/price.tsv" ]
	# no temporary of price's left in OUT (its joblog among them)
	[ -z "$(find "$OUT" -maxdepth 1 -name '*.tmp.*')" ]
}

@test "kill -TERM of price TOL= mid-run: GNU parallel and every shard stop with it, nothing of it left" {
	# (a tolerance no batch meets; heston's 252 steps, 3.2e6 paths a
	# batch: each shard runs for a while; the run is stopped once a shard
	# runs. Before: parallel-run, parallel and the shards went on, holding
	# OUT's lock)
	export OUT="$BATS_TEST_TMPDIR/out" MODEL=heston STEPS=252 PATHS=12800000 SHARDS=16 \
		TOL=0.00001 TOL_BATCH=3200000
	stopped_mid_run price-shard price
	[ ! -e "$OUT/price.tsv" ]
	# no temporary of price's left in OUT
	[ -z "$(find "$OUT" -maxdepth 1 -name '*.tmp.*')" ]
}

# head_simpaths CASE: simpaths wrapped in bin/ for the head start's tests
# (pipeline/price runs a price-shard of its own while GNU parallel starts,
# MCPIPE_STEAL=head in its environment, which no job slot has): the head
# start's simpaths, computing a shard's temporary partial, does CASE
# (hold: writes part of a partial, says so in head-running, and sleeps;
# deaf: the same, but lets the first TERM pass, as a tool forked just as
# it came does, still in bash's handler; fail: says so in head-running, a
# message and exit 1); anything else runs
# the real simpaths, a job slot's shard only once the head start has
# taken its own (head-running): under load a slot could otherwise reach
# the last shard first, and compute it itself (harmless, the same bytes,
# but then the head start has nothing to hold or fail on).
head_simpaths() {
	export REAL_SIMPATHS
	REAL_SIMPATHS=$(command -v simpaths)
	cat >bin/simpaths <<-EOF
	#!/bin/bash
	out=\$(readlink /proc/\$\$/fd/1)
	case \$out in */shard-*.part.tmp.*) ;; *) exec "\$REAL_SIMPATHS" "\$@" ;; esac
	if [ "\${MCPIPE_STEAL:-}" != head ]; then
		for _ in \$(seq 1500); do [ -e "$BATS_TEST_TMPDIR/head-running" ] && break; sleep 0.02; done
		exec "\$REAL_SIMPATHS" "\$@"
	fi
	echo "\$out" >"$BATS_TEST_TMPDIR/head-running"
	case $1 in
	hold) echo '# half a partial'; exec sleep 60 ;;
	deaf)
		trap 'trap - TERM' TERM
		echo '# half a partial'
		for _ in \$(seq 600); do sleep 0.1; done ;;
	fail) echo 'simpaths: the head start fails here' >&2; exit 1 ;;
	esac
	EOF
	chmod +x bin/simpaths
}

# price_until_head: price started in the background in a session of its
# own (its id in ./session, its output in first.log), its pid in $job,
# once the head start's tool runs (bin/simpaths of head_simpaths writes
# ./head-running)
price_until_head() {
	setsid bash -c 'echo $$ >session; exec price' >first.log 2>&1 </dev/null &
	job=$!
	for _ in $(seq 1500); do [ -s head-running ] && break; sleep 0.02; done
}

@test "the head start (JOBS=2) stopped by TERM: nothing of it left running, no partial of its shard; the rerun gives an uninterrupted run's bytes" {
	not_sanitized   # the glue's tests
	export OUT="$BATS_TEST_TMPDIR/out" PATHS=40000 SHARDS=4 JOBS=2
	OUT="$BATS_TEST_TMPDIR/plain" run -0 price
	head_simpaths hold
	local job
	price_until_head
	cat first.log
	# the head start took the run's last shard first
	[[ "$(cat head-running)" == */shard-3.part.tmp.* ]]
	stop_session "$job"
	rundir=$(ls -d "$OUT"/runs/*)
	# its half-written partial gone, never renamed (a job slot that was
	# still stopping may have taken the shard once the head start was
	# gone: then a whole partial, the uninterrupted run's bytes)
	[ ! -e "$rundir/shard-3.part" ] || cmp "$BATS_TEST_TMPDIR"/plain/runs/*/shard-3.part "$rundir/shard-3.part"
	# no temporary at all, of the head start or of a job slot (once in a
	# CI run under load a slot's was left: the forked simpaths made it
	# after its price-shard's trap had removed it; see the next test)
	no_temporaries "$OUT"
	[ ! -e "$OUT/price.tsv" ]
	rm bin/simpaths
	run -0 price
	cmp "$BATS_TEST_TMPDIR/plain/price.tsv" "$OUT/price.tsv"
	no_temporaries "$OUT"
}

@test "price-shard stopped by TERM (its process group) at 40 moments of a run of 64 small shards: never a temporary partial left, nothing of it left running" {
	# (before: bash's child made the temporary, in its redirection, and a
	# stop that reached bash first left it: bash's EXIT trap had removed
	# it before the child, not yet exec'd, made it; a child forked as the
	# TERM came let it pass and computed on. 6 to 10 stops in 40 left one,
	# in 3 runs of 3, with stopped_at_moments' busy loops. GNU parallel and
	# price stop a shard so, TERM to its process group.)
	not_sanitized   # the glue's tests
	export OUT="$BATS_TEST_TMPDIR/out" PATHS=6400 SHARDS=64
	run -0 price
	rundir=$(ls -d "$OUT"/runs/*)
	stopped_at_moments 40 "$rundir" "$ROOT/pipeline/price-shard" "$rundir" $(seq 0 63)
}

@test "the head start's tool lets the first TERM pass: the stop of price still ends it, at once, and leaves no temporary" {
	# (before: price sent its head start one TERM and waited for its
	# price-shard alone, which ended at once; the tool computed on after
	# the run had ended. A price-shard ends after its tool now: price
	# sends TERM again until it has ended)
	not_sanitized   # the glue's tests
	export OUT="$BATS_TEST_TMPDIR/out" PATHS=40000 SHARDS=4 JOBS=2
	head_simpaths deaf
	local job
	price_until_head
	[ -s head-running ]
	local t0=$SECONDS
	stop_session "$job"
	echo "stopped in $((SECONDS - t0)) s"
	[ $((SECONDS - t0)) -le 5 ]
	no_temporaries "$OUT"
}

@test "price-shard stopped by a TERM to its bash alone: it ends after its tool, never before (then no temporary left)" {
	# (before: bash ended at once, its EXIT trap removing the temporary,
	# and the tool, an orphan, computed on, unseen by whoever waited for
	# the shard)
	not_sanitized   # the glue's tests
	export OUT="$BATS_TEST_TMPDIR/out" PATHS=4000 SHARDS=2
	run -0 price
	rundir=$(ls -d "$OUT"/runs/*)
	rm "$rundir"/shard-*.part
	cat >bin/simpaths <<-EOF
	#!/bin/bash
	echo '# half a partial'
	echo \$\$ >"$BATS_TEST_TMPDIR/tool"
	exec sleep 60
	EOF
	chmod +x bin/simpaths
	setsid "$ROOT/pipeline/price-shard" "$rundir" 0 1 &
	local job=$! tool status=0
	for _ in $(seq 500); do [ -s tool ] && break; sleep 0.02; done
	tool=$(cat tool)
	kill -TERM "$job"
	sleep 0.3
	# bash waits for its tool (its trap runs once the tool has ended)
	running "$job"
	running "$tool"
	[ -n "$(find "$rundir/tmp" -name 'shard-0.part.tmp.*')" ]
	kill -TERM "$tool"
	wait "$job" || status=$?
	echo "exit $status"
	# killed by TERM, as bash's default death said before
	[ "$status" -eq 143 ]
	session_ended "$job"
	[ -z "$(find "$rundir" -name '*.tmp.*')" ]
	[ ! -e "$rundir/shard-0.part" ]
	[ ! -e "$rundir/shard-1.part" ]
}

@test "the head start's failure is a shard's: named, the run fails, the rerun completes it" {
	not_sanitized   # the glue's tests
	export OUT="$BATS_TEST_TMPDIR/out" PATHS=40000 SHARDS=4 JOBS=2
	OUT="$BATS_TEST_TMPDIR/plain" run -0 price
	head_simpaths fail
	run -1 --separate-stderr price
	echo "$stderr"
	[[ "$stderr" == *"simpaths: the head start fails here"* ]]
	[[ "$stderr" == *"price: shard 3 failed: exit status 1"$'\n'* ]]
	[[ "$stderr" == *"price: a shard failed; rerun to resume (finished shards are kept in "* ]]
	[ ! -e "$OUT/price.tsv" ]
	rm bin/simpaths
	run -0 price
	cmp "$BATS_TEST_TMPDIR/plain/price.tsv" "$OUT/price.tsv"
}
