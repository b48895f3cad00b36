#!/bin/sh
# bench.sh BUILD [N] - throughput of a private Postfix with bouncemilter on
# a UNIX socket, on TCP, and without it (smtp-source, S=10 sessions
# reusing their connection, messages discarded after the milter). Not part
# of `make check`; run as root: sh test/e2e/bench.sh build [2000]
# BENCH_BIN=path runs another bouncemilter binary; ROUNDS=3 repeats.
set -u
BUILD=${1:?usage: bench.sh BUILD [N]}
N=${2:-2000}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"
trap 'e2e_down' EXIT
trap 'exit 1' INT TERM
E2E_QUIET=1

e2e_up "$TOP" "${BENCH_BIN:-$TOP/$BUILD/bouncemilter}" || exit 1
postconf -c "$E2E/postfix" -e 'virtual_transport = discard'
TCP_PORT=$(e2e_free_port)

# run LABEL MILTER [smtp-source options]
run() {
	label=$1 milter=$2; shift 2
	postconf -c "$E2E/postfix" -e "smtpd_milters = $milter"
	postfix -c "$E2E/postfix" reload >/dev/null 2>&1
	sleep 1.5
	t0=$(date +%s.%N)
	smtp-source -4 -d -s "${S:-10}" -m "$N" -t sink@e2e.test -M client.e2e.test "$@" \
	    "127.0.0.1:$E2E_PORT"
	t1=$(date +%s.%N)
	# The milter's resident memory and threads: must not grow run to run.
	mem=$(ps -o rss=,nlwp= -p "$E2E_MILTER_PID" 2>/dev/null | awk '{ printf "%6d KB %3d threads", $1, $2 }')
	awk -v l="$label" -v n="$N" -v a="$t0" -v b="$t1" -v m="$mem" \
	    'BEGIN { printf "%-44s %7.2fs %7.0f msg/s   milter: %s\n", l, b - a, n / (b - a), m }'
}

unix="unix:$E2E/milter/bouncemilter.sock"
echo "$N messages, ${S:-10} SMTP sessions, discarded after the milter"
for round in $(seq "${ROUNDS:-3}"); do
	run "ordinary mail, no milter" "" -f sender@example.org -l 1024
	run "ordinary mail, milter on unix socket" "$unix" -f sender@example.org -l 1024
	e2e_milter_kill
	E2E_MILTER_SOCKET="inet:$TCP_PORT@127.0.0.1" e2e_milter_conf
	e2e_milter_start || exit 1
	run "ordinary mail, milter on inet socket" "inet:127.0.0.1:$TCP_PORT" -f sender@example.org -l 1024
	run "Postfix DSN (null sender), milter on inet" "inet:127.0.0.1:$TCP_PORT" -f '' \
	    -F "$TOP/test/milter/fixtures/postfix-dsn.eml"
	e2e_milter_kill
	e2e_milter_conf
	e2e_milter_start || exit 1
	run "Postfix DSN (null sender), milter on unix" "$unix" -f '' \
	    -F "$TOP/test/milter/fixtures/postfix-dsn.eml"
	run "Postfix DSN (null sender), no milter" "" -f '' \
	    -F "$TOP/test/milter/fixtures/postfix-dsn.eml"
done
