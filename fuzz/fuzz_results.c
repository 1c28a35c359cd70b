/* Fuzz the reader of results.tsv, what `ipcfault merge` reads
 * (ipf__results_parse in src/cli/campaign.c).
 *
 * DESIGN. The input is one results.tsv; it is read into merge's state and
 * the state is reset after each input. Contract: a refusal comes with a
 * non-empty one-line error (merge prints it and exits 2); no crash, no
 * sanitizer report, whatever the bytes (escapes at line ends, NULs, huge
 * numbers, thousands of records).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cli/campaign.h"
#include "fuzz.h"

#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "fuzz_results: " __VA_ARGS__); fputc('\n', stderr); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  FILE *in = fmemopen((void *)data, size, "r");
  if (!in) return 0;
  char err[4300] = "";
  int shard_n = 0;
  int rc = ipf__results_parse(in, "fuzz/results.tsv", &shard_n, err, sizeof err);
  fclose(in);
  if (rc < 0) CHECK(err[0] && !strchr(err, '\n'), "refusal without a one-line reason: '%s'", err);
  ipf__results_reset();
  return 0;
}
