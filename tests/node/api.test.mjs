// The JavaScript API under Node, through the generated bindings: lone surrogates, empty
// strings, non-string arguments, extractSpans against extract, damaged model files, huge inputs.
// Run: make test-node (builds target/node-pkg), or node --test tests/node/ after `make node-pkg`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { checkResult, generate, loadWasm, ROOT, rng } from './common.mjs';

const nerlight = loadWasm();
const { extract, validateModel, version } = nerlight;

test('lone surrogates: offsets index the original string, and slice() gives e.text', () => {
  const cases = [
    '\uD800abc',
    'abc\uD800',
    '\uDC00',
    '\uD800',
    '\uDBFF\uDFFF',
    '\uD800Jens Stoltenberg met NATO officials in Bucharest\uDC00 on Tuesday.',
    'Zoë \uDFFF\uD800 Jens Stoltenberg\uD800 left Bucharest. \uD83D',
    'Jens\uD800Stoltenberg met officials in Bucha\uDC00rest.',
  ];
  for (const text of cases) {
    const got = checkResult(text, extract(text));
    // The same positions as in the well-formed string (U+FFFD is one unit, like a surrogate).
    const wellFormed = extract(text.toWellFormed());
    assert.deepEqual(got.map((e) => [e.start, e.end, e.label]), wellFormed.map((e) => [e.start, e.end, e.label]));
  }
  assert.ok(extract(cases[5]).some((e) => e.text === 'Bucharest'), 'names next to lone surrogates are found');
});

test('seeded hostile strings (400, lone surrogates included) keep every invariant', () => {
  const r = rng(20261123);
  let withEntities = 0;
  let inside = 0;
  for (let i = 0; i < 400; i++) {
    const text = generate(r);
    const ents = checkResult(text, extract(text));
    withEntities += ents.length > 0;
    inside += ents.filter((e) => !e.text.isWellFormed()).length;
  }
  assert.ok(withEntities >= 200, `only ${withEntities} of 400 had entities`);
  console.log(`400 hostile strings: ${withEntities} with entities, ${inside} entities holding a lone surrogate`);
});

/** extractSpans' flat Uint32Array as extract()'s objects: `text` sliced from the string given. */
function fromSpans(text, spans) {
  assert.ok(spans instanceof Uint32Array, 'extractSpans() returns a Uint32Array');
  assert.equal(spans.length % 4, 0, 'four numbers per entity');
  const scores = new Float32Array(spans.buffer, spans.byteOffset, spans.length);
  const out = [];
  for (let i = 0; i < spans.length; i += 4) {
    const [start, end] = [spans[i], spans[i + 1]];
    out.push({ start, end, label: ['PER', 'LOC', 'ORG'][spans[i + 2]], text: text.slice(start, end), score: scores[i + 3] });
  }
  return out;
}

test('extractSpans: the entities of extract() as flat numbers, lone surrogates and emoji included', () => {
  const r = rng(20261124);
  const texts = ['', 'Jens Stoltenberg spoke in Bucharest 😀 for NATO.', '\uD800Jens Stoltenberg met NATO in Bucharest\uDC00.'];
  for (let i = 0; i < 200; i++) texts.push(generate(r));
  let entities = 0;
  for (const text of texts) {
    const want = extract(text);
    assert.deepEqual(checkResult(text, fromSpans(text, nerlight.extractSpans(text))), want, JSON.stringify(text));
    entities += want.length;
  }
  assert.ok(entities > 100, `only ${entities} entities`);
  const dictionary = new nerlight.Dictionary(['Acme Rockets'], ['ORG'], ['Bucharest'], true);
  const text = '\uDC00ACME Rockets hired Jens Stoltenberg in Bucharest 😀; acme rockets grew.';
  const want = nerlight.extractWith(text, dictionary);
  assert.ok(want.some((e) => e.score === 1) && !want.some((e) => e.text === 'Bucharest'));
  assert.deepEqual(fromSpans(text, nerlight.extractSpansWith(text, dictionary)), want);
  for (const v of [undefined, null, 42, {}, new String('NATO')]) {
    assert.throws(() => nerlight.extractSpans(v), { name: 'TypeError', message: 'extractSpans() expects a string' });
    assert.throws(() => nerlight.extractSpansWith(v, dictionary), { name: 'TypeError', message: 'extractSpansWith() expects a string' });
  }
});

test('empty and blank strings give an empty array', () => {
  for (const text of ['', ' ', '\n\r\n\t', '\0\0', '\uFEFF', '\u2028']) {
    assert.deepEqual(extract(text), [], JSON.stringify(text));
  }
});

test('non-string arguments throw a TypeError and are never coerced', () => {
  let called = 0;
  const sneaky = { toString() { called++; return 'NATO'; }, valueOf() { called++; return 'NATO'; } };
  const values = [undefined, null, 42, NaN, true, {}, [], ['NATO met in Bucharest.'], new String('NATO'),
    Symbol('NATO'), 10n, () => 'NATO', new Uint8Array(3), sneaky];
  values.forEach((v, i) => {
    assert.throws(() => extract(v), (err) => err instanceof TypeError && err.message === 'extract() expects a string',
      `extract(values[${i}]), a ${typeof v}`);
  });
  assert.throws(() => extract(), { name: 'TypeError', message: 'extract() expects a string' });
  assert.equal(called, 0, 'toString/valueOf of an argument are never called');
  const dictionary = new nerlight.Dictionary(['Bucharest'], ['LOC'], [], false);
  for (const v of [undefined, null, 42, {}, new String('NATO')]) {
    assert.throws(() => nerlight.extractWith(v, dictionary), { name: 'TypeError', message: 'extractWith() expects a string' });
  }
  // The module still works after the errors.
  assert.ok(extract('NATO met in Bucharest.').length > 0);
});

test('validateModel: the shipped model passes, damaged copies throw an Error that says why', () => {
  const model = readFileSync(path.join(ROOT, 'models/conll-en.bin'));
  const name = validateModel(model);
  assert.equal(typeof name, 'string');
  assert.ok(version().includes(`(${name})`), `version() ${version()} names model ${name}`);
  assert.equal(validateModel(new Uint8Array(model).buffer), name, 'an ArrayBuffer works too');

  const rejects = (bytes, pattern) => assert.throws(() => validateModel(bytes), (err) => {
    assert.ok(err instanceof Error, `an Error: ${err}`);
    assert.ok(!(err instanceof WebAssembly.RuntimeError), `a trap: ${err}`);
    assert.ok(!(err instanceof TypeError), `bytes are not a TypeError: ${err}`);
    assert.match(err.message, pattern);
    return true;
  });
  rejects(model.subarray(0, model.length >> 1), /truncated/);
  rejects(model.subarray(0, 12), /truncated/);
  rejects(model.subarray(0, 4), /not a nerlight model/);
  rejects(new Uint8Array(0), /not a nerlight model/);
  rejects(new TextEncoder().encode('<html>not a model</html>'), /not a nerlight model/);
  const wrongMagic = Uint8Array.from(model);
  wrongMagic.set(new TextEncoder().encode('NERLITE!'), 0);
  rejects(wrongMagic, /not a nerlight model/);
  const future = Uint8Array.from(model);
  future[8] += 1;
  rejects(future, /version/);
  const flipped = Uint8Array.from(model);
  flipped[flipped.length >> 1] ^= 0x10;
  rejects(flipped, /corrupted/);
  const r = rng(7);
  for (let i = 0; i < 20; i++) {
    const copy = Uint8Array.from(model);
    copy[r.below(copy.length)] ^= 1 << r.below(8);
    rejects(copy, /model/);
  }
  for (const v of [undefined, null, 'NERLIGHT', 42, {}, [1, 2, 3]]) {
    assert.throws(() => validateModel(v), { name: 'TypeError' });
  }
  assert.ok(extract('NATO met in Bucharest.').length > 0, 'still works afterwards');
});

test('huge inputs complete: 10 MB without spaces, a million newlines, a 100 kB token, all caps', () => {
  const cases = [
    ['10 MB of one letter', 'a'.repeat(10 << 20)],
    ['1,000,000 newlines', '\n'.repeat(1_000_000)],
    ['a 100 kB token between names', `Jens Stoltenberg met N${'a'.repeat(100_000)} in Bucharest.`],
    ['1 MB of capitals', 'JENS STOLTENBERG MET NATO OFFICIALS IN BUCHAREST. '.repeat(20_000)],
    ['1 MB of glued names', 'JensStoltenbergNATOBucharest'.repeat(37_000)],
  ];
  for (const [name, text] of cases) {
    const started = performance.now();
    const n = checkResult(text, extract(text)).length;
    console.log(`${name}: ${text.length} UTF-16 units, ${n} entities in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  }
});
