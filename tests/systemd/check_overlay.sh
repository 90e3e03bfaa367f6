#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Compiles the board's device-tree overlay as the firmware will load it, and checks that its
# gpio-line-names and the board file's line names are the same set: lockerd finds every line
# by name, so a name on one side only is a line that cannot be found (or an unused one).
# Usage: check_overlay.sh OVERLAY.dts BOARD.toml OUTPUT_DIR
set -euo pipefail

dts=$1 board=$2 out=$3
if ! command -v dtc >/dev/null; then
  echo "check_overlay: dtc is missing; run tools/install-deps (package device-tree-compiler)" >&2
  exit 1
fi
mkdir -p "$out"
dtbo="$out/$(basename "${dts%.dts}").dtbo"

# -@ keeps the labels (__symbols__), as Raspberry Pi overlays need. Warnings fail too.
if ! warnings=$(dtc -@ -I dts -O dtb -o "$dtbo" "$dts" 2>&1) || [ -n "$warnings" ]; then
  echo "$warnings" >&2
  echo "check_overlay: $dts does not compile cleanly" >&2
  exit 1
fi

# The names as compiled: decompile and take every gpio-line-names list (the decompiler writes
# either "a", "b" or "a\0b"), one name per line, with the number of lines per chip.
decompiled=$(dtc -I dtb -O dts "$dtbo" 2>/dev/null)
lists=$(grep -o 'gpio-line-names = .*;' <<<"$decompiled" |
  sed -e 's/^gpio-line-names = "//' -e 's/";$//' -e 's/", "/\\0/g')
counts=$(while read -r l; do awk -F'\\\\0' '{ print NF }' <<<"$l"; done <<<"$lists" | tr '\n' ' ')
# SoC (BCM2711: 58 lines), then the two 16-line expanders.
if [ "$counts" != "58 16 16 " ]; then
  echo "check_overlay: gpio-line-names lengths are '$counts', expected '58 16 16'" >&2
  exit 1
fi
overlay_names=$(sed 's/\\0/\n/g' <<<"$lists" | grep -v '^$' | sort)
duplicates=$(uniq -d <<<"$overlay_names")
if [ -n "$duplicates" ]; then
  echo "check_overlay: names given to more than one line:" $duplicates >&2
  exit 1
fi

# The board file's line names: the string values of the line keys, or their name = "...".
board_names=$(sed 's/#.*//' "$board" |
  grep -E '^[[:space:]]*(lock|door|presence|buzzer|alarm_led|rows|columns)[[:space:]]*=' |
  sed -E 's/bias *= *"[^"]*"//g; s/chip *= *"[^"]*"//g' |
  grep -oE '"[^"]+"' | tr -d '"' | sort -u)
if [ -z "$board_names" ]; then
  echo "check_overlay: no line names found in $board" >&2
  exit 1
fi

status=0
if only_board=$(comm -23 <(echo "$board_names") <(echo "$overlay_names")) && [ -n "$only_board" ]; then
  echo "check_overlay: in $board but not in the overlay:" $only_board >&2
  status=1
fi
if only_overlay=$(comm -13 <(echo "$board_names") <(echo "$overlay_names")) && [ -n "$only_overlay" ]; then
  echo "check_overlay: in the overlay but not in $board:" $only_overlay >&2
  status=1
fi
[ $status -eq 0 ] && echo "check_overlay: $(wc -l <<<"$board_names") line names match; $dtbo built"
exit $status
