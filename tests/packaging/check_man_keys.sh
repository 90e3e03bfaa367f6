#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# lockerd.toml(5) documents every key of the example configurations: each key of each table
# of every config/*.toml must be a "*key* = ..." line under that table's "## [table]" heading
# of packaging/man/lockerd.toml.5.scd (top-level keys before the first table). So a key added
# to the configuration, and to its example as config/README.md asks, cannot miss the page.
# Usage: check_man_keys.sh PAGE.scd CONFIG.toml...
set -euo pipefail
scd=$1; shift
[ $# -gt 0 ] || { echo "usage: check_man_keys.sh PAGE.scd CONFIG.toml..." >&2; exit 2; }

# "table|key" per line; "" is the top level. Keys of an array of tables ([tokens] keys' id,
# public_key, not_after) are indented under their table's own key, and count as the table's.
documented=$(awk '
  /^# /      { table = "" }
  /^## \[/   { table = $2; gsub(/[][]/, "", table) }
  /^\t*\*[a-z0-9_]+\* = / { key = $0; sub(/^\t*\*/, "", key); sub(/\*.*/, "", key); print table "|" key }
' "$scd" | sort -u)
[ -n "$documented" ] || { echo "check_man_keys: FAIL: no '*key* = ' lines in $scd" >&2; exit 1; }

missing=0
for toml in "$@"; do
  # Keys outside comments: "key = value" at the start of a line, under the last [table].
  while IFS='|' read -r table key; do
    if ! grep -qxF "$table|$key" <<<"$documented"; then
      echo "check_man_keys: FAIL: $(basename "$toml"): ${table:+[$table] }$key is not in $(basename "$scd")" >&2
      missing=1
    fi
  done < <(awk '
    /^\[[a-z0-9_.]+\][[:space:]]*(#.*)?$/ { table = $1; gsub(/[][]/, "", table); next }
    /^[a-z0-9_]+[[:space:]]*=/ { key = $0; sub(/[[:space:]]*=.*/, "", key); print table "|" key }
  ' "$toml")
done
[ "$missing" -eq 0 ] || exit 1
echo "check_man_keys: every key of $# configuration file(s) is in $(basename "$scd") ($(wc -l <<<"$documented") keys documented)"
