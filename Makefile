# Takeone. `make run` starts it on its embedded defaults; `make test` installs what the tests need and runs them all.
export GOTOOLCHAIN := go1.27.3
SHELL := /bin/bash

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/takeone/takeone/internal/app.Version=$(VERSION)

.PHONY: run build ui test deps vet gotest fuzz ui-check clean

run: build
	./takeone serve

build:
	go build -trimpath -ldflags "$(LDFLAGS)" -o takeone .

# Rebuilds the embedded web app (ui/dist is committed, so `go build` needs no Node).
ui:
	cd ui && npm ci && npm run build

test: deps vet ui-check gotest fuzz

# Debian's packages the tests use, and the Node script that drives Firefox in e2e/ (puppeteer-core; no browser download)
deps:
	./scripts/test-deps.sh
	cd e2e/firefox && npm ci --no-audit --no-fund

vet:
	go vet ./...
	go vet -tags no_ui ./ui/

gotest:
	go test -race -count=1 -timeout 30m ./...

# A short run of every fuzz target over its checked-in corpus and fresh inputs.
fuzz:
	./scripts/fuzz.sh 10s

# The UI's type checks and unit tests, then a fresh build that must equal the committed ui/dist.
ui-check:
	cd ui && npm ci --no-audit --no-fund && npm run check && npm test && npm run build
	@if [ -n "$$(git status --porcelain -- ui/dist)" ]; then \
		git status --porcelain -- ui/dist; \
		echo "ui/dist differs from a fresh build: run 'make ui' and commit ui/dist"; exit 1; \
	fi

clean:
	rm -rf takeone .cache
