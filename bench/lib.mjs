// Helpers shared by every part of the benchmark (Node and the browser page): the token count
// and the scaling inputs are built exactly as `nerlight-bench` (src/bin/nerlight-bench.rs)
// builds them, so that the native, Node and Chromium rows time the same text.

/** Rust's `char::is_whitespace` (Unicode White_Space), which `str::split_whitespace` uses. */
const WORD = /[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

/** Whitespace-separated words: the token count every row of the table uses. */
export function countTokens(text) {
  let n = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(text) !== null) n++;
  return n;
}

export function corpusTokens(docs) {
  let n = 0;
  for (const d of docs) n += countTokens(d);
  return n;
}

const encoder = new TextEncoder();

/** UTF-8 length in bytes (what Rust's `str::len` counts). */
export function utf8Length(text) {
  return encoder.encode(text).length;
}

export function corpusBytes(docs) {
  let n = 0;
  for (const d of docs) n += utf8Length(d);
  return n;
}

/**
 * The documents joined by blank lines, repeated, until the text is at least `size` UTF-8 bytes
 * (cut at a document boundary), as `concatenate` in nerlight-bench.
 */
export function concatenate(docs, size) {
  const lengths = docs.map(utf8Length);
  const parts = [];
  let bytes = 0;
  for (let i = 0; bytes < size; i = (i + 1) % docs.length) {
    parts.push(docs[i], '\n\n');
    bytes += lengths[i] + 2;
  }
  return parts.join('');
}

/** The scaling input sizes: 10 kB × 10ⁿ up to `max` bytes. */
export function scaleSizes(max = 10_000_000) {
  const sizes = [];
  for (let s = 10_000; s <= max; s *= 10) sizes.push(s);
  return sizes;
}

/** Repetitions per timing at a given input size (as nerlight-bench: about 3 MB of text, 1..50). */
export function scaleReps(size) {
  return Math.min(50, Math.max(1, Math.floor(3_000_000 / size)));
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Times `pass()` (which may be async) once as a warm-up and then `runs` times; resolves to
 * `{ seconds (median), best_seconds, passes: [seconds...], result }`.
 */
export async function timePasses(pass, runs) {
  let result = await pass();
  const passes = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    result = await pass();
    passes.push((performance.now() - t0) / 1000);
  }
  return { seconds: median(passes), best_seconds: Math.min(...passes), passes, result };
}

/** The short sentence of every cold-start measurement. */
export const SHORT_SENTENCE = 'Jens Stoltenberg spoke in Bucharest.';
