#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# lintian on a lockerd .deb: fails on any error or warning (the overrides the package ships in
# /usr/share/lintian/overrides/lockerd excepted), on an override without a reason comment
# above it, and on an override lintian no longer needs (unused-override). Info tags are shown,
# not fatal, except with --hardened: then any hardening-* tag fails too, for a package built
# with dpkg-buildflags (tools/package); a Debug build (the tests') has no _FORTIFY_SOURCE,
# which needs optimisation, and lintian says so as info.
# Usage: lintian_check.sh [--hardened] DEB
set -euo pipefail
hardened=0
if [ "${1:-}" = --hardened ]; then hardened=1; shift; fi
deb=${1:?usage: lintian_check.sh [--hardened] DEB}

fail() { echo "lintian_check: FAIL: $*" >&2; exit 1; }
command -v lintian >/dev/null || fail "lintian is missing (tools/install-deps installs it)"

# Every override has its reason: the comment lines right above it (lintian shows them too).
overrides=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/lintian/overrides/lockerd 2>/dev/null) \
  || fail "the package has no /usr/share/lintian/overrides/lockerd"
awk '/^#/ { reason = 1; next } /^[[:space:]]*$/ { reason = 0; next }
     { if (!reason) { print "override without a reason comment above it: " $0; bad = 1 } }
     END { exit bad }' <<<"$overrides" >&2 || fail "packaging/lintian-overrides"

# --fail-on none: the verdict is ours (below); a non-zero exit is lintian itself failing.
out=$(lintian --fail-on none --display-info --show-overrides "$deb" 2>&1) \
  || { echo "$out" >&2; fail "lintian did not run"; }
[ -z "$out" ] || echo "$out"
fatal='^(E|W): |unused-override'
[ "$hardened" -eq 0 ] || fatal+='|^[EWIP]: [^ ]+: hardening-'
bad=$(grep -E "$fatal" <<<"$out" || true)
[ -z "$bad" ] || fail "lintian: $(wc -l <<<"$bad") tag(s) fail the check (an error or warning not overridden, an unused override):
$bad"
echo "lintian_check: $(basename "$deb"): no errors or warnings$([ "$hardened" -eq 0 ] || echo ", fully hardened")"
