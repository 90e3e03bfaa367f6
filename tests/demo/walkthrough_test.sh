#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tools/demo --headless runs README.md's walkthrough: every step of its ```walkthrough blocks
# must appear in the run, in README's order, and succeed; the broker delivers what each
# `-> "kind"` says; a reboot sent over MQTT reaches only the stand-in's log; after the run
# (which ends as `quit` does) nothing of it is left running.
#   walkthrough_test.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -euo pipefail
root=$1 build=$2 work=$3
. "$root/tests/demo/common.sh"
rm -rf "$work" && mkdir -p "$work"
port=$(free_port)
out=$work/demo.out

LOCKER_DEMO_BIN=$build LOCKER_DEMO_DIR=$work/demo LOCKER_DEMO_PORT=$port LOCKER_DEMO_STEPS=readme \
  timeout 100 "$root/tools/demo" --headless >"$out" 2>&1 || fail "tools/demo --headless exited $?"

# README's steps, in order, each echoed by the run as it typed it ("   <step>   (display: ...)").
steps=$(awk '/^```walkthrough/ { on = 1; next } on && /^```/ { on = 0; next } on' "$root/README.md" |
  awk '{ n = split($0, f, /   */); for (i = 1; i <= n; i++)
           if (f[i] ~ /^(press|open|close|put|take|scan|badge)( |$)/) print f[i] }')
[ "$(printf '%s\n' "$steps" | wc -l)" -ge 20 ] || fail "README.md has too few walkthrough steps: $steps"
grep -q '^```walkthrough' "$root/README.md" || fail "README.md has no walkthrough block"
typed=$(sed -nE 's/^   ((press|open|close|put|take|scan|badge) .*)   \(display: .*/\1/p' "$out")
i=0
while IFS= read -r s; do
  i=$((i + 1))
  got=$(printf '%s\n' "$typed" | sed -n "${i}p")
  # <code> is the pickup code the run read from the "stored" event.
  pattern="^$(printf '%s' "$s" | sed -e 's/[*#]/[&]/g' -e 's/<code>/[0-9]{8}/')\$"
  [[ $got =~ $pattern ]] || fail "README step $i '$s': the run typed '$got'"
done <<<"$steps"
for kind in stored collected; do
  [ "$(grep -c "^   -> \"$kind\" at the broker" "$out")" -eq 2 ] || fail "expected two \"$kind\" from the walkthrough"
done
grep -q '^== quit (README)' "$out" || fail "the run never reached README's quit"

# The reboot went to the stand-in, not to systemctl: its log says so.
grep -q 'stand-in: would have run: systemctl reboot$' "$work/demo/system.log" ||
  fail "no reboot in the stand-in's log $work/demo/system.log"
grep -qx "systemctl = \"$root/simulator/stand-in/systemctl\"" "$work/demo/lockerd.toml" ||
  fail "the demo's config does not name the stand-in"

expect_all_ended
echo "ok: $i README steps, reboot logged by the stand-in, nothing left running"
