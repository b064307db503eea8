# The user's jobs. Each is a script in pipeline/ fed by these variables;
# set them on the command line: make price SIGMA=0.3 PAYOFF=put
JOB_VARS = MODEL S0 K R Q SIGMA T STEPS PAYOFF BARRIER REBATE PATHS SEED \
           ANTITHETIC CONTROL GREEKS FUSED SHARDS JOBS HOSTS SCHEDULER RETRIES OUT \
           SIGMA_GRID S0_GRID K_GRID T_GRID R_GRID Q_GRID
JOB_ENV  = $(foreach v,$(JOB_VARS),$(if $(value $(v)),$(v)='$(value $(v))'))
JOB_PATH = PATH="$(CURDIR)/build/bin:$(CURDIR)/pipeline:$$PATH"

price: $(BIN) | deps-run
	@$(JOB_PATH) $(JOB_ENV) pipeline/price

grid: $(BIN) | deps-run
	@$(JOB_PATH) $(JOB_ENV) pipeline/grid

speedup: $(BIN) | deps-run
	@$(JOB_PATH) $(JOB_ENV) pipeline/speedup

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

# A job variable given on the command line or in the environment, as typed:
# make never expands it (LEVEL='$(shell ...)' stays text, which the job
# refuses); exported as it is. PATH finds the tool before the job script.
BACKTEST_VARS = CLOSES LEVEL WINDOW SCENARIOS SEED LAMBDA SHARDS JOBS OUT
$(foreach v,$(BACKTEST_VARS),$(if $(filter command line environment,$(origin $(v))),$(eval override $(v) := $$(value $(v)))))
export $(BACKTEST_VARS)
backtest: export PATH := $(CURDIR)/build/bin:$(CURDIR)/pipeline:$(PATH)
backtest: export CLOSES ?= $(DJIA)
backtest: build/bin/backtest $(if $(CLOSES),,$(DJIA)) | deps-run
	@pipeline/backtest
