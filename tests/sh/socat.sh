#!/usr/bin/env bash
# Interoperability with independent peers: socat and the shell's printf.
#  - a socat client, fed a prepared file of frames (and with -b 3: tiny
#    writes), talks to the kit's uds server;
#  - the kit's uds client talks to a socat listener that records the bytes;
#  - printf writes frames into a FIFO read by the kit's fifo reader, with
#    one writer and with two, and socat -b 2 writes one in 2-byte pieces.
# $1 is the CLI (unused: the mechanisms are driven by tests/peer.c, found in
# $IPF_BUILD or next to the CLI). Last line "N passed, M failed"; 77 = skip.
. "$(dirname "$0")/../lib/sh.sh"
peer=$build/ipcfault_peer
command -v socat >/dev/null || skip "socat not installed"
[ -x "$peer" ] || skip "no $peer"
cleanup() { jobs -p | xargs -r kill 2>/dev/null; }
msgs=("Hello, Receiver!" "How are you doing?" "This is a message from Sender." "Goodbye!")
expect=$(printf '%s\n' "${msgs[@]}")
"$peer" frames "${msgs[@]}" > "$tmp/frames.bin" || bad "peer frames"

# Wait (bounded) until file $1 contains line $2: a readiness check, not a sleep.
wait_for() { for _ in $(seq 500); do grep -qx "$2" "$1" 2>/dev/null && return 0; sleep 0.01; done; return 1; }

# 1. socat client -> kit server, whole and in 3-byte writes.
for b in 8192 3 1; do
  rm -f "$tmp/s.sock" "$tmp/out"
  "$peer" uds-server "$tmp/s.sock" > "$tmp/out" 2>"$tmp/err" & pid=$!
  if ! wait_for "$tmp/out" listening; then bad "uds server never listened"; kill $pid; continue; fi
  socat -b "$b" -u "OPEN:$tmp/frames.bin" "UNIX-CONNECT:$tmp/s.sock"
  wait $pid; rc=$?
  got=$(grep -vx listening "$tmp/out")
  if [ $rc -eq 0 ] && [ "$got" = "$expect" ]; then ok "socat client (-b $b) -> kit uds server: 4 messages"
  else bad "socat client (-b $b) -> kit uds server: rc $rc, got: $got $(cat "$tmp/err")"; fi
  [ -e "$tmp/s.sock" ] && bad "socket file left behind (-b $b)"
done

# 2. a socat client that stops mid-frame: the kit reports truncation, never a partial message.
rm -f "$tmp/s.sock" "$tmp/out"
head -c 30 "$tmp/frames.bin" > "$tmp/cut.bin"
"$peer" uds-server "$tmp/s.sock" > "$tmp/out" 2>"$tmp/err" & pid=$!
wait_for "$tmp/out" listening
socat -u "OPEN:$tmp/cut.bin" "UNIX-CONNECT:$tmp/s.sock"
wait $pid; rc=$?
if [ $rc -eq 1 ] && grep -q "truncated frame" "$tmp/err" && [ "$(grep -vx listening "$tmp/out")" = "Hello, Receiver!" ]; then
  ok "cut stream: first message delivered, truncation reported"
else bad "cut stream: rc $rc, out: $(cat "$tmp/out"), err: $(cat "$tmp/err")"; fi

# 3. kit client -> socat listener: the bytes on the wire are exactly the frames.
rm -f "$tmp/l.sock" "$tmp/wire.bin"
socat -u "UNIX-LISTEN:$tmp/l.sock" "CREATE:$tmp/wire.bin" & spid=$!
for _ in $(seq 500); do [ -S "$tmp/l.sock" ] && break; sleep 0.01; done
if "$peer" uds-client "$tmp/l.sock" "${msgs[@]}"; then
  wait $spid
  if cmp -s "$tmp/wire.bin" "$tmp/frames.bin"; then ok "kit uds client -> socat listener: bytes match"
  else bad "kit uds client -> socat listener: bytes differ"; fi
else bad "kit uds client could not talk to socat"; kill $spid 2>/dev/null; fi

# 4. printf -> FIFO -> kit reader: one writer, then two writers (each ends with
#    an empty goodbye frame), then socat writing the frames 2 bytes at a time.
mkfifo -m 600 "$tmp/f"
frame() { local s=$1 n=${#1}; printf "\\$(printf '%03o' $((n>>24&255)))\\$(printf '%03o' $((n>>16&255)))\\$(printf '%03o' $((n>>8&255)))\\$(printf '%03o' $((n&255)))%s" "$s"; }
bye() { printf '\000\000\000\000'; }
"$peer" fifo-read "$tmp/f" 1 > "$tmp/out" 2>"$tmp/err" & pid=$!
{ frame "Rubber duck"; frame "Goodbye!"; bye; } > "$tmp/f"
wait $pid; rc=$?
if [ $rc -eq 0 ] && [ "$(grep -vx open "$tmp/out")" = $'Rubber duck\nGoodbye!' ]; then ok "printf -> FIFO -> kit reader"
else bad "printf -> FIFO: rc $rc: $(cat "$tmp/out" "$tmp/err")"; fi

"$peer" fifo-read "$tmp/f" 2 > "$tmp/out" 2>"$tmp/err" & pid=$!
wait_for "$tmp/out" open
{ frame "first writer"; bye; } > "$tmp/f"
{ frame "second writer"; bye; } > "$tmp/f"       # opens after the first closed: no early EOF
wait $pid; rc=$?
if [ $rc -eq 0 ] && [ "$(grep -vx open "$tmp/out")" = $'first writer\nsecond writer' ]; then ok "two printf writers, one after the other: EOF only after both"
else bad "two writers: rc $rc: $(cat "$tmp/out" "$tmp/err")"; fi

{ frame "Rubber duck"; frame "in two-byte pieces"; bye; } > "$tmp/f.bin"
"$peer" fifo-read "$tmp/f" 1 > "$tmp/out" 2>"$tmp/err" & pid=$!
wait_for "$tmp/out" open
socat -b 2 -u "OPEN:$tmp/f.bin" "OPEN:$tmp/f,wronly"
wait $pid; rc=$?
if [ $rc -eq 0 ] && [ "$(grep -vx open "$tmp/out")" = $'Rubber duck\nin two-byte pieces' ]; then ok "socat -b 2 -> FIFO -> kit reader"
else bad "socat -b 2 -> FIFO: rc $rc: $(cat "$tmp/out" "$tmp/err")"; fi

finish
