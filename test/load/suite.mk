# test/load/suite.mk - load and faults on a real Postfix.
#
# load.sh sends 5,000 messages (bounces of many kinds, some with forged
# X-Bounce-* fields, and ordinary mail) over 20 SMTP sessions through a
# private Postfix with bouncemilter attached, and checks every delivered
# message; faults.sh kills the milter mid-load (milter_default_action
# accept, then tempfail), reloads changed and broken rules mid-load, and
# starts it with a broken configuration. Both print their figures (peak
# RSS and threads of the milter, msg/s). Needs root (skipped otherwise);
# plain build only: the sanitizer builds run the milter under miltertest.

load-tests: $(BUILD)/bouncemilter
	@echo "  LOAD    test/load/load.sh (5,000 messages, 20 sessions, private Postfix)"
	@sh test/load/load.sh $(BUILD)
	@echo "  LOAD    test/load/faults.sh (kill -9, tempfail, reloads, broken config)"
	@sh test/load/faults.sh $(BUILD)

CHECK_SUITES += load-tests
