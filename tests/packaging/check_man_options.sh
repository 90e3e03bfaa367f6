#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The generated manual pages are in step with the programs: every option a program's --help
# prints is on its page (the build regenerates a page from --help whenever the program is
# rebuilt; this catches a page that stopped being regenerated or lost an option on the way),
# and each page renders without a groff warning (lintian: groff-message).
# Usage: check_man_options.sh PROGRAM PAGE.gz [PROGRAM PAGE.gz...]
#   (the pairs packaging/man/CMakeLists.txt makes)
set -euo pipefail
if [ $# -eq 0 ] || [ $(($# % 2)) -ne 0 ]; then
  echo "usage: check_man_options.sh PROGRAM PAGE.gz..." >&2
  exit 2
fi

failed=0
fail() { echo "check_man_options: FAIL: $*" >&2; failed=1; }
while [ $# -gt 0 ]; do
  program=$1 page=$2
  shift 2
  name=$(basename "$program")
  [ -f "$page" ] || { fail "$page is missing (target man_pages)"; continue; }
  # As help2man reads it: stdout, and stderr too (locker-sim prints its usage there today).
  help=$("$program" --help 2>&1 || true)
  [ -n "$help" ] || { fail "$name --help prints nothing"; continue; }
  # The options: -x or --long-name after a space, a bracket, a bar, a comma or at a line start.
  options=$(grep -oE '(^|[][ ,|(])--?[A-Za-z][A-Za-z0-9-]*' <<<"$help" | sed 's/^[][ ,|(]//' | sort -u)
  [ -n "$options" ] || { fail "$name --help names no option"; continue; }
  # The page's text with roff's escapes for dashes and fonts undone.
  text=$(gzip -dc "$page" | sed 's/\\-/-/g; s/\\f[BIRP]//g; s/\\f([A-Z][A-Z]//g')
  count=0
  for option in $options; do
    count=$((count + 1))
    grep -qE -- "(^|[^A-Za-z0-9-])${option}([^A-Za-z0-9-]|\$)" <<<"$text" \
      || fail "$name's page ($(basename "$page")) lacks $option, which $name --help prints"
  done
  warnings=$(gzip -dc "$page" | LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z 2>&1 || true)
  [ -z "$warnings" ] || fail "$(basename "$page"): groff says: $warnings"
  echo "check_man_options: $(basename "$page"): all $count option(s) of $name --help"
done
exit "$failed"
