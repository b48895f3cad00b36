#!/bin/sh
# load.sh BUILD - 5,000 messages over 20 SMTP sessions through a private
# Postfix with bouncemilter on its UNIX socket.
#
# The mix (load.plan): bounces of many kinds written for the project's
# tests, some carrying forged X-Bounce-* fields, and ordinary mail, one
# smtp-source per kind, all at once. Afterwards every message must be in
# the Maildir (exact count per kind), every bounce must carry exactly the
# fields `bouncemilter -t` gives for it alone, no forged value may be
# left, ordinary mail must carry none, and neither Postfix nor the milter
# may have logged a warning. The milter's peak memory (VmHWM) and peak
# thread count are printed and loosely bounded, and its threads and
# descriptors must be back to where they were once the sessions are
# over, so that a leak or a thread explosion fails the test. Needs root;
# skipped otherwise.
set -u
BUILD=${1:?usage: load.sh BUILD}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
. "$TOP/test/e2e/lib.sh"
FAILED=0
trap 'e2e_down' EXIT
trap 'exit 1' INT TERM
E2E_QUIET=1
T0=$(date +%s)

# Loose bounds: a healthy milter uses a few tens of MB and one thread per
# busy smtpd plus a handful.
MAX_RSS_KB=200000
MAX_THREADS=100

ok() { echo "  PASS: $1"; }
bad() { echo "FAIL: $1"; FAILED=1; }

[ "$(id -u)" = 0 ] || { echo "  SKIP: load test needs root (a private Postfix)"; exit 0; }
for c in postfix smtp-source python3; do
	command -v $c >/dev/null || { echo "  SKIP: $c missing (make deps)"; exit 0; }
done

# milter_counts: the milter's threads and open descriptors, "T F".
milter_counts() {
	echo "$(awk '/^Threads:/ { print $2 }' "/proc/$E2E_MILTER_PID/status")" \
	    "$(ls "/proc/$E2E_MILTER_PID/fd" | wc -l)"
}

e2e_up "$TOP" "$TOP/$BUILD/bouncemilter" || exit 1
base=$(milter_counts)
python3 "$HERE/mix.py" prepare "$E2E/mix" "$HERE/load.plan" "$E2E_BIN" "$TOP/rules" >/dev/null ||
	{ bad "preparing the mix"; exit 1; }

python3 "$HERE/mix.py" send "$E2E/mix" "$E2E_PORT" "$E2E_MILTER_PID" "$E2E/spool" > "$E2E/send.out"
rc=$?
grep '^FAIL' "$E2E/send.out"
[ $rc = 0 ] && ok "20 smtp-source sessions sent every message; queue drained" ||
	bad "sending (exit $rc)"
figures=$(grep '^sent=' "$E2E/send.out")

# Once the sessions are over, the connections' descriptors must be gone
# (smtpd closes its milter connection when its client quits; at the
# start one may still have been open for e2e_up's probe). Their threads
# stay as idle workers for the next connections (server.c), at most one
# per session that ran at once, plus the probe's.
# settled: no more descriptors than before, threads bounded.
IDLE_MAX=21
settled() {
	set -- $base $(milter_counts)
	[ "$3" -le $(($1 + IDLE_MAX)) ] && [ "$4" -le "$2" ]
}
i=0
until settled || [ $i -gt 200 ]; do sleep 0.05; i=$((i + 1)); done
settled && ok "after the load the milter is back to $(milter_counts | sed 's/.* //') descriptors, $(milter_counts | sed 's/ .*//') threads (idle workers kept: at most $IDLE_MAX)" ||
	bad "milter threads and descriptors after the load: $(milter_counts), before: $base (threads may grow by $IDLE_MAX)"

python3 "$HERE/mix.py" check "$E2E/mix" "$E2E/mail/sink" > "$E2E/check.out"
rc=$?
sed -n 's/^  /    /p' "$E2E/check.out"
grep '^FAIL' "$E2E/check.out"
[ $rc = 0 ] && ok "every message delivered once, bounces annotated exactly as alone, no forged field left, ordinary mail untouched" ||
	bad "delivered messages"
[ "$(e2e_count sink)" = 5000 ] && ok "5000 files in the Maildir" || bad "$(e2e_count sink) files in the Maildir, wanted 5000"

if p=$(e2e_maillog_problems) && [ -n "$p" ]; then
	bad "Postfix logged problems:"; echo "$p" | head -n 10
else
	ok "no warning, error, fatal or panic in Postfix's log"
fi
if p=$(e2e_milter_problems) && [ -n "$p" ]; then
	bad "the milter logged problems:"; echo "$p" | head -n 10
else
	ok "no warning or error in the milter's log"
fi
rss=$(echo "$figures" | sed -n 's/.*milter_vmhwm_kb=\([0-9]*\).*/\1/p')
threads=$(echo "$figures" | sed -n 's/.*milter_threads_peak=\([0-9]*\).*/\1/p')
[ "${rss:-0}" -gt 0 ] && [ "$rss" -lt $MAX_RSS_KB ] && ok "milter peak RSS $rss kB (< $MAX_RSS_KB)" ||
	bad "milter peak RSS ${rss:-?} kB (bound $MAX_RSS_KB)"
[ "${threads:-0}" -gt 0 ] && [ "$threads" -lt $MAX_THREADS ] && ok "milter peak threads $threads (< $MAX_THREADS)" ||
	bad "milter peak threads ${threads:-?} (bound $MAX_THREADS)"

echo "$figures" | awk -v t=$(($(date +%s) - T0)) '{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	printf "  load: %d messages, 20 SMTP sessions, milter on a UNIX socket\n", f["sent"]
	printf "    smtp-source done   %6.2f s\n", f["smtp_seconds"]
	printf "    all delivered      %6.2f s   %5d msg/s end to end\n", f["delivered_seconds"], f["msg_per_s"]
	printf "    milter peak RSS    %6.1f MB (VmHWM)\n", f["milter_vmhwm_kb"] / 1024
	printf "    milter threads     %6d peak (sampled every 50 ms)\n", f["milter_threads_peak"]
	printf "    load.sh took       %6d s\n", t
}'
[ $FAILED = 0 ] || { tail -n 20 "$E2E/maillog"; tail -n 20 "$E2E/milter/milter.log"; }
exit $FAILED
