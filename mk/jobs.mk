# The user's jobs. Each is a script in pipeline/ fed by these variables;
# set them on the command line: make price SIGMA=0.3 PAYOFF=put
#
# The variables reach the scripts through the ENVIRONMENT (export), never
# pasted into the recipe's command line: a value is data, whatever it holds
# (quotes, ;, $(...), a newline). Each job checks them all up front against
# pipeline/variables.tsv (pipeline/manifest; DESIGN.md, "The run manifest").
# A job that knows a new variable adds its name to JOB_VARS and a row to
# pipeline/variables.tsv.
JOB_VARS = MODEL S0 K R Q SIGMA T STEPS PAYOFF BARRIER REBATE PATHS SEED \
           V0 KAPPA THETA XI RHO SUBSTEPS LAMBDA MU_J DELTA_J \
           ANTITHETIC CONTROL GREEKS FUSED SHARDS JOBS HOSTS SCHEDULER RETRIES OUT \
           SIGMA_GRID S0_GRID K_GRID T_GRID R_GRID Q_GRID TRAIN_PATHS UPPER INNER

# Make's own variables, which a user may set on the command line of a job
# (make price CC=clang): not typos. Append yours.
MAKE_VARS = CC CFLAGS CPPFLAGS LDFLAGS LDLIBS SANFLAGS PREFIX DESTDIR BINDIR MANDIR \
            VERSION BATS_JOBS BATS_FILES MCPIPE_BUILD

# Every variable named on make's command line, before the overrides below
# change their origin: the job refuses one it does not know (SIGAM=0.3),
# naming the nearest it does.
MCPIPE_GIVEN := $(strip $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v))))
MCPIPE_GIVEN := $(filter-out $(MAKE_VARS),$(MCPIPE_GIVEN))

# A job variable from the command line or the environment, as typed: make
# never expands it (SIGMA='$(shell ...)' is text, which the job refuses).
$(foreach v,$(JOB_VARS),$(if $(filter command line environment,$(origin $(v))),$(eval override $(v) := $$(value $(v)))))

JOB_TARGETS = price grid speedup
$(JOB_TARGETS): export PATH := $(CURDIR)/build/bin:$(CURDIR)/pipeline:$(PATH)
$(JOB_TARGETS): export MCPIPE_GIVEN := $(MCPIPE_GIVEN)
export $(JOB_VARS)

price: $(BIN) | deps-run
	@pipeline/price

grid: $(BIN) | deps-run
	@pipeline/grid

speedup: $(BIN) | deps-run
	@pipeline/speedup

# make calibrate SURFACE=file (pipeline/calibrate): the variables reach the
# job through the environment only, as typed; the job checks them.
CALIBRATE_VARS = SURFACE STARTS V0_GRID KAPPA_GRID THETA_GRID XI_GRID RHO_GRID JOBS OUT \
                 CHECK_PATHS CHECK_SEED CHECK_SUBSTEPS
calibrate: export PATH := $(CURDIR)/build/bin:$(CURDIR)/pipeline:$(PATH)
# override: a command-line value is otherwise exported expanded, so that
# SURFACE='$(shell ...)' would run; $(value) keeps the text as typed.
$(foreach v,$(CALIBRATE_VARS),$(eval calibrate: override export $(v) := $$(value $(v))))
.PHONY: calibrate
calibrate: $(BIN) | deps-run
	@pipeline/calibrate
