# milter/milter.mk - bouncemilter, the daemon; included by the top Makefile.
#
# The daemon links libbounce; it speaks the milter protocol itself
# (milter/wire.c, session.c, server.c), without libmilter.

MILTER_SRC   = $(wildcard milter/*.c)
MILTER_OBJ   = $(MILTER_SRC:%.c=$(BUILD)/%.o)
BOUNCEMILTER = $(BUILD)/bouncemilter

PROGRAMS += $(BOUNCEMILTER)

$(BOUNCEMILTER): $(MILTER_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(MILTER_OBJ) $(LIB) $(LDLIBS_ALL)

$(BUILD)/milter/main.o: ALL_CFLAGS += -DBOUNCEMILTER_CONF='"$(SYSCONFDIR)/bouncemilter.conf"'

-include $(MILTER_OBJ:.o=.d)

install: install-milter
install-milter: $(BOUNCEMILTER)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DATADIR)/examples
	install -m 0755 $(BOUNCEMILTER) $(DESTDIR)$(SBINDIR)/bouncemilter
	install -m 0644 milter/bouncemilter.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 milter/bouncemilter.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 conf/bouncemilter.conf conf/postfix-main.cf conf/sendmail.mc \
		conf/bouncemilter.sieve conf/procmailrc systemd/bouncemilter.service \
		$(DESTDIR)$(DATADIR)/examples/

# make demo: a private Postfix and the milter on loopback, a few bounces
# through them, their X-Bounce-* headers shown; everything stopped after.
demo: deps
	@$(MAKE) --no-print-directory all
	@sh test/demo/demo.sh $(BUILD)

.PHONY: install-milter demo
