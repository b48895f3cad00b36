# test/cli/suite.mk - the bouncediag command: mbox, Maildir and folder
# walking, standard input, exit codes (0 read, 1 some unreadable, 2 usage).
# See test/cli/run.py. Runs in the plain and in the sanitizer build.

cli-tests: $(BOUNCEDIAG)
	@echo "  CLI     test/cli"
	@python3 test/cli/run.py --bouncediag $(BOUNCEDIAG) --rules rules

CHECK_SUITES += cli-tests
SAN_SUITES   += cli-tests
