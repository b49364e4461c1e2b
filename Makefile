# relayscope: one non-recursive Makefile.
#   make            build ./relayscope
#   make check      install test dependencies (as root), build, run every test
#   make demo       install dependencies, build, ingest samples/logs, show them
#   make bench      ingest speed against grep on a 10M-line generated log
#   make asan       sanitizer build ./relayscope-asan; make check-asan runs the tests on it
#   make install    PREFIX=/usr/local DESTDIR=
#   V=1 shows the commands; WERROR=1 adds -Werror; STATIC= links SQLite
#   and PCRE2 as shared libraries.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc

PKGS	 = sqlite3 libpcre2-8 yaml-0.1 zlib
CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	   -Wmissing-prototypes -Wwrite-strings -Wpointer-arith -Wvla
ifeq ($(WERROR),1)
WARN	+= -Werror
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# SQLite and PCRE2 are linked in when their static libraries are there
# (Debian's -dev packages ship them): calls into them and between their
# own functions are then direct, not through the shared library's tables,
# and a bulk ingest takes about 5% less CPU. STATIC= links both shared
# (then a library's security update needs no rebuild).
STATIC	?= sqlite3 pcre2-8
LIBDIRS	 = $(shell pkg-config --variable=libdir $(PKGS) 2>/dev/null)
PKG_LIBS := $(foreach l,$(PKG_LIBS),$(if $(and $(filter $(l:-l%=%),$(STATIC)),\
	    $(wildcard $(addsuffix /lib$(l:-l%=%).a,$(LIBDIRS)))),-l:lib$(l:-l%=%).a,$(l)))
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP
LDLIBS	= $(PKG_LIBS) -lm -pthread

ifneq ($(V),1)
Q = @
endif

SRCS	= $(wildcard common/*.c parser/*.c policy/*.c store/*.c cli/*.c)
OBJS	= $(SRCS:%.c=build/%.o)
AOBJS	= $(SRCS:%.c=build-asan/%.o)
LIBOBJS	= $(filter-out build/cli/%,$(OBJS))
UNIT	= $(patsubst tests/unit/%.c,build/tests/%,$(wildcard tests/unit/*.c))

all: relayscope

relayscope: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(LDLIBS)

build/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=undefined

asan: relayscope-asan

relayscope-asan: $(AOBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -o $@ $(AOBJS) $(LDLIBS)

build-asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (asan)"
	$(Q)$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

build/tests/%: tests/unit/%.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -I. -o $@ $< $(LIBOBJS) $(LDLIBS)

# The parser alone over a file in memory: its share of the ingest time.
build/bench/parsebench: bench/parsebench.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -I. -o $@ $< $(LIBOBJS) $(LDLIBS)

deps:
	@sh scripts/deps.sh build

deps-check:
	@sh scripts/deps.sh check

# The dependency check runs first, in its own make, so a fresh machine gets
# the compiler before anything is compiled.
check:
	@$(MAKE) --no-print-directory deps-check
	@$(MAKE) --no-print-directory relayscope units
	@sh tests/run.sh

check-asan:
	@$(MAKE) --no-print-directory deps-check
	@$(MAKE) --no-print-directory relayscope-asan units
	@RELAYSCOPE_BIN=./relayscope-asan sh tests/run.sh

units: $(UNIT)

check-layering:
	@! grep -lE '#include[[:space:]]*[<"](sqlite3|pcre2)\.h' tui/*.[ch] 2>/dev/null
	@! grep -lE '#include[[:space:]]*[<"]n?curses(w)?\.h' parser/* store/* policy/* 2>/dev/null
	@! grep -lE '#include[[:space:]]*[<"]sqlite3\.h' parser/* common/* 2>/dev/null
	@echo "layering ok"

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory relayscope
	@sh scripts/demo.sh

bench:
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory relayscope
	@$(MAKE) --no-print-directory build/bench/parsebench
	@sh bench/run.sh

install: relayscope
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(SYSCONFDIR)/relayscope
	install -m 755 relayscope $(DESTDIR)$(BINDIR)/relayscope
	install -m 644 man/relayscope.1 $(DESTDIR)$(MANDIR)/man1/relayscope.1
	[ -e $(DESTDIR)$(SYSCONFDIR)/relayscope/config.yaml ] || \
	    install -m 644 config.yaml $(DESTDIR)$(SYSCONFDIR)/relayscope/config.yaml

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/relayscope $(DESTDIR)$(MANDIR)/man1/relayscope.1

clean:
	rm -rf build build-asan relayscope relayscope-asan tests/tmp

.PHONY: all asan deps deps-check check check-asan units check-layering demo bench install uninstall clean

-include $(OBJS:.o=.d) $(AOBJS:.o=.d)
