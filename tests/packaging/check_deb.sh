#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package end to end, from this build tree (nothing is rebuilt):
#  1. cpack builds lockerd_<version>_<arch>.deb;
#  2. dpkg-deb: control fields, every required file, conffiles, maintainer scripts, the unit's
#     programs, and a Depends that names the package of every shared library the programs load;
#  3. lintian: no error or warning but the documented overrides (lintian_check.sh); apt-get
#     --simulate: the dependencies resolve on this machine;
#  4. dpkg --root: a real install into a temporary root (maintainer scripts run chrootless with
#     $DPKG_ROOT set), a reinstall, a remove and a purge, checking the lockerd user, the state
#     and config folders and the unit's enablement after each.
# Needs root for dpkg's ownership changes (CI runs as root). Fails, never skips.
# Usage: check_deb.sh CPACK BUILD_DIR VERSION WORK_DIR
# Environment: UNIT_DIR UDEV_DIR SYSUSERS_DIR TMPFILES_DIR CONFIG_DIR (where packaging/ installs).
set -euo pipefail
cpack=$1 build=$2 version=$3 work=$4

fail() { echo "check_deb: FAIL: $*" >&2; exit 1; }
step() { echo "check_deb: $*"; }
for tool in "$cpack" dpkg dpkg-deb dpkg-shlibdeps apt-get readelf systemd-sysusers systemd-tmpfiles deb-systemd-helper; do
  command -v "$tool" >/dev/null || fail "$tool is missing (tools/install-deps installs it)"
done
[ "$(id -u)" -eq 0 ] || fail "installing into a test root needs root for dpkg's chown (CI runs as root)"
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

rm -rf "$work"
mkdir -p "$work"

# 1. Build the package.
step "cpack"
"$cpack" --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$work/out/lockerd_${version}_${arch}.deb
[ -f "$deb" ] || fail "cpack made no $deb: $(ls "$work/out")"

# 2. Inspect it.
step "dpkg-deb --info/--contents $(basename "$deb")"
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = lockerd ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', want $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture is '$(field Architecture)', want $arch"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
depends=$(field Depends)
echo "  Depends: $depends"
# Every package named in Depends, alternatives included, one a line.
depends_names=$(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*//; s/[[:space:]]//g' | grep .)

# "d /etc/lockerd", "- /usr/bin/lockerd": the type and the path of every entry.
dpkg-deb --contents "$deb" | awk '{print substr($1, 1, 1), $6}' | sed 's| \./| /|; s|/$||' \
  | sort -k2 >"$work/entries"
cut -d' ' -f2 "$work/entries" >"$work/contents"
required=(
  /usr/bin/lockerd /usr/bin/locker-sim /usr/bin/lockerctl /usr/bin/lockeradm
  "$UNIT_DIR/lockerd.service" "$UDEV_DIR/60-lockerd-gpio.rules"
  "$SYSUSERS_DIR/lockerd.conf" "$TMPFILES_DIR/lockerd.conf"
  "$CONFIG_DIR/lockerd.toml" "$CONFIG_DIR/boards/reference-board.toml"
  /usr/share/doc/lockerd/README.md /usr/share/doc/lockerd/copyright
  /usr/share/doc/lockerd/changelog.gz /usr/share/lintian/overrides/lockerd
  /usr/share/man/man8/lockerd.8.gz /usr/share/man/man8/lockeradm.8.gz
  /usr/share/man/man1/lockerctl.1.gz /usr/share/man/man1/locker-sim.1.gz
  /usr/share/man/man5/lockerd.toml.5.gz
  /usr/share/doc/lockerd/examples/lockerd.sim.toml /usr/share/doc/lockerd/examples/boards/sim-24.toml
  /usr/share/polkit-1/rules.d/60-lockerd.rules /usr/share/dbus-1/system.d/lockerd-rauc.conf
)
for f in "${required[@]}"; do
  grep -qxF "$f" "$work/contents" || fail "$f is not in the package"
done
# Not for a board: the gpio-sim bridge, and nothing for building against lockerd.
for f in /usr/bin/locker-gpio-bridge; do
  ! grep -qxF "$f" "$work/contents" || fail "$f should not be in the package"
done
! grep -E '^/usr/include/|\.a$' "$work/contents" || fail "headers or static libraries in the package"

dpkg-deb --control "$deb" "$work/control"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "no executable $script"
  sh -n "$work/control/$script" || fail "$script is not valid sh"
done
# Every file under /etc is a conffile, so an operator's edits survive upgrades.
grep '^- /etc/' "$work/entries" | cut -d' ' -f2 | while read -r f; do
  grep -qxF "$f" "$work/control/conffiles" || fail "$f is not listed in conffiles"
done
grep -qxF "$CONFIG_DIR/lockerd.toml" "$work/control/conffiles" || fail "lockerd.toml is not a conffile"

dpkg-deb --extract "$deb" "$work/extract"
# The unit starts the programs where the package puts them, with the config it ships.
unit=$work/extract$UNIT_DIR/lockerd.service
grep -E '^Exec[A-Za-z]*=' "$unit" | while IFS='=' read -r _ cmd; do
  program=${cmd%% *}
  program=${program#[-@:+!]}
  [ -x "$work/extract$program" ] || fail "the unit runs $program, which the package does not install"
done
grep -q -- "--config $CONFIG_DIR/lockerd.toml" "$unit" || fail "the unit does not read $CONFIG_DIR/lockerd.toml"
# The shipped configuration and the board file it names load (hardware untouched). The TLS
# files and the update keyring are the site's own, not the package's, and the state folder is
# made by the package's tmpfiles on install: only they may be missing.
if ! problems=$("$work/extract/usr/bin/lockerd" --check-config "$work/extract$CONFIG_DIR/lockerd.toml" 2>&1 >/dev/null); then
  if printf '%s\n' "$problems" | grep -v -E -e '^lockerd: (broker\.(ca|cert|key)_file|update\.keyring) /etc/lockerd/[^ ]+: does not exist$' \
      -e '^lockerd: state_dir /var/lib/lockerd: does not exist and cannot be created: .*$' \
      -e '^lockerd: .*: [0-9]+ problems? with the files it names$' | grep -q .; then
    fail "the shipped lockerd.toml does not pass lockerd --check-config: $problems"
  fi
fi
# The simulator's example runs as installed: it loads where the package puts it, and names
# no path out of its folder (the checkout's demo config points into ../build/demo).
sim_example=$work/extract/usr/share/doc/lockerd/examples/lockerd.sim.toml
"$work/extract/usr/bin/lockerd" --check-config "$sim_example" >/dev/null \
  || fail "the shipped examples/lockerd.sim.toml does not pass lockerd --check-config"
! grep -nE '^[^#]*"[^"]*\.\./' "$sim_example" || fail "examples/lockerd.sim.toml names a path out of its folder"

# Depends names the package of every shared library the programs load (dpkg-shlibdeps).
sonames=$(for program in "$work"/extract/usr/bin/*; do
  readelf -d "$program" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
done | sort -u)
[ -n "$sonames" ] || fail "the programs load no shared library: readelf failed?"
# One dpkg-query for all (each call reads every package's file list); "libc6:amd64: /lib/...".
owners=$(for soname in $sonames; do echo "/lib/$multiarch/$soname" "/usr/lib/$multiarch/$soname"; done \
  | xargs dpkg-query -S 2>/dev/null || true)
for soname in $sonames; do
  package=$(grep -m1 "/$soname\$" <<<"$owners" | cut -d: -f1)
  [ -n "$package" ] || fail "no installed package ships $soname"
  grep -qxF "$package" <<<"$depends_names" || fail "Depends lacks $package (for $soname)"
done
grep -qxF systemd <<<"$depends_names" || fail "Depends lacks systemd (sysusers and tmpfiles in postinst)"

# 3. lintian is clean, and the dependencies resolve here.
step "lintian"
start=$SECONDS
"$(dirname "$0")/lintian_check.sh" "$deb" >"$work/lintian.log" 2>&1 \
  || { cat "$work/lintian.log"; fail "lintian"; }
echo "  $(tail -1 "$work/lintian.log") ($((SECONDS - start)) s)"
step "apt-get install --simulate"
apt-get install --simulate --no-install-recommends "$deb" >"$work/apt.log" 2>&1 \
  || { cat "$work/apt.log"; fail "apt-get cannot install the package here"; }
grep -q '^Inst lockerd ' "$work/apt.log" || { cat "$work/apt.log"; fail "apt-get would not install lockerd"; }

# 4. A real install into a test root. The root has no libc and no systemd, so dependencies
# are not checked there (step 3 did); the maintainer scripts run with this machine's tools.
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers" \
  "$root/etc" "$root/var/log"
: >"$root/var/lib/dpkg/status"
rootdpkg() {
  dpkg --root="$root" --log="$work/dpkg.log" --force-script-chrootless --force-depends \
    --force-confold "$@" </dev/null >>"$work/dpkg-run.log" 2>&1 \
    || { cat "$work/dpkg-run.log"; fail "dpkg $*"; }
}
status() { dpkg-query --root="$root" -W -f='${db:Status-Abbrev}' lockerd 2>/dev/null || echo "un "; }
# Owners as the test root names them, not as this machine does.
uid_of() { awk -F: -v u="$1" '$1 == u {print $3}' "$root/etc/passwd"; }
gid_of() { awk -F: -v g="$1" '$1 == g {print $3}' "$root/etc/group"; }
wants=$root/etc/systemd/system/multi-user.target.wants/lockerd.service

check_installed() {
  [ "$(status)" = "ii " ] || fail "after $1: dpkg status '$(status)', want ii"
  for f in "${required[@]}"; do [ -e "$root$f" ] || fail "after $1: $f missing in the root"; done
  grep -q "^lockerd:x:[0-9]*:[0-9]*:[^:]*:/var/lib/lockerd:" "$root/etc/passwd" \
    || fail "after $1: no lockerd user with home /var/lib/lockerd"
  grep -Eq "^gpio:x:[0-9]+:(.*,)?lockerd(,|$)" "$root/etc/group" \
    || fail "after $1: lockerd is not in the gpio group"
  local uid gid state config
  uid=$(uid_of lockerd) gid=$(gid_of lockerd)
  state=$(stat -c '%F %a %u %g' "$root/var/lib/lockerd" 2>/dev/null || echo missing)
  [ "$state" = "directory 700 $uid $gid" ] \
    || fail "after $1: /var/lib/lockerd is '$state', want 'directory 700 $uid $gid'"
  config=$(stat -c '%a %u %g' "$root$CONFIG_DIR" 2>/dev/null || echo missing)
  [ "$config" = "750 0 $gid" ] || fail "after $1: $CONFIG_DIR is '$config', want '750 0 $gid'"
  [ "$(readlink "$wants")" = "$UNIT_DIR/lockerd.service" ] || fail "after $1: lockerd.service is not enabled"
  "$root/usr/bin/lockerd" --version | grep -qF "$version" || fail "after $1: installed lockerd --version"
}

step "dpkg --root install"
rootdpkg --install "$deb"
check_installed install
dpkg-query --root="$root" -W -f='${Conffiles}\n' lockerd | grep -q " $CONFIG_DIR/lockerd.toml " \
  || fail "dpkg does not track $CONFIG_DIR/lockerd.toml as a conffile"

# The locker runs: it keeps state, and the operator edits the configuration.
echo "state" >"$root/var/lib/lockerd/locker.db"
echo '# edited by the operator' >>"$root$CONFIG_DIR/lockerd.toml"

step "dpkg --root reinstall (the upgrade path of the scripts)"
rootdpkg --install "$deb"
check_installed reinstall
grep -q 'edited by the operator' "$root$CONFIG_DIR/lockerd.toml" || fail "reinstall replaced the edited config"
[ -f "$root/var/lib/lockerd/locker.db" ] || fail "reinstall lost the state"

step "dpkg --root remove"
rootdpkg --remove lockerd
[ "$(status)" = "rc " ] || fail "after remove: dpkg status '$(status)', want rc"
for f in /usr/bin/lockerd /usr/bin/lockeradm "$UNIT_DIR/lockerd.service"; do
  [ ! -e "$root$f" ] || fail "after remove: $f is still there"
done
grep -q 'edited by the operator' "$root$CONFIG_DIR/lockerd.toml" || fail "remove dropped the config (only purge may)"
[ -f "$root/var/lib/lockerd/locker.db" ] || fail "remove dropped the state (only purge may)"
[ "$(readlink "$root/etc/systemd/system/lockerd.service")" = /dev/null ] \
  || fail "after remove: lockerd.service is not masked"

step "dpkg --root purge"
rootdpkg --purge lockerd
[ "$(status)" = "un " ] || fail "after purge: dpkg status '$(status)', want not installed"
for f in /var/lib/lockerd "$CONFIG_DIR"; do
  [ ! -e "$root$f" ] || fail "after purge: $f is still there: $(ls -A "$root$f")"
done
leftover=$(find "$root/etc/systemd" -name 'lockerd*' 2>/dev/null)
[ -z "$leftover" ] || fail "after purge: unit links left: $leftover"
# Debian leaves system users in place (postrm says why).
grep -q '^lockerd:' "$root/etc/passwd" || fail "purge removed the lockerd user"

echo "check_deb: $(basename "$deb") built, inspected, lintian-clean, resolvable, installed, reinstalled, removed and purged"
