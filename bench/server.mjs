// A tiny static server for the Chromium half of `make bench` (no dependencies).
//
//   /pkg/          target/bench/pkg         the wasm build under test (instead of www/pkg, so that
//                                           the bench never touches the page's own build)
//   /bench/        bench/page/              the bench page and its workers
//   /bench-lib/    bench/lib.mjs            helpers shared with the Node side
//   /compromise/   compromise's builds/     the browser build of compromise
//   /corpus.json   target/bench/corpus.json the benchmark corpus
//   /              www/                     the page itself (index.html, app.js, worker.js, ...)
//
// Every request is logged (see `requests()`), so the bench knows exactly which files the page
// made the browser download. Run alone: node bench/server.mjs [port].
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

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

export function mounts(pkgDir, corpus) {
  pkgDir ??= join(ROOT, 'target', 'bench', 'pkg');
  corpus ??= join(ROOT, 'target', 'bench', 'corpus.json');
  return [
    ['/corpus.json', corpus, true],
    ['/bench-lib/lib.mjs', join(ROOT, 'bench', 'lib.mjs'), true],
    ['/pkg/', pkgDir],
    ['/bench/', join(ROOT, 'bench', 'page')],
    ['/compromise/', join(ROOT, 'bench', 'node_modules', 'compromise', 'builds')],
    ['/', join(ROOT, 'www')],
  ];
}

async function resolveFile(table, pathname) {
  for (const [prefix, target, exact] of table) {
    if (exact) {
      if (pathname === prefix) return target;
      continue;
    }
    if (!pathname.startsWith(prefix)) continue;
    const file = normalize(join(target, decodeURIComponent(pathname.slice(prefix.length))));
    if (file !== target && !file.startsWith(target + sep)) return null; // no escaping the root
    try {
      const s = await stat(file);
      return s.isDirectory() ? join(file, 'index.html') : file;
    } catch {
      return null;
    }
  }
  return null;
}

/** Starts a server on 127.0.0.1:port; resolves to { url, requests(), clearRequests(), close() }. */
export function startServer({ port = 0, pkgDir, corpus } = {}) {
  const table = mounts(pkgDir, corpus);
  const sockets = new Set();
  let log = [];
  const server = createServer(async (req, res) => {
    const headers = { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
    try {
      const url = new URL(req.url, 'http://localhost');
      const file = await resolveFile(table, url.pathname);
      log.push({ path: url.pathname, file, status: file ? 200 : 404 });
      if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(file ? 405 : 404, { ...headers, 'Content-Type': 'text/plain' });
        res.end(file ? 'method not allowed' : 'not found');
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', 'Content-Length': body.length });
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
      resolveStart({
        url: `http://127.0.0.1:${server.address().port}`,
        requests: () => [...log],
        clearRequests: () => {
          log = [];
        },
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
  const { url } = await startServer({ port: Number(process.argv[2] || 8124) });
  console.log(`nerlight bench server: ${url}/bench/  (the page: ${url}/)`);
}
