// Types of the nerlight JavaScript API (dist/nerlight.js; node.js in Node). Hand-written: the
// wasm layer's own generated types are in dist/pkg/nerlight.d.ts ("nerlight/wasm").

/** What an entity is: a person, a place, an organization. */
export type Label = 'PER' | 'LOC' | 'ORG';

/** One entity found in a text. */
export interface Entity {
  /** JavaScript string index (UTF-16 code unit) of its first character. */
  start: number;
  /** JavaScript string index one past its last character: `text.slice(start, end) === entity.text`. */
  end: number;
  label: Label;
  text: string;
  /** The model's confidence, 0..1; 1 for a name from your dictionary. */
  score: number;
}

/**
 * Your own names: `{ "Acme Rockets": "ORG" }` (name → label), `{ ORG: ["Acme Rockets"] }` (a list
 * per label), or `[["Acme Rockets", "ORG"]]`.
 */
export type DictionaryNames = { [name: string]: Label } | { [label in Label]?: string[] } | Array<[string, Label]>;

export interface Progress {
  /** UTF-16 code units done, of `total`. */
  done: number;
  total: number;
  /** The chunk just done (1-based), of `chunks`. */
  chunk: number;
  chunks: number;
}

export interface Chunk {
  start: number;
  end: number;
  /** This chunk's entities, with whole-text offsets. */
  entities: Entity[];
}

export interface DictionaryOptions {
  /** Names to find as whole words alongside the model; they win over model entities they overlap. */
  dictionary?: DictionaryNames;
  /** Names never reported (a model entity whose text is one of them is dropped). */
  suppress?: string[];
  /** Match `dictionary` and `suppress` ignoring letter case. */
  ignoreCase?: boolean;
}

export interface ExtractOptions extends DictionaryOptions {
  /** Labels to keep (default: all). */
  types?: Label[];
  /** Drop entities whose score is below this (default 0). */
  minScore?: number;
  /** Cancels a long extraction: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each chunk of a long text. */
  onProgress?: (progress: Progress) => void;
  /** Called with each chunk's entities as soon as they are known. */
  onChunk?: (chunk: Chunk) => void;
  /** Chunk target in UTF-16 code units (default `CHUNK_TARGET`); texts are cut at paragraph breaks. */
  chunkSize?: number;
}

/** What the wasm can be loaded from. */
export type WasmSource = string | URL | Request | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

export interface LoadOptions {
  /** Where to load the wasm from instead of the default (the file next to the module). */
  wasm?: WasmSource | Promise<WasmSource>;
}

export const LABELS: readonly Label[];
export const CHUNK_TARGET: number;

/** Loads the wasm and its model (once). `extract` calls it by itself. */
export function load(options?: LoadOptions): Promise<{ version: string }>;

/** The entities of `text`, sorted and non-overlapping. */
export function extract(text: string, options?: ExtractOptions): Promise<Entity[]>;

/** A chunk's entities as `extractSpans` gives them. */
export interface SpansChunk {
  start: number;
  end: number;
  /** Four numbers per entity: start, end (whole-text offsets), label (index into `LABELS`), score (float32 bits). */
  spans: Uint32Array;
}

export interface ExtractSpansOptions extends Omit<ExtractOptions, 'onChunk'> {
  /** Called with each chunk's spans (a fresh array, yours to keep or transfer) as soon as they are known. */
  onChunk?: (chunk: SpansChunk) => void;
}

/**
 * `extract` without the objects, for code that sends results on (a worker transferring them):
 * resolves to the number of entities; `spansToEntities` turns spans into entities.
 */
export function extractSpans(text: string, options?: ExtractSpansOptions): Promise<number>;

/** The entities of spans that `extractSpans` gave for `text` (`entity.text` is sliced from it). */
export function spansToEntities(text: string, spans: Uint32Array): Entity[];

/** The version and model name, e.g. "0.1.0 (conll-en)"; null before `load()` has finished. */
export function version(): string | null;

/** The chunks a text is processed in: [start, end) ranges covering it, cut at paragraph breaks. */
export function splitChunks(text: string, target?: number): Array<{ start: number; end: number }>;

/** The dictionary options as the wasm takes them, or null when there is nothing to add or suppress. */
export function normalizeDictionary(options?: DictionaryOptions): {
  names: string[];
  labels: string[];
  suppress: string[];
  ignoreCase: boolean;
} | null;

/** Sets where `load()` gets the wasm when it is given none (the Node entry uses it). */
export function setWasmSource(source: () => WasmSource | Promise<WasmSource>): void;

/** Lets other tasks run (used between chunks). */
export function yieldToEventLoop(): Promise<void>;
