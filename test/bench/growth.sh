#!/bin/sh
# growth.sh - how the cost of a bounce grows with its size (part of
# `make bench`).
#
# usage: test/bench/growth.sh BUILD
#
# Bounces of 2 KB, 50 KB, 1 MB and 20 MB: one DSN, written here, whose
# third part returns the original message padded to size.
#  (a) bouncediag --json over many copies of each (hard links in one
#      folder): CPU time per message, the start-up (the same run on an
#      empty file) taken off; best of 3. One more row reads the 20 MB
#      bounce with the limit raised past its size, to show what the limit
#      saves.
#  (b) smtp-source sends them through a private Postfix (pfbench.sh)
#      without milter and with bouncemilter on a UNIX socket, fewer
#      messages for the big ones, ROUNDS (default 3) interleaved rounds;
#      with BIN_B set, also through that bouncemilter (pfbench.sh).
# The engine reads at most 1 MB of a message (bouncediag --max-bytes,
# the milter's MaxScanBytes) and the milter skips the rest of the body,
# so past 1 MB their time should stay flat while Postfix's own cost
# grows with the bytes it stores. Figures only.
set -u
BUILD=${1:?usage: growth.sh BUILD}
ROUNDS=${ROUNDS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN=${BENCH_BIN:-$TOP/$BUILD/bouncemilter}
BD=$TOP/$BUILD/bouncediag
W=$(mktemp -d /tmp/bouncemilter-growth.XXXXXX)
. "$HERE/pfbench.sh"
stop_all() {
	[ -z "${E2E:-}" ] || pfbench_down
	rm -rf "$W"
}
trap stop_all EXIT
trap 'exit 1' INT TERM

# size name, bytes, bouncediag copies, messages through Postfix
SIZES="2KB:2048:4000:1000 50KB:51200:1000:500 1MB:1048576:200:200 20MB:20971520:50:30"

# dsn BYTES FILE: a DSN of BYTES bytes returning a padded message.
dsn() {
	cat > "$2" <<'EOF'
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: sender@example.org
Subject: Undelivered Mail Returned to Sender
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <growth-dsn@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="growth-part"

--growth-part
Content-Type: text/plain; charset=us-ascii

The mail system at mx.example.net could not deliver your message to
one recipient; the message is attached below.

<nobody@example.com>: host mx.example.com[192.0.2.25] said: 550 5.1.1
    <nobody@example.com>: Recipient address rejected: User unknown (in
    reply to RCPT TO command)

--growth-part
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Mon, 23 Nov 2026 09:59:58 +0000

Final-Recipient: rfc822; nobody@example.com
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.com
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.com>: Recipient address
    rejected: User unknown

--growth-part
Content-Type: message/rfc822

From: sender@example.org
To: nobody@example.com
Subject: Quarterly figures
Message-ID: <figures-growth@example.org>
Date: Mon, 23 Nov 2026 09:59:50 +0000

EOF
	awk -v want=$(($1 - $(wc -c < "$2") - 16)) 'BEGIN {
		for (n = 1; want >= 78; n++) {
			printf "Line %07d of the returned message, padding it to its size; no news.\n", n
			want -= 78
		}
		while (want-- > 1)
			printf "x"
		printf "\n"
	}' >> "$2"
	printf '%s\n' '--growth-part--' >> "$2"
}

for s in $SIZES; do
	name=${s%%:*}
	bytes=$(echo "$s" | cut -d: -f2)
	dsn "$bytes" "$W/$name.eml"
done
: > "$W/empty.eml"

echo "cost by size of a bounce (a DSN returning the original message, padded to size)"
echo "machine: $(nproc) cores, $(awk '/model name/ { sub(/.*: /, ""); print; exit }' /proc/cpuinfo)," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"

# cpu_best RUNS ARGS...: the least user+system seconds of RUNS runs
# (rusage: microseconds, where time(1) has centiseconds).
cpu_best() {
	python3 - "$@" <<'PY'
import os, subprocess, sys
runs, argv = int(sys.argv[1]), sys.argv[2:]
best = None
for _ in range(runs):
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    t = ru.ru_utime + ru.ru_stime
    best = t if best is None or t < best else best
print("%.6f" % best)
PY
}

if [ -x "$BD" ]; then
	echo "(a) bouncediag --json, CPU per message (start-up taken off, best of 3):"
	start=$(cpu_best 5 "$BD" --rules "$TOP/rules" --json "$W/empty.eml")
	row() {
		label=$1 dir=$2 copies=$3 bytes=$4; shift 4
		t=$(cpu_best 3 "$BD" --rules "$TOP/rules" --json "$@" "$dir")
		awk -v l="$label" -v t="$t" -v s="$start" -v n="$copies" -v b="$bytes" 'BEGIN {
			ms = (t - s) * 1000 / n
			mbs = 0
			if (ms > 0)
				mbs = b / 1e3 / ms
			printf "  %-40s %5d copies %8.3f ms/msg %8.1f MB/s\n", l, n, ms, mbs }'
	}
	for s in $SIZES; do
		name=${s%%:*}
		set -- $(echo "$s" | tr ':' ' ')
		mkdir -p "$W/copies-$name"
		for i in $(seq "$3"); do ln "$W/$name.eml" "$W/copies-$name/$i.eml"; done
		row "$name" "$W/copies-$name" "$3" "$2"
	done
	row "20MB, --max-bytes 33554432 (no limit)" "$W/copies-20MB" 50 20971520 \
	    --max-bytes 33554432
else
	echo "(a) bouncediag: not built ($BD)"
fi

if missing=$(pfbench_missing); then
	echo "(b) Postfix: skipped (needs $missing)"
	exit 0
fi
pfbench_up || exit 1
echo "(b) through Postfix $(postconf -d -h mail_version 2>/dev/null)," \
    "${S:-10} SMTP sessions, discard transport; $ROUNDS interleaved rounds, median shown:"
for round in $(seq "$ROUNDS"); do
	for s in $SIZES; do
		set -- $(echo "$s" | tr ':' ' ')
		for v in none unix ${PFB_B_PID:+unixb}; do
			pfbench_run "$1" $v "$4" "$(wc -c < "$W/$1.eml")" -d -f '' -F "$W/$1.eml"
		done
	done
done
COUNT_DIAGNOSED=1 pfbench_report
pfbench_memory
