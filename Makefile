# nerlight: build the wasm page, serve it, and run every test layer.
#   make serve   setup + wasm, then http://127.0.0.1:8080 (PORT=... to change)
#   make test    setup, then native cargo test, wasm tests under node (and Chromium), Playwright e2e
# Recipe lines start with a tab.

CRATE    := nerlight
TARGET   := wasm32-unknown-unknown
CARGO_TARGET_DIR ?= target
WASM     := $(CARGO_TARGET_DIR)/$(TARGET)/release/$(CRATE).wasm
PKG      := www/pkg
WASM_OPT := e2e/node_modules/.bin/wasm-opt
PORT     ?= 8080
E2E_PORT ?= 8123
# wasm-bindgen-test files to run on wasm32 (the other tests/*.rs are native-only).
WASM_TESTS ?= --test web
export CHROMEDRIVER ?= /usr/bin/chromedriver
export E2E_PORT

.PHONY: all setup wasm wasm-lib serve test test-native test-wasm test-wasm-node test-wasm-browser e2e size clean FORCE

all: wasm

setup:
	bash .ci/setup.sh

# cargo decides whether the .wasm is stale (sources, Cargo.lock and the embedded model); it leaves
# the file untouched when nothing changed, so bindgen + wasm-opt below only rerun when needed.
wasm-lib $(WASM): FORCE
	cargo build --release --target $(TARGET) --lib

wasm: $(PKG)/$(CRATE)_bg.wasm

$(PKG)/$(CRATE)_bg.wasm: $(WASM) | $(WASM_OPT)
	rm -rf $(PKG)
	wasm-bindgen $(WASM) --out-dir $(PKG) --target web --no-typescript
	$(WASM_OPT) -Oz $@ -o $@.opt && mv $@.opt $@
	@printf "%s: %s bytes, %s gzip -9\n" $@ "$$(wc -c < $@)" "$$(gzip -9 -c $@ | wc -c)"

$(WASM_OPT):
	cd e2e && npm ci --no-audit --no-fund

serve: setup
	$(MAKE) wasm
	@echo "nerlight: http://127.0.0.1:$(PORT)/  (Ctrl+C to stop)"
	python3 -m http.server $(PORT) --bind 127.0.0.1 --directory www

test: setup
	$(MAKE) test-native
	$(MAKE) test-wasm
	$(MAKE) e2e

test-native:
	cargo test

test-wasm: test-wasm-node test-wasm-browser

# No -q: the wasm-bindgen test runner rejects it.
test-wasm-node:
	cargo test --target $(TARGET) $(WASM_TESTS)

test-wasm-browser:
	WASM_BINDGEN_USE_BROWSER=1 cargo test --target $(TARGET) $(WASM_TESTS)

e2e: wasm
	rm -f e2e/test-results/results.json
	cd e2e && npx playwright test

size: wasm
	@echo "raw:  $$(wc -c < $(PKG)/$(CRATE)_bg.wasm) bytes"
	@echo "gzip: $$(gzip -9 -c $(PKG)/$(CRATE)_bg.wasm | wc -c) bytes"

clean:
	cargo clean
	rm -rf $(PKG) e2e/test-results e2e/screenshots

FORCE:
