/* Exploration: many executions of one scenario, stopping at the first bug:
 * drawn (random, pct, rr) or systematic (dfs).
 *
 * DESIGN (dfs). Iterative context bounding, as CHESS: a depth-first search
 * at preemption bound 0, then 1, ... up to K (or only K with bound-exact),
 * so the first bug found is found at the smallest bound that exposes it:
 * its depth. Levels below K are plain bounded DFS. At level K the sleep-set
 * search (dfs.c) runs first; when the bound cut no branch it covered every
 * schedule whatever the number of preemptions, and the search ends there.
 * When the bound did cut, the reduction's argument no longer holds (see
 * dfs.c) and the level is searched again as plain bounded DFS, which is what
 * its claim then rests on. One
 * budget (runs) is shared by every level; running out is reported as "not
 * exhaustive", never as a proof.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "dfs.h"

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

int ipf_explore_dfs(const ipf_scenario *sc, const ipf_config *cfg, long runs, ipf_result *res,
                    ipf_dfs_stats *st, int (*stop)(void)) {
  memset(st, 0, sizeof *st);
  memset(res, 0, sizeof *res);
  st->depth = -1;
  st->max_faults = cfg->dfs_max_faults;
  int K = cfg->dfs_preemptions;
  int from = K < 0 || cfg->dfs_bound_exact ? K : 0;
  long budget = runs;
  int have = 0;
  int v = IPF_VERDICT_OK;
  for (int k = from; k <= K || (K < 0 && k == from); k++) {
    st->bound = k;
    /* Levels below K plainly: they establish a bug's depth, and a reduced
     * pass there would be cut by the small bound. At K, reduced first: its
     * claim holds only if the bound refused nothing the reduction asked for
     * (it was then the unbounded search), so at the first refusal it stops
     * and the level is searched as plain DFS. */
    for (int reduce = cfg->dfs_reduction && (k == K || K < 0) ? 1 : 0; reduce >= 0; reduce--) {
      struct ipf__dfs_level lv;
      v = ipf__dfs_search(sc, cfg, k, reduce, &budget, res, &have, &lv, stop);
      st->executions += lv.executions;
      st->schedules = lv.schedules;
      st->pruned = lv.pruned;
      st->at_least = lv.at_least;
      if (v != IPF_VERDICT_OK) {
        if (v == IPF_VERDICT_BUG) st->depth = (int)res->preemptions;
        return v;
      }
      if (reduce && (lv.unstable || lv.bound_hit)) continue;   /* not a proof: plain next */
      if (!lv.complete) return v;                     /* budget or a stop: not exhaustive */
      if (!lv.bound_hit) { st->exhaustive = st->unbounded = 1; return v; }
      break;                                          /* plain, complete: this level is done */
    }
  }
  st->exhaustive = 1;
  return v;
}

/* "12,345" */
static const char *num(char *b, size_t len, long v) {
  char t[32];
  int n = snprintf(t, sizeof t, "%ld", v), o = 0;
  for (int i = 0; i < n && (size_t)o + 2 < len; i++) {
    if (i && t[i - 1] != '-' && (n - i) % 3 == 0) b[o++] = ',';
    b[o++] = t[i];
  }
  b[o] = 0;
  return b;
}

void ipf_dfs_summary(const ipf_dfs_stats *st, char *out, size_t len) {
  char a[32], b[32];
  const char *fs = st->max_faults == 1 ? "" : "s";
  if (st->exhaustive && st->unbounded)
    snprintf(out, len, "exhaustive: every schedule with up to %d fault%s explored, no preemption bound needed "
             "(%s schedules, %s pruned as equivalent), nothing found", st->max_faults, fs,
             num(a, sizeof a, st->schedules), num(b, sizeof b, st->pruned));
  else if (st->exhaustive)
    snprintf(out, len, "exhaustive: every schedule up to %d preemption%s and %d fault%s explored "
             "(%s schedules, %s pruned as equivalent), nothing found", st->bound, st->bound == 1 ? "" : "s",
             st->max_faults, fs, num(a, sizeof a, st->schedules), num(b, sizeof b, st->pruned));
  else
    snprintf(out, len, "not exhaustive: %s schedules explored of at least %s (bound %d); nothing found",
             num(a, sizeof a, st->schedules), num(b, sizeof b, st->at_least), st->bound);
}
