/* Exploration: many executions of one scenario, stopping at the first bug. */
#include "internal.h"

int ipf_explore(const ipf_scenario *sc, const ipf_config *cfg, long runs, ipf_result *res,
                long *executions) {
  ipf_config c = *cfg;
  long longest = 0;
  int v = IPF_VERDICT_OK;
  *executions = 0;
  for (long i = 0; i < runs; i++) {
    c.seed = ipf_exec_seed(cfg->seed, i);
    /* PCT picks its change points among the steps an execution takes:
     * start with a guess, then use the longest execution seen so far. */
    if (cfg->strategy == IPF_STRAT_PCT && cfg->pct_steps <= 0) c.pct_steps = longest ? longest : 50;
    if (i) ipf_result_free(res);
    v = ipf_exec(sc, &c, res);
    *executions = i + 1;
    if (res->steps > longest) longest = res->steps;
    if (v != IPF_VERDICT_OK) break;
  }
  return v;
}
