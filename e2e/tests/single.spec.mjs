// The single-file build (www/single.html, made by `make single`): one .html with everything
// inlined, opened from file:// with no server at all.
import { test, expect } from '@playwright/test';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SEED, watch, finished, marks, checkMarks, has, textMismatch } from './helpers.mjs';

const SINGLE = new URL('../../www/single.html', import.meta.url);

for (const [engine, query] of [['worker', ''], ['main-thread', '?engine=main']]) {
  test(`single-file build from file:// (${engine})`, async ({ page }) => {
    expect(existsSync(fileURLToPath(SINGLE)), 'www/single.html: run `make single`').toBe(true);
    const w = watch(page, 'file://');
    await page.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective}: ${e.blockedURI}`));
    });
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${SINGLE.href}${query}`);
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
    expect(await page.evaluate(() => document.documentElement.dataset.engine)).toBe(engine);

    await page.locator('#input').fill(SEED);
    await page.locator('#run').click();
    await finished(page);
    const ms = await marks(page);
    checkMarks(SEED, ms);
    expect(has(ms, 'Jens Stoltenberg', 'PER')).toBe(true);
    expect(has(ms, 'Bucharest', 'LOC')).toBe(true);
    expect(await textMismatch(page, '#output', SEED)).toBe(-1);
    await expect(page.locator('#groups .group-list.PER')).toContainText('Jens Stoltenberg');

    // The sample article is inside the file too.
    await page.locator('#sample').click();
    await finished(page);
    expect((await marks(page)).length).toBeGreaterThan(10);

    // Nothing was fetched but the file itself (and data:/blob: URLs made from it).
    expect(requests.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && u.split('?')[0] !== SINGLE.href)).toEqual([]);
    expect(await page.evaluate(() => window.__csp)).toEqual([]);
    expect(w.problems).toEqual([]);
  });
}
