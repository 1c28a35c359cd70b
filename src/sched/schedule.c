/* Schedule strings: the printable form of an execution's choice stream.
 *
 * DESIGN. "1:HHHHHHHH:STEPS:BODY". 1 is the format version; HHHHHHHH the
 * FNV-1a hash of the scenario name and the canonical text of the fault plan
 * the execution ran under (src/fault), so a schedule pasted
 * for the wrong scenario is refused before it runs; STEPS the step bound the
 * execution ran under (a hang replays only under the same bound). BODY is the
 * decisions, each an index into that decision's options: 0-61 as one
 * character of [0-9a-zA-Z], larger as "~N."; a run of three or more equal
 * decisions as the decision followed by "-COUNT.". Only characters a shell
 * leaves alone, so the printed replay line can be pasted as it is.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../fault/internal.h"

static const char alpha[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* plan_text: the canonical text of the fault plan the execution used
 * (src/fault), so that a schedule recorded under one plan is refused under
 * another; "" for no plan, which leaves the hash of a plan-less scenario as
 * it was. */
static uint32_t sc_hash(const ipf_scenario *sc, const char *plan_text) {
  uint32_t h = 2166136261u;
  for (const char *p = sc->name; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
  for (const char *p = plan_text ? plan_text : ""; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
  return h;
}

char *ipf__schedule_format(const ipf_scenario *sc, const char *plan_text, long max_steps,
                           const uint32_t *d, size_t n) {
  size_t cap = 64 + n * 2, len = 0;
  char *s = malloc(cap);
  if (!s) return NULL;
  len = (size_t)snprintf(s, cap, "1:%08x:%ld:", sc_hash(sc, plan_text), max_steps);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && d[j] == d[i]) j++;
    size_t run = j - i;
    char tok[24];
    if (d[i] < 62) { tok[0] = alpha[d[i]]; tok[1] = 0; }
    else snprintf(tok, sizeof tok, "~%u.", d[i]);
    size_t tl = strlen(tok);
    if (len + 2 * tl + 24 >= cap) {
      cap = cap * 2 + 2 * tl + 24;
      char *t = realloc(s, cap);
      if (!t) { free(s); return NULL; }
      s = t;
    }
    if (run >= 3) {
      len += (size_t)snprintf(s + len, cap - len, "%s-%zu.", tok, run);
    } else {
      for (size_t k = 0; k < run; k++) { memcpy(s + len, tok, tl); len += tl; }
      s[len] = 0;
    }
    i = j;
  }
  return s;
}

char *ipf_schedule_make(const ipf_scenario *sc, const ipf_config *cfg, const uint32_t *dec, size_t n) {
  char why[256];
  const ipf_plan *plan = ipf__plan_resolve(sc, cfg->plan, why, sizeof why);
  return ipf__schedule_format(sc, plan ? ipf__plan_text(plan) : "",
                              cfg->max_steps > 0 ? cfg->max_steps : 100000, dec, n);
}

static int fail(char *why, size_t len, size_t pos, const char *what) {
  snprintf(why, len, "bad schedule string at character %zu: %s", pos + 1, what);
  return -EINVAL;
}

/* Parse a decimal number at s[*i] ending at `end` (or at end of string when
 * end is 0); returns -1 when malformed or too large. */
static long number(const char *s, size_t *i, char end, long max) {
  size_t start = *i;
  long v = 0;
  while (s[*i] >= '0' && s[*i] <= '9') {
    v = v * 10 + (s[*i] - '0');
    if (v > max) return -1;
    (*i)++;
  }
  if (*i == start) return -1;
  if (end) { if (s[*i] != end) return -1; (*i)++; }
  return v;
}

int ipf__schedule_parse(const char *s, const ipf_scenario *sc, const char *plan_text, uint32_t **out,
                        size_t *nout, long *max_steps, char *why, size_t whylen) {
  *out = NULL;
  *nout = 0;
  size_t i = 0;
  if (strncmp(s, "1:", 2) != 0)
    return fail(why, whylen, 0, "expected the format version \"1:\" (copy the whole string explore printed)");
  i = 2;
  uint32_t h = 0;
  for (int k = 0; k < 8; k++, i++) {
    char c = s[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return fail(why, whylen, i, "expected 8 hex digits of the scenario hash");
    h = h * 16 + (uint32_t)v;
  }
  if (s[i] != ':') return fail(why, whylen, i, "expected ':' after the scenario hash");
  i++;
  if (h != sc_hash(sc, plan_text)) {
    snprintf(why, whylen, "this schedule was recorded for another scenario (or another fault plan), not %s", sc->name);
    return -EINVAL;
  }
  long steps = number(s, &i, ':', 100000000L);
  if (steps <= 0) return fail(why, whylen, i, "expected the step bound (a positive number) and ':'");
  *max_steps = steps;
  size_t cap = 256, n = 0;
  uint32_t *d = malloc(cap * sizeof *d);
  if (!d) return -ENOMEM;
  while (s[i]) {
    long v;
    const char *p = strchr(alpha, s[i]);
    if (s[i] == '~') {
      i++;
      v = number(s, &i, '.', 1L << 30);
      if (v < 0) { free(d); return fail(why, whylen, i, "expected a number and '.' after '~'"); }
    } else if (p && *p) {
      v = p - alpha;
      i++;
    } else {
      free(d);
      return fail(why, whylen, i, "unexpected character (decisions are [0-9a-zA-Z], '~N.' or '-COUNT.')");
    }
    long run = 1;
    if (s[i] == '-') {
      i++;
      run = number(s, &i, '.', 100000000L);
      if (run < 1) { free(d); return fail(why, whylen, i, "expected a repeat count and '.' after '-'"); }
    }
    if (n + (size_t)run > (size_t)steps * 4 + 4096) {
      free(d);
      return fail(why, whylen, i, "more decisions than the step bound allows");
    }
    while (n + (size_t)run > cap) {
      cap *= 2;
      uint32_t *t = realloc(d, cap * sizeof *d);
      if (!t) { free(d); return -ENOMEM; }
      d = t;
    }
    for (long k = 0; k < run; k++) d[n++] = (uint32_t)v;
  }
  *out = d;
  *nout = n;
  return 0;
}

/* Checks against the scenario's default plan (ipf_exec checks against the
 * plan it is given). */
int ipf_schedule_check(const ipf_scenario *sc, const char *s, char *why, size_t whylen) {
  uint32_t *d;
  size_t n;
  long steps;
  const ipf_plan *plan = ipf__plan_resolve(sc, NULL, why, whylen);
  if (!plan) return -EINVAL;
  int rc = ipf__schedule_parse(s, sc, ipf__plan_text(plan), &d, &n, &steps, why, whylen);
  if (rc == 0) free(d);
  return rc;
}
