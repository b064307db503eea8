#!/usr/bin/env bats
# backtest: historical VaR exactly, the EWMA volatility, the Monte Carlo VaR's
# quantile, Kupiec's and Christoffersen's statistics and Basel's zones against
# values computed here independently (Python), the same bytes for any split,
# the DJIA from gretl-data with October 1987, and bad input.

bats_require_minimum_version 1.5.0
load test_helper

TOOL=backtest
CLOSES="$FIXTURES/backtest/closes.tsv"
GDT=/usr/share/gretl/data/misc/djclose.gdt

setup_file() {
	PYTHON=/usr/bin/python3
	export PYTHON
}

# the pipeline script of make backtest (the tool has the same name)
job() {
	"$ROOT/pipeline/backtest"
}

# days_file FILE LEVEL PATTERN...: a forecast table as backtest writes it,
# window 2, one row per character of the PATTERNs joined ('1': the loss
# beats var_hs, '0': it does not; var_mc never beaten), dated from
# 1990-01-01 a calendar day apart.
days_file() {
	"$PYTHON" - "$@" <<-'EOF'
	import sys, datetime
	out, level, pattern = sys.argv[1], sys.argv[2], "".join(sys.argv[3:])
	with open(out, "w") as f:
	    f.write(f"# tool=backtest closes={len(pattern) + 3} window=2 level={level} lambda=0.94 scenarios=1 seed=1\n")
	    f.write("day\tdate\tloss\tvar_hs\tvar_mc\tsigma\n")
	    d = datetime.date(1990, 1, 1)
	    for i, c in enumerate(pattern):
	        loss = "0.5" if c == "1" else "-0.25"
	        f.write(f"{i + 3}\t{d.isoformat()}\t{loss}\t0.25\t0.75\t0.01\n")
	        d += datetime.timedelta(days=1)
	EOF
}

@test "backtest: --help's usage is the man page's SYNOPSIS; --version" {
	run -0 synopsis_of "$ROOT/tools/backtest.1"
	[ "$output" = "$(usage_of backtest)" ]
	run -0 backtest --version
	[[ $output == "backtest (mcpipe) "* ]]
}

@test "backtest: the man page's examples print what they show" {
	man_examples "$ROOT/tools/backtest.1"
}

@test "backtest: historical VaR is exactly the window's lower quantile, the (floor((1 - level) window) + 1)-th largest loss" {
	# The losses 1 - close_t/close_{t-1} in doubles, as the tool computes
	# them; k from the level's decimal text in exact rationals (so 0.8 with
	# 10 days is k = 3, though (1 - 0.8) * 10 is 1.9999999999999996 in doubles).
	# The lower quantile: the smallest loss x with #{loss > x} <= (1 - level) n.
	for case in 10:0.8 20:0.95 25:0.9 5:0.6 38:0.99 2:0.5; do
		backtest -w "${case%%:*}" -l "${case#*:}" -n 3 "$CLOSES" >"$BATS_TEST_TMPDIR/f.tsv"
		"$PYTHON" - "$CLOSES" "$BATS_TEST_TMPDIR/f.tsv" "${case%%:*}" "${case#*:}" <<-'EOF'
		import sys, math
		from fractions import Fraction
		closes = [float(l.split("\t")[1]) for l in [l for l in open(sys.argv[1]) if l[0] != "#"][1:]]
		rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l[0] != "#"][1:]
		w, level = int(sys.argv[3]), sys.argv[4]
		k = math.floor((1 - Fraction(level)) * w) + 1
		loss = [None] + [1 - closes[i] / closes[i - 1] for i in range(1, len(closes))]
		assert [int(r[0]) for r in rows] == list(range(w + 1, len(closes))), "days"
		for r in rows:
		    t = int(r[0])
		    window = sorted(loss[t - w:t], reverse=True)
		    assert float(r[2]) == loss[t], (r, loss[t])
		    assert float(r[3]) == window[k - 1], (w, level, k, r, window[k - 1])
		    assert r[3] == repr(window[k - 1]), "shortest round-trip text"
		    assert sum(l > float(r[3]) for l in window) <= (1 - Fraction(level)) * w
		    assert sum(l >= float(r[3]) for l in window) > (1 - Fraction(level)) * w
		EOF
	done
}

@test "backtest: sigma is the window's normalised EWMA of squared log returns (RiskMetrics)" {
	backtest -w 12 -L 0.9 -n 1 "$CLOSES" >"$BATS_TEST_TMPDIR/f.tsv"
	"$PYTHON" - "$CLOSES" "$BATS_TEST_TMPDIR/f.tsv" <<-'EOF'
	import sys, math
	closes = [float(l.split("\t")[1]) for l in [l for l in open(sys.argv[1]) if l[0] != "#"][1:]]
	rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l[0] != "#"][1:]
	for r in rows:
	    t = int(r[0])
	    r2 = [math.log(closes[t - 1 - j] / closes[t - 2 - j]) ** 2 for j in range(12)]
	    weights = [0.9 ** j for j in range(12)]
	    sigma = math.sqrt(sum(w * x for w, x in zip(weights, r2)) / sum(weights))
	    # detmath's log is within 0.56 ulp of the true one, Python's too
	    assert abs(float(r[5]) / sigma - 1) < 1e-14, (r, sigma)
	EOF
}

@test "backtest: Monte Carlo VaR is the normal quantile of its scenarios (|z| < 4)" {
	not_sanitized
	# With 10^5 scenarios, the 1% order statistic of N(0,1) has standard error
	# sqrt(a (1 - a) / N) / phi(z_a) = 0.0118; z implied by var_mc =
	# 1 - exp(sigma z) must be within 4 of those of z_0.01 = -2.3263 on every
	# day (5 independent days, fixed seed). A wrong quantile (z_0.05, or the
	# 1% of losses taken from the wrong end) is off by more than 30.
	backtest -w 20 -n 100000 --seed 42 -f 30 -c 5 "$CLOSES" >"$BATS_TEST_TMPDIR/f.tsv"
	"$PYTHON" - "$BATS_TEST_TMPDIR/f.tsv" <<-'EOF'
	import sys, math
	from scipy.stats import norm
	rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l[0] != "#"][1:]
	assert len(rows) == 5
	za = norm.ppf(0.01)
	se = math.sqrt(0.01 * 0.99 / 100000) / norm.pdf(za)
	for r in rows:
	    var, sigma = float(r[4]), float(r[5])
	    z = math.log(1 - var) / sigma
	    assert abs(z - za) / se < 4, (r, z, za, (z - za) / se)
	EOF
}

@test "backtest: a day's draws depend only on (seed, day, scenario)" {
	backtest -w 10 -n 300 --seed 9 "$CLOSES" | rows >"$BATS_TEST_TMPDIR/all"
	backtest -w 10 -n 300 --seed 9 -f 17 -c 1 "$CLOSES" | rows >"$BATS_TEST_TMPDIR/one"
	grep -q "^17	" "$BATS_TEST_TMPDIR/one" || false
	grep -Fx -f "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/all"
	backtest -w 10 -n 300 --seed 10 -f 17 -c 1 "$CLOSES" | rows >"$BATS_TEST_TMPDIR/other"
	[ "$(cut -f 5 "$BATS_TEST_TMPDIR/one")" != "$(cut -f 5 "$BATS_TEST_TMPDIR/other")" ]
	[ "$(cut -f 4 "$BATS_TEST_TMPDIR/one")" = "$(cut -f 4 "$BATS_TEST_TMPDIR/other")" ]
}

# check_tests FILE PATTERN...: backtest -e's kupiec, christoffersen and
# conditional-coverage rows of method hs against the formulas, computed here:
# Kupiec (1995), J. Derivatives 3(2) 73-84, LR_pof = -2 ln[(1-p)^(n-x) p^x]
# + 2 ln[(1-x/n)^(n-x) (x/n)^x]; Christoffersen (1998), Int. Econ. Rev.
# 39(4) 841-862, LR_ind from the transition counts n_ij with 0 ln 0 = 0;
# p-values from scipy's chi-square (1, 1 and 2 degrees). Tolerance 1e-12
# relative (the sums go in another order).
check_tests() {
	local file=$1
	shift
	backtest -e "$file" >"$BATS_TEST_TMPDIR/result.tsv"
	"$PYTHON" - "$BATS_TEST_TMPDIR/result.tsv" "$@" <<-'EOF'
	import sys, math
	from scipy.stats import chi2
	result = {(r[0], r[1]): r[2:] for r in
	          (l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l[0] != "#")}
	seq = [int(c) for c in "".join(sys.argv[2:])]
	p, n, x = 0.01, len(seq), sum(seq)
	def xlogy(a, b): return 0.0 if a == 0 else a * math.log(b)
	pof = -2 * (xlogy(n - x, 1 - p) + xlogy(x, p)) + 2 * (xlogy(n - x, 1 - x / n) + xlogy(x, x / n))
	c = [[0, 0], [0, 0]]
	for a, b in zip(seq, seq[1:]):
	    c[a][b] += 1
	pi = (c[0][1] + c[1][1]) / (n - 1)
	pi0 = c[0][1] / (c[0][0] + c[0][1]) if c[0][0] + c[0][1] else 0
	pi1 = c[1][1] / (c[1][0] + c[1][1]) if c[1][0] + c[1][1] else 0
	ind = (-2 * (xlogy(c[0][0] + c[1][0], 1 - pi) + xlogy(c[0][1] + c[1][1], pi))
	       + 2 * (xlogy(c[0][0], 1 - pi0) + xlogy(c[0][1], pi0) + xlogy(c[1][0], 1 - pi1) + xlogy(c[1][1], pi1)))
	def close(got, want):
	    assert abs(float(got) - want) <= 1e-12 * abs(want) + 1e-13, (got, want)
	assert result["hs", "days"][0] == str(n) and result["hs", "exceptions"][0] == str(x)
	close(result["hs", "kupiec"][0], pof)
	close(result["hs", "kupiec"][1], chi2.sf(pof, 1))
	close(result["hs", "christoffersen"][0], ind)
	close(result["hs", "christoffersen"][1], chi2.sf(ind, 1))
	close(result["hs", "conditional-coverage"][0], pof + ind)
	close(result["hs", "conditional-coverage"][1], chi2.sf(pof + ind, 2))
	assert result["mc", "exceptions"][0] == "0"
	EOF
}

@test "backtest -e: no exception in 250 days: Kupiec LR = -500 ln 0.99 = 5.0252, by hand" {
	days_file "$BATS_TEST_TMPDIR/d.tsv" 0.99 "$(printf '0%.0s' {1..250})"
	backtest -e "$BATS_TEST_TMPDIR/d.tsv" >"$BATS_TEST_TMPDIR/r.tsv"
	# -500 ln(0.99) = 5.025167926750725...; p = erfc(sqrt(5.0252/2)) = 0.02498
	run -0 field kupiec 2 <(awk -F '\t' '$1 == "hs"' "$BATS_TEST_TMPDIR/r.tsv" | cut -f 2-)
	awk -v v="$output" 'BEGIN { exit !(v > 5.0251679267 && v < 5.0251679268) }'
	run -0 field kupiec 3 <(awk -F '\t' '$1 == "hs"' "$BATS_TEST_TMPDIR/r.tsv" | cut -f 2-)
	awk -v v="$output" 'BEGIN { exit !(v > 0.02497 && v < 0.02499) }'
	check_tests "$BATS_TEST_TMPDIR/d.tsv" "$(printf '0%.0s' {1..250})"
}

@test "backtest -e: Kupiec and Christoffersen on isolated, clustered and frequent exceptions" {
	not_sanitized
	local quiet isolated clustered
	quiet=$(printf '0%.0s' {1..99})
	isolated="${quiet}1${quiet}1${quiet}1${quiet}"
	clustered="${quiet}111${quiet}1${quiet}${quiet}"
	for pattern in "$isolated" "$clustered" "0010001000${quiet}0100000001${quiet}1" "1${quiet}" "${quiet}1"; do
		days_file "$BATS_TEST_TMPDIR/d.tsv" 0.99 "$pattern"
		check_tests "$BATS_TEST_TMPDIR/d.tsv" "$pattern"
	done
}

@test "backtest -e: Basel traffic light per 250 days: green 0-4, yellow 5-9, red 10+ (Basel Committee 1996, Table 2)" {
	# 13 blocks of 250 days, block b with b exceptions. The zones and the
	# table's cumulative probabilities P(X <= x), X ~ binomial(250, 0.01):
	# 8.11 28.58 54.32 75.81 89.22 95.88 98.63 99.60 99.89 99.97 99.99 (%),
	# against 1 - P(X >= x + 1), the p-value of block x + 1, within 0.005%.
	# (The 3250 days' pattern by awk: a bash loop under bats' per-command
	# trap took seconds, 16 s under the sanitized run.)
	local pattern
	pattern=$(awk 'BEGIN {
		for (b = 0; b < 13; b++)
			for (i = 0; i < 250; i++)
				printf "%d", (i % 25 == 0 && int(i / 25) < b) || (b > 10 && i >= 247 && i - 247 < b - 10)
	}')
	[ "${#pattern}" -eq 3250 ]
	days_file "$BATS_TEST_TMPDIR/d.tsv" 0.99 "$pattern"
	backtest -e "$BATS_TEST_TMPDIR/d.tsv" >"$BATS_TEST_TMPDIR/r.tsv"
	run -0 awk -F '\t' '$1 == "hs" && $2 ~ /^block-/ { printf "%s:%s ", $3, $5 }' "$BATS_TEST_TMPDIR/r.tsv"
	[ "$output" = "0:green 1:green 2:green 3:green 4:green 5:yellow 6:yellow 7:yellow 8:yellow 9:yellow 10:red 11:red 12:red " ]
	run -0 awk -F '\t' '$1 == "hs" && $2 ~ /^block-/ && $3 >= 1 && $3 <= 11 { printf "%.4f ", 100 * (1 - $4) }' "$BATS_TEST_TMPDIR/r.tsv"
	"$PYTHON" - $output <<-'EOF'
	import sys
	basel = [8.11, 28.58, 54.32, 75.81, 89.22, 95.88, 98.63, 99.60, 99.89, 99.97, 99.99]
	got = [float(v) for v in sys.argv[1:]]
	assert len(got) == 11, got
	assert all(abs(g - b) <= 0.005 + 1e-9 for g, b in zip(got, basel)), list(zip(got, basel))
	EOF
	# the first block's name is its first date; the worst 250 days are the last block's
	grep -q "^hs	block-1990-01-01	0	1	green$" "$BATS_TEST_TMPDIR/r.tsv" || false
	grep -q "^hs	worst-block-.*	12	.*	red$" "$BATS_TEST_TMPDIR/r.tsv" || false
}

@test "backtest -e: exceptions per calendar year" {
	# 1990-01-01 plus 365 days is 1991-01-01: the first 365 rows are 1990's
	local pattern
	pattern="1$(printf '0%.0s' {1..363})1$(printf '0%.0s' {1..99})11"
	days_file "$BATS_TEST_TMPDIR/d.tsv" 0.99 "$pattern"
	backtest -e "$BATS_TEST_TMPDIR/d.tsv" >"$BATS_TEST_TMPDIR/r.tsv"
	run -0 awk -F '\t' '$1 == "hs" && $2 ~ /^exceptions-/ { printf "%s=%s ", $2, $3 }' "$BATS_TEST_TMPDIR/r.tsv"
	[ "$output" = "exceptions-1990=2 exceptions-1991=2 " ]
}

@test "backtest -e: the days in any split and order give the same bytes; --days writes them in order" {
	backtest -w 10 -n 50 "$CLOSES" >"$BATS_TEST_TMPDIR/all.tsv"
	backtest -w 10 -n 50 -c 7 "$CLOSES" >"$BATS_TEST_TMPDIR/a.tsv"
	backtest -w 10 -n 50 -f 18 -c 10 "$CLOSES" >"$BATS_TEST_TMPDIR/b.tsv"
	backtest -w 10 -n 50 -f 28 "$CLOSES" >"$BATS_TEST_TMPDIR/c.tsv"
	backtest -e -d "$BATS_TEST_TMPDIR/d1" "$BATS_TEST_TMPDIR/all.tsv" >"$BATS_TEST_TMPDIR/r1"
	backtest -e -d "$BATS_TEST_TMPDIR/d2" "$BATS_TEST_TMPDIR"/{c,a,b}.tsv >"$BATS_TEST_TMPDIR/r2"
	cmp "$BATS_TEST_TMPDIR/r1" "$BATS_TEST_TMPDIR/r2"
	cmp "$BATS_TEST_TMPDIR/d1" "$BATS_TEST_TMPDIR/d2"
	run -0 rows "$BATS_TEST_TMPDIR/d1"
	[ "${#lines[@]}" -eq 29 ]
	[[ ${lines[0]} == "11	2024-01-16	"* ]]
	[[ ${lines[28]} == "39	"* ]]
	# the day table is a forecast table too: it evaluates to the same result
	backtest -e "$BATS_TEST_TMPDIR/d1" | cmp - "$BATS_TEST_TMPDIR/r1"
}

@test "backtest: make backtest's job gives the same bytes for any SHARDS and JOBS" {
	OUT="$BATS_TEST_TMPDIR/one" CLOSES="$CLOSES" WINDOW=10 SCENARIOS=200 SHARDS=1 JOBS=1 run -0 job
	OUT="$BATS_TEST_TMPDIR/many" CLOSES="$CLOSES" WINDOW=10 SCENARIOS=200 SHARDS=29 JOBS=2 run -0 job
	OUT="$BATS_TEST_TMPDIR/some" CLOSES="$CLOSES" WINDOW=10 SCENARIOS=200 SHARDS=4 JOBS=3 run -0 job
	for f in backtest.tsv backtest-days.tsv; do
		cmp "$BATS_TEST_TMPDIR/one/$f" "$BATS_TEST_TMPDIR/many/$f"
		cmp "$BATS_TEST_TMPDIR/one/$f" "$BATS_TEST_TMPDIR/some/$f"
	done
	[ -s "$BATS_TEST_TMPDIR/one/backtest.png" ]
	[ "$(head -c 4 "$BATS_TEST_TMPDIR/one/backtest.png" | tail -c 3)" = PNG ]
	run -0 rows "$BATS_TEST_TMPDIR/one/backtest.tsv"
	[ "${lines[0]}" = "hs	days	29	-	-" ]
}

@test "backtest: the job checks its variables before any work" {
	local out="$BATS_TEST_TMPDIR/out"
	for bad in LEVEL=1 LEVEL=0.99x LEVEL=.0 WINDOW=1 WINDOW=2e2 SCENARIOS=0 SEED=-1 SEED=18446744073709551616 LAMBDA=1.5 \
	           SHARDS=0 JOBS=x HOSTS=hosts SCHEDULER=slurm CLOSES=/nonexistent; do
		run -2 --separate-stderr env OUT="$out" CLOSES="$CLOSES" "$bad" "$ROOT/pipeline/backtest"
		[ "$output" = "" ]
		[[ $stderr == "backtest: ${bad}: "* ]] || { echo "$bad: $stderr"; false; }
	done
	[ ! -e "$out" ]
	# a value is never code: a level with shell in it is only refused
	run -2 --separate-stderr env OUT="$out" CLOSES="$CLOSES" LEVEL='0.9;touch pwned' "$ROOT/pipeline/backtest"
	[ ! -e pwned ]
	[ ! -e "$BATS_TEST_TMPDIR/pwned" ]
	[ "$stderr" = "backtest: LEVEL=0.9;touch pwned: want a number in (0, 1)" ]
}

@test "backtest: a bad close fails the job with its file:line and leaves no result" {
	{ cat "$CLOSES"; printf '2024-12-31\t-1\n'; } >"$BATS_TEST_TMPDIR/bad.tsv"
	OUT="$BATS_TEST_TMPDIR/out" CLOSES="$BATS_TEST_TMPDIR/bad.tsv" WINDOW=10 SCENARIOS=10 SHARDS=3 JOBS=2 \
		run -1 --separate-stderr job
	[[ $stderr == *"backtest: $BATS_TEST_TMPDIR/bad.tsv:43: close '-1' is not positive"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/out/backtest.tsv" ]
	[ ! -e "$BATS_TEST_TMPDIR/out/backtest-days.tsv" ]
	run -0 ls -A "$BATS_TEST_TMPDIR/out"
	[ "$output" = "" ]
}

@test "backtest: the job's paths may hold spaces and shell text" {
	local dir="$BATS_TEST_TMPDIR/a b;\$(touch pwned)"
	mkdir -p "$dir"
	cp "$CLOSES" "$dir/closes 'x'.tsv"
	cd "$BATS_TEST_TMPDIR"
	OUT="$dir/out" CLOSES="$dir/closes 'x'.tsv" WINDOW=30 SCENARIOS=10 run -0 job
	[ -s "$dir/out/backtest.tsv" ]
	[ ! -e pwned ]
	# and GNU parallel's replacement strings: taken as text, not replaced
	# (a{1}b.tsv was read as a31b.tsv, another file)
	cp "$CLOSES" "$dir/a{1}{}b.tsv"
	OUT="$dir/braces" CLOSES="$dir/a{1}{}b.tsv" WINDOW=30 SCENARIOS=10 run -0 job
	cmp "$dir/out/backtest.tsv" "$dir/braces/backtest.tsv"
}

@test "backtest: gdt2tsv converts gretl-data's DJIA closes, 1980-1989" {
	needs_package gretl-data "$GDT"
	run -0 gdt2tsv "$GDT" gretl-data
	# gretl's file: 2528 daily closes, 1980-01-02 (824.57) to 1989-12-29
	# (2753.20). Black Monday, 1987-10-19: the Dow fell 508 points from
	# 2246.74 to 1738.74, 22.6% (e.g. Federal Reserve History, "Stock Market
	# Crash of 1987").
	[ "${lines[0]}" = "# source=$GDT package=gretl-data version=$(dpkg-query -W -f '${Version}' gretl-data) series=djclose" ]
	[ "${lines[1]}" = "date	close" ]
	[ "${lines[2]}" = "1980-01-02	824.57" ]
	[ "${lines[-1]}" = "1989-12-29	2753.20" ]
	[ "${#lines[@]}" -eq 2530 ]
	printf '%s\n' "${lines[@]}" | grep -qx "1987-10-16	2246.74" || false
	printf '%s\n' "${lines[@]}" | grep -qx "1987-10-19	1738.74" || false
}

@test "backtest: on the DJIA, 19 October 1987 is an exception for both methods" {
	not_sanitized
	needs_package gretl-data "$GDT"
	gdt2tsv "$GDT" gretl-data >"$BATS_TEST_TMPDIR/dj.tsv"
	OUT="$BATS_TEST_TMPDIR/out" CLOSES="$BATS_TEST_TMPDIR/dj.tsv" SCENARIOS=1000 SHARDS=5 JOBS=2 run -0 job
	run -0 grep "	1987-10-19	" "$BATS_TEST_TMPDIR/out/backtest-days.tsv"
	# loss 1 - 1738.74/2246.74 = 0.2261..., far past either VaR (a few %)
	[[ $output == 1971$'\t'1987-10-19$'\t'0.22610537934963* ]]
	[[ $output == *$'\t1\t1' ]]
	run -0 field days 2 <(awk -F '\t' '$1 == "hs"' "$BATS_TEST_TMPDIR/out/backtest.tsv" | cut -f 2-)
	[ "$output" = 2277 ]
}

@test "backtest: make backtest passes the command line's variables through the environment" {
	not_sanitized
	needs_package gretl-data "$GDT"
	run -0 make -s -C "$ROOT" backtest OUT="$BATS_TEST_TMPDIR/o" LEVEL=0.95 WINDOW=500 \
		SCENARIOS=300 SEED=5 LAMBDA=0.97 SHARDS=3 JOBS=2
	run -0 grep -m1 '^# ' "$BATS_TEST_TMPDIR/o/backtest.tsv"
	[[ $output == *" closes=2528 window=500 level=0.95 lambda=0.97 scenarios=300 seed=5" ]]
	run -0 field days 2 <(awk -F '\t' '$1 == "hs"' "$BATS_TEST_TMPDIR/o/backtest.tsv" | cut -f 2-)
	[ "$output" = 2027 ]
	# a value that is not one is refused by the job, before any work
	run -2 --separate-stderr make -s -C "$ROOT" backtest OUT="$BATS_TEST_TMPDIR/p" "LEVEL=0.9';touch x;'"
	[[ $stderr == *"backtest: LEVEL=0.9';touch x;': want a number in (0, 1)"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/p" ]
	[ ! -e "$ROOT/x" ]
	# nor does make expand it: $(shell ...) stays text
	run -2 --separate-stderr make -s -C "$ROOT" backtest OUT="$BATS_TEST_TMPDIR/p" \
		"LEVEL=\$(shell touch $BATS_TEST_TMPDIR/pwned)0.99"
	[[ $stderr == *"backtest: LEVEL=\$(shell touch $BATS_TEST_TMPDIR/pwned)0.99: want a number in (0, 1)"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/pwned" ] && [ ! -e "$BATS_TEST_TMPDIR/p" ]
}

@test "backtest: bad closes are named by file and line" {
	local f="$BATS_TEST_TMPDIR/c.tsv"
	check() {
		printf "$1" >"$f"
		run -1 --separate-stderr backtest -w 2 "$f"
		[ "$output" = "" ]
		[ "$stderr" = "backtest: $f$2" ] || { echo "got: $stderr"; false; }
	}
	check 'date\tclose\n2024-01-01\t1\n2024-01-02\t-3\n' ":3: close '-3' is not positive"
	check 'date\tclose\n2024-01-01\t0\n' ":2: close '0' is not positive"
	check 'date\tclose\n2024-01-01\tx\n' ":2: invalid number in column 2 (close): 'x'"
	check 'date\tclose\n2024-01-01\tnan\n' ":2: invalid number in column 2 (close): 'nan'"
	check 'date\tclose\n2024-1-01\t1\n' ":2: date '2024-1-01' is not YYYY-MM-DD"
	check 'date\tclose\n2024-01-02\t1\n2024-01-01\t1\n' ":3: date 2024-01-01 does not follow 2024-01-02"
	check 'date\tprice\n2024-01-01\t1\n' ":1: want columns 'date' and 'close'"
	check 'date\tclose\n2024-01-01\t1\t4\n' ":2: expected 2 fields, found 3"
	check 'date\tclose\n2024-01-01\t1\n2024-01-02\t1\n2024-01-03\t1\n' ": 3 closes: a window of 2 returns needs at least 4"
	check '' ": no header: empty input?"
	check 'date\tclose\n2024-01-01\t1e-300\n2024-01-02\t1e300\n' ":3: close '1e300' after 2024-01-01: the return is out of range"
}

@test "backtest -e: missing, repeated or foreign days are errors" {
	local d="$BATS_TEST_TMPDIR/d.tsv"
	days_file "$d" 0.99 0101
	sed '4d' "$d" >"$BATS_TEST_TMPDIR/gap.tsv"
	run -1 --separate-stderr backtest -e "$BATS_TEST_TMPDIR/gap.tsv"
	[ "$stderr" = "backtest: $BATS_TEST_TMPDIR/gap.tsv: day 4 missing (days 3 to 6 expected)" ]
	run -1 --separate-stderr backtest -e "$d" "$d"
	[ "$stderr" = "backtest: $d:3: day 3 a second time" ]
	sed 's/^5\t/9\t/' "$d" >"$BATS_TEST_TMPDIR/far.tsv"
	run -1 --separate-stderr backtest -e "$BATS_TEST_TMPDIR/far.tsv"
	[ "$stderr" = "backtest: $BATS_TEST_TMPDIR/far.tsv:5: day '9' is not from 3 to 6" ]
	sed 's/level=0.99/level=0.95/' "$d" >"$BATS_TEST_TMPDIR/other.tsv"
	run -1 --separate-stderr backtest -e "$d" "$BATS_TEST_TMPDIR/other.tsv"
	[[ $stderr == "backtest: $BATS_TEST_TMPDIR/other.tsv:1: "*level* ]]
	sed 's/^\(4\t\)[^\t]*/\11990-02-01/' "$d" >"$BATS_TEST_TMPDIR/late.tsv"
	run -1 --separate-stderr backtest -e "$BATS_TEST_TMPDIR/late.tsv"
	[ "$stderr" = "backtest: $BATS_TEST_TMPDIR/late.tsv: day 5: date 1990-01-03 does not follow 1990-02-01" ]
	sed 's/closes=7/closes=1000000000000/' "$d" >"$BATS_TEST_TMPDIR/huge.tsv"
	run -1 --separate-stderr backtest -e "$BATS_TEST_TMPDIR/huge.tsv"
	[ "$stderr" = "backtest: $BATS_TEST_TMPDIR/huge.tsv:2: metadata closes=1000000000000: more than 100000000" ]
	grep -v '^#' "$d" >"$BATS_TEST_TMPDIR/bare.tsv"
	run -1 --separate-stderr backtest -e "$BATS_TEST_TMPDIR/bare.tsv"
	[ "$stderr" = "backtest: $BATS_TEST_TMPDIR/bare.tsv: metadata closes= missing or not a count" ]
}

@test "backtest: usage errors" {
	usage_fails "--level: '1' is not between 0 and 1" -l 1
	usage_fails "--window: '1' must be between 2 and 10000000" -w 1
	usage_fails "--lambda: '-0.1' is not from 0 to 1" -L -0.1
	usage_fails "--evaluate takes the forecasts' settings from their metadata, not options" -e -w 5
	usage_fails "--days goes with --evaluate" -d x
	usage_fails "unexpected argument 'b'" a b
	run -2 --separate-stderr backtest -w 10 -f 5 "$CLOSES"
	[ "$stderr" = "backtest: --first: 5 is not a day with a forecast (11 to 39)"$'\n'"Try 'backtest --help' for more information." ]
	run -2 --separate-stderr backtest -w 10 -f 38 -c 3 "$CLOSES"
	[ "$stderr" = "backtest: --count: 3 days from 38 pass the last close (39)"$'\n'"Try 'backtest --help' for more information." ]
}

@test "backtest: a write error is an error" {
	run -1 --separate-stderr bash -c 'backtest -w 10 -n 10 "$1" >/dev/full' _ "$CLOSES"
	[[ $stderr == "backtest: write error"* ]]
	days_file "$BATS_TEST_TMPDIR/d.tsv" 0.99 0101
	run -1 --separate-stderr backtest -e -d /dev/full "$BATS_TEST_TMPDIR/d.tsv"
	[ "$stderr" = "backtest: /dev/full: write error" ]
}

@test "backtest: gdt2tsv refuses what it cannot vouch for, by file and line" {
	local g="$BATS_TEST_TMPDIR/x.gdt"
	gdt() {
		printf '<gretldata name="x" frequency="5" type="%s">\n<variables count="1">\n<variable name="v"\n/>\n</variables>\n<observations count="%s" labels="true">\n%b</observations>\n</gretldata>\n' "$@" | gzip >"$g"
	}
	gdt time-series 2 '<obs label="2001-01-02">1.5 </obs>\n<obs label="2001-01-03">2 </obs>\n'
	run -0 gdt2tsv "$g"
	[ "$output" = "# source=$g series=v"$'\n'"date	close"$'\n'"2001-01-02	1.5"$'\n'"2001-01-03	2" ]
	# a metadata value is one word: the path's spaces are %-encoded
	cp "$g" "$BATS_TEST_TMPDIR/a b%.gdt"
	run -0 gdt2tsv "$BATS_TEST_TMPDIR/a b%.gdt"
	[ "${lines[0]}" = "# source=$BATS_TEST_TMPDIR/a%20b%25.gdt series=v" ]
	gdt time-series 2 '<obs label="2001-01-03">1.5 </obs>\n<obs label="2001-01-02">2 </obs>\n'
	run -1 --separate-stderr gdt2tsv "$g"
	[ "$stderr" = "gdt2tsv: $g:8: date 2001-01-02 does not follow 2001-01-03" ]
	gdt time-series 3 '<obs label="2001-01-02">1.5 </obs>\n<obs label="2001-01-03">2 </obs>\n'
	run -1 --separate-stderr gdt2tsv "$g"
	[ "$stderr" = "gdt2tsv: $g:9: 2 observations, the file says 3" ]
	gdt time-series 1 '<obs label="2001-01-02">NA </obs>\n'
	run -1 --separate-stderr gdt2tsv "$g"
	[ "$stderr" = "gdt2tsv: $g:7: not a dated observation: <obs label=\"2001-01-02\">NA </obs>" ]
	gdt cross-section 1 '<obs>1 </obs>\n'
	run -1 --separate-stderr gdt2tsv "$g"
	[ "$stderr" = "gdt2tsv: $g:1: not a time series (type=\"cross-section\")" ]
	run -1 --separate-stderr gdt2tsv "$BATS_TEST_TMPDIR/none.gdt"
	[ "$stderr" = "gdt2tsv: $BATS_TEST_TMPDIR/none.gdt: cannot read" ]
}
