// nerlight extraction worker (module worker): runs ./nerlight.js off the main thread.
//
// Messages in:  { type: 'load', wasm? }                       wasm: bytes or a URL (optional)
//               { type: 'extract', requests: [{ id, text, options }, ...] }
//                   one or more requests, served in order after those already queued; options:
//                   see extract() in nerlight.js (types, minScore, dictionary, suppress,
//                   ignoreCase, chunkSize)
//               { type: 'cancel', id }
// Messages out: { type: 'ready', version }
//               { type: 'error', id: null, message }         the model could not be loaded
//               { type: 'replies', replies: [reply, ...] }    in order, each reply one of:
//                 { type: 'chunk', id, start, end, spans, done, total, chunk, chunks, result? }
//                   one chunk's entities as a transferred Uint32Array, four numbers an entity:
//                   start, end (whole-text UTF-16 offsets), label (an index into LABELS) and the
//                   score's float32 bits (see spansToEntities in nerlight.js), in text order, with
//                   the progress after the chunk; the last chunk also carries
//                   `result: { ms, chunks, count }`, so a short text costs one reply, not three
//                 { type: 'cancelled', id }
//                 { type: 'error', id, message }
//
// Requests are served one at a time, in order; a cancelled request stops at its next chunk.
// Replies go out as soon as there is nothing else to do: at once for a lone request and for
// each chunk of a long text, while a queue of short requests (a client sending many at once)
// shares one message per FLUSH_MS, because each message costs the worker far more than a short
// text's entities. Entities travel as typed arrays, not objects: the entity text is
// `text.slice(start, end)`, so the main thread has almost nothing to deserialise even for a
// 1 MB text.

import { load, extractSpans, yieldToEventLoop } from './nerlight.js';

/** The longest a finished reply waits for others to share its message, in milliseconds. */
const FLUSH_MS = 16;

const queue = [];
const controllers = new Map(); // id -> AbortController, for queued and running requests
let pumping = false;
let loaded = null;
let replies = []; // replies not yet posted, in order
let transfer = []; // the buffers those replies carry
let lastFlush = 0;

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
      for (const request of msg.requests) {
        controllers.set(request.id, new AbortController());
        queue.push(request);
      }
      pump();
      break;
    case 'cancel':
      controllers.get(msg.id)?.abort();
      break;
  }
};

/** Queues a reply (and the buffers it transfers) for the next flush. */
function reply(message, buffers = []) {
  replies.push(message);
  for (const b of buffers) transfer.push(b);
}

/** Posts the queued replies in one message. */
function flush() {
  if (!replies.length) return;
  self.postMessage({ type: 'replies', replies }, transfer);
  replies = [];
  transfer = [];
  lastFlush = performance.now();
}

async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length) {
      const request = queue.shift();
      await serve(request);
      controllers.delete(request.id);
      if (!queue.length || performance.now() - lastFlush >= FLUSH_MS) {
        flush();
        // Let cancel messages in before the next request.
        if (queue.length) await yieldToEventLoop();
      }
    }
  } finally {
    flush();
    pumping = false;
  }
}

async function serve({ id, text, options = {} }) {
  const signal = controllers.get(id).signal;
  if (signal.aborted) {
    reply({ type: 'cancelled', id });
    return;
  }
  if (!(await ensureLoaded())) {
    reply({ type: 'error', id, message: 'The model could not be loaded.' });
    return;
  }
  const t0 = performance.now();
  // Each chunk's reply waits for its progress; the last one waits for the result as well.
  let pending = null;
  let count;
  try {
    count = await extractSpans(String(text), {
      ...options,
      signal,
      onChunk({ start, end, spans }) {
        pending = { type: 'chunk', id, start, end, spans };
      },
      onProgress(p) {
        Object.assign(pending, p);
        if (p.chunk < p.chunks) {
          reply(pending, [pending.spans.buffer]);
          pending = null;
          flush(); // drawn while the next chunk runs
        }
      },
    });
  } catch (err) {
    reply(signal.aborted ? { type: 'cancelled', id } : { type: 'error', id, message: errorText(err) });
    return;
  }
  pending.result = { ms: performance.now() - t0, chunks: pending.chunks, count };
  reply(pending, [pending.spans.buffer]);
}

function errorText(err) {
  return err && err.message ? err.message : String(err);
}
