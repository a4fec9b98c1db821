// The thread of one tesseract.js engine: tesseract.js's own worker script, with one thing added.
// Tesseract sometimes fails to load the second language of a combination (tesseract.js 7 hands it
// a garbled name), says "Failed loading language" on stderr and goes on reading without it. Seen
// from the main thread that message arrives late, and under load after the next page has started;
// here, in the engine's own thread, it is seen while the load runs. A load that printed it is
// answered as failed, so the pool (ocr-engine.ts) tries the languages in another order.
'use strict';
const { parentPort } = require('node:worker_threads');

let failed = [];
const watch = (write) =>
  function watched(...args) {
    const m = /Failed loading language '([^']*)'/.exec(args.map(String).join(' '));
    if (m) failed.push(m[1]);
    return write.apply(this, args);
  };
// Before tesseract.js loads its WebAssembly core, which binds these for its messages.
console.error = watch(console.error);
console.warn = watch(console.warn);
process.stderr.write = watch(process.stderr.write);

const post = parentPort.postMessage.bind(parentPort);
parentPort.postMessage = (msg) => {
  if (msg && msg.action === 'initialize' && msg.status !== 'progress') {
    const lost = failed;
    failed = [];
    if (msg.status === 'resolve' && lost.length > 0)
      return post({
        ...msg,
        status: 'reject',
        data: `LANGUAGE_NOT_LOADED: Tesseract failed loading a language (named ${lost.map((l) => JSON.stringify(l)).join(', ')})`,
      });
  }
  return post(msg);
};

require('tesseract.js/src/worker-script/node/index.js');
