/* Commands of the ipcfault CLI that live outside main.c. Each takes the
 * whole argv (argv[1] is the command) and returns the exit code. */
#ifndef IPCFAULT_CLI_CAMPAIGN_H
#define IPCFAULT_CLI_CAMPAIGN_H
#include <stdio.h>

int ipf__cmd_campaign(int argc, char **argv);
/* util.c: a JSON string literal of s (NULL as ""); a monotonic clock in s. */
void ipf__json_str(FILE *f, const char *s);
double ipf__now_s(void);
/* The value v of a numeric option opt, from min to max; anything else is one
 * line on stderr ("WHO: opt: ... HINT") and exit 2. */
/* "SIGSEGV" and the like, for crash reports. */
const char *ipf__signal_name(int sig);
long ipf__cli_number(const char *who, const char *opt, const char *v, long min, long max, const char *hint);
int ipf__cmd_merge(int argc, char **argv);
/* The binary replay lines must name (argv[0], made absolute when relative,
 * shell-quoted when needed; set by ipf_main) and its base name, for error
 * lines. A user's scenario binary linked with ipcfault_main names itself. */
void ipf__set_self(const char *argv0);
const char *ipf__self(void);
const char *ipf__prog(void);
/* getopt_long: the long option arg ("--name[=v]") resolves to in lo (exact
 * or a unique abbreviation), or NULL; and the one-line description of a '?'
 * from getopt_long (unknown, ambiguous with its candidates, or a value given
 * to a flag) in buf. */
struct option;
/* In a child just forked from parent: be killed when the parent dies
 * (PR_SET_PDEATHSIG), and leave at once if it died already. */
#include <sys/types.h>
void ipf__die_with_parent(pid_t parent);
const struct option *ipf__opt_find(const char *arg, const struct option *lo);
const char *ipf__opt_bad(const char *arg, int optopt_, const struct option *lo, char *buf, size_t len);
/* exec -- PROGRAM: an unmodified pthread program under the scheduler (exec.c). */
int ipf__cmd_exec(int argc, char **argv);
/* main.c's signal handling for a command that loops over executions: a
 * first SIGINT/SIGTERM sets the stop flag, a second ends the process. */
void ipf__cli_stop_on_signal(void);
int ipf__cli_stop_requested(void);
/* cc|c++ ARGS: compile with the kit's memory instrumentation (cc.c); argv[0]
 * is "cc" or "c++" (or the ipcfault-cc / ipcfault-c++ program's name). */
int ipf__cmd_cc(int argc, char **argv);
/* merge's reader of one results.tsv (campaign.c); for fuzz/fuzz_results.c. */
int ipf__results_parse(FILE *in, const char *path, int *shard_n, char *err, size_t errlen);
void ipf__results_reset(void);
void ipf__campaign_summary(FILE *o, double secs);
/* replay --html: write r (recorded with cfg.trace) as a swimlane page;
 * replay is the whole command line that replays it. */
struct ipf_scenario;
struct ipf_result;
int ipf__write_html(const char *path, const struct ipf_scenario *sc, const struct ipf_result *r, const char *replay);

#endif
