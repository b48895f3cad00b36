# test/fuzz/suite.mk - libFuzzer targets (clang, ASan + UBSan + libFuzzer).
#
#   make fuzz                 build every target, replay the regressions,
#                             fuzz each for FUZZ_SECONDS (default 60)
#   make fuzz-tests           the same with FUZZ_CHECK_SECONDS (default 30),
#                             as `make check` runs it
#   make fuzz FUZZ_TARGETS="parse dsn" FUZZ_SECONDS=600
#
# The engine and the two milter files under test are compiled again with
# clang into $(BUILD)-fuzz/ (never into the gcc build folders) by a
# nested make of the top Makefile with CC=clang and the fuzzer flags.
# test/fuzz/run.py makes each target's seed corpus from the project's
# fixtures, rules and configuration in a temporary folder, replays
# test/fuzz/regressions/<target>/* (except those listed in
# test/fuzz/regressions/pending), then fuzzes. Any crash, leak, timeout
# (-timeout=10) or sanitizer report fails the run; the input is kept and
# its path printed.

FUZZ_BUILD         = $(BUILD)-fuzz
FUZZ_CC            = clang
FUZZ_SEC_FLAGS     = -fsanitize=address,undefined -fno-sanitize-recover=all \
                     -fno-omit-frame-pointer
FUZZ_CFLAGS        = -O1 -g $(FUZZ_SEC_FLAGS) -fsanitize=fuzzer-no-link
FUZZ_TARGETS      ?= parse dsn diag header rules config sniff session
FUZZ_SECONDS      ?= 60
FUZZ_CHECK_SECONDS ?= 30
FUZZ_BINS          = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz/fuzz_%)
FUZZ_LIBS          = $(FUZZ_BUILD)/libbounce.a
# Every milter object but main.o: fuzz_session runs whole sessions.
FUZZ_MILTER_OBJ    = $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(filter-out milter/main.c,$(wildcard milter/*.c)))

# The nested make decides what is out of date; clang's warnings differ
# from gcc's, so they are shown but do not stop a fuzz build.
$(FUZZ_LIBS) $(FUZZ_MILTER_OBJ): FORCE
	@$(MAKE) -s --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) SAN= \
		CFLAGS="$(FUZZ_CFLAGS)" WARN="$(WARN) -Wno-error" $@

$(FUZZ_BUILD)/fuzz/check.o: test/fuzz/check.c test/fuzz/fuzz.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz/fuzz_%: test/fuzz/fuzz_%.c $(FUZZ_BUILD)/fuzz/check.o $(FUZZ_LIBS) \
		$(FUZZ_MILTER_OBJ) test/fuzz/fuzz.h
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_BUILD)/fuzz/check.o $(FUZZ_MILTER_OBJ) $(FUZZ_LIBS) $(LDLIBS_ALL)

fuzz-build: $(FUZZ_BINS)

FUZZ_RUN = python3 test/fuzz/run.py --bin $(FUZZ_BUILD)/fuzz --targets "$(FUZZ_TARGETS)"

fuzz: fuzz-build
	@$(FUZZ_RUN) --seconds $(FUZZ_SECONDS)

fuzz-tests: fuzz-build
	@echo "  FUZZ    test/fuzz ($(FUZZ_CHECK_SECONDS) s each)"
	@$(FUZZ_RUN) --seconds $(FUZZ_CHECK_SECONDS)

CHECK_SUITES += fuzz-tests

.PHONY: fuzz fuzz-build fuzz-tests
