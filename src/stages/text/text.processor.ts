/**
 * Keeps an item's OCR: under the object's lock, a new OCFL version with text, ALTO and hOCR of
 * every page read and the full text (the masters carried forward by reference), its files read
 * back like every stored file; then the same files in the access bucket.
 */
import { digestBuffer } from '../../checksum/digests.js';
import { ErrorCodes, YaddasError } from '../../domain/errors.js';
import { pageKey } from '../../domain/ids.js';
import type { TextPayload, TextReturn } from '../../pipeline/plan.js';
import type { StageHandler } from '../../pipeline/queues.js';
import type { StatusStore } from '../../pipeline/status-store.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { LogicalPaths, contentPathFor, versionName, versionNumber, type OcflUser } from '../../storage/ocfl.core.js';
import { recordContentPath, type ItemRecord } from '../commit/commit.core.js';
import { pageKeys } from '../derive/derive.core.js';
import { itemKeys } from '../publish/publish.core.js';
import { holdObjectOrWait } from '../object-lock.js';
import { mastersOf, ocrFiles, planOcrVersion, recordWithOcr, writtenByOcr } from './text.core.js';

export interface TextDeps {
  ocfl: OcflStore;
  access: ObjectStore;
  status: StatusStore;
  user: OcflUser;
  agency?: string;
  retryWhenBusyMs?: number;
}

export function textProcessor(deps: TextDeps): StageHandler<TextPayload, TextReturn> {
  return async (data, { job, token, log }) => {
    const sw = { name: data.engine.name, version: data.engine.version, at: data.at, ...(deps.agency ? { agency: deps.agency } : {}) };
    const { files, summaries } = ocrFiles(data.itemId, Object.values(data.pages), sw);
    const failed = Object.entries(data.failed).map(([k, reason]) => ({ page: Number(k), reason }));

    await holdObjectOrWait(deps.status, data.itemId, data.ingestId, { job, token, log }, deps.retryWhenBusyMs);
    let version: string;
    try {
      const head = await deps.ocfl.readInventory(data.itemId);
      if (!head)
        throw new YaddasError(ErrorCodes.STAGED_FILE_MISSING, `Object ${data.itemId} is not in the preservation bucket.`, {
          permanent: true,
        });
      if (writtenByOcr(head, data.ingestId)) {
        version = head.head;
        log.info({ version }, 'OCR version already written by an earlier attempt');
      } else if (!head.versions[data.mastersVersion] || mastersOf(head, head.head) !== mastersOf(head, data.mastersVersion)) {
        // A re-scan stored other masters meanwhile: this OCR describes pages the item no longer has.
        log.warn({ head: head.head, read: data.mastersVersion }, 'the masters changed since they were read; OCR not kept');
        return {
          version: null,
          skipped: `the masters changed since ${data.mastersVersion} was read (head is ${head.head})`,
          pages: [],
          fullText: null,
        };
      } else {
        version = versionName(versionNumber(head.head) + 1);
        const root = deps.ocfl.rootOf(data.itemId);
        try {
          const uploaded = [];
          for (const f of files) {
            const contentPath = contentPathFor(version, f.logicalPath);
            const digests = await deps.ocfl.putBufferVerified(`${root}/${contentPath}`, f.body, f.contentType);
            uploaded.push({ logicalPath: f.logicalPath, digests, contentPath });
          }
          const headRecordBytes = await deps.ocfl.readLogical(head, LogicalPaths.itemRecord);
          if (!headRecordBytes)
            throw new YaddasError(ErrorCodes.INVENTORY_INVALID, `Object ${data.itemId} ${head.head} has no item record.`, {
              permanent: true,
            });
          const record = recordWithOcr(JSON.parse(headRecordBytes.toString('utf8')) as ItemRecord, version, {
            languages: data.languages,
            engine: data.engine,
            at: data.at,
            pages: summaries.map(({ text: _t, alto: _a, hocr: _h, ...s }) => {
              const key = pageKey(s.page);
              return {
                ...s,
                logicalPaths: { text: LogicalPaths.ocrText(key), alto: LogicalPaths.ocrAlto(key), hocr: LogicalPaths.ocrHocr(key) },
              };
            }),
            failed,
            fullText: LogicalPaths.ocrFullText,
          });
          const recordBytes = Buffer.from(JSON.stringify(record, null, 2) + '\n', 'utf8');
          const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
          const next = planOcrVersion(
            head,
            uploaded,
            { digests: digestBuffer(recordBytes) },
            { ingestId: data.ingestId, languages: data.languages, created, user: deps.user },
          );
          await deps.ocfl.commit(data.itemId, next, [
            { contentPath: recordContentPath(version), body: recordBytes, contentType: 'application/json' },
          ]);
          log.info({ version, pages: summaries.length, failed: failed.length }, `OCR kept as OCFL version ${version}`);
        } catch (err) {
          // Never leave half a version: what this attempt uploaded goes (committed versions stay).
          const removed = await deps.ocfl.rollback(data.itemId, version).catch(() => 0);
          if (removed) log.warn({ version, removed }, 'rolled back an unfinished OCR version');
          throw err;
        }
      }
    } finally {
      await deps.status.releaseObject(data.itemId, data.ingestId);
    }

    for (const f of files) await deps.access.put(f.accessKey, f.body, { contentType: f.contentType });
    // A page whose OCR failed this time must not keep text that an earlier version read.
    const gone = failed.flatMap(({ page }) => {
      const k = pageKeys(data.itemId, page);
      return [k.ocrText, k.alto, k.hocr];
    });
    if (gone.length > 0) await deps.access.delete(gone);
    return { version, pages: summaries, fullText: itemKeys(data.itemId).text };
  };
}
