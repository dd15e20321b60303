#!/usr/bin/env bash
# Installs what the build and the tests need, only where missing (a no-op in a few seconds when
# everything is there): the wasm32 target, the wasm-bindgen CLI at Cargo.lock's version,
# Chromium + chromedriver (apt), e2e/node_modules (Playwright, npm binaryen's wasm-opt), and
# cargo-fuzz with a nightly toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

need() { command -v "$1" >/dev/null 2>&1 || { echo "setup: '$1' is required but not installed" >&2; exit 1; }; }
need cargo
need rustup
need node
need npm
need python3

# Run as root (CI) or through sudo when it exists.
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# 1. The wasm target (RUSTUP_AUTO_INSTALL may be 0 here, so add it explicitly).
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
#    No --locked: it fails against this registry's index (see TOOLCHAIN.md, pitfall 1).
WBG=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$WBG" ]; then
  echo "setup: no wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WBG" ] \
  || ! command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
  echo "setup: cargo install wasm-bindgen-cli --version $WBG (takes ~3.5 min)"
  cargo install wasm-bindgen-cli --version "$WBG" --force
fi

# 3. Chromium and chromedriver for the browser tests (Debian packages; Playwright downloads nothing).
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "setup: apt-get install chromium chromium-driver (~1 min)"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# 4. Playwright and wasm-opt (npm binaryen 132; never Debian's binaryen 108, which breaks the module).
if [ ! -x e2e/node_modules/.bin/wasm-opt ] || [ ! -x e2e/node_modules/.bin/playwright ] \
  || ! (cd e2e && npm ls --depth=0 >/dev/null 2>&1); then
  echo "setup: npm ci in e2e/"
  (cd e2e && npm ci --no-audit --no-fund)
fi

# 5. Fuzzing (make fuzz-smoke): cargo-fuzz, and the nightly toolchain for its -Z flags. Where
#    nightly cannot be installed, the Makefile runs cargo-fuzz on stable with RUSTC_BOOTSTRAP=1.
if ! rustup run nightly cargo --version >/dev/null 2>&1; then
  echo "setup: rustup toolchain install nightly --profile minimal"
  rustup toolchain install nightly --profile minimal \
    || echo "setup: no nightly toolchain; make fuzz-smoke will use stable with RUSTC_BOOTSTRAP=1" >&2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "setup: cargo install cargo-fuzz --version 0.13.2 (~1 min)"
  cargo install cargo-fuzz --version 0.13.2
fi

echo "setup: ok ($(wasm-bindgen --version), $(e2e/node_modules/.bin/wasm-opt --version | cut -d' ' -f1-3), $(cd e2e && node -p "require('@playwright/test/package.json').version" 2>/dev/null | sed 's/^/playwright /'), $(cargo fuzz --version))"
