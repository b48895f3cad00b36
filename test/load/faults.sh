#!/bin/sh
# faults.sh BUILD - bouncemilter's faults on a real Postfix, under load.
#
#  1. Broken configurations (a bad value, an unknown key): the daemon,
#     started as usual, refuses each with file:line: reason and exit
#     status 78 (EX_CONFIG), leaving no socket and no pid file.
#  2. kill -9 of the milter in the middle of 1,200 messages (a new SMTP
#     connection each), restarted a moment later. Postfix's
#     milter_default_action is accept: nothing may be lost, messages in
#     the gap pass unannotated, the rest carry exactly the milter's
#     fields; bounces sent after the restart are all annotated.
#  3. The same with milter_default_action = tempfail: messages in the gap
#     are refused with 4xx, delivered + refused == sent, and every
#     delivered message is annotated.
#  4. SIGUSR1 with changed rules in the middle of 1,000 messages, then
#     SIGUSR1 with a broken rules file: no message lost or left
#     unannotated, the new rules show after the first reload, the broken
#     ones are refused (logged with file:line) and the milter goes on
#     with the rules it had.
# Needs root; skipped otherwise.
set -u
BUILD=${1:?usage: faults.sh BUILD}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
. "$TOP/test/e2e/lib.sh"
FAILED=0
SEND_PID=""
trap '[ -n "$SEND_PID" ] && kill "$SEND_PID" 2>/dev/null; e2e_down' EXIT
trap 'exit 1' INT TERM
E2E_QUIET=1
T0=$(date +%s)
MIX="python3 $HERE/mix.py"

ok() { echo "  PASS: $1"; }
bad() { echo "FAIL: $1"; FAILED=1; }

[ "$(id -u)" = 0 ] || { echo "  SKIP: fault tests need root (a private Postfix)"; exit 0; }
for c in postfix smtp-source python3 swaks; do
	command -v $c >/dev/null || { echo "  SKIP: $c missing (make deps)"; exit 0; }
done

e2e_up "$TOP" "$TOP/$BUILD/bouncemilter" || exit 1

# field FILE NAME: the unfolded value of header field NAME in FILE.
field() {
	e2e_header_block "$1" | awk -v n="$2" '
		/^[^ \t]/ { on = tolower(substr($0, 1, length(n) + 1)) == tolower(n ":") }
		on { sub(/^[ \t]+/, " "); v = v $0 }
		END { sub("^[^:]*: *", "", v); print v }'
}

# report NAME FILE RC: print the per-stream lines and failures of a check.
report() {
	sed -n 's/^  /    /p' "$2"
	grep '^FAIL' "$2"
	[ "$3" = 0 ]
}

# send_bg PLAN_DIR [mix.py send options]: the load, in the background.
send_bg() {
	d=$1
	shift
	$MIX send "$d" "$E2E_PORT" "$E2E_MILTER_PID" "$E2E/spool" "$@" > "$d.send" 2>&1 &
	SEND_PID=$!
}

# send_wait PLAN_DIR: the background load's exit status.
send_wait() {
	wait "$SEND_PID"
	rc=$?
	SEND_PID=""
	[ $rc = 0 ] || cat "$1.send"
	return $rc
}

# plan_total PLAN: the number of messages a plan sends.
plan_total() {
	awk '!/^#/ && NF { n += $3 } END { print n }' "$1"
}

empty_sink() {
	find "$E2E/mail/sink/new" -type f -delete 2>/dev/null
}

# 1. Broken configurations, given to the daemon with its usual flags.
# broken_start LINE WHY: the daemon must refuse LINE (line 3) and exit 78.
broken_start() {
	printf 'RulesDir %s/rules\nSocket unix:%s/broken.sock\n%s\n' "$TOP" "$E2E" "$1" > "$E2E/broken.conf"
	"$E2E_BIN" -f -d 1 -c "$E2E/broken.conf" -P "$E2E/broken.pid" > "$E2E/broken.out" 2>&1
	rc=$?
	if [ $rc = 78 ] && grep -q "broken.conf:3: .*$2" "$E2E/broken.out" &&
	    [ ! -e "$E2E/broken.sock" ] && [ ! -e "$E2E/broken.pid" ]; then
		ok "daemon refuses '$1': exit 78, '$(sed 's|.*/||' "$E2E/broken.out" | head -n 1)'"
	else
		bad "broken config '$1': exit $rc, wanted 78 and broken.conf:3: $2"; cat "$E2E/broken.out"
	fi
}
broken_start "MaxScanBytes 12Q" "not a size"
broken_start "NoSuchKey yes" "unknown key"

# 2. kill -9 in the middle of a load, milter_default_action = accept.
$MIX prepare "$E2E/kill" "$HERE/kill.plan" "$E2E_BIN" "$TOP/rules" >/dev/null || exit 1
$MIX prepare "$E2E/after" "$HERE/after.plan" "$E2E_BIN" "$TOP/rules" >/dev/null || exit 1
total=$(plan_total "$HERE/kill.plan")
send_bg "$E2E/kill" --connection-per-message
mark=0 at_kill=? at_restart=?
if e2e_wait_count sink $((total / 4)) 60 && kill -0 "$SEND_PID" 2>/dev/null; then
	at_kill=$(e2e_count sink)
	refusals=$(grep -c 'warning: connect to Milter service' "$E2E/maillog")
	e2e_milter_kill
	# Restart once Postfix has met the closed socket.
	e2e_wait_log "$E2E/maillog" 'warning: connect to Milter service' $((refusals + 1)) 30 ||
		bad "Postfix did not notice the milter's death"
	at_restart=$(e2e_count sink)
	e2e_milter_start || exit 1
	mark=$(wc -l < "$E2E/milter/milter.log")
	ok "milter killed (kill -9) with $at_kill of $total delivered and smtp-source running, restarted at $at_restart"
else
	bad "the load did not get going (or ended before the kill)"
fi
send_wait "$E2E/kill" && ok "smtp-source: all $total messages accepted (exit 0) across the kill" ||
	bad "smtp-source failed across the kill"
$MIX check "$E2E/kill" "$E2E/mail/sink" --fail-open > "$E2E/kill.check"
report kill "$E2E/kill.check" $? &&
	ok "nothing lost; each message carries exactly the milter's fields or, in the gap, none" ||
	bad "messages across the kill"
# Diagnosed by the new process within the same run (not asserted: on a
# busy machine the run may end first; the next run is asserted).
after=$(tail -n +"$((mark + 1))" "$E2E/milter/milter.log" | grep -c ' category=')
kill_figures=$(grep '^delivered=' "$E2E/kill.check")
gap=$(grep -c 'warning: connect to Milter service' "$E2E/maillog")

empty_sink
$MIX send "$E2E/after" "$E2E_PORT" "$E2E_MILTER_PID" "$E2E/spool" > "$E2E/after.send" 2>&1 ||
	{ bad "sending after the restart"; cat "$E2E/after.send"; }
$MIX check "$E2E/after" "$E2E/mail/sink" > "$E2E/after.check"
report after "$E2E/after.check" $? &&
	ok "after the restart: all 200 bounces annotated, forged fields gone" ||
	bad "bounces after the restart"

# 3. The same with milter_default_action = tempfail: refused, not lost.
postconf -c "$E2E/postfix" -e 'milter_default_action = tempfail'
reloads=$(grep -c 'reload -- version' "$E2E/maillog")
postfix -c "$E2E/postfix" reload >/dev/null 2>&1
e2e_wait_log "$E2E/maillog" 'reload -- version' $((reloads + 1)) ||
	bad "postfix reload not logged"
empty_sink
$MIX prepare "$E2E/tempfail" "$HERE/tempfail.plan" "$E2E_BIN" "$TOP/rules" >/dev/null || exit 1
total=$(plan_total "$HERE/tempfail.plan")
$MIX smtp "$E2E_PORT" "$E2E/tempfail/postfix-dsn.eml" "$total" '' sink@e2e.test > "$E2E/tempfail.send" 2>&1 &
SEND_PID=$!
if e2e_wait_count sink $((total / 4)) 60; then
	e2e_milter_kill
	i=0
	until grep -q 'milter-reject.*4.7.1' "$E2E/maillog" || [ $i -gt 200 ]; do sleep 0.05; i=$((i + 1)); done
	e2e_milter_start || exit 1
else
	bad "the tempfail load did not get going"
fi
wait "$SEND_PID"
rc=$?
SEND_PID=""
accepted=$(sed -n 's/.*accepted=\([0-9]*\).*/\1/p' "$E2E/tempfail.send")
refused=$(sed -n 's/.*refused=\([0-9]*\).*/\1/p' "$E2E/tempfail.send")
if [ $rc = 0 ] && [ -n "$accepted" ] && [ $((accepted + refused)) = "$total" ] && [ "$refused" -gt 0 ]; then
	ok "tempfail: $accepted accepted + $refused refused with 4xx = $total sent"
else
	bad "tempfail sending (exit $rc):"; cat "$E2E/tempfail.send"
fi
$MIX drain "$E2E/spool" 60 || bad "queue not drained after the tempfail run"
$MIX check "$E2E/tempfail" "$E2E/mail/sink" --accepted "${accepted:-0}" > "$E2E/tempfail.check"
report tempfail "$E2E/tempfail.check" $? &&
	ok "tempfail: every accepted message delivered, every one annotated" ||
	bad "tempfail deliveries"

# 4. SIGUSR1 with changed rules, then with broken rules, under load (and
# still milter_default_action = tempfail: a hiccup would refuse mail).
cp -R "$TOP/rules" "$E2E/rules"
cp -R "$TOP/rules" "$E2E/rules-new"
cat > "$E2E/rules-new/95-load-reload.rules" <<'EOF'
# Written by test/load/faults.sh and loaded by SIGUSR1 during a load:
# a new summary for every 5.1.1 recipient, the rest from the shipped rules.
rule load-reload-probe
  status    5.1.1
  priority  999
  continue  yes
  summary   Reloaded rules: the address does not exist.
EOF
chmod -R a+rX "$E2E/rules" "$E2E/rules-new"
sed -i "s|^RulesDir.*|RulesDir	$E2E/rules|" "$E2E/milter/bouncemilter.conf"
n=$(grep -c 'reloaded ' "$E2E/milter/milter.log")
kill -USR1 "$E2E_MILTER_PID"
e2e_wait_log "$E2E/milter/milter.log" 'reloaded ' $((n + 1)) || bad "no reload onto the rules copy"
$MIX prepare "$E2E/reload" "$HERE/reload.plan" "$E2E_BIN" "$E2E/rules" --alt "$E2E/rules-new" >/dev/null || exit 1
empty_sink
total=$(plan_total "$HERE/reload.plan")
send_bg "$E2E/reload"
# mid_load: true while the load's smtp-sources still run.
mid_load() {
	kill -0 "$SEND_PID" 2>/dev/null
}
e2e_wait_count sink $((total / 4)) 60 && mid_load || bad "the reload load did not get going"
at_reload=$(e2e_count sink)
cp "$E2E/rules-new/95-load-reload.rules" "$E2E/rules/"
kill -USR1 "$E2E_MILTER_PID"
e2e_wait_log "$E2E/milter/milter.log" 'reloaded ' $((n + 2)) ||
	{ bad "changed rules not reloaded"; tail -n 5 "$E2E/milter/milter.log"; }
e2e_wait_count sink $((total / 2)) 60
at_broken=$(e2e_count sink)
mid_load || bad "the load ended before the broken rules came"
printf 'rule load-broken\n  reason    no-such-reason\n' > "$E2E/rules/99-load-broken.rules"
chmod a+r "$E2E/rules/99-load-broken.rules"
kill -USR1 "$E2E_MILTER_PID"
e2e_wait_log "$E2E/milter/milter.log" 'reload refused' 1 || bad "broken rules: no refusal logged"
send_wait "$E2E/reload" && ok "smtp-source: all $total messages accepted across both reloads" ||
	bad "smtp-source failed across the reloads"
$MIX check "$E2E/reload" "$E2E/mail/sink" > "$E2E/reload.check"
report reload "$E2E/reload.check" $? &&
	ok "nothing lost, every bounce annotated (old or new rules) across both reloads" ||
	bad "messages across the reloads"
new=$(sed -n 's/.*new_rules=\([0-9]*\).*/\1/p' "$E2E/reload.check")
echo "    SIGUSR1 with changed rules at $at_reload of $total delivered, with broken rules at $at_broken;" \
    "$new messages of the load already show the new rule"
if grep -q 'reload refused, old settings kept: .*99-load-broken.rules:2: ' "$E2E/milter/milter.log"; then
	ok "broken rules refused: $(grep -o '99-load-broken.rules:2: .*' "$E2E/milter/milter.log" | head -n 1)"
else
	bad "broken rules: no file:line in the log"; grep 'reload' "$E2E/milter/milter.log"
fi
sed 's/^Message-ID: .*/Message-ID: <after-reload-1@mx1.example.net>/' \
    "$TOP/test/milter/fixtures/postfix-dsn.eml" > "$E2E/after-reload.eml"
e2e_send "$E2E/after-reload.eml" >/dev/null
if f=$(e2e_wait_for carol '<after-reload-1@mx1.example.net>') &&
    field "$f" X-Bounce-Summary | grep -q '^Reloaded rules: the address does not exist\.' &&
    [ "$(field "$f" X-Bounce-Category)" = mailbox-missing ]; then
	ok "after both reloads the new rule holds: '$(field "$f" X-Bounce-Summary | cut -c1-60)...'"
else
	bad "after the reloads:"; [ -n "${f:-}" ] && e2e_header_block "$f"
fi
if p=$(e2e_maillog_problems | grep -v 'warning: connect to Milter service\|warning: milter unix:.*: \(can.t read\|read error\|write error\|unreadable\)') && [ -n "$p" ]; then
	bad "Postfix logged problems besides the milter being away:"; echo "$p" | head -n 10
else
	ok "Postfix logged no problem but the milter's absence during the two kills"
fi
if p=$(e2e_milter_problems | grep -v 'reload refused, old settings kept: .*99-load-broken.rules') && [ -n "$p" ]; then
	bad "the milter logged problems:"; echo "$p" | head -n 10
else
	ok "the milter logged no problem but the refused rules"
fi

echo "$kill_figures" | awk -v gap="$gap" -v after="$after" -v t=$(($(date +%s) - T0)) '{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	printf "  faults: kill -9 mid-load: %d of %d delivered, %d unannotated (in the gap), %d partly annotated,\n",
	    f["delivered"], f["sent"], f["unannotated"], f["partial"]
	printf "    %d failed milter connections logged, %d recipients diagnosed by the restarted milter in the same run\n",
	    gap, after
	printf "  faults.sh took %d s\n", t
}'
[ $FAILED = 0 ] || { tail -n 20 "$E2E/maillog"; tail -n 20 "$E2E/milter/milter.log"; }
exit $FAILED
