#!/bin/sh
# run.sh BUILD - the miltertest suite of bouncemilter.
#
# Starts bouncemilter (from BUILD) on private sockets in a temporary
# folder, once per configuration, runs the Lua scripts next to this file
# against it, and stops every process it started, also on failure.
set -u
BUILD=${1:?usage: run.sh BUILD}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN=$TOP/$BUILD/bouncemilter
T=$(mktemp -d /tmp/bouncemilter-mt.XXXXXX)
PIDS=""
FAILED=0
export LSAN_OPTIONS="suppressions=$HERE/lsan.supp:print_suppressions=0"

cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# conf NAME [lines...]: a config with the test defaults plus lines.
conf() {
	name=$1; shift
	{
		echo "RulesDir $TOP/rules"
		echo "Syslog no"
		echo "EventLog $T/$name.events"
		for l in "$@"; do echo "$l"; done
	} > "$T/$name.conf"
}

# start NAME SOCKET: run the milter with NAME.conf; sets MILTER_PID.
start() {
	"$BIN" -f -d 2 -c "$T/$1.conf" -p "$2" -P "$T/$1.pid" 2>>"$T/$1.log" &
	MILTER_PID=$!
	PIDS="$PIDS $MILTER_PID"
	i=0
	while [ ! -s "$T/$1.pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$T/$1.pid" ] || { echo "FAIL: milter $1 did not start"; cat "$T/$1.log"; exit 1; }
}

stop() {
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# The way an admin stops it: so that a
# sanitizer build gets to report leaks at exit.
stop_gracefully() {
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	stop "$1"
}

# mt NAME SCRIPT SOCKET [-D x=y ...]
mt() {
	name=$1 script=$2 sock=$3; shift 3
	if miltertest -D "sock=$sock" -D "lib=$HERE/lib.lua" -D "fixtures=$HERE/fixtures" \
	    -D "tmp=$T" "$@" -s "$HERE/$script" > "$T/out" 2>&1; then
		sed 's/^/  /' "$T/out"
	else
		sed 's/^/  /' "$T/out"
		echo "FAIL: $script ($name); milter log:"
		tail -n 30 "$T/$name.log" | sed 's/^/    /'
		FAILED=1
	fi
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

echo "  milter: $BIN"
conf base "MaxConnections 60"
start base "unix:$T/base.sock"
for s in dsn.lua forged.lua failopen.lua close.lua; do
	mt base $s "unix:$T/base.sock"
done
# A raw client that sends junk instead of the protocol, then hangs up.
python3 - "$T/base.sock" <<'PY' || { echo "FAIL: raw junk client"; FAILED=1; }
import socket, sys
for junk in (b"", b"\0\0\0\5Ogarbage", b"\xff" * 70000, b"\0\0\0\1Q"):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(junk)
    s.close()
PY
# Many short connections: served by a bounded pool of reused threads.
python3 "$HERE/conns.py" "$T/base.sock" "$MILTER_PID" 60 || FAILED=1
grep -q 'more than 60 MTA connections at once (MaxConnections)' "$T/base.log" &&
	echo "  PASS: refusing beyond MaxConnections is logged" ||
	{ echo "FAIL: no warning about MaxConnections"; FAILED=1; }
mt base dsn.lua "unix:$T/base.sock"
grep -q '"queue_id":"4TESTQID"' "$T/base.events" &&
	echo "  PASS: EventLog has JSON lines with the queue id" ||
	{ echo "FAIL: EventLog"; FAILED=1; }
# A second instance on the socket of a live one is refused (exit 69).
"$BIN" -f -c "$T/base.conf" -p "unix:$T/base.sock" -P "$T/second.pid" 2>"$T/second.log"
rc=$?
if [ $rc = 69 ] && grep -q 'in use by another process' "$T/second.log"; then
	echo "  PASS: a live instance's socket is not taken over"
else
	echo "FAIL: second instance on a live socket: exit $rc"; cat "$T/second.log"; FAILED=1
fi
stop_gracefully $MILTER_PID
[ -f "$T/base.pid" ] && { echo "FAIL: pid file left after SIGTERM"; FAILED=1; }
[ -e "$T/base.sock" ] && { echo "FAIL: socket file left after SIGTERM"; FAILED=1; }
# A socket left by a killed instance is replaced.
start base "unix:$T/base.sock"
stop $MILTER_PID
start base "unix:$T/base.sock"
mt base dsn.lua "unix:$T/base.sock"
stop $MILTER_PID

# The same over TCP.
port=$(free_port)
start base "inet:$port@127.0.0.1"
mt base dsn.lua "inet:$port@127.0.0.1"
mt base forged.lua "inet:$port@127.0.0.1"
stop $MILTER_PID

# And IPv6, where the loopback has it.
if ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
	port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0)); print(s.getsockname()[1])')
	start base "inet6:$port@[::1]"
	# miltertest cannot speak IPv6: negotiate by hand (SMFIC_OPTNEG, v6).
	if python3 - "$port" <<'PY'; then
import socket, struct, sys
s = socket.create_connection(("::1", int(sys.argv[1])), 5)
body = b"O" + struct.pack("!III", 6, 0x1ff, 0x1fffff)
s.sendall(struct.pack("!I", len(body)) + body)
def take(n):
    b = b""
    while len(b) < n:
        more = s.recv(n - len(b))
        if not more:
            break
        b += more
    return b
n = struct.unpack("!I", take(4))[0]
reply = take(n)
# version, actions, steps (and macro lists, which a filter may add)
sys.exit(0 if reply[:1] == b"O" and len(reply) >= 13 else 1)
PY
		echo "  PASS: option negotiation over inet6:$port@[::1]"
	else
		echo "FAIL: no negotiation over IPv6"; FAILED=1
	fi
	stop $MILTER_PID
fi

for action in tag redirect copy quarantine discard; do
	case $action in
	redirect|copy) conf route-$action "Route * $action bounces@example.com" ;;
	*) conf route-$action "Route * $action" ;;
	esac
	start route-$action "unix:$T/route-$action.sock"
	mt route-$action route.lua "unix:$T/route-$action.sock" -D "action=$action"
	stop $MILTER_PID
done

for mode in annotate log; do
	conf mode-$mode "Mode $mode" "Route * discard"
	start mode-$mode "unix:$T/mode-$mode.sock"
	mt mode-$mode mode.lua "unix:$T/mode-$mode.sock" -D "mode=$mode"
	stop $MILTER_PID
done
grep -q '"kind":"dsn"' "$T/mode-log.events" && echo "  PASS: Mode log still writes the EventLog" ||
	{ echo "FAIL: Mode log: no EventLog line"; FAILED=1; }

conf small "MaxScanBytes 64K"
start small "unix:$T/small.sock"
mt small maxscan.lua "unix:$T/small.sock"
stop $MILTER_PID

# Reload: a good new config takes effect, a bad one is refused.
conf reload
start reload "unix:$T/reload.sock"
mt reload reload.lua "unix:$T/reload.sock" -D prefix=X-Bounce-
# reload PATTERN: SIGUSR1, then wait for the log line it leads to.
reload() {
	n=$(grep -c "$1" "$T/reload.log")
	kill -USR1 $MILTER_PID
	i=0
	while [ "$(grep -c "$1" "$T/reload.log")" = "$n" ] && [ $i -lt 300 ]; do
		sleep 0.05; i=$((i + 1))
	done
}
conf reload "HeaderPrefix X-Diag-"
reload 'reloaded'
mt reload reload.lua "unix:$T/reload.sock" -D prefix=X-Diag-
conf reload "HeaderPrefix X-Other-" "NoSuchKey 1"
reload 'reload refused'
mt reload reload.lua "unix:$T/reload.sock" -D prefix=X-Diag-
if grep -q 'reload refused.*reload.conf:5: unknown key "NoSuchKey"' "$T/reload.log"; then
	echo "  PASS: bad config refused on reload, logged with file:line"
else
	echo "FAIL: no refusal logged"; cat "$T/reload.log"; FAILED=1
fi
stop_gracefully $MILTER_PID

# A sanitizer build reports into the logs.
if grep -l 'AddressSanitizer\|LeakSanitizer\|runtime error' "$T"/*.log 2>/dev/null; then
	echo "FAIL: sanitizer reports:"
	grep -h -A 30 'AddressSanitizer\|LeakSanitizer\|runtime error' "$T"/*.log | head -n 80
	FAILED=1
fi
exit $FAILED
