#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks systemd/lockerd.service: `systemd-analyze verify` is clean and
# `systemd-analyze security` rates its exposure at most the threshold.
# Usage: check_unit.sh verify|security UNIT_FILE LOCKERD_BINARY [THRESHOLD]
set -euo pipefail

mode=$1 unit=$2 binary=$3 threshold=${4:-2.0}
if ! command -v systemd-analyze >/dev/null; then
  # Never a silent skip: a missing tool is a failure with its fix.
  echo "check_unit: systemd-analyze is missing; run tools/install-deps (package systemd)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify checks that ExecStart= exists, so the copy points at the binary just built; the
# name stays lockerd.service (verify derives the unit's name from the file name).
sed "s#/usr/bin/lockerd#${binary}#g" "$unit" >"$tmp/lockerd.service"

case "$mode" in
  verify)
    out=$(systemd-analyze verify "$tmp/lockerd.service" 2>&1) || { echo "$out" >&2; exit 1; }
    # verify exits 0 on some warnings: anything it says about the unit is a failure too.
    if grep -F "lockerd.service" <<<"$out" >&2; then exit 1; fi
    echo "check_unit: systemd-analyze verify is clean"
    ;;
  security)
    out=$(systemd-analyze security --offline=true "$tmp/lockerd.service" 2>&1) || true
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
    if [ -z "$score" ]; then
      echo "$out" >&2
      echo "check_unit: no exposure level in the output" >&2
      exit 1
    fi
    if awk -v s="$score" -v t="$threshold" 'BEGIN { exit !(s <= t) }'; then
      echo "check_unit: exposure $score <= $threshold"
    else
      grep -F "✗" <<<"$out" >&2 || true
      echo "check_unit: exposure $score is above $threshold" >&2
      exit 1
    fi
    ;;
  *)
    echo "check_unit: unknown mode '$mode'" >&2
    exit 2
    ;;
esac
