// Privacy: the page and the widget fetch their own same-origin assets and nothing else, and
// highlighting sends nothing anywhere (no request at all after the assets are loaded).
import { test, expect } from '@playwright/test';
import { SEED, openReady, finished, marks } from './helpers.mjs';

// The page's assets, and what its service worker keeps a copy of (the widget demo included).
const PAGE_ASSETS = new Set([
  '/', '/index.html', '/nerlight-widget.js', '/widget-demo.html', '/widget-demo.css', '/widget-demo.js', '/style.css', '/app.js', '/client.js', '/render.js', '/entities.js', '/nerlight.js', '/worker.js',
  '/pkg/nerlight.js', '/pkg/nerlight_bg.wasm', '/icon.svg', '/manifest.webmanifest', '/sw.js', '/sample.txt',
]);
const WIDGET_ASSETS = new Set([
  '/fixtures/hostile.html', '/fixtures/hostile.css', '/fixtures/hostile.js', '/nerlight-widget.js', '/client.js', '/render.js',
  '/nerlight.js', '/worker.js', '/pkg/nerlight.js', '/pkg/nerlight_bg.wasm',
]);

/** Every request of the context (page, workers, service worker), as method + URL. */
function record(context) {
  const requests = [];
  context.on('request', (req) => requests.push({ method: req.method(), url: req.url() }));
  return requests;
}

function check(requests, origin, allowed) {
  for (const { method, url } of requests) {
    expect(method, url).toBe('GET');
    expect(url.startsWith(`${origin}/`), `request to ${url}`).toBe(true);
    expect(allowed.has(new URL(url).pathname), `unexpected asset ${url}`).toBe(true);
  }
}

test('the page requests only its own assets, and nothing when highlighting', async ({ page, context, baseURL }) => {
  const requests = record(context);
  await openReady(page);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  check(requests, baseURL, PAGE_ASSETS);
  expect(requests.some((r) => r.url.endsWith('/pkg/nerlight_bg.wasm'))).toBe(true);

  const before = requests.length;
  await page.locator('#input').fill(SEED);
  await page.locator('#run').click();
  await finished(page);
  await page.locator('#threshold').fill('50');
  await page.locator('#legend [data-label="ORG"]').click();
  await expect(page.locator('#output')).toHaveAttribute('data-state', 'done');
  await page.locator('#groups button.group').first().click();
  await page.locator('#output mark').first().hover();
  await page.waitForTimeout(500);
  expect((await marks(page)).length).toBeGreaterThan(0);
  expect(requests.slice(before)).toEqual([]);
});

test('the widget requests only its own assets, and nothing when highlighting', async ({ page, context, baseURL }) => {
  const requests = record(context);
  await page.goto('/fixtures/hostile.html');
  await expect.poll(() => page.evaluate(() => window.__events.length), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
  await page.waitForLoadState('networkidle');
  check(requests, baseURL, WIDGET_ASSETS);

  const before = requests.length;
  const found = await page.evaluate(async () => {
    const { highlight } = await import('/nerlight-widget.js');
    const el = document.getElementById('later');
    el.textContent = 'Jens Stoltenberg met NATO ministers in Bucharest.';
    const { entities } = await highlight(el);
    document.getElementById('element').append(' Angela Merkel was in Berlin.');
    return entities.length;
  });
  expect(found).toBeGreaterThan(0);
  await page.waitForTimeout(1000); // the custom element re-highlights after its text changed
  expect(requests.slice(before)).toEqual([]);
});
