/**
 * Keeps an item's OCR: a new OCFL version with text, ALTO and hOCR of every page read and the
 * full text (the masters carried forward by reference), written through the OCFL store under the
 * object's lock, every file read back; then the same files in the access bucket.
 */
import { digestBuffer } from '../../checksum/digests.js';
import { ErrorCodes, YaddasError } from '../../domain/errors.js';
import { pageKey } from '../../domain/ids.js';
import { isoSeconds } from '../../domain/time.js';
import { itemKeys, pageKeys } from '../../storage/access-layout.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { OcflStore } from '../../storage/ocfl-store.js';
import { LogicalPaths, type OcflUser } from '../../storage/ocfl.core.js';
import { type ItemRecord, recordContentPath } from '../commit/commit.core.js';
import { type MetsContext, metsContext, metsUpload, versionMets } from '../commit/version-mets.js';
import { type HandlerFactory, ocflUser, type StageHandler, accessWithheldNow } from '../stage.js';
import { mastersOf, ocrFiles, planOcrVersion, recordWithOcr, writtenByOcr } from './text.core.js';
import type { TextPayload, TextReturn } from './text.stage.js';

export interface TextDeps {
  ocfl: OcflStore;
  access: ObjectStore;
  ingestEnded: (ingestId: string) => Promise<boolean>;
  user: OcflUser;
  agency?: string;
  mets: MetsContext;
  /** the clock the embargo rule reads (a test's own in tests) */
  now?: () => Date;
}

export function textProcessor(deps: TextDeps): StageHandler<TextPayload, TextReturn> {
  const now = deps.now ?? (() => new Date());
  return async (data, { log }) => {
    const sw = { name: data.engine.name, version: data.engine.version, at: data.at, ...(deps.agency ? { agency: deps.agency } : {}) };
    const { files, summaries } = ocrFiles(data.itemId, Object.values(data.pages), sw);
    const failed = Object.entries(data.failed).map(([k, reason]) => ({ page: Number(k), reason }));

    const written = await deps.ocfl.writeVersion(
      data.itemId,
      data.ingestId,
      async (draft) => {
        const { head, version } = draft;
        const earlier = writtenByOcr(head, data.ingestId, data.mastersVersion);
        if (earlier) return { written: earlier };
        if (!head.versions[data.mastersVersion] || mastersOf(head, head.head) !== mastersOf(head, data.mastersVersion)) {
          // A re-scan stored other masters meanwhile: this OCR describes pages the item no longer has.
          return { skip: `the masters changed since ${data.mastersVersion} was read (head is ${head.head})` };
        }
        const uploaded = [];
        for (const f of files) uploaded.push(await draft.upload(f.logicalPath, f.body, f.contentType));
        const headRecord = await draft.readLogical(LogicalPaths.itemRecord);
        if (!headRecord) {
          throw new YaddasError(ErrorCodes.INVENTORY_INVALID, `Object ${data.itemId} ${head.head} has no item record.`, {
            permanent: true,
          });
        }
        const record = recordWithOcr(
          JSON.parse(headRecord.toString('utf8')) as ItemRecord,
          version,
          {
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
          },
          data.derivation,
        );
        const recordBytes = Buffer.from(`${JSON.stringify(record, null, 2)}\n`, 'utf8');
        const how = { ingestId: data.ingestId, languages: data.languages, created: isoSeconds(), user: deps.user };
        const own = [{ logicalPath: LogicalPaths.itemRecord, digests: digestBuffer(recordBytes) }];
        const draftVersion = planOcrVersion(head, uploaded, own, how);
        const sizes: Record<string, number> = { [LogicalPaths.itemRecord]: recordBytes.length };
        for (const f of files) sizes[f.logicalPath] = f.body.length;
        const mets = await versionMets(deps.mets, record, draftVersion.inventory, sizes);
        const next = planOcrVersion(head, uploaded, [...own, { logicalPath: LogicalPaths.mets, digests: digestBuffer(mets) }], how);
        return {
          commit: next,
          extra: [
            { contentPath: recordContentPath(version), body: recordBytes, contentType: 'application/json' },
            metsUpload(version, mets),
          ],
        };
      },
      { holderEnded: deps.ingestEnded, log },
    );
    if (written.version === null) {
      log.warn({ reason: written.skipped }, 'the masters changed since they were read; OCR not kept');
      return { version: null, skipped: written.skipped, pages: [], fullText: null };
    }
    if (written.written === 'earlier') log.info({ version: written.version }, 'OCR version already written by an earlier attempt');
    else
      log.info({ version: written.version, pages: summaries.length, failed: failed.length }, `OCR kept as OCFL version ${written.version}`);

    // The OCR is kept either way; a withdrawn item's text is not made public.
    const withheld = await accessWithheldNow(deps.ocfl, data.itemId, now());
    if (withheld) {
      log.warn(`OCR kept, not published: ${withheld}`);
      return { version: written.version, pages: summaries, fullText: null };
    }
    for (const f of files) await deps.access.put(f.accessKey, f.body, { contentType: f.contentType });
    if (await accessWithheldNow(deps.ocfl, data.itemId, now())) {
      await deps.access.delete(files.map((f) => f.accessKey)); // withdrawn while they were written
      return { version: written.version, pages: summaries, fullText: null };
    }
    // A page whose OCR failed this time must not keep text that an earlier version read.
    const gone = failed.flatMap(({ page }) => {
      const k = pageKeys(data.itemId, page);
      return [k.ocrText, k.alto, k.hocr];
    });
    if (gone.length > 0) await deps.access.delete(gone);
    return { version: written.version, pages: summaries, fullText: itemKeys(data.itemId).text };
  };
}

export const textHandler: HandlerFactory<TextPayload, TextReturn> = ({ config, preservation, access, ingestEnded, keeping, now }) =>
  textProcessor({
    now,
    mets: metsContext(config, keeping),
    ocfl: preservation,
    access,
    ingestEnded,
    user: ocflUser(config),
    ...(config.access.attribution ? { agency: config.access.attribution } : {}),
  });
