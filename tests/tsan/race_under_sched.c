/* TSan gate, plain main: the scheduler's handoff must add no happens-before
 * edge. Two managed threads bump a plain counter. With argv[1] = "race" they
 * do it unprotected, and ThreadSanitizer must report the race even though
 * the controlled scheduler never runs them at the same time; with "locked"
 * they hold an ipf_mutex, whose emulation announces the real edges, and TSan
 * must stay silent. The gate script checks both outcomes. */
#include <stdio.h>
#include <string.h>

#include "ipcfault/run.h"
#include "ipcfault/sched.h"

static int counter;
static int locked;
static ipf_mutex_t m = IPF_MUTEX_INITIALIZER;

static void bump(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    if (locked) ipf_mutex_lock(&m);
    int v = counter;
    ipf_yield();
    counter = v + 1;
    if (locked) ipf_mutex_unlock(&m);
  }
}

static void body(void) {
  counter = 0;
  ipf_thread_t a, b;
  ipf_thread_create(&a, "a", bump, NULL);
  ipf_thread_create(&b, "b", bump, NULL);
  ipf_thread_join(&a);
  ipf_thread_join(&b);
  ipf_check(locked ? counter == 6 : 1, "count", "counter %d, expected 6", counter);
}

int main(int argc, char **argv) {
  if (argc != 2 || (strcmp(argv[1], "race") && strcmp(argv[1], "locked"))) {
    fprintf(stderr, "usage: race_under_sched race|locked\n");
    return 2;
  }
  locked = !strcmp(argv[1], "locked");
  ipf_scenario sc = { "tsan/counter", IPF_EXPECT_OK, "", body, 0, 0, NULL };
  ipf_config c;
  ipf_config_init(&c);
  for (int i = 0; i < 20; i++) {
    c.seed = (uint64_t)i + 1;
    ipf_result r;
    int v = ipf_exec(&sc, &c, &r);
    if (v == IPF_VERDICT_ERROR || (locked && v != IPF_VERDICT_OK)) {
      fprintf(stderr, "unexpected verdict %s: %s\n", r.kind, r.message);
      ipf_result_free(&r);
      return 1;
    }
    ipf_result_free(&r);
  }
  printf("20 executions done\n");
  return 0;
}
