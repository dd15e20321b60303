// nerlight page: UI only. Extraction runs in a Web Worker through ./client.js (on the main thread
// only where no worker can run); results are drawn a slice at a time by ./render.js.
//
// Safety: the user's text, and everything derived from it (entity names included), is put in
// the page only as text nodes (textContent, Node.append with strings). No innerHTML anywhere.

import { createClient } from './client.js';
import { Renderer } from './render.js';
import { TYPES, TYPE_NAME, addSurface, groupSurfaces, toJSON, toCSV, toHTML } from './entities.js';

// Set by the single-file build: { worker: () => Worker, wasm: 'data:…', sample: '…' }.
const env = globalThis.NERLIGHT_ENV || {};
const params = new URLSearchParams(location.search);

const $ = (id) => document.getElementById(id);
const input = $('input');
const runBtn = $('run');
const sampleBtn = $('sample');
const fileInput = $('file');
const clearBtn = $('clear');
const cancelBtn = $('cancel');
const statusEl = $('status');
const progressEl = $('progress');
const output = $('output');
const legend = $('legend');
const groupsEl = $('groups');
const mentionStatus = $('mention-status');
const tip = $('tip');
const threshold = $('threshold');
const thresholdValue = $('threshold-value');
const exportJson = $('export-json');
const exportCsv = $('export-csv');
const copyHtml = $('copy-html');
const versionEl = $('version');
const charsEl = $('chars');
const themeSelect = $('theme');
const dictNames = $('dict-names');
const dictSuppress = $('dict-suppress');
const dictIgnoreCase = $('dict-ignore-case');
const dictApply = $('dict-apply');
const dictStatus = $('dict-status');
const bigNote = $('big');
const bigInfo = $('big-info');
const bigEdit = $('big-edit');

const GROUPS_SHOWN = 25; // per type, before "Show all"
/** Longer texts are kept out of the textarea: a huge textarea makes every frame slow. */
const LARGE_TEXT = 200_000;
let bigText = null; // the text, while it is too long for the textarea

const state = {
  version: '',
  text: '', // the text of the current result
  entities: [], // all its entities so far, any score, in text order
  finalPos: 0, // the text is final (all its entities known) up to here
  complete: false,
  threshold: 0,
  hidden: new Set(), // types not shown
  groups: null, // { PER: [...], ... }: mentions are indices in state.entities
  surfaces: new Map(), // label + text -> indices of the mentions at or above the threshold
  cycle: new Map(), // group key -> index of the mention shown last
  currentMark: null,
};
let currentRun = null; // { controller }
let debounceTimer = 0;
let countsQueued = false;

const renderer = new Renderer(output, {
  mark(e, i) {
    const m = document.createElement('mark');
    m.className = `ent ${e.label}`;
    m.dataset.label = e.label;
    m.dataset.i = String(i);
    m.dataset.start = String(e.start);
    m.dataset.end = String(e.end);
    m.dataset.score = String(e.score);
    return m;
  },
  empty() {
    const p = document.createElement('p');
    p.className = 'placeholder';
    p.textContent = 'Highlighted text appears here.';
    return p;
  },
});
const isShown = (e) => e.score >= state.threshold && !state.hidden.has(e.label);

// --- the extraction client ---------------------------------------------------------------

const client = createClient({
  worker: params.get('engine') === 'main' ? false : env.worker,
  wasm: env.wasm,
});
warmFonts();
client.ready.then(
  ({ version, engine }) => {
    state.version = version;
    versionEl.textContent = `nerlight ${version}`;
    document.documentElement.dataset.engine = engine;
    runBtn.disabled = false;
    if (!currentRun) {
      setStatus('ready', 'Ready.');
      if (input.value.trim()) highlight(); // text restored by the browser, for instance
    }
  },
  (err) => setStatus('error', `Could not load the model: ${err.message}`),
);

/**
 * Loads the fonts that drawing a result needs now, while the worker loads the model: the first
 * time the browser draws text in a font at a size (the output's text, the marks' bold chips) or
 * needs a fallback font (emoji, CJK), it asks the system for it, a main-thread pause of 30-100 ms
 * on a slow machine that would otherwise fall in the middle of showing a long result. So a sample
 * is drawn off screen with the output's own classes: text, then a mark of each type.
 */
function warmFonts() {
  // After the first frame (the page shows at once), in a task of its own.
  requestAnimationFrame(() => setTimeout(() => {
    const s = document.createElement('div');
    s.className = 'output font-warm';
    s.setAttribute('aria-hidden', 'true');
    // The system is asked once for each character that starts a run of fallback text, so each
    // emoji here starts a run of its own: one of each common kind (face, flag, family, sign).
    const sample = 'Aa “É” — 😀 🇷🇴 👨‍👩‍👧 👍 ❤️ ✅ 東京 서울 Ελλάδα Москва';
    for (const { id } of TYPES) {
      const m = document.createElement('mark');
      m.className = `ent ${id}`;
      m.dataset.label = id;
      m.textContent = sample;
      s.append(sample, m);
    }
    document.body.append(s);
    requestAnimationFrame(() => requestAnimationFrame(() => s.remove()));
  }, 0));
}

// --- running -------------------------------------------------------------------------------

async function highlight() {
  clearTimeout(debounceTimer);
  stop();
  const text = currentText();
  hideTip();
  if (!text.trim()) {
    showText(text, []);
    renderer.final(text.length);
    state.complete = true;
    output.dataset.state = text ? 'done' : 'empty';
    updateCounts();
    buildPanel();
    setStatus(state.version ? 'done' : 'loading', state.version ? 'Nothing to analyse: the text is empty.' : 'Loading the model…');
    return;
  }
  const run = { controller: new AbortController(), t0: performance.now() };
  currentRun = run;
  showText(text, []);
  setWorking(true);
  setStatus('working', state.version ? 'Working…' : 'Loading the model… (your text will be analysed next)');
  let result;
  try {
    result = await client.extract(text, {
      ...dictionaryOptions(),
      signal: run.controller.signal,
      onChunk({ end, entities }) {
        if (currentRun !== run) return;
        for (const e of entities) {
          // Collected for the panel as they come, so that the end of a long run has little to do.
          if (e.score >= state.threshold) addSurface(state.surfaces, e, state.entities.length);
          state.entities.push(e);
        }
        state.finalPos = end;
        renderer.add(entities);
        renderer.final(end);
        queueCounts();
      },
      onProgress({ done, total, chunk, chunks }) {
        if (currentRun !== run || chunks < 2) return;
        progressEl.hidden = false;
        progressEl.max = total;
        progressEl.value = done;
        setStatus('working', `Working… ${Math.floor((100 * done) / total)} % (part ${chunk} of ${chunks})`);
      },
    });
  } catch (err) {
    if (currentRun !== run) return;
    currentRun = null;
    setWorking(false);
    if (err.name === 'AbortError') {
      renderer.cancel();
      output.dataset.state = 'done';
      setStatus('cancelled', `Cancelled. ${state.entities.length} entities found in the part done.`);
    } else {
      console.error('nerlight:', err);
      setStatus('error', `Error: ${err.message}`);
    }
    return;
  }
  if (currentRun !== run) return;
  state.complete = true;
  renderer.final(text.length);
  setStatus('working', 'Drawing…');
  await rendered(run);
  if (currentRun !== run) return;
  if (run.controller.signal.aborted) {
    // Cancelled while drawing: what is drawn stays.
    currentRun = null;
    setWorking(false);
    updateCounts();
    setStatus('cancelled', 'Cancelled while drawing the result.');
    return;
  }
  updateCounts();
  await nextFrame(); // the panel in a task of its own
  if (currentRun !== run) return;
  currentRun = null;
  setWorking(false);
  buildPanel();
  setExportsEnabled();
  const n = state.entities.filter(isShown).length;
  setStatus(
    'done',
    `Found ${n} ${n === 1 ? 'entity' : 'entities'} in ${formatMs(result.ms)}` + (result.chunks > 1 ? ` (${result.chunks} parts).` : '.'),
  );
  statusEl.title = `Extraction ${formatMs(result.ms)} (${result.engine}); with transfer and display ${formatMs(performance.now() - run.t0)}`;
}

/** Waits until the renderer has drawn everything (through any redraws a slider move starts). */
async function rendered(run) {
  output.dataset.state = 'rendering';
  for (;;) {
    const pending = renderer.done;
    const marks = await pending;
    // Drawn; or superseded by a newer run; or stopped without a redraw.
    if (marks || (run && currentRun !== run) || renderer.done === pending) break;
  }
  output.dataset.state = 'done';
}

/** Resolves after the next frame (or at once on a hidden page). */
function nextFrame() {
  return new Promise((resolve) => {
    if (document.hidden) setTimeout(resolve, 0);
    else requestAnimationFrame(() => setTimeout(resolve, 0));
  });
}

/** Starts showing `text` with what is known of its entities so far. */
function showText(text, entities) {
  state.text = text;
  state.entities = entities;
  state.surfaces = new Map();
  state.finalPos = 0;
  state.complete = false;
  state.cycle.clear();
  state.currentMark = null;
  renderer.reset(text, isShown);
  exportJson.disabled = exportCsv.disabled = copyHtml.disabled = true;
}

/** Redraws the current result after the threshold or the visible types changed. */
async function redraw() {
  hideTip();
  const run = currentRun;
  renderer.reset(state.text, isShown);
  renderer.add(state.entities);
  state.surfaces = new Map();
  state.entities.forEach((e, i) => {
    if (e.score >= state.threshold) addSurface(state.surfaces, e, i);
  });
  renderer.final(state.complete ? state.text.length : state.finalPos);
  updateCounts();
  if (!state.complete) return; // the run in progress finishes the job
  await rendered(null);
  await nextFrame();
  if (currentRun !== run || !state.complete) return;
  buildPanel();
  setExportsEnabled();
}

/** Stops the run in progress, if any. */
function stop() {
  if (!currentRun) return;
  const run = currentRun;
  currentRun = null;
  run.controller.abort();
  renderer.cancel();
  setWorking(false);
}

function setWorking(working) {
  cancelBtn.hidden = !working;
  if (!working) progressEl.hidden = true;
  else {
    progressEl.value = 0;
    exportJson.disabled = exportCsv.disabled = copyHtml.disabled = true;
  }
  output.setAttribute('aria-busy', String(working));
}

function setExportsEnabled() {
  const any = state.complete && state.entities.some(isShown);
  exportJson.disabled = exportCsv.disabled = copyHtml.disabled = !any;
}

// --- legend, counts, panel -----------------------------------------------------------------

function buildLegend() {
  legend.replaceChildren(
    ...TYPES.map(({ id, plural }) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `legend-item ${id}`;
      b.dataset.label = id;
      b.setAttribute('aria-pressed', 'true');
      b.title = `Show or hide ${plural.toLowerCase()}`;
      const chip = document.createElement('span');
      chip.className = `chip ${id}`;
      chip.textContent = id;
      const name = document.createElement('span');
      name.className = 'legend-name';
      name.textContent = plural;
      const count = document.createElement('span');
      count.className = 'count';
      count.dataset.count = '0';
      count.textContent = '0';
      b.append(chip, name, count);
      b.addEventListener('click', () => {
        const shown = b.getAttribute('aria-pressed') !== 'true';
        b.setAttribute('aria-pressed', String(shown));
        if (shown) state.hidden.delete(id);
        else state.hidden.add(id);
        redraw();
      });
      return b;
    }),
  );
}

function queueCounts() {
  if (countsQueued) return;
  countsQueued = true;
  requestAnimationFrame(() => {
    countsQueued = false;
    updateCounts();
  });
}

/** Per-type counts of the entities at or above the threshold (shown or not). */
function updateCounts() {
  const counts = { PER: 0, LOC: 0, ORG: 0 };
  for (const e of state.entities) if (e.score >= state.threshold) counts[e.label]++;
  for (const { id, plural } of TYPES) {
    const c = legend.querySelector(`[data-label="${id}"] .count`);
    c.textContent = c.dataset.count = String(counts[id]);
    c.closest('button').setAttribute('aria-label', `${plural}: ${counts[id]} found, ${state.hidden.has(id) ? 'hidden' : 'shown'}`);
  }
}

function buildPanel() {
  state.cycle.clear();
  state.groups = groupSurfaces(state.surfaces);
  const sections = [];
  for (const { id, plural } of TYPES) {
    const groups = state.groups[id];
    if (!groups.length) continue;
    const sec = document.createElement('section');
    sec.className = `group-list ${id}`;
    sec.dataset.label = id;
    if (state.hidden.has(id)) sec.classList.add('is-hidden');
    const h = document.createElement('h4');
    const chip = document.createElement('span');
    chip.className = `chip ${id}`;
    chip.textContent = id;
    h.append(chip, ` ${plural} `);
    const n = document.createElement('span');
    n.className = 'n';
    n.textContent = `(${groups.length})`;
    h.append(n);
    const ul = document.createElement('ul');
    const addItems = (from, to) => {
      for (let g = from; g < to; g++) ul.append(groupItem(id, g, groups[g]));
    };
    addItems(0, Math.min(groups.length, GROUPS_SHOWN));
    sec.append(h, ul);
    if (groups.length > GROUPS_SHOWN) {
      const more = document.createElement('button');
      more.type = 'button';
      more.className = 'small more';
      more.textContent = `Show all ${groups.length}`;
      more.addEventListener('click', () => {
        addItems(GROUPS_SHOWN, groups.length);
        more.remove();
      });
      sec.append(more);
    }
    sections.push(sec);
  }
  if (!sections.length) {
    const p = document.createElement('p');
    p.className = 'none';
    p.textContent = state.text.trim() ? 'None found.' : 'None yet.';
    sections.push(p);
  }
  groupsEl.replaceChildren(...sections);
}

function groupItem(label, g, group) {
  const li = document.createElement('li');
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'group';
  b.dataset.label = label;
  b.dataset.group = String(g);
  b.disabled = state.hidden.has(label);
  const name = document.createElement('span');
  name.className = 'g-name';
  name.textContent = group.name;
  const pos = document.createElement('span');
  pos.className = 'g-pos';
  const count = document.createElement('span');
  count.className = 'g-count';
  count.textContent = String(group.mentions.length);
  b.append(name, pos, count);
  const others = group.variants.filter(([v]) => v !== group.name).map(([v]) => v);
  b.setAttribute(
    'aria-label',
    `${group.name}, ${TYPE_NAME[label]}, ${group.mentions.length} ${group.mentions.length === 1 ? 'mention' : 'mentions'}` +
      (others.length ? `, also written ${others.join(', ')}` : ''),
  );
  b.addEventListener('click', () => nextMention(b, label, g));
  li.append(b);
  if (others.length) {
    const v = document.createElement('span');
    v.className = 'variants';
    v.textContent = `also ${others.slice(0, 4).join(', ')}${others.length > 4 ? '…' : ''}`;
    li.append(v);
  }
  return li;
}

/** Scrolls to the next mention of a group, cycling through them. */
function nextMention(button, label, g) {
  const group = state.groups[label][g];
  const key = `${label}/${g}`;
  const k = ((state.cycle.get(key) ?? -1) + 1) % group.mentions.length;
  state.cycle.set(key, k);
  const mark = renderer.marks[group.mentions[k]];
  if (!mark) return;
  if (state.currentMark) state.currentMark.classList.remove('current');
  for (const p of groupsEl.querySelectorAll('.g-pos')) p.textContent = '';
  state.currentMark = mark;
  mark.classList.add('current');
  mark.tabIndex = -1;
  const reduce = matchMedia('(prefers-reduced-motion: reduce)').matches;
  mark.scrollIntoView({ block: 'center', behavior: reduce ? 'auto' : 'smooth' });
  mark.focus({ preventScroll: true });
  showTip(mark);
  button.querySelector('.g-pos').textContent = `${k + 1}/${group.mentions.length}`;
  mentionStatus.textContent = `${group.name}: mention ${k + 1} of ${group.mentions.length}`;
  // Back to the list with Escape, without losing the place.
  mark.addEventListener(
    'keydown',
    (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        hideTip();
        button.focus();
      }
    },
    { once: true },
  );
}

// --- tooltip -------------------------------------------------------------------------------

let tipMark = null;

function showTip(mark) {
  const e = state.entities[Number(mark.dataset.i)];
  if (!e) return;
  tipMark = mark;
  const label = document.createElement('strong');
  label.textContent = `${TYPE_NAME[e.label]} (${e.label})`;
  tip.replaceChildren(label, ` · confidence ${Math.round(e.score * 100)} %`);
  tip.hidden = false;
  tip.dataset.for = mark.dataset.i;
  const r = mark.getBoundingClientRect();
  const w = tip.offsetWidth;
  tip.style.left = `${Math.max(4, Math.min(r.left, document.documentElement.clientWidth - w - 4))}px`;
  tip.style.top = `${r.bottom + 6}px`;
  mark.setAttribute('aria-describedby', 'tip');
}

function hideTip() {
  tipMark = null;
  if (tip.hidden) return;
  tip.hidden = true;
  output.querySelector('mark[aria-describedby]')?.removeAttribute('aria-describedby');
}

output.addEventListener('mouseover', (event) => {
  const mark = event.target.closest?.('mark.ent');
  if (mark) showTip(mark);
});
output.addEventListener('mouseout', (event) => {
  const mark = event.target.closest?.('mark.ent');
  if (mark && !mark.contains(event.relatedTarget) && document.activeElement !== mark) hideTip();
});
output.addEventListener('focusin', (event) => {
  if (event.target.matches?.('mark.ent')) showTip(event.target);
});
output.addEventListener('focusout', () => hideTip());
// The tooltip follows its mark when the page scrolls.
addEventListener(
  'scroll',
  () => {
    if (tipMark && tipMark.isConnected) showTip(tipMark);
    else hideTip();
  },
  { passive: true },
);

// --- threshold, exports ------------------------------------------------------------------

let thresholdTimer = 0;
threshold.addEventListener('input', () => {
  const v = Number(threshold.value);
  thresholdValue.textContent = `${v} %`;
  threshold.setAttribute('aria-valuetext', `${v} %`);
  clearTimeout(thresholdTimer);
  thresholdTimer = setTimeout(() => {
    state.threshold = v / 100;
    redraw();
  }, 120);
});

function shownEntities() {
  return state.entities.filter(isShown);
}

function download(name, type, content) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

exportJson.addEventListener('click', () => {
  download('nerlight-entities.json', 'application/json', toJSON(shownEntities(), { version: state.version, minScore: state.threshold }));
});
exportCsv.addEventListener('click', () => {
  download('nerlight-entities.csv', 'text/csv', toCSV(shownEntities()));
});
copyHtml.addEventListener('click', async () => {
  const shown = shownEntities();
  const html = toHTML(state.text, shown);
  const done = () =>
    setStatus('done', `Copied the text with ${shown.length} highlighted ${shown.length === 1 ? 'entity' : 'entities'} as HTML.`);
  // First the copy event: the HTML goes to the clipboard as it is (the asynchronous clipboard
  // API parses it in this page to sanitise it, which a strict CSP reports for every style="").
  let copied = false;
  const onCopy = (event) => {
    event.clipboardData.setData('text/html', html);
    event.clipboardData.setData('text/plain', state.text);
    event.preventDefault();
    copied = true;
  };
  document.addEventListener('copy', onCopy);
  try {
    document.execCommand('copy');
  } catch {
    // not supported: the clipboard API below
  } finally {
    document.removeEventListener('copy', onCopy);
  }
  if (copied) {
    done();
    return;
  }
  try {
    await navigator.clipboard.write([
      new ClipboardItem({
        'text/html': new Blob([html], { type: 'text/html' }),
        'text/plain': new Blob([state.text], { type: 'text/plain' }),
      }),
    ]);
    done();
  } catch (err) {
    setStatus('error', `Could not copy: ${err.message}`);
  }
});

// --- custom names --------------------------------------------------------------------------

const DICT_KEY = 'nerlight-dictionary';
let dictionary = { names: [], suppress: [], ignoreCase: false };

function parseDictionary() {
  const names = [];
  const errors = [];
  dictNames.value.split('\n').forEach((line, n) => {
    if (!line.trim()) return;
    const m = /^(.*?)\s*(?:=|:|\t)\s*(PER|LOC|ORG)\s*$/i.exec(line);
    if (!m || !m[1].trim()) errors.push(n + 1);
    else names.push([m[1].trim(), m[2].toUpperCase()]);
  });
  const suppress = dictSuppress.value
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  return { names, suppress, ignoreCase: dictIgnoreCase.checked, errors };
}

function dictionaryOptions() {
  const { names, suppress, ignoreCase } = dictionary;
  if (!names.length && !suppress.length) return {};
  return { dictionary: names, suppress, ignoreCase };
}

function loadDictionary() {
  try {
    const saved = JSON.parse(localStorage.getItem(DICT_KEY) || 'null');
    if (!saved) return;
    dictNames.value = saved.names.map(([n, l]) => `${n} = ${l}`).join('\n');
    dictSuppress.value = saved.suppress.join('\n');
    dictIgnoreCase.checked = !!saved.ignoreCase;
    dictionary = { names: saved.names, suppress: saved.suppress, ignoreCase: !!saved.ignoreCase };
    if (saved.names.length || saved.suppress.length) $('custom').open = true;
  } catch {
    // storage unavailable or corrupt: start empty
  }
}

dictApply.addEventListener('click', () => {
  const parsed = parseDictionary();
  if (parsed.errors.length) {
    dictStatus.dataset.state = 'error';
    dictStatus.textContent = `Line ${parsed.errors.join(', ')}: write Name = PER, LOC or ORG.`;
    return;
  }
  dictionary = { names: parsed.names, suppress: parsed.suppress, ignoreCase: parsed.ignoreCase };
  try {
    localStorage.setItem(DICT_KEY, JSON.stringify(dictionary));
  } catch {
    // not kept, still used
  }
  dictStatus.dataset.state = 'ok';
  dictStatus.textContent = `${parsed.names.length} ${parsed.names.length === 1 ? 'name' : 'names'} to highlight, ${parsed.suppress.length} to ignore.`;
  if (currentText().trim() && state.version) highlight();
});

// --- theme -----------------------------------------------------------------------------------

const THEME_KEY = 'nerlight-theme';
function applyTheme(theme) {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
  themeSelect.value = theme === 'light' || theme === 'dark' ? theme : 'auto';
}
themeSelect.addEventListener('change', () => {
  applyTheme(themeSelect.value);
  try {
    localStorage.setItem(THEME_KEY, themeSelect.value);
  } catch {
    // not kept
  }
});

// --- input events ----------------------------------------------------------------------------

/** The text to analyse: the textarea's, or the long text kept out of it. */
function currentText() {
  return bigText ?? input.value;
}

/** Keeps a long text out of the textarea (it is shown, highlighted, in the result). */
function enterBig(text) {
  bigText = text;
  input.value = '';
  input.hidden = true;
  bigNote.hidden = false;
  bigInfo.textContent =
    `A long text: ${text.length.toLocaleString('en')} characters. It is kept out of the editor so that ` +
    'the page stays fast; the result below shows all of it.';
  updateCharCount();
}

function exitBig(restore) {
  if (bigText === null) return;
  const text = bigText;
  bigText = null;
  input.hidden = false;
  bigNote.hidden = true;
  if (restore) input.value = text;
  updateCharCount();
}

/** Puts a text in for analysis: in the textarea, or kept aside when it is long. */
function setText(text) {
  exitBig(false);
  if (text.length > LARGE_TEXT) enterBig(text);
  else {
    input.value = text;
    input.scrollTop = 0;
  }
  updateCharCount();
}

function setStatus(stateName, message) {
  statusEl.dataset.state = stateName;
  statusEl.title = '';
  statusEl.textContent = message;
}

function formatMs(ms) {
  return ms < 1000 ? `${Math.max(1, Math.round(ms))} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function updateCharCount() {
  const n = currentText().length;
  charsEl.textContent = n ? `${n.toLocaleString('en')} characters` : '';
}

runBtn.addEventListener('click', highlight);
/** Cancels the run in progress: its extraction, or its drawing when extraction is done. */
function cancelRun() {
  if (!currentRun) return;
  currentRun.controller.abort();
  if (state.complete) renderer.cancel();
}

cancelBtn.addEventListener('click', cancelRun);

input.addEventListener('input', (event) => {
  if (input.value.length > LARGE_TEXT) {
    // Out of the textarea at once, in this same task, before the browser lays it out.
    enterBig(input.value);
    if (state.version) highlight();
    return;
  }
  updateCharCount();
  clearTimeout(debounceTimer);
  if (!state.version) return; // highlighted once the model is ready
  // A paste or a drop is highlighted at once; typing after a pause.
  if (event.inputType === 'insertFromPaste' || event.inputType === 'insertFromDrop') highlight();
  else debounceTimer = setTimeout(highlight, input.value.length > 100_000 ? 1200 : 350);
});

input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    highlight();
  }
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    cancelRun();
    hideTip();
  }
});

let samplePromise = null;
function sampleText() {
  if (env.sample !== undefined) return Promise.resolve(env.sample);
  samplePromise ??= fetch('./sample.txt').then((r) => {
    if (!r.ok) throw new Error(`sample.txt: HTTP ${r.status}`);
    return r.text();
  });
  samplePromise.catch(() => (samplePromise = null));
  return samplePromise;
}

sampleBtn.addEventListener('click', async () => {
  try {
    setText(await sampleText());
  } catch (err) {
    setStatus('error', `Could not load the sample: ${err.message}`);
    return;
  }
  highlight();
});

fileInput.addEventListener('change', async () => {
  const file = fileInput.files[0];
  if (!file) return;
  try {
    setText(await file.text());
  } catch (err) {
    setStatus('error', `Could not read ${file.name}: ${err.message}`);
    return;
  }
  fileInput.value = '';
  highlight();
});

bigEdit.addEventListener('click', () => {
  exitBig(true);
  input.focus();
});

clearBtn.addEventListener('click', () => {
  setText('');
  highlight();
  if (state.version) setStatus('ready', 'Ready.');
  input.focus();
});

// --- start -----------------------------------------------------------------------------------

try {
  applyTheme(localStorage.getItem(THEME_KEY));
} catch {
  applyTheme('auto');
}
buildLegend();
loadDictionary();
updateCharCount();

// Offline after the first visit: the service worker keeps every asset (not from file://, and
// not in the single-file build, which needs nothing else).
if ('serviceWorker' in navigator && /^https?:$/.test(location.protocol) && !env.single) {
  navigator.serviceWorker.register('./sw.js').catch((err) => console.warn('nerlight: no offline copy:', err.message));
}
