# pfbench.sh - a private Postfix for the milter benchmarks (milter.sh,
# growth.sh); source it, do not run it.
#
# One Postfix (test/e2e/lib.sh) with three SMTP listeners that differ only
# in smtpd_milters: none, bouncemilter on a UNIX socket, bouncemilter on
# an inet socket (two milter processes side by side), so no reload sits
# between variants and rounds can be interleaved. Mail is thrown away by
# the discard transport after the milter. pfbench_run sends N messages
# with smtp-source and records wall time and the CPU time of Postfix (the
# master, its reaped children and its live ones), of each milter and of
# smtp-source; pfbench_report prints the median round of each.
#
# Set TOP (the source tree) and BIN (bouncemilter) first; S is the number
# of SMTP sessions (default 10). With BIN_B set (another bouncemilter, a
# baseline), a fourth listener, variant "unixb", has that one on a UNIX
# socket, so two builds are compared in interleaved rounds of one run;
# PFB_B_NAME names it in the report (default BIN_B).
# Needs root and Postfix: pfbench_missing says what is missing.

PFB_INET_PID=""
PFB_B_PID=""

pfbench_missing() {
	[ "$(id -u)" = 0 ] || { echo "root"; return 0; }
	for c in postfix smtp-source python3; do
		command -v $c >/dev/null || { echo "$c"; return 0; }
	done
	return 1
}

pfbench_down() {
	[ -z "$PFB_INET_PID" ] || { kill -9 "$PFB_INET_PID" 2>/dev/null; wait "$PFB_INET_PID" 2>/dev/null; }
	[ -z "$PFB_B_PID" ] || { kill -9 "$PFB_B_PID" 2>/dev/null; wait "$PFB_B_PID" 2>/dev/null; }
	PFB_INET_PID="" PFB_B_PID=""
	e2e_down
}

pfbench_up() {
	. "$TOP/test/e2e/lib.sh"
	E2E_QUIET=1
	e2e_up "$TOP" "$BIN" || return 1
	PFB_M=$E2E/milter
	PFB_RESULTS=$E2E/results
	: > "$PFB_RESULTS"

	# The second milter, on TCP, with its own config, pid file, EventLog.
	PFB_TCP=$(e2e_free_port)
	E2E_MILTER_SOCKET="inet:$PFB_TCP@127.0.0.1" e2e_milter_conf
	sed "s|$PFB_M/events.jsonl|$PFB_M/inet-events.jsonl|" "$PFB_M/bouncemilter.conf" \
	    > "$PFB_M/inet.conf"
	e2e_milter_conf
	"$BIN" -f -d 1 -c "$PFB_M/inet.conf" -P "$PFB_M/inet.pid" >>"$PFB_M/inet.log" 2>&1 &
	PFB_INET_PID=$!
	pfbench_started inet || return 1
	PFB_VARIANTS="none unix inet"
	if [ -n "${BIN_B:-}" ]; then
		sed -e "s|$PFB_M/events.jsonl|$PFB_M/b-events.jsonl|" \
		    -e "s|$PFB_M/bouncemilter.sock|$PFB_M/b.sock|" "$PFB_M/bouncemilter.conf" \
		    > "$PFB_M/b.conf"
		"$BIN_B" -f -d 1 -c "$PFB_M/b.conf" -P "$PFB_M/b.pid" >>"$PFB_M/b.log" 2>&1 &
		PFB_B_PID=$!
		pfbench_started b || return 1
		PFB_VARIANTS="none unix inet unixb"
	fi

	# lib.sh's listener gets no milter; two more get one each.
	PFB_PORT_none=$E2E_PORT
	PFB_PORT_unix=$(e2e_free_port)
	PFB_PORT_inet=$(e2e_free_port)
	cat >> "$E2E/postfix/master.cf" <<CF
127.0.0.1:$PFB_PORT_unix inet n    -      n      -      -       smtpd -o smtpd_milters=unix:$PFB_M/bouncemilter.sock
127.0.0.1:$PFB_PORT_inet inet n    -      n      -      -       smtpd -o smtpd_milters=inet:127.0.0.1:$PFB_TCP
CF
	if [ -n "$PFB_B_PID" ]; then
		PFB_PORT_unixb=$(e2e_free_port)
		echo "127.0.0.1:$PFB_PORT_unixb inet n    -      n      -      -       smtpd" \
		    "-o smtpd_milters=unix:$PFB_M/b.sock" >> "$E2E/postfix/master.cf"
	fi
	# Big messages are measured too: 100 MB instead of 10.
	postconf -c "$E2E/postfix" -e 'virtual_transport = discard' 'smtpd_milters =' \
	    'non_smtpd_milters =' 'message_size_limit = 104857600'
	postfix -c "$E2E/postfix" reload >/dev/null 2>&1
	for v in $PFB_VARIANTS; do
		eval e2e_wait_port \"\$PFB_PORT_$v\" || return 1
	done
	sleep 1
	# Warm-up, not counted: every listener's processes started.
	for v in $PFB_VARIANTS; do
		eval p=\$PFB_PORT_$v
		smtp-source -4 -d -s "${S:-10}" -m 200 -t sink@e2e.test -M client.e2e.test \
		    -f sender@example.org -l 1024 "127.0.0.1:$p"
	done
	pfbench_queue_empty
}

# pfbench_started NAME: wait for the pid file of milter NAME (inet, b).
pfbench_started() {
	i=0
	while [ ! -s "$PFB_M/$1.pid" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || { echo "$1 milter did not start:" >&2; cat "$PFB_M/$1.log" >&2; return 1; }
		sleep 0.05
	done
}

# Clock ticks used so far: "Postfix unix-milter inet-milter b-milter".
pfbench_cpu() {
	python3 - "$(tr -d ' ' < "$E2E/spool/pid/master.pid")" "$E2E_MILTER_PID" \
	    "$PFB_INET_PID" "${PFB_B_PID:-0}" <<'PY'
import os, sys
master, milters = sys.argv[1], sys.argv[2:]
def fields(pid):
    try:
        with open("/proc/%s/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    return s[s.rindex(")") + 2:].split()    # [1] ppid, [11..14] times
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

pfbench_queue_empty() {
	i=0
	while [ -n "$(find "$E2E/spool/incoming" "$E2E/spool/active" "$E2E/spool/deferred" \
	    -type f 2>/dev/null | head -n 1)" ]; do
		i=$((i + 1))
		[ $i -le 3000 ] || return 1
		sleep 0.02
	done
}

pfbench_lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }

# pfbench_events: EventLog lines written by all milters so far.
pfbench_events() {
	echo $(( $(pfbench_lines "$PFB_M/events.jsonl") + \
	    $(pfbench_lines "$PFB_M/inet-events.jsonl") + $(pfbench_lines "$PFB_M/b-events.jsonl") ))
}

# pfbench_run KIND VARIANT N BYTES [smtp-source options]: send N messages
# (BYTES each, 0 if not known) through the listener of VARIANT (none,
# unix, inet, unixb); one record in $PFB_RESULTS: kind, variant, n,
# bytes, start, end, Postfix ticks, the variant's milter ticks,
# smtp-source user and system seconds, messages diagnosed. Give -d to
# send them all over each session's one connection; without it every
# message comes on a new SMTP connection (and so a new milter one).
pfbench_run() {
	kind=$1 variant=$2 n=$3 bytes=$4; shift 4
	eval port=\$PFB_PORT_$variant
	ev0=$(pfbench_events)
	set -- $(pfbench_cpu) "$@"
	c0=$1 u0=$2 i0=$3 b0=$4; shift 4
	t0=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$E2E/time" smtp-source -4 -s "${S:-10}" -m "$n" \
	    -t sink@e2e.test -M client.e2e.test "$@" "127.0.0.1:$port"
	t1=$(date +%s.%N)
	pfbench_queue_empty || echo "warning: queue not empty after the run" >&2
	set -- $(pfbench_cpu)
	case $variant in
	unix)	m=$(($2 - u0)) ;;
	inet)	m=$(($3 - i0)) ;;
	unixb)	m=$(($4 - b0)) ;;
	*)	m=0 ;;
	esac
	echo "$kind $variant $n $bytes $t0 $t1 $(($1 - c0)) $m" \
	    "$(cat "$E2E/time") $(( $(pfbench_events) - ev0 ))" >> "$PFB_RESULTS"
}

# The median round of each kind and variant, in the order first run;
# ratios against the same kind without milter. With COUNT_DIAGNOSED=1,
# how many messages the milter diagnosed (bounces only).
pfbench_report() {
	awk -v hz="$(getconf CLK_TCK)" -v diag="${COUNT_DIAGNOSED:-0}" -v bname="${PFB_B_NAME:-BIN_B}" '
	function median(a, k,   i, j, t) {
		for (i = 2; i <= k; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return a[int((k + 1) / 2)]
	}
	{
		key = $1 " " $2
		if (!(key in cnt)) { keys[++nk] = key }
		c = ++cnt[key]
		n = $3
		rate[key, c] = n / ($6 - $5)
		mbs[key, c] = $4 * n / ($6 - $5) / 1e6
		pf[key, c] = $7 * 1000 / hz / n
		ml[key, c] = $8 * 1000 / hz / n
		src[key, c] = ($9 + $10) * 1000 / n
		seen[key] += $11
		sent[key] += n
		bytes[key] = $4
	}
	END {
		printf "  %-38s %8s %7s %8s   %s\n", "", "msg/s", "ratio", "MB/s",
		    "CPU ms/msg: Postfix  milter  smtp-source"
		for (k = 1; k <= nk; k++) {
			key = keys[k]
			split(key, kv, " ")
			for (i = 1; i <= cnt[key]; i++) {
				r[i] = rate[key, i]; b[i] = mbs[key, i]
				p[i] = pf[key, i]; m[i] = ml[key, i]; s[i] = src[key, i]
			}
			mr = median(r, cnt[key])
			if (kv[2] == "none")
				base[kv[1]] = mr
			label = kv[1]
			sub(/-/, " ", label)
			label = label ", " (kv[2] == "none" ? "no milter" : \
			    kv[2] == "unix" ? "unix socket" : kv[2] == "inet" ? "inet socket" : \
			    "unix socket, " bname)
			ratio = 0
			if (kv[1] in base)
				ratio = 100 * mr / base[kv[1]]
			mb = "-"
			if (bytes[key] > 0)
				mb = sprintf("%.1f", median(b, cnt[key]))
			printf "  %-38s %8.1f %6.0f%% %8s   %18.3f %7.3f %12.3f", label, mr,
			    ratio, mb, median(p, cnt[key]), median(m, cnt[key]), median(s, cnt[key])
			if (diag && kv[2] != "none")
				printf "   diagnosed %d of %d", seen[key], sent[key]
			printf "\n"
		}
	}' "$PFB_RESULTS"
}

pfbench_memory() {
	for v in "unix $E2E_MILTER_PID" "inet $PFB_INET_PID" ${PFB_B_PID:+"${PFB_B_NAME:-BIN_B} $PFB_B_PID"}; do
		set -- $v
		ps -o rss=,nlwp= -p "$2" 2>/dev/null |
		    awk -v l="$1" '{ printf "  milter on %s socket: %d KB resident, %d threads\n", l, $1, $2 }'
	done
}
