// nerlight: the one JavaScript API over the wasm, used by the page's worker, the widget, the
// single-file build and the npm package. It runs wherever an ES module runs: the main thread,
// a Web Worker, Node.
//
//   import { load, extract } from './nerlight.js';
//   await load();                       // optional: extract() loads on first use
//   const entities = await extract('Jens Stoltenberg spoke in Bucharest.', { minScore: 0.5 });
//   // [{ start: 0, end: 16, label: 'PER', text: 'Jens Stoltenberg', score: 0.99 }, ...]
//
// Offsets are JavaScript string indices (UTF-16 code units, end exclusive), so
// `text.slice(e.start, e.end) === e.text` always holds. Long texts are processed in chunks cut at
// paragraph breaks; between chunks the event loop runs, so progress can be shown and `signal`
// (an AbortSignal) can cancel.

import init, { extractSpans as wasmSpans, extractSpansWith, Dictionary, version as wasmVersion } from './pkg/nerlight.js';

/** The labels nerlight reports, in display order. */
export const LABELS = Object.freeze(['PER', 'LOC', 'ORG']);

/**
 * Aim for chunks of about this many UTF-16 code units (cut at paragraph breaks). Large, because
 * the model reads a whole chunk as one document (a name tagged in one paragraph informs the
 * others): an article is one chunk; only long texts are split, for progress and cancelling.
 */
export const CHUNK_TARGET = 60000;

let loading = null;
let loadedVersion = null;
let defaultWasm = null; // a function returning what init() takes, set by the Node entry

/**
 * Sets where `load()` gets the wasm when it is given none: a function returning a URL, a
 * Response, bytes, or a promise of one of those. The Node entry of the npm package reads the
 * file next to it; browsers fetch `./pkg/nerlight_bg.wasm` relative to this module by default.
 */
export function setWasmSource(source) {
  defaultWasm = source;
}

/**
 * Loads the wasm and its embedded model (once; later calls return the same promise).
 * `options.wasm`: a URL, Response, ArrayBuffer/typed array or WebAssembly.Module to use instead
 * of the default. Resolves to `{ version }`; rejects if the wasm or the model cannot load.
 */
export function load(options = {}) {
  if (!loading) {
    loading = (async () => {
      let source = options.wasm;
      if (source === undefined && defaultWasm) source = await defaultWasm();
      source = await source;
      // A base64 data: URL (the single-file build) is decoded here rather than fetched: that
      // needs no network permission and works from file://.
      if (typeof source === 'string' && source.startsWith('data:')) source = decodeDataUrl(source);
      await init(source === undefined ? undefined : { module_or_path: source });
      // Parse the embedded model now (it is loaded on first use), so that a broken model shows
      // at load time rather than on the first request, and the first request is not slower.
      wasmSpans('Warm-up.');
      loadedVersion = wasmVersion();
      return { version: loadedVersion };
    })();
    loading.catch(() => {
      loading = null; // a later call may try again (the network may be back)
    });
  }
  return loading;
}

/** The bytes of a base64 `data:` URL. */
function decodeDataUrl(url) {
  const base64 = url.slice(url.indexOf(',') + 1);
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(base64);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The version string, e.g. `"0.1.0 (conll-en)"`, or null before `load()` has finished. */
export function version() {
  return loadedVersion;
}

/**
 * Normalises the dictionary options into `{ names, labels, suppress, ignoreCase }` arrays, or
 * null when there is nothing to add or suppress. `dictionary` is either `{ "Acme Rockets": "ORG" }`
 * (name → label) or `{ ORG: ["Acme Rockets"], PER: [...] }` (a list per label), or an array of
 * `[name, label]` pairs. Throws a TypeError on anything else.
 */
export function normalizeDictionary({ dictionary, suppress, ignoreCase } = {}) {
  const names = [];
  const labels = [];
  const add = (name, label) => {
    if (typeof name !== 'string' || typeof label !== 'string') {
      throw new TypeError(`nerlight: a dictionary entry must be a name and a label, got ${typeof name} and ${typeof label}`);
    }
    names.push(name);
    labels.push(label.toUpperCase());
  };
  if (Array.isArray(dictionary)) {
    for (const pair of dictionary) {
      if (!Array.isArray(pair)) throw new TypeError('nerlight: a dictionary array holds [name, label] pairs');
      add(pair[0], pair[1]);
    }
  } else if (dictionary && typeof dictionary === 'object') {
    for (const [key, value] of Object.entries(dictionary)) {
      if (Array.isArray(value)) for (const name of value) add(name, key);
      else add(key, value);
    }
  } else if (dictionary != null) {
    throw new TypeError('nerlight: `dictionary` must be an object or an array of [name, label] pairs');
  }
  const suppressed = suppress == null ? [] : Array.isArray(suppress) ? suppress.map(String) : [String(suppress)];
  if (names.length === 0 && suppressed.length === 0) return null;
  return { names, labels, suppress: suppressed, ignoreCase: !!ignoreCase };
}

let compiled = { key: null, dictionary: null };

/** The compiled wasm Dictionary for normalised options, reusing the last one when unchanged. */
function compileDictionary(norm) {
  const key = JSON.stringify(norm);
  if (compiled.key !== key) {
    const dictionary = new Dictionary(norm.names, norm.labels, norm.suppress, norm.ignoreCase);
    if (compiled.dictionary) compiled.dictionary.free();
    compiled = { key, dictionary };
  }
  return compiled.dictionary;
}

/**
 * The entities of `text`, sorted and non-overlapping.
 *
 * options:
 * - `types`: the labels to keep, e.g. `['PER', 'ORG']` (default: all);
 * - `minScore`: drop entities whose confidence is below this (0..1, default 0);
 * - `dictionary`, `suppress`, `ignoreCase`: custom names (see `normalizeDictionary`), matched as
 *   whole words alongside the model; a dictionary match (score 1) wins over a model entity it
 *   overlaps, and model entities whose text is a suppressed name are dropped;
 * - `signal`: an AbortSignal; aborting rejects with its reason (an AbortError by default);
 * - `onProgress({ done, total, chunk, chunks })`: after each chunk (`done`/`total` in UTF-16 units);
 * - `onChunk({ start, end, entities })`: each chunk's entities (whole-text offsets) as soon as
 *   they are known, for progressive display;
 * - `chunkSize`: the chunk target in UTF-16 units (default `CHUNK_TARGET`).
 */
export async function extract(text, options = {}) {
  const { onChunk } = options;
  text = String(text ?? '');
  const out = [];
  await extractSpans(text, {
    ...options,
    onChunk({ start, end, spans }) {
      const entities = spansToEntities(text, spans);
      for (const e of entities) out.push(e);
      if (onChunk) onChunk({ start, end, entities });
    },
  });
  return out;
}

/**
 * `extract` without the objects, for code that sends results on (the page's worker transfers
 * them to the main thread as they are): the same options, but `onChunk({ start, end, spans })`
 * gets each chunk's entities as one `Uint32Array` of four numbers per entity, `start, end,
 * label, score` (whole-text UTF-16 offsets, `label` an index into `LABELS`, `score` the bits of
 * a float32: see `spansToEntities`). A fresh array each time, the caller's to keep or transfer.
 * Resolves to the number of entities.
 */
export async function extractSpans(text, options = {}) {
  const { types, minScore = 0, signal, onProgress, onChunk, chunkSize = CHUNK_TARGET } = options;
  text = String(text ?? '');
  signal?.throwIfAborted();
  await load();
  signal?.throwIfAborted();
  const norm = normalizeDictionary(options);
  const dictionary = norm ? compileDictionary(norm) : null;
  const keep = types ? new Set([...types].map((t) => String(t).toUpperCase())) : null;
  const keepLabel = keep ? LABELS.map((l) => keep.has(l)) : null;
  const chunks = splitChunks(text, chunkSize);
  let count = 0;
  for (let i = 0; i < chunks.length; i++) {
    const { start, end } = chunks[i];
    const piece = start === 0 && end === text.length ? text : text.slice(start, end);
    const found = dictionary ? extractSpansWith(piece, dictionary) : wasmSpans(piece);
    const spans = keepSpans(found, start, keepLabel, minScore);
    count += spans.length / 4;
    if (onChunk) onChunk({ start, end, spans });
    if (onProgress) onProgress({ done: end, total: text.length, chunk: i + 1, chunks: chunks.length });
    if (i + 1 < chunks.length) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
    }
  }
  return count;
}

/**
 * The spans of one chunk moved by `offset` to whole-text offsets, without those whose label is
 * not kept (`keepLabel[label]` false) or whose score is below `minScore`. Works in place on
 * `spans` (fresh from the wasm) and copies only when it drops some.
 */
function keepSpans(spans, offset, keepLabel, minScore) {
  if (offset === 0 && !keepLabel && !(minScore > 0)) return spans;
  const scores = new Float32Array(spans.buffer, spans.byteOffset, spans.length);
  let n = 0;
  for (let i = 0; i < spans.length; i += 4) {
    if (keepLabel && !keepLabel[spans[i + 2]]) continue;
    if (scores[i + 3] < minScore) continue;
    spans[n] = spans[i] + offset;
    spans[n + 1] = spans[i + 1] + offset;
    spans[n + 2] = spans[i + 2];
    spans[n + 3] = spans[i + 3];
    n += 4;
  }
  return n === spans.length ? spans : spans.slice(0, n);
}

/**
 * The entity objects `{ start, end, label, text, score }` of spans that `extractSpans` gave for
 * `text`: `text` is `text.slice(start, end)`, `score` the float32 read as a number.
 */
export function spansToEntities(text, spans) {
  const scores = new Float32Array(spans.buffer, spans.byteOffset, spans.length);
  const entities = [];
  for (let i = 0; i < spans.length; i += 4) {
    const start = spans[i];
    const end = spans[i + 1];
    entities.push({ start, end, label: LABELS[spans[i + 2]], text: text.slice(start, end), score: scores[i + 3] });
  }
  return entities;
}

/**
 * Lets other tasks (messages, input, rendering) run. In a worker it goes round the task queue
 * through a MessageChannel: `scheduler.yield()` resumes there before the messages already
 * queued, so a `cancel` from the page would only arrive once the whole text is done, and
 * `setTimeout` is clamped to 4 ms after a few nested calls.
 */
export function yieldToEventLoop() {
  if (typeof WorkerGlobalScope !== 'undefined' && typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      if (!loop) {
        // One channel for the worker's lifetime (making and closing one per yield costs more).
        loop = new MessageChannel();
        loop.port1.onmessage = () => loopWaiting.shift()();
      }
      loopWaiting.push(resolve);
      loop.port2.postMessage(null);
    });
  }
  if (typeof scheduler !== 'undefined' && typeof scheduler.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

let loop = null; // the worker's MessageChannel for yieldToEventLoop
const loopWaiting = []; // its callers' resolve functions, oldest first

/**
 * Splits `text` into consecutive [start, end) ranges (UTF-16 indices) that cover it exactly,
 * cut only right after a blank line (a paragraph break), or after a single line break when a
 * paragraph is very long, or at a space when a line is. Cuts never split a surrogate pair.
 */
export function splitChunks(text, target = CHUNK_TARGET) {
  const hardMax = 4 * target;
  if (text.length <= target) return [{ start: 0, end: text.length }];
  const paragraphBreak = /\n[ \t\r]*\n\s*/g;
  const cuts = [];
  for (let m; (m = paragraphBreak.exec(text)); ) cuts.push(m.index + m[0].length);
  const chunks = [];
  let start = 0;
  let ci = 0;
  while (start < text.length) {
    // Furthest paragraph cut within the target, else the first cut beyond it.
    let end = -1;
    while (ci < cuts.length && cuts[ci] <= start) ci++;
    let j = ci;
    while (j < cuts.length && cuts[j] - start <= target) end = cuts[j++];
    if (end < 0 && j < cuts.length) end = cuts[j];
    if (end < 0) end = text.length;
    if (end - start > hardMax) end = softCut(text, start, start + target, start + hardMax);
    chunks.push({ start, end });
    start = end;
  }
  return chunks;
}

/** A cut in (start, max]: after a line break near `want`, else after a space, else at `want`. */
function softCut(text, start, want, max) {
  const nl = text.lastIndexOf('\n', want);
  if (nl > start) return nl + 1;
  const next = text.indexOf('\n', want);
  if (next >= 0 && next + 1 <= max) return next + 1;
  const sp = text.lastIndexOf(' ', want);
  if (sp > start) return sp + 1;
  let cut = Math.min(want, text.length);
  const c = text.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut++; // do not split a surrogate pair
  return cut;
}
