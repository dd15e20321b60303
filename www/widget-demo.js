// The demo page's script: the event log and the late text. Page text goes in as text only.
import { configure, highlight, refresh } from './nerlight-widget.js';

// Your own names, for every element on the page (see README, "Custom dictionaries").
configure({ dictionary: { 'Acme Rockets': 'ORG' } });
refresh(); // for what the widget started before this script ran

const log = document.getElementById('demo-log');
document.addEventListener('nerlight:entities', (event) => {
  const where = event.target.id || event.target.localName;
  const names = event.detail.entities.map((e) => `${e.text} (${e.label})`);
  const li = document.createElement('li');
  li.textContent = `#${where}: ${names.length} found: ${names.join(', ')}`;
  log.append(li);
});

document.getElementById('load-later').addEventListener('click', async (event) => {
  event.currentTarget.disabled = true;
  const box = document.getElementById('demo-later');
  const p = document.createElement('p');
  p.textContent = 'Serena Williams won in Melbourne, and Toyota opened a plant in Kentucky.';
  box.replaceChildren(p);
  await highlight(box);
});
