#!/usr/bin/env bats
# make convergence (pipeline/convergence, convergence.gp): the standard
# error of the arithmetic Asian against paths, four methods, slopes fitted
# on log-log axes, a gnuplot PNG; its variables checked before any work.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	export HOME="$BATS_TEST_TMPDIR"   # GNU parallel keeps its state here
	export OUT="$BATS_TEST_TMPDIR/out" JOBS=2
	unset MCPIPE_GIVEN STEPS PATHS SEED
}

@test "make convergence: a row per method and size, the slopes, and the picture" {
	not_sanitized   # the glue's test; simpaths and aggregate have their own sanitized suites
	# 12 dates, 2^10 to 2^12 paths: a second or two
	STEPS=12 PATHS=4096 run -0 --separate-stderr convergence
	printf '%s\n' "${lines[@]}"
	[ "${lines[0]}" = "error against paths: arithmetic Asian call, 12 dates, paths 1024 to 4096, seed 20261127" ]
	[[ "${lines[1]}" =~ ^\ \ Monte\ Carlo\ +slope\ -0\.[0-9]+\ +stderr\ [0-9.e-]+\ at\ 4096\ paths\ \(price\ [0-9.]+\)$ ]]
	[[ "${lines[2]}" =~ ^\ \ Monte\ Carlo\ \+\ control\ +slope\ -0\.[0-9]+\  ]]
	[[ "${lines[3]}" =~ ^\ \ QMC\ \(Sobol,\ Brownian\ bridge\)\ +slope\ -[0-9.]+\  ]]
	[[ "${lines[4]}" =~ ^\ \ QMC\ \+\ control\ +slope\ -[0-9.]+\  ]]
	[ "${lines[5]}" = "$OUT/convergence.tsv, $OUT/convergence.png (${lines[5]##*(}" ]
	# 4 methods x 3 sizes, header and metadata
	[ "$(sed -n 2p "$OUT/convergence.tsv")" = "$(printf 'method\tpaths\testimate\tstderr')" ]
	[ "$(grep -c . "$OUT/convergence.tsv")" -eq 14 ]
	[ "$(awk -F '\t' 'NR > 2 { print $1 ":" $2 }' "$OUT/convergence.tsv" | tr '\n' ' ')" = \
		"mc:1024 mc:2048 mc:4096 mc-control:1024 mc-control:2048 mc-control:4096 qmc:1024 qmc:2048 qmc:4096 qmc-control:1024 qmc-control:2048 qmc-control:4096 " ]
	# each row is the first PATHS paths of the seed's run: simpaths and
	# aggregate give the same numbers by hand
	local want
	want=$(simpaths --steps 12 -e summary -p asian-call-arith -K 100 --qmc sobol --replicates 16 \
		--count 2048 --seed 20261127 --partial | aggregate | awk -F '\t' '$1 == "price" { print $2 "\t" $3 }')
	[ "$(awk -F '\t' '$1 == "qmc" && $2 == 2048 { print $3 "\t" $4 }' "$OUT/convergence.tsv")" = "$want" ]
	# plain Monte Carlo's slope is -1/2 within its noise over 3 sizes; the
	# control's error is far below plain Monte Carlo's at every size
	awk -F '\t' '$1 == "mc" { mc[$2] = $4 } $1 == "mc-control" { c[$2] = $4 }
		END { for (n in mc) if (!(c[n] < mc[n] / 5)) exit 1 }' "$OUT/convergence.tsv"
	[ "$(head -c 8 "$OUT/convergence.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
}

@test "make convergence: bad variables are refused before any work, naming them" {
	PATHS=3000 run -2 --separate-stderr convergence
	[ "$stderr" = "convergence: PATHS=3000: want a power of two from 2048 (2^11) to 1073741824 (2^30)" ]
	PATHS=1024 run -2 --separate-stderr convergence
	[ "$stderr" = "convergence: PATHS=1024: want a power of two from 2048 (2^11) to 1073741824 (2^30)" ]
	STEPS=0 run -2 --separate-stderr convergence
	[ "$stderr" = "convergence: STEPS=0: want a whole number from 1 to 9999" ]
	SEED=-1 run -2 --separate-stderr convergence
	[ "$stderr" = "convergence: SEED=-1: want a whole number from 0 to 18446744073709551615" ]
	JOBS='2;touch canary' run -2 --separate-stderr convergence
	[ "$stderr" = "convergence: JOBS=2;touch canary: want a whole number from 1 to 1024" ]
	[ ! -e "$OUT" ]
	[ ! -e canary ]
	run -2 --separate-stderr make -s -C "$ROOT" convergence STEPZ=1 OUT="$OUT"
	[ "${stderr_lines[0]}" = "convergence: STEPZ=1: unknown variable; did you mean STEPS?" ]
	run -2 --separate-stderr make -s -C "$ROOT" convergence SIGMA=0.3 OUT="$OUT"
	[ "${stderr_lines[0]}" = "convergence: SIGMA=0.3: a variable of make price, not of make convergence" ]
	run -2 --separate-stderr make -s -C "$ROOT" convergence 'PATHS=$(shell touch canary)' OUT="$OUT"
	[ "${stderr_lines[0]}" = 'convergence: PATHS=$(shell touch canary): want a power of two from 2048 (2^11) to 1073741824 (2^30)' ]
	[ ! -e canary ]
	[ ! -e "$OUT" ]
}
