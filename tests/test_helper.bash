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
