/* The ipcfault command: list, run, explore, replay.
 *
 * DESIGN. Every command parses all of its arguments before it runs anything,
 * and every bad input ends in one line on stderr naming what is wrong and
 * exit code 2. Exit codes: 0 nothing found, 1 bug found, 2 usage or error.
 * --json prints exactly one JSON object on stdout and nothing else there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipcfault/run.h"

#define EXIT_BUG 1
#define EXIT_USAGE 2

static const char *prog = "ipcfault";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", prog);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, " (see '%s --help')\n", prog);
  va_end(ap);
  exit(EXIT_USAGE);
}

static const char *help_text =
  "usage: ipcfault COMMAND [ARGS]\n"
  "\n"
  "Run the catalog's communication mechanisms and their bugs under a\n"
  "controlled scheduler; find races, deadlocks and hangs; replay them exactly.\n"
  "\n"
  "commands:\n"
  "  list [--verbose]                 every scenario and its expected verdict\n"
  "  run SCENARIO [options]           one execution\n"
  "  explore SCENARIO [options]       up to --runs executions, stop at the first bug\n"
  "  replay SCENARIO --schedule S     reproduce an execution exactly (--trace to see it)\n"
  "  help                             this text\n"
  "\n"
  "options:\n"
  "  --strategy random|pct|rr   how the scheduler chooses (default random; explore: pct)\n"
  "  --depth D                  PCT bug depth (default 3)\n"
  "  --seed N                   first seed (default 1)\n"
  "  --runs N                   explore: executions at most (default 1000)\n"
  "  --mode controlled|chaos    controlled scheduler (default) or free threads with\n"
  "                             seeded random delays\n"
  "  --max-steps N              step bound; past it the run is a hang (default 100000)\n"
  "  --schedule S               replay: the schedule string explore printed\n"
  "  --trace                    print the interleaving as a swimlane\n"
  "  --json                     print one JSON object instead of text\n"
  "\n"
  "exit codes: 0 nothing found, 1 bug found, 2 bad usage or error\n";

struct opts {
  const char *cmd;
  const char *scenario;
  ipf_config cfg;
  int strategy_set;
  long runs;
  int json, trace, verbose;
};

static long parse_num(const char *opt, const char *v, long min, long max) {
  if (!v) usage_error("%s needs a value", opt);
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (errno || end == v || *end || n < min || n > max)
    usage_error("%s: '%s' is not a whole number from %ld to %ld", opt, v, min, max);
  return (long)n;
}

static uint64_t parse_seed(const char *v) {
  if (!v) usage_error("--seed needs a value");
  char *end;
  errno = 0;
  if (*v == '-') usage_error("--seed: '%s' is not a number from 0 to 2^64-1", v);
  unsigned long long n = strtoull(v, &end, 10);
  if (errno || end == v || *end) usage_error("--seed: '%s' is not a number from 0 to 2^64-1", v);
  return (uint64_t)n;
}

static const char *strategy_name(ipf_strategy s) {
  switch (s) {
  case IPF_STRAT_RANDOM: return "random";
  case IPF_STRAT_PCT: return "pct";
  case IPF_STRAT_RR: return "rr";
  case IPF_STRAT_REPLAY: return "replay";
  case IPF_STRAT_BYTES: return "bytes";
  }
  return "?";
}

static const char *expect_name(ipf_expect e) {
  return e == IPF_EXPECT_OK ? "ok" : e == IPF_EXPECT_BUG ? "bug" : "tsan";
}

static void parse(int argc, char **argv, struct opts *o) {
  memset(o, 0, sizeof *o);
  ipf_config_init(&o->cfg);
  o->runs = 1000;
  if (argc < 2) usage_error("no command given");
  o->cmd = argv[1];
  if (!strcmp(o->cmd, "--help") || !strcmp(o->cmd, "-h") || !strcmp(o->cmd, "help")) {
    fputs(help_text, stdout);
    exit(0);
  }
  if (strcmp(o->cmd, "list") && strcmp(o->cmd, "run") && strcmp(o->cmd, "explore") && strcmp(o->cmd, "replay"))
    usage_error("unknown command '%s'", o->cmd);
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { fputs(help_text, stdout); exit(0); }
    else if (!strcmp(a, "--json")) o->json = 1;
    else if (!strcmp(a, "--trace")) o->trace = 1;
    else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) o->verbose = 1;
    else if (!strcmp(a, "--strategy")) {
      if (!v) usage_error("--strategy needs a value: random, pct or rr");
      if (!strcmp(v, "random")) o->cfg.strategy = IPF_STRAT_RANDOM;
      else if (!strcmp(v, "pct")) o->cfg.strategy = IPF_STRAT_PCT;
      else if (!strcmp(v, "rr")) o->cfg.strategy = IPF_STRAT_RR;
      else usage_error("--strategy: unknown strategy '%s' (random, pct or rr)", v);
      o->strategy_set = 1;
      i++;
    } else if (!strcmp(a, "--mode")) {
      if (!v) usage_error("--mode needs a value: controlled or chaos");
      if (!strcmp(v, "controlled")) o->cfg.mode = IPF_MODE_CONTROLLED;
      else if (!strcmp(v, "chaos")) o->cfg.mode = IPF_MODE_CHAOS;
      else if (!strcmp(v, "plain")) o->cfg.mode = IPF_MODE_PLAIN;
      else usage_error("--mode: unknown mode '%s' (controlled or chaos)", v);
      i++;
    } else if (!strcmp(a, "--seed")) { o->cfg.seed = parse_seed(v); i++; }
    else if (!strcmp(a, "--runs")) { o->runs = parse_num(a, v, 1, 1000000000L); i++; }
    else if (!strcmp(a, "--depth")) { o->cfg.pct_depth = (int)parse_num(a, v, 1, 16); i++; }
    else if (!strcmp(a, "--max-steps")) { o->cfg.max_steps = parse_num(a, v, 1, 100000000L); i++; }
    else if (!strcmp(a, "--schedule")) {
      if (!v) usage_error("--schedule needs the schedule string explore printed");
      o->cfg.schedule = v;
      i++;
    } else if (a[0] == '-') usage_error("unknown option '%s'", a);
    else if (!o->scenario) o->scenario = a;
    else usage_error("unexpected argument '%s'", a);
  }
  if (strcmp(o->cmd, "list") && !o->scenario)
    usage_error("%s needs a SCENARIO ('ipcfault list' shows them)", o->cmd);
  if (!strcmp(o->cmd, "replay")) {
    if (!o->cfg.schedule) usage_error("replay needs --schedule STRING");
    if (o->cfg.mode != IPF_MODE_CONTROLLED) usage_error("replay works in controlled mode only");
    if (o->strategy_set) usage_error("replay takes its decisions from --schedule, not --strategy");
    o->cfg.strategy = IPF_STRAT_REPLAY;
  } else if (o->cfg.schedule) {
    usage_error("--schedule goes with replay");
  }
  if (!strcmp(o->cmd, "explore") && !o->strategy_set) o->cfg.strategy = IPF_STRAT_PCT;
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c == '\n') fputs("\\n", f);
    else if (c == '\t') fputs("\\t", f);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_list(const struct opts *o) {
  size_t n;
  const ipf_scenario *t = ipf_scenarios(&n);
  if (o->json) {
    printf("{\"scenarios\":[");
    for (size_t i = 0; i < n; i++) {
      printf("%s{\"name\":", i ? "," : "");
      json_str(stdout, t[i].name);
      printf(",\"expect\":\"%s\",\"summary\":", expect_name(t[i].expect));
      json_str(stdout, t[i].summary);
      printf(",\"plan\":");
      json_str(stdout, t[i].plan ? t[i].plan : "none");
      printf("}");
    }
    printf("]}\n");
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    printf("%-34s %-5s %s\n", t[i].name, expect_name(t[i].expect), t[i].summary);
    if (o->verbose) printf("%-34s       default plan: %s\n", "", t[i].plan ? t[i].plan : "none");
  }
  return 0;
}

static void print_json(const struct opts *o, const ipf_scenario *sc, const ipf_result *r,
                       uint64_t seed, long executions, double secs) {
  printf("{\"scenario\":");
  json_str(stdout, sc->name);
  printf(",\"expect\":\"%s\",\"verdict\":\"%s\",\"kind\":", expect_name(sc->expect),
         r->verdict == IPF_VERDICT_OK ? "ok" : r->verdict == IPF_VERDICT_BUG ? "bug" : "error");
  json_str(stdout, r->kind);
  printf(",\"message\":");
  json_str(stdout, r->message);
  printf(",\"mode\":\"%s\",\"strategy\":\"%s\",\"seed\":%" PRIu64 ",\"schedule\":",
         o->cfg.mode == IPF_MODE_CONTROLLED ? "controlled" : o->cfg.mode == IPF_MODE_CHAOS ? "chaos" : "plain",
         strategy_name(o->cfg.strategy), seed);
  json_str(stdout, r->schedule ? r->schedule : "");
  printf(",\"steps\":%ld,\"executions\":%ld,\"executions_per_second\":%.1f}\n", r->steps, executions,
         secs > 0 ? executions / secs : 0.0);
}

static void print_account(const ipf_scenario *sc, const ipf_result *r) {
  printf("%s: %s\n", sc->name, r->message);
}

/* Re-run a found bug from its schedule with tracing on, for the account. */
static void print_trace_of(const ipf_scenario *sc, const ipf_result *found, const ipf_config *base) {
  ipf_config c = *base;
  c.strategy = IPF_STRAT_REPLAY;
  c.schedule = found->schedule;
  c.trace = 1;
  ipf_result r;
  ipf_exec(sc, &c, &r);
  if (r.nevents > 80) {
    printf("\nThe last 60 of %zu events (replay --trace shows them all):\n", r.nevents);
    ipf_result tail = r;
    tail.events = r.events + (r.nevents - 60);
    tail.nevents = 60;
    ipf_trace_print(stdout, &tail);
  } else {
    printf("\nWhat happened:\n");
    ipf_trace_print(stdout, &r);
  }
  ipf_result_free(&r);
}

static int cmd_exec(const struct opts *o) {
  const ipf_scenario *sc = ipf_scenario_find(o->scenario);
  if (!sc) usage_error("unknown scenario '%s' ('ipcfault list' shows them)", o->scenario);
  ipf_config cfg = o->cfg;
  int is_explore = !strcmp(o->cmd, "explore");
  if (cfg.strategy == IPF_STRAT_REPLAY) {
    char why[256];
    if (ipf_schedule_check(sc, cfg.schedule, why, sizeof why) < 0) {
      fprintf(stderr, "%s: %s\n", prog, why);
      return EXIT_USAGE;
    }
  }
  cfg.trace = o->trace && !is_explore;
  ipf_result r;
  long execs = 1;
  double t0 = now_s();
  int v;
  if (is_explore) v = ipf_explore(sc, &cfg, o->runs, &r, &execs);
  else v = ipf_exec(sc, &cfg, &r);
  double secs = now_s() - t0;
  uint64_t seed = is_explore ? ipf_exec_seed(cfg.seed, execs - 1) : cfg.seed;
  if (v == IPF_VERDICT_ERROR) {
    if (o->json) print_json(o, sc, &r, seed, execs, secs);
    fprintf(stderr, "%s: %s: %s\n", prog, sc->name, r.message);
    ipf_result_free(&r);
    return EXIT_USAGE;
  }
  if (o->json) {
    print_json(o, sc, &r, seed, execs, secs);
  } else if (v == IPF_VERDICT_BUG) {
    if (is_explore)
      printf("BUG in %s after %ld execution%s (%s, %s mode)\n", sc->name, execs, execs == 1 ? "" : "s",
             strategy_name(cfg.strategy), cfg.mode == IPF_MODE_CONTROLLED ? "controlled" : "chaos");
    else
      printf("BUG in %s\n", sc->name);
    print_account(sc, &r);
    if (cfg.mode == IPF_MODE_CONTROLLED) {
      if (o->trace) { printf("\n"); ipf_trace_print(stdout, &r); }
      else if (is_explore) print_trace_of(sc, &r, &cfg);
      if (cfg.strategy != IPF_STRAT_REPLAY) {
        printf("\nReplay it:\n  ipcfault replay %s --schedule %s\n", sc->name, r.schedule);
      }
    } else {
      printf("\nChaos runs are real concurrency and do not replay exactly; to retry this seed:\n"
             "  ipcfault run %s --mode chaos --seed %" PRIu64 "\n", sc->name, seed);
    }
  } else {
    if (is_explore)
      printf("ok: %s, nothing found in %ld executions (%s, %.0f executions/s)\n", sc->name, execs,
             strategy_name(cfg.strategy), secs > 0 ? execs / secs : 0.0);
    else
      printf("ok: %s (%ld steps)\n", sc->name, r.steps);
    if (o->trace && cfg.mode == IPF_MODE_CONTROLLED) { printf("\n"); ipf_trace_print(stdout, &r); }
    if (sc->expect == IPF_EXPECT_TSAN && !o->json)
      fprintf(stderr, "note: %s is a data race under the C memory model; an interleaving check cannot "
              "see it. Run it in a ThreadSanitizer build: make check-tsan\n", sc->name);
  }
  ipf_result_free(&r);
  return v == IPF_VERDICT_BUG ? EXIT_BUG : 0;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  struct opts o;
  parse(argc, argv, &o);
  if (!strcmp(o.cmd, "list")) return cmd_list(&o);
  return cmd_exec(&o);
}
