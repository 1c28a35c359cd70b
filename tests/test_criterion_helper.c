/* The Criterion helpers of ipcfault/criterion.h, on catalog scenarios. */
#include <criterion/criterion.h>

#include "ipcfault/criterion.h"

Test(criterion_helper, clean_when_scenario_is_correct) {
  ipf_cr_assert_clean(ipf_scenario_find("shm/continue-atomic"), IPF_STRAT_PCT, 500);
}

Test(criterion_helper, found_with_kind_when_scenario_is_buggy) {
  ipf_cr_assert_found(ipf_scenario_find("shm/no-check"), IPF_STRAT_RANDOM, 1000, "empty-as-data");
}

Test(criterion_helper, explore_returns_bug_and_schedule_when_buggy) {
  ipf_result r;
  long n;
  int v = ipf_cr_explore(ipf_scenario_find("shm/no-check"), IPF_STRAT_PCT, 1000, &r, &n);
  cr_assert_eq(v, IPF_VERDICT_BUG);
  cr_assert_not_null(r.schedule);
  ipf_result_free(&r);
}
