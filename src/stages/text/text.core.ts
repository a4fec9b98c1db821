/**
 * Keeping OCR, as pure values: the files it becomes (text, ALTO, hOCR per view, and the full
 * text), the item record of the version that holds them, and that version's inventory. The new
 * version carries everything of the head version forward (masters are referenced, not copied)
 * and replaces earlier OCR, which stays in the older versions: re-OCR keeps history.
 */
import type { Digests } from '../../checksum/digests.js';
import { pageKey } from '../../domain/ids.js';
import { bcp47Of } from '../../domain/ocr-languages.js';
import { itemKeys, pageKeys } from '../../storage/access-layout.js';
import { LogicalPaths, nextInventory, type Inventory, type NextVersion, type OcflUser, type VersionFile } from '../../storage/ocfl.core.js';
import type { ItemRecord } from '../commit/commit.core.js';
import type { OcrPage } from '../../domain/ocr-page.js';
import { altoXml, fullText, hocrXhtml, pageText, type OcrSoftware } from '../ocr/ocr.core.js';
import type { TextPageSummary } from './text.stage.js';

export interface OcrFile {
  logicalPath: string;
  accessKey: string;
  body: Buffer;
  contentType: string;
}

/** The media types of the OCR files, in both buckets. */
export const OCR_TYPES = {
  text: 'text/plain; charset=utf-8',
  alto: 'application/xml',
  hocr: 'application/xhtml+xml; charset=utf-8',
} as const;

/** A page's OCR at a glance, with where its files are in the access bucket. */
export function pageSummary(itemId: string, p: Pick<TextPageSummary, 'page' | 'languages' | 'meanConfidence' | 'words'>): TextPageSummary {
  const k = pageKeys(itemId, p.page);
  return {
    page: p.page,
    languages: p.languages,
    meanConfidence: p.meanConfidence,
    words: p.words,
    text: k.ocrText,
    alto: k.alto,
    hocr: k.hocr,
  };
}

export function ocrFiles(itemId: string, pages: OcrPage[], sw: OcrSoftware): { files: OcrFile[]; summaries: TextPageSummary[] } {
  const files: OcrFile[] = [];
  const summaries: TextPageSummary[] = [];
  const sorted = [...pages].sort((a, b) => a.page - b.page);
  for (const p of sorted) {
    const key = pageKey(p.page);
    const k = pageKeys(itemId, p.page);
    // BCP 47 for a hOCR page in one language; none for several.
    const lang = bcp47Of(p.languages);
    files.push(
      {
        logicalPath: LogicalPaths.ocrText(key),
        accessKey: k.ocrText,
        body: Buffer.from(pageText(p), 'utf8'),
        contentType: OCR_TYPES.text,
      },
      {
        logicalPath: LogicalPaths.ocrAlto(key),
        accessKey: k.alto,
        body: Buffer.from(altoXml(p, sw), 'utf8'),
        contentType: OCR_TYPES.alto,
      },
      {
        logicalPath: LogicalPaths.ocrHocr(key),
        accessKey: k.hocr,
        body: Buffer.from(hocrXhtml(p, sw, lang), 'utf8'),
        contentType: OCR_TYPES.hocr,
      },
    );
    summaries.push(pageSummary(itemId, p));
  }
  files.push({
    logicalPath: LogicalPaths.ocrFullText,
    accessKey: itemKeys(itemId).text,
    body: Buffer.from(fullText(sorted), 'utf8'),
    contentType: OCR_TYPES.text,
  });
  return { files, summaries };
}

/** The masters of a version as "logical path → digest", to tell whether OCR still fits it. */
export function mastersOf(inv: Inventory, version: string): string {
  const state = inv.versions[version]?.state ?? {};
  return Object.entries(state)
    .flatMap(([d, paths]) => paths.filter((p) => p.startsWith('masters/')).map((p) => `${p}\u0000${d}`))
    .sort()
    .join('\n');
}

export interface OcrSummary {
  languages: string;
  engine: { name: string; version: string };
  at: string;
  pages: Array<Omit<TextPageSummary, 'text' | 'alto' | 'hocr'> & { logicalPaths: { text: string; alto: string; hocr: string } }>;
  failed: Array<{ page: number; reason: string }>;
  fullText: string;
}

/** The item record of the OCR version: the head's, with its OCR described and an event added. */
export function recordWithOcr(head: ItemRecord, version: string, ocr: OcrSummary): ItemRecord & { ocr: OcrSummary } {
  const detail = `${ocr.pages.length} page(s) read in ${ocr.languages} by ${ocr.engine.name} ${ocr.engine.version}${ocr.failed.length ? `; ${ocr.failed.length} page(s) failed` : ''}`;
  return {
    ...head,
    version,
    ocr,
    events: [...head.events, { type: 'optical character recognition', at: ocr.at, outcome: 'success', detail, agent: 'Yaddaş' }],
  };
}

export const ocrMessage = (ingestId: string, languages: string) => `OCR ${ingestId} (${languages})`;
export const writtenByOcr = (inv: Inventory, ingestId: string): boolean =>
  (inv.versions[inv.head]?.message ?? '').startsWith(`OCR ${ingestId} `);

/** The next version: the head's files minus its OCR and record, the new OCR, the new record. */
export function planOcrVersion(
  head: Inventory,
  uploaded: Array<{ logicalPath: string; digests: Digests; contentPath: string }>,
  record: { digests: Digests },
  o: { ingestId: string; languages: string; created: string; user: OcflUser },
): NextVersion {
  const files: VersionFile[] = [];
  for (const [sha512, paths] of Object.entries(head.versions[head.head]!.state)) {
    for (const p of paths)
      if (!p.startsWith(LogicalPaths.ocrDir) && p !== LogicalPaths.itemRecord) files.push({ logicalPath: p, digests: { sha512 } });
  }
  for (const u of uploaded) files.push({ logicalPath: u.logicalPath, digests: u.digests, uploadedContentPath: u.contentPath });
  files.push({ logicalPath: LogicalPaths.itemRecord, digests: record.digests });
  files.sort((a, b) => (a.logicalPath < b.logicalPath ? -1 : 1));
  return nextInventory(head, { id: head.id, files, created: o.created, message: ocrMessage(o.ingestId, o.languages), user: o.user });
}
