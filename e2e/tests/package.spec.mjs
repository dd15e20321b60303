// The npm package as a bundler user gets it: `make test-npm` packs it, installs the tarball in a
// fresh project and builds npm/test/app with Vite; here that build runs in Chromium (under the
// server's strict CSP), on the main thread and in the package's worker.
import { test, expect } from '@playwright/test';
import { watch, recordCsp } from './helpers.mjs';

test('the npm package in a Vite build: extract() and the worker client', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await recordCsp(page);
  const wasm = page.waitForResponse((r) => r.url().endsWith('.wasm'));
  await page.goto('/vite-app/index.html');
  expect((await wasm).headers()['content-type']).toBe('application/wasm');
  await expect(page.locator('body')).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  const items = await page.locator('#out li').allTextContents();
  const text = await page.locator('#text').textContent();
  expect(items).toContain(`PER Jens Stoltenberg 0 16`);
  expect(items).toContain(`LOC Bucharest ${text.indexOf('Bucharest')} ${text.indexOf('Bucharest') + 9}`);
  await expect(page.locator('body')).toHaveAttribute('data-engine', 'worker');
  await expect(page.locator('body')).toHaveAttribute('data-worker-count', String(items.length));
  await expect(page.locator('body')).toHaveAttribute('data-version', /^0\.\d+\.\d+ /);
  expect(await page.evaluate(() => window.__csp)).toEqual([]);
  expect(w.problems).toEqual([]);
});
