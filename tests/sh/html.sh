#!/usr/bin/env bash
# replay --html: the page renders in a real browser (headless Chromium) with
# no JavaScript error and a non-empty drawing. A deliberately broken copy of
# the page must be caught, so the check can fail.
. "$(dirname "$0")/../lib/sh.sh"
chrome=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chrome" ] || skip "chromium missing (ci/install-deps installs it)"
# The flags a sandbox without network needs (no background connections).
render() {  # $1 = page; prints the DOM; browser log in $tmp/log
  timeout 90 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --enable-logging=stderr --v=0 --user-data-dir="$tmp/profile" --dump-dom "file://$1" 2>"$tmp/log"
}
rendered() { render "$1" | grep -o 'data-rendered="[0-9]*"' | grep -o '[0-9]*'; }

for sc in shm/no-check pipe/one-read-one-message mq/if-not-while; do
  "$cli" list | grep -q "^$sc " || continue
  s=$("$cli" explore "$sc" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["schedule"])')
  "$cli" replay "$sc" --schedule "$s" --html "$tmp/page.html" >/dev/null 2>&1
  [ $? -eq 1 ] && [ -s "$tmp/page.html" ] || { bad "$sc: replay --html wrote no page"; continue; }
  n=$(rendered "$tmp/page.html")
  if [ -n "$n" ] && [ "$n" -gt 0 ] && ! grep -q "Uncaught" "$tmp/log"; then ok "$sc: rendered $n marks, no JavaScript error"
  else bad "$sc: rendering failed (marks '${n:-none}')"; grep -i "uncaught\|error" "$tmp/log" | head -3; fi
  grep -q 'id="failing-step"' <(render "$tmp/page.html") && ok "$sc: failing step highlighted" || bad "$sc: no failing step"
done
timeout 90 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$tmp/profile" --window-size=1000,900 \
  --screenshot="$tmp/shot.png" "file://$tmp/page.html" >/dev/null 2>&1
[ "$(stat -c %s "$tmp/shot.png" 2>/dev/null || echo 0)" -gt 10000 ] && ok "screenshot rendered to PNG" || bad "no screenshot"
# a long hang: an EINTR on every write, retried until the step bound
# (100,000 steps). Repetition is folded, so the page stays small and renders.
s=$("$cli" explore pipe/framed --fault 'ipf/io/write=eintr' --runs 3 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["schedule"])')
"$cli" replay pipe/framed --fault 'ipf/io/write=eintr' --schedule "$s" --html "$tmp/hang.html" >/dev/null 2>&1
size=$(stat -c %s "$tmp/hang.html" 2>/dev/null || echo 0)
[ "$size" -gt 0 ] && [ "$size" -lt 200000 ] && ok "100,000-step hang: page of $size bytes" || bad "hang page is $size bytes"
n=$(rendered "$tmp/hang.html")
[ -n "$n" ] && [ "$n" -gt 0 ] && ! grep -q "Uncaught" "$tmp/log" && ok "hang page rendered ($n marks)" || bad "hang page did not render"
render "$tmp/hang.html" | grep -q 'more, the same loop of' && ok "hang: repeated steps collapsed into one row" || bad "hang: no collapsed row"
# negative control: a page whose script throws must not pass
sed 's/var d=JSON.parse/var d=JSON.parse(undefinedThing)||JSON.parse/' "$tmp/page.html" >"$tmp/broken.html"
n=$(rendered "$tmp/broken.html")
[ -z "$n" ] && grep -q "Uncaught" "$tmp/log" && ok "a throwing page is caught" || bad "a throwing page passed (marks '${n:-none}')"
# bad input
e=$("$cli" explore shm/no-check --html "$tmp/x.html" 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && ok "--html outside replay exits 2" || bad "--html on explore: $rc $e"
finish
