# keyport: build, install and uninstall.
#
#   make                               release binary in .build-release (see "What is linked how")
#   make install PREFIX=/usr/local     binary, man pages, bash/zsh/fish completions
#   make uninstall PREFIX=/usr/local   removes exactly what install wrote
#   make test                          scripts/dev test (build, whole suite, man pages current)
#   make man                           scripts/dev man (regenerate man/man1)
#
# DESTDIR stages an install for packaging (make install DESTDIR=pkgroot PREFIX=/usr).
# BUILD_DIR=DIR installs a keyport binary already built in DIR without building (the install test
# uses the debug build this way).
#
# What is linked how (the one release build: `make`, `make install`, `scripts/dev release` and
# Benchmarks/compare all come through the `build` target below):
#   static   the Swift runtime and Foundation essentials, libstdc++, libcrypto, libgmp, libargon2:
#            no symbol lookups or relocations of those shared libraries at start-up (about 4.5 M
#            instructions of the 5.9 M a dynamic keyport spends before main; Benchmarks/MEASUREMENTS.md)
#   dynamic  glibc (libc, libm, libgcc_s): getpwuid/getpwnam go through NSS (LDAP, SSSD, systemd
#            users), and dlopen works, which OpenSSL needs to load the legacy provider module
#            (ossl-modules/legacy.so) for old PKCS#8 encryption. A fully static glibc has neither.
# Linker: the Swift toolchain's lld with packed relative relocations (DT_RELR, glibc 2.36+), when a
# probe shows that both link and run here: the position-independent binary's 56,000 relocations
# are then a 13 KiB bitmap instead of 1.3 MiB of entries, and one key's whole run takes 1.30 M
# instructions instead of 1.47 M (callgrind). Elsewhere the toolchain's default linker is used.
# The archives are taken from where the C compiler finds them; STATIC_LIBS_DIR holds links to them and
# pkg-config files pointing there, so that SwiftPM's -lcrypto, -largon2, -lgmp and -lstdc++ resolve
# to the archives. No $ORIGIN rpath: nothing is loaded from beside the binary.

PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
INSTALL ?= install

CC ?= cc
RELEASE_SCRATCH ?= .build-release
RELEASE_DIR := $(RELEASE_SCRATCH)/release
BUILD_DIR ?= $(RELEASE_DIR)
STATIC_LIBS_DIR := $(abspath $(RELEASE_SCRATCH))/static-libs
STATIC_ARCHIVES := libcrypto.a libgmp.a libargon2.a libstdc++.a

# Expanded only by the build recipe: links and runs a C program with the toolchain's own clang and lld.
SWIFT_CLANG = $(dir $(realpath $(shell command -v $(SWIFT))))clang
RELR_PROBE = $(shell d=$$(mktemp -d) && printf 'static int x; int *p = &x; int main(void) { return *p; }\n' > $$d/p.c \
	&& $(SWIFT_CLANG) -fuse-ld=lld -Wl,-z,pack-relative-relocs -pie -fPIE -o $$d/p $$d/p.c >/dev/null 2>&1 \
	&& $$d/p && echo yes; rm -rf $$d)
LINKER_FLAGS = $(if $(RELR_PROBE),-Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs)

BINDIR := $(DESTDIR)$(PREFIX)/bin
MANDIR := $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

MANPAGES := $(notdir $(wildcard man/man1/*.1))

.PHONY: all build install uninstall test man clean linker-flags

all: build

build:
ifeq ($(BUILD_DIR),$(RELEASE_DIR))
	@mkdir -p $(STATIC_LIBS_DIR)
	@for a in $(STATIC_ARCHIVES); do \
	    path=$$($(CC) -print-file-name=$$a); \
	    test -f "$$path" || { echo "$$a not found (install libssl-dev libgmp-dev libargon2-dev g++)" >&2; exit 1; }; \
	    ln -sf "$$path" $(STATIC_LIBS_DIR)/$$a; \
	done
	@for pc in libcrypto libargon2; do \
	    printf 'Name: %s\nDescription: %s archive for the keyport release binary\nVersion: %s\nLibs: -L%s -l%s\nCflags: %s\n' \
	        $$pc $$pc "$$(pkg-config --modversion $$pc)" $(STATIC_LIBS_DIR) $${pc#lib} "$$(pkg-config --cflags $$pc)" \
	        > $(STATIC_LIBS_DIR)/$$pc.pc; \
	done
	$(SWIFT) build -c release --static-swift-stdlib --disable-local-rpath \
	    --pkg-config-path $(STATIC_LIBS_DIR) -Xlinker -L$(STATIC_LIBS_DIR) $(LINKER_FLAGS) --scratch-path $(RELEASE_SCRATCH)
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

# What the build passes to the linker on this machine (scripts/check-install checks the binary has it).
linker-flags:
	@echo $(LINKER_FLAGS)
