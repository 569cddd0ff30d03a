# Tributary — the two commands of the README:
#   make run    install what is missing, build in release mode, fetch and serve feeds.yaml
#   make test   install what is missing, build, run the whole test suite and the parser conformance score

SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
APT_PACKAGES := libcurl4-openssl-dev libxml2-dev libsqlite3-dev pkg-config python3 ca-certificates openssl
# (openssl: the TLS test serves a self-signed certificate with `openssl s_server`)
CONFIG ?= feeds.yaml
# Conformance floor: the rate reached so far; it may only go up (see README, "Parser conformance").
CONFORMANCE_MIN_RATE ?= 0.99
SHARED ?= ../shared

.PHONY: deps build run fetch test conformance bench clean

deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	swift build -c release --product tributary

run: build
	.build/release/tributary fetch --config $(CONFIG) || true
	.build/release/tributary serve --config $(CONFIG)

fetch: build
	.build/release/tributary fetch --config $(CONFIG)

# Suites that race real sockets, subprocesses and timeouts run one test at a time after the rest:
# on 2 cores a CPU-heavy test elsewhere can stall Swift's cooperative pool long enough to trip a
# timeout that is part of what they check.
SERIAL_SUITES := FeedFetcherHostileTests|ServerHardeningTests|CLITests|CrashSafetyTests|Catalog

# The conformance score runs first so that the test runner's summary is the last line printed.
test: deps
	swift build --build-tests
	$(MAKE) --no-print-directory conformance
	swift test --skip-build --parallel --skip '$(SERIAL_SUITES)'
	swift test --skip-build --no-parallel --filter '$(SERIAL_SUITES)'

conformance:
	@if [ -f $(SHARED)/conformance/score.py ]; then \
		python3 $(SHARED)/conformance/score.py --cmd "$(CURDIR)/.build/debug/tributary parse {file} --json" \
			--jobs 2 --min-rate $(CONFORMANCE_MIN_RATE); \
	else \
		echo "conformance corpus not found at $(SHARED)/conformance; skipped"; \
	fi

bench: deps
	swift build -c release --product tributary-bench
	python3 $(SHARED)/bench/gen_corpus.py --feeds 2000 --seed 1 --out .bench-corpus >/dev/null
	.build/release/tributary-bench parse-corpus .bench-corpus

clean:
	rm -rf .build public data
