// Types of nerlight/client: extraction in a Web Worker, with a main-thread fallback.
import type { Entity, ExtractOptions, WasmSource } from './index.js';

export interface ClientOptions {
  /** false: run on the main thread; a function: build the worker yourself; default: a module worker. */
  worker?: boolean | (() => Worker);
  /** Where to load the wasm from. */
  wasm?: WasmSource;
}

export interface ExtractResult {
  entities: Entity[];
  /** Time spent extracting, in milliseconds. */
  ms: number;
  chunks: number;
  engine: 'worker' | 'main-thread';
}

export interface Client {
  readonly ready: Promise<{ version: string; engine: 'worker' | 'main-thread' }>;
  readonly engine: 'worker' | 'main-thread' | null;
  extract(text: string, options?: ExtractOptions): Promise<ExtractResult>;
  terminate(): void;
}

export function createClient(options?: ClientOptions): Client;
