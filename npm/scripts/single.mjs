// Builds www/single.html: the whole page in one file that works opened from file:// with no
// server and no network. The wasm is inlined as base64; the page's modules are bundled by
// esbuild into one inline module script; the worker is bundled too and started from a Blob URL
// (a file:// page cannot start a worker from a file) as a classic script, with a main-thread
// fallback where even that is refused. A Content-Security-Policy with the hashes of the inline scripts and style
// keeps the same rule as the served page: nothing runs but what was built in.
//
//   node npm/scripts/single.mjs [out.html]       (make single)
import { readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WWW = join(ROOT, 'www');
const out = process.argv[2] || join(WWW, 'single.html');
const { build } = (await import(pathToFileURL(join(ROOT, 'e2e/node_modules/esbuild/lib/main.js')).href)).default;

async function bundle(entry, format = 'esm') {
  const result = await build({
    entryPoints: [join(WWW, entry)],
    bundle: true,
    format,
    // The worker is a classic script (a file:// page's module workers fail: their blob: URL has
    // an opaque origin); import.meta.url, used by wasm-bindgen only when it is given no wasm, is
    // never read there.
    define: format === 'iife' ? { 'import.meta.url': 'self.location.href' } : {},
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

/** Makes JavaScript safe inside a <script> element: no `</script` and no `<!--` in it. */
function inlineSafe(js) {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const sha256 = (s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

const [html, css, app, worker, wasm, sample] = await Promise.all([
  readFile(join(WWW, 'index.html'), 'utf8'),
  readFile(join(WWW, 'style.css'), 'utf8'),
  bundle('app.js'),
  bundle('worker.js', 'iife'),
  readFile(join(WWW, 'pkg', 'nerlight_bg.wasm')),
  readFile(join(WWW, 'sample.txt'), 'utf8'),
]);

const appJs = inlineSafe(app);
const workerJs = inlineSafe(worker);
// Set before the page's module runs: where the wasm, the worker and the sample come from (read
// when the module asks, after the whole file is parsed).
const envJs = inlineSafe(`window.NERLIGHT_ENV = {
  single: true,
  sample: ${JSON.stringify(sample)},
  get wasm() {
    return 'data:application/wasm;base64,' + document.getElementById('nerlight-wasm').textContent.trim();
  },
  worker: function () {
    var src = document.getElementById('nerlight-worker').textContent;
    var url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    return new Worker(url, { name: 'nerlight' });
  },
};`);

const csp = [
  "default-src 'none'",
  `script-src ${sha256(envJs)} ${sha256(appJs)} 'wasm-unsafe-eval'`,
  `style-src ${sha256(css)}`,
  'worker-src blob:',
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

let page = html;
const replace = (pattern, replacement) => {
  if (!pattern.test(page)) throw new Error(`single.mjs: index.html no longer has ${pattern}`);
  page = page.replace(pattern, () => replacement);
};
replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, `<meta http-equiv="Content-Security-Policy" content="${csp}">`);
replace(/<link rel="manifest"[^>]*>\n?/, '');
replace(/<link rel="icon"[^>]*>/, '<link rel="icon" href="data:,">');
replace(/<link rel="stylesheet" href="\.\/style\.css">/, `<style>${css}</style>`);
replace(/<script type="module" src="\.\/app\.js"><\/script>/, `<script>${envJs}</script>\n  <script type="module">${appJs}</script>`);
// The page links to the widget demo, which is not part of this file.
page = page.replace(/\s*<a href="\.\/widget-demo\.html">[^<]*<\/a>\./, '');
replace(
  /<\/body>/,
  `<script id="nerlight-worker" type="text/plain">${workerJs}</script>\n` +
    `<script id="nerlight-wasm" type="application/octet-stream">${wasm.toString('base64')}</script>\n</body>`,
);

await writeFile(out, page);
console.log(`${out}: ${page.length} bytes (wasm ${wasm.length} bytes inlined as base64)`);
