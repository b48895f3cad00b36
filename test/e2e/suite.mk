# test/e2e/suite.mk - bouncemilter in a private Postfix on loopback.
#
# run.sh starts its own Postfix instance (config, queue and Maildirs in a
# temporary folder, a free 127.0.0.1 port) and the milter, sends bounces
# through them and stops both, also on failure. Needs root; skipped
# otherwise. sendmail.sh runs the milter in a real Sendmail unpacked from
# Debian's packages (skipped when they cannot be downloaded). Plain build only: sanitizers add nothing a private MTA sees
# that the miltertest suite does not.

e2e-tests: $(BUILD)/bouncemilter
	@echo "  E2E     test/e2e (private Postfix)"
	@sh test/e2e/run.sh $(BUILD)
	@echo "  E2E     test/e2e/sendmail.sh (real Sendmail, unpacked)"
	@sh test/e2e/sendmail.sh $(BUILD)
	@echo "  E2E     systemd unit"
	@sh test/e2e/systemd.sh $(BUILD)

CHECK_SUITES += e2e-tests
