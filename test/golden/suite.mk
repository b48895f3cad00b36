# test/golden/suite.mk - golden tests: fixture messages with the facts a
# correct parse must give (NAME.expect) and, where present, the whole
# expected `bouncediag --json` output (NAME.json). See test/golden/run.py.
#
#   make golden-tests     run every fixture (plain and sanitizer build)
#   make golden-update    rewrite the .json files from current output;
#                         review the change with `git diff`. Limit it to
#                         some fixtures: GOLDEN_FIXTURES="a.eml b.eml"
#
# Facts the engine gets wrong today are marked `pending` in the .expect
# files (see run.py); they are listed in every run but do not fail it.

GOLDEN_RUN      = python3 test/golden/run.py --bouncediag $(BOUNCEDIAG) --rules rules
GOLDEN_FIXTURES ?= test/golden/fixtures

golden-tests: $(BOUNCEDIAG)
	@echo "  GOLDEN  test/golden/fixtures"
	@$(GOLDEN_RUN) test/golden/fixtures

golden-update: $(BOUNCEDIAG)
	@$(GOLDEN_RUN) --update $(GOLDEN_FIXTURES)

CHECK_SUITES += golden-tests
SAN_SUITES   += golden-tests

.PHONY: golden-update
