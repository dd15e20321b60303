// nerlight extraction worker (module worker): runs ./nerlight.js off the main thread.
//
// Messages in:  { type: 'load', wasm? }                       wasm: bytes or a URL (optional)
//               { type: 'extract', id, text, options }        options: see extract() in nerlight.js
//                                                             (types, minScore, dictionary, suppress,
//                                                             ignoreCase, chunkSize)
//               { type: 'cancel', id }
// Messages out: { type: 'ready', version }
//               { type: 'chunk', id, start, end, starts, ends, labels, scores,
//                 done, total, chunk, chunks, result? }
//                   one chunk's entities as transferred typed arrays (whole-text UTF-16 offsets;
//                   labels index LABELS), in text order, as soon as the chunk is done, with the
//                   progress after it; the last chunk also carries `result: { ms, chunks, count }`,
//                   so a short text costs one message, not three
//               { type: 'cancelled', id }
//               { type: 'error', id, message }                (id is null for a load failure)
//
// Requests are served one at a time, in order; a cancelled request stops at its next chunk.
// Entities travel as typed arrays, not objects: the entity text is `text.slice(start, end)`, so
// the main thread has almost nothing to deserialise even for a 1 MB text.

import { load, extract, LABELS } from './nerlight.js';

const LABEL_INDEX = Object.fromEntries(LABELS.map((l, i) => [l, i]));
const queue = [];
const controllers = new Map(); // id -> AbortController, for queued and running requests
let pumping = false;
let loaded = null;

function ensureLoaded(wasm) {
  if (!loaded) {
    loaded = load(wasm === undefined ? {} : { wasm }).then(
      ({ version }) => {
        self.postMessage({ type: 'ready', version });
        return true;
      },
      (err) => {
        self.postMessage({ type: 'error', id: null, message: `Could not load the model: ${errorText(err)}` });
        return false;
      },
    );
  }
  return loaded;
}

self.onmessage = (event) => {
  const msg = event.data;
  if (!msg || typeof msg !== 'object') return;
  switch (msg.type) {
    case 'load':
      ensureLoaded(msg.wasm);
      break;
    case 'extract':
      controllers.set(msg.id, new AbortController());
      queue.push(msg);
      pump();
      break;
    case 'cancel':
      controllers.get(msg.id)?.abort();
      break;
  }
};

async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length) {
      const msg = queue.shift();
      await serve(msg);
      controllers.delete(msg.id);
    }
  } finally {
    pumping = false;
  }
}

async function serve({ id, text, options = {} }) {
  const signal = controllers.get(id).signal;
  if (signal.aborted) {
    self.postMessage({ type: 'cancelled', id });
    return;
  }
  if (!(await ensureLoaded())) {
    self.postMessage({ type: 'error', id, message: 'The model could not be loaded.' });
    return;
  }
  const t0 = performance.now();
  let count = 0;
  // Each chunk's message waits for its progress; the last one waits for the result as well.
  let pending = null;
  const post = ({ message, transfer }) => self.postMessage(message, transfer);
  try {
    await extract(String(text), {
      ...options,
      signal,
      onChunk({ start, end, entities }) {
        const n = entities.length;
        const starts = new Uint32Array(n);
        const ends = new Uint32Array(n);
        const labels = new Uint8Array(n);
        const scores = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const e = entities[i];
          starts[i] = e.start;
          ends[i] = e.end;
          labels[i] = LABEL_INDEX[e.label];
          scores[i] = e.score;
        }
        count += n;
        pending = {
          message: { type: 'chunk', id, start, end, starts, ends, labels, scores },
          transfer: [starts.buffer, ends.buffer, labels.buffer, scores.buffer],
        };
      },
      onProgress(p) {
        Object.assign(pending.message, p);
        if (p.chunk < p.chunks) {
          post(pending);
          pending = null;
        }
      },
    });
  } catch (err) {
    if (signal.aborted) self.postMessage({ type: 'cancelled', id });
    else self.postMessage({ type: 'error', id, message: errorText(err) });
    return;
  }
  pending.message.result = { ms: performance.now() - t0, chunks: pending.message.chunks, count };
  post(pending);
}

function errorText(err) {
  return err && err.message ? err.message : String(err);
}
