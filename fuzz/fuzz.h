/* fuzz/fuzz.h — what every harness shares: the entry points and the
 * interleaving feedback.
 *
 * DESIGN. A harness is one LLVMFuzzerTestOneInput; the engine is chosen at
 * link time (CMakeLists.txt, "fuzzing" block): libFuzzer (clang
 * -fsanitize=fuzzer), AFL++ (afl-clang-fast -fsanitize=fuzzer links
 * libAFLDriver), or fuzz/standalone.c, which runs each file once (gcc, ctest
 * corpus replay). A finding is an abort(): every engine records that.
 *
 * Interleaving feedback: code coverage alone does not tell two schedules of
 * the same code apart, so the schedule harnesses also count context switches
 * as (thread that stopped, its operation, thread that resumes, its
 * operation) pairs, hashed into IPF_FUZZ_ILV_SLOTS byte counters. For
 * libFuzzer the counters live in the section __libfuzzer_extra_counters,
 * which libFuzzer treats as part of its coverage map; AFL++ 4.04 has no such
 * section, so the same hash is also added into its edge map __afl_area_ptr
 * (sharing the edge slots: AFL++ maps no more than its edges)
 * (read with an assembler load, x86-64; see ilv.c). A new pair, or a pair seen more often (the
 * counters are bucketed by both engines), makes an input interesting.
 */
#ifndef IPCFAULT_FUZZ_H
#define IPCFAULT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define IPF_FUZZ_ILV_SLOTS 4096

/* The ipf_config.on_switch callback that feeds the counters. */
void ipf_fuzz_on_switch(void *arg, int from, const char *from_op, int to, const char *to_op);
/* Start of an execution: forget the previous switch. */
void ipf_fuzz_ilv_reset(void);
/* Whether the feedback is on: IPF_FUZZ_NO_ILV=1 turns it off (for the
 * measurement in fuzz/measure.sh, which shows what it is worth). */
int ipf_fuzz_ilv_enabled(void);

#endif
