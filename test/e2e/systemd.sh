#!/bin/sh
# systemd.sh BUILD - `systemd-analyze verify` of systemd/bouncemilter.service,
# with ExecStart pointed at the built binary (it must exist to verify).
set -u
BUILD=${1:?usage: systemd.sh BUILD}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
if ! command -v systemd-analyze >/dev/null; then
	echo "  SKIP: systemd-analyze not installed"
	exit 0
fi
T=$(mktemp -d /tmp/bouncemilter-unit.XXXXXX)
trap 'rm -rf "$T"' EXIT
sed "s|/usr/local/sbin/bouncemilter|$TOP/$BUILD/bouncemilter|g" \
	"$TOP/systemd/bouncemilter.service" > "$T/bouncemilter.service"
if systemd-analyze verify --man=no "$T/bouncemilter.service" > "$T/out" 2>&1 && [ ! -s "$T/out" ]; then
	echo "  PASS: systemd-analyze verify bouncemilter.service"
else
	echo "FAIL: systemd-analyze verify:"; cat "$T/out"
	exit 1
fi
for key in 'Type=simple' 'ExecReload=/bin/kill -USR1 $MAINPID' 'Restart=on-failure' \
    'RuntimeDirectory=' 'UMask=' 'Before=postfix.service' 'NoNewPrivileges=yes' \
    'ProtectSystem=strict' 'PrivateTmp=yes'; do
	grep -qF "$key" "$T/bouncemilter.service" || { echo "FAIL: unit lacks $key"; exit 1; }
done
grep -q '^ExecStart=.* -f ' "$T/bouncemilter.service" || { echo "FAIL: ExecStart without -f"; exit 1; }
echo "  PASS: unit has -f, Type=simple, SIGUSR1 reload, Restart, RuntimeDirectory, UMask, hardening"
