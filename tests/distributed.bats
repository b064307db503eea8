#!/usr/bin/env bats
# Beyond one machine, for real on this one: make price over ssh on the hosts
# of an sshloginfile (HOSTS=), as a SLURM job array (SCHEDULER=slurm), and
# RETRIES=. setup_file starts, under one scratch directory:
#   - an sshd on a loopback port, with its own config and throwaway host and
#     user keys, key-only login (UsePAM no) for two local users, mcpipe-h1
#     and mcpipe-h2 (created when missing): two "hosts" with separate homes,
#     so that --cleanup on one cannot touch the other's files;
#   - a one-node SLURM: munged on its own socket, slurmctld and slurmd with
#     a slurm.conf templated from `hostname -s` and `nproc`;
# and teardown_file stops each daemon by its PID. Every price must be
# byte-identical to a local run's. Needs root (users and daemons) and the
# Debian packages of TEST_PACKAGES in mk/deps.mk (make test installs them);
# without them the tests skip and say why.

load test_helper

# A daemon that never answers must not hang the suite.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120}

# ---- daemons (setup_file / teardown_file) --------------------------------

fill() { # fill TEMPLATE: @DIR@, @PORT@, ... from the environment of the call
	sed -e "s|@DIR@|$DIST|g" -e "s|@PORT@|${PORT:-}|g" -e "s|@HOST@|${HOST:-}|g" \
	    -e "s|@CPUS@|${CPUS:-}|g" -e "s|@CTLD_PORT@|${CTLD_PORT:-}|g" \
	    -e "s|@SLURMD_PORT@|${SLURMD_PORT:-}|g" "$FIXTURES/distributed/$1"
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start DIR NAME COMMAND...: a daemon in the foreground of a background job,
# its PID in DIR/NAME.pid, its output in DIR/NAME.out (fd 3 closed: bats
# waits for it).
start() {
	local dir=$1 name=$2
	shift 2
	"$@" </dev/null >"$dir/$name.out" 2>&1 3>&- &
	echo $! >"$dir/$name.pid"
}

alive() { kill -0 "$(cat "$1")" 2>/dev/null; }

start_sshd() {
	local u home i
	if [ ! -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null || ! command -v rsync >/dev/null; then
		SSH_SKIP="needs sshd, ssh and rsync (openssh-server, openssh-client, rsync: make deps-test)"
		return 0
	fi
	mkdir -p "$DIST/ssh" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C mcpipe-test-host -f "$DIST/ssh/host_key"
	ssh-keygen -q -t ed25519 -N '' -C mcpipe-test-user -f "$DIST/ssh/user_key"
	for u in mcpipe-h1 mcpipe-h2; do
		# '*': no password, yet not locked ('!'), which sshd refuses without PAM.
		id -u "$u" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh --password '*' "$u"
		[ "$(getent shadow "$u" | cut -d: -f2 | cut -c1)" != '!' ] || usermod --password '*' "$u"
		home=$(getent passwd "$u" | cut -d: -f6)
		install -d -o "$u" -g "$u" -m 700 "$home/.ssh"
		install -o "$u" -g "$u" -m 600 "$DIST/ssh/user_key.pub" "$home/.ssh/authorized_keys"
		rm -rf "$home/.mcpipe"
	done
	PORT=$(free_port)
	fill sshd_config.in >"$DIST/ssh/sshd_config"
	fill ssh_config.in >"$DIST/ssh/ssh_config"
	start "$DIST/ssh" sshd /usr/sbin/sshd -D -e -f "$DIST/ssh/sshd_config"
	# (bounds of 30 s and more: each loop ends as soon as the daemon is up,
	# and a loaded machine's daemons start slowly)
	for i in $(seq 300); do
		grep -q 'Server listening' "$DIST/ssh/sshd.out" && break
		alive "$DIST/ssh/sshd.pid" || break
		sleep 0.1
	done
	if ! ssh -F "$DIST/ssh/ssh_config" -o ControlMaster=no -o ControlPath=none \
		mcpipe-h1@127.0.0.1 true </dev/null 2>"$DIST/ssh/probe.err"; then
		SSH_ERROR="sshd on 127.0.0.1:$PORT does not let mcpipe-h1 in: $(cat "$DIST/ssh/probe.err" "$DIST/ssh/sshd.out")"
		return 0
	fi
	# Two hosts and this machine; the same plus a host that refuses every
	# connection (nothing listens on 127.0.0.2).
	printf '%s\n' '# two accounts behind the test sshd, and this machine' \
		mcpipe-h1@127.0.0.1 mcpipe-h2@127.0.0.1 : >"$DIST/hosts"
	printf '%s\n' mcpipe-h1@127.0.0.1 mcpipe-h2@127.0.0.1 mcpipe-h1@127.0.0.2 : >"$DIST/hosts-dead"
}

start_slurm() {
	local c i
	for c in /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd sbatch squeue scancel sinfo; do
		[ -x "$c" ] || command -v "$c" >/dev/null && continue
		SLURM_SKIP="needs $c (munge, slurmctld, slurmd, slurm-client: make deps-test)"
		return 0
	done
	mkdir -p "$DIST/munge" "$DIST/slurm/state" "$DIST/slurm/spool"
	dd if=/dev/urandom of="$DIST/munge/munge.key" bs=1024 count=1 2>/dev/null
	chmod 600 "$DIST/munge/munge.key"
	start "$DIST/munge" munged /usr/sbin/munged --foreground \
		--socket="$DIST/munge/munge.socket" --key-file="$DIST/munge/munge.key" \
		--log-file="$DIST/munge/munged.log" --pid-file="$DIST/munge/munged.pidfile" \
		--seed-file="$DIST/munge/munged.seed"
	for i in $(seq 300); do
		[ -S "$DIST/munge/munge.socket" ] && break
		alive "$DIST/munge/munged.pid" || break
		sleep 0.1
	done
	if [ ! -S "$DIST/munge/munge.socket" ]; then
		SLURM_ERROR="munged did not start: $(cat "$DIST/munge/munged.out")"
		return 0
	fi
	HOST=$(hostname -s) CPUS=$(nproc) CTLD_PORT=$(free_port) SLURMD_PORT=$(free_port)
	fill slurm.conf.in >"$DIST/slurm/slurm.conf"
	export SLURM_CONF="$DIST/slurm/slurm.conf"
	start "$DIST/slurm" slurmctld /usr/sbin/slurmctld -D -i -f "$SLURM_CONF"
	start "$DIST/slurm" slurmd /usr/sbin/slurmd -D -f "$SLURM_CONF" -N "$HOST"
	for i in $(seq 300); do
		[ "$(sinfo --noheader --format=%t 2>/dev/null)" = idle ] && return 0
		alive "$DIST/slurm/slurmctld.pid" && alive "$DIST/slurm/slurmd.pid" || break
		sleep 0.2
	done
	SLURM_ERROR="the one-node SLURM did not come up: $(sinfo 2>&1; tail -n 5 "$DIST"/slurm/*.out)"
}

setup_file() {
	export SSH_SKIP='' SSH_ERROR='' SLURM_SKIP='' SLURM_ERROR='' DIST=''
	# The sanitized run skips every test here (not_sanitized): no daemons.
	[ -z "${MCPIPE_SANITIZED:-}" ] || return 0
	# Not under bats' private (0700) directory: munged wants every directory
	# above its socket searchable by all.
	DIST=$(mktemp -d /tmp/mcpipe-distributed.XXXXXX)
	chmod 711 "$DIST"
	export PARALLEL_SSH="ssh -F $DIST/ssh/ssh_config"
	# The reference: the same price, computed here, under GNU parallel.
	HOME="$DIST" OUT="$DIST/local" PATHS=200000 SEED=7 SHARDS=5 price >/dev/null
	if [ "$(id -u)" -ne 0 ]; then
		SSH_SKIP="needs root: creates the users mcpipe-h1 and mcpipe-h2 and starts an sshd"
		SLURM_SKIP="needs root: starts munged, slurmctld and slurmd"
		return 0
	fi
	start_sshd
	start_slurm
}

teardown_file() {
	local f pid i u home
	[ -n "${DIST:-}" ] || return 0
	# A shared ssh connection that something opened: close it.
	for f in "$DIST"/ssh/cm-*; do
		[ ! -S "$f" ] || ssh -o ControlPath="$f" -O exit mcpipe-test 2>/dev/null || true
	done
	for f in slurm/slurmd slurm/slurmctld munge/munged ssh/sshd; do
		[ -s "$DIST/$f.pid" ] || continue
		pid=$(cat "$DIST/$f.pid")
		kill "$pid" 2>/dev/null || continue
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	done
	if [ -e "$DIST/ssh/user_key" ]; then
		for u in mcpipe-h1 mcpipe-h2; do
			home=$(getent passwd "$u" | cut -d: -f6) || continue
			rm -rf "$home/.mcpipe" "$home/.ssh/authorized_keys"
		done
	fi
	rm -rf "$DIST"
}

# ---- helpers --------------------------------------------------------------

# skip_unless_ci WHY: skips, except under CI (CI set, not 0 or false),
# where make test has installed the packages and runs as root: there a
# reason to skip is a broken setup, and the test fails (test_helper's
# needs_package does the same for one package).
skip_unless_ci() {
	case ${CI:-} in
	'' | 0 | false) skip "$1" ;;
	esac
	echo "CI: $1: make test installs and starts all of it, so this is a broken setup" >&2
	return 1
}

need_ssh() {
	not_sanitized
	[ -z "$SSH_SKIP" ] || skip_unless_ci "$SSH_SKIP"
	[ -z "$SSH_ERROR" ] || { echo "$SSH_ERROR" >&2; return 1; }
}

need_slurm() {
	not_sanitized
	[ -z "$SLURM_SKIP" ] || skip_unless_ci "$SLURM_SKIP"
	[ -z "$SLURM_ERROR" ] || { echo "$SLURM_ERROR" >&2; return 1; }
}

setup() {
	export OUT="$BATS_TEST_TMPDIR/out" PATHS=200000 SEED=7
	export HOME="$BATS_TEST_TMPDIR"   # GNU parallel keeps its state here
}

# The run directory of $OUT (one run per test).
rundir() { ls -d "$OUT"/runs/*; }

home_of() { getent passwd "$1" | cut -d: -f6; }

# Nothing of a run left on the hosts: no process of either account but
# sshd's own, a moment after the run (a remote job dies within a second or
# two of its ssh connection, longer on a loaded machine: up to 30 s), and
# no working directory.
hosts_clean() {
	local i left
	for i in $(seq 150); do
		left=$(ps -u mcpipe-h1,mcpipe-h2 -o stat=,user=,args= | awk '$1 !~ /^Z/ && $3 !~ /^sshd/')
		[ -z "$left" ] && break
		sleep 0.2
	done
	[ -z "$left" ] || { echo "left running on the hosts: $left" >&2; return 1; }
	[ ! -e "$(home_of mcpipe-h1)/.mcpipe" ] || { find "$(home_of mcpipe-h1)/.mcpipe" >&2; return 1; }
	[ ! -e "$(home_of mcpipe-h2)/.mcpipe" ] || { find "$(home_of mcpipe-h2)/.mcpipe" >&2; return 1; }
}

# ---- HOSTS: GNU parallel over ssh -----------------------------------------

@test "make price HOSTS= shards over two ssh hosts and this machine: same bytes as a local run" {
	need_ssh
	# Another run's files in mcpipe-h2's account: --cleanup must leave them.
	home2=$(home_of mcpipe-h2)
	mkdir -p "$home2/.mcpipe/another-run"
	echo keep >"$home2/.mcpipe/another-run/shard-0.part"
	chown -R mcpipe-h2: "$home2/.mcpipe"
	run -0 make -s -C "$ROOT" price HOSTS="$DIST/hosts" SHARDS=9 PATHS="$PATHS" SEED="$SEED" OUT="$OUT"
	[[ "$output" == *"closed form 10.450584"* ]]
	cmp "$DIST/local/price.tsv" "$OUT/price.tsv"
	# Each host computed shards, as its own user; every shard once.
	log="$(rundir)/jobs.log"
	grep -q $'\tmcpipe-h1@127.0.0.1\t' "$log"
	grep -q $'\tmcpipe-h2@127.0.0.1\t' "$log"
	grep -q $'^[0-9]*\t:\t' "$log"
	[ "$(tail -n +2 "$log" | awk -F '\t' '$7 == 0' | wc -l)" -eq 9 ]
	[ "$(cat "$home2/.mcpipe/another-run/shard-0.part")" = keep ]
	rm -r "$home2/.mcpipe"
	hosts_clean
	# Nothing of the shipping left here either.
	[ -z "$(find "$(rundir)" -name '.*' ! -name . | head -1)" ]
}

@test "over ssh, an OUT of quotes, ;, \$(...) and backquotes is a name: same bytes, and nothing runs" {
	need_ssh
	canary="$BATS_TEST_TMPDIR/canary"
	OUT="$BATS_TEST_TMPDIR/o u'\"t;touch $canary;\$(touch $canary)\`touch $canary\`*"
	run -0 make -s -C "$ROOT" price HOSTS="$DIST/hosts" SHARDS=5 PATHS="$PATHS" SEED="$SEED" OUT="$OUT"
	cmp "$DIST/local/price.tsv" "$OUT/price.tsv"
	[ ! -e "$canary" ]
	hosts_clean
}

@test "American, with its upper bound's own shards, over ssh: same bytes as a local run" {
	need_ssh
	export PAYOFF=american-put STEPS=4 PATHS=3000 TRAIN_PATHS=1000 UPPER=30 INNER=20
	OUT="$BATS_TEST_TMPDIR/local" SHARDS=3 run -0 price
	run -0 make -s -C "$ROOT" price HOSTS="$DIST/hosts" SHARDS=3 OUT="$OUT"
	[[ "$output" == *"upper: the rule's Andersen-Broadie dual"* ]]
	grep -q '^upper' "$OUT/price.tsv"
	cmp "$BATS_TEST_TMPDIR/local/price.tsv" "$OUT/price.tsv"
	hosts_clean
}

@test "HOSTS= on a file of ':' alone runs here, without ssh" {
	not_sanitized
	echo : >"$BATS_TEST_TMPDIR/here"
	PARALLEL_SSH=false HOSTS="$BATS_TEST_TMPDIR/here" SHARDS=3 run -0 --separate-stderr price
	cmp "$DIST/local/price.tsv" "$OUT/price.tsv"
	# no GNU parallel warning ("--return ignored"): nothing to ship or return
	[ "$stderr" = "" ]
	printf '# this machine, twice as busy\n\n 2/:\n' >"$BATS_TEST_TMPDIR/here"
	rm -r "$OUT"
	PARALLEL_SSH=false HOSTS="$BATS_TEST_TMPDIR/here" SHARDS=3 run -0 --separate-stderr price
	cmp "$DIST/local/price.tsv" "$OUT/price.tsv"
	[ "$stderr" = "" ]
}

@test "a host that refuses connections fails the run, naming the shard and the host" {
	need_ssh
	HOSTS="$DIST/hosts-dead" SHARDS=7 run -1 --separate-stderr price
	[[ "$stderr" =~ "price: shard "[0-9]+" failed on mcpipe-h1@127.0.0.2: exit status 255" ]]
	[[ "$stderr" == *"price: a shard failed; rerun to resume"* ]]
	[ ! -e "$OUT/price.tsv" ]
	hosts_clean
	# The rerun on the good hosts computes only what is missing.
	kept=$(ls "$(rundir)"/shard-*.part 2>/dev/null | wc -l)
	HOSTS="$DIST/hosts" SHARDS=7 run -0 price
	[ "$(tail -n +2 "$(rundir)/jobs.log" | wc -l)" -eq $((7 - kept)) ]
	cmp "$DIST/local/price.tsv" "$OUT/price.tsv"
}

@test "RETRIES=1 moves what the refusing host failed to another host: same bytes" {
	need_ssh
	HOSTS="$DIST/hosts-dead" SHARDS=7 RETRIES=1 run -0 --separate-stderr price
	cmp "$DIST/local/price.tsv" "$OUT/price.tsv"
	# Every shard's last (successful) try was on a host that answers.
	log="$(rundir)/jobs.log"
	[ "$(tail -n +2 "$log" | awk -F '\t' '$7 == 0 && $2 != "mcpipe-h1@127.0.0.2"' | wc -l)" -eq 7 ]
	hosts_clean
}

@test "a shard that fails on every try fails the run despite RETRIES, naming it" {
	need_ssh
	export SHARDS=4
	run -0 prepare-run
	spoil_shard "$output" 1
	HOSTS="$DIST/hosts" RETRIES=2 run -1 --separate-stderr price
	[[ "$stderr" == *"simpaths: stdin:3: invalid first 'junk'"* ]]
	[[ "$stderr" =~ "price: shard 1 failed on "[^:]+": exit status 1 (tried 3 times)" ]]
	[ ! -e "$OUT/price.tsv" ]
	[ ! -e "$(rundir)/shard-1.part" ]
	hosts_clean
}

@test "a failed shard stops the jobs running on the hosts: no process, no file left" {
	need_ssh
	# Shards of 5*10^8 paths, one at a time on each host (three on two
	# cores, so that the failing one is not starved): minutes each, so the
	# two others are still running when shard 1 fails, seconds after the
	# start; and still running after the checks below unless the failure
	# stopped them.
	export PATHS=2000000000 SHARDS=4
	run -0 prepare-run
	spoil_shard "$output" 1
	HOSTS="$DIST/hosts" JOBS=1 run -1 --separate-stderr price
	[[ "$stderr" =~ "price: shard 1 failed on "[^:]+": exit status 1" ]]
	[ -z "$(ls "$(rundir)" | grep '^shard-')" ]
	hosts_clean
}

@test "make price HOSTS= stopped by TERM mid-run: GNU parallel and the shards stop, nothing left here or on the hosts" {
	need_ssh
	cd "$BATS_TEST_TMPDIR"
	# (shards of 5*10^8 paths, one at a time on each host: minutes each;
	# the run is stopped once a host computes. Before: parallel-run,
	# parallel and the shards went on, here and on the hosts)
	export PATHS=2000000000 SHARDS=4
	HOSTS="$DIST/hosts" JOBS=1 setsid bash -c 'echo $$ >session; exec price' >first.log 2>&1 </dev/null &
	local job=$!
	local remote=
	for _ in $(seq 1500); do
		remote=$(ps -u mcpipe-h1,mcpipe-h2 -o args= | grep '^simpaths ' || true)
		[ -z "$remote" ] || break
		sleep 0.02
	done
	[ -n "$remote" ]
	stop_session "$job"
	hosts_clean
	[ ! -e "$(rundir)/.mcpipe" ]
	[ ! -e "$OUT/price.tsv" ]
}

# ---- SCHEDULER=slurm: a job array -----------------------------------------

@test "SCHEDULER=slurm prices as a SLURM job array: same bytes as a local run" {
	need_slurm
	SCHEDULER=slurm SHARDS=4 run -0 price
	[[ "$output" == *"closed form 10.450584"* ]]
	cmp "$DIST/local/price.tsv" "$OUT/price.tsv"
	# One array task per shard, each with its log beside the partials.
	[ "$(ls "$(rundir)"/slurm/*_[0-3].log | wc -l)" -eq 4 ]
}

# queue_until empty|nonempty SECONDS: SLURM's queue (its job ids) once it
# is empty, or not, or as it is after SECONDS.
queue_until() {
	local queued end=$((SECONDS + $2))
	while :; do
		queued=$(squeue --noheader --format=%i 2>/dev/null || true)
		case $1 in empty) [ -z "$queued" ] ;; nonempty) [ -n "$queued" ] ;; esac && break
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.05
	done
	printf '%s' "$queued"
}

@test "SCHEDULER=slurm stopped by TERM mid-run: its job array cancelled, nothing of it left" {
	need_slurm
	cd "$BATS_TEST_TMPDIR"
	# (shards of 5*10^8 paths: minutes each; the run is stopped once its
	# array is queued)
	export PATHS=2000000000 SHARDS=4
	SCHEDULER=slurm setsid bash -c 'echo $$ >session; exec price' >first.log 2>&1 </dev/null &
	local job=$!
	local queued
	queued=$(queue_until nonempty 30)
	echo "queued: $queued"
	[ -n "$queued" ]
	kill -TERM "$(cat session)"   # price itself (exec'd by the session's leader)
	local status=0
	wait "$job" || status=$?
	echo "price: exit $status"
	cat first.log
	[ "$status" -eq 143 ]
	# (cancelled jobs stay in the queue while they complete: up to 30 s)
	queued=$(queue_until empty 30)
	echo "still queued: $queued"
	[ -z "$queued" ]
	[ ! -e "$OUT/price.tsv" ]
}

@test "SCHEDULER=slurm: more shards than MaxArraySize (5 here) go in chunks of arrays: same bytes" {
	need_slurm
	OUT="$BATS_TEST_TMPDIR/local" SHARDS=11 run -0 price
	SCHEDULER=slurm SHARDS=11 run -0 price
	cmp "$BATS_TEST_TMPDIR/local/price.tsv" "$OUT/price.tsv"
	# three arrays: indices 0-4, 0-4 and 0 (shards 0-4, 5-9, 10)
	[ "$(ls "$(rundir)"/slurm/*.log | wc -l)" -eq 11 ]
	[ "$(ls "$(rundir)"/slurm/*.log | sed 's/_.*//' | sort -u | wc -l)" -eq 3 ]
	[ "$(ls "$(rundir)"/slurm/*_[5-9].log 2>/dev/null | wc -l)" -eq 0 ]
}

@test "SCHEDULER=slurm: more shards than the cluster's MaxJobCount (30 here) refused before any array, not sbatch retrying" {
	need_slurm
	# (before: sbatch "temporarily unable to accept job, sleeping and
	# retrying" with growing pauses, until it gave up, "sbatch failed")
	SCHEDULER=slurm SHARDS=31 PATHS=31000 run -2 --separate-stderr price
	[ "${stderr_lines[0]}" = "price: SCHEDULER=slurm: 31 shards to run, more than the cluster's MaxJobCount (30; each shard is an array task, which counts as a job): fewer SHARDS" ]
	[ ! -e "$(rundir)/slurm" ] || [ -z "$(ls "$(rundir)/slurm")" ]
	[ ! -e "$OUT/price.tsv" ]
	SCHEDULER=slurm SHARDS=6 run -0 price
}

@test "SCHEDULER=slurm: an OUT of quotes, ;, \$(...) and backquotes is a name: same bytes, and nothing runs" {
	need_slurm
	canary="$BATS_TEST_TMPDIR/canary"
	OUT="$BATS_TEST_TMPDIR/o u'\"t;touch $canary;\$(touch $canary)\`touch $canary\`*"
	SCHEDULER=slurm SHARDS=4 run -0 price
	cmp "$DIST/local/price.tsv" "$OUT/price.tsv"
	[ ! -e "$canary" ]
}

@test "SCHEDULER=slurm: American, with its upper bound's own job array: same bytes as a local run" {
	need_slurm
	export PAYOFF=american-put STEPS=4 PATHS=3000 TRAIN_PATHS=1000 UPPER=30 INNER=20
	OUT="$BATS_TEST_TMPDIR/local" SHARDS=3 run -0 price
	SCHEDULER=slurm SHARDS=3 run -0 price
	grep -q '^upper' "$OUT/price.tsv"
	cmp "$BATS_TEST_TMPDIR/local/price.tsv" "$OUT/price.tsv"
	[ "$(ls "$(rundir)"/upper-30-20/slurm/*.log | wc -l)" -eq 3 ]
}

@test "SCHEDULER=slurm RETRIES=1 resubmits a task that failed once: same bytes" {
	need_slurm
	shim="$BATS_TEST_TMPDIR/shim"
	mkdir "$shim"
	cp "$FIXTURES/distributed/flaky-simpaths" "$shim/simpaths"
	export REAL_SIMPATHS="$BUILD/bin/simpaths" FLAKY_TASK=2 FLAKY_DIR="$BATS_TEST_TMPDIR"
	# Without RETRIES the hiccup fails the run, naming the shard.
	PATH="$shim:$PATH" SCHEDULER=slurm SHARDS=4 run -1 --separate-stderr price
	[[ "$stderr" =~ "price: shard 2 failed in SLURM job "[0-9]+_2 ]]
	[[ "$stderr" == *"simpaths: injected failure (task 2, first try)"* ]]
	[ ! -e "$OUT/price.tsv" ]
	rmdir "$FLAKY_DIR/failed-once"
	rm -r "$OUT"
	PATH="$shim:$PATH" SCHEDULER=slurm SHARDS=4 RETRIES=1 run -0 --separate-stderr price
	[[ "$stderr" =~ "price: shard 2 failed in SLURM job "[0-9]+"; resubmitting (retry 1 of 1)" ]]
	[ -d "$FLAKY_DIR/failed-once" ]
	cmp "$DIST/local/price.tsv" "$OUT/price.tsv"
}

@test "SCHEDULER=slurm: a shard that fails on every try fails the run, with its output" {
	need_slurm
	export SHARDS=4
	run -0 prepare-run
	spoil_shard "$output" 2
	SCHEDULER=slurm RETRIES=2 run -1 --separate-stderr price
	[[ "$stderr" =~ "price: shard 2 failed in SLURM job "[0-9]+"_2 (tried 3 times)" ]]
	[[ "$stderr" == *"simpaths: stdin:3: invalid first 'junk'"* ]]
	[[ "$stderr" == *"price: a shard failed; rerun to resume"* ]]
	[ ! -e "$OUT/price.tsv" ]
	[ "$(ls "$(rundir)"/shard-*.part | wc -l)" -eq 3 ]
}

# ---- make calibrate and make var, over ssh and SLURM ----------------------

# A small calibration of the DAX surface: 16 candidates in 5 batches, one
# start, a Monte Carlo check of 2000 paths (8 maturities, 8 shards): seconds,
# enough for every batch to land somewhere.
calibrate_vars=(STARTS=1 CHECK_PATHS=2000 SHARDS=5 V0_GRID=0.1,0.2 KAPPA_GRID=1,5
                THETA_GRID=0.05,0.1 XI_GRID=0.5,2 RHO_GRID=-0.5)

# calibrate_local DIR: the same search, here, under GNU parallel.
calibrate_local() {
	run -0 make -s -C "$ROOT" calibrate SURFACE=data/dax-2002-07-05.tsv "${calibrate_vars[@]}" OUT="$1"
}

# same_calibration A B: the same candidates, fit, parameters and Monte
# Carlo check, byte for byte.
same_calibration() {
	cmp "$1/candidates.tsv" "$2/candidates.tsv"
	cmp "$1/calibration.tsv" "$2/calibration.tsv"
	cmp "$1/fit.tsv" "$2/fit.tsv"
	cmp "$1/check.tsv" "$2/check.tsv"
	[ "$(tail -n +2 "$1/candidates.tsv" | wc -l)" -eq 16 ]
	[ "$(tail -n +2 "$1/check.tsv" | wc -l)" -eq 104 ]
}

@test "make calibrate HOSTS= runs the search's batches and the check on two ssh hosts and here: same bytes, hostile names are names" {
	need_ssh
	calibrate_local "$BATS_TEST_TMPDIR/local"
	canary="$BATS_TEST_TMPDIR/canary"
	evil="o u'\"t;touch $canary;\$(touch $canary)\`touch $canary\`*"
	mkdir -p "$BATS_TEST_TMPDIR/$evil"
	cp "$ROOT/data/dax-2002-07-05.tsv" "$BATS_TEST_TMPDIR/$evil/s;\$(id).tsv"
	OUT="$BATS_TEST_TMPDIR/$evil/out"
	run -0 make -s -C "$ROOT" calibrate SURFACE="$BATS_TEST_TMPDIR/$evil/s;\$(id).tsv" \
		"${calibrate_vars[@]}" HOSTS="$DIST/hosts" OUT="$OUT"
	same_calibration "$BATS_TEST_TMPDIR/local" "$OUT"
	[ ! -e "$canary" ]
	# every batch and every maturity's check once, and each host (as its
	# own user) computed some
	log="$OUT/calibrate-run/jobs.log" check="$OUT/calibrate-run/check/jobs.log"
	[ "$(tail -n +2 "$log" | awk -F '\t' '$7 == 0' | wc -l)" -eq 5 ]
	[ "$(tail -n +2 "$check" | awk -F '\t' '$7 == 0' | wc -l)" -eq 8 ]
	cat "$log" "$check" | grep -q $'\tmcpipe-h1@127.0.0.1\t'
	cat "$log" "$check" | grep -q $'\tmcpipe-h2@127.0.0.1\t'
	hosts_clean
}

@test "make calibrate SCHEDULER=slurm runs the search's batches and the check's maturities as job arrays: same bytes" {
	need_slurm
	calibrate_local "$BATS_TEST_TMPDIR/local"
	run -0 make -s -C "$ROOT" calibrate SURFACE=data/dax-2002-07-05.tsv "${calibrate_vars[@]}" \
		SHARDS=6 SCHEDULER=slurm OUT="$OUT"
	same_calibration "$BATS_TEST_TMPDIR/local" "$OUT"
	[ "$(ls "$OUT"/calibrate-run/slurm/*.log | wc -l)" -eq 6 ]
	[ "$(ls "$OUT"/calibrate-run/slurm/*.log | sed 's/_.*//' | sort -u | wc -l)" -eq 2 ]
	[ "$(ls "$OUT"/calibrate-run/check/slurm/*.log | wc -l)" -eq 8 ]
}

@test "make calibrate: a batch that fails on every host fails the run, naming it" {
	need_ssh
	# one candidate, one batch, and the shipped calibrate replaced, in a
	# bin/ of its own, by one that fails
	shim="$BATS_TEST_TMPDIR/bin"
	mkdir "$shim"
	cp "$BUILD"/bin/* "$shim/"
	printf '#!/bin/sh\necho "calibrate: injected failure" >&2\nexit 1\n' >"$shim/calibrate"
	PATH="$shim:$ROOT/pipeline:$PATH" SURFACE="$ROOT/data/dax-2002-07-05.tsv" HOSTS="$DIST/hosts" \
		STARTS=1 CHECK_PATHS=0 SHARDS=1 V0_GRID=0.1 KAPPA_GRID=1 THETA_GRID=0.05 XI_GRID=0.5 RHO_GRID=-0.5 \
		run -1 --separate-stderr "$ROOT/pipeline/calibrate"
	[[ "$stderr" == *"calibrate: injected failure"* ]]
	[[ "$stderr" =~ "calibrate: shard 0 failed on "[^:]+": exit status 1" ]]
	[[ "$stderr" == *"calibrate: the search failed"* ]]
	[ ! -e "$OUT/calibration.tsv" ]
	hosts_clean
}

# A small make var (20000 scenarios in 5 shards).
var_vars=(SCENARIOS=20000 SHARDS=5)

@test "make var HOSTS= computes its shards on two ssh hosts and here: same bytes, hostile names are names" {
	need_ssh
	run -0 make -s -C "$ROOT" var "${var_vars[@]}" OUT="$BATS_TEST_TMPDIR/local"
	canary="$BATS_TEST_TMPDIR/canary"
	evil="o u'\"t;touch $canary;\$(touch $canary)\`touch $canary\`*"
	mkdir -p "$BATS_TEST_TMPDIR/$evil"
	cp "$ROOT/data/market.tsv" "$BATS_TEST_TMPDIR/$evil/m;\$(id).tsv"
	OUT="$BATS_TEST_TMPDIR/$evil/out"
	run -0 make -s -C "$ROOT" var "${var_vars[@]}" MARKET="$BATS_TEST_TMPDIR/$evil/m;\$(id).tsv" \
		HOSTS="$DIST/hosts" OUT="$OUT"
	cmp "$BATS_TEST_TMPDIR/local/var.tsv" "$OUT/var.tsv"
	cmp "$BATS_TEST_TMPDIR/local/contributions.tsv" "$OUT/contributions.tsv"
	[ ! -e "$canary" ]
	log="$OUT/var-run/jobs.log"
	[ "$(tail -n +2 "$log" | awk -F '\t' '$7 == 0' | wc -l)" -eq 5 ]
	grep -q $'\tmcpipe-h1@127.0.0.1\t' "$log"
	grep -q $'\tmcpipe-h2@127.0.0.1\t' "$log"
	hosts_clean
}

@test "make var SCHEDULER=slurm computes its shards as job arrays: same bytes" {
	need_slurm
	run -0 make -s -C "$ROOT" var "${var_vars[@]}" OUT="$BATS_TEST_TMPDIR/local"
	run -0 make -s -C "$ROOT" var "${var_vars[@]}" SHARDS=6 SCHEDULER=slurm OUT="$OUT"
	cmp "$BATS_TEST_TMPDIR/local/var.tsv" "$OUT/var.tsv"
	cmp "$BATS_TEST_TMPDIR/local/contributions.tsv" "$OUT/contributions.tsv"
	[ "$(ls "$OUT"/var-run/slurm/*.log | wc -l)" -eq 6 ]
}

# A small make credit (20000 scenarios of the example book, in 5 shards;
# IS=1: the likelihood ratios too).
credit_vars=(SCENARIOS=20000 SHARDS=5 IS=1)

@test "make credit HOSTS= computes its shards on two ssh hosts and here: same bytes, hostile names are names" {
	need_ssh
	run -0 make -s -C "$ROOT" credit "${credit_vars[@]}" OUT="$BATS_TEST_TMPDIR/local"
	canary="$BATS_TEST_TMPDIR/canary"
	evil="o u'\"t;touch $canary;\$(touch $canary)\`touch $canary\`*"
	mkdir -p "$BATS_TEST_TMPDIR/$evil"
	cp "$ROOT/data/loans.tsv" "$BATS_TEST_TMPDIR/$evil/l;\$(id).tsv"
	OUT="$BATS_TEST_TMPDIR/$evil/out"
	run -0 make -s -C "$ROOT" credit "${credit_vars[@]}" LOANS="$BATS_TEST_TMPDIR/$evil/l;\$(id).tsv" \
		SECTORS="$ROOT/data/sectors.tsv" HOSTS="$DIST/hosts" OUT="$OUT"
	for f in credit.tsv credit-contributions.tsv credit-distribution.tsv; do
		cmp "$BATS_TEST_TMPDIR/local/$f" "$OUT/$f"
	done
	[ ! -e "$canary" ]
	log=$(echo "$OUT"/credit-run-*/jobs.log)
	[ "$(tail -n +2 "$log" | awk -F '\t' '$7 == 0' | wc -l)" -eq 5 ]
	grep -q $'\tmcpipe-h1@127.0.0.1\t' "$log"
	grep -q $'\tmcpipe-h2@127.0.0.1\t' "$log"
	hosts_clean
}

@test "make credit SCHEDULER=slurm computes its shards as job arrays: same bytes" {
	need_slurm
	run -0 make -s -C "$ROOT" credit "${credit_vars[@]}" OUT="$BATS_TEST_TMPDIR/local"
	run -0 make -s -C "$ROOT" credit SCENARIOS=20000 IS=1 SHARDS=6 SCHEDULER=slurm OUT="$OUT"
	for f in credit.tsv credit-contributions.tsv credit-distribution.tsv; do
		cmp "$BATS_TEST_TMPDIR/local/$f" "$OUT/$f"
	done
	[ "$(ls "$OUT"/credit-run-*/slurm/*.log | wc -l)" -eq 6 ]
}

# ---- usage ------------------------------------------------------------------

@test "HOSTS, SCHEDULER and RETRIES are checked before any work" {
	not_sanitized
	HOSTS=/nonexistent/hosts run -2 --separate-stderr price
	[ "$stderr" = "price: HOSTS=/nonexistent/hosts: cannot read this file" ]
	SCHEDULER=pbs run -2 --separate-stderr price
	[ "$stderr" = "price: SCHEDULER=pbs: want slurm, or nothing for GNU parallel" ]
	RETRIES=-1 run -2 --separate-stderr price
	[ "$stderr" = "price: RETRIES=-1: want a whole number from 0 to 100 (decimal digits, no sign, no leading zero)" ]
	HOSTS="$ROOT/data/hosts.example" SCHEDULER=slurm run -2 --separate-stderr price
	[[ "$stderr" == "price: HOSTS="*" and SCHEDULER=slurm: choose one" ||
	   "$stderr" == "price: SCHEDULER=slurm: sbatch not found"* ]]
	[ ! -e "$OUT" ]
}
