#!/bin/sh
# Install the Debian packages that bouncemilter's build, tests and demo
# need, skipping those already present. Run as root (CI and the demo do).
set -eu

PACKAGES="make gcc clang pkg-config python3
libgmime-3.0-dev libmagic-dev libvectorscan-dev libjansson-dev
libcmocka-dev miltertest postfix swaks valgrind
libclang-rt-14-dev dovecot-sieve dovecot-core systemd iproute2 bc libsisimai-perl
time m4 libwrap0 procmail"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run 'make deps' as root)" >&2
	exit 1
fi
echo "deps: installing$missing"
# Postfix asks questions on install; answer them: local only, no service.
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string bouncemilter.test" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
