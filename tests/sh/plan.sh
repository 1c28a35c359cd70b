#!/usr/bin/env bash
# Fault plans on the command line: faults/*.plan load; malformed plans and
# --fault options are refused with file:line:col and exit 2; --fault and
# --plan none take effect; replay needs the plan it was recorded under;
# sweep prints its table and JSON. Usage: plan.sh PATH/TO/ipcfault
. "$(dirname "$0")/../lib/sh.sh"

# --- every shipped plan loads and runs
for f in "$src"/faults/*.plan; do
  out=$(timeout 20 "$cli" run shm/condvar --plan "$f" 2>&1) && ok || bad "--plan $f: $out"
done
[ -e "$src/faults/all.plan" ] && ok || bad "faults/all.plan missing"

# --- malformed plans: exactly one line on stderr, this one, exit 2
refuse() {  # refuse 'plan text' 'expected stderr line'
  printf '%s' "$1" > "$tmp/bad.plan"
  local err rc
  err=$(timeout 20 "$cli" run shm/condvar --plan "$tmp/bad.plan" 2>&1 >/dev/null); rc=$?
  if [ $rc -eq 2 ] && [ "$err" = "$2" ]; then ok; else bad "plan [$1]: rc $rc, stderr [$err], want [$2]"; fi
}
p="$tmp/bad.plan"
refuse $'# header\n\nipf/io/reed = eof\n' "$p:3:1: unknown site 'ipf/io/reed': expected a site name (did you mean ipf/io/read?)"
refuse $'ipf/io/read = 2*off->shrt(3)\n' "$p:1:22: unknown action 'shrt': expected one of off, error, short, eof, reset, epipe, eintr, delay, spurious, throw, crash"
refuse $'ipf/io/read = short(3x)\n' "$p:1:22: expected ')' to close short(, got 'x'"
refuse $'ipf/io/read = short(-1)\n' "$p:1:21: expected a byte count of at least 1 (short(n)), got '-'"
refuse $'ipf/io/write = eof\nipf/uds/recv = 150%eof\n' "$p:2:16: probability 150% is over 100%: expected 0 to 100"
refuse $'ipf/io/read = 2off\n' "$p:1:16: expected '%' (probability) or '*' (count) after the number 2, got 'off'"

refused_starting() {  # refused_starting WANT_PREFIX args...: exit 2, one line on stderr starting with WANT_PREFIX
  local want=$1; shift
  local err rc
  err=$(timeout 20 "$cli" "$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [ "${err#"$want"}" != "$err" ]; then ok
  else bad "ipcfault $*: rc $rc, stderr [$err], want one line starting [$want]"; fi
}
refused_starting "--fault:1:17: unknown action 'bogus'" run shm/condvar --fault 'ipf/io/read = 1*bogus'
refused_starting "--fault:1:1: unknown site 'nosuch'" explore shm/condvar --fault 'nosuch=eof'
refused_starting "--fault:1:20: ipf/sync/cond_wait cannot carry out eof" replay shm/condvar --fault 'ipf/sync/cond_wait=eof' --schedule 1:00000000:1:
refused_starting "ipcfault: --plan $tmp/nosuch.plan: No such file or directory" run shm/condvar --plan "$tmp/nosuch.plan"
refused_starting "ipcfault: --plan needs" run shm/condvar --plan
refused_starting "ipcfault: sweep injects its own fault" sweep shm/condvar --plan none
refused_starting "ipcfault: --site goes with sweep" run shm/condvar --site 'ipf/*'
refused_starting "ipcfault: --site 'ipf/nothing*' matches no fault site" sweep shm/condvar --site 'ipf/nothing*'
refused_starting "ipcfault: --action 'eof' at ipf/sync/cond_wait" sweep shm/condvar --site ipf/sync/cond_wait --action eof
refused_starting "ipcfault: unknown scenario" sweep no/such

# --- --fault takes effect, --plan none removes faults
js=$(timeout 20 "$cli" run shm/condvar --fault 'ipf/sync/cond_wait=spurious' --json)
printf '%s' "$js" | python3 -c '
import json,sys; d=json.load(sys.stdin)
assert d["verdict"]=="ok", d
assert d["plan"]=="ipf/sync/cond_wait = spurious\n", d["plan"]
f=d["faults"]["ipf/sync/cond_wait"]; assert f["fired"]>0 and f["fired"]==f["calls"], f' && ok || bad "--fault: $js"
js=$(timeout 20 "$cli" run shm/condvar --plan none --json)
printf '%s' "$js" | python3 -c '
import json,sys; d=json.load(sys.stdin)
assert d["plan"]=="" and all(v["fired"]==0 for v in d["faults"].values()), d' && ok || bad "--plan none: $js"

# --- a fault-bearing schedule replays under its plan, and only under it
F='ipf/sync/cond_wait=50%spurious->delay(2)'   # every wait: one draw, then a fault
js=$(timeout 20 "$cli" run shm/condvar --seed 5 --fault "$F" --json)
sched=$(printf '%s' "$js" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["faults"]["ipf/sync/cond_wait"]["fired"]>0; print(d["schedule"])') \
  && ok || bad "explore with --fault: $js"
js2=$(timeout 20 "$cli" replay shm/condvar --fault "$F" --schedule "$sched" --json)
printf '%s' "$js2" | python3 -c '
import json,sys; d=json.load(sys.stdin)
assert d["verdict"]=="ok" and d["schedule"]==sys.argv[1], d' "$sched" && ok || bad "replay with the plan: $js2"
refused_starting "ipcfault: this schedule was recorded for another scenario (or another fault plan)" replay shm/condvar --schedule "$sched"
refused_starting "ipcfault: shm/condvar: this schedule was recorded for another scenario (or another fault plan)" \
  replay shm/condvar --fault 'ipf/sync/cond_wait=51%spurious->delay(2)' --schedule "$sched"

# --- sweep: table, JSON, exit codes
out=$(timeout 60 "$cli" sweep shm/condvar); rc=$?
if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -Eq '^ipf/sync/cond_wait +spurious +transient +[0-9]+ +[1-9][0-9]* +[1-9]' &&
   printf '%s\n' "$out" | grep -Eq '^ipf/sync/cond_wait +spurious +persistent'; then ok; else bad "sweep shm/condvar (rc $rc): $out"; fi
js=$(timeout 60 "$cli" sweep shm/condvar --site 'ipf/sync/*' --json); rc=$?
printf '%s' "$js" | python3 -c '
import json,sys; d=json.load(sys.stdin)
rows=d["rows"]; assert [r["mode"] for r in rows]==["transient","persistent"], rows
for r in rows:
    assert r["site"]=="ipf/sync/cond_wait" and r["n"]==r["calls"] and r["n"]>0, r
    assert r["outcomes"]["ok"]==r["n"] and r["first_bug"] is None, r
assert d["bugs"]==0 and d["runs"]==1+sum(r["n"]+1 for r in rows), d' && [ $rc -eq 0 ] && ok || bad "sweep --json (rc $rc): $js"
# a site the scenario never calls: listed with --site, nothing fired
js=$(timeout 60 "$cli" sweep shm/condvar --site ipf/io/read --json)
printf '%s' "$js" | python3 -c '
import json,sys; d=json.load(sys.stdin)
assert all(r["calls"]==0 and r["n"]==0 for r in d["rows"]) and len(d["rows"])==2, d' && ok || bad "sweep of an uncalled site: $js"
# a bug found by sweep exits 1 (needs a scenario that breaks under spurious wakeups)
if "$cli" list | grep -q '^mq/if-not-while '; then
  timeout 120 "$cli" sweep mq/if-not-while --site ipf/sync/cond_wait >/dev/null; rc=$?
  [ $rc -eq 1 ] && ok || bad "sweep mq/if-not-while exited $rc, want 1"
else
  echo "skip: mq/if-not-while not in the catalog yet (sweep exit 1 untested)"
fi

finish
