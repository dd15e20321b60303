// nerlight widget: highlights the people, places and organizations in any page with one tag:
//
//   <script type="module" src="https://your.site/nerlight/nerlight-widget.js"></script>
//   <nerlight-highlight>Jens Stoltenberg spoke in Bucharest.</nerlight-highlight>
//   <article data-nerlight>…any markup, links included…</article>
//
// - <nerlight-highlight> draws its text in its own shadow DOM, with a chip per entity (PER, LOC,
//   ORG) and a tooltip with type and confidence. Nothing of the page's CSS reaches inside, and
//   nothing of the widget's reaches out. Style it from outside with `::part(entity)`,
//   `::part(PER)` etc. or the custom properties `--nerlight-per-bg`, `--nerlight-per-line`, ….
// - `data-nerlight` on any element (and `highlight(element, options)` for text rendered later)
//   leaves the element's DOM untouched: entities are painted with the CSS Custom Highlight API,
//   styled only through `::highlight(nerlight-…)` rules, which match nothing else.
// - Both fire a `nerlight:entities` event (bubbling, composed) on the element with
//   `detail: { entities, text, version }`.
// - Options: `types` (e.g. ['PER', 'ORG']), `minScore` (0..1), `colors` ({ PER: '#ffe08a' } or
//   { PER: { background, underline, text } }), `dictionary`, `suppress`, `ignoreCase` (custom
//   names, see README). As attributes: types="PER ORG" min-score="0.5" colors='{"PER":"#ffe08a"}',
//   or data-nerlight-types, data-nerlight-min-score, data-nerlight-colors.
//
// Extraction runs in a Web Worker when the widget is served from the page's origin, else on the
// main thread in small chunks. No innerHTML is used: page text only ever goes into text nodes
// and Range objects. Works under `script-src 'self' 'wasm-unsafe-eval'` (no inline styles
// either: the widget's CSS goes in through constructed style sheets).

import { createClient } from './client.js';
import { Renderer } from './render.js';

const TYPES = ['PER', 'LOC', 'ORG'];
const TYPE_NAME = { PER: 'Person', LOC: 'Place', ORG: 'Organization' };
/** Light tints with dark text: readable (WCAG AA) whatever the host page's own colours. */
const DEFAULT_STYLE = {
  PER: { background: '#dbe8ff', underline: '#2456c9', text: '#16181d', pattern: 'solid', chip: '#1d46a8' },
  LOC: { background: '#d7f5e1', underline: '#16804a', text: '#16181d', pattern: 'dashed', chip: '#11643a' },
  ORG: { background: '#fde6cf', underline: '#c2500f', text: '#16181d', pattern: 'dotted', chip: '#9a3c09' },
};

const defaults = {};
let client = null;
let clientOptions = {};

/** The shared extraction client (one worker for every element on the page). */
function getClient() {
  client ??= createClient(clientOptions);
  return client;
}

/** Resolves to `{ version, engine }` once the model is loaded. */
export function ready() {
  return getClient().ready;
}

/**
 * Sets defaults for every element highlighted from now on (per-element options win):
 * `types`, `minScore`, `colors`, `dictionary`, `suppress`, `ignoreCase`; and, before the first
 * highlight only, `worker` (false: main thread) and `wasm` (where to load the wasm from).
 * Call `refresh()` to apply new defaults to what is already highlighted.
 */
export function configure(options = {}) {
  const { worker, wasm, ...rest } = options;
  if (worker !== undefined) clientOptions.worker = worker;
  if (wasm !== undefined) clientOptions.wasm = wasm;
  Object.assign(defaults, rest);
}

// --- text of an element, and back ------------------------------------------------------------

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'textarea', 'input', 'select', 'option', 'iframe', 'object', 'embed', 'canvas', 'svg', 'math', 'nerlight-highlight']);
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure',
  'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'caption',
]);

/**
 * The text of `root` as the model should read it, and where each text node lies in it: the
 * text nodes' data in document order, with a paragraph break between blocks (<p>, <li>, …) and a
 * line break for <br>, so that names in separate blocks never run together. With `collapse`
 * (the custom element, which draws the text itself), white space reads as HTML shows it, and
 * the segments no longer map back to the nodes.
 */
export function collectText(root, { collapse = false } = {}) {
  let text = '';
  const segments = [];
  let pending = '';
  const visit = (node) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === Node.TEXT_NODE) {
        let data = child.data;
        if (collapse) {
          // As HTML shows it: white space runs as one space, none at the start of a block.
          data = data.replace(/[ \t\n\r\f]+/g, ' ');
          if (pending || !text || text.endsWith('\n')) data = data.replace(/^ /, '');
        }
        if (!data) continue;
        if (pending && text) text = (collapse ? text.replace(/ $/, '') : text) + pending;
        pending = '';
        segments.push({ node: child, start: text.length, end: text.length + data.length });
        text += data;
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        const tag = child.localName;
        if (SKIP.has(tag) || child.hasAttribute('data-nerlight-skip')) continue;
        if (tag === 'br') {
          if (!pending) pending = '\n';
          continue;
        }
        const block = BLOCK.has(tag);
        if (block) pending = '\n\n';
        visit(child);
        if (block) pending = '\n\n';
      }
    }
  };
  visit(root);
  if (collapse) text = text.replace(/ $/, '');
  return { text, segments };
}

/** A Range over the text nodes for [start, end) of the collected text, or null. */
function rangeFor(segments, start, end) {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid].end <= start) lo = mid + 1;
    else hi = mid;
  }
  const a = segments[lo];
  if (!a) return null;
  let b = lo;
  while (b + 1 < segments.length && segments[b + 1].start < end) b++;
  const z = segments[b];
  const s = Math.max(start, a.start);
  const e = Math.min(end, z.end);
  if (a === z && s >= e) return null;
  const range = new Range();
  range.setStart(a.node, s - a.start);
  range.setEnd(z.node, e - z.start);
  return range;
}

// --- options -----------------------------------------------------------------------------------

function parseTypes(value) {
  if (value == null || value === '') return undefined;
  const list = (Array.isArray(value) ? value : String(value).split(/[\s,]+/)).map((t) => String(t).trim().toUpperCase()).filter(Boolean);
  return list.filter((t) => TYPES.includes(t));
}

function parseJSON(value, what) {
  if (value == null || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    console.warn(`nerlight: ignoring ${what}: not JSON`);
    return undefined;
  }
}

/** The options given as attributes, with `prefix` ('' or 'data-nerlight-'). */
function attributeOptions(el, prefix) {
  const o = {};
  const types = parseTypes(el.getAttribute(`${prefix}types`));
  if (types) o.types = types;
  const min = el.getAttribute(`${prefix}min-score`);
  if (min != null && min !== '' && Number.isFinite(Number(min))) o.minScore = Number(min);
  const colors = parseJSON(el.getAttribute(`${prefix}colors`), `${prefix}colors`);
  if (colors) o.colors = colors;
  return o;
}

function merged(options) {
  const o = { ...defaults, ...options };
  return { ...o, types: parseTypes(o.types) || TYPES };
}

/** The style of one type: the defaults, with what `colors` says (a colour, or an object). */
function styleFor(label, colors) {
  const base = DEFAULT_STYLE[label];
  const c = colors && colors[label];
  if (!c) return base;
  const given = typeof c === 'string' ? { background: c } : c;
  const out = { ...base };
  for (const key of ['background', 'underline', 'text', 'chip']) {
    if (given[key] && typeof CSS !== 'undefined' && CSS.supports('color', given[key])) out[key] = given[key];
  }
  return out;
}

function extractOptions(o) {
  return { types: o.types, minScore: o.minScore ?? 0, dictionary: o.dictionary, suppress: o.suppress, ignoreCase: o.ignoreCase };
}

let versionNow = null;

function announce(element, entities, text) {
  element.dispatchEvent(
    new CustomEvent('nerlight:entities', { bubbles: true, composed: true, detail: { entities, text, version: versionNow } }),
  );
}

// --- the Custom Highlight API mode: data-nerlight and highlight() -------------------------------

let highlightSheet = null;
const highlightNames = new Map(); // style key -> highlight name
const instances = new WeakMap(); // element -> { ranges: [[name, range]], controller, options }
const live = new Set(); // elements highlighted, to clear ones that leave the page

function sheetForDocument() {
  if (!highlightSheet) {
    highlightSheet = new CSSStyleSheet();
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, highlightSheet];
  }
  return highlightSheet;
}

/** The registered highlight name for a type in a style, creating its rule the first time. */
function highlightName(label, style) {
  const key = JSON.stringify([label, style]);
  let name = highlightNames.get(key);
  if (!name) {
    name = `nerlight-${highlightNames.size}-${label.toLowerCase()}`;
    highlightNames.set(key, name);
    const h = new Highlight();
    h.priority = 1;
    CSS.highlights.set(name, h);
    sheetForDocument().insertRule(
      `::highlight(${name}) { background-color: ${style.background}; color: ${style.text}; ` +
        `text-decoration: underline ${style.pattern} ${style.underline}; text-decoration-thickness: 2px; }`,
    );
  }
  return name;
}

function clearRanges(inst) {
  for (const [name, range] of inst.ranges) CSS.highlights.get(name)?.delete(range);
  inst.ranges = [];
}

/** Removes the highlights `highlight()` put on `element`. */
export function clear(element) {
  const inst = instances.get(element);
  if (!inst) return;
  inst.controller?.abort();
  clearRanges(inst);
  instances.delete(element);
  live.delete(element);
}

/**
 * Highlights the entities in `element`'s text without changing its DOM (the CSS Custom
 * Highlight API). Call it again after the text changes (or pass `live: true` to have it
 * re-run by itself). Resolves to `{ entities, text }`, where entity offsets index `text` (the
 * element's text as read, see `collectText`). A newer call for the same element supersedes an
 * older one, which then rejects with an AbortError.
 */
export async function highlight(element, options = {}) {
  if (!(element instanceof Element)) throw new TypeError('nerlight: highlight() needs an element');
  const o = merged(options);
  const prev = instances.get(element);
  prev?.controller?.abort();
  const inst = { ranges: prev ? prev.ranges : [], controller: new AbortController(), options };
  instances.set(element, inst);
  const { text, segments } = collectText(element);
  const c = getClient();
  let entities;
  try {
    ({ entities } = await c.extract(text, { ...extractOptions(o), signal: inst.controller.signal }));
    versionNow = (await c.ready).version;
  } catch (err) {
    if (instances.get(element) === inst && err.name !== 'AbortError') console.error('nerlight:', err);
    throw err;
  }
  clearRanges(inst);
  if (typeof CSS !== 'undefined' && CSS.highlights) {
    for (const e of entities) {
      const range = rangeFor(segments, e.start, e.end);
      if (!range) continue;
      const name = highlightName(e.label, styleFor(e.label, o.colors));
      CSS.highlights.get(name).add(range);
      inst.ranges.push([name, range]);
    }
  } else {
    console.warn('nerlight: this browser has no CSS Custom Highlight API; entities are reported but not drawn');
  }
  inst.controller = null;
  live.add(element);
  if (options.live || element.hasAttribute('data-nerlight')) watch(element);
  announce(element, entities, text);
  return { entities, text };
}

// Elements with data-nerlight: highlighted when the widget loads or they appear, and again
// (after a pause) when their text changes.
const pendingRuns = new Map(); // element -> timer
function schedule(element, delay = 250) {
  clearTimeout(pendingRuns.get(element));
  pendingRuns.set(
    element,
    setTimeout(() => {
      pendingRuns.delete(element);
      if (!element.isConnected) return clear(element);
      const opts = { ...attributeOptions(element, 'data-nerlight-'), ...(instances.get(element)?.options || {}) };
      highlight(element, opts).catch(() => {});
    }, delay),
  );
}

const watched = new WeakSet();
function watch(element) {
  watched.add(element);
}

function scan(root) {
  if (root.nodeType !== Node.ELEMENT_NODE && root.nodeType !== Node.DOCUMENT_NODE) return;
  if (root.nodeType === Node.ELEMENT_NODE && root.hasAttribute('data-nerlight')) schedule(root, 0);
  for (const el of root.querySelectorAll('[data-nerlight]')) schedule(el, 0);
}

function startObserving() {
  scan(document);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') {
        if (r.target.hasAttribute('data-nerlight')) schedule(r.target, 0);
        else clear(r.target);
        continue;
      }
      for (const n of r.addedNodes) scan(n);
      // A change inside a highlighted element: highlight it again.
      let el = r.target.nodeType === Node.ELEMENT_NODE ? r.target : r.target.parentElement;
      for (; el; el = el.parentElement) {
        if (watched.has(el) && live.has(el)) {
          schedule(el);
          break;
        }
      }
      for (const n of r.removedNodes) {
        for (const el of [...live]) if (!el.isConnected && (n === el || n.contains?.(el))) clear(el);
      }
    }
  }).observe(document.documentElement, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['data-nerlight', 'data-nerlight-types', 'data-nerlight-min-score', 'data-nerlight-colors'],
  });
}

/** Highlights again every element highlighted so far (after `configure()`, say). */
export function refresh() {
  for (const el of live) if (el.isConnected) schedule(el, 0);
  for (const el of document.querySelectorAll('nerlight-highlight')) el.refresh?.();
}

// --- <nerlight-highlight> ------------------------------------------------------------------------

let shadowSheet = null;
function sheetForShadow() {
  if (!shadowSheet) {
    shadowSheet = new CSSStyleSheet();
    const rules = TYPES.map((t) => {
      const s = DEFAULT_STYLE[t];
      const v = t.toLowerCase();
      return `
        mark.${t} { background: var(--nerlight-${v}-bg, ${s.background}); color: var(--nerlight-${v}-text, ${s.text});
          border-bottom: 2px ${s.pattern} var(--nerlight-${v}-line, ${s.underline}); }
        mark.${t}::after { background: var(--nerlight-${v}-chip, ${s.chip}); }`;
    }).join('\n');
    shadowSheet.replaceSync(`
      :host { display: block; }
      :host([hidden]) { display: none; }
      .text { white-space: pre-wrap; overflow-wrap: anywhere; }
      mark {
        all: unset;
        padding: 0.05em 0.15em;
        border-radius: 3px;
        -webkit-box-decoration-break: clone;
        box-decoration-break: clone;
        cursor: help;
      }
      mark::after {
        content: attr(data-label);
        margin-left: 0.25em;
        padding: 0 0.3em;
        border-radius: 3px;
        font-family: system-ui, sans-serif;
        font-size: 0.62em;
        font-weight: 700;
        letter-spacing: 0.04em;
        line-height: 1.45;
        vertical-align: 0.15em;
        color: #fff;
        white-space: nowrap;
        user-select: none;
      }
      ${rules}
    `);
  }
  return shadowSheet;
}

export class NerlightHighlight extends HTMLElement {
  static observedAttributes = ['types', 'min-score', 'colors'];

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [sheetForShadow()];
    this.view = document.createElement('div');
    this.view.className = 'text';
    this.view.setAttribute('part', 'text');
    root.append(this.view);
    this.options = {};
    this.renderer = new Renderer(this.view, {
      mark: (e) => {
        const m = document.createElement('mark');
        m.className = e.label;
        m.dataset.label = e.label;
        m.setAttribute('part', `entity ${e.label}`);
        m.title = `${TYPE_NAME[e.label]} (${e.label}), confidence ${Math.round(e.score * 100)} %`;
        return m;
      },
    });
    this.observer = new MutationObserver(() => this.schedule(250));
    this.timer = 0;
    this.controller = null;
  }

  connectedCallback() {
    this.observer.observe(this, { subtree: true, childList: true, characterData: true });
    this.schedule(0);
  }

  disconnectedCallback() {
    this.observer.disconnect();
    clearTimeout(this.timer);
    this.controller?.abort();
  }

  attributeChangedCallback() {
    if (this.isConnected) this.schedule(0);
  }

  /** Options set from script (merged over the attributes); re-highlights. */
  set settings(options) {
    this.options = { ...options };
    if (this.isConnected) this.schedule(0);
  }

  get settings() {
    return this.options;
  }

  refresh() {
    if (this.isConnected) this.schedule(0);
  }

  schedule(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run().catch(() => {}), delay);
  }

  async run() {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const o = merged({ ...attributeOptions(this, ''), ...this.options });
    this.applyColors(o.colors);
    const { text } = collectText(this, { collapse: true });
    // The text at once, unmarked, so nothing disappears while the model loads.
    if (this.renderer.text !== text || !this.renderer.complete) {
      this.renderer.reset(text, () => true);
      this.renderer.final(text.length);
    }
    const c = getClient();
    const { entities } = await c.extract(text, { ...extractOptions(o), signal: controller.signal });
    versionNow = (await c.ready).version;
    if (this.controller !== controller) return;
    this.renderer.reset(text, () => true);
    this.renderer.add(entities);
    this.renderer.final(text.length);
    await this.renderer.done;
    if (this.controller !== controller) return;
    this.controller = null;
    this.dataset.state = 'done';
    announce(this, entities, text);
  }

  applyColors(colors) {
    for (const t of TYPES) {
      const s = styleFor(t, colors);
      const v = t.toLowerCase();
      const set = (prop, value, fallback) => {
        if (value !== fallback) this.view.style.setProperty(prop, value);
        else this.view.style.removeProperty(prop);
      };
      set(`--nerlight-${v}-bg`, s.background, DEFAULT_STYLE[t].background);
      set(`--nerlight-${v}-line`, s.underline, DEFAULT_STYLE[t].underline);
      set(`--nerlight-${v}-text`, s.text, DEFAULT_STYLE[t].text);
      set(`--nerlight-${v}-chip`, s.chip, DEFAULT_STYLE[t].chip);
    }
  }
}

if (!customElements.get('nerlight-highlight')) customElements.define('nerlight-highlight', NerlightHighlight);

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', startObserving, { once: true });
else startObserving();
