// The npm package from Node (make test-npm runs this in a project that installed the packed
// tarball, so `nerlight` resolves like any dependency, through the package's "exports").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { load, extract, version, splitChunks, LABELS } from 'nerlight';

const SEED = readFileSync(new URL('./seed.txt', import.meta.url), 'utf8');

function checkOffsets(text, entities) {
  let prev = 0;
  for (const e of entities) {
    assert.ok(LABELS.includes(e.label), `label ${e.label}`);
    assert.ok(e.start >= prev && e.end > e.start && e.end <= text.length, `range ${e.start}..${e.end}`);
    assert.equal(text.slice(e.start, e.end), e.text);
    assert.ok(e.score >= 0 && e.score <= 1);
    prev = e.end;
  }
}

test('loads in Node and reports its version', async () => {
  const { version: v } = await load();
  assert.match(v, /^0\.\d+\.\d+ \(.+\)$/);
  assert.equal(version(), v);
});

test('extracts people, places and organizations with UTF-16 offsets', async () => {
  const text = `😀 Zoë: ${SEED}`;
  const entities = await extract(text);
  checkOffsets(text, entities);
  const has = (t, l) => entities.some((e) => e.text === t && e.label === l);
  assert.ok(has('Jens Stoltenberg', 'PER'));
  assert.ok(has('Bucharest', 'LOC'));
  assert.ok(has('NATO', 'ORG'));
});

test('extract() gives what the raw wasm extract() gives, per chunk too, lone surrogates included', async () => {
  await load();
  const wasm = await import('nerlight/wasm');
  const text = `\uD800Zoë 😀 ${SEED}\uDC00 NATO met in 東京 and Bucharest.\n\nJens\uD800 Stoltenberg left.`;
  assert.deepEqual(await extract(text), wasm.extract(text));
  const chunks = [];
  await extract(text, { chunkSize: 1500, onChunk: (c) => chunks.push(c) });
  assert.ok(chunks.length > 1);
  for (const { start, end, entities } of chunks) {
    const raw = wasm.extract(text.slice(start, end)).map((e) => ({ ...e, start: start + e.start, end: start + e.end }));
    assert.deepEqual(entities, raw, `chunk ${start}..${end}`);
  }
});

test('types and minScore filter', async () => {
  const all = await extract(SEED);
  const people = await extract(SEED, { types: ['PER'] });
  assert.ok(people.length > 0 && people.every((e) => e.label === 'PER'));
  assert.equal(people.length, all.filter((e) => e.label === 'PER').length);
  const sure = await extract(SEED, { minScore: 0.9 });
  assert.deepEqual(sure, all.filter((e) => e.score >= 0.9));
});

test('a custom dictionary adds names, wins on overlap, and suppresses', async () => {
  const text = 'Ada Lovelace joined Acme Rockets in Bucharest; acme rockets grew.';
  const exact = await extract(text, { dictionary: { 'Acme Rockets': 'ORG', 'Ada Lovelace': 'PER' }, suppress: ['Bucharest'] });
  checkOffsets(text, exact);
  assert.deepEqual(
    exact.map((e) => [e.text, e.label, e.score]),
    [['Ada Lovelace', 'PER', 1], ['Acme Rockets', 'ORG', 1]],
  );
  const perType = await extract(text, { dictionary: { ORG: ['Acme Rockets'] }, ignoreCase: true });
  assert.deepEqual(perType.filter((e) => e.score === 1).map((e) => e.text), ['Acme Rockets', 'acme rockets']);
  await assert.rejects(extract(text, { dictionary: { Acme: 'COMPANY' } }), /unknown label "COMPANY"/);
});

test('long texts: chunks with progress, and cancelling', async () => {
  const text = Array.from({ length: 6 }, () => SEED).join('\n\n');
  const progress = [];
  const chunks = [];
  const entities = await extract(text, {
    chunkSize: 5000,
    onProgress: (p) => progress.push(p),
    onChunk: (c) => chunks.push(c),
  });
  assert.ok(progress.length > 1);
  assert.equal(progress.at(-1).done, text.length);
  assert.deepEqual(chunks.flatMap((c) => c.entities), entities);
  assert.equal(splitChunks(text, 5000).length, progress.length);
  checkOffsets(text, entities);

  const controller = new AbortController();
  const run = extract(text, { chunkSize: 5000, signal: controller.signal, onChunk: () => controller.abort() });
  await assert.rejects(run, { name: 'AbortError' });
});
