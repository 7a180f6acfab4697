# keyport: build, install and uninstall.
#
#   make                               release binary in .build-release (static Swift runtime)
#   make install PREFIX=/usr/local     binary, man pages, bash/zsh/fish completions
#   make uninstall PREFIX=/usr/local   removes exactly what install wrote
#   make test                          scripts/dev test (build, whole suite, man pages current)
#   make man                           scripts/dev man (regenerate man/man1)
#
# DESTDIR stages an install for packaging (make install DESTDIR=pkgroot PREFIX=/usr).
# BUILD_DIR=DIR installs a keyport binary already built in DIR without building (the install test
# uses the debug build this way).

PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
INSTALL ?= install

RELEASE_SCRATCH := .build-release
RELEASE_DIR := $(RELEASE_SCRATCH)/release
BUILD_DIR ?= $(RELEASE_DIR)

BINDIR := $(DESTDIR)$(PREFIX)/bin
MANDIR := $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

MANPAGES := $(notdir $(wildcard man/man1/*.1))

.PHONY: all build install uninstall test man clean

all: build

build:
ifeq ($(BUILD_DIR),$(RELEASE_DIR))
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(RELEASE_SCRATCH)
else
	@test -x $(BUILD_DIR)/keyport || { echo "no keyport binary in $(BUILD_DIR)" >&2; exit 1; }
endif

install: build
	$(INSTALL) -d $(BINDIR) $(MANDIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	$(INSTALL) -m 0755 $(BUILD_DIR)/keyport $(BINDIR)/keyport
	$(INSTALL) -m 0644 $(addprefix man/man1/,$(MANPAGES)) $(MANDIR)/
	$(BUILD_DIR)/keyport --generate-completion-script bash > $(BASHDIR)/keyport
	$(BUILD_DIR)/keyport --generate-completion-script zsh > $(ZSHDIR)/_keyport
	$(BUILD_DIR)/keyport --generate-completion-script fish > $(FISHDIR)/keyport.fish
	chmod 0644 $(BASHDIR)/keyport $(ZSHDIR)/_keyport $(FISHDIR)/keyport.fish

# Only our files: the directories are shared with other packages and stay.
uninstall:
	rm -f $(BINDIR)/keyport
	rm -f $(addprefix $(MANDIR)/,$(MANPAGES))
	rm -f $(BASHDIR)/keyport $(ZSHDIR)/_keyport $(FISHDIR)/keyport.fish

test:
	scripts/dev test

man:
	scripts/dev man

clean:
	rm -rf $(RELEASE_SCRATCH)
