# test/test.mk - `make check` and the test suites it runs.
#
# Each suite lives in its own folder with a .mk that appends its target
# to CHECK_SUITES (run in the plain build) and, if it is about engine
# code, to SAN_SUITES (run again under ASan + UBSan in build-asan/).

CHECK_SUITES :=
SAN_SUITES   :=

-include $(sort $(wildcard test/*/suite.mk))

# `make check` installs what it needs first, so it works on a new machine.
check: deps
	@$(MAKE) --no-print-directory check-plain
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT="-O1 -g" check-san
	@echo "check: all suites passed"

check-plain: all $(CHECK_SUITES)
check-san: all $(SAN_SUITES)

.PHONY: check check-plain check-san $(CHECK_SUITES) $(SAN_SUITES)
