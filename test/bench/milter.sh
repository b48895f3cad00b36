#!/bin/sh
# milter.sh - what bouncemilter costs a real Postfix (part of `make bench`).
#
# usage: test/bench/milter.sh BUILD [N]
#
# smtp-source sends N messages (default 2000) over S sessions (default
# 10), to a private Postfix without milter,
# with bouncemilter on a UNIX socket and with it on an inet socket
# (pfbench.sh: three listeners of one Postfix, discard transport). Two
# kinds of mail: ordinary (smtp-source's own 1 KB messages) and bounces
# (a Postfix DSN with a null sender), each sent twice: over sessions that
# reuse their connection (smtp-source -d), and with a new SMTP connection
# per message ("new-conn" rows), as bounces from other MTAs usually
# arrive: Postfix then opens a new milter connection for each message.
# ROUNDS interleaved rounds (default
# 3); the median round is printed. Messages per second are wall clock,
# noisy when other jobs run; CPU time per message (Postfix, milter,
# smtp-source) is what other jobs disturb least. Figures only; "diagnosed"
# counts the EventLog lines the milter wrote. BIN_B=/path/to/another
# bouncemilter adds a fourth variant in every round, that one on a UNIX
# socket, to compare two builds (pfbench.sh). FLOOR=1 makes that fourth
# variant the protocol floor instead: a build (msg.c,
# BOUNCEMILTER_PROTOCOL_FLOOR) with the same exchange with Postfix and the
# same four fields, but that never reads the report; what Postfix keeps
# with it is the most this protocol lets any milter keep. Needs root and
# Postfix; says so and does nothing otherwise.
set -u
BUILD=${1:?usage: milter.sh BUILD [N]}
N=${2:-2000}
ROUNDS=${ROUNDS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN=${BENCH_BIN:-$TOP/$BUILD/bouncemilter}
DSN=$TOP/test/milter/fixtures/postfix-dsn.eml

if [ "${FLOOR:-0}" = 1 ]; then
	make -s -C "$TOP" BUILD="$BUILD/floor" \
	    CFLAGS="-O2 -g -fno-plt -DBOUNCEMILTER_PROTOCOL_FLOOR" \
	    "$BUILD/floor/bouncemilter" >/dev/null || exit 1
	BIN_B=$TOP/$BUILD/floor/bouncemilter
	PFB_B_NAME=floor
fi
. "$HERE/pfbench.sh"
if missing=$(pfbench_missing); then
	echo "milter cost: skipped (needs $missing)"
	exit 0
fi
trap pfbench_down EXIT
trap 'exit 1' INT TERM
pfbench_up || exit 1

echo "bouncemilter's cost to Postfix $(postconf -d -h mail_version 2>/dev/null):" \
    "$N messages per run, ${S:-10} SMTP sessions, discard transport,"
echo "$ROUNDS interleaved rounds, median round shown;" \
    "machine: $(nproc) cores, $(awk '/model name/ { sub(/.*: /, ""); print; exit }' /proc/cpuinfo)," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
	for conn in "" -new-conn; do
		reuse=-d
		[ -z "$conn" ] || reuse=""
		for v in $PFB_VARIANTS; do
			pfbench_run ordinary$conn $v "$N" 0 $reuse -f sender@example.org -l 1024
		done
		for v in $PFB_VARIANTS; do
			pfbench_run bounces$conn $v "$N" "$(wc -c < "$DSN")" $reuse -f '' -F "$DSN"
		done
	done
done
COUNT_DIAGNOSED=1 pfbench_report
pfbench_memory
