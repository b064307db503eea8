#!/usr/bin/env bats
# creditref: Vasicek's large pool against Basel II's published risk
# weights and scipy, the finite pool's law, the t copula's large pool,
# usage errors.

bats_require_minimum_version 1.5.0
load test_helper

TOOL=creditref

@test "--help shows the synopsis of the man page" {
	run -0 usage_of creditref
	usage=$output
	run -0 synopsis_of "$ROOT/tools/creditref.1"
	[ "$output" = "$usage" ]
}

@test "usage errors" {
	usage_fails "--pd and --rho are required" --pd 0.01
	usage_fails "--pd: '0' must be in (0, 1)" --pd 0 --rho 0.2
	usage_fails "--rho: '1' must be in (0, 1)" --pd 0.01 --rho 1
	usage_fails "--copula t needs --nu" --pd 0.01 --rho 0.2 -c t
	usage_fails "--nu: only for --copula t" --pd 0.01 --rho 0.2 --nu 3
	usage_fails "--nu: '1' must be between 2 and 1000" --pd 0.01 --rho 0.2 -c t --nu 1
	usage_fails "--distribution needs --obligors" --pd 0.01 --rho 0.2 -d
	usage_fails "--lgd: '2' must be in [0, 1]" --pd 0.01 --rho 0.2 --lgd 2
}

# Basel Committee, "International Convergence of Capital Measurement and
# Capital Standards" (June 2006), Annex 5, Illustrative IRB risk weights,
# given to 0.01%: residential mortgages (R = 0.15, LGD 45%):
# PD 0.03% 4.15%, 1.00% 56.40%, 2.00% 87.94%; corporates (LGD 45%, M = 2.5,
# R and the maturity adjustment b of paragraph 272): PD 0.10% 29.65%,
# 1.00% 92.32%. RW = 12.5 K, K = (VaR - LGD PD) (1 - 1.5 b)^-1 for a
# corporate, with VaR Vasicek's quantile times LGD.
@test "Vasicek's quantile gives Basel II's published risk weights (to 0.005%)" {
	for case in 0.0003:4.15 0.01:56.40 0.02:87.94; do
		pd=${case%%:*} rw=${case#*:}
		creditref --pd "$pd" --rho 0.15 --lgd 0.45 >"$BATS_TEST_TMPDIR/r"
		awk -F '\t' -v pd="$pd" -v rw="$rw" '$1 == "VaR" {
			got = 1250 * ($2 - 0.45 * pd); printf "PD %s: %.4f%% vs %s%%\n", pd, got, rw
			d = got - rw; exit !(d < 0.005 && d > -0.005) }' "$BATS_TEST_TMPDIR/r"
	done
	for case in 0.001:29.65 0.01:92.32; do
		pd=${case%%:*} rw=${case#*:}
		rho=$(awk -v p="$pd" 'BEGIN { f = (1 - exp(-50 * p)) / (1 - exp(-50)); printf "%.17g", 0.12 * f + 0.24 * (1 - f) }')
		creditref --pd "$pd" --rho "$rho" --lgd 0.45 >"$BATS_TEST_TMPDIR/r"
		awk -F '\t' -v pd="$pd" -v rw="$rw" '$1 == "VaR" {
			b = (0.11852 - 0.05478 * log(pd)) ^ 2
			got = 1250 * ($2 - 0.45 * pd) / (1 - 1.5 * b); printf "PD %s: %.4f%% vs %s%%\n", pd, got, rw
			d = got - rw; exit !(d < 0.005 && d > -0.005) }' "$BATS_TEST_TMPDIR/r"
	done
}

@test "the large pool's VaR and ES agree with scipy (relative 1e-9)" {
	creditref --pd 0.02 --rho 0.25 --lgd 0.6 -a 0.995 >"$BATS_TEST_TMPDIR/g"
	/usr/bin/python3 - "$(field VaR 2 "$BATS_TEST_TMPDIR/g")" "$(field ES 2 "$BATS_TEST_TMPDIR/g")" <<-'EOF'
	import sys, math
	from scipy.stats import norm
	from scipy.integrate import quad
	p, r, g, a = 0.02, 0.25, 0.6, 0.995
	q = norm.cdf((norm.ppf(p) + math.sqrt(r) * norm.ppf(a)) / math.sqrt(1 - r))
	# ES: the mean of the quantile function beyond a
	es = quad(lambda u: norm.cdf((norm.ppf(p) + math.sqrt(r) * norm.ppf(u)) / math.sqrt(1 - r)),
	          a, 1, epsabs=0, epsrel=1e-12, limit=200)[0] / (1 - a)
	var, got_es = float(sys.argv[1]), float(sys.argv[2])
	print(var, g * q, got_es, g * es)
	assert abs(var / (g * q) - 1) < 1e-9 and abs(got_es / (g * es) - 1) < 1e-9
	EOF
}

@test "the finite pool's law sums to 1 and tends to the large pool" {
	creditref --pd 0.01 --rho 0.2 -n 40 -d >"$BATS_TEST_TMPDIR/d"
	rows "$BATS_TEST_TMPDIR/d" | awk -F '\t' '{ s += $3; m += $1 * $3 }
		END { printf "sum %.17g mean %.17g\n", s, m; exit !(s > 1 - 1e-9 && s < 1 + 1e-9 && m > 0.4 - 1e-8 && m < 0.4 + 1e-8) }'
	creditref --pd 0.01 --rho 0.2 -n 4000 >"$BATS_TEST_TMPDIR/f"
	creditref --pd 0.01 --rho 0.2 >"$BATS_TEST_TMPDIR/l"
	# granularity: the 4000-pool's VaR fraction within 2% of Vasicek's
	awk -v f="$(field VaR 2 "$BATS_TEST_TMPDIR/f")" -v l="$(field VaR 2 "$BATS_TEST_TMPDIR/l")" \
		'BEGIN { r = f / 4000 / l; print r; exit !(r > 0.98 && r < 1.02) }'
}

@test "the t copula's large pool: near the Gaussian for large nu, heavier for small" {
	creditref --pd 0.01 --rho 0.2 >"$BATS_TEST_TMPDIR/g"
	creditref --pd 0.01 --rho 0.2 -c t --nu 1000 >"$BATS_TEST_TMPDIR/t1000"
	creditref --pd 0.01 --rho 0.2 -c t --nu 4 >"$BATS_TEST_TMPDIR/t4"
	for row in VaR ES; do
		awk -v g="$(field $row 2 "$BATS_TEST_TMPDIR/g")" -v t="$(field $row 2 "$BATS_TEST_TMPDIR/t1000")" \
			-v s="$(field $row 2 "$BATS_TEST_TMPDIR/t4")" \
			'BEGIN { print g, t, s; exit !(t / g > 0.98 && t / g < 1.02 && s > 2 * g) }'
	done
}

@test "the man page's examples" {
	man_examples "$ROOT/tools/creditref.1"
}

@test "a write error is an error" {
	run -1 --separate-stderr bash -c 'creditref --pd 0.01 --rho 0.2 >/dev/full'
	[ "$stderr" = "creditref: write error: No space left on device" ]
}
