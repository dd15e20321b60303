// The Node rows of `make bench`, run in a child process of run.mjs; prints one JSON object.
//
//   node bench/node-bench.mjs throughput --pkg DIR --corpus FILE [--runs 7] [--peer-runs 3]
//       nerlight's wasm (web-target glue, `init({ module_or_path: bytes })`, then `extract(doc)`
//       for every document) and compromise (people() + places() + organizations()), each over
//       the whole corpus: one warm-up pass, then the median of the timed passes.
//   node bench/node-bench.mjs cold --pkg DIR --corpus FILE [--memory]
//       One cold start in this fresh process (bytes in hand → compile + instantiate + model load
//       + first extract of a short sentence); with --memory, then the wasm linear memory after
//       extracting a 1 MB input (memory.buffer.byteLength of the `memory` export init() returns).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { concatenate, corpusBytes, corpusTokens, SHORT_SENTENCE, timePasses } from './lib.mjs';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    pkg: { type: 'string' },
    corpus: { type: 'string' },
    runs: { type: 'string', default: '7' },
    'peer-runs': { type: 'string', default: '3' },
    memory: { type: 'boolean', default: false },
  },
});
const mode = positionals[0];
const pkgDir = resolve(values.pkg);
const docs = JSON.parse(readFileSync(values.corpus, 'utf8'));
const wasmBytes = readFileSync(resolve(pkgDir, 'nerlight_bg.wasm'));
const glue = () => import(pathToFileURL(resolve(pkgDir, 'nerlight.js')).href);

if (mode === 'cold') {
  const { default: init, extract } = await glue();
  const bytes = new Uint8Array(wasmBytes); // in hand before the clock starts
  const t0 = performance.now();
  const exports = await init({ module_or_path: bytes });
  const tInit = performance.now();
  const found = extract(SHORT_SENTENCE);
  const coldMs = performance.now() - t0;
  const report = {
    cold_start_ms: coldMs,
    init_ms: tInit - t0,
    first_extract_ms: coldMs - (tInit - t0),
    first_result: found.map((e) => `${e.text}/${e.label}`),
    memory_after_load_bytes: exports.memory.buffer.byteLength,
  };
  if (values.memory) {
    const text = concatenate(docs, 1_000_000);
    const t1 = performance.now();
    report.extract_1mb_entities = extract(text).length;
    report.extract_1mb_ms = performance.now() - t1;
    report.memory_input_bytes = Buffer.byteLength(text);
    report.memory_after_1mb_bytes = exports.memory.buffer.byteLength;
  }
  console.log(JSON.stringify(report));
} else if (mode === 'throughput') {
  const runs = Math.max(1, Number(values.runs));
  const peerRuns = Math.max(1, Number(values['peer-runs']));
  const tokens = corpusTokens(docs);
  const bytes = corpusBytes(docs);
  const rate = (t) => ({ ...t, tokens_per_second: tokens / t.seconds, mb_per_second: bytes / 1e6 / t.seconds });

  const { default: init, extract } = await glue();
  await init({ module_or_path: new Uint8Array(wasmBytes) });
  const nerlight = await timePasses(() => {
    let n = 0;
    for (const d of docs) n += extract(d).length;
    return n;
  }, runs);

  const { default: nlp } = await import('compromise');
  const compromise = await timePasses(() => {
    let n = 0;
    for (const d of docs) n += countCompromise(nlp(d));
    return n;
  }, peerRuns);

  console.log(
    JSON.stringify({
      node: process.version,
      documents: docs.length,
      tokens,
      bytes,
      nerlight: { ...rate(nerlight), entities: nerlight.result },
      compromise: { ...rate(compromise), entities: compromise.result, version: nlp.version },
    }),
  );
} else {
  console.error('usage: node-bench.mjs throughput|cold --pkg DIR --corpus FILE');
  process.exit(2);
}

/** What a user of compromise does for named entities: the names of each kind, as strings. */
function countCompromise(doc) {
  return doc.people().out('array').length + doc.places().out('array').length + doc.organizations().out('array').length;
}
