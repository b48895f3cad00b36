# test/hostile/suite.mk - hostile and broken messages through bouncediag.
#
# test/hostile/gen.py makes the messages in a temporary folder at test
# time (some are tens of megabytes: never committed); run.py checks each
# outcome (clean result or clean truncation, valid JSON, no control
# characters), time and peak memory under generous bounds. The sanitizer
# build runs the small cases only, with wider bounds.
#
#   make hostile-tests
#   python3 test/hostile/run.py --bouncediag build/bouncediag --rules rules --only nul-bytes

hostile-tests: $(BOUNCEDIAG)
	@echo "  HOSTILE test/hostile$(if $(filter 1,$(SAN)), (small cases))"
	@python3 test/hostile/run.py --bouncediag $(BOUNCEDIAG) --rules rules \
		$(if $(filter 1,$(SAN)),--small --san)

CHECK_SUITES += hostile-tests
SAN_SUITES   += hostile-tests
