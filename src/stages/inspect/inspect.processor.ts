/**
 * Identifies one staged file by content, decode-checks it, and reads its embedded metadata. A bad
 * file is a result (the item will be rejected with this problem), not a job failure.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { readEmbeddedMetadata } from '../../adapters/embedded-metadata.js';
import { probeFile } from '../../adapters/image-probe.js';
import { digestFileWith } from '../../checksum/digests.js';
import { changedSinceTaken, ErrorCodes, rejection } from '../../domain/errors.js';
import { Staging } from '../../domain/staging.js';
import type { HandlerFactory, StageHandler } from '../stage.js';
import type { InspectPayload, InspectReturn } from './inspect.stage.js';

export function inspectProcessor(deps: { stagingDir: string; maxPixels: number }): StageHandler<InspectPayload, InspectReturn> {
  return async (data, { log }) => {
    const abs = path.join(Staging.folder(deps.stagingDir, data.ingestId), data.path);
    const name = data.path.includes('/') ? data.path.slice(data.path.indexOf('/') + 1) : data.path;
    const sizeNow = async () => (await fs.stat(abs)).size;
    if (data.size !== undefined && (await sizeNow()) !== data.size)
      throw changedSinceTaken(name, data.size, await sizeNow(), data.ingestId);
    // What the scanner station listed is compared first: a page that differs is not what was
    // scanned, whatever it decodes to.
    if (data.expected && Object.keys(data.expected).length > 0) {
      const got = await digestFileWith(abs, Object.keys(data.expected));
      const wrong = Object.entries(data.expected).filter(([a, want]) => got[a] !== want);
      if (wrong.length > 0) {
        const [algorithm, want] = wrong[0]!;
        const problem = rejection(
          ErrorCodes.CHECKSUM_MISMATCH,
          `The file is not the one the scanner station listed: its ${algorithm.toUpperCase()} is ${got[algorithm]}, ${(data.listedIn ?? []).join(', ') || 'the manifest'} says ${want}. The copy into the inbox damaged or replaced it.`,
          'Copy this file from the scanner station again (or, if the file is right, make the manifest again), then drop the item again.',
          data.path.includes('/') ? data.path.slice(data.path.indexOf('/') + 1) : data.path,
        );
        log.warn({ file: name, code: problem.code }, `rejecting: ${problem.message}`);
        return { path: data.path, ok: false, problem };
      }
    }
    if (data.checkOnly) return { path: data.path, ok: true, checked: true };
    const r = await probeFile(abs, name, deps.maxPixels);
    // A file that grew while it was read was being written, not damaged: say so, not "corrupt".
    if (data.size !== undefined && (await sizeNow()) !== data.size)
      throw changedSinceTaken(name, data.size, await sizeNow(), data.ingestId);
    if (!r.ok) {
      log.warn({ file: name, code: r.problem.code }, `rejecting: ${r.problem.message}`);
      return { path: data.path, ok: false, problem: r.problem };
    }
    const embedded = r.result.image ? await readEmbeddedMetadata(abs) : undefined;
    return { path: data.path, ok: true, result: { ...r.result, path: data.path, ...(embedded ? { embedded } : {}) } };
  };
}

export const inspectHandler: HandlerFactory<InspectPayload, InspectReturn> = ({ config }) =>
  inspectProcessor({ stagingDir: config.intake.stagingDir, maxPixels: config.intake.maxPixels });
