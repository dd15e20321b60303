// nerlight extraction worker (module worker): the only place that calls the wasm.
//
// Messages in:  { type: 'extract', id, text }
// Messages out: { type: 'ready', version }
//               { type: 'progress', id, done, total, chunk, chunks }   (UTF-16 units done / total)
//               { type: 'result', id, entities, ms, chunks, mismatches }
//               { type: 'error', id, message }                         (id is null for a load failure)
//
// Long texts are processed in paragraph chunks so that progress can be reported and a newer
// request can supersede an older one between chunks. Chunk offsets are JavaScript string
// indices (UTF-16 code units), like the offsets extract() returns, so shifting an entity back
// to whole-text indices is a plain addition.

import init, { extract, version } from './pkg/nerlight.js';

/**
 * Aim for chunks of about this many UTF-16 code units (cut at paragraph breaks). Large, because
 * the model reads a whole chunk as one document (a name tagged in one paragraph informs the
 * others): an article is one chunk; only long texts are split, for progress and cancelling.
 */
const CHUNK_TARGET = 60000;
/** A single paragraph longer than this may be cut at a single line break. */
const CHUNK_HARD_MAX = 4 * CHUNK_TARGET;

let latestId = null;

const ready = (async () => {
  await init();
  // Load the embedded model now (it is parsed on first use), so that a broken model shows at
  // start-up rather than on the first request, and the first request is not slower.
  extract('Warm-up.');
  return version();
})().then(
  (v) => {
    self.postMessage({ type: 'ready', version: v });
  },
  (err) => {
    self.postMessage({ type: 'error', id: null, message: `Could not load the model: ${errorText(err)}` });
    throw err;
  },
);
ready.catch(() => {}); // reported above; requests check it again

self.onmessage = async (event) => {
  const msg = event.data;
  if (!msg || msg.type !== 'extract') return;
  latestId = msg.id;
  try {
    await ready;
  } catch {
    return; // already reported
  }
  if (msg.id !== latestId) return; // superseded while the model was loading
  try {
    await run(msg.id, String(msg.text));
  } catch (err) {
    self.postMessage({ type: 'error', id: msg.id, message: errorText(err) });
  }
};

async function run(id, text) {
  const t0 = performance.now();
  const chunks = splitChunks(text);
  const entities = [];
  let mismatches = 0;
  for (let i = 0; i < chunks.length; i++) {
    const { start, end } = chunks[i];
    const piece = text.slice(start, end);
    for (const e of extract(piece)) {
      const s = start + e.start;
      const t = start + e.end;
      if (text.slice(s, t) !== e.text) mismatches++;
      entities.push({ start: s, end: t, label: e.label, text: e.text, score: e.score });
    }
    if (chunks.length > 1) {
      self.postMessage({ type: 'progress', id, done: end, total: text.length, chunk: i + 1, chunks: chunks.length });
      if (i + 1 < chunks.length) {
        // Let a newer request (and the progress message) through before the next chunk.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (latestId !== id) return;
      }
    }
  }
  const ms = performance.now() - t0;
  self.postMessage({ type: 'result', id, entities, ms, chunks: chunks.length, mismatches });
}

/**
 * Splits `text` into consecutive [start, end) ranges (UTF-16 indices) that cover it exactly,
 * cut only right after a blank line (a paragraph break), or after a single line break when a
 * paragraph is very long. Cuts after '\n' never split a surrogate pair or a grapheme.
 */
export function splitChunks(text) {
  if (text.length <= CHUNK_TARGET) return [{ start: 0, end: text.length }];
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
    while (j < cuts.length && cuts[j] - start <= CHUNK_TARGET) end = cuts[j++];
    if (end < 0 && j < cuts.length) end = cuts[j];
    if (end < 0) end = text.length;
    if (end - start > CHUNK_HARD_MAX) {
      const nl = text.lastIndexOf('\n', start + CHUNK_TARGET);
      if (nl >= start + 1) end = nl + 1;
      else {
        const next = text.indexOf('\n', start + CHUNK_TARGET);
        if (next >= 0 && next + 1 < end) end = next + 1;
      }
    }
    chunks.push({ start, end });
    start = end;
  }
  return chunks;
}

function errorText(err) {
  return err && err.message ? err.message : String(err);
}
