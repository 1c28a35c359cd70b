/* make bench, dfs section: schedules the systematic search needs, plain
 * against reduced (DPOR with sleep sets), and schedules per second.
 *
 * DESIGN. Counts are exact and do not drift; the rate is the best of three
 * rounds like every figure of the bench. Four searches per scenario, each
 * capped at CAP executions ("≥" when the cap ended it): plain DFS at
 * preemption bound 2 (what a --strategy dfs proof at bound 2 rests on),
 * reduced at bound 2 (which stops at the first option the bound refuses
 * it, as a reduced search is then no proof, see src/sched/dfs.c: its
 * column says after how many executions, "cut@N"), and plain against
 * reduced with no bound, where the reduction is sound and the ratio is the
 * reduction's. Nothing is asserted.
 */
#include <stdio.h>
#include <time.h>

#include "ipcfault/run.h"
#include "../../src/sched/dfs.h"

#define CAP 100000

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct one { long schedules, executions, pruned; int complete, cut; double secs; };

static struct one run(const ipf_scenario *sc, int k, int reduce) {
  ipf_config c;
  ipf_config_init(&c);
  long budget = CAP;
  ipf_result r;
  int have = 0;
  struct ipf__dfs_level lv;
  double t0 = now();
  ipf__dfs_search(sc, &c, k, reduce, &budget, &r, &have, &lv, NULL);
  struct one o = { lv.schedules, lv.executions, lv.pruned, lv.complete, lv.bound_hit, now() - t0 };
  if (have) ipf_result_free(&r);
  return o;
}

static void cell(const struct one *o) {
  printf(" %s%8ld%s", o->complete ? " " : ">=", o->schedules, o->cut ? "*" : " ");
}

/* A reduced search at a bound: complete (a proof), or where it stopped. */
static void rcell(const struct one *o) {
  if (o->cut) printf(" %7s%-4ld", "cut@", o->executions);
  else cell(o);
}

void ipf_bench_dfs(void) {
  static const char *const names[] = { "shm/continue-atomic", "shm/condvar", "mq/sentinel" };
  printf("\n== dfs: schedules to cover a scenario, plain vs reduced (DPOR + sleep sets; cap %d executions) ==\n",
         CAP);
  printf("%-22s %11s %11s %11s %11s %9s %13s\n", "scenario", "plain b=2", "reduced b=2", "plain all",
         "reduced all", "ratio all", "schedules/s");
  for (int i = 0; i < 3; i++) {
    const ipf_scenario *sc = ipf_scenario_find(names[i]);
    if (!sc) { printf("%-22s (not in this build)\n", names[i]); continue; }
    struct one p2 = run(sc, 2, 0), r2 = run(sc, 2, 1), pa = run(sc, -1, 0), ra = run(sc, -1, 1);
    double best = 0;
    for (int round = 0; round < 3; round++) {
      struct one t = round ? run(sc, 2, 0) : p2;
      double rate = t.secs > 0 ? t.executions / t.secs : 0;
      if (rate > best) best = rate;
    }
    printf("%-22s", names[i]);
    cell(&p2); rcell(&r2); cell(&pa); cell(&ra);
    if (ra.complete && ra.schedules) printf(" %s%7.1fx", pa.complete ? " " : ">=", (double)pa.schedules / ra.schedules);
    else printf(" %9s", "-");
    printf(" %13.0f\n", best);
  }
  printf("(* the preemption bound cut branches. cut@N: the bound refused the reduced search an option after N\n"
         " executions; it is then no proof and --strategy dfs searches the level plainly. 'all': no bound;\n"
         " the reduced search is then sound.)\n"
         "target: ratio >= 10x on the largest; >= 5,000 schedules/s on shm/continue-atomic (plain b=2)\n");
}
