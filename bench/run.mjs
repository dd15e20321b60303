// `make bench`: nerlight against compromise, native, Node and headless Chromium, in one run on
// one corpus; prints one markdown table, writes every figure to target/bench/results.json and the
// table to bench/RESULTS.md. Bars that are not met are reported, never turned into a failure.
//
//   node bench/run.mjs            (after `make bench` has built the native binary, the wasm into
//                                  target/bench/pkg and the corpus into target/bench/corpus.json)
//
// Environment: BENCH_RUNS (timed passes for nerlight, default 7), BENCH_PEER_RUNS (for
// compromise, default 3: a pass takes seconds), BENCH_COLD_RUNS (default 5), BENCH_MAX_SCALE
// (bytes, default 10000000), CHROMIUM_PATH (default /usr/bin/chromium), BENCH_OUT (default
// target/bench: pkg/, corpus.json, results.json), BENCH_NATIVE (default
// target/release/nerlight-bench), BENCH_NO_RECORD=1 (do not rewrite bench/RESULTS.md),
// BENCH_ONLY=cold (only the Node and Chromium cold starts, BENCH_COLD_RUNS of each: prints their
// trials, median and best, and writes nothing; needs the corpus and the wasm, not the native
// binary: a quick check while working on load time), BENCH_ONLY=page (only Chromium's page
// worker path and the direct wasm path, BENCH_REPEAT times each (default 3), alternating: prints
// each pair and the ratio page ÷ direct, of the medians and of the best passes, and writes
// nothing; the same needs as BENCH_ONLY=cold).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

import { chromium } from 'playwright-core';

import { corpusBytes, corpusTokens, median, scaleSizes } from './lib.mjs';
import { ROOT, startServer } from './server.mjs';

const env = process.env;
const RUNS = Number(env.BENCH_RUNS || 7);
const PEER_RUNS = Number(env.BENCH_PEER_RUNS || 3);
const COLD_RUNS = Number(env.BENCH_COLD_RUNS || 5);
const MAX_SCALE = Number(env.BENCH_MAX_SCALE || 10_000_000);
const CHROMIUM = env.CHROMIUM_PATH || '/usr/bin/chromium';
const OUT = resolve(ROOT, env.BENCH_OUT || join('target', 'bench'));
const PKG = join(OUT, 'pkg');
const CORPUS = join(OUT, 'corpus.json');
const NATIVE = resolve(ROOT, env.BENCH_NATIVE || join('target', 'release', 'nerlight-bench'));
const RECORD = join(ROOT, 'bench', 'RESULTS.md');
const ONLY_COLD = env.BENCH_ONLY === 'cold';
const ONLY_PAGE = env.BENCH_ONLY === 'page';
const REPEAT = Number(env.BENCH_REPEAT || 3);
/** The text pasted into the page for the time to first highlight (its placeholder's example). */
const FIRST_TEXT = 'Jens Stoltenberg met foreign ministers in Bucharest on Tuesday, NATO said.';
// The same flags as e2e/playwright.config.mjs.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const BARS = {
  chromium_tokens_per_second: 500_000,
  chromium_vs_compromise: 25,
  native_tokens_per_second: 1_000_000,
  chromium_cold_start_ms: 50,
  scaling_10mb_vs_100kb: 1.5,
  page_gzip_bytes: 3_000_000,
};

const started = Date.now();
const step = (s) => process.stderr.write(`bench: ${s} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
const errors = {};

/** Runs `f`, recording (not throwing) a failure under `name`. */
async function attempt(name, f) {
  try {
    return await f();
  } catch (err) {
    errors[name] = String(err && err.message ? err.message : err).split('\n').slice(0, 4).join(' | ');
    step(`${name} FAILED: ${errors[name]}`);
    return null;
  }
}

function runJson(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${(r.stderr || '').trim().slice(-400)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

for (const [what, path] of [
  ['the corpus', CORPUS],
  ['the wasm build', join(PKG, 'nerlight_bg.wasm')],
  ...(ONLY_COLD || ONLY_PAGE ? [] : [['the native bench binary', NATIVE]]),
]) {
  if (!existsSync(path)) {
    console.error(`bench: ${what} is missing (${relative(ROOT, path)}): run \`make bench\``);
    process.exit(1);
  }
}

const docs = JSON.parse(readFileSync(CORPUS, 'utf8'));
const corpus = { documents: docs.length, tokens: corpusTokens(docs), bytes: corpusBytes(docs) };
step(`corpus: ${corpus.documents} documents, ${corpus.tokens} tokens, ${corpus.bytes} bytes`);

/** `COLD_RUNS` cold starts under Node, each in a fresh process; the first also measures memory. */
function nodeColdStarts() {
  const trials = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    trials.push(runJson(process.execPath, [nodeScript, 'cold', '--pkg', PKG, '--corpus', CORPUS, ...(i === 0 ? ['--memory'] : [])]));
  }
  return {
    cold_start_ms: median(trials.map((t) => t.cold_start_ms)),
    init_ms: median(trials.map((t) => t.init_ms)),
    first_extract_ms: median(trials.map((t) => t.first_extract_ms)),
    cold_start_trials_ms: trials.map((t) => t.cold_start_ms),
    memory_after_load_bytes: trials[0].memory_after_load_bytes,
    memory_input_bytes: trials[0].memory_input_bytes,
    memory_after_1mb_bytes: trials[0].memory_after_1mb_bytes,
    extract_1mb_ms: trials[0].extract_1mb_ms,
  };
}

/** `COLD_RUNS` cold starts in Chromium, each in a fresh worker of the bench page `page`. */
async function chromiumColdStarts(page) {
  const trials = [];
  for (let i = 0; i < COLD_RUNS; i++) trials.push(await page.evaluate(() => window.bench.cold()));
  return {
    cold_start_ms: median(trials.map((t) => t.ms)),
    init_ms: median(trials.map((t) => t.init_ms)),
    first_extract_ms: median(trials.map((t) => t.first_extract_ms)),
    trials_ms: trials.map((t) => t.ms),
    first: trials[0].found,
  };
}

/** Opens the bench page in a fresh context of `browser`, ready for `window.bench`. */
async function benchPage(browser, server) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  page.on('pageerror', (err) => step(`bench page error: ${err.message}`));
  await page.goto(`${server.url}/bench/`);
  await page.waitForFunction(() => window.benchReady === true);
  return { context, page };
}

/** BENCH_ONLY=cold: the Node and Chromium cold starts, printed, nothing written. */
async function coldOnly() {
  const fromNode = nodeColdStarts();
  const server = await startServer({ pkgDir: PKG, corpus: CORPUS });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const { page } = await benchPage(browser, server);
    const chromeCold = await chromiumColdStarts(page);
    const line = (name, ms, trials) => `${name}: median ${ms.toFixed(1)} ms, best ${Math.min(...trials).toFixed(1)} ms (${trials.map((x) => x.toFixed(1)).join(', ')})`;
    console.log(line(`Node ${process.version}`, fromNode.cold_start_ms, fromNode.cold_start_trials_ms));
    console.log(line(`Chromium ${browser.version()}`, chromeCold.cold_start_ms, chromeCold.trials_ms));
    console.log(`Chromium init ${chromeCold.init_ms.toFixed(1)} ms + first extract ${chromeCold.first_extract_ms.toFixed(1)} ms (medians); first result: ${chromeCold.first.join(', ')}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * BENCH_ONLY=page: the page worker path and the direct path, alternating in one page, so that
 * the ratio of the two is measured under the same load; printed, nothing written.
 */
async function pageOnly() {
  const server = await startServer({ pkgDir: PKG, corpus: CORPUS });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const { page } = await benchPage(browser, server);
    const ratios = [];
    const bestRatios = [];
    for (let i = 0; i < REPEAT; i++) {
      const viaPage = await page.evaluate((runs) => window.bench.page(runs), RUNS);
      const direct = await page.evaluate((runs) => window.bench.wasm('throughput', { runs }), RUNS);
      const ratio = viaPage.tokens_per_second / direct.tokens_per_second;
      // The best pass of each is the one the machine's other work disturbed least.
      const bestRatio = direct.best_seconds / viaPage.best_seconds;
      ratios.push(ratio);
      bestRatios.push(bestRatio);
      console.log(
        `page ${fmtInt(viaPage.tokens_per_second)} tokens/s (best pass ${fmtInt(viaPage.tokens / viaPage.best_seconds)}; ${viaPage.entities} entities), ` +
          `direct ${fmtInt(direct.tokens_per_second)} tokens/s (best pass ${fmtInt(direct.tokens / direct.best_seconds)}; ${direct.entities} entities): ` +
          `page ÷ direct ${ratio.toFixed(3)} (best passes ${bestRatio.toFixed(3)})`,
      );
    }
    console.log(`page ÷ direct: median ${median(ratios).toFixed(3)} of ${REPEAT}; of the best passes, median ${median(bestRatios).toFixed(3)}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

const nodeScript = join(ROOT, 'bench', 'node-bench.mjs');
if (ONLY_PAGE) {
  step(`page and direct paths only: ${REPEAT} times each, ${RUNS} passes a time`);
  await pageOnly();
  process.exit(0);
}
if (ONLY_COLD) {
  step(`cold starts only: ${COLD_RUNS} in Node, ${COLD_RUNS} in Chromium`);
  await coldOnly();
  process.exit(0);
}

// --- native -------------------------------------------------------------------------------------
step('native (nerlight-bench native)');
const native = await attempt('native', () =>
  runJson(NATIVE, ['native', '--corpus', CORPUS, '--runs', String(RUNS), '--max-scale', String(MAX_SCALE)]),
);
if (native && native.tokens !== corpus.tokens) step(`note: native counts ${native.tokens} tokens, JS ${corpus.tokens}`);

// --- Node ---------------------------------------------------------------------------------------
step('Node: nerlight wasm and compromise over the corpus');
const node = await attempt('node', () =>
  runJson(process.execPath, [nodeScript, 'throughput', '--pkg', PKG, '--corpus', CORPUS, '--runs', String(RUNS), '--peer-runs', String(PEER_RUNS)]),
);
step(`Node: ${COLD_RUNS} cold starts, each in a fresh process, and memory after a 1 MB input`);
const nodeCold = await attempt('node_cold', nodeColdStarts);

// --- Chromium -----------------------------------------------------------------------------------
const chrome = {};
let browserVersion = null;
await attempt('chromium', async () => {
  const server = await startServer({ pkgDir: PKG, corpus: CORPUS });
  let browser = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    browserVersion = browser.version();
    await chromiumRows(browser, server);
  } finally {
    await browser?.close();
    await server.close();
  }
});

async function chromiumRows(browser, server) {
  const { context, page } = await benchPage(browser, server);

  step(`Chromium: ${COLD_RUNS} cold starts (a fresh worker each; bytes fetched, then the clock)`);
  chrome.cold = await attempt('chromium_cold', () => chromiumColdStarts(page));
  step('Chromium: the page worker code path (www/client.js → www/worker.js) over the corpus');
  chrome.page = await attempt('chromium_page', () => page.evaluate((runs) => window.bench.page(runs), RUNS));
  step('Chromium: wasm extract() called directly in a worker, over the corpus');
  chrome.direct = await attempt('chromium_direct', () => page.evaluate((runs) => window.bench.wasm('throughput', { runs }), RUNS));
  step('Chromium: compromise (browser build) in a worker, over the corpus');
  chrome.compromise = await attempt('chromium_compromise', () => page.evaluate((runs) => window.bench.compromise(runs), PEER_RUNS));
  step(`Chromium: scaling, one extract() per input, ${scaleSizes(MAX_SCALE).join(', ')} bytes`);
  chrome.scaling = await attempt('chromium_scaling', () => page.evaluate((sizes) => window.bench.wasm('scaling', { sizes }), scaleSizes(MAX_SCALE)));
  await context.close();

  step(`Chromium: time to first highlight on www/index.html (${COLD_RUNS} first visits)`);
  chrome.firstHighlight = await attempt('chromium_first_highlight', () => firstHighlight(browser, server));
}

/**
 * Loads www/index.html in a fresh context (a first visit), pastes a short text into #input as
 * soon as the page says it is ready (the page's own UI: a paste highlights at once), and records,
 * in ms since navigation start: ready, the first <mark> in #output, the frame after it (painted),
 * and #status/#output data-state="done". The first visit also waits for the service worker to
 * finish installing, so the server's log holds every file a first visit downloads.
 */
async function firstHighlight(browser, server) {
  const trials = [];
  let downloaded = null;
  for (let i = 0; i < COLD_RUNS; i++) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.addInitScript(probe, FIRST_TEXT);
      server.clearRequests();
      await page.goto(`${server.url}/index.html`);
      await page.waitForFunction(() => (window.__fh && window.__fh.done !== undefined && window.__fh.paint !== undefined) || window.__fh?.error, null, { timeout: 60_000 });
      const t = await page.evaluate(() => ({ ...window.__fh, marks: document.querySelectorAll('#output mark').length }));
      if (t.error) throw new Error(`the page says: ${t.error}`);
      trials.push(t);
      if (i === 0) {
        await page.evaluate(() =>
          navigator.serviceWorker
            ? Promise.race([navigator.serviceWorker.ready, new Promise((r) => setTimeout(r, 15_000))])
            : null,
        );
        await page.waitForLoadState('networkidle');
        downloaded = server.requests();
      }
    } finally {
      await context.close();
    }
  }
  const pick = (k) => median(trials.map((t) => t[k]));
  return {
    text: FIRST_TEXT,
    first_mark_ms: pick('mark'),
    first_paint_ms: pick('paint'),
    done_ms: pick('done'),
    ready_ms: pick('ready'),
    dom_content_loaded_ms: pick('dcl'),
    fallback: trials.find((t) => t.fallback)?.fallback ?? null,
    trials,
    downloaded,
  };
}

/** The init script of firstHighlight (runs in the page before any of its scripts). */
function probe(text) {
  const t = (window.__fh = {});
  const check = () => {
    const status = document.getElementById('status');
    const input = document.getElementById('input');
    const output = document.getElementById('output');
    const run = document.getElementById('run');
    if (!status || !input || !output || !run) return;
    if (t.ready === undefined && (status.dataset.state === 'ready' || !run.disabled)) {
      t.ready = performance.now();
      input.value = text;
      input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
      // Should a paste ever stop starting a run by itself, Ctrl+Enter does (and the trial says so).
      setTimeout(() => {
        if (t.mark === undefined && status.dataset.state === 'ready') {
          t.fallback = 'Ctrl+Enter after 2 s';
          input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }));
        }
      }, 2000);
    }
    if (t.mark === undefined && output.querySelector('mark')) {
      t.mark = performance.now();
      requestAnimationFrame(() => setTimeout(() => (t.paint = performance.now()), 0));
    }
    if (t.mark !== undefined && t.done === undefined && status.dataset.state === 'done' && output.dataset.state !== 'rendering') {
      t.done = performance.now();
    }
    if (status.dataset.state === 'error') t.error = status.textContent;
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'disabled'] });
  document.addEventListener('DOMContentLoaded', () => {
    t.dcl = performance.now();
    check();
  });
}

// --- sizes --------------------------------------------------------------------------------------
step('sizes: raw, gzip -9, brotli of every file the page downloads');
// Brotli at quality 11 takes many seconds on the wasm: results are kept by content hash.
const SIZE_CACHE = join(OUT, 'size-cache.json');
const sizeCache = (() => {
  try {
    return JSON.parse(readFileSync(SIZE_CACHE, 'utf8'));
  } catch {
    return {};
  }
})();
function sizes(file) {
  const body = readFileSync(file);
  const key = createHash('sha256').update(body).digest('hex');
  sizeCache[key] ??= compressedSizes(file, body);
  return { ...sizeCache[key] };
}
function compressedSizes(file, body) {
  return {
    raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length,
        [zlibConstants.BROTLI_PARAM_MODE]: file.endsWith('.wasm') ? zlibConstants.BROTLI_MODE_GENERIC : zlibConstants.BROTLI_MODE_TEXT,
      },
    }).length,
  };
}
const download = await attempt('sizes', () => {
  // What the first visit fetched (the page, its worker and wasm, the service worker's copies),
  // plus the files the page is known to need, in case the log missed one.
  const files = new Map();
  for (const r of chrome.firstHighlight?.downloaded ?? []) {
    if (r.status === 200 && r.file) files.set(r.file, r.path);
  }
  const fromLog = files.size;
  const expected = ['index.html', 'app.js', 'client.js', 'worker.js', 'nerlight.js', 'style.css', 'nerlight-widget.js'];
  for (const f of expected) if (existsSync(join(ROOT, 'www', f)) && !files.has(join(ROOT, 'www', f))) files.set(join(ROOT, 'www', f), `/${f}`);
  for (const f of ['nerlight.js', 'nerlight_bg.wasm']) if (!files.has(join(PKG, f))) files.set(join(PKG, f), `/pkg/${f}`);
  const rows = [...files].map(([file, path]) => ({ path, file: relative(ROOT, file), ...sizes(file) }));
  rows.sort((a, b) => b.raw - a.raw || a.path.localeCompare(b.path));
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const r of rows) for (const k of Object.keys(total)) total[k] += r[k];
  const compromiseBuild = join(ROOT, 'bench', 'node_modules', 'compromise', 'builds', 'compromise.js');
  return {
    from_log: fromLog > 0,
    source: fromLog ? 'the files a first visit to www/index.html fetched (service-worker copies included)' : 'the expected file list (the first visit failed)',
    files: rows,
    total,
    compromise: { file: relative(ROOT, compromiseBuild), ...sizes(compromiseBuild) },
  };
});
try {
  writeFileSync(SIZE_CACHE, JSON.stringify(sizeCache));
} catch {
  // only a cache
}

// --- figures ------------------------------------------------------------------------------------
const ratio = (a, b) => (a && b ? a.tokens_per_second / b.tokens_per_second : null);
const scalingRatio = (rows, get) => {
  if (!rows) return null;
  const at = (bytes) => rows.find((r) => get(r).bytes >= bytes && get(r).bytes < bytes * 2);
  const small = at(100_000);
  const big = at(10_000_000);
  return small && big ? get(big).ns_per_token / get(small).ns_per_token : null;
};
const nativeScaling = native?.scaling?.map(([bytes, tokens, ns]) => ({ bytes, tokens, ns_per_token: ns }));
const chromeScaling = chrome.scaling?.rows;
const figures = {
  native_tokens_per_second: native?.tokens_per_second ?? null,
  native_parallel_tokens_per_second: native?.parallel_tokens_per_second ?? null,
  node_tokens_per_second: node?.nerlight.tokens_per_second ?? null,
  node_vs_compromise: node ? ratio(node.nerlight, node.compromise) : null,
  chromium_tokens_per_second: chrome.page?.tokens_per_second ?? null,
  chromium_vs_compromise: ratio(chrome.page, chrome.compromise),
  chromium_direct_vs_compromise: ratio(chrome.direct, chrome.compromise),
  chromium_cold_start_ms: chrome.cold?.cold_start_ms ?? null,
  node_cold_start_ms: nodeCold?.cold_start_ms ?? null,
  first_highlight_ms: chrome.firstHighlight?.first_paint_ms ?? null,
  scaling_10mb_vs_100kb: scalingRatio(chromeScaling, (r) => r),
  native_scaling_10mb_vs_100kb: scalingRatio(nativeScaling, (r) => r),
  page_gzip_bytes: download?.total.gzip ?? null,
  wasm_memory_after_1mb_bytes: nodeCold?.memory_after_1mb_bytes ?? null,
};
const bar = (value, limit, atMost) => (value == null ? null : atMost ? value <= limit : value >= limit);
const bars = [
  ['wasm in Chromium (the page worker path) ≥ 500,000 tokens/s', bar(figures.chromium_tokens_per_second, BARS.chromium_tokens_per_second), fmtRate(figures.chromium_tokens_per_second)],
  ['wasm in Chromium ≥ 25× compromise in the same browser', bar(figures.chromium_vs_compromise, BARS.chromium_vs_compromise), fmtRatio(figures.chromium_vs_compromise)],
  ['native ≥ 1,000,000 tokens/s', bar(figures.native_tokens_per_second, BARS.native_tokens_per_second), fmtRate(figures.native_tokens_per_second)],
  ['cold start in Chromium ≤ 50 ms', bar(figures.chromium_cold_start_ms, BARS.chromium_cold_start_ms, true), fmtMs(figures.chromium_cold_start_ms)],
  ['per-token time at 10 MB within 1.5× of 100 kB (wasm, Chromium)', bar(figures.scaling_10mb_vs_100kb, BARS.scaling_10mb_vs_100kb, true), fmtRatio(figures.scaling_10mb_vs_100kb)],
  ['total gzip download for the page ≤ 3 MB', bar(figures.page_gzip_bytes, BARS.page_gzip_bytes, true), fmtMB(figures.page_gzip_bytes)],
  // The native bar (third) is judged on one thread; this line says what all the cores do.
  [`native with ${native?.threads ?? '?'} threads (one per core, one shared extractor) ≥ 1,000,000 tokens/s`,
    bar(figures.native_parallel_tokens_per_second, BARS.native_tokens_per_second), fmtRate(figures.native_parallel_tokens_per_second)],
];

// --- versions and machine -----------------------------------------------------------------------
const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};
const cpuModel = (() => {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? m[1].trim() : cpus()[0]?.model;
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
})();
const pkgVersion = (dir) => {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
};
const machine = {
  nproc: Number(sh('nproc', [])) || cpus().length,
  cpu: cpuModel,
  memory_gib: Math.round(Number(/MemTotal:\s+(\d+)/.exec(safeRead('/proc/meminfo'))?.[1] || 0) / 1048576),
  load_average_at_start: safeRead('/proc/loadavg').split(' ').slice(0, 3).join(' '),
  os: /PRETTY_NAME="([^"]+)"/.exec(safeRead('/etc/os-release'))?.[1] ?? process.platform,
};
const versions = {
  nerlight: chrome.page?.version ?? null,
  git: sh('git', ['rev-parse', '--short', 'HEAD']),
  git_dirty: sh('git', ['status', '--porcelain', '--', 'src', 'models', 'Cargo.toml', 'Cargo.lock', 'www']) ? true : false,
  rustc: sh('rustc', ['--version']),
  wasm_bindgen: sh('wasm-bindgen', ['--version']),
  wasm_opt: sh(join(ROOT, 'e2e', 'node_modules', '.bin', 'wasm-opt'), ['--version']),
  node: process.version,
  chromium: browserVersion,
  playwright_core: pkgVersion(join(ROOT, 'bench', 'node_modules', 'playwright-core')),
  compromise: pkgVersion(join(ROOT, 'bench', 'node_modules', 'compromise')),
};
function safeRead(f) {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

// --- the table ----------------------------------------------------------------------------------
function fmtInt(x) {
  return x == null ? 'n/a' : Math.round(x).toLocaleString('en');
}
function fmtRate(x) {
  return x == null ? 'n/a' : `${fmtInt(x)} tokens/s`;
}
function fmtRatio(x) {
  return x == null ? 'n/a' : `${x.toFixed(x < 10 ? 2 : 1)}×`;
}
function fmtMs(x) {
  return x == null ? 'n/a' : `${x.toFixed(x < 100 ? 1 : 0)} ms`;
}
function fmtMB(x) {
  return x == null ? 'n/a' : `${(x / 1e6).toFixed(2)} MB`;
}
function fmtKB(x) {
  return x == null ? 'n/a' : `${(x / 1e3).toFixed(1)} kB`;
}
function mark(ok) {
  return ok == null ? 'n/a' : ok ? '**met**' : '**not met**';
}
const nodeName = `Node ${process.version}`;
const chromeName = `Chromium ${browserVersion ?? '(did not start)'}`;
const rows = [];
const row = (measure, where, tps, mbs, vs, result, barText = '') => rows.push([measure, where, tps, mbs, vs, result, barText]);
const failed = (name) => `failed: ${errors[name] ?? (name.startsWith('chromium') ? errors.chromium : null) ?? 'no result'}`;
const through = (name, measure, where, r, vs, barText, key) => {
  if (!r) return row(measure, where, '', '', '', failed(key));
  row(measure, where, fmtInt(r.tokens_per_second), r.mb_per_second.toFixed(2), vs == null ? '' : fmtRatio(vs), `${r.seconds.toFixed(3)} s a pass (best ${r.best_seconds.toFixed(3)} s)`, barText);
};

through('native', 'throughput: nerlight (Rust, release)', 'native', native, null, `≥ 1,000,000 tokens/s: ${mark(bars[2][1])}`, 'native');
if (native?.parallel_tokens_per_second) {
  row(`throughput: nerlight (Rust, release), ${native.threads} threads sharing one extractor`, 'native',
    fmtInt(native.parallel_tokens_per_second), (native.bytes / 1e6 / native.parallel_seconds).toFixed(2), '',
    `${native.parallel_seconds.toFixed(3)} s a pass`, `≥ 1,000,000 tokens/s: ${mark(bars[6][1])}`);
}
through('node', 'throughput: nerlight wasm, `extract(doc)`', nodeName, node?.nerlight, figures.node_vs_compromise, '', 'node');
through('node', `throughput: compromise ${versions.compromise}`, nodeName, node?.compromise, null, '', 'node');
through('page', 'throughput: nerlight wasm, the page worker (client.js → worker.js)', chromeName, chrome.page, figures.chromium_vs_compromise,
  `≥ 500,000 tokens/s: ${mark(bars[0][1])}; ≥ 25×: ${mark(bars[1][1])}`, 'chromium_page');
through('direct', 'throughput: nerlight wasm, `extract(doc)` in a worker', chromeName, chrome.direct, figures.chromium_direct_vs_compromise, '', 'chromium_direct');
through('compromise', `throughput: compromise ${versions.compromise} (browser build, worker)`, chromeName, chrome.compromise, null, '', 'chromium_compromise');

const trialList = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
row('cold start: bytes in hand → first result', 'native', '', '', '', native ? fmtMs(native.cold_start_ms) : failed('native'));
row('cold start: bytes in hand → first result', nodeName, '', '', '', nodeCold ? `${fmtMs(nodeCold.cold_start_ms)}: init ${fmtMs(nodeCold.init_ms)} + first extract ${fmtMs(nodeCold.first_extract_ms)} (fresh processes: ${trialList(nodeCold.cold_start_trials_ms)})` : failed('node_cold'));
row('cold start: bytes fetched, then compile + instantiate + model + first extract', chromeName, '', '', '',
  chrome.cold ? `${fmtMs(chrome.cold.cold_start_ms)}: init ${fmtMs(chrome.cold.init_ms)} + first extract ${fmtMs(chrome.cold.first_extract_ms)} (fresh workers: ${trialList(chrome.cold.trials_ms)})` : failed('chromium_cold'), `≤ 50 ms: ${mark(bars[3][1])}`);
const fh = chrome.firstHighlight;
row('time to first highlight: www/index.html, short text pasted when ready', chromeName, '', '', '',
  fh ? `${fmtMs(fh.first_paint_ms)} from navigation to the first mark painted (DOMContentLoaded ${fmtMs(fh.dom_content_loaded_ms)}, model ready ${fmtMs(fh.ready_ms)}, mark in the DOM ${fmtMs(fh.first_mark_ms)}, done ${fmtMs(fh.done_ms)})` +
        (fh.fallback ? `; NOTE: the paste did not start a run, ${fh.fallback}` : '') : failed('chromium_first_highlight'));
row('peak memory: wasm linear memory after a 1 MB input', nodeName, '', '', '',
  nodeCold ? `${fmtMB(nodeCold.memory_after_1mb_bytes)} (${fmtMB(nodeCold.memory_after_load_bytes)} after load; one extract() of ${fmtMB(nodeCold.memory_input_bytes)}: ${fmtMs(nodeCold.extract_1mb_ms)})` : failed('node_cold'));
const scaleText = (rs) => rs.map((r) => `${fmtKB(r.bytes)}: ${(r.ns_per_token / 1000).toFixed(2)} µs`).join(' · ');
row('scaling: time per token, one extract() per input', 'native', '', '', '',
  nativeScaling ? `${scaleText(nativeScaling)}; 10 MB ÷ 100 kB = ${fmtRatio(figures.native_scaling_10mb_vs_100kb)}` : failed('native'));
row('scaling: time per token, one extract() per input', `${chromeName} (worker)`, '', '', '',
  chromeScaling
    ? `${scaleText(chromeScaling)}; 10 MB ÷ 100 kB = ${fmtRatio(figures.scaling_10mb_vs_100kb)}; wasm linear memory afterwards ${fmtMB(chrome.scaling.memory_bytes)}`
    : failed('chromium_scaling'),
  `≤ 1.5×: ${mark(bars[4][1])}`);
const sizeText = (s) => `${fmtKB(s.raw)} raw · ${fmtKB(s.gzip)} gzip -9 · ${fmtKB(s.brotli)} brotli`;
if (download) {
  for (const f of download.files) row(`download: ${f.path}`, 'the page', '', '', '', sizeText(f));
  row(`**download: total, ${download.files.length} files**${download.from_log ? '' : ' (the expected list: the page visit failed)'}`, 'the page', '', '', '', `**${sizeText(download.total)}**`, `gzip ≤ 3 MB: ${mark(bars[5][1])}`);
  row('download: compromise browser build (builds/compromise.js)', 'for comparison', '', '', '', sizeText(download.compromise));
} else row('download', 'the page', '', '', '', failed('sizes'));

const header = ['measurement', 'environment', 'tokens/s', 'MB/s', 'nerlight ÷ compromise', 'result', 'bar'];
const table = [
  `| ${header.join(' | ')} |`,
  `| ${header.map((_, i) => (i >= 2 && i <= 4 ? '---:' : '---')).join(' | ')} |`,
  ...rows.map((r) => `| ${r.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`),
].join('\n');
const barLines = bars.map(([name, ok, value]) => `- ${ok == null ? 'NOT MEASURED' : ok ? 'MET' : 'NOT MET'}: ${name} (measured: ${value})`).join('\n');
const when = new Date();
const seedCount = readdirSync(join(ROOT, 'tests', 'fixtures', 'seeds')).filter((f) => f.endsWith('.txt')).length;
const corpusLine =
  `Corpus: ${corpus.documents} documents, ${corpus.tokens.toLocaleString('en')} tokens (whitespace-separated words), ` +
  `${(corpus.bytes / 1e6).toFixed(2)} MB: ` +
  (corpus.documents > seedCount ? `CoNLL-2003 test laid out as text (${corpus.documents - seedCount} documents) + ` : 'CoNLL-2003 absent here, so ') +
  `the ${seedCount} seed articles. ` +
  `Throughput: one warm-up pass, then the median of ${RUNS} passes (compromise: ${PEER_RUNS}); cold starts and first highlight: the median of ${COLD_RUNS}.`;

console.log(`\n${corpusLine}\n\n${table}\n\nBars:\n${barLines}\n`);
if (Object.keys(errors).length) console.log(`Not measured: ${Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join('; ')}\n`);

// --- outputs ------------------------------------------------------------------------------------
mkdirSync(OUT, { recursive: true });
const results = {
  date: when.toISOString(),
  machine,
  versions,
  settings: { runs: RUNS, peer_runs: PEER_RUNS, cold_runs: COLD_RUNS, max_scale: MAX_SCALE, chromium_args: CHROMIUM_ARGS },
  corpus,
  figures,
  bars: Object.fromEntries(bars.map(([name, ok, value]) => [name, { met: ok, measured: value }])),
  native,
  node,
  node_cold: nodeCold,
  chromium: chrome,
  download,
  errors,
  seconds: (Date.now() - started) / 1000,
};
writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
if (!env.BENCH_NO_RECORD) {
  const md = [
    '# nerlight benchmark record',
    '',
    'Written by `make bench` (bench/run.mjs); every row below was measured in the same run on the same corpus.',
    'All figures, trial by trial, are in `target/bench/results.json` after a run.',
    '',
    `- Date: ${when.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Machine: ${machine.nproc} CPUs (nproc), ${machine.cpu}, ${machine.memory_gib} GiB, ${machine.os}; load average at start ${machine.load_average_at_start}`,
    `- Versions: nerlight ${versions.nerlight ?? '?'} (git ${versions.git ?? '?'}${versions.git_dirty ? ', uncommitted changes' : ''}), ${versions.rustc ?? 'rustc ?'}, ` +
      `${versions.wasm_bindgen ?? 'wasm-bindgen ?'}, ${(versions.wasm_opt ?? 'wasm-opt ?').split(' (')[0]} (-Oz), Node ${versions.node}, ` +
      `Chromium ${versions.chromium} (headless, via playwright-core ${versions.playwright_core}), compromise ${versions.compromise}`,
    `- ${corpusLine}`,
    '',
    table,
    '',
    'Bars:',
    '',
    barLines,
    '',
    ...(Object.keys(errors).length ? [`Not measured: ${Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join('; ')}`, ''] : []),
    'How each row is measured: see "Benchmarks" in README.md.',
    '',
  ].join('\n');
  writeFileSync(RECORD, md);
}
step(`done: target/bench/results.json${env.BENCH_NO_RECORD ? '' : ', bench/RESULTS.md'}`);
