#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# systemd/lockerd-seal-key against a stand-in systemd-creds (the real one would seal to this
# machine's host key or TPM2): the key leaves the state folder only once the credential gives
# it back, the drop-in names the credential, --backup keeps a 0600 copy, and a credential that
# does not decrypt to the key changes nothing.
set -euo pipefail
script=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$work/bin"
cat >"$work/bin/systemd-creds" <<'FAKE'
#!/usr/bin/env bash
# encrypt --name=N --with-key=K IN OUT | decrypt --name=N IN -
set -euo pipefail
verb=$1; shift
args=(); for a in "$@"; do case "$a" in --*) ;; *) args+=("$a") ;; esac; done
case "$verb" in
  encrypt) { echo SEALED; base64 "${args[0]}"; } >"${args[1]}" ;;
  decrypt) if [ -n "${FAKE_CREDS_BROKEN:-}" ]; then echo garbage; else tail -n +2 "${args[0]}" | base64 -d; fi ;;
  *) exit 2 ;;
esac
FAKE
chmod +x "$work/bin/systemd-creds"
export PATH="$work/bin:$PATH"
export LOCKERD_STATE_DIR=$work/state LOCKERD_CREDSTORE=$work/credstore LOCKERD_DROPIN_DIR=$work/dropin
mkdir -p "$LOCKERD_STATE_DIR"
head -c 32 /dev/urandom >"$LOCKERD_STATE_DIR/secret.key"
chmod 0600 "$LOCKERD_STATE_DIR/secret.key"
cp "$LOCKERD_STATE_DIR/secret.key" "$work/original"

# A credential that does not give the key back: nothing changes.
if FAKE_CREDS_BROKEN=1 "$script" 2>"$work/err"; then fail "a broken seal succeeded"; fi
grep -q "does not decrypt to the key; nothing changed" "$work/err" || fail "message: $(cat "$work/err")"
cmp -s "$LOCKERD_STATE_DIR/secret.key" "$work/original" || fail "the key was touched"
[ ! -e "$LOCKERD_CREDSTORE/lockerd.secret.key" ] || fail "a broken credential was kept"
[ ! -e "$LOCKERD_DROPIN_DIR/secret-key.conf" ] || fail "the drop-in was written"

# The seal: backup first, then the credential, the drop-in, and no key left in the folder.
"$script" --backup "$work/offline.key" >"$work/out"
[ ! -e "$LOCKERD_STATE_DIR/secret.key" ] || fail "the plain key is still beside the hashes"
cmp -s "$work/offline.key" "$work/original" || fail "the backup is not the key"
[ "$(stat -c %a "$work/offline.key")" = 600 ] || fail "the backup is readable by others"
systemd-creds decrypt --name=secret.key "$LOCKERD_CREDSTORE/lockerd.secret.key" - |
  cmp -s - "$work/original" || fail "the credential is not the key"
grep -qx "LoadCredentialEncrypted=secret.key:$LOCKERD_CREDSTORE/lockerd.secret.key" \
  "$LOCKERD_DROPIN_DIR/secret-key.conf" || fail "drop-in: $(cat "$LOCKERD_DROPIN_DIR/secret-key.conf")"

# Again: nothing to seal, said clearly.
if "$script" 2>"$work/err"; then fail "a second seal succeeded"; fi
grep -q "nothing to seal" "$work/err" || fail "message: $(cat "$work/err")"
echo "seal-key: ok"
