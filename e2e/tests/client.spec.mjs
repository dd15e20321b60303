// The worker client (www/client.js → www/worker.js) as a script uses it: many requests at once
// (one message to the worker, the same entities as one by one, cancels honoured) and
// cancelling a long text, which must stop the worker rather than only the promise.
import { test, expect } from '@playwright/test';
import { longText, openReady, seeds, watch } from './helpers.mjs';

test('many requests at once: one message to the worker, the same entities as one by one, cancels honoured', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await openReady(page);
  // Short texts with emoji, CJK, combining marks and lone surrogates, as a script would send them.
  const texts = seeds()
    .flatMap((s) => s.split(/\n\s*\n/))
    .filter((p) => p.trim())
    .slice(0, 60)
    .map((p, i) => [`${p} 😀`, `\uD800${p}`, `東京 e\u0301 ${p}\uDC00`][i % 3]);
  const got = await page.evaluate(async (texts) => {
    const { createClient } = await import('/client.js');
    const sent = [];
    const client = createClient({
      worker: () => {
        const worker = new Worker('/worker.js', { type: 'module', name: 'nerlight' });
        const post = worker.postMessage.bind(worker);
        worker.postMessage = (message, transfer) => {
          sent.push(message.type === 'extract' ? message.requests.length : message.type);
          post(message, transfer);
        };
        return worker;
      },
    });
    await client.ready;
    const plain = (r) => r.entities.map((e) => [e.start, e.end, e.label, e.text, e.score]);
    const oneByOne = [];
    for (const text of texts) oneByOne.push(plain(await client.extract(text)));
    sent.length = 0;
    const early = new AbortController(); // aborted before the batch is sent
    const late = new AbortController(); // aborted once the first answer is in
    const all = texts.map((text, i) =>
      client
        .extract(text, {
          signal: i === 3 ? early.signal : i === texts.length - 1 ? late.signal : undefined,
          onChunk: i === 0 ? () => late.abort() : undefined,
        })
        .then(plain, (err) => err.name),
    );
    early.abort();
    const atOnce = await Promise.all(all);
    client.terminate();
    return { oneByOne, atOnce, sent };
  }, texts);
  expect(got.sent[0]).toBe(texts.length - 1); // one message, without the request aborted before it went
  expect(got.atOnce[3]).toBe('AbortError');
  expect(got.atOnce.at(-1)).toBe('AbortError');
  const kept = (xs) => xs.filter((_, i) => i !== 3 && i !== texts.length - 1);
  expect(kept(got.atOnce)).toEqual(kept(got.oneByOne));
  expect(got.oneByOne.flat().length).toBeGreaterThan(50);
  for (const [i, entities] of got.oneByOne.entries()) {
    for (const [start, end, , text] of entities) expect(texts[i].slice(start, end)).toBe(text);
  }
  expect(w.problems).toEqual([]);
});

test('cancelling a long text stops the worker at its next chunk: the next request does not wait', async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  const w = watch(page, baseURL);
  await openReady(page);
  const long = longText(600_000);
  const got = await page.evaluate(async (long) => {
    const { createClient } = await import('/client.js');
    const client = createClient();
    await client.ready;
    const options = { chunkSize: 3000 };
    let t0 = performance.now();
    const { chunks } = await client.extract(long, options);
    const full = performance.now() - t0;
    const controller = new AbortController();
    const cancelled = client
      .extract(long, { ...options, signal: controller.signal, onChunk: () => controller.abort() })
      .catch((err) => err.name);
    await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
    t0 = performance.now();
    const next = await client.extract('Jens Stoltenberg met NATO officials in Bucharest.');
    const wait = performance.now() - t0;
    client.terminate();
    return { full, chunks, wait, cancelled: await cancelled, found: next.entities.map((e) => e.text) };
  }, long);
  console.log(`a ${long.length}-unit text in ${got.chunks} chunks: ${got.full.toFixed(0)} ms; after cancelling it, the next request took ${got.wait.toFixed(0)} ms`);
  expect(got.chunks).toBeGreaterThan(50);
  expect(got.cancelled).toBe('AbortError');
  expect(got.found).toContain('Bucharest');
  expect(got.wait).toBeLessThan(got.full / 4);
  expect(w.problems).toEqual([]);
});
