// Shared by the Node tests: where the builds are, the Node build of the wasm, and the
// invariants every extract() result must hold.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target');
/** The wasm built for Node (`make node-pkg`): wasm-bindgen --target nodejs, never www/pkg. */
export const NODE_PKG = path.resolve(ROOT, process.env.NERLIGHT_NODE_PKG || path.join(TARGET, 'node-pkg'));
/** The native CLI (`cargo build --release`). */
export const CLI = path.resolve(ROOT, process.env.NERLIGHT_CLI || path.join(TARGET, 'release', 'nerlight'));
/** The corpora, as tests/corpus.rs finds them. */
export const DATA = path.resolve(ROOT, process.env.NERLIGHT_DATA || '../shared/data');

/** The wasm module as Node loads it; fails with what to run when it was not built. */
export function loadWasm() {
  const entry = path.join(NODE_PKG, 'nerlight.js');
  assert.ok(existsSync(entry), `${entry} is missing: run \`make node-pkg\` first`);
  return createRequire(import.meta.url)(entry);
}

/** Asserts the invariants of one extract() result on `text`; returns the entities. */
export function checkResult(text, entities) {
  assert.ok(Array.isArray(entities), 'extract() returns an Array');
  let prevEnd = 0;
  for (const e of entities) {
    assert.deepEqual(Object.keys(e).sort(), ['end', 'label', 'score', 'start', 'text']);
    assert.ok(Number.isInteger(e.start) && Number.isInteger(e.end), `integer offsets: ${JSON.stringify(e)}`);
    assert.ok(prevEnd <= e.start && e.start < e.end && e.end <= text.length, `span in bounds, sorted: ${JSON.stringify(e)}`);
    assert.ok(['PER', 'LOC', 'ORG'].includes(e.label), e.label);
    assert.ok(e.score >= 0 && e.score <= 1, `score ${e.score}`);
    assert.equal(text.slice(e.start, e.end), e.text, 'text.slice(start, end) === e.text');
    prevEnd = e.end;
  }
  return entities;
}

/** xorshift32: a small seeded generator, so that failures reproduce. */
export function rng(seed) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
  return { next, below: (n) => next() % n, pick: (list) => list[next() % list.length] };
}

const NAMES = ['Jens', 'Stoltenberg', 'Vladimir', 'Putin', 'Zoë', 'Bucharest', 'Romania', 'NATO', 'Ukraine', 'Kyiv',
  'Reuters', 'Angela', 'Merkel', 'Berlin', 'Microsoft', "O'Brien", 'São', 'Paulo', 'U.S.', 'Mr.', 'New', 'York'];
const WORDS = ['the', 'said', 'met', 'in', 'and', 'for', 'officials', 'on', 'Tuesday', 'visited', 'of', 'The'];
const PUNCT = ['.', ',', ';', ':', '!', '?', '…', '"', '“', '”', '’s', '(', ')', '-', '—'];
const HOSTILE = ['e\u0301', '👨‍👩‍👧', '👍🏽', '🇷🇴', '\u200D', '\u200B', '\uFEFF', '\u202E', 'مرحبا', 'שָׁלוֹם', '\0', '\x1b',
  '\r\n', '\r', '\n', '\t', '\u2028', '\u00A0', '東京', '𠮷', '\uFFFD', '\u{10FFFF}', '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>', 'ＮＡＴＯ'];

/** A hostile or realistic string; with `surrogates`, lone and reversed surrogates too. */
export function generate(r, { surrogates = true } = {}) {
  let s = '';
  const pieces = r.below(60);
  for (let i = 0; i < pieces; i++) {
    const k = r.below(surrogates ? 20 : 16);
    if (k <= 5) s += r.pick(NAMES);
    else if (k <= 9) s += r.pick(WORDS);
    else if (k <= 11) s += r.pick(PUNCT);
    else if (k <= 14) s += r.pick(HOSTILE);
    else if (k === 15) s += String.fromCharCode(97 + r.below(26)).repeat(1 + r.below(300));
    else if (k === 16) s += String.fromCharCode(0xd800 + r.below(0x400));
    else if (k === 17) s += String.fromCharCode(0xdc00 + r.below(0x400));
    else if (k === 18) s += '\uDC00\uD800';
    else s += String.fromCharCode(r.below(0x10000));
    s += r.pick([' ', ' ', ' ', ' ', ' ', '', '\n', surrogates ? '\uD800' : ' ']);
  }
  return s;
}
