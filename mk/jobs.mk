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
JOB_VARS += TOL TOL_BATCH
JOB_VARS += QMC REPLICATES
# simpaths --normals (issue 20): gbm's normals by inversion or the ziggurat
JOB_VARS += NORMALS

# Make's own variables, which a user may set on the command line of a job
# (make price CC=clang): not typos. Append yours.
MAKE_VARS = CC CFLAGS CPPFLAGS LDFLAGS LDLIBS SANFLAGS PREFIX DESTDIR BINDIR MANDIR \
            VERSION BATS_JOBS BATS_FILES MCPIPE_BUILD

# Every variable named on make's command line, before the overrides below
# change their origin: the job refuses one it does not know (SIGAM=0.3),
# naming the nearest it does.
MCPIPE_GIVEN := $(strip $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v))))
MCPIPE_GIVEN := $(filter-out $(MAKE_VARS),$(MCPIPE_GIVEN))
# Each of them is text as typed, whatever it is: make would otherwise
# expand it when it exports it to a recipe, so that a typo such as
# SIGAM='$(shell ...)' would run before any job could refuse it.
$(foreach v,$(MCPIPE_GIVEN),$(eval override $(v) := $$(value $(v))))

# A job variable from the command line or the environment, as typed: make
# never expands it (SIGMA='$(shell ...)' is text, which the job refuses).
$(foreach v,$(JOB_VARS),$(if $(filter command line environment,$(origin $(v))),$(eval override $(v) := $$(value $(v)))))

# A new job appends its target here (it gets PATH and MCPIPE_GIVEN) and
# its variables to JOB_VARS. make var, credit, calibrate and backtest get
# MCPIPE_GIVEN and their variables, the names of their rows of
# pipeline/variables.tsv (table_vars), which `manifest JOB` checks. A job
# that checks its own variables (convergence) gets MCPIPE_KNOWN too, and
# refuses a typo by `manifest --names JOB $MCPIPE_KNOWN`.
JOB_TARGETS = price grid speedup
$(JOB_TARGETS): export PATH := $(CURDIR)/build/bin:$(CURDIR)/pipeline:$(PATH)
$(JOB_TARGETS): export MCPIPE_GIVEN := $(MCPIPE_GIVEN)

# job_exports TARGETS,VARS: each of VARS exported, as typed, to the recipes
# of TARGETS alone. A plain `export VAR` would hand every recipe an empty
# VAR even where it is not set, make test's bats included, where a suite's
# own shell variable of that name (OUT, CLOSES) would then leak into the
# jobs it runs.
job_exports = $(foreach v,$(2),$(eval $(1): export $(v) := $$(value $(v))))
$(call job_exports,$(JOB_TARGETS),$(JOB_VARS))

price: $(BIN) | deps-run
	@pipeline/price

grid: $(BIN) | deps-run
	@pipeline/grid

speedup: $(BIN) | deps-run
	@pipeline/speedup

# make data: the DJIA's daily closes, 1980-1989, converted from the installed
# gretl-data package (never copied into the tree). make backtest: walk-forward
# VaR on them (pipeline/backtest reads LEVEL WINDOW SCENARIOS SEED LAMBDA
# SHARDS JOBS OUT and CLOSES from the environment, exported below as typed:
# make expands none of them).
DJIA_GDT = /usr/share/gretl/data/misc/djclose.gdt
DJIA     = build/data/djclose.tsv
.PHONY: data backtest
data: $(DJIA)
$(DJIA_GDT): | deps-data
$(DJIA): $(DJIA_GDT) pipeline/gdt2tsv
	@mkdir -p $(@D)
	pipeline/gdt2tsv $(DJIA_GDT) gretl-data >$@.tmp
	mv $@.tmp $@

# table_vars JOB: the names of JOB's rows of pipeline/variables.tsv, the one
# table of the jobs' variables (pipeline/manifest checks them). The table
# is read once, as JOB:NAME words: every make reads it before any job
# starts, and an awk a job was 4 programs, 6 ms of every make price's wall
# time (issue 20, bench/RESULTS.md). Read by make itself ($(file <), no
# awk: a process less in every make, issue 20 session 12): each line made
# one word (its TABs ~t~, its spaces ~s~), the comments dropped, and the
# first two fields of each taken (names, never holding a space or a ~; a
# ~t~ in a later field only splits what is not read).
mcpipe_empty :=
mcpipe_space := $(mcpipe_empty) $(mcpipe_empty)
mcpipe_tab := $(mcpipe_empty)	$(mcpipe_empty)
define mcpipe_newline


endef
mcpipe_hash := \#
JOB_TABLE := $(foreach l,$(filter-out $(mcpipe_hash)%,$(subst $(mcpipe_newline), ,$(subst $(mcpipe_space),~s~,$(subst $(mcpipe_tab),~t~,$(file <pipeline/variables.tsv))))),$(word 1,$(subst ~t~, ,$(l))):$(word 2,$(subst ~t~, ,$(l))))
table_vars = $(patsubst $(1):%,%,$(filter $(1):%,$(JOB_TABLE)))

# A job variable given on the command line or in the environment, as typed:
# make never expands it (LEVEL='$(shell ...)' stays text, which the job
# refuses); exported as it is. PATH finds the tool before the job script.
BACKTEST_VARS := $(call table_vars,backtest)
$(foreach v,$(BACKTEST_VARS),$(if $(filter command line environment,$(origin $(v))),$(eval override $(v) := $$(value $(v)))))
$(call job_exports,backtest,$(filter-out CLOSES,$(BACKTEST_VARS)))
backtest: export PATH := $(CURDIR)/build/bin:$(CURDIR)/pipeline:$(PATH)
backtest: export MCPIPE_GIVEN := $(MCPIPE_GIVEN)
backtest: export CLOSES ?= $(DJIA)
backtest: build/bin/backtest $(if $(CLOSES),,$(DJIA)) | deps-run
	@pipeline/backtest

# make var (pipeline/var): its variables reach the job through the
# environment, as typed (make expands none of them), never pasted into the
# recipe; the job checks each of them before any work.
VAR_VARS := $(call table_vars,var)
$(foreach v,$(VAR_VARS),$(if $(filter command line environment,$(origin $(v))),$(eval override $(v) := $$(value $(v)))))
$(call job_exports,var,$(VAR_VARS))
.PHONY: var
var: export PATH := $(CURDIR)/build/bin:$(CURDIR)/pipeline:$(PATH)
var: export MCPIPE_GIVEN := $(MCPIPE_GIVEN)
var: $(BIN) | deps-run
	@pipeline/var

# make credit (pipeline/credit): its variables reach the job through the
# environment, as typed (make expands none of them), never pasted into the
# recipe; the job checks each one.
CREDIT_VARS := $(call table_vars,credit)
$(foreach v,$(CREDIT_VARS),$(if $(filter command line environment,$(origin $(v))),$(eval override $(v) := $$(value $(v)))))
$(call job_exports,credit,$(CREDIT_VARS))
.PHONY: credit
credit: export PATH := $(CURDIR)/build/bin:$(CURDIR)/pipeline:$(PATH)
credit: export MCPIPE_GIVEN := $(MCPIPE_GIVEN)
credit: $(BIN) | deps-run
	@pipeline/credit

# make calibrate SURFACE=file (pipeline/calibrate): the variables reach the
# job through the environment only, as typed; the job checks them.
CALIBRATE_VARS := $(call table_vars,calibrate)
calibrate: export PATH := $(CURDIR)/build/bin:$(CURDIR)/pipeline:$(PATH)
calibrate: export MCPIPE_GIVEN := $(MCPIPE_GIVEN)
# override: a command-line value is otherwise exported expanded, so that
# SURFACE='$(shell ...)' would run; $(value) keeps the text as typed.
$(foreach v,$(CALIBRATE_VARS),$(eval calibrate: override export $(v) := $$(value $(v))))
.PHONY: calibrate
calibrate: $(BIN) | deps-run
	@pipeline/calibrate

# make price's variables reach the other jobs too, as typed, and every name
# given on the command line reaches every job, so that one given to the
# wrong job, or a typo, is named with its value (pipeline/manifest).
$(call job_exports,backtest var credit calibrate,$(JOB_VARS))
$(call job_exports,$(JOB_TARGETS) backtest var credit calibrate,$(MCPIPE_GIVEN))

# make convergence (pipeline/convergence, issue 16): error against paths
# for the arithmetic Asian call, MC, MC + control, QMC, QMC + control:
# $(OUT)/convergence.tsv and .png. Its variables reach the job through the
# environment, as typed; the job checks each one.
CONVERGENCE_VARS = STEPS PATHS SEED JOBS OUT
$(foreach v,$(CONVERGENCE_VARS),$(if $(filter command line environment,$(origin $(v))),$(eval override $(v) := $$(value $(v)))))
$(call job_exports,convergence,$(CONVERGENCE_VARS))
.PHONY: convergence
convergence: export PATH := $(CURDIR)/build/bin:$(CURDIR)/pipeline:$(PATH)
convergence: export MCPIPE_GIVEN := $(MCPIPE_GIVEN)
convergence: export MCPIPE_KNOWN := $(CONVERGENCE_VARS)
convergence: $(BIN) | deps-run
	@pipeline/convergence
$(call job_exports,convergence,$(MCPIPE_GIVEN))
