#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tools/render-asyncapi, run from a folder outside protocol/, writes one HTML page naming every
# channel and message of protocol/asyncapi.yaml, with "<locker_id>" escaped, never raw.
#   render_asyncapi_test.sh SOURCE_DIR WORK_DIR
set -euo pipefail
root=$1 work=$2
rm -rf "$work" && mkdir -p "$work/elsewhere"
cd "$work/elsewhere"
"$root/tools/render-asyncapi" -o "$work/asyncapi.html" >/dev/null
page=$work/asyncapi.html
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -s "$page" ] || fail "no page written"
[ "$(ls "$work")" = "$(printf 'asyncapi.html\nelsewhere')" ] || fail "more than one file: $(ls "$work")"
grep -q '&lt;locker_id&gt;' "$page" || fail "no escaped <locker_id> in the page"
! grep -q '<locker_id>' "$page" || fail "a raw <locker_id> in the page (not escaped)"
# Every channel and message of the document, by name.
channels=$(sed -nE 's/^  (locker\/v1\/[^:]+):$/\1/p' "$root/protocol/asyncapi.yaml")
[ "$(printf '%s\n' "$channels" | wc -l)" -ge 30 ] || fail "too few channels found in the document"
for c in $channels; do
  grep -qF "<h3><code>$c</code></h3>" "$page" || fail "channel $c missing"
done
messages=$(sed -nE 's/^      messageId: ([a-z_]+)$/\1/p' "$root/protocol/asyncapi.yaml")
[ "$(printf '%s\n' "$messages" | wc -l)" -ge 20 ] || fail "too few messages found in the document"
for m in $messages; do
  grep -qF "id=\"message-${m//_/-}\"" "$page" || fail "message $m missing"
  grep -qF "<code>$m</code></small>" "$page" || fail "message id $m missing"
done
grep -qF 'payload schema <code>./schemas/evt_parcel.schema.json</code>' "$page" || fail "no payload schema"
echo "ok: $(printf '%s\n' "$channels" | wc -l) channels, $(printf '%s\n' "$messages" | wc -l) messages"
