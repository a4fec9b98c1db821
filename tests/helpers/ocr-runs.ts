/**
 * What the OCR tests share: an item taken as the CLI takes it and followed until its access copies
 * are decided, and the native tesseract CLI on a page (their peer for character error rates).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { IngestRecord } from '../../src/domain/ingest-record.js';
import { writeItem } from './fixtures.js';
import type { Harness } from './harness.js';

const exec = promisify(execFile);

/** Takes `files` as an item called `name` and waits until it ended or its publication is decided. */
export async function ingestUntilPublished(
  h: Harness,
  name: string,
  files: Record<string, Buffer | string>,
  timeoutMs = 300_000,
): Promise<IngestRecord> {
  const src = path.join(h.dir, 'src', String(Math.random()).slice(2), name);
  await writeItem(src, files);
  const t = await h.app.intake.take(src, name, { move: false, via: 'cli' });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rec = await h.waitFor(t.ingestId, timeoutMs);
    if (rec.status !== 'preserved' || (rec.publication && !rec.stage)) return rec;
    if (Date.now() > deadline) throw new Error(`no publication for ${name}`);
    await sleep(200);
  }
}

/** The native tesseract CLI on a page file, one thread, the given language data and engine mode. */
export async function nativeTesseract(file: string, languages: string, tessdata: string): Promise<string> {
  const { stdout } = await exec('tesseract', [file, 'stdout', '-l', languages, '--oem', '1', '--tessdata-dir', tessdata], {
    env: { ...process.env, OMP_THREAD_LIMIT: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}
