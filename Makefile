# Parley: the two commands are `make demo` and `make test` (see README.md).
SWIFT ?= swift
FUZZ_SECONDS ?= 30

.PHONY: demo test build lint vectors interop fuzz server-fuzz unit bench bench-server prerequisites clean

## demo: parley-server on loopback and two users talking through the `parley` CLI.
demo:
	@scripts/prerequisites.sh
	$(SWIFT) build --product parley-server
	$(SWIFT) build --product parley
	@scripts/demo.sh

## test: every check, as CI runs it. Stops at the first failure.
test:
	@scripts/prerequisites.sh --python
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory lint vectors interop fuzz server-fuzz unit

lint:
	$(SWIFT) format lint --strict -r Sources Tests Fuzz Package.swift

## vectors: replay TestVectors/ with the Swift checker.
vectors:
	$(SWIFT) run --skip-build parley-vectors TestVectors

interop:
	scripts/interop.sh

fuzz:
	Fuzz/build.sh $(FUZZ_SECONDS)

## server-fuzz: schemathesis against Specs/openapi.yaml on a live parley-server (zero 5xx).
server-fuzz:
	scripts/server-fuzz/run.sh

## unit: swift test, with a throwaway PostgreSQL on 127.0.0.1 for the key server's PostgreSQL
## cases (PARLEY_TEST_POSTGRES_URL); stopped and removed afterwards, also on failure.
unit:
	scripts/postgres-test-server.sh run -- $(SWIFT) test --skip-build

## bench: release build; per-operation medians against raw libsodium.
bench:
	@scripts/prerequisites.sh
	$(SWIFT) build -c release --product parley-bench
	.build/release/parley-bench

## bench-server: release parley-server on loopback under a bounded load (requests/s, p50/p99).
bench-server:
	@scripts/prerequisites.sh
	scripts/bench-server.sh

prerequisites:
	scripts/prerequisites.sh --python

clean:
	rm -rf .build .build-fuzz .venv .venv-fuzz
