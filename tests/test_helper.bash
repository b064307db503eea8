bats_require_minimum_version 1.5.0

# test_helper.bash: loaded by every suite.
#
# Puts the freshly built tools first on PATH: build/bin by default, or the
# sanitized build when MCPIPE_BUILD=build/asan. $UNIT holds the unit-test
# programs, $ROOT the checkout, $FIXTURES the fixture files; each test gets
# its scratch directory from bats ($BATS_TEST_TMPDIR).
ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
BUILD="$ROOT/${MCPIPE_BUILD:-build}"
UNIT="$BUILD/unit"
FIXTURES="$ROOT/tests/fixtures"
PATH="$BUILD/bin:$ROOT/pipeline:$PATH"
export ROOT BUILD UNIT FIXTURES PATH
# Sanitizers: fail loudly on the first report.
export ASAN_OPTIONS="abort_on_error=0:exitcode=99:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=99:print_stacktrace=1"

# Skip a slow test unless `make check-expensive` asked for it.
expensive() {
	[ -n "${MCPIPE_EXPENSIVE:-}" ] || skip "expensive: run with make check-expensive"
}

# Skip a test that checks numbers, not memory safety, in the sanitized run.
not_sanitized() {
	[ -z "${MCPIPE_SANITIZED:-}" ] || skip "numbers only: not repeated under sanitizers"
}

# Data rows of a stream: no metadata, no header.
rows() {
	grep -v '^#' "$@" | tail -n +2
}

# synopsis_of MANPAGE: the SYNOPSIS section as rendered, on one line.
synopsis_of() {
	MANWIDTH=300 man -l "$1" 2>/dev/null | col -bx | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' |
		sed '1d;$d' | tr -s ' \n' ' ' | sed 's/^ //;s/ $//'
}

# usage_of TOOL: the usage paragraph of TOOL --help, on one line.
usage_of() {
	"$1" --help | sed -n '1,/^$/p' | sed 's/^usage: //' | tr -s ' \n' ' ' | sed 's/^ //;s/ $//'
}

# man_examples PAGE: runs every `$ command` of PAGE's EXAMPLES in a scratch
# directory; each must succeed and print exactly the lines shown under it
# (stdout and stderr together; an error message shown may exit non-zero).
man_examples() {
	cd "$BATS_TEST_TMPDIR"
	python3 - "$1" <<-'EOF'
	import re, subprocess, sys
	text = open(sys.argv[1]).read().split('.Sh EXAMPLES', 1)[1].split('\n.Sh ', 1)[0]
	count = 0
	for block in re.findall(r'^\.Bd -literal[^\n]*\n(.*?)^\.Ed$', text, re.S | re.M):
	    lines = [l.replace('\\e', '\\').replace('\\&', '') for l in block.splitlines()]
	    i = 0
	    while i < len(lines):
	        assert lines[i].startswith('$ '), ('output without a command', lines[i])
	        command = lines[i][2:]
	        while lines[i].endswith(('|', '\\')):
	            i += 1
	            command += '\n' + lines[i]
	        i += 1
	        shown = []
	        while i < len(lines) and not lines[i].startswith('$ '):
	            shown.append(lines[i])
	            i += 1
	        run = subprocess.run(['bash', '-o', 'pipefail', '-c', command],
	                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
	        got = run.stdout.splitlines()
	        if shown:
	            assert got == shown, (command, got, shown)
	        else:
	            assert run.returncode == 0, (command, run.stdout)
	        count += 1
	assert count > 0
	EOF
}

# usage_fails MESSAGE ARGS...: $TOOL ARGS (each suite sets TOOL) exits 2,
# writes nothing on stdout and exactly "$TOOL: MESSAGE" and the --help hint
# on stderr.
usage_fails() {
	local message=$1
	shift
	run -2 --separate-stderr "$TOOL" "$@" </dev/null
	echo "stderr: $stderr"   # shown when the test fails
	[ "$output" = "" ]
	[ "$stderr" = "$TOOL: $message"$'\n'"Try '$TOOL --help' for more information." ]
}

# field NAME COLUMN FILE: column COLUMN (1-based) of row NAME of a table
# (aggregate's or closedform's); fails when the row is missing.
field() {
	awk -F'\t' -v name="$1" -v col="$2" \
		'!/^#/ && $1 == name { print $col; found = 1 } END { exit !found }' "$3"
}

# closed_row PAYOFF ROW OPTIONS...: closedform's value in row ROW (price,
# price-continuous, delta, ...) for PAYOFF with the model and payoff OPTIONS.
closed_row() {
	local payoff=$1 row=$2
	shift 2
	closedform "$@" --payoff "$payoff" >"$BATS_TEST_TMPDIR/closed.tsv"
	field "$row" 2 "$BATS_TEST_TMPDIR/closed.tsv"
}

# closed PAYOFF OPTIONS...: closedform's price.
closed() {
	local payoff=$1
	shift
	closed_row "$payoff" price "$@"
}

# needs_package PACKAGE COMMAND: skips the test when COMMAND (or a file,
# /path) is missing,
# naming the Debian PACKAGE that has it. Under CI (CI set and not 0 or
# false: CI services set CI=true) it fails instead: there make test has
# installed PACKAGE (mk/deps.mk), so its absence is a broken setup, and a
# skip would hide the tests it stops.
needs_package() {
	case $2 in
	/*) [ -r "$2" ] && return 0 ;;   # a file the package installs
	*) command -v "$2" >/dev/null && return 0 ;;
	esac
	case ${CI:-} in
	'' | 0 | false) skip "no $2 (Debian package $1; make deps-test installs it)" ;;
	esac
	echo "CI: no $2, but make test installs Debian package $1 (mk/deps.mk): a broken setup" >&2
	return 1
}

# session_ended SID: true once no process of session SID is left, within
# about 5 s (a stopped run's GNU parallel and shards would hold OUT's
# lock); names what is left otherwise. A zombie is no process left: it
# holds nothing, and the orphans' reaper (PID 1 or a subreaper) may take
# its time (this machine's init: up to 2 s; a container's may never).
session_ended() {
	local left=
	for _ in $(seq 50); do
		left=$(ps -eo sid=,stat=,pid=,args= | awk -v sid="$1" '$1 == sid && $2 !~ /^Z/')
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	echo "left: $left"
	return 1
}

# spoil_shard RUNDIR SHARD: SHARD's row of RUNDIR/seeds.tsv given the first
# path 'junk', so that simpaths refuses that shard alone ("simpaths:
# stdin:3: invalid first 'junk'") and the run fails on it.
spoil_shard() {
	awk -v shard="$2" 'BEGIN { FS = OFS = "\t" } !/^#/ && $1 == shard { $2 = "junk" } 1' \
		"$1/seeds.tsv" >"$1/seeds.tsv.spoilt"
	mv "$1/seeds.tsv.spoilt" "$1/seeds.tsv"
}

# stopped_mid_run SHARD COMMAND...: runs COMMAND (a job script) in a
# session of its own, output in first.log, and once a process of SHARD
# (a shard command's name: price-shard, credit-shard) runs in it sends
# TERM to the job script; fails unless it then exits 143 and nothing of
# its session is left running a few seconds later (GNU parallel and the
# shards would hold OUT's lock). $sid is the session's.
stopped_mid_run() {
	local name=$1
	shift
	setsid bash -c 'echo $$ >session; exec "$@"' - "$@" >first.log 2>&1 </dev/null &
	local job=$!
	for _ in $(seq 500); do [ -s session ] && break; sleep 0.02; done
	sid=$(cat session)
	local shard=
	for _ in $(seq 3000); do
		shard=$(ps -eo sid=,args= | awk -v sid="$sid" -v name="$name" '$1 == sid && $3 ~ ("/" name "$")')
		[ -z "$shard" ] || break
		sleep 0.02
	done
	echo "shard: $shard"
	[ -n "$shard" ] || { echo "job's output:"; cat first.log; return 1; }
	stop_session "$job"
}

# stop_session JOB: TERM to a job script that a test started in a session
# of its own (`setsid bash -c 'echo $$ >session; exec JOB...' >first.log
# &`, JOB the background job's pid); fails unless it exits 143 and
# nothing of its session is left running a few seconds later (GNU parallel
# and the shards would hold OUT's lock). $sid is the session's.
stop_session() {
	sid=$(cat session)
	kill -TERM "$sid"   # the job itself (exec'd by the session's leader)
	local status=0
	wait "$1" || status=$?
	echo "job: exit $status"
	[ "$status" -eq 143 ] || { echo "job's output:"; cat first.log; return 1; }
	session_ended "$sid" || return 1
	rm session
}

# stopped_at_moments TIMES RUNDIR COMMAND ARG...: runs COMMAND ARG... (a
# shard script: its partials shard-*.part in RUNDIR removed first each
# time) TIMES times, in a session and process group of its own, and stops
# it as GNU parallel and price stop a job, TERM to its process group, a
# random 5 to 155 ms after its start (the same moments each test run:
# RANDOM seeded); fails unless each time it exits 0 or 143 and then, at
# once, nothing of it is left running and no temporary (*.tmp.*) in
# RUNDIR. Says how many stops left either. Meanwhile a busy loop a core,
# at nice 19, as a loaded machine: a child that the script forks as the
# TERM comes waits for a core (price-shard before session 13 left a
# temporary in 6 to 10 of 40 stops so, 3 runs; on the idle machine in 0
# of 40, 2 of 100). (timeout: none left spinning by a test cut short)
stopped_at_moments() {
	local times=$1 rundir=$2 i job status pids left=0 alive=0 failed= busy=()
	shift 2
	for ((i = 0; i < $(nproc); i++)); do
		timeout 300 nice -n 19 yes >/dev/null 2>&1 3>&- &
		busy+=($!)
	done
	RANDOM=20261206
	for ((i = 0; i < times; i++)); do
		rm -f "$rundir"/shard-*.part
		setsid "$@" </dev/null &
		job=$!
		sleep "0.$(printf %03d $((RANDOM % 150 + 5)))"
		kill -TERM -- "-$job" 2>/dev/null || true   # (it may have ended)
		status=0
		wait "$job" || status=$?
		[ "$status" -eq 0 ] || [ "$status" -eq 143 ] || { echo "exit $status"; failed=1; break; }
		pids=$(ps -eo sid=,stat=,pid=,args= | awk -v sid="$job" '$1 == sid && $2 !~ /^Z/')
		[ -z "$pids" ] || { alive=$((alive + 1)); echo "left running: $pids"; }
		if ! no_temporaries "$rundir"; then
			left=$((left + 1))
			find "$rundir" -name '*.tmp.*' -delete
		fi
		session_ended "$job" || { failed=1; break; }
	done
	kill "${busy[@]}"
	wait "${busy[@]}" 2>/dev/null || true
	echo "of $times stops: $left left a temporary, $alive a process running"
	[ -z "$failed" ] && [ "$left" -eq 0 ] && [ "$alive" -eq 0 ]
}

# no_temporaries DIR: true when no temporary partial (*.tmp.*) is left
# anywhere in DIR; else false, each one named (left behind: PATH).
no_temporaries() {
	local left
	left=$(find "$1" -name '*.tmp.*')
	[ -z "$left" ] || { sed 's/^/left behind: /' <<<"$left"; return 1; }
}

# running PID...: true when one of the PIDs is a process still running (a
# zombie is not: it has ended, and waits for its reaper, which may be
# slow; see session_ended).
running() {
	ps -o stat= -p "$(IFS=,; echo "$*")" | grep -qv '^Z'
}

# A machine whose environment has no HOME (a bare container, some CI
# runners): GNU parallel then warns on stderr ("$HOME not set. Using
# /tmp."), which every message test would see. Suites that want GNU
# parallel's state apart set HOME themselves.
[ -n "${HOME:-}" ] || export HOME="$BATS_RUN_TMPDIR"

# GNU parallel's cache (the longest command line it may give a job, which
# it finds by running echo with ever longer arguments: 0.1 s of CPU and up
# to seconds of a loaded machine's wall at its first start under a new
# HOME) kept for the whole bats run: the suites set HOME to each test's
# own directory, where it was found again in every test (issue 20,
# session 12). Its config then comes from there too: none, as under a
# test's new HOME.
export PARALLEL_HOME="$BATS_RUN_TMPDIR/parallel"
