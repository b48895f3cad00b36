#!/bin/sh
# sendmail.sh BUILD - bouncemilter inside a real Sendmail 8.17 (optional).
#
# sendmail-bin conflicts with postfix, so the Debian packages are only
# downloaded and unpacked into a temporary folder (skipped when apt-get
# cannot fetch them). Sendmail runs there with its own config, speaking
# SMTP on stdio (-bs, through swaks --pipe: no port), queue-only, so the
# queue files show what the milter did. Checks the other half of the
# header-index rule: Sendmail does not renumber after a delete.
set -u
BUILD=${1:?usage: sendmail.sh BUILD}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
FIX=$TOP/test/milter/fixtures
[ "$(id -u)" = 0 ] || { echo "  SKIP: Sendmail test needs root"; exit 0; }
for c in m4 unshare swaks apt-get; do
	command -v $c >/dev/null || { echo "  SKIP: Sendmail test needs $c"; exit 0; }
done
T=$(mktemp -d /tmp/bouncemilter-sm.XXXXXX)
# Sendmail refuses a milter socket below a world-writable folder (/tmp).
S=$(mktemp -d /run/bouncemilter-sm.XXXXXX)
MPID=""
cleanup() {
	[ -n "$MPID" ] && kill -9 "$MPID" 2>/dev/null
	rm -rf "$T" "$S"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
FAILED=0
ok() { echo "  PASS: $1"; }
bad() { echo "FAIL: $1"; FAILED=1; }

mkdir -p "$T/debs" "$T/mqueue" && chmod 0700 "$T/mqueue"
if ! (cd "$T/debs" && apt-get download sendmail-bin sendmail-cf >/dev/null 2>&1); then
	echo "  SKIP: cannot download sendmail-bin (no package registry?)"
	exit 0
fi
for d in "$T"/debs/*.deb; do dpkg -x "$d" "$T/root"; done
printf 'hosts files\naliases files\n' > "$T/service.switch"

cat > "$T/e2e.mc" <<MC
divert(-1)
# Private Sendmail for bouncemilter's test: queue only, milter fails open.
divert(0)dnl
include(\`$T/root/usr/share/sendmail/cf/m4/cf.m4')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`smx.e2e.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confSERVICE_SWITCH_FILE', \`$T/service.switch')dnl
define(\`QUEUE_DIR', \`$T/mqueue')dnl
define(\`confPID_FILE', \`$T/sendmail.pid')dnl
define(\`STATUS_FILE', \`$T/statistics')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`HELP_FILE', \`')dnl
define(\`confDEF_USER_ID', \`65534:65534')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confDELIVERY_MODE', \`queueonly')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`promiscuous_relay')dnl
INPUT_MAIL_FILTER(\`bouncemilter', \`S=local:$S/milter.sock, T=C:10s;S:10s;R:10s;E:30s')dnl
MAILER(\`smtp')dnl
MC
m4 "$T/e2e.mc" > "$T/e2e.cf" 2>"$T/m4.err" || { bad "m4: $(cat "$T/m4.err")"; exit 1; }
cat > "$T/sm" <<SM
#!/bin/sh
# An FQDN hostname, else Sendmail sleeps 60 s looking for one.
exec unshare --uts sh -c 'hostname smx.e2e.test && exec "\$0" -C "$T/e2e.cf" "\$@"' \
    "$T/root/usr/libexec/sendmail/sendmail" "\$@"
SM
chmod +x "$T/sm"

cat > "$T/milter.conf" <<CF
Socket		unix:$S/milter.sock
SocketMode	0666
Syslog		no
RulesDir	$TOP/rules
CF
"$TOP/$BUILD/bouncemilter" -f -d 1 -c "$T/milter.conf" -P "$T/milter.pid" 2>"$T/milter.log" &
MPID=$!
i=0
while [ ! -s "$T/milter.pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

# send FILE SENDER: one message over SMTP on stdio; prints the qf file.
send() {
	before=$(ls "$T/mqueue" | grep '^qf' | sort)
	swaks --pipe "$T/sm -bs" --from "$2" --to carol@e2e.test --data "@$1" >"$T/swaks.log" 2>&1
	after=$(ls "$T/mqueue" | grep '^qf' | sort)
	new=$(printf '%s\n%s\n' "$before" "$after" | grep . | sort | uniq -u | head -n 1)
	[ -n "$new" ] && echo "$T/mqueue/$new"
}

if qf=$(send "$FIX/postfix-dsn.eml" '<>') && grep -q '^H??X-Bounce-Category: mailbox-missing$' "$qf" &&
    grep -q '^H??X-Bounce-Diagnosis: v=1; ' "$qf"; then
	ok "Sendmail: DSN annotated (qf has X-Bounce-Category and -Diagnosis)"
else
	bad "Sendmail: DSN not annotated"; cat "$T/swaks.log" "$T/milter.log"; [ -n "${qf:-}" ] && cat "$qf"
fi
if qf=$(send "$FIX/forged.eml" '<mallory@example.net>') && grep -q '^H.*Subject: Your invoice' "$qf"; then
	if grep -qi '^H[^:]*X-Bounce-' "$qf"; then
		bad "Sendmail: forged fields survived:"; grep -i 'X-Bounce' "$qf"
	else
		ok "Sendmail: 5 forged X-Bounce-* fields (3 copies, mixed case) removed"
	fi
else
	bad "Sendmail: forged message not queued"; cat "$T/swaks.log"
fi
exit $FAILED
