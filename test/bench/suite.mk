# test/bench/suite.mk - `make bench [CORPUS=DIR]`: figures, not assertions.
# Not part of `make check`.

bench: all
	@command -v bc >/dev/null || { echo "bench: needs bc (apt-get install bc)" >&2; exit 1; }
	@sh test/bench/bench.sh $(BOUNCEDIAG) rules $(CORPUS)
	@if [ -f test/bench/milter.sh ]; then sh test/bench/milter.sh $(BUILD); fi
