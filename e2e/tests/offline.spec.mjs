// Offline: after a first visit the service worker has every asset, so the page reloads and
// works with the network off. To be sure nothing comes from the network, the page is served by
// a server of this test's own, which is shut down (and the browser set offline) before the reload.
import { test, expect } from '@playwright/test';
import { startServer } from '../server.mjs';
import { SEED, watch, finished, marks, has } from './helpers.mjs';

test('service worker and manifest: the page reloads and works offline', async ({ page, context }) => {
  test.setTimeout(90_000);
  const server = await startServer(0);
  try {
    const w = watch(page, server.url);
    await page.goto(`${server.url}/index.html`);
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });

    // An installable web app: a manifest with a name, a start URL and an icon.
    const manifest = await page.evaluate(async () => {
      const href = document.querySelector('link[rel="manifest"]').href;
      return (await fetch(href)).json();
    });
    expect(manifest).toMatchObject({ short_name: 'nerlight', display: 'standalone', start_url: './index.html' });
    expect(manifest.icons.length).toBeGreaterThan(0);

    // The service worker takes control and has a copy of every asset.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
    const cached = await page.evaluate(async () => {
      const cache = await caches.open('nerlight-v1');
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    for (const asset of ['/index.html', '/app.js', '/worker.js', '/nerlight.js', '/pkg/nerlight.js', '/pkg/nerlight_bg.wasm', '/style.css', '/sample.txt']) {
      expect(cached).toContain(asset);
    }

    // Network gone: the server is shut down and the browser is offline.
    await server.close();
    await context.setOffline(true);
    const probe = await page.evaluate(() => fetch(`/not-cached-${Date.now()}.txt`).then(() => 'reached', () => 'failed'));
    expect(probe).toBe('failed');

    await page.reload();
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    await page.locator('#input').fill(SEED);
    await page.locator('#run').click();
    await finished(page);
    const ms = await marks(page);
    expect(has(ms, 'Jens Stoltenberg', 'PER')).toBe(true);
    expect(has(ms, 'NATO', 'ORG')).toBe(true);
    // The sample article too comes from the copy.
    await page.locator('#sample').click();
    await finished(page);
    expect((await marks(page)).length).toBeGreaterThan(10);
    // Only the not-cached probe failed (a request failure and its console line); everything
    // else came from the service worker.
    expect(w.problems.filter((p) => !p.includes('/not-cached-'))).toEqual([
      'console.error: Failed to load resource: net::ERR_INTERNET_DISCONNECTED',
    ]);
  } finally {
    await context.setOffline(false);
    await server.close();
  }
});
