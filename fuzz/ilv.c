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

extern uint8_t *__afl_area_ptr __attribute__((weak));
extern uint32_t __afl_map_size __attribute__((weak));

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
  if (&__afl_area_ptr && __afl_area_ptr) {
    uint32_t size = &__afl_map_size && __afl_map_size ? __afl_map_size : 65536;
    __afl_area_ptr[(key ^ (key >> 13)) % size]++;
  }
}
