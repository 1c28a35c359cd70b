/* Interleaving coverage for the schedule harnesses (see fuzz/fuzz.h).
 *
 * DESIGN. The key of a context switch is the pair of operations on either
 * side of it, with the thread ids: "producer stopped at ipf_store, consumer
 * resumes at ipf_load" is a different pair from the reverse. The operation
 * names are the kit's static strings, so a pointer hash would do within one
 * process, but AFL++ compares maps across forked children and libFuzzer
 * across runs that merge corpora: hash the text, which is stable. Thread ids
 * are capped at 7 so that pools of many identical workers do not explode
 * the space. The previous key is chained in, so the counters see pairs of
 * consecutive switches too (a 2-switch window), not only single switches.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

__attribute__((section("__libfuzzer_extra_counters"), used))
static uint8_t ilv_counters[IPF_FUZZ_ILV_SLOTS];

#if defined(__AFL_COMPILER) && defined(__x86_64__)
/* AFL++'s map pointer and its used size (afl-compiler-rt). Read with an
 * assembler load: the instrumentation pass adds its own IR global
 * __afl_area_ptr, and any C declaration of that name (weak, or by assembler
 * label) is renamed (__afl_area_ptr.3) and left undefined at link time.
 * The size is __afl_final_loc, the number of edge slots: the forkserver
 * tells afl-fuzz that size and the shared map is no larger
 * (__afl_map_size is the compile-time maximum, 2 MiB, past its end). */
static uint8_t *afl_area(uint32_t *size) {
  uint8_t *p;
  uint32_t n;
  __asm__("movq __afl_area_ptr(%%rip), %0" : "=r"(p));
  __asm__("movl __afl_final_loc(%%rip), %0" : "=r"(n));
  *size = n;
  return n ? p : NULL;
}
#define IPF_AFL_MAP 1
#endif

static uint32_t prev_key;

static uint32_t str_hash(uint32_t h, const char *s) {
  for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

void ipf_fuzz_ilv_reset(void) { prev_key = 0; }

int ipf_fuzz_ilv_enabled(void) {
  static int on = -1;
  if (on < 0) {
    const char *e = getenv("IPF_FUZZ_NO_ILV");
    on = !(e && *e && strcmp(e, "0"));
  }
  return on;
}

void ipf_fuzz_on_switch(void *arg, int from, const char *from_op, int to, const char *to_op) {
  (void)arg;
  uint32_t h = 2166136261u;
  h = (h ^ (uint32_t)(from > 7 ? 7 : from)) * 16777619u;
  h = str_hash(h, from_op ? from_op : "start");
  h = (h ^ 0xffu) * 16777619u;
  h = (h ^ (uint32_t)(to > 7 ? 7 : to)) * 16777619u;
  h = str_hash(h, to_op ? to_op : "start");
  uint32_t key = h ^ (prev_key >> 1);
  prev_key = h;
  uint32_t slot = (key ^ (key >> 16)) % IPF_FUZZ_ILV_SLOTS;
  if (ilv_counters[slot] < 255) ilv_counters[slot]++;
#ifdef IPF_AFL_MAP
  uint32_t size;
  uint8_t *map = afl_area(&size);
  if (map) map[(key ^ (key >> 13)) % size]++;
#endif
}
