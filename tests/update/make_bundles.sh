#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes everything the update tests need in OUT: a test CA and a signing certificate, a second
# ("other") CA with its own signer, TLS server certificates, and real RAUC bundles made with
# `rauc bundle`:
#   good.raucb          compatible locker-test, version 0.2.0, signed by the test CA's signer
#   same.raucb          version 0.1.0 (the version the tests run as)
#   old.raucb           version 0.0.9
#   other-board.raucb   compatible another-board
#   other-ca.raucb      version 0.2.0 signed by the other CA's signer
#   tampered.raucb      good.raucb with one byte of its image flipped
# Usage: make_bundles.sh OUT
set -eu
out=$1
mkdir -p "$out"
cd "$out"

# EC keys: quick to make, and RAUC and OpenSSL's CMS take them like RSA ones.
ca() {  # name
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" \
    -out "$1.pem" -days 30 -subj "/CN=$1" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
}
leaf() {  # name ca extensions...
  name=$1; issuer=$2; shift 2
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$name.key" \
    -out "$name.csr" -subj "/CN=$name" 2>/dev/null
  printf '%s\n' "$@" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -CAcreateserial \
    -out "$name.pem" -days 30 -extfile "$name.ext" 2>/dev/null
}
ca test-ca
ca other-ca
leaf signer test-ca "basicConstraints=CA:false" "keyUsage=critical,digitalSignature"
leaf other-signer other-ca "basicConstraints=CA:false" "keyUsage=critical,digitalSignature"
leaf server test-ca "basicConstraints=CA:false" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost"
leaf other-server other-ca "basicConstraints=CA:false" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost"
leaf wrong-name test-ca "basicConstraints=CA:false" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" "subjectAltName=DNS:other.example"

bundle() {  # file compatible version signer ca
  dir=$(mktemp -d "$out/content.XXXXXX")
  head -c 20000 /dev/urandom > "$dir/rootfs.img"
  printf '[update]\ncompatible=%s\nversion=%s\n\n[image.rootfs]\nfilename=rootfs.img\n' \
    "$2" "$3" > "$dir/manifest.raucm"
  rauc bundle --cert="$4.pem" --key="$4.key" --keyring="$5.pem" "$dir" "$1" >/dev/null 2>&1
  rm -rf "$dir"
}
bundle good.raucb locker-test 0.2.0 signer test-ca
bundle same.raucb locker-test 0.1.0 signer test-ca
bundle old.raucb locker-test 0.0.9 signer test-ca
bundle other-board.raucb another-board 0.2.0 signer test-ca
bundle other-ca.raucb locker-test 0.2.0 other-signer other-ca
cp good.raucb tampered.raucb
# One byte inside the squashfs image, far from the signature at the end.
byte=$(dd if=tampered.raucb bs=1 skip=2000 count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(( (byte + 1) % 256 )))" |
  dd of=tampered.raucb bs=1 seek=2000 count=1 conv=notrunc 2>/dev/null
echo ok
