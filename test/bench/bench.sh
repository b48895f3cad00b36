#!/bin/sh
# bench.sh - throughput of bouncediag, and of Sisimai on the same input.
#
# usage: test/bench/bench.sh BOUNCEDIAG RULES [CORPUS_DIR]
#
# Prints figures; asserts nothing. Inputs: the project's fixtures, the
# given corpus folder, and one mbox of at least 50 MB made by repeating
# the corpus (or the fixtures), so that start-up and steady state both
# show. Sisimai (Debian's libsisimai-perl) runs on the same mbox when it
# is installed; the ratio is one core against one core, and a second line
# gives bouncediag -j on every core.
set -eu

bd=$1 rules=$2 corpus=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

now() { date +%s.%N; }
cores=$(nproc)

# seconds for one run of "$@", output discarded
timed() {
	t0=$(now)
	"$@" >/dev/null 2>&1 || true
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}

# make an mbox of at least $2 bytes from the messages under $1
make_mbox() {
	src=$1 want=$2 out=$3
	: > "$out.one"
	find "$src" -type f -name '*.eml' | sort | while read -r f; do
		printf 'From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n' >> "$out.one"
		# mboxrd: quote body lines that look like separators
		sed -e 's/^\(>*From \)/>\1/' "$f" >> "$out.one"
		printf '\n' >> "$out.one"
	done
	: > "$out"
	size=0
	while [ "$size" -lt "$want" ]; do
		cat "$out.one" >> "$out"
		size=$(stat -c %s "$out")
	done
	rm -f "$out.one"
}

report() {
	label=$1 secs=$2 msgs=$3 bytes=$4
	awk -v l="$label" -v s="$secs" -v m="$msgs" -v b="$bytes" 'BEGIN {
		printf "  %-34s %8d msgs %8.1f MB %8.3f s %10.0f msg/s %8.1f MB/s\n",
		    l, m, b / 1e6, s, (s > 0 ? m / s : 0), (s > 0 ? b / 1e6 / s : 0) }'
}

count_msgs() { "$bd" --rules "$rules" --json "$@" 2>/dev/null | wc -l; }
bytes_of() { du -cb "$@" | tail -n 1 | cut -f1; }

echo "machine: $(nproc) cores, $(awk '/model name/ { sub(/.*: /, ""); print; exit }' /proc/cpuinfo)"
echo "bouncediag: $bd"

# seconds per run of "$@", as the mean of $1 runs between two clock
# readings: the date and bc around a single run cost as much as a run.
timed_each() {
	reps=$1; shift
	t0=$(now)
	k=0
	while [ "$k" -lt "$reps" ]; do
		"$@" >/dev/null 2>&1 || true
		k=$((k + 1))
	done
	t1=$(now)
	echo "($t1 - $t0) / $reps" | bc -l
}

# Start-up: the bare process (exec, shared libraries), then with the
# rules loaded and compiled (from the cache) and nothing to read.
: > "$work/empty.eml"
bare=999 empty=999
for _ in 1 2 3 4 5; do
	t=$(timed_each 20 "$bd" --version)
	bare=$(echo "if ($t < $bare) $t else $bare" | bc -l)
	t=$(timed_each 20 "$bd" --rules "$rules" --json "$work/empty.eml")
	empty=$(echo "if ($t < $empty) $t else $empty" | bc -l)
done
awk -v b="$bare" -v e="$empty" 'BEGIN {
	printf "start-up (mean of 20 runs, best of 5 rounds):\n"
	printf "  %-52s %6.1f ms\n", "process (--version: exec, shared libraries)", b * 1000
	printf "  %-52s %6.1f ms\n", "rules load + compile from the cache (empty - --version)", (e - b) * 1000
	printf "  %-52s %6.1f ms\n", "total (empty input)", e * 1000 }'

echo "throughput (whole process, best of 3):"
# run LABEL JOBS PATH...: bouncediag -j JOBS over the paths
run() {
	label=$1 jobs=$2; shift 2
	msgs=$(count_msgs "$@")
	bytes=$(bytes_of "$@")
	best=999
	for i in 1 2 3; do
		t=$(timed "$bd" --rules "$rules" --json -j "$jobs" "$@")
		best=$(echo "if ($t < $best) $t else $best" | bc -l)
	done
	report "$label" "$best" "$msgs" "$bytes"
	echo "$best" > "$work/last"
}

run "fixtures (test/golden/fixtures)" 1 test/golden/fixtures
src=test/golden/fixtures
if [ -n "$corpus" ]; then
	run "corpus ($corpus)" 1 "$corpus"
	src=$corpus
fi
make_mbox "$src" 52428800 "$work/big.mbox"
run "50 MB mbox of $(basename "$src")" 1 "$work/big.mbox"
ours=$(cat "$work/last")
sisimai=""

if perl -MSisimai -e 1 2>/dev/null; then
	ver=$(perl -MSisimai -e 'print $Sisimai::VERSION')
	cat > "$work/sisimai.pl" <<'PL'
use strict; use Sisimai;
my $n = 0;
for my $f (@ARGV) { my $v = Sisimai->make($f, 'delivered' => 1, 'vacation' => 1); $n += scalar @$v if $v; }
print "$n\n";
PL
	t0=$(now)
	n=$(perl "$work/sisimai.pl" "$work/big.mbox")
	t1=$(now)
	secs=$(echo "$t1 - $t0" | bc -l)
	sisimai=$secs
	msgs=$(count_msgs "$work/big.mbox")
	report "Sisimai $ver, same 50 MB mbox" "$secs" "$msgs" "$(bytes_of "$work/big.mbox")"
	echo "  (Sisimai reported $n recipients)"
	awk -v a="$secs" -v b="$ours" 'BEGIN { printf "bouncediag / Sisimai throughput: %.1fx, one core each (target: 50x)\n", a / b }'
else
	echo "Sisimai: not installed (apt-get install libsisimai-perl), no comparison"
fi

# The same mbox on every core (bouncediag -j; Sisimai stays on one).
if [ "$cores" -gt 1 ]; then
	run "same 50 MB mbox, -j $cores ($cores cores)" "$cores" "$work/big.mbox"
	par=$(cat "$work/last")
	awk -v a="$ours" -v b="$par" -v n="$cores" 'BEGIN {
		printf "bouncediag -j %d / -j 1: %.2fx on %d cores\n", n, a / b, n }'
	if [ -n "$sisimai" ]; then
		awk -v a="$sisimai" -v b="$par" -v n="$cores" 'BEGIN {
			printf "bouncediag -j %d / Sisimai: %.1fx (%d cores against Sisimai'"'"'s one)\n", n, a / b, n }'
	fi
fi
