# saker: `make demo` and `make test` are the two commands a newcomer runs (see README.md).
GO       ?= go
BIN      := bin/saker
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X saker/internal/cli.Version=$(VERSION)
FUZZTIME ?= 30s
# The DuckDB store loads events as Arrow record batches with this tag (duckdb-go keeps its Arrow
# interface behind it): 16-30% less CPU and less memory for `analyze --db` than the appender a
# build without it uses (docs/PERFORMANCE.md). `make test` runs the store's tests both ways.
TAGS     ?= duckdb_arrow

.PHONY: help build test test-short demo bench fuzz generate lint deps lab clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

deps: ## install the Debian packages and Go modules the suite needs (root; skips what is there)
	sh build/deps.sh
	$(GO) mod download

build: ## build bin/saker
	$(GO) build -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/saker

test: deps build ## the whole suite: unit, fuzz seeds, privileged tests when root
	$(GO) vet ./...
	$(GO) vet -tags duckdb_arrow ./reports ./internal/cli
	$(GO) test -count=1 -timeout 60m ./...
	$(GO) test -count=1 -timeout 20m -tags duckdb_arrow ./reports ./internal/cli

test-short: ## unit tests without the slow and privileged ones
	$(GO) test -short ./...

demo: build ## analyze a real capture from testdata: findings, incidents, a DuckDB file and an HTML report
	@mkdir -p out
	./$(BIN) analyze testdata/captures/lab-miners --db out/demo.duckdb --report out/demo.html --force
	./$(BIN) query out/demo.duckdb "SELECT time, priority, rule, pid FROM findings ORDER BY time, finding_id"
	./$(BIN) query out/demo.duckdb --preset indicators

lab: build ## attack lab (root): scenarios in network namespaces under saker capture; UPDATE=1 re-records testdata/captures/lab-*
	SAKER_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -v -timeout 10m -run '^TestLab$$' ./internal/lab $(if $(UPDATE),-update)

bench: ## benchmarks (numbers go to docs/PERFORMANCE.md)
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz: ## run every fuzz target for FUZZTIME each
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; done

generate: ## regenerate generated code (event schema, BPF objects: needs clang)
	$(GO) generate ./...

lint: ## go vet and gofmt
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }

clean: ## remove build outputs
	rm -rf bin out
