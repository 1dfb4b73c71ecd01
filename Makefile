# klp4j: `make demo` shows what klp4j does, `make test` runs everything CI runs.
MVN ?= mvn -B -ntp
SHELL := /bin/bash

.PHONY: all deps build test demo bench bench-build examples clean

all: build

deps:
	@bash scripts/install-deps.sh all

build: deps
	@$(MVN) -q -DskipTests package

test: deps
	$(MVN) verify

demo: build
	@bash scripts/demo.sh

bench: build
	./klp4j bench elf

# Per-phase times of klp4j build, from an empty source cache and warm (targets: < 60 s, < 15 s).
bench-build: build
	bash scripts/bench-build.sh

# Builds every example patch (refusal examples must fail with the status in their expect file).
examples: build
	bash scripts/build-examples.sh

clean:
	$(MVN) -q clean
