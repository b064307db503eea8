#!/usr/bin/env bats
# exactsum: the exact, order-independent sums behind aggregate.
# The C program tests/unit/test_exactsum.c does the work; see its usage.

load test_helper

@test "exactsum: sums cancel exactly, across zero, with subnormals and at DBL_MAX" {
	"$UNIT/test_exactsum" cancel
}

@test "exactsum: rounds to nearest, ties to even, like IEEE addition of two terms" {
	"$UNIT/test_exactsum" rounding
}

@test "exactsum: text is canonical, reads back exactly, and garbage is rejected" {
	"$UNIT/test_exactsum" text
}

@test "exactsum: order and grouping of 10^6 terms do not change the text" {
	"$UNIT/test_exactsum" order 1000000
}

@test "exactsum: agrees with math.fsum and exact fractions on 4000 vectors" {
	"$UNIT/test_exactsum" vectors 4000 >"$BATS_TEST_TMPDIR/vectors"
	python3 - "$BATS_TEST_TMPDIR/vectors" <<'EOF'
import math, re, sys
from fractions import Fraction

HEX = re.compile(r'(-?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?p([+-]?[0-9]+)$')

def exact(text):
    """A C hex float (%a, %La, or xsum text) as an exact fraction."""
    if text == '0':
        return Fraction(0)
    m = HEX.match(text)
    if not m:
        raise ValueError('not a hex float: ' + text)
    sign, whole, frac, exp = m.groups()
    frac = frac or ''
    v = Fraction(int(whole + frac, 16)) * Fraction(2) ** (int(exp) - 4 * len(frac))
    return -v if sign else v

def canonical(v):
    """The xsum text of v: odd hex mantissa times a power of two."""
    if v == 0:
        return '0'
    n, d = abs(v).numerator, abs(v).denominator  # d is a power of two
    e = -(d.bit_length() - 1)
    while n % 2 == 0:
        n //= 2
        e += 1
    return '%s0x%xp%+d' % ('-' if v < 0 else '', n, e)

def round_bits(v, p):
    """v rounded to p significant bits, ties to even (no range limits)."""
    if v == 0:
        return v
    a = abs(v)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if a >= Fraction(2) ** e:
        e += 1                       # now 2^(e-1) <= a < 2^e
    scale = Fraction(2) ** (p - e)
    q, r = divmod(a * scale, 1)
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and q % 2 == 1):
        q += 1
    q = q / scale
    return -q if v < 0 else q

def as_double(v):
    try:
        return float(v)              # correctly rounded
    except OverflowError:
        return math.inf if v > 0 else -math.inf

bad = 0
lines = 0
for line in open(sys.argv[1]):
    lines += 1
    text, dbl, ldbl, *terms = line.split()
    xs = [float.fromhex(t) for t in terms]
    s = sum((Fraction(x) for x in xs), Fraction(0))
    problems = []
    if text != canonical(s):
        problems.append('text %s, exact %s' % (text, canonical(s)))
    got = float.fromhex(dbl)
    if got != as_double(s) or (got == 0 and math.copysign(1, got) < 0):
        problems.append('round %s, want %s' % (dbl, as_double(s).hex()))
    try:
        if got != math.fsum(xs):
            problems.append('round %s, math.fsum %s' % (dbl, math.fsum(xs).hex()))
    except OverflowError:
        pass                         # fsum gives up on intermediate overflow
    if exact(ldbl) != round_bits(s, 64):
        problems.append('round_ld %s, want %s' % (ldbl, canonical(round_bits(s, 64))))
    if problems:
        bad += 1
        if bad <= 10:
            print('vector %d: %s' % (lines, '; '.join(problems)), file=sys.stderr)
if lines != 4000:
    print('expected 4000 vectors, read %d' % lines, file=sys.stderr)
    sys.exit(1)
sys.exit(1 if bad else 0)
EOF
}

@test "exactsum: prints ns per xsum_add over 10^8 adds" {
	not_sanitized
	run "$UNIT/test_exactsum" bench 100000000
	[ "$status" -eq 0 ]
	printf '# %s\n' "${lines[@]}" >&3
}

@test "exactsum: 2^31 adds of the largest pieces into one accumulator stay exact" {
	expensive
	"$UNIT/test_exactsum" carry
}
