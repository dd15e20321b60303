// nerlight client: the main thread's way to run ./nerlight.js, in a Web Worker when it can
// (./worker.js) and on the main thread otherwise (a cross-origin script, a worker the page's
// policy blocks, a browser without module workers). The page and the widget use this; either
// way the same `extract(text, options)` runs, with chunk-by-chunk results, progress and
// cancelling.
//
//   const client = createClient();
//   const { version, engine } = await client.ready;       // engine: 'worker' or 'main-thread'
//   const { entities } = await client.extract(text, { onChunk, onProgress, signal, minScore });

const LABELS = ['PER', 'LOC', 'ORG'];

/** Chunk target on the main thread: small, so that no single chunk blocks the page for long. */
const MAIN_THREAD_CHUNK = 6000;

/**
 * options:
 * - `worker`: false to run on the main thread; a `() => Worker` factory to build the worker
 *   yourself (the single-file build uses a Blob URL); default: a module worker on ./worker.js;
 * - `wasm`: what to load the wasm from instead of ./pkg/nerlight_bg.wasm (a URL, bytes, or a
 *   `data:application/wasm;base64,` URL), passed to `load()`.
 */
export function createClient(options = {}) {
  const { wasm } = options;
  let engine = null;
  let worker = null;
  let nextId = 1;
  let readySettled = false;
  const jobs = new Map(); // id -> job, for requests sent to the worker and not yet settled
  // Requests made in this task, sent together at its end: one message for many short texts,
  // which lets the worker answer them in few messages too (see worker.js).
  let outbox = null;
  let resolveReady;
  let rejectReady;
  const ready = new Promise((resolve, reject) => {
    resolveReady = (v) => {
      readySettled = true;
      resolve(v);
    };
    rejectReady = (e) => {
      readySettled = true;
      reject(e);
    };
  });
  ready.catch(() => {}); // callers see it through ready or extract()

  let mainModule = null;
  const mainThread = () => (mainModule ??= import('./nerlight.js'));

  function useMainThread(reason) {
    if (engine === 'main-thread') return;
    if (reason) console.info(`nerlight: running on the main thread (${reason})`);
    engine = 'main-thread';
    if (worker) worker.terminate();
    worker = null;
    mainThread()
      .then((m) => m.load(wasm === undefined ? {} : { wasm }))
      .then(({ version }) => resolveReady({ version, engine }), rejectReady);
    // Requests already given to the worker run here instead.
    const pending = [...jobs.values()];
    jobs.clear();
    for (const job of pending) runOnMainThread(job);
  }

  function startWorker() {
    const factory =
      typeof options.worker === 'function'
        ? options.worker
        : () => new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'nerlight' });
    try {
      worker = factory();
    } catch (err) {
      useMainThread(`no worker: ${err && err.message ? err.message : err}`);
      return;
    }
    engine = 'worker';
    worker.onmessage = (event) => onWorkerMessage(event.data);
    worker.onerror = (event) => {
      event.preventDefault?.();
      // A worker that fails before it is ready (blocked, not found, no module workers): fall back.
      if (!readySettled) useMainThread(`the worker failed${event.message ? `: ${event.message}` : ''}`);
      else console.error('nerlight worker:', event.message);
    };
    worker.postMessage({ type: 'load', wasm });
  }

  function onWorkerMessage(msg) {
    if (msg.type === 'ready') {
      resolveReady({ version: msg.version, engine });
      return;
    }
    if (msg.type === 'error' && msg.id === null) {
      const err = new Error(msg.message);
      rejectReady(err);
      for (const job of jobs.values()) job.reject(err);
      jobs.clear();
      return;
    }
    if (msg.type === 'replies') for (const r of msg.replies) onReply(r);
  }

  function onReply(msg) {
    const job = jobs.get(msg.id);
    if (!job) return; // cancelled or superseded
    switch (msg.type) {
      case 'chunk': {
        const entities = spansToEntities(job.text, msg.spans);
        for (const e of entities) job.entities.push(e);
        job.onChunk?.({ start: msg.start, end: msg.end, entities });
        job.chunks = msg.chunks;
        job.onProgress?.({ done: msg.done, total: msg.total, chunk: msg.chunk, chunks: msg.chunks });
        if (msg.result) {
          jobs.delete(msg.id);
          job.resolve({ entities: job.entities, ms: msg.result.ms, chunks: msg.result.chunks || 1, engine: 'worker' });
        }
        break;
      }
      case 'cancelled':
        jobs.delete(msg.id);
        job.reject(abortError(job.signal));
        break;
      case 'error':
        jobs.delete(msg.id);
        job.reject(new Error(msg.message));
        break;
    }
  }

  async function runOnMainThread(job) {
    const t0 = performance.now();
    let chunks = 1;
    try {
      const m = await mainThread();
      const entities = await m.extract(job.text, {
        ...job.options,
        chunkSize: job.options.chunkSize ?? MAIN_THREAD_CHUNK,
        signal: job.signal,
        onChunk: job.onChunk,
        onProgress: (p) => {
          chunks = p.chunks;
          job.onProgress?.(p);
        },
      });
      job.resolve({ entities, ms: performance.now() - t0, chunks, engine: 'main-thread' });
    } catch (err) {
      job.reject(job.signal?.aborted ? abortError(job.signal) : err);
    }
  }

  /**
   * Extracts the entities of `text`. options: those of `extract()` in nerlight.js (`types`,
   * `minScore`, `dictionary`, `suppress`, `ignoreCase`, `chunkSize`, `signal`, `onChunk`,
   * `onProgress`). Resolves to `{ entities, ms, chunks, engine }`.
   */
  function extract(text, opts = {}) {
    const { signal, onChunk, onProgress, ...rest } = opts;
    text = String(text ?? '');
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const job = { text, options: rest, signal, onChunk, onProgress, resolve, reject, entities: [], chunks: 1 };
      if (engine === 'main-thread') {
        runOnMainThread(job);
        return;
      }
      const id = nextId++;
      job.id = id;
      jobs.set(id, job);
      const request = { id, text, options: rest };
      signal?.addEventListener(
        'abort',
        () => {
          if (!jobs.has(id)) return;
          jobs.delete(id);
          const unsent = outbox ? outbox.indexOf(request) : -1;
          if (unsent >= 0) outbox.splice(unsent, 1);
          else worker?.postMessage({ type: 'cancel', id });
          reject(abortError(signal));
        },
        { once: true },
      );
      send(request);
    });
  }

  /** Queues `request` for the worker, in the one message this task's requests share. */
  function send(request) {
    if (!outbox) {
      outbox = [];
      queueMicrotask(() => {
        const requests = outbox;
        outbox = null;
        if (requests.length) worker?.postMessage({ type: 'extract', requests });
      });
    }
    outbox.push(request);
  }

  if (options.worker === false || typeof Worker === 'undefined') useMainThread(options.worker === false ? '' : 'no Worker');
  else startWorker();

  return {
    ready,
    extract,
    get engine() {
      return engine;
    },
    terminate() {
      worker?.terminate();
      worker = null;
    },
  };
}

/**
 * The entity objects of a chunk's spans (see worker.js): `spansToEntities` of nerlight.js, kept
 * here so that the main thread does not load the wasm glue when the worker runs the model.
 */
function spansToEntities(text, spans) {
  const scores = new Float32Array(spans.buffer, spans.byteOffset, spans.length);
  const entities = [];
  for (let i = 0; i < spans.length; i += 4) {
    const start = spans[i];
    const end = spans[i + 1];
    entities.push({ start, end, label: LABELS[spans[i + 2]], text: text.slice(start, end), score: scores[i + 3] });
  }
  return entities;
}

function abortError(signal) {
  return signal?.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}
