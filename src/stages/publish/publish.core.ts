/**
 * What an item publishes beside its page derivatives, as pure values: item.json (the record
 * catalogues and search indexes read) and its IIIF Presentation 3 manifest. Built from the
 * ingest's data and the derive results; URLs start with the public base URL.
 */
import { inEveryLanguage, type MessageKey } from '../../domain/i18n/index.js';
import type { IngestManifest, InspectResult, StoreResult } from '../../domain/item.js';
import type { ItemMetadata, LanguageMap, TextOrMap } from '../../domain/metadata.js';
import { pageKey } from '../../domain/ids.js';
import { itemKeys, publicUrl } from '../../storage/access-layout.js';
import type { DeriveReturn } from '../derive/derive.stage.js';
import type { Target } from '../prepare/prepare.stage.js';
import type { TextPageSummary } from '../text/text.stage.js';
import type { PublishPayload } from './publish.stage.js';
import type { Canvas, Manifest } from '@iiif/presentation-3';
import { viewUnits } from '../derive/derive.core.js';

export const ACCESS_ITEM_FORMAT = 'yaddas-access-item/1';

type IiifLanguageMap = Record<string, string[]>;

export interface PublishInput {
  manifest: IngestManifest;
  inspected: Record<string, InspectResult>;
  stored: Record<string, StoreResult>;
  target: Target;
  /** derive results by page key ("0001") */
  derived: Record<string, DeriveReturn>;
  publicBaseUrl: string;
  /** who provides the items (config access.attribution), shown as the manifest's requiredStatement */
  attribution?: string;
  preservationBucket: string;
  ocr?: PublishPayload['ocr'];
  pdf?: PublishPayload['pdf'];
  /** the head version whose METS is published beside item.json (absent: the head has none) */
  metsVersion?: string;
  /** the institution whose item it is: item.json names it, the manifest's provider is it */
  institution?: { id: string; name: Record<string, string>; logo?: string; homepage?: string };
}

/** A IIIF language map from a metadata value: text has no language ("none"), maps keep theirs. */
export function languageMap(v: TextOrMap | undefined): IiifLanguageMap | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return { none: [v] };
  return Object.fromEntries(Object.entries(v as LanguageMap).map(([lang, text]) => [lang, [text]]));
}

function listMap(v: string | TextOrMap[] | undefined): IiifLanguageMap | undefined {
  if (v === undefined) return undefined;
  const items = typeof v === 'string' ? [v] : v;
  const out: IiifLanguageMap = {};
  for (const item of items) {
    for (const [lang, texts] of Object.entries(languageMap(item) ?? {})) out[lang] = [...(out[lang] ?? []), ...texts];
  }
  return out;
}

/**
 * The descriptive metadata to publish: metadata.json's, with what a single image says about
 * itself (EXIF, IPTC, XMP) filling the fields metadata.json leaves empty. Multi-page items are
 * described by metadata.json alone: one page's camera data does not describe a book.
 */
export function descriptiveMetadata(input: PublishInput): { metadata: ItemMetadata; filledFromEmbedded: string[] } {
  const given: ItemMetadata = { ...(input.manifest.metadata ?? {}) };
  const pages = input.manifest.files.filter((f) => f.role === 'page');
  const e = pages.length === 1 ? input.inspected[pages[0]!.path]?.embedded : undefined;
  const filled: string[] = [];
  if (!e) return { metadata: given, filledFromEmbedded: filled };
  const fill = <K extends keyof ItemMetadata>(key: K, value: ItemMetadata[K] | undefined) => {
    if (given[key] !== undefined || value === undefined) return;
    given[key] = value;
    filled.push(key);
  };
  fill('title', e.title ?? e.caption);
  fill('description', e.title && e.caption ? e.caption : undefined);
  fill('creator', e.creator);
  fill('date', e.dateTaken?.slice(0, 10));
  fill('rights', e.copyright);
  return { metadata: given, filledFromEmbedded: filled };
}

const RIGHTS_URI = /^https?:\/\/(creativecommons\.org\/(licenses|publicdomain)|rightsstatements\.org\/vocab)\//;

/**
 * The manifest's `rights` value for a rights text, if it is one the specification allows: a
 * Creative Commons or RightsStatements.org URI. Both publish their URIs with http, and the
 * IIIF validator's schema accepts only those, so an https form is written as http.
 */
export function rightsUri(rights: string | undefined): string | undefined {
  if (!rights || !RIGHTS_URI.test(rights.trim())) return undefined;
  return rights.trim().replace(/^https:/, 'http:');
}

/**
 * The item's views in order (a multi-page TIFF master gives one per page inside it) with
 * everything the records need.
 */
function pages(input: PublishInput) {
  const url = (key: string) => publicUrl(input.publicBaseUrl, key);
  const files = input.manifest.files.filter((f) => f.role === 'page');
  const byPage = new Map(files.map((f) => [f.page!, f]));
  const units = viewUnits(
    files.map((f) => ({ page: f.page!, mime: input.inspected[f.path]!.mime, pages: input.inspected[f.path]!.image?.pages })),
  );
  const ocrPages = new Map<number, TextPageSummary>((input.ocr?.text?.pages ?? []).map((p) => [p.page, p]));
  return units.map((u) => {
    const f = byPage.get(u.masterPage)!;
    const d = input.derived[pageKey(u.view)];
    const s = input.stored[f.path]!;
    const i = input.inspected[f.path]!;
    return {
      page: u.view,
      name: f.path.split('/').pop()!,
      subpage: (i.image?.pages ?? 1) > 1 ? u.subpage : undefined,
      master: {
        size: s.size,
        mime: i.mime,
        format: i.format,
        ...(i.registry ? { puid: i.registry.puid, ...(i.registry.version ? { formatVersion: i.registry.version } : {}) } : {}),
        digests: s.digests,
        logicalPath: s.logicalPath,
      },
      embedded: i.embedded,
      derived: d && !d.skipped ? d : undefined,
      thumbnailUrl: d?.thumbnail ? url(d.thumbnail) : undefined,
      accessUrl: d?.access ? url(d.access) : undefined,
      skipped: d?.skipped,
      ocr: ocrPages.get(u.view),
      ocrFailed: input.ocr?.failed[pageKey(u.view)],
    };
  });
}

/** The item's OCR at a glance: whether it ran, in which languages, how well, what failed. */
function ocrSection(input: PublishInput): Record<string, unknown> {
  const choice = input.manifest.ocr;
  if (!choice?.run) return { status: 'not requested', reason: choice && !choice.run ? choice.reason : 'not requested' };
  const o = input.ocr;
  const failed = Object.keys(o?.failed ?? {}).length;
  const read = o?.text?.pages ?? [];
  const confs = read.map((p) => p.meanConfidence).filter((c): c is number => c !== null);
  return {
    status: !o ? 'not run' : o.text?.skipped ? 'superseded' : failed > 0 ? (read.length > 0 ? 'partial' : 'failed') : 'done',
    languages: choice.languages,
    languagesFrom: choice.from,
    version: o?.text?.version ?? null,
    pagesRead: read.length,
    pagesFailed: failed,
    meanConfidence: confs.length ? Math.round((confs.reduce((a, b) => a + b, 0) / confs.length) * 100) / 100 : null,
    ...(o?.text?.skipped ? { reason: o.text.skipped } : failed > 0 ? { reason: Object.values(o!.failed)[0] } : {}),
  };
}

/** items/{id}/item.json: descriptive and technical metadata, pages, checksums, links. */
export function accessItem(input: PublishInput): Record<string, unknown> {
  const url = (key: string) => publicUrl(input.publicBaseUrl, key);
  const m = input.manifest;
  const keys = itemKeys(m.itemId);
  const d = descriptiveMetadata(input);
  return {
    format: ACCESS_ITEM_FORMAT,
    id: m.itemId,
    ...(input.institution ? { institution: { id: input.institution.id, name: input.institution.name } } : {}),
    type: d.metadata.type ?? null,
    title: d.metadata.title ?? m.sourceName,
    metadata: d.metadata,
    filledFromEmbedded: d.filledFromEmbedded,
    preservation: {
      bucket: input.preservationBucket,
      objectId: input.target.objectId,
      objectRoot: input.target.objectRoot,
      version: input.target.version,
    },
    // A IIIF manifest needs at least one canvas: items without images (PDF masters) have none yet.
    manifest: pages(input).some((p) => p.derived) ? url(keys.manifest) : null,
    pages: pages(input).map((p) => ({
      page: p.page,
      name: p.name,
      ...(p.subpage !== undefined ? { pageInMaster: p.subpage + 1 } : {}),
      master: p.master,
      ...(p.embedded ? { embedded: p.embedded } : {}),
      ...(p.derived
        ? {
            width: p.derived.width,
            height: p.derived.height,
            thumbnail: p.thumbnailUrl,
            access: p.accessUrl,
            iiif: p.derived.iiif,
          }
        : { derivatives: p.skipped ?? 'none' }),
      ...(p.ocr
        ? {
            ocr: {
              languages: p.ocr.languages,
              ...(p.ocr.detected ? { detected: p.ocr.detected } : {}),
              meanConfidence: p.ocr.meanConfidence,
              words: p.ocr.words,
              text: url(p.ocr.text),
              alto: url(p.ocr.alto),
              hocr: url(p.ocr.hocr),
            },
          }
        : p.ocrFailed
          ? { ocr: { failed: p.ocrFailed } }
          : {}),
    })),
    ocr: ocrSection(input),
    text: input.ocr?.text?.fullText ? url(input.ocr.text.fullText) : null,
    pdf: input.pdf ? url(input.pdf.key) : null,
    // The preservation object's own description (METS with MODS, PREMIS, MIX), as of its head version.
    mets: input.metsVersion ? { url: url(keys.mets), version: input.metsVersion } : null,
    updatedAt: input.target.created,
  };
}

/** items/{id}/manifest.json: IIIF Presentation 3, one canvas per page with an image. */
export function iiifManifest(input: PublishInput): Manifest {
  const m = input.manifest;
  const md = descriptiveMetadata(input).metadata;
  const keys = itemKeys(m.itemId);
  const id = publicUrl(input.publicBaseUrl, keys.manifest);
  const base = id.replace(/\/manifest\.json$/, '');
  const meta: Array<{ label: IiifLanguageMap; value: IiifLanguageMap }> = [];
  // The manifest's own words come in Azerbaijani, Russian and English (domain/i18n).
  const add = (label: MessageKey, value: IiifLanguageMap | undefined) => value && meta.push({ label: inEveryLanguage(label), value });
  add('iiif.creator', listMap(md.creator));
  add('iiif.date', md.date ? { none: [md.date] } : undefined);
  add('iiif.subject', listMap(md.subject));
  add('iiif.language', md.language ? { none: typeof md.language === 'string' ? [md.language] : md.language } : undefined);
  add('iiif.type', md.type ? inEveryLanguage(`type.${md.type}`) : undefined);
  add('iiif.identifier', { none: [md.identifier ?? m.itemId] });

  const url = (key: string) => publicUrl(input.publicBaseUrl, key);
  // Each page's OCR: ALTO and hOCR as seeAlso (machine-readable, with word positions), its plain
  // text as rendering (an alternative a person can read). Labels are what viewers show.
  const canvasText = (o: TextPageSummary): Pick<Canvas, 'seeAlso' | 'rendering'> => ({
    seeAlso: [
      {
        id: url(o.alto),
        type: 'Dataset',
        format: 'application/xml',
        profile: 'http://www.loc.gov/standards/alto/v4/alto.xsd',
        label: inEveryLanguage('iiif.alto'),
      },
      {
        id: url(o.hocr),
        type: 'Dataset',
        format: 'text/vnd.hocr+html',
        profile: 'http://kba.cloud/hocr-spec/1.2/',
        label: inEveryLanguage('iiif.hocr'),
      },
    ] as unknown as NonNullable<Canvas['seeAlso']>,
    rendering: [{ id: url(o.text), type: 'Text', format: 'text/plain', label: inEveryLanguage('iiif.pageText') }] as unknown as NonNullable<
      Canvas['rendering']
    >,
  });

  const canvases: Canvas[] = pages(input)
    .filter((p) => p.derived)
    .map((p) => {
      const d = p.derived!;
      const canvasId = `${base}/canvas/p${p.page}`;
      const service = [{ id: d.iiif!, type: 'ImageService3', profile: 'level0' }];
      return {
        id: canvasId,
        type: 'Canvas',
        label: { none: [String(p.page)] },
        width: d.width!,
        height: d.height!,
        thumbnail: [{ id: p.thumbnailUrl!, type: 'Image', format: 'image/jpeg', ...(d.thumbnailSize ?? {}) }],
        items: [
          {
            id: `${base}/page/p${p.page}/1`,
            type: 'AnnotationPage',
            items: [
              {
                id: `${base}/annotation/p${p.page}-image`,
                type: 'Annotation',
                motivation: 'painting',
                body: {
                  id: `${d.iiif}/full/max/0/default.jpg`,
                  type: 'Image',
                  format: 'image/jpeg',
                  width: d.max!.width,
                  height: d.max!.height,
                  service,
                },
                target: canvasId,
              },
            ],
          },
        ],
        ...(p.ocr ? canvasText(p.ocr) : {}),
      };
    });

  // Typed with @iiif/presentation-3, the IIIF community's types for the specification, so that
  // the compiler checks the shape of every manifest this builds.
  const manifest: Manifest = {
    '@context': 'http://iiif.io/api/presentation/3/context.json',
    id,
    type: 'Manifest',
    label: languageMap(md.title) ?? { none: [m.sourceName] },
    items: [],
  };
  const summary = languageMap(md.description);
  if (summary) manifest.summary = summary;
  manifest.metadata = meta;
  const rights = rightsUri(md.rights);
  if (rights) manifest.rights = rights;
  // requiredStatement is what a viewer must show: the provider's attribution and, when the
  // rights are not a URI a viewer can link, their text.
  const statement = [input.attribution?.trim(), rights ? undefined : md.rights?.trim()].filter((s): s is string => !!s);
  if (statement.length > 0)
    manifest.requiredStatement = {
      label: inEveryLanguage(input.attribution?.trim() ? 'iiif.attribution' : 'iiif.rights'),
      value: { none: statement },
    };
  // The institution as the IIIF provider: viewers show its name, logo and a link to it.
  const inst = input.institution;
  if (inst && Object.keys(inst.name).length > 0) {
    const provider: Record<string, unknown> = {
      id: inst.homepage ?? `${input.publicBaseUrl}/#${inst.id}`,
      type: 'Agent',
      label: Object.fromEntries(Object.entries(inst.name).map(([k, v]) => [k, [v]])),
    };
    if (inst.homepage) provider.homepage = [{ id: inst.homepage, type: 'Text', label: provider.label, format: 'text/html' }];
    if (inst.logo) provider.logo = [{ id: inst.logo, type: 'Image', format: inst.logo.endsWith('.svg') ? 'image/svg+xml' : 'image/png' }];
    manifest.provider = [provider as unknown as NonNullable<Manifest['provider']>[number]];
  }
  const first = canvases[0];
  if (first) manifest.thumbnail = first.thumbnail;
  if (md.type === 'book' || md.type === 'periodical') manifest.behavior = ['paged'];
  // The specification says a seeAlso resource SHOULD have a label; the types omit it.
  const record = { id: url(keys.item), type: 'Dataset', format: 'application/json', label: inEveryLanguage('iiif.itemRecord') };
  manifest.seeAlso = [record as unknown as NonNullable<Manifest['seeAlso']>[number]];
  const rendering: Array<Record<string, unknown>> = [];
  if (input.pdf)
    rendering.push({
      id: url(input.pdf.key),
      type: 'Text',
      format: 'application/pdf',
      label: inEveryLanguage(input.pdf.withText > 0 ? 'iiif.searchablePdf' : 'iiif.pdf'),
    });
  if (input.ocr?.text?.fullText && input.ocr.text.pages.length > 0)
    rendering.push({ id: url(input.ocr.text.fullText), type: 'Text', format: 'text/plain', label: inEveryLanguage('iiif.fullText') });
  if (rendering.length > 0) manifest.rendering = rendering as unknown as NonNullable<Manifest['rendering']>;
  manifest.items = canvases;
  return manifest;
}

/**
 * Whether the object's head version holds exactly this ingest's masters. When a re-scan stored
 * other masters after this ingest's version, this ingest's access copies would overwrite the
 * newer ones: it must not publish.
 */
export function mastersAreHead(
  headState: Record<string, string[]>,
  stored: Record<string, { logicalPath: string; digests: { sha512: string } }>,
): boolean {
  const mine = Object.values(stored)
    .filter((s) => s.logicalPath.startsWith('masters/'))
    .map((s) => `${s.logicalPath}\u0000${s.digests.sha512}`)
    .sort();
  const head = Object.entries(headState)
    .flatMap(([d, paths]) => paths.filter((p) => p.startsWith('masters/')).map((p) => `${p}\u0000${d}`))
    .sort();
  return mine.length === head.length && mine.every((m, i) => m === head[i]);
}
