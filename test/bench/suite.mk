# test/bench/suite.mk - `make bench [CORPUS=DIR]`: figures, not assertions.
# Not part of `make check`. bench.sh: bouncediag and Sisimai; milter.sh:
# what the milter costs a private Postfix; growth.sh: cost by bounce size.
# The last two need root and Postfix and say so when they are missing.

bench: all
	@command -v bc >/dev/null || { echo "bench: needs bc (apt-get install bc)" >&2; exit 1; }
	@sh test/bench/bench.sh $(BOUNCEDIAG) rules $(CORPUS)
	@sh test/bench/milter.sh $(BUILD)
	@sh test/bench/growth.sh $(BUILD)
