# test/milter/suite.mk - the daemon against miltertest, and its command line.
#
# run.sh starts bouncemilter on private sockets in a temporary folder and
# drives it with the Lua scripts here (miltertest); cli.sh checks -n, -t
# and the exit codes. Both run in the plain and the sanitizer build.

milter-tests: $(BUILD)/bouncemilter
	@echo "  MILTER  test/milter (miltertest)"
	@sh test/milter/run.sh $(BUILD)
	@echo "  MILTER  test/milter/cli.sh"
	@sh test/milter/cli.sh $(BUILD)

CHECK_SUITES += milter-tests
SAN_SUITES   += milter-tests
