# test/valgrind/suite.mk - valgrind memcheck over bouncediag on every
# fixture and every hostile message (test/valgrind/run.sh). Plain build
# only: valgrind and the sanitizers do not mix.

valgrind-tests: $(BOUNCEDIAG)
	@echo "  VALGRIND $(BOUNCEDIAG)"
	@sh test/valgrind/run.sh $(BOUNCEDIAG)

CHECK_SUITES += valgrind-tests
