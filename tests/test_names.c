/* Criterion tests of names for code and data addresses (src/sched/names.h,
 * src/rt/symbolize.c, src/rt/heap.c): function (file:line) from debug info,
 * globals by symbol, heap objects by allocation site, the hex fallback, and
 * a scenario's deadlock report naming each thread's place. This file is
 * built with debug info (the dev and asan presets both carry -g). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcfault/run.h"
#include "ipcfault/sched.h"
#include "../src/sched/names.h"

static __attribute__((noinline)) uintptr_t return_address(void) {
  return (uintptr_t)__builtin_return_address(0);
}

/* The return address of a call on a known line (no tail call: the result
 * goes through a volatile). */
static __attribute__((noinline)) uintptr_t call_site(int *line) {
  *line = __LINE__ + 1;
  volatile uintptr_t pc = return_address();
  return pc;
}

int names_counter[4];
struct names_pair { int a, b; } names_pairs[5], names_pair;

static const void *local_static(void) {
  static pthread_mutex_t local_lock = PTHREAD_MUTEX_INITIALIZER;
  return &local_lock;
}

Test(names, pc_is_function_file_and_line_when_built_with_debug_info) {
  int line;
  uintptr_t pc = call_site(&line);
  char b[256], want[64];
  snprintf(want, sizeof want, "call_site (test_names.c:%d)", line);
  cr_assert_str_eq(ipf__name_pc(pc, b, sizeof b), want);
  cr_assert_str_eq(ipf__name_pc(pc, b, sizeof b), want, "a cached answer differs");
  /* an exact instruction address: the function's first line */
  ipf__name_ip((uintptr_t)&call_site, b, sizeof b);
  cr_assert(strncmp(b, "call_site (test_names.c:", 24) == 0, "%s", b);
}

Test(names, pc_is_hex_when_nothing_is_known) {
  char b[64];
  cr_assert_str_eq(ipf__name_pc(0x10, b, sizeof b), "0x10");
  cr_assert_str_eq(ipf__name_pc(0, b, sizeof b), "0x0");
}

Test(names, pc_in_a_shared_library_is_named) {
  char b[256];
  /* libc carries no debug info here: its symbol table names the place */
  ipf__name_ip((uintptr_t)&qsort + 4, b, sizeof b);
  cr_assert(strstr(b, "qsort"), "%s", b);
}

Test(names, globals_are_named_by_symbol_with_offset) {
  char b[128];
  cr_assert_str_eq(ipf__name_addr(&names_counter[0], b, sizeof b), "names_counter[0]");
  cr_assert_str_eq(ipf__name_addr(&names_counter[2], b, sizeof b), "names_counter[2]");
  cr_assert_str_eq(ipf__name_addr((char *)&names_pairs[3] + 4, b, sizeof b), "names_pairs[3]+4");
  cr_assert_str_eq(ipf__name_addr((char *)&names_pair + 4, b, sizeof b), "names_pair+4");
  cr_assert_str_eq(ipf__name_addr(local_static(), b, sizeof b), "local_lock");
  int on_stack;
  char hex[32];
  snprintf(hex, sizeof hex, "%p", (void *)&on_stack);
  cr_assert_str_eq(ipf__name_addr(&on_stack, b, sizeof b), hex);
  cr_assert_null(ipf__name_data(&on_stack, b, sizeof b));
}

Test(names, heap_objects_are_named_by_allocation_site) {
  int line;
  uintptr_t pc = call_site(&line);
  char *p = calloc(1, 48);
  ipf__heap_alloc(p, 48, pc);
  char b[256], want[160];
  snprintf(want, sizeof want, "heap object of 48 bytes allocated at call_site (test_names.c:%d)", line);
  cr_assert_str_eq(ipf__name_addr(p, b, sizeof b), want);
  snprintf(want, sizeof want, "offset 8 in heap object of 48 bytes allocated at call_site (test_names.c:%d)", line);
  cr_assert_str_eq(ipf__name_addr(p + 8, b, sizeof b), want);
  ipf__heap_free(p);
  cr_assert_null(ipf__name_data(p + 8, b, sizeof b), "a freed block is still named: %s", b);
  free(p);
}

Test(names, heap_table_keeps_every_live_block_when_blocks_churn) {
  enum { N = 20000 };
  static char *blk[N];
  for (int i = 0; i < N; i++) { blk[i] = calloc(1, 16 + i % 64); ipf__heap_alloc(blk[i], 16 + i % 64, (uintptr_t)i + 1); }
  unsigned s = 12345;
  for (int i = 0; i < N; i++) {            /* free a pseudo-random half */
    s = s * 1103515245u + 12345u;
    int k = (int)((s >> 8) % N);
    if (blk[k]) { ipf__heap_free(blk[k]); free(blk[k]); blk[k] = NULL; }
  }
  for (int i = 0; i < N; i++) {
    uintptr_t base, pc;
    size_t size;
    if (!blk[i]) continue;
    cr_assert(ipf__heap_find(blk[i] + 3, &base, &size, &pc), "live block %d lost", i);
    cr_assert_eq(base, (uintptr_t)blk[i]);
    cr_assert_eq(size, (size_t)(16 + i % 64));
    cr_assert_eq(pc, (uintptr_t)i + 1);
    ipf__heap_free(blk[i]);
    free(blk[i]);
  }
}

/* A scenario's deadlock: unnamed global mutexes are named by symbol, and
 * each thread's place is the line of its blocking call. */
static ipf_mutex_t names_lock_a = IPF_MUTEX_INITIALIZER, names_lock_b = IPF_MUTEX_INITIALIZER;
static int line_ab, line_ba;
static void ab(void *x) {
  (void)x;
  ipf_mutex_lock(&names_lock_a);
  line_ab = __LINE__ + 1;
  ipf_mutex_lock(&names_lock_b);
  ipf_mutex_unlock(&names_lock_b);
  ipf_mutex_unlock(&names_lock_a);
}
static void ba(void *x) {
  (void)x;
  ipf_mutex_lock(&names_lock_b);
  line_ba = __LINE__ + 1;
  ipf_mutex_lock(&names_lock_a);
  ipf_mutex_unlock(&names_lock_a);
  ipf_mutex_unlock(&names_lock_b);
}
static void abba_body(void) {
  ipf_mutex_init(&names_lock_a, NULL);   /* a deadlocked execution leaves them held */
  ipf_mutex_init(&names_lock_b, NULL);
  ipf_thread_t t1, t2;
  ipf_thread_create(&t1, "t1", ab, NULL);
  ipf_thread_create(&t2, "t2", ba, NULL);
  ipf_thread_join(&t1);
  ipf_thread_join(&t2);
}
static const ipf_scenario abba = { "test/names-abba", IPF_EXPECT_BUG, "ABBA, unnamed locks", abba_body, 0, 0, NULL };

Test(names, scenario_deadlock_names_locks_and_places_when_locks_are_unnamed) {
  ipf_config c;
  ipf_config_init(&c);
  c.strategy = IPF_STRAT_RANDOM;
  c.seed = 1;
  ipf_result r;
  long e;
  ipf_explore(&abba, &c, 1000, &r, &e);
  cr_assert_str_eq(r.kind, "deadlock");
  char want[160];
  snprintf(want, sizeof want, "t1: blocked in ipf_mutex_lock(names_lock_b), held by t2; at ab (test_names.c:%d)", line_ab);
  cr_assert(strstr(r.message, want), "want '%s' in:\n%s", want, r.message);
  snprintf(want, sizeof want, "t2: blocked in ipf_mutex_lock(names_lock_a), held by t1; at ba (test_names.c:%d)", line_ba);
  cr_assert(strstr(r.message, want), "want '%s' in:\n%s", want, r.message);
  ipf_result_free(&r);
}
