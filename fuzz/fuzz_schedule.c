/* Fuzz the schedule string parser (src/sched/schedule.c).
 *
 * DESIGN. The first byte picks a catalog scenario; the rest is the text.
 * The text is checked twice: as it is (ipf_schedule_check: almost always
 * refused at the header, which tests the header path), and behind a valid
 * header for that scenario, so that the fuzzer spends its time in the body
 * grammar (decisions, '~N.', '-COUNT.'). An accepted body must round-trip:
 * format(parse(s)) parses to the same decisions (the printed replay line
 * must replay what was parsed). Refusals must say why, in one line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ipcfault/run.h"

/* Internal to the kit (src/sched/schedule.c), not in a header. */
int ipf__schedule_parse(const char *s, const ipf_scenario *sc, const char *plan_text, uint32_t **out,
                        size_t *n, long *max_steps, char *why, size_t whylen);
char *ipf__schedule_format(const ipf_scenario *sc, const char *plan_text, long max_steps,
                           const uint32_t *d, size_t n);

#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "fuzz_schedule: " __VA_ARGS__); fputc('\n', stderr); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  size_t nsc;
  const ipf_scenario *all = ipf_scenarios(&nsc);
  const ipf_scenario *sc = &all[data[0] % nsc];
  char *text = malloc(size);
  memcpy(text, data + 1, size - 1);
  text[size - 1] = 0;
  char why[256] = "";
  if (ipf_schedule_check(sc, text, why, sizeof why) < 0)
    CHECK(why[0] && !strchr(why, '\n'), "refusal without a one-line reason: '%s'", why);

  /* behind a valid header: "1:HASH:" for plan text "" and the fuzzed rest */
  char *hdr = ipf__schedule_format(sc, "", 1, NULL, 0);       /* "1:hhhhhhhh:1:" */
  CHECK(hdr, "format failed");
  size_t hl = strlen(hdr) - 2;                                /* keep "1:hhhhhhhh:" */
  char *s = malloc(hl + size);
  memcpy(s, hdr, hl);
  memcpy(s + hl, text, size);                                 /* includes the NUL */
  uint32_t *d = NULL, *d2 = NULL;
  size_t n = 0, n2 = 0;
  long steps = 0, steps2 = 0;
  why[0] = 0;
  if (ipf__schedule_parse(s, sc, "", &d, &n, &steps, why, sizeof why) == 0) {
    CHECK(steps > 0, "accepted a step bound of %ld", steps);
    char *f = ipf__schedule_format(sc, "", steps, d, n);
    CHECK(f, "format of %zu decisions failed", n);
    int rc = ipf__schedule_parse(f, sc, "", &d2, &n2, &steps2, why, sizeof why);
    CHECK(rc == 0, "its own output does not parse: %s\n  in:  %s\n  out: %s", why, s, f);
    CHECK(steps2 == steps && n2 == n && (n == 0 || !memcmp(d, d2, n * sizeof *d)),
          "round trip changed the decisions\n  in:  %s\n  out: %s", s, f);
    free(f);
  } else {
    CHECK(why[0] && !strchr(why, '\n'), "body refusal without a one-line reason: '%s'", why);
  }
  free(d);
  free(d2);
  free(s);
  free(hdr);
  free(text);
  return 0;
}
