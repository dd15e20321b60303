// nerlight service worker: keeps a copy of every asset of the page so that it works with the
// network off after the first visit.
//
// Network first, then the copy: online, the page always gets the files the server has now (the
// wasm and its JavaScript glue must come from the same build, so a half-updated cache must never
// be served while the server is reachable); offline, it gets the copy, refreshed on every visit.
// Only the page's own assets are handled; any other request goes to the network untouched.

const CACHE = 'nerlight-v1';
const ASSETS = [
  './',
  './index.html',
  './style.css',
  './app.js',
  './client.js',
  './render.js',
  './entities.js',
  './nerlight.js',
  './worker.js',
  './sample.txt',
  './manifest.webmanifest',
  './icon.svg',
  './pkg/nerlight.js',
  './pkg/nerlight_bg.wasm',
  './nerlight-widget.js',
  './widget-demo.html',
  './widget-demo.css',
  './widget-demo.js',
];
const ASSET_URLS = new Set(ASSETS.map((a) => new URL(a, self.registration.scope).href));

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS.map((a) => new Request(a, { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith('nerlight-') && key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  url.search = '';
  url.hash = '';
  const isAsset = ASSET_URLS.has(url.href);
  const isPage = request.mode === 'navigate' && url.href === new URL('./', self.registration.scope).href;
  if (!isAsset && !isPage) return;
  event.respondWith(networkFirst(event, url.href));
});

async function networkFirst(event, key) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // Stored while the page already reads the response.
    if (response.ok && response.type === 'basic') event.waitUntil(cache.put(key, response.clone()));
    return response;
  } catch (err) {
    const copy = (await cache.match(key)) || (request.mode === 'navigate' ? await cache.match(new URL('./index.html', self.registration.scope).href) : undefined);
    if (copy) return copy;
    throw err;
  }
}
