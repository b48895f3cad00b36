#!/bin/sh
# bench.sh - throughput of bouncediag, and of Sisimai on the same input.
#
# usage: test/bench/bench.sh BOUNCEDIAG RULES [CORPUS_DIR]
#
# Prints figures; asserts nothing. Inputs: the project's fixtures, the
# given corpus folder, and one mbox of at least 50 MB made by repeating
# the corpus (or the fixtures), so that start-up and steady state both
# show. Sisimai (Debian's libsisimai-perl) runs on the same mbox when it
# is installed.
set -eu

bd=$1 rules=$2 corpus=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

now() { date +%s.%N; }

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

# Start-up: rules load and compile, with nothing to read.
: > "$work/empty.eml"
best=999
for i in 1 2 3 4 5 6 7 8 9 10; do
	t=$(timed "$bd" --rules "$rules" --json "$work/empty.eml")
	best=$(echo "if ($t < $best) $t else $best" | bc -l)
done
awk -v t="$best" 'BEGIN { printf "start-up (rules load + compile, empty input, best of 10): %.1f ms\n", t * 1000 }'

echo "throughput (whole process, best of 3):"
run() {
	label=$1; shift
	msgs=$(count_msgs "$@")
	bytes=$(bytes_of "$@")
	best=999
	for i in 1 2 3; do
		t=$(timed "$bd" --rules "$rules" --json "$@")
		best=$(echo "if ($t < $best) $t else $best" | bc -l)
	done
	report "$label" "$best" "$msgs" "$bytes"
	echo "$best" > "$work/last"
}

run "fixtures (test/golden/fixtures)" test/golden/fixtures
src=test/golden/fixtures
if [ -n "$corpus" ]; then
	run "corpus ($corpus)" "$corpus"
	src=$corpus
fi
make_mbox "$src" 52428800 "$work/big.mbox"
run "50 MB mbox of $(basename "$src")" "$work/big.mbox"
ours=$(cat "$work/last")

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
	msgs=$(count_msgs "$work/big.mbox")
	report "Sisimai $ver, same 50 MB mbox" "$secs" "$msgs" "$(bytes_of "$work/big.mbox")"
	echo "  (Sisimai reported $n recipients)"
	awk -v a="$secs" -v b="$ours" 'BEGIN { printf "bouncediag / Sisimai throughput: %.1fx (target: 50x)\n", a / b }'
else
	echo "Sisimai: not installed (apt-get install libsisimai-perl), no comparison"
fi
