SHELL := /bin/bash
# clinsafe: two commands matter.
#   make run   - install front-end packages if missing, build, and start on SQLite with demo data
#   make test  - vet, every test on SQLite and PostgreSQL, and the browser tests

GO        ?= go
BIN       := bin/clinsafe
VERSION   := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
STATIC    := internal/web/static
NHSUK     := node_modules/nhsuk-frontend/dist/nhsuk
DB        ?= sqlite:./clinsafe.db

.PHONY: run build assets test test-go test-browser vet fuzz bench clean

run: build
	@CLINSAFE_DB=$(DB) ./$(BIN) serve -demo

build: assets
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/clinsafe

# Front-end packages come from npm (pinned by package-lock.json) and are
# copied into the embedded static folder; they are never committed.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

assets: node_modules/.package-lock.json
	@mkdir -p $(STATIC)/vendor $(STATIC)/images
	@cp $(NHSUK)/nhsuk-frontend.min.css $(NHSUK)/nhsuk-frontend.min.js $(STATIC)/vendor/
	@cp node_modules/htmx.org/dist/htmx.min.js $(STATIC)/vendor/
	@cp $(NHSUK)/assets/images/* $(STATIC)/images/

vet: assets
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)

# Every test, with PostgreSQL required (a throwaway cluster is started by the
# tests themselves) and the browser tests in Chromium.
test: vet
	./scripts/test.sh

test-go: assets
	$(GO) test ./...

FUZZTIME ?= 60s
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse$$ -fuzztime=$(FUZZTIME) ./gs1/

# Recall matching is measured over CLINSAFE_BENCH_IMPLANTS implant records
# (10 million when unset: building that takes tens of minutes). The default
# here keeps 'make bench' quick; set it higher for the real measurement.
# BenchmarkLoad200 (200 signed-in clients over HTTP) runs on both engines,
# so PostgreSQL is required as in 'make test'.
BENCH_IMPLANTS ?= 200000
bench: assets
	CLINSAFE_TEST_POSTGRES=1 CLINSAFE_BENCH_IMPLANTS=$(BENCH_IMPLANTS) CLINSAFE_BENCH_IMPORT=$${CLINSAFE_BENCH_IMPORT:-50000} $(GO) test -run='^$$' -bench=. -benchmem ./...

clean:
	rm -rf bin $(STATIC)/vendor $(STATIC)/images
