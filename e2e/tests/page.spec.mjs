// End-to-end tests of the nerlight page in headless Chromium, served with a strict CSP header.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import {
  SEED, SCREENSHOTS, watch, textMismatch, recordCsp, openReady, finished, highlight, marks, checkMarks, has, contrast, longText,
} from './helpers.mjs';

/** A screenshot of the whole page with the first paragraphs of the seed article highlighted. */
async function screenshotShort(page, name) {
  await page.locator('#input').fill(SEED.split('\n\n').slice(0, 4).join('\n\n'));
  await highlight(page);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${SCREENSHOTS}${name}`, fullPage: true });
}

test.beforeEach(async ({ page }) => {
  await recordCsp(page);
});

test.afterEach(async ({ page }) => {
  expect(await page.evaluate(() => window.__csp)).toEqual([]);
});

test('highlights the seed article: exact offsets, chips, legend counts, entity panel', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await page.setViewportSize({ width: 1280, height: 900 });
  await openReady(page);
  expect(await page.evaluate(() => document.documentElement.dataset.engine)).toBe('worker');

  await page.locator('#input').fill(SEED);
  await highlight(page);
  await expect(page.locator('#status')).toContainText(/Found \d+ entities in \d/);

  const ms = await marks(page);
  expect(ms.length).toBeGreaterThan(10);
  expect(has(ms, 'Jens Stoltenberg', 'PER')).toBe(true);
  expect(has(ms, 'Bucharest', 'LOC')).toBe(true);
  expect(has(ms, 'NATO', 'ORG')).toBe(true);
  checkMarks(SEED, ms);
  // The output is the input, unchanged: text nodes + marks in blocks, nothing added or lost
  // (the type chips are CSS ::after content, not text).
  expect(await textMismatch(page, '#output', SEED)).toBe(-1);

  // Not colour alone: the type is written after each mark, and each type has its own underline.
  const styles = {};
  for (const label of ['PER', 'LOC', 'ORG']) {
    styles[label] = await page.locator(`#output mark.ent.${label}`).first().evaluate((m) => ({
      chip: getComputedStyle(m, '::after').content,
      underline: getComputedStyle(m).borderBottomStyle,
    }));
    expect(styles[label].chip).toBe(`"${label}"`);
  }
  expect(new Set(Object.values(styles).map((s) => s.underline)).size).toBe(3);

  // Legend: per-type counts equal the marks shown.
  for (const label of ['PER', 'LOC', 'ORG']) {
    const n = ms.filter((m) => m.label === label).length;
    await expect(page.locator(`#legend [data-label="${label}"] .count`)).toHaveText(String(n));
    await expect(page.locator(`#legend [data-label="${label}"]`)).toHaveAttribute('aria-pressed', 'true');
  }

  // Entity panel: "Jens Stoltenberg" and "Stoltenberg" are one person with all their mentions.
  const jens = page.locator('#groups .group-list.PER li').filter({ has: page.locator('.g-name', { hasText: /^Jens Stoltenberg$/ }) });
  await expect(jens).toHaveCount(1);
  const mentionsOfJens = ms.filter((m) => m.label === 'PER' && /stoltenberg$/i.test(m.text)).length;
  expect(mentionsOfJens).toBeGreaterThan(ms.filter((m) => m.text === 'Jens Stoltenberg').length);
  await expect(jens.locator('.g-count')).toHaveText(String(mentionsOfJens));
  await expect(jens.locator('.variants')).toContainText('Stoltenberg');
  await expect(page.locator('#groups .g-name', { hasText: /^Stoltenberg$/ })).toHaveCount(0);
  // Every PER/LOC/ORG mention is counted once in the panel.
  for (const label of ['PER', 'LOC', 'ORG']) {
    const counts = await page.locator(`#groups .group-list.${label} .g-count`).allTextContents();
    expect(counts.map(Number).reduce((a, b) => a + b, 0)).toBe(ms.filter((m) => m.label === label).length);
  }

  await screenshotShort(page, 'page-light.png');
  expect(w.problems).toEqual([]);
  expect(w.dialogs).toEqual([]);
});

test('highlights as you type (debounced), and UTF-16 offsets stay exact after emoji, accents and CJK', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await openReady(page);
  await page.locator('#input').focus();
  await page.keyboard.type('Jens Stoltenberg met NATO ministers in Bucharest.', { delay: 5 });
  // No click, no Ctrl+Enter: the pause after typing starts it.
  await finished(page);
  let ms = await marks(page);
  expect(has(ms, 'Bucharest', 'LOC')).toBe(true);

  const text =
    '👨‍👩‍👧 Zoë said: Jens Stoltenberg met 東京 officials in Bucharest 🇷🇴 with NATO. ' +
    'Cafe\u0301 owners 😀 in Bucharest welcomed Jens Stoltenberg.';
  await page.locator('#input').fill(text);
  await page.keyboard.press('Control+Enter');
  await finished(page);
  await expect(page.locator('#output')).toHaveText(text);
  ms = await marks(page);
  checkMarks(text, ms);
  for (const [s, label] of [['Jens Stoltenberg', 'PER'], ['Bucharest', 'LOC'], ['NATO', 'ORG']]) {
    const start = text.indexOf(s);
    expect(ms.find((m) => m.start === start), `${s} at ${start}`).toMatchObject({ text: s, label, end: start + s.length });
  }
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
  await finished(page); // no click: the paste itself starts it

  const out = page.locator('#output');
  expect(await textMismatch(page, '#output', payload)).toBe(-1);
  await expect(out.locator('img, script, svg, b')).toHaveCount(0);
  expect(await page.locator('img').count()).toBe(imgsBefore);
  // Only blocks of text nodes and <mark>s in the output.
  const kinds = await out.evaluate((el) => [...el.querySelectorAll('*')].map((n) => n.localName));
  expect(kinds.every((k) => k === 'div' || k === 'mark')).toBe(true);
  checkMarks(payload, await marks(page));
  // Entity names in the panel are text too.
  expect(await page.locator('#groups img, #groups script, #groups svg').count()).toBe(0);

  await page.waitForTimeout(300); // give any injected handler a chance to fire
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  expect(w.dialogs).toEqual([]);
  expect(w.problems).toEqual([]);
});

test('type toggles, hover tooltip, entity panel cycling, keyboard use', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await openReady(page);
  await page.locator('#input').fill(SEED);
  await highlight(page);
  const all = await marks(page);
  const nLoc = all.filter((m) => m.label === 'LOC').length;
  expect(nLoc).toBeGreaterThan(0);

  // Hide places: no LOC marks, the text unchanged, the count kept; show them again.
  const loc = page.locator('#legend [data-label="LOC"]');
  await loc.click();
  await expect(loc).toHaveAttribute('aria-pressed', 'false');
  await expect(page.locator('#output')).toHaveAttribute('data-state', 'done');
  await expect(page.locator('#output mark.LOC')).toHaveCount(0);
  expect(await page.locator('#output mark').count()).toBe(all.length - nLoc);
  expect(await textMismatch(page, '#output', SEED)).toBe(-1);
  await expect(loc.locator('.count')).toHaveText(String(nLoc));
  // With the keyboard: focus the toggle and press Space.
  await loc.focus();
  await page.keyboard.press('Space');
  await expect(loc).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('#output mark.LOC')).toHaveCount(nLoc);

  // Hovering a mark shows its type and confidence.
  const first = page.locator('#output mark.PER').first();
  await first.hover();
  await expect(page.locator('#tip')).toBeVisible();
  await expect(page.locator('#tip')).toHaveText(/^Person \(PER\) · confidence \d+ %$/);

  // The panel: each click on a name goes to its next mention, and cycles.
  const jens = page.locator('#groups .group-list.PER button.group').filter({ hasText: 'Jens Stoltenberg' });
  const n = Number(await jens.locator('.g-count').textContent());
  expect(n).toBeGreaterThan(2);
  const seen = [];
  for (let k = 1; k <= n + 1; k++) {
    await jens.click();
    await expect(jens.locator('.g-pos')).toHaveText(`${((k - 1) % n) + 1}/${n}`);
    const current = page.locator('#output mark.current');
    await expect(current).toHaveCount(1);
    await expect(current).toBeFocused();
    await expect(current).toBeInViewport();
    seen.push(await current.evaluate((m) => [m.dataset.start, m.textContent]));
  }
  expect(new Set(seen.slice(0, n).map(([s]) => s)).size).toBe(n); // n different mentions...
  expect(seen[n]).toEqual(seen[0]); // ...then back to the first
  for (const [, text] of seen) expect(text).toMatch(/stoltenberg/i);
  await expect(page.locator('#tip')).toBeVisible(); // the focused mention shows its type too
  await expect(page.locator('#mention-status')).toHaveText(new RegExp(`^Jens Stoltenberg: mention 1 of ${n}$`));

  // Keyboard only: Enter on a name focuses its mention; Escape goes back to the list.
  await page.locator('#groups .group-list.LOC button.group').first().focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#output mark.current.LOC')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.locator('#groups .group-list.LOC button.group').first()).toBeFocused();

  // Screen-reader names: legend toggles and names say what they are.
  await expect(loc).toHaveAttribute('aria-label', new RegExp(`^Places: ${nLoc} found, shown$`));
  await expect(jens).toHaveAttribute('aria-label', /^Jens Stoltenberg, Person, \d+ mentions, also written .*Stoltenberg/);
  expect(w.problems).toEqual([]);
});

test('confidence slider, JSON and CSV export, copy as HTML', async ({ page, context, baseURL }) => {
  const w = watch(page, baseURL);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openReady(page);
  const text = `${SEED}\n\nA <b>bold</b> "quote" & Jens Stoltenberg.`;
  await page.locator('#input').fill(text);
  await highlight(page);
  const all = await marks(page);
  for (const id of ['#export-json', '#export-csv', '#copy-html']) await expect(page.locator(id)).toBeEnabled();

  // Threshold: only entities at or above it are marked and counted.
  const slider = page.locator('#threshold');
  await slider.fill('90');
  await expect(page.locator('#threshold-value')).toHaveText('90 %');
  await expect(page.locator('#output')).toHaveAttribute('data-state', 'done');
  await expect.poll(async () => (await marks(page)).length).toBe(all.filter((m) => m.score >= 0.9).length);
  const high = await marks(page);
  expect(high.every((m) => m.score >= 0.9)).toBe(true);
  for (const label of ['PER', 'LOC', 'ORG']) {
    await expect(page.locator(`#legend [data-label="${label}"] .count`)).toHaveText(String(high.filter((m) => m.label === label).length));
  }
  await slider.fill('0');
  await expect.poll(async () => (await marks(page)).length).toBe(all.length);

  // JSON export: what is shown, with offsets into the text.
  const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#export-json').click()]);
  expect(jsonDownload.suggestedFilename()).toBe('nerlight-entities.json');
  const json = JSON.parse(readFileSync(await jsonDownload.path(), 'utf8'));
  expect(json.generator).toBe('nerlight');
  expect(json.entities.map((e) => [e.start, e.end, e.label, e.text])).toEqual(all.map((m) => [m.start, m.end, m.label, m.text]));
  for (const e of json.entities) expect(text.slice(e.start, e.end)).toBe(e.text);

  // CSV export: a header and one row per entity, quoted where needed.
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#export-csv').click()]);
  expect(csvDownload.suggestedFilename()).toBe('nerlight-entities.csv');
  const csv = readFileSync(await csvDownload.path(), 'utf8').trimEnd().split('\r\n');
  expect(csv[0]).toBe('start,end,label,score,text');
  expect(csv.length).toBe(all.length + 1);
  expect(csv[1]).toMatch(new RegExp(`^${all[0].start},${all[0].end},${all[0].label},\\d\\.\\d{4},`));

  // Copy as HTML: marks with inline styles, every piece of text escaped.
  await page.locator('#copy-html').click();
  await expect(page.locator('#status')).toContainText('Copied');
  expect(await page.evaluate(() => window.__csp)).toEqual([]);
  const clip = await page.evaluate(async () => {
    const [item] = await navigator.clipboard.read();
    return {
      html: await (await item.getType('text/html')).text(),
      plain: await (await item.getType('text/plain')).text(),
    };
  });
  expect(clip.plain).toBe(text);
  expect(clip.html).toContain('<mark data-label="PER"');
  for (const escaped of ['&lt;b&gt;bold&lt;/b&gt;', '&amp;']) expect(clip.html).toContain(escaped);
  expect(clip.html).not.toContain('<b>');
  expect((clip.html.match(/<mark /g) || []).length).toBe(all.length);
  // Reading the clipboard back here parses its HTML in this page, whose CSP reports every
  // style="" of the copy; that is the reading (this test), not the page.
  await page.evaluate(() => (window.__csp = []));
  expect(w.problems).toEqual([]);
});

test('your own names: added, winning over the model, and suppressed', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await openReady(page);
  await page.locator('#input').fill('Jens Stoltenberg joined Acme Rockets in Bucharest. NATO welcomed acme rockets.');
  await highlight(page);
  expect(has(await marks(page), 'Bucharest', 'LOC')).toBe(true);

  await page.locator('#custom summary').click();
  await page.locator('#dict-names').fill('Acme Rockets = ORG\nnot a valid line');
  await page.locator('#dict-apply').click();
  await expect(page.locator('#dict-status')).toHaveText(/Line 2/);
  await page.locator('#dict-names').fill('Acme Rockets = ORG\nStoltenberg: PER');
  await page.locator('#dict-suppress').fill('Bucharest');
  await page.locator('#dict-ignore-case').check();
  await page.locator('#dict-apply').click();
  await expect(page.locator('#dict-status')).toHaveText('2 names to highlight, 1 to ignore.');
  await finished(page);
  const ms = await marks(page);
  expect(ms.filter((m) => /^acme rockets$/i.test(m.text)).map((m) => [m.label, m.score])).toEqual([['ORG', 1], ['ORG', 1]]);
  expect(ms.some((m) => m.text === 'Bucharest')).toBe(false);
  expect(ms.some((m) => m.text.includes('Stoltenberg'))).toBe(true);

  // Kept in this browser: after a reload the names are still applied.
  await page.reload();
  await expect(page.locator('#status')).toHaveAttribute('data-state', /ready|done/, { timeout: 30_000 });
  await expect(page.locator('#dict-names')).toHaveValue('Acme Rockets = ORG\nStoltenberg = PER');
  await page.locator('#input').fill('Acme Rockets met in Bucharest.');
  await highlight(page);
  expect((await marks(page)).map((m) => m.text)).toEqual(['Acme Rockets']);
  expect(w.problems).toEqual([]);
});

test('light and dark themes meet WCAG AA contrast', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await page.setViewportSize({ width: 1280, height: 900 });
  await openReady(page);
  await page.locator('#input').fill(SEED);
  await highlight(page);

  const check = async (theme) => {
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    for (const label of ['PER', 'LOC', 'ORG']) {
      const c = await page.locator(`#output mark.ent.${label}`).first().evaluate((m) => {
        const s = getComputedStyle(m);
        const a = getComputedStyle(m, '::after');
        return { fg: s.color, bg: s.backgroundColor, chipFg: a.color, chipBg: a.backgroundColor };
      });
      expect(contrast(c.fg, c.bg), `${theme} ${label} text`).toBeGreaterThanOrEqual(4.5);
      expect(contrast(c.chipFg, c.chipBg), `${theme} ${label} chip`).toBeGreaterThanOrEqual(4.5);
      const chip = await page.locator(`#legend .chip.${label}`).evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
      expect(contrast(...chip), `${theme} ${label} legend chip`).toBeGreaterThanOrEqual(4.5);
    }
    const muted = await page.locator('.hint').first().evaluate((el) => getComputedStyle(el).color);
    const card = await page.locator('.card').first().evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(contrast(muted, card), `${theme} muted text`).toBeGreaterThanOrEqual(4.5);
    return bg;
  };

  const lightBg = await check('light');
  await page.locator('#theme').selectOption('dark');
  const darkBg = await check('dark');
  expect(lightBg).not.toBe(darkBg);
  await screenshotShort(page, 'page-dark.png');
  // The system's preference is followed when the menu says Automatic.
  await page.locator('#theme').selectOption('auto');
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(darkBg);
  await page.emulateMedia({ colorScheme: 'light' });
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(lightBg);
  expect(w.problems).toEqual([]);
});

test('phone width: no horizontal scrolling, controls usable', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await page.setViewportSize({ width: 375, height: 740 });
  await openReady(page);
  await page.locator('#sample').click();
  await finished(page);
  expect((await marks(page)).length).toBeGreaterThan(3);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  for (const id of ['#run', '#sample', '#clear', '#threshold', '#export-json']) {
    const box = await page.locator(id).boundingBox();
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);
  }
  await screenshotShort(page, 'page-phone.png');
  expect(w.problems).toEqual([]);
});

test('long text: progress in chunks, exact offsets across chunks, and cancel', async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  const w = watch(page, baseURL);
  await openReady(page);
  const long = `${longText(150_000)}The end: Jens Stoltenberg in Bucharest.`;
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
  const last = long.lastIndexOf('Bucharest');
  expect(many.some((m) => m.start === last && m.text === 'Bucharest')).toBe(true);
  expect(await textMismatch(page, '#output', long)).toBe(-1);

  // Cancel: a long run stops when asked, and the next run works. A pasted text this long is
  // kept out of the textarea (a huge textarea slows every frame) and highlighted at once.
  await page.locator('#input').evaluate((el, t) => {
    el.value = t; // as a paste leaves it, then the paste's input event
    el.dispatchEvent(new InputEvent('input', { inputType: 'insertFromPaste', bubbles: true }));
  }, longText(3_000_000));
  await expect(page.locator('#big')).toBeVisible(); // too long for the textarea: kept aside
  await expect(page.locator('#cancel')).toBeVisible();
  await expect(page.locator('#progress')).toBeVisible();
  await page.locator('#cancel').click();
  await expect(page.locator('#status')).toHaveAttribute('data-state', 'cancelled');
  await expect(page.locator('#status')).toContainText('Cancelled');
  await expect(page.locator('#cancel')).toBeHidden();
  await page.locator('#big-edit').click();
  await page.locator('#input').fill('NATO met in Bucharest.');
  await highlight(page);
  expect(has(await marks(page), 'Bucharest', 'LOC')).toBe(true);
  expect(w.problems).toEqual([]);
});

// The longest main-thread task is a timing on a shared machine: besides the page's own work
// (its chunk handlers take 0-20 ms, drawing is sliced per frame), it catches the browser's
// pauses. The worst was the first layout of the result asking the system for fonts (58-149 ms,
// found with a Chromium trace); the page now loads them beforehand (warmFonts in app.js), and
// 6 runs gave 0-64 ms. Garbage collection and layout still vary from run to run on this 2-core
// VM, so up to two more tries, each from a fresh page: a page that really blocks its main thread
// fails all three.
test.describe(() => {
  test.describe.configure({ retries: 2 });
  test('a 1 MB text: worker, chunks, progressive drawing, no main-thread task over 100 ms', async ({ page, baseURL }) => {
    test.setTimeout(180_000);
    const w = watch(page, baseURL);
    await page.setViewportSize({ width: 1280, height: 900 });
    await openReady(page);
    const big = longText(1_000_000);
    expect(big.length).toBeGreaterThanOrEqual(1_000_000);
    // The file is made in the page first (Playwright's own transfer is not the page's work)...
    await page.evaluate((t) => {
      window.__file = new File([t], 'big.txt', { type: 'text/plain' });
    }, big);
    await page.waitForTimeout(500);
    // ...then every main-thread task from "open this file" to the last mark drawn is measured.
    await page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push(Math.round(e.duration));
      }).observe({ type: 'longtask' });
      window.__t0 = performance.now();
      const dt = new DataTransfer();
      dt.items.add(window.__file);
      const input = document.getElementById('file');
      input.files = dt.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await expect(page.locator('#progress')).toBeVisible();
    // The page answers while it works: a click on the theme menu is handled at once.
    const t = await page.evaluate(async () => {
      const t0 = performance.now();
      await new Promise((r) => requestAnimationFrame(() => r()));
      return performance.now() - t0;
    });
    expect(t).toBeLessThan(150);
    await finished(page, 150_000);
    const elapsed = await page.evaluate(() => performance.now() - window.__t0);
    await page.waitForTimeout(300); // the last frame's long task, if any, is reported
    const longTasks = await page.evaluate(() => window.__longTasks);
    const max = Math.max(0, ...longTasks);
    const status = await page.locator('#status').textContent();
    console.log(
      `1 MB text (${big.length} UTF-16 units): ${status} Done in ${(elapsed / 1000).toFixed(2)} s; ` +
        `main-thread long tasks (>50 ms): ${longTasks.length}, max ${max} ms [${longTasks.join(', ')}]`,
    );
    test.info().annotations.push({ type: 'max main-thread task (ms)', description: String(max) });
    expect(max).toBeLessThan(100);
    await expect(page.locator('#status')).toContainText(/\(\d+ parts\)/);
    await expect(page.locator('#big')).toBeVisible();

    // Everything drawn, exactly: the text, and marks at exact offsets, across every chunk.
    expect(await textMismatch(page, '#output', big)).toBe(-1);
    const ms = await marks(page);
    expect(ms.length).toBeGreaterThan(5000);
    checkMarks(big, ms);
    const last = big.lastIndexOf('Bucharest');
    expect(ms.some((m) => m.start === last)).toBe(true);
    // The legend counts every mark.
    const counts = await page.locator('#legend .count').allTextContents();
    expect(counts.map(Number).reduce((a, b) => a + b, 0)).toBe(ms.length);
    expect(w.problems).toEqual([]);
  });
});
