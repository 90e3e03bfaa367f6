#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tools/demo in a terminal (tmux, as a person runs it): the cabinet view comes up with the
# README's walkthrough beside it, a step typed at the view's prompt works, and `quit` there ends
# the whole demo (view, events pane, lockerd, broker). On a private tmux server.
#   tui_quit_test.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -euo pipefail
root=$1 build=$2 work=$3
. "$root/tests/demo/common.sh"
rm -rf "$work" && mkdir -p "$work/tmux"
port=$(free_port)
out=$work/demo.out
export TMUX_TMPDIR=$work/tmux
unset TMUX
trap 'tmux kill-server 2>/dev/null || true' EXIT

tmux new-session -d -s outer -x 100 -y 40 \
  "LOCKER_DEMO_BIN=$build LOCKER_DEMO_DIR=$work/demo LOCKER_DEMO_PORT=$port $root/tools/demo 2>$out; echo \$? >$work/rc"

demo_session() { tmux list-sessions -F '#{session_name}' 2>/dev/null | grep '^lockerd-demo-' || true; }
pane() { tmux capture-pane -p -t "$(demo_session):0.$1" 2>/dev/null || true; }
wait_pane() {  # PANE TEXT
  for _ in $(seq 100); do pane "$1" | grep -qF -- "$2" && return 0; sleep 0.1; done
  fail "pane $1 never showed '$2'; it shows: $(pane "$1")"
}

wait_pane 0 "Enter pickup code"
wait_pane 1 "press *123456#"
tmux send-keys -t "$(demo_session):0.0" 'press *123456#' Enter
wait_pane 0 "1 Deposit"
tmux send-keys -t "$(demo_session):0.0" 'quit' Enter
for _ in $(seq 100); do [ -f "$work/rc" ] && break; sleep 0.1; done
[ -f "$work/rc" ] || fail "tools/demo did not end after quit"
[ "$(cat "$work/rc")" = 0 ] || fail "tools/demo exited $(cat "$work/rc") after quit"
[ -z "$(demo_session)" ] || fail "the demo's tmux session is still there after quit"
expect_all_ended
echo "ok: the view took a README step, quit ended the demo"
