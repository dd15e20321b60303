// Shared helpers for the e2e tests.
import { expect } from '@playwright/test';
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';

export const ROOT = new URL('../../', import.meta.url);
export const SEED = readFileSync(new URL('tests/fixtures/seeds/000_715a7ecace717eaf.txt', ROOT), 'utf8');
export const SCREENSHOTS = new URL('../screenshots/', import.meta.url).pathname;
mkdirSync(SCREENSHOTS, { recursive: true });

/** All seed articles, for building long texts. */
export function seeds() {
  const dir = new URL('tests/fixtures/seeds/', ROOT);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => readFileSync(new URL(f, dir), 'utf8'));
}

/** A text of at least `size` UTF-16 units: the seed articles in turn, emoji in every part. */
export function longText(size) {
  const all = seeds();
  let text = '';
  for (let i = 0; text.length < size; i++) text += `Part ${i + 1} 🇷🇴 👨‍👩‍👧\n\n${all[i % all.length]}\n\n`;
  return text;
}

/**
 * Records console errors/warnings, page errors, failed requests, HTTP errors, requests to
 * anywhere but `origin`, CSP violations and dialogs.
 */
export function watch(page, origin) {
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
    if (origin && !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) problems.push(`foreign request: ${url}`);
  });
  page.on('dialog', async (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
  return { problems, dialogs };
}

/** Makes the page record CSP violations in window.__csp (before any script of the page runs). */
export async function recordCsp(page) {
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective}: ${e.blockedURI}`));
  });
}

export async function openReady(page, path = '/index.html') {
  await page.goto(path);
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  await expect(page.locator('#run')).toBeEnabled();
  await expect(page.locator('#version')).toContainText('nerlight 0.');
}

/** Waits for a run to finish: status done, everything drawn. */
export async function finished(page, timeout = 30_000) {
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'done', { timeout });
  await expect(page.locator('#output')).toHaveAttribute('data-state', 'done', { timeout });
}

/** Clicks Highlight and waits for the run to finish. */
export async function highlight(page) {
  await page.locator('#run').click();
  await finished(page);
}

/** The marks as rendered: text, label, class, offsets and score. */
export async function marks(page, selector = '#output mark') {
  return page.locator(selector).evaluateAll((els) =>
    els.map((m) => ({
      text: m.textContent,
      label: m.dataset.label,
      cls: m.className,
      start: Number(m.dataset.start),
      end: Number(m.dataset.end),
      score: Number(m.dataset.score),
    })),
  );
}

/**
 * Every mark is the exact slice of the input at its offsets; marks are sorted, disjoint, typed.
 * Checked in plain JavaScript (one expect at the end: thousands of expects are slow).
 */
export function checkMarks(input, ms) {
  const problems = [];
  let prevEnd = 0;
  for (const m of ms) {
    const where = `mark ${JSON.stringify(m.text)} at ${m.start}..${m.end}`;
    if (!['PER', 'LOC', 'ORG'].includes(m.label)) problems.push(`${where}: label ${m.label}`);
    if (!m.cls.split(' ').includes('ent') || !m.cls.split(' ').includes(m.label)) problems.push(`${where}: class ${m.cls}`);
    if (!Number.isInteger(m.start) || !Number.isInteger(m.end)) problems.push(`${where}: offsets not integers`);
    if (m.start < prevEnd) problems.push(`${where}: overlaps or unsorted`);
    if (m.end <= m.start) problems.push(`${where}: empty`);
    if (input.slice(m.start, m.end) !== m.text) problems.push(`${where}: the input there is ${JSON.stringify(input.slice(m.start, m.end))}`);
    if (!(m.score >= 0 && m.score <= 1)) problems.push(`${where}: score ${m.score}`);
    prevEnd = m.end;
    if (problems.length > 20) break;
  }
  expect(problems).toEqual([]);
}

export function has(ms, text, label) {
  return ms.some((m) => m.text === text && m.label === label);
}

/** WCAG contrast ratio of two computed CSS colours (rgb/rgba strings). */
export function contrast(a, b) {
  const lum = (c) => {
    const [r, g, bl] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/**
 * Where the element's textContent first differs from `text` (-1: identical). Compared in the
 * page and reported as a position, never as a diff of two huge strings.
 */
export async function textMismatch(page, selector, text) {
  return page.locator(selector).evaluate((el, t) => {
    const got = el.textContent;
    if (got === t) return -1;
    let i = 0;
    while (i < got.length && i < t.length && got[i] === t[i]) i++;
    return { at: i, length: got.length, expected: t.length, got: got.slice(Math.max(0, i - 20), i + 40), want: t.slice(Math.max(0, i - 20), i + 40) };
  }, text);
}
