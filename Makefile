# klp4j: `make demo` shows what klp4j does, `make test` runs everything CI runs.
MVN ?= mvn -B -ntp
SHELL := /bin/bash

.PHONY: all deps build test demo demo-fleet install deb bench bench-transition bench-build bench-header bench-corpus bench-corpus-6.12 bench-update examples clean

all: build

deps:
	@bash scripts/install-deps.sh all

build: deps
	@$(MVN) -q -DskipTests package

test: deps
	$(MVN) verify

demo: build
	@bash scripts/demo.sh

# The fleet story in a guest booting a real Debian 12 root: apt from a signed klp4j repository, apply at
# install and at boot, rollback, the crash guard after a BUG() patch, sig_enforce. Takes ~15 minutes.
demo-fleet: build
	@bash scripts/demo-fleet.sh

# The jar, /usr/bin/klp4j and the klp4j.service unit (DESTDIR=... to stage elsewhere).
install: build
	@bash scripts/install.sh $(DESTDIR)

# klp4j itself as a .deb (target/klp4j_VERSION_all.deb): what make install puts on a host, for an apt repository.
deb: build
	@bash scripts/make-deb.sh target

# Benchmarks run with the full JIT (the ./klp4j launcher tunes for start-up instead).
bench: build
	java -jar target/klp4j.jar bench elf

# Livepatch transition time on an idle QEMU guest (builds examples/handwritten-cmdline with kbuild).
bench-transition: build
	./klp4j bench transition

# Per-phase times of klp4j build, from an empty source cache and warm (targets: < 60 s, < 15 s).
bench-build: build
	bash scripts/bench-build.sh

# A static inline change in a header thousands of objects include (include/linux/seq_file.h).
bench-header: build
	bash scripts/bench-header.sh

# Real stable fixes (Debian 6.1.176-1 -> 6.1.187-1), each built for 6.1.0-50-amd64 and proven in the VM;
# writes docs/bench-corpus.md. Takes hours: not part of make test.
bench-corpus: build
	bash scripts/bench-corpus.sh

# The same on Debian 13: real stable fixes of 6.12.117-1 -> 6.12.118-1, built for 6.12.117+deb13-amd64
# (sources from a private trixie apt); writes docs/bench-corpus-6.12.md.
bench-corpus-6.12: build
	bash scripts/bench-corpus.sh -n 64 --from 6.12.117-1 --to 6.12.118-1 --kernel 6.12.117+deb13-amd64 --report docs/bench-corpus-6.12.md

# klp4j update on two real Debian kernel updates, each to the end with --prove (Debian 12 6.1.0-53-amd64
# -> 6.1.190-1, Debian 13 6.12.117+deb13-amd64 -> 6.12.118-1); writes docs/update.md. Takes hours.
bench-update: build
	bash scripts/bench-update.sh

# Builds every example patch (refusal examples must fail with the status in their expect file).
examples: build
	bash scripts/build-examples.sh

clean:
	$(MVN) -q clean
