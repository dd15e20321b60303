# nerlight: build the wasm page, serve it, and run every test layer.
#   make serve   setup + wasm, then http://127.0.0.1:8080 (PORT=... to change)
#   make test    setup, then native cargo test, wasm tests under node (and Chromium), Node API and
#                native/wasm parity tests, a fuzzing smoke, the npm package (Node, tsc, Vite),
#                Playwright e2e (page, widget, offline, single file, package)
#   make fuzz    each fuzz target for FUZZ_LONG_TIME seconds (default 600)
#   make bench   nerlight vs compromise: speed, cold start, size, memory, scaling (one table)
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
WASM_TESTS ?= --test web --test web_reliability
# The wasm built for Node (tests/node): its own folder, never www/pkg; and the native CLI.
NODE_PKG := $(CARGO_TARGET_DIR)/node-pkg
CLI      := $(CARGO_TARGET_DIR)/release/$(CRATE)
# cargo-fuzz needs nightly's -Z flags: the nightly toolchain where installed, else stable with
# RUSTC_BOOTSTRAP=1. FUZZ_TIME is per target for fuzz-smoke, FUZZ_LONG_TIME for fuzz;
# FUZZ_FLAGS="-s none" drops AddressSanitizer (about twice the executions for extract).
FUZZ_CARGO ?= $(shell rustup run nightly cargo --version >/dev/null 2>&1 && echo "cargo +nightly" || echo "RUSTC_BOOTSTRAP=1 cargo")
FUZZ_TIME ?= 30
FUZZ_LONG_TIME ?= 600
FUZZ_CORPUS ?= fuzz/corpus/smoke
FUZZ_FLAGS ?=
export CHROMEDRIVER ?= /usr/bin/chromedriver
export E2E_PORT

.PHONY: all setup wasm wasm-lib serve test test-native test-wasm test-wasm-node test-wasm-browser e2e size clean FORCE \
	node-pkg cli test-node test-parity fuzz-run fuzz-smoke fuzz

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
	wasm-bindgen $(WASM) --out-dir $(PKG) --target web
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
	$(MAKE) test-node
	$(MAKE) fuzz-smoke
	$(MAKE) test-npm
	$(MAKE) e2e

test-native:
	cargo test

test-wasm: test-wasm-node test-wasm-browser

# No -q: the wasm-bindgen test runner rejects it.
test-wasm-node:
	cargo test --target $(TARGET) $(WASM_TESTS)

test-wasm-browser:
	WASM_BINDGEN_USE_BROWSER=1 cargo test --target $(TARGET) $(WASM_TESTS)

# The wasm for Node, unoptimised (parity is of the compiler's own output), beside www/pkg.
node-pkg: wasm-lib
	wasm-bindgen $(WASM) --out-dir $(NODE_PKG) --target nodejs --no-typescript

cli:
	cargo build --release --bin $(CRATE)

# tests/node: the JavaScript API under Node (lone surrogates, non-strings, damaged models, huge
# inputs) and native/wasm parity on the seed articles, CoNLL-2003 test (skipped without
# ../shared) and hostile strings. test-parity is the parity file alone.
test-node: node-pkg cli
	NERLIGHT_NODE_PKG=$(NODE_PKG) NERLIGHT_CLI=$(CLI) node --test tests/node/

test-parity: node-pkg cli
	NERLIGHT_NODE_PKG=$(NODE_PKG) NERLIGHT_CLI=$(CLI) node --test tests/node/parity.test.mjs

# cargo-fuzz targets in fuzz/ (its own crate): extract and the model loader, FUZZ_TIME seconds
# each, growing the corpus in FUZZ_CORPUS. The model seeds are written by this build
# (tests/model_damage.rs); a crash fails the run and leaves its input in fuzz/artifacts/.
fuzz-run:
	NERLIGHT_FUZZ_SEEDS=fuzz/corpus/model-seeds cargo test --test model_damage -- --ignored --exact write_fuzz_seeds
	mkdir -p $(FUZZ_CORPUS)/extract $(FUZZ_CORPUS)/model
	$(FUZZ_CARGO) fuzz run $(FUZZ_FLAGS) --fuzz-dir fuzz extract $(FUZZ_CORPUS)/extract fuzz/seeds/extract tests/fixtures/seeds \
		-- -max_total_time=$(FUZZ_TIME) -max_len=1024 -print_final_stats=1
	$(FUZZ_CARGO) fuzz run $(FUZZ_FLAGS) --fuzz-dir fuzz model $(FUZZ_CORPUS)/model fuzz/corpus/model-seeds \
		-- -max_total_time=$(FUZZ_TIME) -print_final_stats=1

# make test's smoke: from the committed seeds only, so it takes the same time everywhere.
fuzz-smoke:
	rm -rf fuzz/corpus/smoke
	$(MAKE) fuzz-run FUZZ_CORPUS=fuzz/corpus/smoke

# The long run; its corpus (fuzz/corpus/long) is kept from one run to the next.
fuzz:
	$(MAKE) fuzz-run FUZZ_CORPUS=fuzz/corpus/long FUZZ_TIME=$(FUZZ_LONG_TIME)

e2e: wasm single npm-app
	rm -f e2e/test-results/results.json
	cd e2e && npx playwright test

# make bench: nerlight against compromise (native, Node, headless Chromium) in one run on one
# corpus; prints one table, writes $(BENCH)/results.json and bench/RESULTS.md (README.md,
# "Benchmarks"). A command, not part of make test. Its wasm goes to $(BENCH)/pkg, never www/pkg.
BENCH      := $(CARGO_TARGET_DIR)/bench
BENCH_PKG  := $(BENCH)/pkg
CONLL_TEST ?= ../shared/data/conll2003/test.txt

.PHONY: bench bench-pkg
bench: setup bench/node_modules/.package-lock.json
	cargo build --release --bin $(CRATE)-bench
	$(MAKE) bench-pkg
	$(CARGO_TARGET_DIR)/release/$(CRATE)-bench corpus --conll $(CONLL_TEST) --articles tests/fixtures/seeds --out $(BENCH)/corpus.json
	BENCH_OUT=$(BENCH) BENCH_NATIVE=$(CARGO_TARGET_DIR)/release/$(CRATE)-bench node bench/run.mjs

bench-pkg: $(BENCH_PKG)/$(CRATE)_bg.wasm

$(BENCH_PKG)/$(CRATE)_bg.wasm: $(WASM) | $(WASM_OPT)
	rm -rf $(BENCH_PKG)
	wasm-bindgen $(WASM) --out-dir $(BENCH_PKG) --target web --no-typescript
	$(WASM_OPT) -Oz $@ -o $@.opt && mv $@.opt $@

bench/node_modules/.package-lock.json: bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund

size: wasm
	@echo "raw:  $$(wc -c < $(PKG)/$(CRATE)_bg.wasm) bytes"
	@echo "gzip: $$(gzip -9 -c $(PKG)/$(CRATE)_bg.wasm | wc -c) bytes"

# --- In the browser (README: "In the browser"): the single-file build, the npm package ------
#   make single      www/single.html: the page in one file, wasm inlined, works from file://
#   make package     npm/dist/ from www/ and www/pkg/ (the package ships the page's own modules)
#   make test-npm    packs the package, installs it in a fresh project, runs it under Node,
#                    type-checks its .d.ts with tsc, and builds a Vite app with it (e2e runs that app)
#   make size-widget the widget's own download (its JavaScript modules) beside the wasm, gzip -9
NPM_TEST  := $(CARGO_TARGET_DIR)/npm-test
NPM_APP   := $(NPM_TEST)/app
WASM_OUT  := $(PKG)/$(CRATE)_bg.wasm
WEB_SRC   := $(filter-out www/single.html,$(wildcard www/*.js www/*.css www/*.html www/*.txt www/*.svg www/*.webmanifest))
WIDGET_JS := www/nerlight-widget.js www/client.js www/render.js www/worker.js www/nerlight.js $(PKG)/$(CRATE).js

.PHONY: single package npm-app test-npm size-widget
single: www/single.html
www/single.html: $(WASM_OUT) $(WEB_SRC) npm/scripts/single.mjs
	node npm/scripts/single.mjs $@

package: npm/dist/nerlight.js
npm/dist/nerlight.js: $(WASM_OUT) $(WEB_SRC) npm/scripts/build.mjs
	node npm/scripts/build.mjs

npm-app: $(NPM_APP)/dist/index.html
$(NPM_APP)/dist/index.html: npm/dist/nerlight.js npm/package.json npm/node.js $(wildcard npm/*.d.ts npm/test/*.mjs npm/test/app/*)
	rm -rf $(NPM_TEST)
	mkdir -p $(NPM_APP)
	cd npm && npm pack --silent --pack-destination $(abspath $(NPM_TEST))
	cp -r npm/test/app/. npm/test/node.test.mjs $(NPM_APP)/
	cp tests/fixtures/seeds/000_715a7ecace717eaf.txt $(NPM_APP)/seed.txt
	cd $(NPM_APP) && npm install --no-audit --no-fund --offline ../nerlight-*.tgz
	e2e/node_modules/.bin/vite build $(NPM_APP) --config $(NPM_APP)/vite.config.mjs

test-npm: npm-app
	cd $(NPM_APP) && node --test node.test.mjs
	e2e/node_modules/.bin/tsc -p $(NPM_APP)/tsconfig.json
	@echo "test-npm: Node tests passed, types check, Vite build in $(NPM_APP)/dist"

size-widget: wasm
	@printf "widget JavaScript (%s files): %s bytes, %s gzip -9\n" "$(words $(WIDGET_JS))" \
		"$$(cat $(WIDGET_JS) | wc -c)" "$$(for f in $(WIDGET_JS); do gzip -9 -c $$f; done | wc -c)"
	@printf "wasm (code + model): %s bytes, %s gzip -9\n" "$$(wc -c < $(WASM_OUT))" "$$(gzip -9 -c $(WASM_OUT) | wc -c)"

clean:
	cargo clean
	rm -rf $(PKG) e2e/test-results e2e/screenshots www/single.html npm/dist

FORCE:
