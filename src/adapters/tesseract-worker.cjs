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

// An engine that fails to start (its first load or initialisation) is no use, and tesseract.js 7
// never settles such a start: the thread ends itself once it has said why, so that its memory
// goes with it (the pool fails the start on that answer).
//
// A job is answered once: tesseract.js's initialisation, when Tesseract fails, rejects and then
// resolves the same job, and the second answer made tesseract.js throw in this process's message
// handler (an uncaught exception: unreadable language data would have ended the process).
let started = false;
let ended = false;
const answered = new Set();
const post = parentPort.postMessage.bind(parentPort);
const answer = (msg) => {
  if (ended) return;
  if (msg.status !== 'progress') {
    const job = `${msg.action}-${msg.jobId}`;
    if (answered.has(job)) return;
    answered.add(job);
  }
  if (!started && msg.status === 'reject' && ['load', 'loadLanguage', 'initialize'].includes(msg.action)) {
    post(msg);
    ended = true;
    setImmediate(() => process.exit(1));
    return;
  }
  if (msg.action === 'initialize' && msg.status === 'resolve') started = true;
  post(msg);
};
parentPort.postMessage = (msg) => {
  if (!msg) return post(msg);
  if (msg.action === 'initialize' && msg.status !== 'progress') {
    const lost = failed;
    failed = [];
    if (msg.status === 'resolve' && lost.length > 0)
      return answer({
        ...msg,
        status: 'reject',
        data: `LANGUAGE_NOT_LOADED: Tesseract failed loading a language (named ${lost.map((l) => JSON.stringify(l)).join(', ')})`,
      });
  }
  return answer(msg);
};

require('tesseract.js/src/worker-script/node/index.js');
