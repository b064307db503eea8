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

# make var (pipeline/var): its variables reach the job through the
# environment (exported when set), never pasted into the recipe; the job
# checks each of them before any work.
export MARKET CORR PORTFOLIO HORIZON LEVEL SCENARIOS SEED R RETURNS DF \
       SHARDS JOBS HOSTS SCHEDULER OUT
.PHONY: var
var: $(BIN) | deps-run
	@$(JOB_PATH) pipeline/var

# make credit (pipeline/credit): its variables (LOANS SECTORS COPULA NU
# RHO LEVEL SCENARIOS SEED IS SHARDS JOBS HOSTS SCHEDULER OUT) reach the job
# through the environment, never pasted into the recipe: make exports the
# variables given on its command line, and the job checks each one.
.PHONY: credit
credit: $(BIN) | deps-run
	@$(JOB_PATH) pipeline/credit
