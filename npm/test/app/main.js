// A consumer of the npm package, built by Vite (make test-npm), then run in Chromium by
// e2e/tests/package.spec.mjs. Bare specifiers only: the package is resolved like any dependency.
import { load, extract } from 'nerlight';
import { createClient } from 'nerlight/client';

async function main() {
  const text = document.getElementById('text').textContent;
  const { version } = await load();
  const entities = await extract(text);
  const out = document.getElementById('out');
  for (const e of entities) {
    const li = document.createElement('li');
    li.textContent = `${e.label} ${e.text} ${e.start} ${e.end}`;
    out.append(li);
  }
  // The worker client from the package, as a bundler built it.
  const client = createClient();
  const ready = await client.ready;
  const fromWorker = await client.extract(text);
  document.body.dataset.version = version;
  document.body.dataset.engine = ready.engine;
  document.body.dataset.workerCount = String(fromWorker.entities.length);
  document.body.dataset.state = 'done';
}

main().catch((err) => {
  document.body.dataset.state = 'error';
  document.body.dataset.error = String(err && err.message);
});
