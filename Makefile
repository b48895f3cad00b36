# bouncemilter - top-level build.
#
#   make              build libbounce, bouncediag and bouncemilter
#   make check        install build/test dependencies, build, run every test
#   make demo         install what it needs, run the milter on a private Postfix
#   make deps         apt-get the Debian packages the build and tests need
#   make install PREFIX=/usr/local DESTDIR=
#   make accuracy CORPUS=DIR LABELS=FILE
#   make bench [CORPUS=DIR]
#
# Objects go to $(BUILD) (default build/), so several builds (plain,
# sanitizers) can live side by side: make BUILD=build-asan SAN=1.

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
SBINDIR   = $(PREFIX)/sbin
DATADIR   = $(PREFIX)/share/bouncemilter
MANDIR    = $(PREFIX)/share/man
SYSCONFDIR ?= /etc

CC       ?= cc

# The compiled rule patterns are cached (see rules/README.md); builds and
# tests keep their cache in the build folder, not in $$HOME.
export BOUNCE_RULES_CACHE ?= $(CURDIR)/$(BUILD)/rules-cache
PKGS      = gmime-3.0 libhs jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Of GMime only the decoders are used (parser/mime.c). Its shared library
# needs gio, gpgme and eight more at every start, some 4 ms of a 14 ms
# start-up; its archive, where installed, brings only what those decoders
# call (glib, gobject, idn2).
GMIME_A   := $(wildcard $(shell pkg-config --variable=libdir gmime-3.0 2>/dev/null)/libgmime-3.0.a)
ifneq ($(GMIME_A),)
GMIME_LIBS := -Wl,-Bstatic -lgmime-3.0 -Wl,-Bdynamic \
              $(shell pkg-config --libs gobject-2.0 glib-2.0 libidn2 2>/dev/null)
else
GMIME_LIBS := $(shell pkg-config --libs gmime-3.0 2>/dev/null)
endif
PKG_LIBS   := $(GMIME_LIBS) $(shell pkg-config --libs libhs jansson 2>/dev/null) -lmagic

# bouncediag starts once per run, and loading and relocating seventeen
# shared libraries was most of its start-up: it links the static
# archives Debian ships for them (all built as PIC, so it stays a PIE),
# a group at a time and only when every archive of the group is
# installed; the shared libraries otherwise. The milter starts once and
# keeps the shared ones (GMime's archive aside, GMIME_LIBS above).
# $(call static_group,LIBS,SHARED): -l of LIBS
# from their archives, or SHARED when one is missing. DIAG_STATIC=0: the
# shared libraries always (a system whose archives are not PIC).
DIAG_STATIC ?= 1
LIBDIR    := $(shell pkg-config --variable=libdir glib-2.0 2>/dev/null)
all_archives = $(if $(strip $(foreach l,$(1),$(if $(wildcard $(LIBDIR)/lib$(l).a),,$(l)))),,y)
comma     := ,
static_group = $(if $(call all_archives,$(1)),-Wl$(comma)-Bstatic $(addprefix -l,$(1)) -Wl$(comma)-Bdynamic,$(2))
# Vectorscan is C++: its archive needs libstdc++'s, which is the
# compiler's, and then libgcc's unwinder (-static-libgcc).
STDCXX_A  := $(filter /%,$(shell $(CC) -print-file-name=libstdc++.a 2>/dev/null))
ifneq ($(and $(wildcard $(STDCXX_A)),$(call all_archives,hs)),)
DIAG_HS   := -Wl,-Bstatic -lhs -lstdc++ -Wl,-Bdynamic -static-libgcc
else
DIAG_HS   := $(shell pkg-config --libs libhs 2>/dev/null)
endif
# GMime's archive and glib's go together: one glib in the process.
ifneq ($(and $(GMIME_A),$(call all_archives,gobject-2.0 glib-2.0 ffi pcre2-8)),)
DIAG_GMIME := $(call static_group,gmime-3.0 gobject-2.0 glib-2.0 ffi pcre2-8,) \
              $(shell pkg-config --libs libidn2 2>/dev/null)
else
DIAG_GMIME := $(GMIME_LIBS)
endif
DIAG_LIBS := $(DIAG_GMIME) $(DIAG_HS) \
             $(call static_group,jansson,$(shell pkg-config --libs jansson 2>/dev/null)) \
             $(call static_group,magic lzma bz2 z,-lmagic) -lm -lpthread
ifeq ($(DIAG_STATIC),0)
DIAG_LIBS  = $(LDLIBS_ALL)
endif

WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wformat=2 -Wno-unused-parameter
# -fno-plt: calls into shared libraries (memchr, GMime, Vectorscan) go
# through the GOT, not a PLT stub: about 5 % of bouncediag's time.
OPT      ?= -O2 -g -fno-plt
CFLAGS   ?= $(OPT)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Iparser \
             -DBOUNCE_RULES_DIR='"$(DATADIR)/rules"'
LDLIBS_ALL = $(PKG_LIBS) -lpthread
# Link only what is used: gmime drags in gio, which start-up would load for nothing.
LDFLAGS   += -Wl,--as-needed

# SAN=1: AddressSanitizer + UndefinedBehaviorSanitizer build.
ifeq ($(SAN),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=address,undefined
endif

# libbounce: the engine (every .c under parser/ except the CLI).
LIB_SRC   = $(wildcard parser/*.c) $(wildcard parser/vendor/*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB       = $(BUILD)/libbounce.a

# Vendor modules register themselves by existing: the list is made
# from the file names, so adding a format is adding a file.
VENDOR_NAMES = $(sort $(basename $(notdir $(wildcard parser/vendor/*.c))))
VENDOR_LIST  = $(BUILD)/vendor_list.h

CLI_SRC   = $(wildcard parser/cli/*.c)
CLI_OBJ   = $(CLI_SRC:%.c=$(BUILD)/%.o)
BOUNCEDIAG = $(BUILD)/bouncediag

PROGRAMS  = $(BOUNCEDIAG)

all: programs

# The milter adds itself to PROGRAMS: include it before PROGRAMS is used
# (and after `all`, which stays the default goal).
-include milter/milter.mk

programs: $(PROGRAMS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BOUNCEDIAG): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(DIAG_LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -I$(BUILD) -MMD -MP -c -o $@ $<

$(VENDOR_LIST): FORCE
	@mkdir -p $(BUILD)
	@{ for v in $(VENDOR_NAMES); do echo "VENDOR($$v)"; done; } > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/parser/vendor.o: $(VENDOR_LIST)

# The rules folder and the config file's path are compiled in: the files
# that use them are rebuilt when PREFIX or SYSCONFDIR changes, so
# `make install PREFIX=...` after a plain `make` installs programs that
# look in the right places.
PATHS_STAMP = $(BUILD)/paths.stamp
$(PATHS_STAMP): FORCE
	@mkdir -p $(BUILD)
	@echo '$(DATADIR)/rules $(SYSCONFDIR)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/parser/cli/bouncediag.o $(BUILD)/milter/config.o $(BUILD)/milter/main.o: $(PATHS_STAMP)

FORCE:

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)

# The test suites keep their own rules next to their code.
-include test/test.mk

deps:
	@sh test/deps.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BOUNCEDIAG) $(DESTDIR)$(BINDIR)/bouncediag
	install -m 0644 rules/*.rules $(DESTDIR)$(DATADIR)/rules/
	install -m 0644 parser/cli/bouncediag.1 $(DESTDIR)$(MANDIR)/man1/

accuracy: $(BOUNCEDIAG)
	@test -n "$(CORPUS)" -a -n "$(LABELS)" || { echo "usage: make accuracy CORPUS=DIR LABELS=FILE" >&2; exit 2; }
	@python3 test/accuracy.py --bouncediag $(BOUNCEDIAG) --rules rules $(if $(V),-v) "$(CORPUS)" "$(LABELS)"

clean:
	rm -rf $(BUILD) build-*

.PHONY: all programs deps install accuracy clean check demo bench FORCE
