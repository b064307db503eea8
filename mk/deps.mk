# Debian packages mcpipe needs, each as check:package. The check is a
# command on PATH or a file that the package installs.
BUILD_PACKAGES = cc:gcc make:make /usr/include/Random123/philox.h:librandom123-dev
RUN_PACKAGES   = parallel:parallel bats:bats gnuplot:gnuplot-nox python3:python3

deps-build:
	@pipeline/ensure-packages $(BUILD_PACKAGES)

deps-run:
	@pipeline/ensure-packages $(RUN_PACKAGES)

deps: deps-build deps-run
