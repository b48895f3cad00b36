# test/bench/suite.mk - `make bench [CORPUS=DIR]`: figures, not assertions.
# Not part of `make check`. bench.sh: bouncediag and Sisimai; milter.sh:
# what the milter costs a private Postfix; growth.sh: cost by bounce size.
# The last two need root and Postfix and say so when they are missing.
# `make bench-rulesdb [DIAG=FILE] [EACH=-p]`: the classification scan
# alone (rulesdb.c), over the diagnostics of the golden fixtures or of
# FILE (one a line); EACH=-p adds what each pattern costs (minutes).

bench: all
	@command -v bc >/dev/null || { echo "bench: needs bc (apt-get install bc)" >&2; exit 1; }
	@sh test/bench/bench.sh $(BOUNCEDIAG) rules $(CORPUS)
	@sh test/bench/milter.sh $(BUILD)
	@sh test/bench/growth.sh $(BUILD)

$(BUILD)/test/bench/rulesdb: $(BUILD)/test/bench/rulesdb.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_ALL)

-include $(BUILD)/test/bench/rulesdb.d

bench-rulesdb: $(BUILD)/test/bench/rulesdb $(BOUNCEDIAG)
	@$(BOUNCEDIAG) --rules rules --json test/golden/fixtures | python3 -c \
	    'import json, sys; [print(r["diagnostic"].replace("\n", " ")) for l in sys.stdin for r in json.loads(l)["recipients"] if r["diagnostic"]]' \
	    > $(BUILD)/test/bench/diag.txt
	@$(BUILD)/test/bench/rulesdb $(EACH) rules $(or $(DIAG),$(BUILD)/test/bench/diag.txt)

.PHONY: bench-rulesdb
