// The bench page's driver (main thread). run.mjs calls these through page.evaluate:
//   bench.cold()                 one cold start of the wasm in a fresh module worker
//   bench.wasm(op, args)         an op of wasm-worker.mjs in a fresh worker (throughput, scaling)
//   bench.page(runs)             the page's own worker code path: www/client.js createClient()
//                                (which runs www/worker.js), every document sent through it
//   bench.compromise(runs)       compromise's browser build in a worker, one message per document
// Passes are timed here, on the page: one warm-up pass, then `runs` timed passes (median).
import { corpusBytes, corpusTokens, timePasses } from '/bench-lib/lib.mjs';

let docs = null;
const corpus = async () => (docs ??= await (await fetch('/corpus.json')).json());
const log = (s) => (document.getElementById('log').textContent += `${s}\n`);

function ask(worker, message) {
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data.ok));
    worker.onerror = (e) => reject(new Error(e.message || 'worker error'));
    worker.postMessage(message);
  });
}

async function withRates(t) {
  const d = await corpus();
  const tokens = corpusTokens(d);
  const bytes = corpusBytes(d);
  return { ...t, tokens, bytes, tokens_per_second: tokens / t.seconds, mb_per_second: bytes / 1e6 / t.seconds };
}

async function runWasm(op, args = {}) {
  const worker = new Worker('./wasm-worker.mjs', { type: 'module' });
  try {
    return await ask(worker, { op, ...args });
  } finally {
    worker.terminate();
  }
}

window.bench = {
  cold: () => runWasm('cold'),
  wasm: runWasm,

  async page(runs) {
    const d = await corpus();
    const { createClient } = await import('/client.js');
    const client = createClient();
    try {
      const { version, engine } = await client.ready;
      // All documents are sent at once; the worker serves them one after another.
      const t = await timePasses(async () => {
        const results = await Promise.all(d.map((doc) => client.extract(doc)));
        return results.reduce((n, r) => n + r.entities.length, 0);
      }, runs);
      log(`page worker: ${t.seconds.toFixed(3)} s a pass`);
      return { ...(await withRates(t)), entities: t.result, version, engine };
    } finally {
      client.terminate?.();
    }
  },

  async compromise(runs) {
    const d = await corpus();
    const worker = new Worker('./compromise-worker.js');
    try {
      const version = await new Promise((resolve, reject) => {
        worker.onmessage = ({ data }) => resolve(data.version);
        worker.onerror = (e) => reject(new Error(e.message || 'compromise worker failed'));
      });
      const pending = new Map();
      worker.onmessage = ({ data }) => {
        pending.get(data.id)(data.n);
        pending.delete(data.id);
      };
      let next = 0;
      const extract = (text) =>
        new Promise((resolve) => {
          const id = next++;
          pending.set(id, resolve);
          worker.postMessage({ id, text });
        });
      const t = await timePasses(async () => (await Promise.all(d.map(extract))).reduce((a, b) => a + b, 0), runs);
      log(`compromise: ${t.seconds.toFixed(3)} s a pass`);
      return { ...(await withRates(t)), entities: t.result, version };
    } finally {
      worker.terminate();
    }
  },
};
window.benchReady = true;
