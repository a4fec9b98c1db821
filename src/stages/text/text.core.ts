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
import {
  LogicalPaths,
  nextInventory,
  versionNumber,
  type Inventory,
  type NextVersion,
  type OcflUser,
  type VersionFile,
} from '../../storage/ocfl.core.js';
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
export function pageSummary(
  itemId: string,
  p: Pick<TextPageSummary, 'page' | 'languages' | 'meanConfidence' | 'words' | 'detected'>,
): TextPageSummary {
  const k = pageKeys(itemId, p.page);
  return {
    page: p.page,
    languages: p.languages,
    ...(p.detected ? { detected: p.detected } : {}),
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
  engine: { name: string; version: string /** where each language's data came from */; data?: Record<string, string> };
  at: string;
  pages: Array<Omit<TextPageSummary, 'text' | 'alto' | 'hocr'> & { logicalPaths: { text: string; alto: string; hocr: string } }>;
  failed: Array<{ page: number; reason: string }>;
  fullText: string;
}

/** The item record of the OCR version: the head's, with its OCR described and an event added. */
export function recordWithOcr(
  head: ItemRecord,
  version: string,
  ocr: OcrSummary,
  derivation?: { views: number; failed: number; at: string },
): ItemRecord & { ocr: OcrSummary } {
  const failed = ocr.failed.length;
  const read = `${ocr.pages.length} page(s) read in ${ocr.languages} by ${ocr.engine.name} ${ocr.engine.version}${
    failed
      ? `; ${failed} page(s) failed: ${ocr.failed
          .slice(0, 5)
          .map((f) => `view ${f.page}: ${f.reason}`)
          .join('; ')}`
      : ''
  }`;
  const detection = detectionSummary(ocr.pages);
  const detail = `${read}${detection ? `; ${detection}` : ''}`;
  const usesOsd = ocr.pages.some((p) => p.detected?.script !== undefined && p.detected.script !== null);
  const data = [...ocr.languages.split('+'), ...(usesOsd ? ['osd'] : [])]
    .map((c) => `${c}: ${ocr.engine.data?.[c] ?? 'source not recorded'}`)
    .join('; ');
  const engine = {
    id: 'ocr-engine',
    name: ocr.engine.name,
    version: ocr.engine.version,
    type: 'software' as const,
    note: `language data ${data}`,
  };
  const agents = [...(head.agents ?? []).filter((a) => a.id !== engine.id), engine];
  const objects = [...ocr.pages.flatMap((p) => [p.logicalPaths.text, p.logicalPaths.alto, p.logicalPaths.hocr]), ocr.fullText].sort();
  const event = {
    type: 'optical character recognition',
    at: ocr.at,
    // Pages that failed are recorded, not hidden: the OCR as a whole is then a warning.
    outcome: ocr.pages.length === 0 ? ('failure' as const) : failed > 0 ? ('warning' as const) : ('success' as const),
    detail,
    agent: 'Yaddaş',
    agents: ['yaddas', engine.id],
    objects,
  };
  const derived = derivation
    ? [
        {
          type: 'derivation',
          at: derivation.at,
          outcome: derivation.failed > 0 ? ('warning' as const) : ('success' as const),
          detail: `access copies (thumbnail, access JPEG, IIIF level-0 image) of ${derivation.views} view(s) made from the masters and published${derivation.failed ? `; ${derivation.failed} view(s) failed` : ''}`,
          agent: 'Yaddaş',
          agents: ['yaddas', ...(head.agents ?? []).filter((a) => a.id === 'libvips').map((a) => a.id)],
        },
      ]
    : [];
  return { ...head, version, ocr, agents, events: [...head.events, ...derived, event] };
}

/**
 * The pages' script detection in words, for the OCR's PREMIS event: how many pages of each
 * script were read in which languages, which pages were turned upright, which were read in every
 * language and why. Empty when no page was detected (detection off or missing).
 */
export function detectionSummary(pages: ReadonlyArray<Pick<TextPageSummary, 'page' | 'languages' | 'detected'>>): string {
  const detected = pages.filter((p) => p.detected);
  if (detected.length === 0) return '';
  const groups = new Map<string, number>();
  for (const p of detected) {
    const k = `${p.detected!.script ?? 'no script detected'} in ${p.languages}`;
    groups.set(k, (groups.get(k) ?? 0) + 1);
  }
  const parts = [`script detection (Tesseract OSD): ${[...groups].map(([k, n]) => `${n} page(s) ${k}`).join(', ')}`];
  const turned = detected.filter((p) => p.detected!.turned);
  if (turned.length > 0)
    parts.push(`turned upright: ${turned.map((p) => `view ${p.page} by ${p.detected!.turned}° clockwise`).join(', ')}`);
  const reread = detected.filter((p) => p.detected!.reread);
  if (reread.length > 0)
    parts.push(
      `read again in every language: ${reread.map((p) => `view ${p.page} (${p.detected!.reread!.languages} at ${p.detected!.reread!.meanConfidence ?? 'no'} mean confidence)`).join(', ')}`,
    );
  return parts.join('; ');
}

export const ocrMessage = (ingestId: string, languages: string) => `OCR ${ingestId} (${languages})`;
/**
 * The version this ingest's OCR was written as, when an earlier attempt wrote it: not only the
 * head, since an operator's version (a withdrawal) may have followed it before the retry.
 */
export function writtenByOcr(inv: Inventory, ingestId: string, after?: string): string | undefined {
  const from = after ? versionNumber(after) : 0;
  return Object.entries(inv.versions)
    .filter(([v]) => versionNumber(v) > from)
    .find(([, ver]) => (ver.message ?? '').startsWith(`OCR ${ingestId} `))?.[0];
}

/** The next version: the head's files minus its OCR, record and METS; the new OCR, record and METS. */
export function planOcrVersion(
  head: Inventory,
  uploaded: Array<{ logicalPath: string; digests: Digests; contentPath: string }>,
  /** the version's own files the commit uploads: its item record, and its METS once made */
  own: Array<{ logicalPath: string; digests: Digests }>,
  o: { ingestId: string; languages: string; created: string; user: OcflUser },
): NextVersion {
  const files: VersionFile[] = [];
  const replaced = (p: string) => p.startsWith(LogicalPaths.ocrDir) || p === LogicalPaths.itemRecord || p === LogicalPaths.mets;
  for (const [sha512, paths] of Object.entries(head.versions[head.head]!.state)) {
    for (const p of paths) if (!replaced(p)) files.push({ logicalPath: p, digests: { sha512 } });
  }
  for (const u of uploaded) files.push({ logicalPath: u.logicalPath, digests: u.digests, uploadedContentPath: u.contentPath });
  for (const f of own) files.push({ logicalPath: f.logicalPath, digests: f.digests });
  files.sort((a, b) => (a.logicalPath < b.logicalPath ? -1 : 1));
  return nextInventory(head, { id: head.id, files, created: o.created, message: ocrMessage(o.ingestId, o.languages), user: o.user });
}
