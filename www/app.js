// nerlight page: UI only. The wasm runs in ./worker.js; this thread never calls it.
//
// Safety: the user's text (and anything derived from it, entity strings included) is put in
// the page only through text nodes (createTextNode / textContent). No innerHTML anywhere.

const LABELS = [
  { id: 'PER', name: 'Person', plural: 'People' },
  { id: 'LOC', name: 'Place', plural: 'Places' },
  { id: 'ORG', name: 'Organization', plural: 'Organizations' },
];
const LABEL_NAME = Object.fromEntries(LABELS.map((l) => [l.id, l.name]));

const $ = (id) => document.getElementById(id);
const input = $('input');
const runBtn = $('run');
const sampleBtn = $('sample');
const clearBtn = $('clear');
const statusEl = $('status');
const progressEl = $('progress');
const output = $('output');
const legend = $('legend');
const details = $('details');
const entityLists = $('entity-lists');
const versionEl = $('version');
const charsEl = $('chars');

let ready = false;
let nextId = 1;
let pending = null; // { id, text, t0 }

// Fetched at start so that the sample still loads if the network goes away later.
const samplePromise = fetch('./sample.txt').then((r) => {
  if (!r.ok) throw new Error(`sample.txt: HTTP ${r.status}`);
  return r.text();
});
samplePromise.catch(() => {}); // reported when the button is used

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.onmessage = (event) => handleMessage(event.data);
worker.onerror = (event) => {
  event.preventDefault();
  setStatus('error', `The worker failed to start${event.message ? `: ${event.message}` : ''}.`);
};

renderLegend(null);
updateCharCount();

function handleMessage(msg) {
  switch (msg.type) {
    case 'ready':
      ready = true;
      versionEl.textContent = `nerlight ${msg.version}`;
      runBtn.disabled = false;
      if (pending) {
        setStatus('working', 'Working…'); // a request made while loading is queued in the worker
      } else {
        setStatus('ready', 'Ready.');
        if (input.value.trim()) highlight(); // text restored by the browser, for instance
      }
      break;
    case 'progress':
      if (!pending || msg.id !== pending.id) return;
      progressEl.hidden = false;
      progressEl.max = msg.total;
      progressEl.value = msg.done;
      setStatus('working', `Working… ${Math.floor((100 * msg.done) / msg.total)} % (part ${msg.chunk} of ${msg.chunks})`);
      break;
    case 'result': {
      if (!pending || msg.id !== pending.id) return; // superseded
      const { text, t0 } = pending;
      pending = null;
      progressEl.hidden = true;
      if (msg.mismatches) console.error(`nerlight: ${msg.mismatches} entities whose offsets do not match their text`);
      const shown = render(text, msg.entities);
      const total = performance.now() - t0;
      const n = shown.length;
      setStatus(
        'done',
        `Found ${n} ${n === 1 ? 'entity' : 'entities'} in ${formatMs(msg.ms)}` +
          (msg.chunks > 1 ? ` (${msg.chunks} parts).` : '.'),
      );
      statusEl.title = `Extraction ${formatMs(msg.ms)}; with transfer and display ${formatMs(total)}`;
      break;
    }
    case 'error':
      if (msg.id !== null && (!pending || msg.id !== pending.id)) return;
      pending = null;
      progressEl.hidden = true;
      console.error('nerlight:', msg.message);
      setStatus('error', `Error: ${msg.message}`);
      break;
  }
}

function highlight() {
  const text = input.value;
  const id = nextId++;
  pending = { id, text, t0: performance.now() };
  progressEl.hidden = true;
  progressEl.value = 0;
  if (!text.trim()) {
    pending = null;
    render(text, []);
    setStatus(ready ? 'done' : 'loading', ready ? 'Nothing to analyse: the text is empty.' : 'Loading the model…');
    return;
  }
  worker.postMessage({ type: 'extract', id, text });
  setStatus('working', ready ? 'Working…' : 'Loading the model… (your text will be analysed next)');
}

/** Renders `text` with `entities` as <mark>s; returns the entities actually shown. */
function render(text, entities) {
  const frag = document.createDocumentFragment();
  const shown = [];
  let cursor = 0;
  for (const e of entities) {
    // Defensive: skip anything out of range, overlapping, or of an unknown type.
    if (!(e.start >= cursor && e.end > e.start && e.end <= text.length && LABEL_NAME[e.label])) {
      console.error('nerlight: skipped an entity with bad offsets', e);
      continue;
    }
    if (e.start > cursor) frag.append(document.createTextNode(text.slice(cursor, e.start)));
    const mark = document.createElement('mark');
    mark.className = `ent ${e.label}`;
    mark.dataset.label = e.label;
    mark.dataset.start = String(e.start);
    mark.dataset.end = String(e.end);
    mark.title = `${LABEL_NAME[e.label]} (${e.label}), confidence ${Math.round(e.score * 100)} %`;
    mark.textContent = text.slice(e.start, e.end);
    frag.append(mark);
    shown.push(e);
    cursor = e.end;
  }
  if (cursor < text.length) frag.append(document.createTextNode(text.slice(cursor)));

  output.replaceChildren(frag);
  if (!text) {
    const p = document.createElement('p');
    p.className = 'placeholder';
    p.textContent = 'Highlighted text appears here.';
    output.replaceChildren(p);
  }
  output.dataset.state = text ? 'done' : 'empty';
  renderLegend(shown);
  renderEntityLists(shown);
  return shown;
}

/** The legend: one item per type with its chip, name and count (count hidden before a run). */
function renderLegend(entities) {
  const counts = countBy(entities || [], (e) => e.label);
  legend.replaceChildren(
    ...LABELS.map(({ id, name }) => {
      const li = document.createElement('li');
      li.className = `legend-item ${id}`;
      li.dataset.label = id;
      const chip = document.createElement('span');
      chip.className = `chip ${id}`;
      chip.textContent = id;
      const label = document.createElement('span');
      label.className = 'legend-name';
      label.textContent = name;
      li.append(chip, label);
      if (entities) {
        const count = document.createElement('span');
        count.className = 'count';
        count.dataset.count = String(counts.get(id) || 0);
        count.textContent = String(counts.get(id) || 0);
        count.setAttribute('aria-label', `${counts.get(id) || 0} found`);
        li.append(count);
      }
      return li;
    }),
  );
}

/** Distinct entity strings per type, most frequent first. */
function renderEntityLists(entities) {
  details.hidden = entities.length === 0;
  entityLists.replaceChildren(
    ...LABELS.map(({ id, plural }) => {
      const col = document.createElement('section');
      col.className = `entity-list ${id}`;
      const h = document.createElement('h3');
      h.textContent = plural;
      col.append(h);
      const byText = countBy(
        entities.filter((e) => e.label === id),
        (e) => e.text,
      );
      const items = [...byText].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      if (items.length === 0) {
        const p = document.createElement('p');
        p.className = 'none';
        p.textContent = 'None found.';
        col.append(p);
      } else {
        const ul = document.createElement('ul');
        for (const [text, n] of items) {
          const li = document.createElement('li');
          const t = document.createElement('span');
          t.className = 'entity-text';
          t.textContent = text;
          li.append(t);
          if (n > 1) {
            const c = document.createElement('span');
            c.className = 'times';
            c.textContent = `×${n}`;
            c.setAttribute('aria-label', `${n} times`);
            li.append(c);
          }
          ul.append(li);
        }
        col.append(ul);
      }
      return col;
    }),
  );
}

function countBy(items, key) {
  const m = new Map();
  for (const it of items) m.set(key(it), (m.get(key(it)) || 0) + 1);
  return m;
}

function setStatus(state, message) {
  statusEl.dataset.state = state;
  statusEl.title = '';
  statusEl.textContent = message;
}

function formatMs(ms) {
  return ms < 1000 ? `${Math.max(1, Math.round(ms))} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function updateCharCount() {
  const n = input.value.length;
  charsEl.textContent = n ? `${n.toLocaleString('en')} characters` : '';
}

// --- events -----------------------------------------------------------------------------

runBtn.addEventListener('click', highlight);

input.addEventListener('input', (event) => {
  updateCharCount();
  // Highlight automatically after a paste (or a drop) into the textarea.
  if (event.inputType === 'insertFromPaste' || event.inputType === 'insertFromDrop') highlight();
});

input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    highlight();
  }
});

sampleBtn.addEventListener('click', async () => {
  try {
    input.value = await samplePromise;
  } catch (err) {
    setStatus('error', `Could not load the sample: ${err.message}`);
    return;
  }
  input.scrollTop = 0;
  updateCharCount();
  highlight();
});

clearBtn.addEventListener('click', () => {
  input.value = '';
  updateCharCount();
  pending = null;
  progressEl.hidden = true;
  render('', []);
  renderLegend(null);
  if (ready) setStatus('ready', 'Ready.');
  input.focus();
});
