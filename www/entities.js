// Pure helpers over extracted entities: grouping mentions of the same entity, and export as
// JSON, CSV and HTML. No DOM; the HTML is built from escaped strings for the clipboard only.

export const TYPES = [
  { id: 'PER', name: 'Person', plural: 'People', pattern: 'solid underline' },
  { id: 'LOC', name: 'Place', plural: 'Places', pattern: 'dashed underline' },
  { id: 'ORG', name: 'Organization', plural: 'Organizations', pattern: 'dotted underline' },
];
export const TYPE_NAME = Object.fromEntries(TYPES.map((t) => [t.id, t.name]));

/** Words of a mention, for matching: lower case, curly quotes as straight, a final 's dropped. */
function words(text) {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[‘’`´]/g, "'")
    .replace(/'s$/u, '')
    .split(/[^\p{L}\p{N}'&.-]+/u)
    .filter(Boolean);
}

const MINOR = new Set(['of', 'the', 'and', 'for', 'de', 'la', 'du', 'der', 'von', '&']);

/** The initials of a multi-word name, minor words left out: "North Atlantic Treaty Organization" → "nato". */
function initials(ws) {
  const major = ws.filter((w) => !MINOR.has(w));
  return major.length >= 2 ? major.map((w) => w[0]).join('') : '';
}

/** Whether `needle` occurs in `hay` as a contiguous run of words. */
function containsRun(hay, needle) {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Groups mentions of the same entity, per type: "Jens Stoltenberg", "Stoltenberg" and
 * "stoltenberg" are one person; "NATO" joins "North Atlantic Treaty Organization".
 *
 * `entities`: `{ label, text }` objects; their array index is the mention's id. A shorter form
 * joins a longer one of the same type when its words are a contiguous run of the longer one's
 * words (or, for an organization or place, its initials), and only when exactly one group
 * qualifies: "Smith" with both "John Smith" and "Anna Smith" stays on its own.
 *
 * Returns `{ PER: [group...], LOC: [...], ORG: [...] }`, each group
 * `{ name, mentions: [index...], variants: [[text, count]...] }`, most mentioned first.
 */
export function groupEntities(entities) {
  const surfaces = new Map();
  entities.forEach((e, i) => addSurface(surfaces, e, i));
  return groupSurfaces(surfaces);
}

/** Adds mention `i` of entity `e` to a `surfaces` map (label + text -> mention ids), for `groupSurfaces`. */
export function addSurface(surfaces, e, i) {
  const key = `${e.label}\u0000${e.text}`;
  const list = surfaces.get(key);
  if (list) list.push(i);
  else surfaces.set(key, [i]);
}

/**
 * `groupEntities` over mentions already collected by text (`addSurface`), so that a long text's
 * mentions can be collected chunk by chunk and only its distinct names grouped at the end.
 */
export function groupSurfaces(surfaces) {
  const out = {};
  for (const { id } of TYPES) out[id] = [];
  const forms = new Map(); // label + words -> form
  for (const [key, mentions] of surfaces) {
    const cut = key.indexOf('\u0000');
    const label = key.slice(0, cut);
    const text = key.slice(cut + 1);
    const ws = words(text);
    const formKey = `${label}\u0000${ws.join(' ') || text}`;
    let f = forms.get(formKey);
    if (!f) forms.set(formKey, (f = { label, words: ws, mentions: [], surfaces: new Map() }));
    for (const i of mentions) f.mentions.push(i);
    f.surfaces.set(text, (f.surfaces.get(text) || 0) + mentions.length);
  }
  const byLabel = {};
  for (const f of forms.values()) (byLabel[f.label] ||= []).push(f);
  for (const [label, list] of Object.entries(byLabel)) {
    list.sort((a, b) => b.words.length - a.words.length || b.mentions.length - a.mentions.length);
    const groups = [];
    const byWord = new Map(); // word -> groups whose longest form has it
    const byInitials = new Map();
    for (const f of list) {
      let candidates = new Set(); // groups this form could belong to
      if (f.words.length) {
        for (const g of byWord.get(f.words[0]) || []) if (g.words.length > f.words.length && containsRun(g.words, f.words)) candidates.add(g);
        if (label !== 'PER' && f.words.length === 1) for (const g of byInitials.get(f.words[0]) || []) candidates.add(g);
      }
      candidates = [...candidates];
      if (candidates.length === 1) {
        const g = candidates[0];
        g.forms.push(f);
        continue;
      }
      const g = { words: f.words, forms: [f] };
      groups.push(g);
      for (const w of new Set(f.words)) {
        if (!byWord.has(w)) byWord.set(w, []);
        byWord.get(w).push(g);
      }
      const ini = initials(f.words);
      if (ini) {
        if (!byInitials.has(ini)) byInitials.set(ini, []);
        byInitials.get(ini).push(g);
      }
    }
    out[label] = groups
      .map((g) => {
        const mentions = g.forms.flatMap((f) => f.mentions).sort((a, b) => a - b);
        const variants = new Map();
        for (const f of g.forms) for (const [s, n] of f.surfaces) variants.set(s, (variants.get(s) || 0) + n);
        // The name shown: the longest form's most frequent spelling.
        const name = [...g.forms[0].surfaces].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
        return { name, mentions, variants: [...variants].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])) };
      })
      .sort((a, b) => b.mentions.length - a.mentions.length || a.name.localeCompare(b.name));
  }
  return out;
}

/** The entities as a JSON document (pretty-printed). */
export function toJSON(entities, meta = {}) {
  return `${JSON.stringify(
    {
      generator: 'nerlight',
      version: meta.version ?? null,
      minScore: meta.minScore ?? 0,
      offsets: 'UTF-16 code units (JavaScript string indices), end exclusive',
      entities: entities.map(({ start, end, label, text, score }) => ({ start, end, label, text, score })),
    },
    null,
    2,
  )}\n`;
}

/** A CSV field: quoted when needed (RFC 4180), and never read as a formula by a spreadsheet. */
function csvField(value) {
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The entities as CSV: start,end,label,score,text (CRLF line ends, a header row). */
export function toCSV(entities) {
  const rows = ['start,end,label,score,text'];
  for (const e of entities) rows.push([e.start, e.end, e.label, e.score.toFixed(4), csvField(e.text)].join(','));
  return `${rows.join('\r\n')}\r\n`;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const HTML_STYLE = {
  PER: 'background:#dbe8ff;border-bottom:2px solid #2456c9',
  LOC: 'background:#d7f5e1;border-bottom:2px dashed #16804a',
  ORG: 'background:#fde6cf;border-bottom:2px dotted #c2500f',
};

/**
 * The text with its entities as HTML for the clipboard: every piece of text escaped, each
 * entity a <mark> with inline styles (they survive pasting into mail and documents), its type
 * as a small label after it and in its title.
 */
export function toHTML(text, entities) {
  let html = '<div style="white-space:pre-wrap;color:#16181d;background:#fff">';
  let pos = 0;
  for (const e of entities) {
    if (e.start < pos) continue;
    html += escapeHTML(text.slice(pos, e.start));
    const title = `${TYPE_NAME[e.label] || e.label} (${e.label}), confidence ${Math.round(e.score * 100)} %`;
    html += `<mark data-label="${escapeHTML(e.label)}" title="${escapeHTML(title)}" style="${HTML_STYLE[e.label] || ''};color:inherit">`;
    html += `${escapeHTML(text.slice(e.start, e.end))}<sup style="font-size:0.65em;font-weight:700"> ${escapeHTML(e.label)}</sup></mark>`;
    pos = e.end;
  }
  html += `${escapeHTML(text.slice(pos))}</div>`;
  return html;
}
