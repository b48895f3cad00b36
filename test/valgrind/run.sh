#!/bin/sh
# run.sh BOUNCEDIAG - valgrind memcheck over bouncediag: every golden and
# milter fixture in one process, then every hostile message of
# test/hostile/gen.py (written to a temporary folder) in another, with
# the default limits. Any memcheck error or any definitely or indirectly
# lost block fails the run; the log is kept and its path printed.
#
# Suppressions: system.supp (system-library false positives and one-time
# set-up, one comment each) and pending.supp (bugs reported, not fixed:
# printed on every run that uses them).
set -eu

BIN=${1:?usage: run.sh BOUNCEDIAG}
HERE=$(dirname "$0")
RULES=${RULES:-rules}
command -v valgrind >/dev/null || { echo "valgrind: not installed (make deps)" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/bouncevalgrind.XXXXXX")
keep=0
cleanup() { [ "$keep" = 1 ] || rm -rf "$T"; }
trap cleanup EXIT INT TERM

start=$(date +%s)
python3 "$HERE/../hostile/gen.py" "$T/hostile" >/dev/null

failed=0
nmsg=0
# memcheck NAME FILE...: one valgrind run over the files.
memcheck() {
	name=$1; shift
	log="$T/$name.log"
	n=$#
	nmsg=$((nmsg + n))
	t0=$(date +%s)
	if valgrind -v --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect \
	    --show-leak-kinds=definite,indirect --num-callers=40 \
	    --suppressions="$HERE/system.supp" --suppressions="$HERE/pending.supp" \
	    --log-file="$log" "$BIN" --json --rules "$RULES" "$@" >"$T/$name.out" 2>"$T/$name.err"; then
		echo "  valgrind $name: $n messages, clean ($(( $(date +%s) - t0 )) s)"
	else
		rc=$?
		echo "  valgrind $name: FAILED (exit $rc); log: $log"
		grep -v "^--" "$log" | grep -v "^==[0-9]*== *$" | head -100 | sed 's/^/    /'
		failed=1
		keep=1
	fi
	# Pending suppressions used: the bug is still there; say so.
	grep -E 'used_suppression: +[0-9]+ pending-' "$log" 2>/dev/null |
	    sed 's/.*used_suppression: *\([0-9]*\) \([^ ]*\).*/  pending: \2 suppressed \1 time(s) (reported bug, see test\/valgrind\/pending.supp)/' | sort -u
	return 0
}

# shellcheck disable=SC2046
memcheck fixtures $(ls test/golden/fixtures/*.eml test/milter/fixtures/*.eml)
# shellcheck disable=SC2046
memcheck hostile $(ls "$T"/hostile/*.eml)

secs=$(( $(date +%s) - start ))
if [ "$failed" = 1 ]; then
	echo "valgrind: FAILED; logs kept in $T ($secs s)"
	exit 1
fi
echo "valgrind: $nmsg messages, no errors, no leaks ($secs s)"
