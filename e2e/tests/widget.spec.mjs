// The embeddable widget (www/nerlight-widget.js) inside host pages, under the server's strict
// Content-Security-Policy header: a page with hostile global CSS, page text that looks like
// HTML, options, the JS API and the nerlight:entities event.
import { test, expect } from '@playwright/test';
import { SCREENSHOTS, watch, recordCsp } from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  await recordCsp(page);
});

/** The highlights the widget registered: name -> [{ text, start }] of its ranges. */
async function registeredHighlights(page) {
  return page.evaluate(() => {
    const out = {};
    for (const [name, h] of CSS.highlights) out[name] = [...h].map((r) => r.toString());
    return out;
  });
}

/** The marks inside a <nerlight-highlight>'s shadow root. */
async function shadowMarks(page, selector) {
  return page.locator(selector).evaluate((el) =>
    [...el.shadowRoot.querySelectorAll('mark')].map((m) => {
      const r = m.getBoundingClientRect();
      const s = getComputedStyle(m);
      return {
        text: m.textContent,
        label: m.dataset.label,
        title: m.title,
        visible: r.width > 0 && r.height > 0 && s.display !== 'none',
        background: s.backgroundColor,
        chip: getComputedStyle(m, '::after').content,
      };
    }),
  );
}

test('the widget in a page with hostile global CSS: custom element and data-nerlight', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  const response = await page.goto('/fixtures/hostile.html');
  // Served with a strict policy: no inline script or style, wasm allowed.
  expect(response.headers()['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
  const probeBefore = await page.locator('#probe').evaluate((el) => {
    const s = getComputedStyle(el);
    return { color: s.color, font: s.fontSize, display: s.display, margin: s.marginBottom };
  });
  const attributeHtmlBefore = await page.locator('#attribute').evaluate((el) => el.innerHTML);

  // Both elements report their entities with the nerlight:entities event.
  await expect.poll(() => page.evaluate(() => window.__events.map((e) => e.id).sort()), { timeout: 30_000 }).toEqual(
    expect.arrayContaining(['attribute', 'element', 'xss-attribute', 'xss-element']),
  );
  const events = await page.evaluate(() => window.__events);
  const ev = events.find((e) => e.id === 'element');
  expect(ev.version).toMatch(/^0\.\d+\.\d+ /);
  expect(ev.entities.some((e) => e.text === 'Jens Stoltenberg' && e.label === 'PER')).toBe(true);
  for (const e of ev.entities) expect(ev.text.slice(e.start, e.end)).toBe(e.text);

  // The custom element: marks in its shadow DOM, visible despite `mark { display: none }` and
  // `* { all: unset }`, with the type written after each and a tooltip.
  const ms = await shadowMarks(page, '#element');
  expect(ms.find((m) => m.text === 'Jens Stoltenberg')).toMatchObject({ label: 'PER', visible: true, chip: '"PER"' });
  expect(ms.find((m) => m.text === 'Bucharest')).toMatchObject({ label: 'LOC', visible: true });
  expect(ms.find((m) => m.text === 'NATO')).toMatchObject({ label: 'ORG', visible: true });
  expect(ms.every((m) => /^(Person|Place|Organization) \((PER|LOC|ORG)\), confidence \d+ %$/.test(m.title))).toBe(true);
  // Its text stays the page's: the light DOM is untouched.
  await expect(page.locator('#element')).toHaveText(/^Jens Stoltenberg, the head of NATO/);

  // data-nerlight: the element's DOM is untouched (the link is still a link); the entities are
  // painted through the CSS Custom Highlight API.
  expect(await page.locator('#attribute').evaluate((el) => el.innerHTML)).toBe(attributeHtmlBefore);
  const attr = events.find((e) => e.id === 'attribute');
  expect(attr.text).toContain('Paris with officials'); // text of the <a> included
  expect(attr.text).toMatch(/Union\.\n\n\s*Jens/); // paragraphs kept apart
  const hl = await registeredHighlights(page);
  const painted = Object.entries(hl).flatMap(([name, texts]) => texts.map((t) => [name.replace(/^nerlight-\d+-/, ''), t]));
  expect(painted).toEqual(expect.arrayContaining([['per', 'Angela Merkel'], ['loc', 'Paris'], ['per', 'Jens Stoltenberg']]));
  // ...styled by ::highlight() rules only: nothing else in the page is styled by the widget.
  const widgetRules = await page.evaluate(() =>
    [...document.adoptedStyleSheets].flatMap((s) => [...s.cssRules].map((r) => r.selectorText ?? r.cssText)),
  );
  expect(widgetRules.length).toBeGreaterThan(0);
  for (const r of widgetRules) expect(r).toMatch(/^::highlight\(nerlight-\d+-(per|loc|org)\)/);

  // No leakage the other way: the host's own elements look as the host made them.
  const probeAfter = await page.locator('#probe').evaluate((el) => {
    const s = getComputedStyle(el);
    return { color: s.color, font: s.fontSize, display: s.display, margin: s.marginBottom };
  });
  expect(probeAfter).toEqual(probeBefore);
  expect(await page.locator('#host-mark').evaluate((el) => getComputedStyle(el).display)).toBe('none');
  await expect(page.locator('style')).toHaveCount(0); // no <style> injected into the page

  // Page text that looks like HTML is text, in both modes, and runs nothing.
  const xss = await shadowMarks(page, '#xss-element');
  expect(xss.some((m) => m.text === 'Jens Stoltenberg')).toBe(true);
  const shadowText = await page.locator('#xss-element').evaluate((el) => el.shadowRoot.textContent);
  expect(shadowText).toContain('<img src=x onerror=alert(1)>');
  expect(await page.locator('#xss-element').evaluate((el) => el.shadowRoot.querySelectorAll('img, script').length)).toBe(0);
  expect(await page.locator('img').count()).toBe(0);
  expect(events.find((e) => e.id === 'xss-attribute').text).toContain('<script>window.__pwned=2</script>');
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  expect(w.dialogs).toEqual([]);

  expect(await page.evaluate(() => window.__csp)).toEqual([]);
  expect(w.problems).toEqual([]);
});

test('highlight(element, options) for text rendered later: types, colours, dictionary, live updates', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await page.goto('/fixtures/hostile.html');
  await expect.poll(() => page.evaluate(() => window.__events.length), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);

  const result = await page.evaluate(async () => {
    const { highlight, configure } = await import('/nerlight-widget.js');
    configure({ dictionary: { 'Acme Rockets': 'ORG' }, suppress: ['Paris'] });
    const el = document.getElementById('later');
    const p = document.createElement('p');
    p.textContent = 'Ada Lovelace joined Acme Rockets in Paris, then met Jens Stoltenberg in Bucharest.';
    el.append(p);
    const { entities } = await highlight(el, { types: ['PER', 'ORG'], colors: { PER: '#ffe08a' }, live: true });
    return entities;
  });
  expect(result.map((e) => e.label).every((l) => l === 'PER' || l === 'ORG')).toBe(true);
  expect(result.find((e) => e.text === 'Acme Rockets')).toMatchObject({ label: 'ORG', score: 1 });
  expect(result.some((e) => e.text === 'Paris' || e.text === 'Bucharest')).toBe(false);
  expect(result.some((e) => e.text === 'Jens Stoltenberg')).toBe(true);

  // The colour option: a rule of its own for the PER highlight.
  const rules = await page.evaluate(() => [...document.adoptedStyleSheets].flatMap((s) => [...s.cssRules].map((r) => r.cssText)));
  expect(rules.some((r) => /::highlight\(nerlight-\d+-per\)/.test(r) && /rgb\(255, 224, 138\)|#ffe08a/i.test(r))).toBe(true);

  // live: a change of the text is highlighted again by itself.
  await page.evaluate(() => {
    window.__events = [];
    document.querySelector('#later p').append(' Later, Acme Rockets hired Barack Obama.');
  });
  await expect.poll(() => page.evaluate(() => window.__events.filter((e) => e.id === 'later').length), { timeout: 15_000 }).toBe(1);
  const again = await page.evaluate(() => window.__events.find((e) => e.id === 'later').entities.map((e) => e.text));
  expect(again.filter((t) => t === 'Acme Rockets')).toHaveLength(2);

  // A custom element's options as attributes, and its settings from script.
  await page.evaluate(() => {
    const el = document.createElement('nerlight-highlight');
    el.id = 'only-places';
    el.setAttribute('types', 'LOC');
    el.setAttribute('colors', '{"LOC":"#c8f7c5"}');
    el.textContent = 'Jens Stoltenberg flew from Oslo to Bucharest.';
    document.body.append(el);
  });
  await expect.poll(() => page.evaluate(() => window.__events.some((e) => e.id === 'only-places')), { timeout: 15_000 }).toBe(true);
  const places = await shadowMarks(page, '#only-places');
  expect(places.length).toBeGreaterThan(0);
  expect(places.every((m) => m.label === 'LOC')).toBe(true);
  expect(places[0].background).toBe('rgb(200, 247, 197)');

  expect(await page.evaluate(() => window.__csp)).toEqual([]);
  expect(w.problems).toEqual([]);
});

test('widget demo page', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await page.setViewportSize({ width: 900, height: 1100 });
  await page.goto('/widget-demo.html');
  await expect(page.locator('#demo-element')).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(page.locator('#demo-options')).toHaveAttribute('data-state', 'done');
  await expect.poll(async () => (await shadowMarks(page, '#demo-options')).map((m) => `${m.text}/${m.label}`)).toContain('Acme Rockets/ORG');
  const options = await shadowMarks(page, '#demo-options');
  expect(options.every((m) => m.label !== 'LOC')).toBe(true); // types="PER ORG"
  await page.locator('#load-later').click();
  await expect(page.locator('#demo-log')).toContainText('#demo-later', { timeout: 15_000 });
  await expect(page.locator('#demo-log')).toContainText('#demo-attribute');
  await page.screenshot({ path: `${SCREENSHOTS}widget-demo.png`, fullPage: true });
  expect(await page.evaluate(() => window.__csp)).toEqual([]);
  expect(w.problems).toEqual([]);
});

test('<nerlight-highlight> reads its text as HTML shows it: white space collapsed, blocks apart', async ({ page, baseURL }) => {
  const w = watch(page, baseURL);
  await page.goto('/fixtures/hostile.html');
  await page.evaluate(() => {
    const el = document.createElement('nerlight-highlight');
    el.id = 'indented';
    const p1 = document.createElement('p');
    p1.textContent = '\n      Jens Stoltenberg   spoke\n      in Bucharest.\n    ';
    const p2 = document.createElement('p');
    p2.textContent = 'NATO agreed.';
    el.append('\n    ', p1, '\n    ', p2, '\n  ');
    document.body.append(el);
  });
  await expect.poll(() => page.evaluate(() => window.__events.some((e) => e.id === 'indented')), { timeout: 30_000 }).toBe(true);
  const ev = await page.evaluate(() => window.__events.find((e) => e.id === 'indented'));
  expect(ev.text).toBe('Jens Stoltenberg spoke in Bucharest.\n\nNATO agreed.');
  expect(await page.locator('#indented').evaluate((el) => el.shadowRoot.textContent)).toBe(ev.text);
  const ms = await shadowMarks(page, '#indented');
  expect(ms.map((m) => m.text)).toEqual(expect.arrayContaining(['Jens Stoltenberg', 'Bucharest']));
  expect(w.problems).toEqual([]);
});
