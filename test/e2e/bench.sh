#!/bin/sh
# bench.sh BUILD [N] - kept for its old callers: the milter's cost on a
# private Postfix is measured by test/bench/milter.sh (see there).
HERE=$(cd "$(dirname "$0")" && pwd)
exec sh "$HERE/../bench/milter.sh" "$@"
