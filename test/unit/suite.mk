# test/unit/suite.mk - cmocka unit tests of the engine.
#
# Every test/unit/*_test.c is one cmocka program linked with libbounce;
# it may include engine.h for internal interfaces. They run in the plain
# and in the sanitizer build. Run one: make build/test/unit/dsn_test && ./build/test/unit/dsn_test

UNIT_SRC   = $(wildcard test/unit/*_test.c)
UNIT_BIN   = $(UNIT_SRC:%.c=$(BUILD)/%)

$(BUILD)/test/unit/%_test: $(BUILD)/test/unit/%_test.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_ALL) -lcmocka

-include $(UNIT_SRC:%.c=$(BUILD)/%.d)

unit-tests: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do \
		echo "  UNIT    $$t"; \
		BOUNCE_TEST_RULES=rules $$t >$$t.log 2>&1 || { cat $$t.log; echo "FAILED: $$t"; exit 1; }; \
		grep -E '^\[ *(PASSED|FAILED|SKIPPED) *\]' $$t.log | sed 's/^/          /'; \
	done

# The tests of reported, still open bugs (skipped in unit-tests).
unit-pending: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do BOUNCE_TEST_PENDING=1 BOUNCE_TEST_RULES=rules $$t; done

CHECK_SUITES += unit-tests
SAN_SUITES   += unit-tests
