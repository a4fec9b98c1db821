/**
 * Stores one master: a single read of the staged file computes SHA-512, SHA-256 and MD5 while it
 * streams to its content path; then the stored copy is read back and compared. Re-running it
 * (a retry, a killed worker) rewrites the same key with the same bytes.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { READ_CHUNK } from '../../checksum/digests.js';
import { changedSinceTaken, ErrorCodes, YaddasError } from '../../domain/errors.js';
import type { StoreResult } from '../../domain/item.js';
import { Staging } from '../../domain/staging.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import type { HandlerFactory, StageHandler } from '../stage.js';
import type { StorePayload } from './store.stage.js';

export function storeProcessor(deps: { stagingDir: string; ocfl: OcflStore }): StageHandler<StorePayload, StoreResult> {
  return async (data, { log, progress }) => {
    const abs = path.join(Staging.folder(deps.stagingDir, data.ingestId), data.path);
    let size: number;
    try {
      size = (await fs.stat(abs)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new YaddasError(
          ErrorCodes.STAGED_FILE_MISSING,
          `The staged file ${data.path} is gone; it was removed from ${deps.stagingDir} by hand?`,
          {
            permanent: true,
          },
        );
      }
      throw err;
    }
    if (size !== data.size) throw changedSinceTaken(data.path, data.size, size, data.ingestId);
    await deps.ocfl.keepHolding(data.objectId, data.ingestId);
    const started = performance.now();
    // Progress for operators (and tests that must catch an upload half-way), at most once a second.
    let reported = 0;
    const onProgress = (sent: number) => {
      if (Date.now() - reported < 1000) return;
      reported = Date.now();
      progress({ phase: 'upload', bytes: sent, total: size });
    };
    const open = () => createReadStream(abs, { highWaterMark: READ_CHUNK });
    const { contentPath, digests } = await deps.ocfl.putContent(data.objectId, data.version, data.logicalPath, open, data.size, {
      onProgress,
    });
    // Checked against the manifest on taking; the same file read again must give the same digests.
    for (const [algorithm, want] of Object.entries(data.expected ?? {})) {
      const got = (digests as unknown as Record<string, string>)[algorithm];
      if (got !== undefined && got !== want)
        throw new YaddasError(
          ErrorCodes.STAGED_FILE_CHANGED,
          `The staged file ${data.path} changed after it was checked against its checksum manifest (its ${algorithm.toUpperCase()} is now ${got}, the manifest says ${want}).`,
          { permanent: true },
        );
    }
    const s = (performance.now() - started) / 1000;
    log.info(
      { file: data.logicalPath, bytes: size, seconds: Number(s.toFixed(3)), mbps: Number((size / 1e6 / s).toFixed(1)) },
      'master stored and verified',
    );
    return { path: data.path, logicalPath: data.logicalPath, contentPath, size, digests, verifiedAt: new Date().toISOString() };
  };
}

export const storeHandler: HandlerFactory<StorePayload, StoreResult> = (p) =>
  storeProcessor({ stagingDir: p.config.intake.stagingDir, ocfl: p.preservation });
