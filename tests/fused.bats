#!/usr/bin/env bats
# simpaths --payoff [--partial]: the stages after simpaths fused into one
# process must write, byte for byte, what the pipeline they replace writes:
#     simpaths S --payoff P            ==  simpaths S | payoff P
#     simpaths S --payoff P --partial  ==  simpaths S | payoff P | aggregate -p
# for every payoff, emission, control, Greek, antithetic pairing and number
# format, over shard streams whose ranges end inside a vector block; and
# for American payoffs, with exercise in payoff's place:
#     simpaths S -p american-put --coefficients R  ==  simpaths S | exercise -c R

bats_require_minimum_version 1.5.0
load test_helper

TOOL=simpaths

# same SIM PAY [STAGE]: both identities for simpaths options SIM (a string)
# and the options PAY of STAGE (payoff, or exercise, whose PAY holds
# --coefficients, which simpaths takes too), on 3 shards of 700 paths
# (700 = 43 blocks of 16, and 12 paths over) from one genseeds stream.
same() {
	local sim=$1 pay=$2 stage=${3:-payoff} d=$BATS_TEST_TMPDIR
	echo "case: simpaths $sim | $stage $pay"   # shown when the test fails
	genseeds --paths 2100 --shards 3 --seed 11 >"$d/seeds"
	# shellcheck disable=SC2086
	{
		simpaths $sim <"$d/seeds" | $stage $pay >"$d/pipe.rows"
		simpaths $sim $pay <"$d/seeds" >"$d/fused.rows"
		aggregate --partial <"$d/pipe.rows" >"$d/pipe.part"
		simpaths $sim $pay --partial <"$d/seeds" >"$d/fused.part"
	}
	[ "$(grep -vc '^#' "$d/pipe.rows")" -ge 700 ]
	cmp "$d/pipe.rows" "$d/fused.rows"
	cmp "$d/pipe.part" "$d/fused.part"
}

@test "the payoffs of S_T: the same rows and partial as the pipeline" {
	for payoff in call put digital-call digital-put; do
		same "-e terminal" "-p $payoff -K 95.5"
		same "-e terminal --antithetic" "-p $payoff -x --control"
	done
	same "-e summary --steps 4 --sigma 0.35" "-x -p call --control"
}

@test "Asian and lookback payoffs, from summary and from whole-path rows" {
	for emit in summary path; do
		same "-e $emit --steps 12" \
			"-p asian-call-arith --control --control-mean $(closed asian-call-geo --steps 12)"
		same "-e $emit --steps 12" \
			"-p asian-put-arith --control --control-mean $(closed asian-put-geo --steps 12)"
		for payoff in asian-call-geo asian-put-geo lookback-call-float lookback-put-float; do
			same "-e $emit --steps 7 --antithetic" "-p $payoff -x"
		done
	done
	# blocks of 16 paths (steps >= 32), and a last chunk of 8 steps: the
	# summaries without extremes, which the walk sums as it goes
	same "-e summary --steps 40 --antithetic" "-p asian-put-arith -K 103"
	same "-e summary --steps 40" \
		"-p asian-call-arith --control --control-mean $(closed asian-call-geo --steps 40)"
	same "-e summary --steps 40 --antithetic" "-p lookback-put-float"
}

@test "barrier payoffs, with rebates and the vanilla control" {
	same "-e summary --steps 12" "-p up-and-out-call --barrier 115 --rebate 2"
	same "-e summary --steps 12 --antithetic" \
		"-p up-and-in-call --barrier 115 --control --control-mean $(closed call)"
	same "-e path --steps 5" "-p down-and-out-put --barrier 90 -x"
	same "-e summary --steps 12" "-p down-and-in-put --barrier 90 --control --control-mean $(closed put)"
}

@test "Greeks: every estimator, pathwise and likelihood-ratio" {
	same "-e terminal" "-p call --greeks --control"
	same "-e terminal --antithetic" "-p digital-put --greeks -x"
	same "-e summary --steps 6" "-p asian-call-geo --greeks"
	same "-e summary --steps 6" "-p asian-put-arith --greeks"
	same "-e path --steps 6 --antithetic" "-p asian-call-arith --greeks"
	same "-e path --steps 6" "-p lookback-put-float --greeks"
	same "-e path --steps 6" \
		"-p up-and-out-call --barrier 120 --greeks --control --control-mean $(closed call)"
}

# american SIM PAY: same, with exercise in payoff's place.
american() {
	same "$1" "$2" exercise
}

# rule KIND SIM: lsmfit's rule for american-KIND, K = 40, fitted on 20000
# training paths of the model SIM; prints its name.
rule() {
	local file=$BATS_TEST_TMPDIR/rule-$1.tsv
	# shellcheck disable=SC2086
	simpaths $2 --training --emit path --count 20000 --seed 3 | lsmfit -p "american-$1" -K 40 >"$file"
	echo "$file"
}

@test "American put and call (--coefficients): the same rows and partial as exercise" {
	local model="--s0 36 --rate 0.06 --steps 10 --emit path" r
	for kind in put call; do
		r=$(rule $kind "$model")
		american "$model" "-p american-$kind --coefficients $r"
		american "$model --antithetic" "-p american-$kind -K 40 --coefficients $r"
		american "$model -x" "-p american-$kind -x --coefficients $r"
		american "$model --antithetic" "-p american-$kind -x -c $r"
	done
	# a dividend yield, where the call is exercised early; dates across a chunk
	model="--s0 42 --rate 0.03 -q 0.08 --sigma 0.3 --steps 33 --emit path"
	american "$model --antithetic" "-p american-call -x --coefficients $(rule call "$model")"
}

@test "American: a single range (--first/--count) past 2^32" {
	local d=$BATS_TEST_TMPDIR model="--s0 36 --rate 0.06 --steps 10 --emit path" r
	r=$(rule put "$model")
	for anti in "" --antithetic; do
		# shellcheck disable=SC2086
		{
			simpaths $model $anti --first 4294967290 --count 37 --paths 4294967400 --seed 9 -x |
				exercise -c "$r" >"$d/pipe.rows"
			simpaths $model $anti --first 4294967290 --count 37 --paths 4294967400 --seed 9 \
				-p american-put --coefficients "$r" >"$d/fused.rows"
			aggregate -p <"$d/pipe.rows" >"$d/pipe.part"
			simpaths $model $anti --first 4294967290 --count 37 --paths 4294967400 --seed 9 \
				-p american-put --coefficients "$r" --partial >"$d/fused.part"
		}
		cmp "$d/pipe.rows" "$d/fused.rows"
		cmp "$d/pipe.part" "$d/fused.part"
	done
	grep -qx '# first=4294967290 count=37' "$d/fused.part"
}

@test "American: a rule fitted for another model, payoff or strike is refused, status 1" {
	local r
	r=$(rule put "--s0 36 --rate 0.06 --steps 10 --emit path")
	run -1 --separate-stderr simpaths --s0 36 --rate 0.06 --sigma 0.3 --steps 10 --emit path \
		--count 100 -p american-put --coefficients "$r" --partial
	[ "$output" = "" ]
	[ "$stderr" = "simpaths: $r:1: fitted for sigma=0.2, but the paths have sigma=0.3" ]
	run -1 --separate-stderr simpaths --s0 36 --rate 0.06 --steps 12 --emit path \
		--count 100 -p american-put --coefficients "$r"
	[ "$stderr" = "simpaths: $r:1: fitted for steps=10, but the paths have steps=12" ]
	# exercise refuses the same
	run -1 --separate-stderr bash -o pipefail -c 'simpaths --s0 36 --rate 0.06 --sigma 0.3 --steps 10 --emit path --count 100 | exercise -c "$1"' _ "$r"
	[ "$stderr" = "exercise: stdin:3: sigma=0.3, but $r was fitted for sigma=0.2" ]
	run -1 --separate-stderr simpaths --s0 36 --rate 0.06 --steps 10 --emit path \
		--count 100 -p american-call --coefficients "$r"
	[ "$stderr" = "simpaths: $r: fitted for payoff=american-put, not --payoff american-call" ]
	run -1 --separate-stderr simpaths --s0 36 --rate 0.06 --steps 10 --emit path \
		--count 100 -p american-put -K 41 --coefficients "$r"
	[ "$stderr" = "simpaths: $r: fitted for strike=40, not --strike 41" ]
	run -1 --separate-stderr simpaths --emit path --count 100 -p american-put --coefficients nope.tsv
	[ "$stderr" = "simpaths: nope.tsv: cannot open: No such file or directory" ]
}

@test "a single range (--first/--count) and a path index past 2^32" {
	local d=$BATS_TEST_TMPDIR
	simpaths --first 4294967290 --count 37 --paths 4294967400 --seed 9 -x |
		payoff -p put | aggregate -p >"$d/pipe.part"
	simpaths --first 4294967290 --count 37 --paths 4294967400 --seed 9 -p put --partial >"$d/fused.part"
	cmp "$d/pipe.part" "$d/fused.part"
	grep -qx '# first=4294967290 count=37' "$d/fused.part"
}

@test "fused and text partials of one run merge into the same estimate" {
	local d=$BATS_TEST_TMPDIR
	genseeds --paths 5000 --shards 2 --seed 4 >"$d/seeds"
	sed -n '1,2p;3p' "$d/seeds" | simpaths --payoff call --control --partial >"$d/a.part"
	sed -n '1,2p;4p' "$d/seeds" | simpaths -x | payoff --control | aggregate -p >"$d/b.part"
	simpaths <"$d/seeds" | payoff --control | aggregate >"$d/whole.tsv"
	aggregate "$d/a.part" "$d/b.part" | cmp - "$d/whole.tsv"
}

@test "overlapping shards are refused, as aggregate refuses them" {
	printf '# tool=genseeds paths=10 seed=1\nshard\tfirst\tcount\tseed\n0\t0\t6\t1\n1\t4\t6\t1\n' |
		{ run -1 --separate-stderr simpaths -p call --partial
		  [ "$output" = "" ]
		  [ "$stderr" = "simpaths: stdin:4: paths 4..9 overlap paths 0..5 (stdin:3)" ]; }
}

@test "usage errors: payoff options without --payoff, and what the rows lack" {
	usage_fails "payoff's options and --partial go with --payoff" --count 5 --partial
	usage_fails "payoff's options and --partial go with --payoff" --count 5 -K 90
	usage_fails "payoff's options and --partial go with --payoff" --count 5 --greeks
	usage_fails "--payoff: unknown payoff 'calll'" --count 5 -p calll
	usage_fails "--payoff: american-put is priced by Longstaff-Schwartz: give lsmfit's rule with --coefficients" \
		--count 5 -p american-put
	usage_fails "--coefficients goes with --payoff american-put or american-call" \
		--count 5 --emit path --coefficients rule.tsv
	usage_fails "--coefficients goes with --payoff american-put or american-call" \
		--count 5 --emit path -p put --coefficients rule.tsv
	usage_fails "--coefficients: exercise needs whole paths, not --emit summary (--emit path)" \
		--count 5 --steps 4 -e summary -p american-put --coefficients rule.tsv
	usage_fails "--coefficients: exercise needs whole paths, not --emit terminal (--emit path)" \
		--count 5 -p american-call --coefficients rule.tsv
	usage_fails "--payoff: unknown payoff 'american-bermudan'" \
		--count 5 --emit path -p american-bermudan --coefficients rule.tsv
	usage_fails "--control: american-put is priced by exercise's rule, which has no such option" \
		--count 5 --emit path -p american-put --control --coefficients rule.tsv
	usage_fails "--payoff prices the pricing stream; --training paths are lsmfit's" \
		--count 5 --emit path --training -p american-put --coefficients rule.tsv
	usage_fails "--payoff: asian-call-arith needs avg, which --emit terminal lacks (--emit summary)" \
		--count 5 --steps 4 -p asian-call-arith
	usage_fails "--payoff: asian-call-geo needs at least 2 monitoring dates (the stream has steps=1)" \
		--count 5 -e summary -p asian-call-geo
	usage_fails "--greeks: up-and-out-call's Greeks need the whole path (--emit path)" \
		--count 5 --steps 4 -e summary -p up-and-out-call --barrier 120 --greeks
	usage_fails "--barrier: an up barrier must lie above s0=100" \
		--count 5 --steps 4 -e summary -p up-and-out-call --barrier 90
	usage_fails "--payoff prices the pricing stream; --training paths are lsmfit's" \
		--count 5 --training -p put
	usage_fails "--control: asian-call-arith's control is the geometric Asian call; give its closed-form price with --control-mean (closedform --payoff asian-call-geo)" \
		--count 5 --steps 4 -e summary -p asian-call-arith --control
}

@test "prices that overflow or underflow are refused, with the path, status 1" {
	run -1 --separate-stderr simpaths --count 40 --rate 800 -p call --partial
	[ "$output" = "" ]
	[[ "$stderr" == "simpaths: path "*": a simulated price overflows a double (--s0, --rate or --sigma too large?)" ]]
	run -1 --separate-stderr simpaths --count 40 --sigma 60 -p put
	[[ "$stderr" == "simpaths: path "*": a simulated price underflows to 0 (--sigma or --maturity too large?)" ]]
	# and from summaries, with and without the extremes
	run -1 --separate-stderr simpaths --count 40 --steps 40 -e summary --rate 800 \
		-p asian-call-arith --partial
	[[ "$stderr" == "simpaths: path 0: a simulated price overflows a double"* ]]
	run -1 --separate-stderr simpaths --count 40 --steps 40 -e summary --sigma 60 -p asian-put-geo
	[[ "$stderr" == "simpaths: path 0: a simulated price underflows to 0"* ]]
	run -1 --separate-stderr simpaths --count 40 --steps 40 -e summary --rate 800 -p lookback-call-float
	[[ "$stderr" == "simpaths: path 0: a simulated price overflows a double"* ]]
	# two whole blocks of 128 paths and no path after them (which the
	# scalar loop would refuse), the plain payoffs' own loop (sink_payoff.c
	# plain_rows): the same refusals, where a price passed as good gave a
	# put or digital a plausible partial (rows of 0, or of the discount)
	for p in call put digital-call digital-put; do
		run -1 --separate-stderr simpaths --count 256 --rate 800 -p "$p" --partial
		[ "$stderr" = "simpaths: path 0: a simulated price overflows a double (--s0, --rate or --sigma too large?)" ] || false
		run -1 --separate-stderr simpaths --count 256 --sigma 60 -p "$p" --partial
		[ "$stderr" = "simpaths: path 0: a simulated price underflows to 0 (--sigma or --maturity too large?)" ] || false
	done
	# a row too large to square (the partial's sums of squares would overflow)
	run -1 --separate-stderr simpaths --count 256 --s0 1e160 -K 1 -p call --partial
	[ "$stderr" = "simpaths: path 0: value too large to square: 1.259061604609963e+160" ]
	# the pipeline refuses the same paths in the same words: simpaths writes
	# no row of 0 for payoff to refuse
	run -1 --separate-stderr bash -o pipefail -c 'simpaths --count 40 --sigma 60 | payoff -p put'
	[[ "${stderr_lines[0]}" == "simpaths: path "*": a simulated price underflows to 0 (--sigma or --maturity too large?)" ]]
	run -1 --separate-stderr bash -o pipefail -c 'simpaths --count 40 --sigma 100 -e path --steps 3 | payoff -p put'
	[[ "${stderr_lines[0]}" == "simpaths: path 0: a simulated price underflows to 0 (--sigma or --maturity too large?)" ]]
}

@test "a write error is reported (--partial and rows)" {
	[ -w /dev/full ] || skip "no /dev/full"
	run -1 --separate-stderr sh -c 'simpaths --count 1000 -p call --partial >/dev/full'
	[[ "$stderr" == "simpaths: "*"No space left on device"* ]]
	run -1 --separate-stderr sh -c 'simpaths --count 100000 -p call >/dev/full'
	[[ "$stderr" == "simpaths: "*"No space left on device"* ]]
}

@test "the fused sums by exponent equal aggregate's xsum adds, on 3000 random batches" {
	# tests/unit/test_partial.c: every kind of value, from subnormals and
	# products below 2^-1074 to past 2^400, and refused rows
	run -0 "$UNIT/test_partial" 3000
	[ "$output" = "test_partial: 3000 batches, the same sums both ways" ]
}

@test "the block rule: the same sums and waiting paths for every split of the paths, on 1000 random batches" {
	# tests/unit/test_partial.c blocks: up to 12 pieces at random cuts, in
	# a random order, against one call; refused pieces change nothing
	run -0 "$UNIT/test_partial" blocks 1000
	[ "$output" = "test_partial: 1000 batches, the same block sums for every split" ]
}

@test "expskip: a fused call's or put's S_T is exact, or the strike where it pays nothing" {
	# tests/unit/test_expskip.c: spots and strikes 1e-300 to 1e300, both
	# sides, the range's edges a few ulps either way, NaN, infinities, S
	# underflowing and overflowing; blocks of every length
	run -0 --separate-stderr "$UNIT/test_expskip"
	[ "$stderr" = "" ]
	[[ "$output" == "expskip: 1510834 lanes, "*" took the strike" ]]
}

@test "expskip: a fused call, put or digital without the exps that pay nothing: the pipeline's rows and partial" {
	# no control, no Greeks: simpaths skips det_exp where S_T surely pays
	# nothing (tools/lib/expskip.h); payoff reads every exact S_T
	same "-e terminal --antithetic --normals ziggurat" "-p call"
	same "-e terminal --antithetic" "-p put -K 120"
	same "-e terminal --model heston" "-p digital-call -K 110"
	same "-e terminal --model merton --sigma 1.5" "-p digital-put -x"
}
