# test/milter/suite.mk - the daemon: unit tests of its plain-C parts,
# miltertest against the running daemon, and its command line.
#
# *_test.c here are cmocka programs linked with the milter's objects
# (all but main) and libbounce. run.sh starts
# bouncemilter on private sockets in a temporary folder and drives it
# with the Lua scripts here (miltertest); cli.sh checks -n, -t and the
# exit codes. All run in the plain and the sanitizer build.

MILTER_TEST_SRC = $(wildcard test/milter/*_test.c)
MILTER_TEST_BIN = $(MILTER_TEST_SRC:%.c=$(BUILD)/%)
MILTER_TEST_OBJ = $(filter-out $(BUILD)/milter/main.o,$(MILTER_OBJ))

$(BUILD)/test/milter/%.o: ALL_CFLAGS += -Imilter
.PRECIOUS: $(BUILD)/test/milter/%_test.o

$(BUILD)/test/milter/%_test: $(BUILD)/test/milter/%_test.o $(MILTER_TEST_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(MILTER_TEST_OBJ) $(LIB) $(LDLIBS_ALL) -lcmocka

-include $(MILTER_TEST_SRC:%.c=$(BUILD)/%.d)

milter-tests: $(BUILD)/bouncemilter $(MILTER_TEST_BIN)
	@set -e; for t in $(MILTER_TEST_BIN); do \
		echo "  UNIT    $$t"; \
		$$t >$$t.log 2>&1 || { cat $$t.log; echo "FAILED: $$t"; exit 1; }; \
		tail -n 1 $$t.log | sed 's/^/          /'; \
	done
	@echo "  MILTER  test/milter (miltertest)"
	@sh test/milter/run.sh $(BUILD)
	@echo "  MILTER  test/milter/cli.sh"
	@sh test/milter/cli.sh $(BUILD)

CHECK_SUITES += milter-tests
SAN_SUITES   += milter-tests
