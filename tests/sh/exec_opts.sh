#!/usr/bin/env bash
# exec's options (issue 12 item 11) and wall-clock hangs (items 6, 7):
# --fault and a plan exec cannot fire, fault counts in --json, --ok-exit,
# --show-output, --trace, --html; a --timeout hang's replay line, run as
# printed, reports the same hang; --isolate --timeout fires on an
# execution that took a decision.
. "$(dirname "$0")/../lib/sh.sh"
need_exec_corpus
jf() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); exec("print("+sys.argv[2]+")")' "$1" "$2" 2>/dev/null; }
refused_with() { local want=$1; shift; local out; out=$(timeout 20 "$cli" "$@" 2>&1 >/dev/null); local rc=$?
  if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && printf '%s' "$out" | grep -q -- "$want"; then ok "refused: $*";
  else bad "ipcfault $*: want one line with '$want' and exit 2 (rc $rc): $out"; fi; }
cat > "$tmp/pipe.c" <<'EOC'
#include <stdio.h>
#include <unistd.h>
int main(void) {              /* exit 3 when its own pipe read fails */
  int p[2]; char c = 0;
  if (pipe(p)) return 4;
  if (write(p[1], "x", 1) != 1) return 5;
  ssize_t n = read(p[0], &c, 1);
  printf("hello-out\n"); fprintf(stderr, "hello-err\n");
  return n == 1 && c == 'x' ? 0 : 3;
}
EOC
cat > "$tmp/count.c" <<'EOC'
#include <pthread.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int n;
static void *w(void *a) { (void)a; pthread_mutex_lock(&m); n++; pthread_mutex_unlock(&m); return 0; }
int main(void) {              /* returns its match count, as grep-like tools do */
  pthread_t t[3];
  for (int i = 0; i < 3; i++) pthread_create(&t[i], 0, w, 0);
  for (int i = 0; i < 3; i++) pthread_join(t[i], 0);
  return n;
}
EOC
cat > "$tmp/slow.c" <<'EOC'
#include <pthread.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long sink;
static void *worker(void *a) {
  (void)a;
  for (;;) {                  /* busy between locks: it progresses, slowly, for ever */
    for (unsigned long i = 0; i < 20000000UL; i++) sink += i;
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
  }
  return 0;
}
int main(void) {
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], 0, worker, 0);
  for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
  return 0;
}
EOC
for p in pipe count slow; do cc -O1 -pthread "$tmp/$p.c" -o "$tmp/$p" || { bad "build $p"; }; done

# --fault fires at the interposed read, and --json counts it
js=$("$cli" exec --runs 3 --json --fault 'ipf/io/read=1*error(EIO)' -- "$tmp/pipe" 2>/dev/null); rc=$?
[ $rc -eq 1 ] && [ "$(jf "$js" 'd["kind"], d["faults"]["ipf/io/read"]["fired"]')" = "exit 1" ] && ok "--fault fired at ipf/io/read, counted" || bad "--fault io/read (rc $rc): $js"
js=$("$cli" exec --runs 3 --json -- "$tmp/pipe" 2>/dev/null); rc=$?
[ $rc -eq 0 ] && [ "$(jf "$js" 'd["faults"]["ipf/io/read"]["calls"], d["faults"]["ipf/io/read"]["fired"]')" = "3 0" ] && ok "calls counted, nothing fired without a plan" || bad "no plan (rc $rc): $js"
js=$("$cli" exec --runs 20 --json --fault 'ipf/sync/cond_wait=30%spurious' -- "$progs/bounded_buffer-fixed" 2>/dev/null); rc=$?
[ $rc -eq 0 ] && [ "$(jf "$js" 'd["faults"]["ipf/sync/cond_wait"]["fired"] > 0')" = True ] && ok "cond_wait spurious fires under exec" || bad "cond_wait (rc $rc): $js"
# sites exec cannot reach are refused, from --fault and from a plan file
refused_with "exec cannot fire ipf/mq/put" exec --fault 'ipf/mq/put=error(EIO)' -- "$tmp/pipe"
printf 'ipf/pool/task = throw\n' > "$tmp/p.plan"
refused_with "exec cannot fire ipf/pool/task" exec --plan "$tmp/p.plan" -- "$tmp/pipe"
refused_with "unknown site" exec --fault 'nosuch=eof' -- "$tmp/pipe"

# --ok-exit: a program whose normal status is not 0
"$cli" exec --runs 20 -- "$tmp/count" >/dev/null 2>&1; [ $? -eq 1 ] && ok "status 3 is a bug by default" || bad "status 3 without --ok-exit"
"$cli" exec --runs 20 --ok-exit 3 -- "$tmp/count" >/dev/null 2>&1; [ $? -eq 0 ] && ok "--ok-exit 3" || bad "--ok-exit 3 still a bug"
"$cli" exec --runs 20 --ok-exit=1 --ok-exit 2 -- "$tmp/count" >/dev/null 2>&1; [ $? -eq 1 ] && ok "--ok-exit other codes" || bad "--ok-exit 1 2 accepted status 3"

# the program's output: discarded by default, shown with --show-output
out=$("$cli" exec --runs 1 -- "$tmp/pipe" 2>&1)
printf '%s' "$out" | grep -q "hello-" && bad "output not discarded: $out" || ok "output discarded by default"
out=$("$cli" exec --runs 1 --show-output -- "$tmp/pipe" 2>&1)
printf '%s' "$out" | grep -q "hello-out" && printf '%s' "$out" | grep -q "hello-err" && ok "--show-output" || bad "--show-output: $out"

# --trace and --html, on a deadlock (the kit ends it) and an assert (the program does)
out=$("$cli" exec --trace -- "$progs/abba-bug" 2>&1)
printf '%s' "$out" | grep -q "| t1:forward" && printf '%s' "$out" | grep -q "lock lock_" && ok "--trace: swimlane of a deadlock" || bad "--trace abba: $out"
js=$("$cli" exec --json -- "$progs/bank-bug" 2>/dev/null); sched=$(jf "$js" 'd["schedule"]')
out=$("$cli" exec --trace --schedule "$sched" -- "$progs/bank-bug" 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q "^ *[0-9]* | " && ok "--trace: swimlane of an assert" || bad "--trace bank (rc $rc): $out"
"$cli" exec --html "$tmp/page.html" -- "$progs/abba-bug" >/dev/null 2>&1
grep -q "exec --schedule" "$tmp/page.html" && grep -q "t1:forward" "$tmp/page.html" && ok "--html page with its replay line" || bad "--html: $(head -c 300 "$tmp/page.html")"

# a --timeout hang replays: the line, as printed, reports the same hang
out=$("$cli" exec --timeout 1 -- "$tmp/slow" 2>&1); rc=$?
line=$(printf '%s\n' "$out" | grep -A1 '^Replay it:' | tail -1 | sed 's/^  //')
[ $rc -eq 1 ] && printf '%s' "$line" | grep -q "/hang -- " && ok "timeout hang: schedule marked /hang" || bad "timeout hang (rc $rc): $out"
r=$(timeout 60 bash -c "$line" 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$r" | grep -q "^hang: " && ok "timeout hang: the replay line reports the hang" || bad "timeout hang replay (rc $rc): $r"

# --isolate --timeout: execution 0 takes a decision, then blocks outside the scheduler
export IPF_SELFTEST=1
out=$(timeout 60 "$cli" run selftest/wall-hang --isolate --timeout 2 --seed 2 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q "made no progress for 2 s" && ok "--isolate --timeout fires after a decision" || bad "isolate timeout (rc $rc): $out"
line=$(printf '%s\n' "$out" | grep -A1 '^Replay it' | tail -1 | sed 's/^  //')
r=$(timeout 60 bash -c "$line" 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$r" | grep -q "hang" && ok "isolated hang: the replay line reports the hang" || bad "isolated hang replay (rc $rc): $line: $r"
finish
