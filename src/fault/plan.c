/* Fault plans: the term grammar, its parser and its canonical text.
 *
 * DESIGN. A plan file is lines "SITE = TERMS"; TERMS is the grammar FreeBSD
 * fail(9), fail-rs and gofail share, `[p%][n*]action[(arg)]` chained with
 * `->` (the chain semantics are documented in ipcfault/fault.h, and carried
 * out in fault.c). The parser is a hand-written scanner over one line at a
 * time that knows its column, so every error is one line
 * "file:line:col: what: expected what" pointing at the first character that
 * does not fit — the user fixes the plan from that line alone, and the CLI
 * prints it as it is and exits 2. Sites are checked against the X-macro list
 * (a trailing '*' is a prefix glob, expanded at parse time), and actions
 * against the ones the site can carry out, so a plan that could never fire
 * (`ipf/sync/cond_wait = short`) is refused instead of silently doing
 * nothing. The canonical text (ipf_plan_format) is a function of what the
 * plan means, not of how it was written: the schedule hash covers it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcfault/error.h"
#include "internal.h"

/* ---- actions ------------------------------------------------------------- */

static const char *const act_names[] = {
  "off", "error", "short", "eof", "reset", "epipe", "eintr", "delay", "spurious", "throw", "crash"
};
#define NACTS ((int)(sizeof act_names / sizeof act_names[0]))
#define A(x) (1u << IPF_ACT_##x)
#define ALWAYS (A(OFF) | A(DELAY))

/* What each site can carry out (see the site list in fault.h). Data sites
 * take every stream fault; setup calls take errors; the cond wait only
 * spurious wakeups; scheduling points only delays. Sites appended later and
 * not listed here accept every action. */
static unsigned site_actions(int site) {
  const unsigned data = ALWAYS | A(ERROR) | A(SHORT) | A(EOF) | A(RESET) | A(EPIPE) | A(EINTR) | A(CRASH);
  const unsigned call = ALWAYS | A(ERROR) | A(EINTR) | A(CRASH);
  const unsigned setup = ALWAYS | A(ERROR) | A(CRASH);
  switch (site) {
  case IPF_SITE_IO_READ: case IPF_SITE_IO_WRITE: case IPF_SITE_IO_RECV: case IPF_SITE_IO_SEND:
  case IPF_SITE_PIPE_READ: case IPF_SITE_PIPE_WRITE: case IPF_SITE_FIFO_READ: case IPF_SITE_FIFO_WRITE:
  case IPF_SITE_UDS_RECV: case IPF_SITE_UDS_SEND:
    return data;
  case IPF_SITE_IO_ACCEPT: case IPF_SITE_IO_CONNECT: case IPF_SITE_IO_OPEN: case IPF_SITE_IO_CLOSE:
  case IPF_SITE_FIFO_OPEN: case IPF_SITE_UDS_CONNECT:
    return call;
  case IPF_SITE_IO_PIPE: case IPF_SITE_IO_MKFIFO: case IPF_SITE_IO_SOCKET: case IPF_SITE_IO_BIND:
  case IPF_SITE_IO_LISTEN:
    return setup;
  case IPF_SITE_COND_WAIT: return ALWAYS | A(SPURIOUS);
  case IPF_SITE_SCHED_POINT: return ALWAYS;
  case IPF_SITE_MQ_PUT: case IPF_SITE_MQ_GET: return call;
  case IPF_SITE_POOL_TASK: return ALWAYS | A(THROW) | A(CRASH) | A(ERROR);
  default: return ~0u;
  }
}

static void list_actions(unsigned mask, char *b, size_t len) {
  size_t o = 0;
  b[0] = 0;
  for (int a = 0; a < NACTS && o < len; a++) {
    if (!(mask & (1u << a))) continue;
    int k = snprintf(b + o, len - o, "%s%s", o ? ", " : "", act_names[a]);
    if (k < 0) break;
    o += (size_t)k;
  }
}

/* ---- errno names ----------------------------------------------------------- */

#define ERRNOS(X) X(EPERM) X(ENOENT) X(EINTR) X(EIO) X(ENXIO) X(EBADF) X(EAGAIN) X(ENOMEM) \
  X(EACCES) X(EFAULT) X(EBUSY) X(EEXIST) X(ENODEV) X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE)  \
  X(EMFILE) X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS) X(EPIPE) X(ERANGE) X(EDEADLK)               \
  X(ENAMETOOLONG) X(ENOSYS) X(ENOTSUP) X(EMSGSIZE) X(EPROTO) X(EADDRINUSE) X(EADDRNOTAVAIL)   \
  X(ENETDOWN) X(ENETUNREACH) X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN) \
  X(ESHUTDOWN) X(ETIMEDOUT) X(ECONNREFUSED) X(EHOSTUNREACH) X(EALREADY) X(EINPROGRESS)        \
  X(EDQUOT) X(ECANCELED) X(EOVERFLOW) X(ENOTSOCK) X(EOPNOTSUPP) X(ETXTBSY) X(EMLINK)

static const struct { const char *name; int code; } errnos[] = {
#define IPF_X_ERRNO(e) { #e, e },
  ERRNOS(IPF_X_ERRNO)
#undef IPF_X_ERRNO
};

static int errno_find(const char *name, size_t len) {
  for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
    if (strlen(errnos[i].name) == len && !strncmp(errnos[i].name, name, len)) return errnos[i].code;
  if (len == 11 && !strncmp(name, "EWOULDBLOCK", 11)) return EWOULDBLOCK;
  return -1;
}

static const char *errno_name(long code) {
  for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
    if (errnos[i].code == code) return errnos[i].name;
  return NULL;
}

/* ---- plan storage -------------------------------------------------------------- */

ipf_plan *ipf_plan_new(void) {
  return calloc(1, sizeof(ipf_plan));
}

void ipf_plan_free(ipf_plan *p) {
  if (!p) return;
  free(p->terms);
  free(p->text);
  free(p);
}

int ipf_plan_has(const ipf_plan *p, int site) {
  return p && site >= 0 && site < IPF_SITE_COUNT && p->nterms[site] > 0;
}

/* Give `site` the chain t[0..n): appended at the end, the old chain's terms
 * left unused (plans are small and short-lived; compaction would buy nothing). */
/* Room for `want` terms in all: 0, or -1 when out of memory. */
static int reserve(ipf_plan *p, int want) {
  if (want <= p->cap) return 0;
  int cap = p->cap ? p->cap * 2 : 32;
  while (cap < want) cap *= 2;
  ipf_term *nt = realloc(p->terms, (size_t)cap * sizeof *nt);
  if (!nt) return -1;
  p->terms = nt;
  p->cap = cap;
  return 0;
}

static int set_chain(ipf_plan *p, int site, const ipf_term *t, int n) {
  if (p->total + n > IPF_PLAN_MAX_TERMS || reserve(p, p->total + n) < 0) return -1;
  free(p->text);
  p->text = NULL;
  memcpy(p->terms + p->total, t, (size_t)n * sizeof *t);
  p->first[site] = p->total;
  p->nterms[site] = n;
  p->total += n;
  return 0;
}

/* ---- the scanner ------------------------------------------------------------------ */

typedef struct {
  const char *file;
  int line;
  const char *bol;          /* start of the current line */
  const char *s;            /* cursor */
  char *err; size_t errlen;
} scan;

static int perr(scan *c, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(scan *c, const char *at, const char *fmt, ...) {
  int o = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->file, c->line, (int)(at - c->bol) + 1);
  if (o >= 0 && (size_t)o < c->errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + o, c->errlen - (size_t)o, fmt, ap);
    va_end(ap);
  }
  return IPF_EPLAN;
}

static void skip_ws(scan *c) { while (*c->s == ' ' || *c->s == '\t' || *c->s == '\r') c->s++; }
static int at_end(const scan *c) { return *c->s == 0 || *c->s == '\n' || *c->s == '#'; }

/* Show what is at the cursor in an error: a word, or a quoted character. */
static void got(const char *s, char *b, size_t len) {
  if (*s == 0 || *s == '\n' || *s == '#') { snprintf(b, len, "end of line"); return; }
  size_t n = 0;
  while (s[n] && (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '/')) n++;
  if (n == 0) n = 1;
  if (n > 24) n = 24;
  snprintf(b, len, "'%.*s'", (int)n, s);
}

/* A decimal number; *v set, cursor moved. Returns 0, or -1 when there are no
 * digits, -2 when it exceeds max. */
static int number(scan *c, long max, long *v) {
  const char *p = c->s;
  long n = 0;
  if (!isdigit((unsigned char)*p)) return -1;
  while (isdigit((unsigned char)*p)) {
    if (n > (max - (*p - '0')) / 10) {
      while (isdigit((unsigned char)*p)) p++;
      return -2;
    }
    n = n * 10 + (*p - '0');
    p++;
  }
  c->s = p;
  *v = n;
  return 0;
}

/* Sites matching a name or prefix glob into mask; how many matched. */
static int match_sites(const char *name, size_t len, unsigned char *mask) {
  int k = 0;
  int glob = len > 0 && name[len - 1] == '*';
  for (int i = 0; i < IPF_SITE_COUNT; i++) {
    const char *sn = ipf_site_name(i);
    int m = glob ? !strncmp(sn, name, len - 1) : (strlen(sn) == len && !strncmp(sn, name, len));
    mask[i] = (unsigned char)m;
    k += m;
  }
  return k;
}

/* The site nearest to a misspelled name (edit distance), for the error. */
static const char *nearest_site(const char *name, size_t len) {
  const char *best = NULL;
  size_t bestd = (size_t)-1;
  if (len > 40) return NULL;
  for (int i = 0; i < IPF_SITE_COUNT; i++) {
    const char *sn = ipf_site_name(i);
    size_t m = strlen(sn);
    size_t row[48];
    for (size_t j = 0; j <= m && j < 48; j++) row[j] = j;
    if (m >= 48) continue;
    for (size_t a = 1; a <= len; a++) {
      size_t diag = row[0];
      row[0] = a;
      for (size_t b = 1; b <= m; b++) {
        size_t up = row[b];
        size_t sub = diag + (name[a - 1] != sn[b - 1]);
        size_t best3 = sub < up + 1 ? sub : up + 1;
        if (row[b - 1] + 1 < best3) best3 = row[b - 1] + 1;
        row[b] = best3;
        diag = up;
      }
    }
    if (row[m] < bestd) { bestd = row[m]; best = sn; }
  }
  return bestd <= 4 ? best : NULL;
}

/* One term at the cursor. */
static int parse_term(scan *c, unsigned allowed, const char *site_txt, ipf_term *t) {
  char g[40];
  memset(t, 0, sizeof *t);
  t->pct = 100;
  t->count = -1;
  skip_ws(c);
  const char *start = c->s;
  long v;
  int rc;
  if (isdigit((unsigned char)*c->s)) {
    const char *numat = c->s;
    rc = number(c, 1000000000L, &v);
    if (rc == -2) return perr(c, numat, "number too large: expected a probability 0-100%% or a count up to 1000000000*");
    if (*c->s == '%') {
      if (v > 100) return perr(c, numat, "probability %ld%% is over 100%%: expected 0 to 100", v);
      t->pct = (unsigned char)v;
      c->s++;
      if (isdigit((unsigned char)*c->s)) {
        numat = c->s;
        rc = number(c, 1000000000L, &v);
        if (rc == -2) return perr(c, numat, "count too large: expected 1 to 1000000000 before '*'");
        if (*c->s != '*') { got(c->s, g, sizeof g); return perr(c, c->s, "expected '*' after the count %ld, got %s", v, g); }
        if (v < 1) return perr(c, numat, "count 0: expected a count of at least 1 before '*'");
        t->count = v;
        c->s++;
      }
    } else if (*c->s == '*') {
      if (v < 1) return perr(c, numat, "count 0: expected a count of at least 1 before '*'");
      t->count = v;
      c->s++;
    } else {
      got(c->s, g, sizeof g);
      return perr(c, c->s, "expected '%%' (probability) or '*' (count) after the number %ld, got %s", v, g);
    }
  }
  (void)start;
  const char *actat = c->s;
  size_t n = 0;
  while (isalpha((unsigned char)actat[n]) || actat[n] == '_') n++;
  int act = -1;
  for (int a = 0; a < NACTS; a++)
    if (strlen(act_names[a]) == n && !strncmp(act_names[a], actat, n)) act = a;
  if (act < 0) {
    char all[160];
    list_actions(~0u, all, sizeof all);
    if (n == 0) { got(actat, g, sizeof g); return perr(c, actat, "expected an action (%s), got %s", all, g); }
    return perr(c, actat, "unknown action '%.*s': expected one of %s", (int)n, actat, all);
  }
  if (!(allowed & (1u << act))) {
    char ok[160];
    list_actions(allowed, ok, sizeof ok);
    return perr(c, actat, "%s cannot carry out %s: expected one of %s", site_txt, act_names[act], ok);
  }
  t->action = (unsigned char)act;
  c->s += n;
  /* defaults */
  if (act == IPF_ACT_ERROR) t->arg = EIO;
  if (act == IPF_ACT_DELAY) t->arg = 1;
  if (*c->s != '(') {
    if (act == IPF_ACT_DELAY)
      return perr(c, c->s, "delay needs an argument: expected '(' as in delay(3) (steps) or delay(10ms)");
    return 0;
  }
  const char *argat = ++c->s;
  skip_ws(c);
  argat = c->s;
  switch (act) {
  case IPF_ACT_ERROR: {
    size_t k = 0;
    while (isalnum((unsigned char)argat[k])) k++;
    if (k && isupper((unsigned char)argat[0])) {
      int e = errno_find(argat, k);
      if (e < 0) return perr(c, argat, "unknown errno name '%.*s': expected a name such as EIO, ECONNRESET, EAGAIN, or a number 1-4095", (int)k, argat);
      t->arg = e;
      c->s += k;
    } else {
      rc = number(c, 4095, &v);
      if (rc < 0 || v < 1) { got(argat, g, sizeof g); return perr(c, argat, "expected an errno name (EIO) or a number 1-4095, got %s", g); }
      t->arg = v;
    }
    t->has_arg = 1;
    break;
  }
  case IPF_ACT_SHORT:
    if (*c->s == ')') break;                    /* short() = short */
    rc = number(c, 1L << 30, &v);
    if (rc < 0 || v < 1) { got(argat, g, sizeof g); return perr(c, argat, "expected a byte count of at least 1 (short(n)), got %s", g); }
    t->arg = v;
    t->has_arg = 1;
    break;
  case IPF_ACT_DELAY:
    rc = number(c, 3600000L, &v);
    if (rc < 0 || v < 1) { got(argat, g, sizeof g); return perr(c, argat, "expected a delay: N steps (1-3600000) or Nms, got %s", g); }
    if (!strncmp(c->s, "ms", 2)) { c->s += 2; t->arg = -v; }
    else t->arg = v;
    t->has_arg = 1;
    break;
  case IPF_ACT_THROW: case IPF_ACT_CRASH:
    if (*c->s == ')') break;
    rc = number(c, 255, &v);
    if (rc < 0) { got(argat, g, sizeof g); return perr(c, argat, "expected a code 0-255 for %s, got %s", act_names[act], g); }
    t->arg = v;
    t->has_arg = 1;
    break;
  default:
    return perr(c, argat - 1, "%s takes no argument: expected '->', a comment or end of line", act_names[act]);
  }
  skip_ws(c);
  if (*c->s != ')') { got(c->s, g, sizeof g); return perr(c, c->s, "expected ')' to close %s(, got %s", act_names[act], g); }
  c->s++;
  return 0;
}

/* "SITE = TERMS" at the cursor (the line has something on it). */
static int parse_line(scan *c, ipf_plan *p) {
  char g[40];
  skip_ws(c);
  const char *nameat = c->s;
  size_t n = 0;
  while (nameat[n] && !isspace((unsigned char)nameat[n]) && nameat[n] != '=' && nameat[n] != '#') n++;
  if (n == 0) { got(nameat, g, sizeof g); return perr(c, nameat, "expected a site name such as ipf/io/read, got %s", g); }
  unsigned char mask[IPF_SITE_COUNT];
  if (match_sites(nameat, n, mask) == 0) {
    const char *near = nameat[n - 1] == '*' ? NULL : nearest_site(nameat, n);
    if (near) return perr(c, nameat, "unknown site '%.*s': expected a site name (did you mean %s?)", (int)n, nameat, near);
    return perr(c, nameat, "unknown site '%.*s': expected a site name such as ipf/io/read or a prefix glob ipf/io/*",
                (int)n, nameat);
  }
  c->s += n;
  skip_ws(c);
  if (*c->s != '=') { got(c->s, g, sizeof g); return perr(c, c->s, "expected '=' after the site name, got %s", g); }
  c->s++;
  /* actions: any that some matched site can carry out; the chain then goes
   * to the matched sites that can carry out all of its actions, so
   * "ipf/io/(star) = eintr" reaches read and write but not pipe() */
  unsigned allowed = 0;
  for (int i = 0; i < IPF_SITE_COUNT; i++) if (mask[i]) allowed |= site_actions(i);
  char site_txt[64];
  snprintf(site_txt, sizeof site_txt, "%.*s", (int)(n > 40 ? 40 : n), nameat);
  ipf_term chain[64];
  int k = 0;
  for (;;) {
    if (k == 64) return perr(c, c->s, "too many terms: expected at most 64 in one chain");
    int rc = parse_term(c, allowed, site_txt, &chain[k]);
    if (rc) return rc;
    k++;
    skip_ws(c);
    if (c->s[0] == '-' && c->s[1] == '>') { c->s += 2; continue; }
    if (at_end(c)) break;
    got(c->s, g, sizeof g);
    return perr(c, c->s, "expected '->' (next term), a '#' comment or end of line, got %s", g);
  }
  unsigned used = 0;
  for (int j = 0; j < k; j++) used |= 1u << chain[j].action;
  int assigned = 0;
  for (int i = 0; i < IPF_SITE_COUNT; i++) {
    if (!mask[i] || (site_actions(i) & used) != used) continue;
    if (set_chain(p, i, chain, k) < 0) return perr(c, nameat, "plan too large: expected at most %d terms in all", IPF_PLAN_MAX_TERMS);
    assigned++;
  }
  if (!assigned)
    return perr(c, nameat, "no site matching %s can carry out every action of this chain: expected a chain "
                "whose actions one site takes ('ipcfault sites' lists them)", site_txt);
  return 0;
}

static int parse_into(ipf_plan *p, const char *text, const char *file, int single, char *err, size_t errlen) {
  scan c = { file ? file : "plan", 0, text, text, err, errlen };
  if (err && errlen) err[0] = 0;
  while (*c.s) {
    c.line++;
    c.bol = c.s;
    skip_ws(&c);
    if (!at_end(&c)) {
      int rc = parse_line(&c, p);
      if (rc) return rc;
      if (single && *c.s == '\n') {
        c.s++;
        skip_ws(&c);
        if (*c.s) return perr(&c, c.s, "one SITE=TERMS per --fault: expected end of text");
      }
    }
    while (*c.s && *c.s != '\n') c.s++;     /* comment */
    if (*c.s == '\n') c.s++;
  }
  if (single && c.line == 0) {
    c.line = 1;
    return perr(&c, text, "empty --fault: expected SITE=TERMS, e.g. ipf/io/read=short(3)");
  }
  return 0;
}

int ipf_plan_parse(const char *text, const char *file, ipf_plan **out, char *err, size_t errlen) {
  *out = NULL;
  ipf_plan *p = ipf_plan_new();
  if (!p) { snprintf(err, errlen, "%s: out of memory", file ? file : "plan"); return IPF_EPLAN; }
  int rc = parse_into(p, text ? text : "", file, 0, err, errlen);
  if (rc) { ipf_plan_free(p); return rc; }
  *out = p;
  return 0;
}

int ipf_plan_add(ipf_plan *p, const char *site_eq_terms, char *err, size_t errlen) {
  /* parse into a scratch plan first, so that p is unchanged on error */
  ipf_plan *q = ipf_plan_new();
  if (!q) { snprintf(err, errlen, "--fault: out of memory"); return IPF_EPLAN; }
  int rc = parse_into(q, site_eq_terms ? site_eq_terms : "", "--fault", 1, err, errlen);
  /* All or nothing: a glob sets several sites, so make sure that every one
   * fits (in the term limit and in memory) before the first is changed. */
  int need = 0;
  for (int i = 0; i < IPF_SITE_COUNT; i++) need += q->nterms[i];
  if (rc == 0 && (p->total + need > IPF_PLAN_MAX_TERMS || reserve(p, p->total + need) < 0)) {
    snprintf(err, errlen, "--fault:1:1: plan too large: expected at most %d terms in all", IPF_PLAN_MAX_TERMS);
    rc = IPF_EPLAN;
  }
  for (int i = 0; rc == 0 && i < IPF_SITE_COUNT; i++) {
    if (!q->nterms[i]) continue;
    if (set_chain(p, i, q->terms + q->first[i], q->nterms[i]) < 0) abort();   /* room was reserved */
  }
  ipf_plan_free(q);
  return rc;
}

/* ---- canonical text ------------------------------------------------------------------ */

static int term_text(const ipf_term *t, char *b, size_t len) {
  int o = 0;
  if (t->pct < 100) o += snprintf(b + o, len - (size_t)o, "%u%%", t->pct);
  if (t->count >= 0) o += snprintf(b + o, len - (size_t)o, "%ld*", t->count);
  o += snprintf(b + o, len - (size_t)o, "%s", act_names[t->action]);
  switch (t->action) {
  case IPF_ACT_ERROR: {
    const char *n = errno_name(t->arg);
    if (n) o += snprintf(b + o, len - (size_t)o, "(%s)", n);
    else o += snprintf(b + o, len - (size_t)o, "(%ld)", t->arg);
    break;
  }
  case IPF_ACT_SHORT: case IPF_ACT_THROW: case IPF_ACT_CRASH:
    if (t->has_arg) o += snprintf(b + o, len - (size_t)o, "(%ld)", t->arg);
    break;
  case IPF_ACT_DELAY:
    if (t->arg < 0) o += snprintf(b + o, len - (size_t)o, "(%ldms)", -t->arg);
    else o += snprintf(b + o, len - (size_t)o, "(%ld)", t->arg);
    break;
  default: break;
  }
  return o;
}

char *ipf_plan_format(const ipf_plan *p) {
  size_t cap = 256, len = 0;
  char *s = malloc(cap);
  if (!s) return NULL;
  s[0] = 0;
  for (int i = 0; p && i < IPF_SITE_COUNT; i++) {
    if (!p->nterms[i]) continue;
    char line[64 * 64 + 128];
    int o = snprintf(line, sizeof line, "%s = ", ipf_site_name(i));
    for (int k = 0; k < p->nterms[i] && (size_t)o < sizeof line - 80; k++) {
      if (k) o += snprintf(line + o, sizeof line - (size_t)o, "->");
      o += term_text(&p->terms[p->first[i] + k], line + o, sizeof line - (size_t)o);
    }
    o += snprintf(line + o, sizeof line - (size_t)o, "\n");
    if (len + (size_t)o + 1 > cap) {
      while (len + (size_t)o + 1 > cap) cap *= 2;
      char *t = realloc(s, cap);
      if (!t) { free(s); return NULL; }
      s = t;
    }
    memcpy(s + len, line, (size_t)o + 1);
    len += (size_t)o;
  }
  return s;
}

/* ---- the plan an execution uses ----------------------------------------------------- */

const char *ipf__plan_text(const ipf_plan *p) {
  if (!p || !p->total) return "";
  if (!p->text) ((ipf_plan *)p)->text = ipf_plan_format(p);   /* a cache, not a change */
  return p->text ? p->text : "";
}

/* Default plans, parsed once per scenario table entry (keyed by the text's
 * address: the tables are static). Only the controlling thread resolves. */
static struct { const char *src; ipf_plan *plan; } cache[256];
static int ncache;
static ipf_plan empty_plan;

const ipf_plan *ipf__plan_resolve(const ipf_scenario *sc, const ipf_plan *cfg_plan, char *why,
                                  size_t whylen) {
  if (cfg_plan) return cfg_plan;
  if (!sc || !sc->plan) return &empty_plan;
  for (int i = 0; i < ncache; i++)
    if (cache[i].src == sc->plan) return cache[i].plan;
  char file[96];
  snprintf(file, sizeof file, "%s (default plan)", sc->name);
  ipf_plan *p;
  if (ipf_plan_parse(sc->plan, file, &p, why, whylen) != 0) return NULL;
  if (ncache < (int)(sizeof cache / sizeof cache[0])) {
    cache[ncache].src = sc->plan;
    cache[ncache].plan = p;
    ncache++;
  }
  /* a full cache (more than 256 scenarios with plans) keeps the plan alive
   * anyway: executions refer to it by pointer */
  return p;
}
