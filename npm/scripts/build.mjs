// Builds the npm package's dist/ from the shared browser sources (www/) and the wasm-bindgen
// output (www/pkg/, with its generated TypeScript types): the package ships the very files the
// page and the widget use.
//
//   node npm/scripts/build.mjs      (make package; needs `make wasm` first)
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'npm', 'dist');
const FILES = [
  ['www/nerlight.js', 'nerlight.js'],
  ['www/client.js', 'client.js'],
  ['www/worker.js', 'worker.js'],
  ['www/render.js', 'render.js'],
  ['www/nerlight-widget.js', 'nerlight-widget.js'],
  ['www/pkg/nerlight.js', 'pkg/nerlight.js'],
  ['www/pkg/nerlight.d.ts', 'pkg/nerlight.d.ts'],
  ['www/pkg/nerlight_bg.wasm', 'pkg/nerlight_bg.wasm'],
  ['www/pkg/nerlight_bg.wasm.d.ts', 'pkg/nerlight_bg.wasm.d.ts'],
];

await rm(DIST, { recursive: true, force: true });
await mkdir(join(DIST, 'pkg'), { recursive: true });
let bytes = 0;
for (const [from, to] of FILES) {
  const src = join(ROOT, from);
  await stat(src).catch(() => {
    throw new Error(`npm/scripts/build.mjs: ${from} is missing (run make wasm)`);
  });
  await copyFile(src, join(DIST, to));
  bytes += (await stat(src)).size;
}
console.log(`npm/dist: ${FILES.length} files, ${bytes} bytes`);
