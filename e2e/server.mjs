// A tiny static server for the e2e tests (no dependencies). Unlike python's http.server it sets
// headers: every response carries a strict Content-Security-Policy, so every test also proves
// that the page and the widget run under it.
//
//   /            www/                     the page, the widget, the service worker
//   /fixtures/   e2e/fixtures/            host pages for the widget tests
//   /vite-app/   $CARGO_TARGET_DIR/npm-test/app/dist   the Vite build of the npm package test
//
// Run: node e2e/server.mjs [port]; or import { startServer } for a server a test can stop.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MOUNTS = [
  ['/fixtures/', join(ROOT, 'e2e', 'fixtures')],
  ['/vite-app/', join(resolvePath(ROOT, process.env.CARGO_TARGET_DIR || 'target'), 'npm-test', 'app', 'dist')],
  ['/', join(ROOT, 'www')],
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

async function resolve(pathname) {
  for (const [prefix, dir] of MOUNTS) {
    if (!pathname.startsWith(prefix)) continue;
    let rel = decodeURIComponent(pathname.slice(prefix.length));
    const file = normalize(join(dir, rel));
    if (file !== dir && !file.startsWith(dir + sep)) return null; // no escaping the root
    try {
      const s = await stat(file);
      if (s.isDirectory()) return { file: join(file, 'index.html') };
      return { file };
    } catch {
      return null;
    }
  }
  return null;
}

/** Starts a server on 127.0.0.1:port; resolves to { url, close() } (close ends open connections too). */
export function startServer(port = 0) {
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    const headers = { 'Content-Security-Policy': CSP, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
    try {
      const url = new URL(req.url, 'http://localhost');
      const found = await resolve(url.pathname);
      if (!found || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(found ? 405 : 404, { ...headers, 'Content-Type': 'text/plain' });
        res.end(found ? 'method not allowed' : 'not found');
        return;
      }
      const body = await readFile(found.file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(found.file)] || 'application/octet-stream', 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      res.writeHead(err.code === 'ENOENT' ? 404 : 500, { ...headers, 'Content-Type': 'text/plain' });
      res.end(String(err.code || 'error'));
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address();
      resolveStart({
        url: `http://127.0.0.1:${actual}`,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.argv[2] || process.env.E2E_PORT || 8123);
  const { url } = await startServer(port);
  console.log(`nerlight e2e server: ${url}/`);
}
