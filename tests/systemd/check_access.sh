#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What the unprivileged lockerd user is granted for updates and reboots, checked:
#   the D-Bus policy loads in a real dbus-daemon (a syntax or schema error stops it), and lets
#   the lockerd user reach the RAUC service and nothing else;
#   the polkit rule grants the lockerd user logind's two reboot actions and nothing else.
# Usage: check_access.sh DBUS_POLICY POLKIT_RULE WORKDIR
set -eu
policy=$1
rule=$2
work=$3
command -v dbus-daemon >/dev/null || { echo "dbus-daemon missing: run tools/install-deps" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"

cat > "$work/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$work/bus</listen>
  <policy context="default"><allow own="*"/><allow send_destination="*"/></policy>
  <include>$policy</include>
</busconfig>
CONF
# --fork returns once the bus runs; a policy it cannot load makes it fail instead.
pid=$(dbus-daemon --config-file="$work/bus.conf" --fork --print-pid 2>"$work/dbus.err") || {
  echo "dbus-daemon refused $policy:" >&2
  cat "$work/dbus.err" >&2
  exit 1
}
kill "$pid"

fail() { echo "$*" >&2; exit 1; }
# Only the lockerd user, only the RAUC service.
grep -q '<policy user="lockerd">' "$policy" || fail "$policy: no policy for the lockerd user"
if grep -o 'send_destination="[^"]*"' "$policy" | grep -qv 'send_destination="de.pengutronix.rauc"'; then
  fail "$policy: grants more than de.pengutronix.rauc"
fi
grep -q '<allow own' "$policy" && fail "$policy: must not let lockerd own a name"

grep -q 'subject.user == "lockerd"' "$rule" || fail "$rule: not limited to the lockerd user"
actions=$(grep -o '"org\.freedesktop\.[a-z0-9.-]*"' "$rule" | sort -u | tr '\n' ' ')
[ "$actions" = '"org.freedesktop.login1.reboot" "org.freedesktop.login1.reboot-multiple-sessions" ' ] ||
  fail "$rule: grants $actions, expected only the two login1 reboot actions"
echo ok
