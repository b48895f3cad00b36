#!/bin/sh
# cli.sh BUILD - bouncemilter's command line: -n verdicts and exit codes,
# -t output (deletions highest index first), -V, -h, usage errors.
set -u
BUILD=${1:?usage: cli.sh BUILD}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN=$TOP/$BUILD/bouncemilter
T=$(mktemp -d /tmp/bouncemilter-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILED=0

ok() { echo "  PASS: $1"; }
bad() { echo "FAIL: $1"; FAILED=1; }

# expect_rc WANT WHAT CMD...: run CMD, compare its exit code.
expect_rc() {
	want=$1 what=$2; shift 2
	"$@" > "$T/out" 2>&1
	rc=$?
	if [ $rc -eq "$want" ]; then ok "$what (exit $rc)"; else bad "$what: exit $rc, wanted $want"; sed 's/^/    /' "$T/out"; fi
}

good="$T/good.conf"
cat > "$good" <<EOF2
# a complete config
Socket		unix:$T/x.sock
SocketMode	0660
UserID		nobody
PidFile		$T/x.pid
Syslog		no
SyslogFacility	local3
LogLevel	debug
RulesDir	$TOP/rules
MaxScanBytes	512K
MaxConnections	200
Mode		route
HeaderPrefix	X-Bounce-
EventLog	$T/events.jsonl
Route mailbox-missing	redirect bounces@example.com
Route mailbox-missing	copy audit@example.com
Route auto-reply	discard
Route feedback		quarantine
Route *			tag
EOF2
expect_rc 0 "-n accepts a complete config" "$BIN" -n -c "$good"

# badconf CONTENT WHY [LINE]: -n must exit 78 naming file:line and why.
badconf() {
	printf 'RulesDir %s/rules\n%s\n' "$TOP" "$1" > "$T/bad.conf"
	"$BIN" -n -c "$T/bad.conf" > "$T/out" 2>&1
	rc=$?
	if [ $rc -eq 78 ] && grep -q "bad.conf:${3:-2}: .*$2" "$T/out"; then
		ok "-n refuses '$(printf '%s' "$1" | tr '\n' '/')' (78, $(sed 's/.*bad.conf/bad.conf/' "$T/out"))"
	else
		bad "-n on '$1': exit $rc, output: $(cat "$T/out")"
	fi
}
badconf "NoSuchKey yes" "unknown key"
badconf "Syslog maybe" "not yes or no"
badconf "MaxScanBytes 12Q" "not a size"
badconf "MaxScanBytes 1" "outside"
badconf "MaxConnections 0" "outside 1..10000"
badconf "MaxConnections 10001" "outside 1..10000"
badconf "MaxConnections 12x" "not a number"
badconf "MaxConnections -5" "not a number"
badconf "Mode sideways" "Mode"
badconf "Route mailbox-missing redirect" "needs one ADDRESS"
badconf "Route no-such-category tag" "unknown category"
badconf "Route * redirect <evil@example.com>,other@example.com" "not a plain"
badconf "Route * explode" "unknown action"
badconf "Socket tcp:25" "expected unix"
badconf "SocketMode 999" "octal"
badconf "HeaderPrefix X Bounce" "HeaderPrefix"
# Every incoming field with the prefix is removed: too wide a prefix is refused.
badconf "HeaderPrefix X-" "must look like X-Name-"
badconf "HeaderPrefix List-" "must look like X-Name-"
badconf "EventLog relative/events" "absolute"
badconf "SyslogFacility kernel" "unknown value"
badconf "Mode log
Mode route" "given twice (first at line 2)" 3
printf 'RulesDir %s/rules\nRoute * discard\nRoute * quarantine\n' "$TOP" > "$T/bad.conf"
"$BIN" -n -c "$T/bad.conf" > "$T/out" 2>&1
[ $? -eq 78 ] && grep -q 'bad.conf:3: .*already has discard at line 2' "$T/out" &&
	ok "-n refuses two dispositions for one category" || bad "two dispositions: $(cat "$T/out")"
expect_rc 78 "-n on a missing file" "$BIN" -n -c "$T/none.conf"
printf 'RulesDir %s\n' "$T" > "$T/norules.conf"
mkdir -p "$T/rules-bad" && printf 'this is not a rule\n' > "$T/rules-bad/x.rules"
printf 'RulesDir %s/rules-bad\n' "$T" > "$T/badrules.conf"
expect_rc 78 "-n on a rules folder with a bad rule" "$BIN" -n -c "$T/badrules.conf"

expect_rc 0 "-V" "$BIN" -V
grep -q '^bouncemilter [0-9]' "$T/out" || bad "-V output: $(cat "$T/out")"
expect_rc 0 "-h" "$BIN" -h
expect_rc 64 "unknown option" "$BIN" -Z
expect_rc 64 "bad -p" "$BIN" -p tcp:25 -t /dev/null
expect_rc 64 "bad -d" "$BIN" -d x -t /dev/null
expect_rc 64 "stray argument" "$BIN" extra
expect_rc 66 "-t on a missing file" "$BIN" -c "$good" -t "$T/none.eml"

# -t prints the actions of the real code path, deletions highest first.
"$BIN" -c "$good" -t "$HERE/fixtures/forged.eml" > "$T/out" 2>/dev/null
if grep -n 'delete header' "$T/out" | head -3 | tr '\n' ' ' |
    grep -q 'X-Bounce-Category #3.*X-Bounce-Category #2.*X-Bounce-Category #1'; then
	ok "-t deletes forged copies from the highest index down"
else
	bad "-t deletion order:"; cat "$T/out"
fi
"$BIN" -c "$good" -t - < "$HERE/fixtures/postfix-dsn.eml" > "$T/out" 2>/dev/null
grep -q '^add header X-Bounce-Category: mailbox-missing$' "$T/out" &&
	grep -q '^add recipient <audit@example.com>$' "$T/out" &&
	ok "-t - reads stdin and prints header and route actions" ||
	{ bad "-t on a DSN:"; cat "$T/out"; }
"$BIN" -c "$good" -t "$HERE/fixtures/arf.eml" > "$T/out" 2>/dev/null
grep -q '^add header X-Bounce-Category: feedback$' "$T/out" && grep -q 'feedback=abuse' "$T/out" &&
	grep -q '^quarantine bouncemilter: feedback$' "$T/out" &&
	ok "-t on an ARF report: category feedback, feedback=abuse, quarantined by its route" ||
	{ bad "-t ARF:"; cat "$T/out"; }
# A bounce forwarded by a person (a golden fixture): read as the bounce.
"$BIN" -c "$good" -t "$HERE/../golden/fixtures/fwd-gmail-inline-postfix.eml" > "$T/out" 2>/dev/null
grep -q '^add header X-Bounce-Category: mailbox-full$' "$T/out" && grep -q 'forwarded=yes' "$T/out" &&
	ok "-t on a forwarded bounce: the bounce's category, forwarded=yes" ||
	{ bad "-t forwarded:"; cat "$T/out"; }
"$BIN" -c "$good" -t "$HERE/fixtures/ordinary.eml" > "$T/out" 2>/dev/null
grep -q '^result: accept unchanged' "$T/out" && ok "-t accepts ordinary mail unchanged" ||
	{ bad "-t ordinary:"; cat "$T/out"; }
"$BIN" -c "$good" -t "$HERE/fixtures/hostile.eml" > "$T/out" 2>/dev/null
if LC_ALL=C grep -q '[^[:print:]	]' "$T/out"; then
	bad "-t hostile: control or 8-bit bytes in the output"; cat -A "$T/out"
elif grep -qi '^X-Injected' "$T/out" || awk 'length > 998 { bad = 1 } END { exit !bad }' "$T/out"; then
	bad "-t hostile: injected field or overlong line"; cat "$T/out"
else
	ok "-t on a hostile DSN prints only safe header values"
fi

exit $FAILED
