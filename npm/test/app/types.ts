// Type-checked (not run) by `make test-npm`: the package's types as a TypeScript user sees them.
import { extract, extractSpans, load, spansToEntities, type Entity, type Label, type ExtractOptions } from 'nerlight';
import { createClient, type ExtractResult } from 'nerlight/client';
import { highlight, configure, type EntitiesEventDetail } from 'nerlight/widget';
import initWasm, { extract as rawExtract, Dictionary } from 'nerlight/wasm';

export async function typed(): Promise<number> {
  const { version }: { version: string } = await load();
  const options: ExtractOptions = {
    types: ['PER', 'ORG'],
    minScore: 0.5,
    dictionary: { 'Acme Rockets': 'ORG' },
    suppress: ['Jordan'],
    ignoreCase: true,
    signal: new AbortController().signal,
    onProgress: ({ done, total }) => console.log(done / total),
    onChunk: ({ entities }) => console.log(entities.length),
  };
  const entities: Entity[] = await extract('Jens Stoltenberg', options);
  const perList: Entity[] = await extract('x', { dictionary: { ORG: ['Acme Rockets'], PER: ['Ada Lovelace'] } });
  const labels: Label[] = entities.map((e) => e.label);
  const fromSpans: Entity[] = [];
  const count: number = await extractSpans('NATO', { minScore: 0.5, onChunk: ({ spans }) => fromSpans.push(...spansToEntities('NATO', spans)) });
  const result: ExtractResult = await createClient({ worker: false }).extract('NATO');
  configure({ colors: { PER: '#ffe08a', ORG: { background: '#f5d0fe', underline: '#86198f' } }, types: 'PER ORG' });
  const el = document.createElement('nerlight-highlight');
  el.settings = { minScore: 0.3 };
  el.addEventListener('nerlight:entities', (event) => {
    const detail: EntitiesEventDetail = event.detail;
    console.log(detail.entities.length, detail.version);
  });
  const { text } = await highlight(document.body, { live: true });
  await initWasm();
  const dict = new Dictionary(['Acme'], ['ORG'], [], false);
  console.log(rawExtract('NATO'), dict.size, version, labels, perList, text, fromSpans, count);
  return result.entities.length;
}
