// End-to-end tests of the nerlight page in headless Chromium.
import { test, expect } from '@playwright/test';
import { readFileSync, mkdirSync } from 'node:fs';

const SEED = readFileSync(new URL('../../tests/fixtures/seeds/000_715a7ecace717eaf.txt', import.meta.url), 'utf8');
const SCREENSHOTS = new URL('../screenshots/', import.meta.url).pathname;
mkdirSync(SCREENSHOTS, { recursive: true });

/** Records console errors/warnings, page errors, failed or non-local requests, and dialogs. */
function watch(page, baseURL) {
  const problems = [];
  const dialogs = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(baseURL) && !url.startsWith('data:')) problems.push(`non-local request: ${url}`);
  });
  page.on('dialog', async (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
  return { problems, dialogs };
}

async function openReady(page) {
  const wasm = page.waitForResponse((r) => r.url().endsWith('/pkg/nerlight_bg.wasm'));
  await page.goto('/index.html');
  const res = await wasm;
  expect(res.headers()['content-type']).toBe('application/wasm');
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'ready');
  await expect(page.locator('#run')).toBeEnabled();
  await expect(page.locator('#version')).toContainText('nerlight 0.');
}

/** Clicks Highlight and waits for the run to finish. */
async function highlight(page) {
  await page.locator('#run').click();
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'done');
}

/** The marks as rendered: text, label, and the UTF-16 offsets kept in data-start/data-end. */
async function marks(page) {
  return page.locator('#output mark').evaluateAll((els) =>
    els.map((m) => ({
      text: m.textContent,
      label: m.dataset.label,
      cls: m.className,
      title: m.title,
      start: Number(m.dataset.start),
      end: Number(m.dataset.end),
    })),
  );
}

/** Every mark is the exact slice of the input at its offsets; marks are sorted, disjoint, typed. */
function checkMarks(input, ms) {
  let prevEnd = 0;
  for (const m of ms) {
    expect(['PER', 'LOC', 'ORG']).toContain(m.label);
    expect(m.cls).toBe(`ent ${m.label}`);
    expect(m.title).toMatch(/^(Person|Place|Organization) \((PER|LOC|ORG)\), confidence \d+ %$/);
    expect(Number.isInteger(m.start) && Number.isInteger(m.end)).toBe(true);
    expect(m.start).toBeGreaterThanOrEqual(prevEnd);
    expect(m.end).toBeGreaterThan(m.start);
    expect(input.slice(m.start, m.end), `mark at ${m.start}..${m.end}`).toBe(m.text);
    prevEnd = m.end;
  }
}

function has(ms, text, label) {
  return ms.some((m) => m.text === text && m.label === label);
}

test('highlights the seed article with exact offsets, legend and counts', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await openReady(page);

  await page.locator('#input').fill(SEED);
  await highlight(page);
  await expect(page.locator('#status')).toContainText(/Found \d+ entities in \d/);

  const ms = await marks(page);
  expect(ms.length).toBeGreaterThan(10);
  expect(has(ms, 'Jens Stoltenberg', 'PER')).toBe(true);
  expect(has(ms, 'Bucharest', 'LOC')).toBe(true);
  expect(has(ms, 'NATO', 'ORG')).toBe(true);
  checkMarks(SEED, ms);

  // The output is the input, unchanged: text nodes + marks, nothing added or lost
  // (the type chips are CSS ::after content, not text).
  expect(await page.locator('#output').evaluate((el) => el.textContent)).toBe(SEED);

  // The type label is shown in each mark, not only a colour.
  const chip = await page
    .locator('#output mark.ent.PER')
    .first()
    .evaluate((m) => getComputedStyle(m, '::after').content);
  expect(chip).toBe('"PER"');

  // Legend: the three types with their counts.
  for (const label of ['PER', 'LOC', 'ORG']) {
    const n = ms.filter((m) => m.label === label).length;
    await expect(page.locator(`#legend li[data-label="${label}"] .count`)).toHaveText(String(n));
  }
  await expect(page.locator('#details')).toBeVisible();
  await page.locator('#details summary').click();
  await expect(page.locator('#entity-lists .entity-list.PER')).toContainText('Jens Stoltenberg');

  await page.screenshot({ path: `${SCREENSHOTS}page.png`, fullPage: true });
  expect(w.problems).toEqual([]);
  expect(w.dialogs).toEqual([]);
});

test('UTF-16 offsets stay exact after emoji, accents, combining marks and CJK', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await openReady(page);
  const text =
    '👨‍👩‍👧 Zoë said: Jens Stoltenberg met 東京 officials in Bucharest 🇷🇴 with NATO. ' +
    'Cafe\u0301 owners 😀 in Bucharest welcomed Jens Stoltenberg.';
  await page.locator('#input').fill(text);
  await highlight(page);
  const ms = await marks(page);
  checkMarks(text, ms);
  for (const [s, label] of [['Jens Stoltenberg', 'PER'], ['Bucharest', 'LOC'], ['NATO', 'ORG']]) {
    const start = text.indexOf(s);
    expect(ms.find((m) => m.start === start), `${s} at ${start}`).toMatchObject({ text: s, label, end: start + s.length });
  }
  expect(await page.locator('#output').evaluate((el) => el.textContent)).toBe(text);
  expect(w.problems).toEqual([]);
});

test('pasted HTML shows as text, runs nothing, and highlights on paste', async ({ page, context, baseURL }) => {
  const w = watch(page, baseURL);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openReady(page);
  const imgsBefore = await page.locator('img').count();

  const payload =
    '<img src=x onerror=alert(1)> <script>window.__pwned = 1; alert(2)</script> ' +
    'Jens Stoltenberg visited <b>Bucharest</b> & NATO <svg onload=alert(3)>.';
  await page.evaluate((t) => navigator.clipboard.writeText(t), payload);
  await page.locator('#input').focus();
  await page.keyboard.press('ControlOrMeta+V');
  await expect(page.locator('#input')).toHaveValue(payload);
  // No click: the paste itself starts the highlighting.
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'done');

  const out = page.locator('#output');
  expect(await out.evaluate((el) => el.textContent)).toBe(payload);
  await expect(out.locator('img, script, svg, b')).toHaveCount(0);
  expect(await page.locator('img').count()).toBe(imgsBefore);
  // Only text nodes and <mark>s in the output.
  const kinds = await out.evaluate((el) => [...el.childNodes].map((n) => n.nodeName));
  expect(kinds.every((k) => k === '#text' || k === 'MARK')).toBe(true);
  checkMarks(payload, await marks(page));

  await page.waitForTimeout(300); // give any injected handler a chance to fire
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  expect(w.dialogs).toEqual([]);
  expect(w.problems).toEqual([]);
});

test('sample article button, long text progress in chunks, and offline use after load', async ({ page, context, baseURL }) => {
  const w = watch(page, baseURL);
  await openReady(page);

  // Everything needed is loaded: the page keeps working with the network gone.
  await context.setOffline(true);
  await page.locator('#sample').click();
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'done');
  const sample = await page.locator('#input').inputValue();
  expect(sample).toBe(readFileSync(new URL('../../www/sample.txt', import.meta.url), 'utf8'));
  const one = await marks(page);
  expect(one.length).toBeGreaterThan(10);
  checkMarks(sample, one);

  // A long text goes to the worker in paragraph chunks with progress; offsets from the
  // chunks are shifted back to whole-text UTF-16 indices. Emoji in every copy make any
  // UTF-8/UTF-16 or chunk-offset slip visible.
  const copies = 40;
  const long = Array.from({ length: copies }, (_, i) => `🇷🇴 Part ${i + 1} 👨‍👩‍👧\n\n${SEED}`).join('\n\n');
  await page.evaluate(() => {
    window.__statusLog = [];
    new MutationObserver(() => {
      const s = document.getElementById('status');
      const p = document.getElementById('progress');
      window.__statusLog.push({ text: s.textContent, progressShown: !p.hidden });
    }).observe(document.getElementById('status'), { childList: true, characterData: true, subtree: true });
  });
  await page.locator('#input').fill(long);
  await highlight(page);
  const log = await page.evaluate(() => window.__statusLog);
  expect(log.some((e) => /Working… \d+ % \(part \d+ of \d+\)/.test(e.text) && e.progressShown)).toBe(true);
  await expect(page.locator('#status')).toContainText(/\(\d+ parts\)/);
  await expect(page.locator('#progress')).toBeHidden();

  const many = await marks(page);
  checkMarks(long, many);
  expect(many.length).toBeGreaterThanOrEqual(copies * 10);
  const last = long.lastIndexOf('Bucharest');
  expect(many.some((m) => m.start === last && m.text === 'Bucharest')).toBe(true);
  expect(await page.locator('#output').evaluate((el) => el.textContent)).toBe(long);

  await context.setOffline(false);
  expect(w.problems).toEqual([]);
});

test('phone width: no horizontal scrolling, controls usable', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await page.setViewportSize({ width: 375, height: 740 });
  await openReady(page);
  await page.locator('#input').fill(SEED.split('\n\n').slice(0, 3).join('\n\n'));
  await highlight(page);
  expect((await marks(page)).length).toBeGreaterThan(3);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${SCREENSHOTS}page-mobile.png`, fullPage: true });
  expect(w.problems).toEqual([]);
});
