// Native and wasm give the same answer: the CLI (`nerlight extract`, code-point offsets) and
// the wasm built for Node (UTF-16 offsets) must find identical entities, offsets converted, on
// every seed article, every CoNLL-2003 test document (when ../shared/data is present; skipped
// with a message otherwise), and seeded hostile strings (lone surrogates reach the CLI as the
// U+FFFD the wasm reads them as).
// Run: make test-parity (builds both), or node --test tests/node/ after `make node-pkg cli`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { CLI, DATA, checkResult, generate, loadWasm, ROOT, rng } from './common.mjs';

const { extract } = loadWasm();

/** Largest allowed score difference: exp/ln differ by an ulp between libm builds. */
const SCORE_TOLERANCE = 1e-5;

/** The CLI's results for `texts`, one JSON line each, in order. */
function cliExtract(texts) {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`cargo build --release\` (or make cli) first`);
  const input = texts.map((text, id) => JSON.stringify({ id, text: text.toWellFormed() })).join('\n') + '\n';
  const out = spawnSync(CLI, ['extract'], { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  assert.equal(out.status, 0, `nerlight extract failed: ${out.stderr}`);
  const lines = out.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(lines.length, texts.length, 'one output line per document');
  lines.forEach((l, i) => assert.equal(l.id, i));
  return lines.map((l) => l.entities);
}

/** UTF-16 index of each code-point index of `text` (and of its end). */
function codePointToUtf16(text) {
  const map = [];
  let unit = 0;
  for (const ch of text) {
    map.push(unit);
    unit += ch.length;
  }
  map.push(unit);
  return map;
}

/** Compares wasm and CLI on every text; returns counts for the report. */
function compare(name, texts) {
  const cli = cliExtract(texts);
  let entities = 0;
  let maxScoreDiff = 0;
  texts.forEach((text, i) => {
    const wasm = checkResult(text, extract(text));
    const map = codePointToUtf16(text);
    const native = cli[i].map((e) => ({ start: map[e.start], end: map[e.end], label: e.label, text: e.text }));
    const label = `${name} #${i}`;
    assert.deepEqual(
      wasm.map((e) => ({ start: e.start, end: e.end, label: e.label, text: e.text.toWellFormed() })),
      native,
      `${label}: wasm and native entities differ`,
    );
    cli[i].forEach((e, j) => {
      const diff = Math.abs(wasm[j].score - e.score);
      maxScoreDiff = Math.max(maxScoreDiff, diff);
      assert.ok(diff <= SCORE_TOLERANCE, `${label}: score ${wasm[j].score} (wasm) vs ${e.score} (native)`);
    });
    entities += wasm.length;
  });
  console.log(`parity ${name}: ${texts.length} documents, ${entities} entities identical (max score difference ${maxScoreDiff.toExponential(1)})`);
  return entities;
}

/** CoNLL documents as plain text: tokens joined by a space, sentences by a newline. */
function conllDocuments(file) {
  const docs = [];
  let sentences = [];
  let tokens = [];
  const endSentence = () => {
    if (tokens.length) sentences.push(tokens.join(' '));
    tokens = [];
  };
  const endDocument = () => {
    endSentence();
    if (sentences.length) docs.push(sentences.join('\n'));
    sentences = [];
  };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const token = line.trim().split(/\s+/)[0];
    if (!token) endSentence();
    else if (token === '-DOCSTART-') endDocument();
    else tokens.push(token);
  }
  endDocument();
  return docs;
}

test('parity on the seed articles', () => {
  const dir = path.join(ROOT, 'tests/fixtures/seeds');
  const texts = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort().map((f) => readFileSync(path.join(dir, f), 'utf8'));
  assert.ok(texts.length >= 5);
  assert.ok(compare('seed articles', texts) > 0);
});

test('parity on every CoNLL-2003 test document', (t) => {
  const file = path.join(DATA, 'conll2003/test.txt');
  if (!existsSync(file)) {
    t.skip(`CoNLL-2003 not found at ${file} (set NERLIGHT_DATA)`);
    return;
  }
  const docs = conllDocuments(file);
  assert.ok(docs.length >= 200, `${docs.length} documents in ${file}`);
  assert.ok(compare('CoNLL-2003 test', docs) > 1000);
});

test('parity on seeded hostile strings, lone surrogates included', () => {
  const r = rng(424242);
  const texts = Array.from({ length: 500 }, (_, i) => generate(r, { surrogates: i % 2 === 0 }));
  assert.ok(compare('hostile strings', texts) > 0);
});
