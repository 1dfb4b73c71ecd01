# klp4j: `make demo` shows what klp4j does, `make test` runs everything CI runs.
MVN ?= mvn -B -ntp
SHELL := /bin/bash

.PHONY: all deps build test demo bench bench-transition clean

all: build

deps:
	@bash scripts/install-deps.sh all

build: deps
	@$(MVN) -q -DskipTests package

test: deps
	$(MVN) verify

demo: build
	@bash scripts/demo.sh

# Benchmarks run with the full JIT (the ./klp4j launcher tunes for start-up instead).
bench: build
	java -jar target/klp4j.jar bench elf

# Livepatch transition time on an idle QEMU guest (builds examples/handwritten-cmdline with kbuild).
bench-transition: build
	./klp4j bench transition

clean:
	$(MVN) -q clean
