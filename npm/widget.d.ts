// Types of nerlight/widget: <nerlight-highlight>, data-nerlight and highlight(element).
import type { DictionaryOptions, Entity, Label, WasmSource } from './index.js';

export interface TypeStyle {
  background?: string;
  underline?: string;
  text?: string;
  chip?: string;
}

export interface WidgetOptions extends DictionaryOptions {
  /** Types to highlight (default: all), as an array or a space-separated string. */
  types?: Label[] | string;
  /** Highlight only entities with at least this confidence (0..1). */
  minScore?: number;
  /** A background colour per type, or a full style. */
  colors?: { [label in Label]?: string | TypeStyle };
  /** highlight(): highlight again by itself when the element's text changes. */
  live?: boolean;
}

export interface EntitiesEventDetail {
  /** The entities highlighted, with offsets into `text`. */
  entities: Entity[];
  /** The element's text as the widget read it (blocks separated by blank lines). */
  text: string;
  version: string | null;
}

/** Highlights `element`'s entities without changing its DOM (the CSS Custom Highlight API). */
export function highlight(element: Element, options?: WidgetOptions): Promise<{ entities: Entity[]; text: string }>;
/** Removes what `highlight()` put on `element`. */
export function clear(element: Element): void;
/** Defaults for every element; `worker` and `wasm` only before the first highlight. */
export function configure(options: WidgetOptions & { worker?: boolean | (() => Worker); wasm?: WasmSource }): void;
/** Highlights again everything highlighted so far. */
export function refresh(): void;
/** Resolves once the model is loaded. */
export function ready(): Promise<{ version: string; engine: 'worker' | 'main-thread' }>;
/** An element's text as the widget reads it, and where each text node lies in it. */
export function collectText(root: Node): { text: string; segments: Array<{ node: Text; start: number; end: number }> };

/** <nerlight-highlight types="PER ORG" min-score="0.5" colors='{"PER":"#ffe08a"}'>…</nerlight-highlight> */
export class NerlightHighlight extends HTMLElement {
  /** Options from script, over the attributes. */
  settings: WidgetOptions;
  refresh(): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'nerlight-highlight': NerlightHighlight;
  }
  interface HTMLElementEventMap {
    'nerlight:entities': CustomEvent<EntitiesEventDetail>;
  }
}
