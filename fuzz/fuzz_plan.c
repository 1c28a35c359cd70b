/* Fuzz the fault plan parser (src/fault/plan.c): plan files and --fault
 * options.
 *
 * DESIGN. Besides "no crash, no sanitizer report", the harness checks the
 * parser's contract: a refused plan comes with a non-empty one-line error
 * and no plan; an accepted plan's canonical text (ipf_plan_format) parses
 * again, to the same canonical text (the schedule hash depends on that
 * being a fixed point), and so does the plan after the input's first line
 * is added to it as a --fault option (ipf_plan_add leaves the plan as it
 * was when it refuses). Any breach aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ipcfault/error.h"
#include "ipcfault/fault.h"

#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "fuzz_plan: " __VA_ARGS__); fputc('\n', stderr); abort(); } } while (0)

static void fixed_point(const ipf_plan *p, const char *what) {
  char *t1 = ipf_plan_format(p);
  CHECK(t1, "%s: format failed", what);
  ipf_plan *q = NULL;
  char err[512] = "";
  int rc = ipf_plan_parse(t1, "canonical", &q, err, sizeof err);
  CHECK(rc == 0 && q, "%s: canonical text does not parse: %s\n--- text:\n%s", what, err, t1);
  char *t2 = ipf_plan_format(q);
  CHECK(t2 && !strcmp(t1, t2), "%s: canonical text is not a fixed point:\n--- 1:\n%s\n--- 2:\n%s", what, t1, t2 ? t2 : "(null)");
  for (int s = 0; s < IPF_SITE_COUNT; s++)
    CHECK(!ipf_plan_has(p, s) == !ipf_plan_has(q, s), "%s: site %s differs after reparsing", what, ipf_site_name(s));
  free(t2);
  free(t1);
  ipf_plan_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = 0;
  ipf_plan *p = (ipf_plan *)1;
  char err[512] = "";
  int rc = ipf_plan_parse(text, "fuzz.plan", &p, err, sizeof err);
  if (rc != 0) {
    CHECK(rc == IPF_EPLAN && p == NULL && err[0] && !strchr(err, '\n'),
          "refusal breaks the contract: rc %d, plan %p, err '%s'", rc, (void *)p, err);
  } else {
    CHECK(p != NULL, "accepted without a plan");
    fixed_point(p, "plan");
    /* the first line as a --fault option on top */
    char *nl = strchr(text, '\n');
    if (nl) *nl = 0;
    char *before = ipf_plan_format(p);
    err[0] = 0;
    rc = ipf_plan_add(p, text, err, sizeof err);
    if (rc != 0) {
      char *after = ipf_plan_format(p);
      CHECK(rc == IPF_EPLAN && err[0] && before && after && !strcmp(before, after),
            "refused --fault changed the plan or broke the contract: rc %d, err '%s'", rc, err);
      free(after);
    } else {
      fixed_point(p, "plan + --fault");
    }
    free(before);
    ipf_plan_free(p);
  }
  free(text);
  return 0;
}
