# SPDX-License-Identifier: Apache-2.0
# Shared by the demo tests: a free loopback port, failing with the demo's output, and the check
# that nothing of a demo run is left behind.
fail() {
  echo "FAIL: $*" >&2
  [ -f "${out:-}" ] && { echo "--- tools/demo's output:" >&2; tail -60 "$out" >&2; }
  for f in "$work"/demo/*.log; do [ -f "$f" ] && { echo "--- $f:" >&2; tail -20 "$f" >&2; }; done
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# No process of the run is left: locker-sim, lockerd and mosquitto name the demo's folder,
# the event followers its port. Waits a little: the demo's cleanup is asynchronous.
expect_all_ended() {
  local left
  for _ in $(seq 50); do
    left=$(pgrep -af -- "$work/demo/|127.0.0.1:$port" || true)
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  fail "still running after the demo ended: $left"
}
