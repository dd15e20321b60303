// compromise in a (classic) Web Worker, from its browser build file: one message per document,
// answered with the number of people + places + organizations found, the way a user gets them.
/* global nlp */
importScripts('/compromise/compromise.js');

self.onmessage = ({ data }) => {
  const doc = nlp(data.text);
  const n = doc.people().out('array').length + doc.places().out('array').length + doc.organizations().out('array').length;
  self.postMessage({ id: data.id, n });
};
self.postMessage({ ready: true, version: nlp.version });
