// The Node entry of the package: the same API as in the browser, with the wasm read from the
// file next to this one (Node's fetch cannot read file: URLs).
import { readFile } from 'node:fs/promises';
import { setWasmSource } from './dist/nerlight.js';

setWasmSource(() => readFile(new URL('./dist/pkg/nerlight_bg.wasm', import.meta.url)));

export * from './dist/nerlight.js';
