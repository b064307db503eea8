# The user's jobs. Each is a script in pipeline/ fed by these variables;
# set them on the command line: make price SIGMA=0.3 PAYOFF=put
JOB_VARS = MODEL S0 K R Q SIGMA T STEPS PAYOFF BARRIER REBATE PATHS SEED \
           V0 KAPPA THETA XI RHO SUBSTEPS LAMBDA MU_J DELTA_J \
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

# make calibrate SURFACE=file (pipeline/calibrate): the variables reach the
# job through the environment only; the job checks them.
CALIBRATE_VARS = SURFACE STARTS V0_GRID KAPPA_GRID THETA_GRID XI_GRID RHO_GRID JOBS OUT
calibrate: export PATH := $(CURDIR)/build/bin:$(CURDIR)/pipeline:$(PATH)
$(foreach v,$(CALIBRATE_VARS),$(eval calibrate: export $(v) := $$(value $(v))))
.PHONY: calibrate
calibrate: $(BIN) | deps-run
	@pipeline/calibrate
