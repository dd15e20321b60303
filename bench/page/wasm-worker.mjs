// nerlight's wasm called directly (no chunking, no messages per document) in a module Web Worker:
// cold start, throughput over the corpus, and per-token time at growing input sizes.
import init, { extract } from '/pkg/nerlight.js';
import { concatenate, corpusBytes, corpusTokens, countTokens, median, scaleReps, SHORT_SENTENCE, timePasses } from '/bench-lib/lib.mjs';

let exports = null;
let docs = null;
const corpus = async () => (docs ??= await (await fetch('/corpus.json')).json());
const wasmBytes = async () => new Uint8Array(await (await fetch('/pkg/nerlight_bg.wasm')).arrayBuffer());

const ops = {
  /** One cold start: the bytes are fetched first, then the clock runs to the first result. */
  async cold() {
    const bytes = await wasmBytes();
    const t0 = performance.now();
    exports = await init({ module_or_path: bytes });
    const tInit = performance.now();
    const found = extract(SHORT_SENTENCE);
    const ms = performance.now() - t0;
    return {
      ms,
      init_ms: tInit - t0,
      first_extract_ms: ms - (tInit - t0),
      found: found.map((e) => `${e.text}/${e.label}`),
      memory_bytes: exports.memory.buffer.byteLength,
    };
  },
  async throughput({ runs }) {
    exports ??= await init({ module_or_path: await wasmBytes() });
    const d = await corpus();
    const t = await timePasses(() => {
      let n = 0;
      for (const doc of d) n += extract(doc).length;
      return n;
    }, runs);
    const tokens = corpusTokens(d);
    const bytes = corpusBytes(d);
    return { ...t, entities: t.result, tokens, bytes, tokens_per_second: tokens / t.seconds, mb_per_second: bytes / 1e6 / t.seconds };
  },
  /** One extract() call per input, `reps` of them per timing, median of 3 timings. */
  async scaling({ sizes }) {
    exports ??= await init({ module_or_path: await wasmBytes() });
    const d = await corpus();
    const rows = [];
    for (const size of sizes) {
      const text = concatenate(d, size);
      const tokens = countTokens(text);
      const reps = scaleReps(size);
      if (reps > 1) extract(text); // warm (and grow the memory); the 10 MB input is too slow for that
      const times = [];
      for (let k = 0; k < 3; k++) {
        const t0 = performance.now();
        for (let r = 0; r < reps; r++) extract(text);
        times.push((performance.now() - t0) / 1000 / reps);
      }
      const seconds = median(times);
      rows.push({ bytes: new TextEncoder().encode(text).length, tokens, seconds, ns_per_token: (seconds * 1e9) / tokens });
    }
    return { rows, memory_bytes: exports.memory.buffer.byteLength };
  },
};

self.onmessage = async ({ data }) => {
  try {
    self.postMessage({ ok: await ops[data.op](data) });
  } catch (err) {
    self.postMessage({ error: String(err && err.stack ? err.stack : err) });
  }
};
