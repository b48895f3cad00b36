#!/bin/sh
# milter.sh - what bouncemilter costs a real Postfix (part of `make bench`).
#
# usage: test/bench/milter.sh BUILD [N]
#
# One private Postfix (test/e2e/lib.sh) with three SMTP listeners that
# differ only in smtpd_milters: none, bouncemilter on a UNIX socket,
# bouncemilter on an inet socket (two milter processes run side by side),
# so no reload sits between the variants. smtp-source sends N messages
# (default 2000) over S sessions (default 10) that reuse their connection;
# the discard transport throws them away after the milter. Ordinary mail
# (smtp-source's own 1 KB messages) and bounces (a Postfix DSN with a null
# sender) go through each listener in ROUNDS interleaved rounds (default
# 3); the median round is printed. Besides messages per second (wall
# clock, noisy when other jobs run) it prints the CPU time per message of
# Postfix (master and every child), of the milter and of smtp-source,
# which other jobs disturb much less. Figures only; nothing is asserted
# except that every bounce was diagnosed. Needs root and Postfix; says so
# and does nothing otherwise.
set -u
BUILD=${1:?usage: milter.sh BUILD [N]}
N=${2:-2000}
S=${S:-10}
ROUNDS=${ROUNDS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN=${BENCH_BIN:-$TOP/$BUILD/bouncemilter}
DSN=$TOP/test/milter/fixtures/postfix-dsn.eml

if [ "$(id -u)" != 0 ] || ! command -v smtp-source >/dev/null || ! command -v postfix >/dev/null; then
	echo "milter cost: skipped (needs root, postfix and smtp-source)"
	exit 0
fi

. "$TOP/test/e2e/lib.sh"
INET_PID=""
stop_all() {
	[ -z "$INET_PID" ] || { kill -9 "$INET_PID" 2>/dev/null; wait "$INET_PID" 2>/dev/null; }
	e2e_down
}
trap stop_all EXIT
trap 'exit 1' INT TERM
E2E_QUIET=1

e2e_up "$TOP" "$BIN" || exit 1
M=$E2E/milter

# The second milter, on TCP, with its own config, pid file and EventLog.
TCP_PORT=$(e2e_free_port)
E2E_MILTER_SOCKET="inet:$TCP_PORT@127.0.0.1" e2e_milter_conf
sed "s|$M/events.jsonl|$M/inet-events.jsonl|" "$M/bouncemilter.conf" > "$M/inet.conf"
e2e_milter_conf
"$BIN" -f -d 1 -c "$M/inet.conf" -P "$M/inet.pid" >>"$M/inet.log" 2>&1 &
INET_PID=$!
i=0
while [ ! -s "$M/inet.pid" ]; do
	i=$((i + 1))
	[ $i -le 100 ] || { echo "inet milter did not start:" >&2; cat "$M/inet.log" >&2; exit 1; }
	sleep 0.05
done

# One listener per variant; the first (lib.sh's) gets no milter.
P_UNIX=$(e2e_free_port)
P_INET=$(e2e_free_port)
cat >> "$E2E/postfix/master.cf" <<CF
127.0.0.1:$P_UNIX inet n    -      n      -      -       smtpd -o smtpd_milters=unix:$M/bouncemilter.sock
127.0.0.1:$P_INET inet n    -      n      -      -       smtpd -o smtpd_milters=inet:127.0.0.1:$TCP_PORT
CF
postconf -c "$E2E/postfix" -e 'virtual_transport = discard' 'smtpd_milters =' \
    'non_smtpd_milters ='
postfix -c "$E2E/postfix" reload >/dev/null 2>&1
for p in $E2E_PORT $P_UNIX $P_INET; do
	i=0
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $p), 1)" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 100 ] || { echo "listener $p did not come up" >&2; exit 1; }
		sleep 0.05
	done
done
sleep 1

# cpu: clock ticks used so far by Postfix (the master, its reaped
# children and its live ones), by each milter; "postfix unix inet".
cpu() {
	python3 - "$(tr -d ' ' < "$E2E/spool/pid/master.pid")" "$E2E_MILTER_PID" "$INET_PID" <<'PY'
import os, sys
master, milters = sys.argv[1], sys.argv[2:]
def fields(pid):
    try:
        with open("/proc/%s/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    return s[s.rindex(")") + 2:].split()    # [0] state, [1] ppid, [11..14] times
pf = 0
f = fields(master)
if f:
    pf += sum(int(x) for x in f[11:15])
for pid in os.listdir("/proc"):
    if pid.isdigit() and pid != master:
        f = fields(pid)
        if f and f[1] == master:
            pf += int(f[11]) + int(f[12])
out = [pf]
for m in milters:
    f = fields(m)
    out.append(int(f[11]) + int(f[12]) if f else 0)
print(*out)
PY
}

queue_empty() {
	i=0
	while [ -n "$(find "$E2E/spool/incoming" "$E2E/spool/active" "$E2E/spool/deferred" -type f 2>/dev/null | head -n 1)" ]; do
		i=$((i + 1))
		[ $i -le 1000 ] || return 1
		sleep 0.02
	done
}

lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }

# run KIND VARIANT PORT ROUND [smtp-source options]: one record in $R.
R=$E2E/results
: > "$R"
run() {
	kind=$1 variant=$2 port=$3 round=$4; shift 4
	ev0=$(lines "$M/events.jsonl") ev1=$(lines "$M/inet-events.jsonl")
	set -- $(cpu) "$@"
	c0=$1 u0=$2 i0=$3; shift 3
	t0=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$E2E/time" smtp-source -4 -d -s "$S" -m "$N" \
	    -t sink@e2e.test -M client.e2e.test "$@" "127.0.0.1:$port"
	t1=$(date +%s.%N)
	queue_empty || echo "warning: queue not empty after the run" >&2
	set -- $(cpu)
	seen=$(( $(lines "$M/events.jsonl") - ev0 + $(lines "$M/inet-events.jsonl") - ev1 ))
	echo "$kind $variant $round $t0 $t1 $(($1 - c0)) $(($2 - u0)) $(($3 - i0)) $(cat "$E2E/time") $seen" >> "$R"
}

echo "bouncemilter's cost to Postfix $(postconf -d -h mail_version 2>/dev/null):" \
    "$N messages per run, $S SMTP sessions, discard transport,"
echo "$ROUNDS interleaved rounds, median round shown;" \
    "machine: $(nproc) cores, $(awk '/model name/ { sub(/.*: /, ""); print; exit }' /proc/cpuinfo)," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm-up, not counted: every listener's processes started, caches full.
for v in none:$E2E_PORT unix:$P_UNIX inet:$P_INET; do
	smtp-source -4 -d -s "$S" -m 200 -t sink@e2e.test -M client.e2e.test \
	    -f sender@example.org -l 1024 "127.0.0.1:${v#*:}"
done
queue_empty
for round in $(seq "$ROUNDS"); do
	for v in none:$E2E_PORT unix:$P_UNIX inet:$P_INET; do
		run ordinary "${v%%:*}" "${v#*:}" "$round" -f sender@example.org -l 1024
	done
	for v in none:$E2E_PORT unix:$P_UNIX inet:$P_INET; do
		run bounce "${v%%:*}" "${v#*:}" "$round" -f '' -F "$DSN"
	done
done

# Median round per variant, ratios against the median without milter.
hz=$(getconf CLK_TCK)
awk -v n="$N" -v hz="$hz" '
function median(a, k,   i, j, t) {
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return a[int((k + 1) / 2)]
}
{
	key = $1 " " $2
	c = ++cnt[key]
	rate[key, c] = n / ($5 - $4)
	pf[key, c] = $6 * 1000 / hz / n
	ml[key, c] = ($2 == "unix" ? $7 : $2 == "inet" ? $8 : 0) * 1000 / hz / n
	src[key, c] = ($9 + $10) * 1000 / n
	seen[key] += $11
}
END {
	printf "  %-28s %8s %7s   %s\n", "", "msg/s", "ratio", "CPU ms/msg: Postfix  milter  smtp-source"
	split("ordinary bounce", kinds, " ")
	split("none unix inet", variants, " ")
	for (a = 1; a <= 2; a++)
		for (b = 1; b <= 3; b++) {
			key = kinds[a] " " variants[b]
			if (!(key in cnt))
				continue
			for (i = 1; i <= cnt[key]; i++) {
				r[i] = rate[key, i]; p[i] = pf[key, i]; m[i] = ml[key, i]; s[i] = src[key, i]
			}
			mr = median(r, cnt[key]); mp = median(p, cnt[key])
			mm = median(m, cnt[key]); ms = median(s, cnt[key])
			if (b == 1)
				base = mr
			label = (a == 1 ? "ordinary mail" : "bounces") ", " \
			    (b == 1 ? "no milter" : b == 2 ? "unix socket" : "inet socket")
			printf "  %-28s %8.0f %6.0f%%   %18.3f %7.3f %12.3f", label, mr, 100 * mr / base, mp, mm, ms
			if (a == 2 && b > 1)
				printf "   diagnosed %d of %d", seen[key], n * cnt[key]
			printf "\n"
		}
}' "$R"
mem() { ps -o rss=,nlwp= -p "$1" 2>/dev/null | awk '{ printf "%d KB resident, %d threads", $1, $2 }'; }
echo "  milter after the runs: unix $(mem "$E2E_MILTER_PID"); inet $(mem "$INET_PID")"
