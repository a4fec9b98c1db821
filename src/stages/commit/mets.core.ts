/**
 * The METS document of an OCFL version (`mets.xml`, profile docs/mets-profile.md): the whole
 * object as of that version, for any repository that reads METS without Yaddaş. Built as a pure
 * value from the version's item record and inventory, so that the same inputs give the same bytes.
 *
 * - dmdSec: MODS 3.8 (multilingual titles with xml:lang and script, names, dates, ISO 639-2
 *   languages, subjects, rights, collections) and the same as simple Dublin Core (oai_dc);
 * - amdSec: PREMIS 3 objects for every file (digests, size, PRONOM format, creating application),
 *   MIX 2.0 for every image master, PREMIS events with their outcomes, the agents, rights;
 * - fileSec and structMap: the masters in page order (a multi-page TIFF as its views), each view's
 *   OCR files, and the access copies (IIIF image service, manifest, PDF, text) by URL.
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { LanguageMap, TextOrMap } from '../../domain/metadata.js';
import { OWN_FORMATS, printable, type RegistryFormat } from '../../domain/pronom.js';
import { pageKey } from '../../domain/ids.js';
import { itemKeys, pageKeys, publicUrl } from '../../storage/access-layout.js';
import { fixityIndex, type Inventory, LogicalPaths } from '../../storage/ocfl.core.js';
import type { ItemRecord as BaseRecord, RecordAgent, RecordEvent } from './commit.core.js';

/** The record of a version; after OCR, with its `ocr` section. */
type ItemRecord = BaseRecord & { ocr?: { languages: string; engine: { name: string; version: string }; pages: unknown[] } };

export const METS_PROFILE = 'yaddas-mets/1';
export const NS = {
  mets: 'http://www.loc.gov/METS/',
  mods: 'http://www.loc.gov/mods/v3',
  premis: 'http://www.loc.gov/premis/v3',
  mix: 'http://www.loc.gov/mix/v20',
  dc: 'http://purl.org/dc/elements/1.1/',
  oai_dc: 'http://www.openarchives.org/OAI/2.0/oai_dc/',
  xlink: 'http://www.w3.org/1999/xlink',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;
export const SCHEMA_LOCATIONS: Record<string, string> = {
  [NS.mets]: 'http://www.loc.gov/standards/mets/version1121/mets.xsd',
  [NS.mods]: 'http://www.loc.gov/standards/mods/v3/mods-3-8.xsd',
  [NS.premis]: 'http://www.loc.gov/standards/premis/v3/premis-v3-0.xsd',
  [NS.mix]: 'http://www.loc.gov/standards/mix/mix20/mix20.xsd',
  [NS.oai_dc]: 'http://www.openarchives.org/OAI/2.0/oai_dc.xsd',
};

/** What a version's METS is made of besides its record and inventory. */
export interface MetsInput {
  record: ItemRecord;
  /** the inventory whose head is this version (mets.xml itself not yet in it) */
  inventory: Inventory;
  /** sizes of the version's files that the record does not give (OCR files, item.json) */
  sizes: Record<string, number>;
  /** where the access copies are published; absent: none are listed */
  access?: { publicBaseUrl: string; pdf: boolean };
  /** the custodian: who keeps the object (the installation's institution) */
  institution?: { name: string; address?: string };
  yaddasVersion: string;
  /** the copies and their latest audits, as known when the version was written */
  keeping?: Array<{ copy: string; version?: string; audit?: KeepingAudit }>;
}

export interface KeepingAudit {
  at: string;
  status: string;
  by: 'schedule' | 'operator';
  checkedFiles: number;
  files: string[];
  repaired?: boolean;
  reason?: string;
}

/** ISO 639-1 → ISO 639-2/B, for the languages the libraries' items are in (MODS wants 639-2). */
const ISO639_2B: Record<string, string> = {
  az: 'aze',
  ru: 'rus',
  en: 'eng',
  tr: 'tur',
  de: 'ger',
  fr: 'fre',
  fa: 'per',
  ar: 'ara',
  ka: 'geo',
  hy: 'arm',
  uk: 'ukr',
  uz: 'uzb',
  kk: 'kaz',
  tk: 'tuk',
  ky: 'kir',
  tt: 'tat',
  he: 'heb',
  it: 'ita',
  es: 'spa',
  pl: 'pol',
  zh: 'chi',
  ja: 'jpn',
};
/** Each language's usual script (ISO 15924), when the tag names none: az is written in Latin since 1991. */
const DEFAULT_SCRIPT: Record<string, string> = {
  az: 'Latn',
  ru: 'Cyrl',
  en: 'Latn',
  tr: 'Latn',
  de: 'Latn',
  fr: 'Latn',
  uk: 'Cyrl',
  kk: 'Cyrl',
  ky: 'Cyrl',
  tt: 'Cyrl',
  fa: 'Arab',
  ar: 'Arab',
  ka: 'Geor',
  hy: 'Armn',
  he: 'Hebr',
};

/** Languages written in more than one script, whose tags say which (IANA: no Suppress-Script). */
const MULTI_SCRIPT = new Set(['az', 'uz', 'sr', 'bs', 'tk', 'ku', 'mn', 'tt']);

/** A BCP 47 tag's language (ISO 639-2/B) and script (ISO 15924), and the tag with its script made explicit. */
export function languageParts(tag: string): { lang?: string; script?: string; xmlLang: string } {
  const [base = '', ...rest] = tag.split('-');
  const lower = base.toLowerCase();
  const script = rest.find((p) => /^[A-Za-z]{4}$/.test(p));
  const lang = lower.length === 3 ? lower : ISO639_2B[lower];
  const s = script ? script[0]!.toUpperCase() + script.slice(1).toLowerCase() : DEFAULT_SCRIPT[lower];
  // The script subtag only where the language is written in more than one (BCP 47 leaves out a
  // language's one usual script: "ru", not "ru-Cyrl"; but "az-Latn" beside "az-Cyrl").
  const xmlLang = script || !s || !MULTI_SCRIPT.has(lower) ? tag : [base, s, ...rest].join('-');
  return { ...(lang ? { lang } : {}), ...(s ? { script: s } : {}), xmlLang };
}

/** A language map's entries, primary first (az, then en, then ru, then the others in order given). */
function entries(t: TextOrMap): Array<[string | undefined, string]> {
  if (typeof t === 'string') return [[undefined, t]];
  const order = (k: string) => (k === 'az' ? 0 : k === 'en' ? 1 : k === 'ru' ? 2 : 3);
  return Object.entries(t as LanguageMap).sort((a, b) => order(a[0]) - order(b[0]));
}
const listOf = (v: string | TextOrMap[] | undefined): TextOrMap[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v);

const RIGHTS_URI = /^https?:\/\/(rightsstatements\.org|creativecommons\.org)\//;
const EDTF = /^-?\d{4}(-\d{2}(-\d{2})?)?(\/-?\d{4}(-\d{2}(-\d{2})?)?)?[?~%]?$/;

const TYPE_OF_RESOURCE: Record<string, { resource: string; manuscript?: boolean; genre: string; dc: string }> = {
  book: { resource: 'text', genre: 'book', dc: 'Text' },
  periodical: { resource: 'text', genre: 'periodical', dc: 'Text' },
  manuscript: { resource: 'text', manuscript: true, genre: 'manuscript', dc: 'Text' },
  map: { resource: 'cartographic', genre: 'map', dc: 'Image' },
  photograph: { resource: 'still image', genre: 'photograph', dc: 'StillImage' },
};

/** A version's file, as METS and PREMIS describe it. */
interface VersionFileInfo {
  id: string;
  logicalPath: string;
  contentPath: string;
  sha512: string;
  sha256?: string;
  md5?: string;
  size?: number;
  format: RegistryFormat | { name: string; mime: string; puid?: undefined; version?: undefined };
  use: string;
  /** the agent id of the application that made it */
  madeBy?: string;
  originalName?: string;
  page?: ItemRecord['pages'][number];
}

function versionFiles(input: MetsInput): VersionFileInfo[] {
  const { record, inventory } = input;
  const state = inventory.versions[inventory.head]?.state ?? {};
  const sha256s = fixityIndex(inventory, 'sha256');
  const md5s = fixityIndex(inventory, 'md5');
  const pages = new Map(record.pages.map((p) => [p.logicalPath, p]));
  const submission = new Map((record.submission ?? []).map((s) => [s.logicalPath, s]));
  const out: Array<Omit<VersionFileInfo, 'id'>> = [];
  for (const [sha512, paths] of Object.entries(state)) {
    const contentPath = inventory.manifest[sha512]?.[0] ?? '';
    for (const logicalPath of paths) {
      const page = pages.get(logicalPath);
      const sub = submission.get(logicalPath);
      const base = {
        logicalPath,
        contentPath,
        sha512,
        ...(sha256s.has(contentPath) ? { sha256: sha256s.get(contentPath)! } : {}),
        ...(md5s.has(contentPath) ? { md5: md5s.get(contentPath)! } : {}),
      };
      if (page) {
        const f = page.format;
        const format = f.puid
          ? { puid: f.puid, name: f.registryName ?? f.name, mime: f.mime, ...(f.version ? { version: f.version } : {}) }
          : { name: f.name, mime: f.mime };
        out.push({ ...base, size: page.size, format, use: 'MASTER', originalName: page.name, page });
        continue;
      }
      const size = sub?.size ?? (logicalPath === LogicalPaths.metadata ? record.metadataFile?.size : undefined) ?? input.sizes[logicalPath];
      const sized = size === undefined ? {} : { size };
      if (logicalPath.startsWith(LogicalPaths.ocrDir)) {
        const alto = logicalPath.endsWith('.alto.xml');
        const hocr = logicalPath.endsWith('.hocr');
        out.push({
          ...base,
          ...sized,
          format: alto ? OWN_FORMATS.xml : hocr ? { name: 'hOCR (XHTML)', mime: 'application/xhtml+xml' } : OWN_FORMATS.text,
          use: alto ? 'ALTO' : hocr ? 'HOCR' : 'OCR-TEXT',
          madeBy: 'ocr-engine',
        });
        continue;
      }
      if (sub) {
        out.push({
          ...base,
          ...sized,
          format: { name: 'as received', mime: 'application/octet-stream' },
          use: 'SUBMISSION',
          originalName: sub.path,
        });
        continue;
      }
      const json = logicalPath.endsWith('.json');
      out.push({
        ...base,
        ...sized,
        format: json ? OWN_FORMATS.json : { name: 'unknown', mime: 'application/octet-stream' },
        use: 'METADATA',
        ...(logicalPath === LogicalPaths.itemRecord ? { madeBy: 'yaddas' } : {}),
        ...(logicalPath === LogicalPaths.metadata ? { originalName: 'metadata.json' } : {}),
      });
    }
  }
  const useOrder = ['MASTER', 'ALTO', 'OCR-TEXT', 'HOCR', 'METADATA', 'SUBMISSION'];
  return out
    .sort((a, b) => {
      const pa = a.page?.page ?? 0;
      const pb = b.page?.page ?? 0;
      return useOrder.indexOf(a.use) - useOrder.indexOf(b.use) || pa - pb || (a.logicalPath < b.logicalPath ? -1 : 1);
    })
    .map((f, i) => ({ ...f, id: `file-${String(i + 1).padStart(4, '0')}` }));
}

/** The item's views: each master's pages (a multi-page TIFF's images), in order. */
function viewsOf(record: ItemRecord): Array<{ view: number; page: ItemRecord['pages'][number]; image: number; of: number }> {
  const out: Array<{ view: number; page: ItemRecord['pages'][number]; image: number; of: number }> = [];
  for (const p of [...record.pages].sort((a, b) => a.page - b.page)) {
    const n = p.format.mime === 'image/tiff' ? Math.max(1, p.image?.pages ?? 1) : 1;
    for (let i = 1; i <= n; i++) out.push({ view: out.length + 1, page: p, image: i, of: n });
  }
  return out;
}

/** Every string in a value with what XML cannot hold removed (metadata pasted from a word processor). */
function scrub<T>(v: T): T {
  if (typeof v === 'string') return printable(v) as T;
  if (Array.isArray(v)) return v.map(scrub) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)])) as T;
  return v;
}

/** The METS document of the version the input describes. */
export function buildMets(raw: MetsInput): string {
  const input: MetsInput = {
    ...raw,
    record: scrub(raw.record),
    ...(raw.institution ? { institution: scrub(raw.institution) } : {}),
    ...(raw.keeping ? { keeping: scrub(raw.keeping) } : {}),
  };
  const { record, inventory } = input;
  const version = inventory.versions[inventory.head]!;
  const files = versionFiles(input);
  const agents = allAgents(input);
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const title = primaryTitle(record);
  const mets = doc.ele(NS.mets, 'mets:mets', {
    'xmlns:mods': NS.mods,
    'xmlns:premis': NS.premis,
    'xmlns:mix': NS.mix,
    'xmlns:dc': NS.dc,
    'xmlns:oai_dc': NS.oai_dc,
    'xmlns:xlink': NS.xlink,
    'xmlns:xsi': NS.xsi,
    'xsi:schemaLocation': Object.entries(SCHEMA_LOCATIONS)
      .map(([ns, loc]) => `${ns} ${loc}`)
      .join(' '),
    OBJID: record.objectId,
    ...(title ? { LABEL: title } : {}),
    ...(record.type ? { TYPE: record.type } : {}),
    PROFILE: METS_PROFILE,
  });
  const hdr = mets.ele(NS.mets, 'mets:metsHdr', { CREATEDATE: version.created, RECORDSTATUS: 'complete' });
  hdr
    .ele(NS.mets, 'mets:agent', { ROLE: 'CREATOR', TYPE: 'OTHER', OTHERTYPE: 'SOFTWARE' })
    .ele(NS.mets, 'mets:name')
    .txt(`Yaddaş ${input.yaddasVersion}`);
  if (input.institution) {
    const a = hdr.ele(NS.mets, 'mets:agent', { ROLE: 'CUSTODIAN', TYPE: 'ORGANIZATION' });
    a.ele(NS.mets, 'mets:name').txt(input.institution.name);
    if (input.institution.address) a.ele(NS.mets, 'mets:note').txt(input.institution.address);
  }
  hdr.ele(NS.mets, 'mets:altRecordID', { TYPE: 'OCFL object id' }).txt(record.objectId);
  hdr.ele(NS.mets, 'mets:altRecordID', { TYPE: 'OCFL version' }).txt(inventory.head);

  const mods = mets.ele(NS.mets, 'mets:dmdSec', { ID: 'dmd-mods' }).ele(NS.mets, 'mets:mdWrap', { MDTYPE: 'MODS', MIMETYPE: 'text/xml' });
  modsRecord(mods.ele(NS.mets, 'mets:xmlData'), record, input, files);
  const dc = mets.ele(NS.mets, 'mets:dmdSec', { ID: 'dmd-dc' }).ele(NS.mets, 'mets:mdWrap', { MDTYPE: 'DC', MIMETYPE: 'text/xml' });
  dublinCore(dc.ele(NS.mets, 'mets:xmlData'), record, files);

  // Object-level administrative metadata: the intellectual entity, rights, events, agents.
  const amd = mets.ele(NS.mets, 'mets:amdSec', { ID: 'amd-object' });
  premisEntity(wrap(amd, 'techMD', 'tech-object', 'PREMIS:OBJECT'), record, inventory.head);
  const rights = record.metadata?.rights;
  if (rights) premisRights(wrap(amd, 'rightsMD', 'rights-1', 'PREMIS:RIGHTS'), rights, record.objectId);
  const events = allEvents(input, files);
  for (const [i, e] of events.entries()) premisEvent(wrap(amd, 'digiprovMD', `event-${String(i + 1).padStart(4, '0')}`, 'PREMIS:EVENT'), e);
  for (const [i, a] of agents.entries()) premisAgent(wrap(amd, 'digiprovMD', `agent-${String(i + 1).padStart(3, '0')}`, 'PREMIS:AGENT'), a);

  for (const f of files) {
    const fileAmd = mets.ele(NS.mets, 'mets:amdSec', { ID: `amd-${f.id}` });
    premisFile(wrap(fileAmd, 'techMD', `tech-${f.id}`, 'PREMIS:OBJECT'), f, record.objectId, agents);
    if (f.page?.image) mix(wrap(fileAmd, 'techMD', `mix-${f.id}`, 'NISOIMG'), f);
  }

  // fileSec: what the version holds, then the access copies by URL.
  const fileSec = mets.ele(NS.mets, 'mets:fileSec');
  const groups = new Map<string, XMLBuilder>();
  const group = (use: string) => {
    let g = groups.get(use);
    if (!g) {
      g = fileSec.ele(NS.mets, 'mets:fileGrp', { USE: use });
      groups.set(use, g);
    }
    return g;
  };
  for (const f of files) {
    const el = group(f.use).ele(NS.mets, 'mets:file', {
      ID: f.id,
      MIMETYPE: f.format.mime,
      ...(f.size !== undefined ? { SIZE: String(f.size) } : {}),
      CHECKSUM: f.sha512,
      CHECKSUMTYPE: 'SHA-512',
      ADMID: `amd-${f.id}`,
    });
    el.ele(NS.mets, 'mets:FLocat', { LOCTYPE: 'URL', 'xlink:href': hrefOf(f.logicalPath) });
  }
  const views = viewsOf(record);
  const access = accessFiles(input, views.length);
  for (const a of access) {
    group(a.use)
      .ele(NS.mets, 'mets:file', { ID: a.id, MIMETYPE: a.mime })
      .ele(NS.mets, 'mets:FLocat', { LOCTYPE: 'URL', 'xlink:href': a.url });
  }

  // structMap: the object, its item-level access copies, then one div per view in page order.
  const byPath = new Map(files.map((f) => [f.logicalPath, f]));
  const root = mets.ele(NS.mets, 'mets:structMap', { TYPE: 'PHYSICAL' }).ele(NS.mets, 'mets:div', {
    TYPE: record.type ?? 'item',
    ...(title ? { LABEL: title } : {}),
    DMDID: 'dmd-mods dmd-dc',
    ADMID: 'amd-object',
  });
  for (const a of access.filter((x) => x.view === undefined)) root.ele(NS.mets, 'mets:fptr', { FILEID: a.id });
  for (const v of views) {
    const master = byPath.get(v.page.logicalPath);
    const div = root.ele(NS.mets, 'mets:div', {
      ID: `view-${pageKey(v.view)}`,
      TYPE: v.page.format.mime === 'application/pdf' ? 'document' : 'page',
      ORDER: String(v.view),
      LABEL: v.of > 1 ? `${v.page.name}, image ${v.image} of ${v.of}` : v.page.name,
    });
    if (master) {
      const fptr = div.ele(NS.mets, 'mets:fptr');
      // A view inside a multi-page TIFF is an area of it: BEGIN/END are its image number (IFD order).
      if (v.of > 1) fptr.ele(NS.mets, 'mets:area', { FILEID: master.id, BEGIN: String(v.image), END: String(v.image) });
      else fptr.att('FILEID', master.id);
    }
    const key = pageKey(v.view);
    for (const p of [LogicalPaths.ocrAlto(key), LogicalPaths.ocrText(key), LogicalPaths.ocrHocr(key)]) {
      const f = byPath.get(p);
      if (f) div.ele(NS.mets, 'mets:fptr', { FILEID: f.id });
    }
    for (const a of access.filter((x) => x.view === v.view)) div.ele(NS.mets, 'mets:fptr', { FILEID: a.id });
  }
  return doc.end({ prettyPrint: true });
}

/** An mdWrap'd section of an amdSec, returning its xmlData. */
function wrap(amd: XMLBuilder, section: 'techMD' | 'rightsMD' | 'digiprovMD', id: string, mdtype: string): XMLBuilder {
  const [type, other] = mdtype.includes(':') || mdtype === 'NISOIMG' ? [mdtype, undefined] : ['OTHER', mdtype];
  return amd
    .ele(NS.mets, `mets:${section}`, { ID: id })
    .ele(NS.mets, 'mets:mdWrap', { MDTYPE: type, ...(other ? { OTHERMDTYPE: other } : {}), MIMETYPE: 'text/xml' })
    .ele(NS.mets, 'mets:xmlData');
}

/** A logical path as a URL relative to mets.xml (which sits at the version's root): each segment percent-encoded. */
const hrefOf = (logicalPath: string) => logicalPath.split('/').map(encodeURIComponent).join('/');

function accessFiles(input: MetsInput, views: number): Array<{ id: string; use: string; mime: string; url: string; view?: number }> {
  if (!input.access) return [];
  const id = input.record.id;
  const url = (key: string) => publicUrl(input.access!.publicBaseUrl, key);
  const k = itemKeys(id);
  const out: Array<{ id: string; use: string; mime: string; url: string; view?: number }> = [
    { id: 'access-manifest', use: 'IIIF-MANIFEST', mime: 'application/ld+json', url: url(k.manifest) },
    { id: 'access-item', use: 'ITEM-RECORD', mime: 'application/json', url: url(k.item) },
  ];
  if (input.access.pdf) out.push({ id: 'access-pdf', use: 'PDF', mime: 'application/pdf', url: url(k.pdf) });
  if (input.record.ocr) out.push({ id: 'access-text', use: 'TEXT', mime: 'text/plain', url: url(k.text) });
  const imageViews = viewsOf(input.record).filter((v) => v.page.format.mime !== 'application/pdf');
  for (const v of imageViews.slice(0, views)) {
    const pk = pageKeys(id, v.view);
    out.push({ id: `iiif-${pageKey(v.view)}`, use: 'IIIF-IMAGE', mime: 'application/ld+json', url: url(pk.info), view: v.view });
  }
  return out;
}

function primaryTitle(record: ItemRecord): string | undefined {
  const t = record.metadata?.title;
  return t === undefined ? undefined : entries(t)[0]?.[1];
}

// ---------------------------------------------------------------------------------------------
// MODS and Dublin Core

function langAttrs(tag: string | undefined): Record<string, string> {
  if (!tag) return {};
  const p = languageParts(tag);
  return { ...(p.lang ? { lang: p.lang } : {}), ...(p.script ? { script: p.script } : {}), 'xml:lang': p.xmlLang };
}

function modsRecord(parent: XMLBuilder, record: ItemRecord, input: MetsInput, files: VersionFileInfo[]): void {
  const md = record.metadata ?? {};
  const m = parent.ele(NS.mods, 'mods:mods', { version: '3.8' });
  if (md.title !== undefined) {
    const list = entries(md.title);
    const [primaryLang] = list[0] ?? [];
    const primaryBase = primaryLang?.split('-')[0];
    list.forEach(([lang, text], i) => {
      // The same title in another script of the primary language is an alternative
      // representation of it; a title in another language is a translation.
      const sameLanguage = lang?.split('-')[0] === primaryBase;
      const attrs = i === 0 ? { usage: 'primary' } : sameLanguage ? {} : { type: 'translated' };
      const group = list.length > 1 && sameLanguage ? { altRepGroup: 'title-1' } : {};
      m.ele(NS.mods, 'mods:titleInfo', { ...attrs, ...group, ...langAttrs(lang) })
        .ele(NS.mods, 'mods:title')
        .txt(text);
    });
  } else m.ele(NS.mods, 'mods:titleInfo').ele(NS.mods, 'mods:title').txt(record.ingest.sourceName);
  for (const c of listOf(md.creator)) {
    for (const [lang, text] of entries(c)) {
      const n = m.ele(NS.mods, 'mods:name', langAttrs(lang));
      n.ele(NS.mods, 'mods:namePart').txt(text);
      n.ele(NS.mods, 'mods:role').ele(NS.mods, 'mods:roleTerm', { type: 'code', authority: 'marcrelator' }).txt('cre');
    }
  }
  const kind = record.type ? TYPE_OF_RESOURCE[record.type] : undefined;
  if (kind) {
    m.ele(NS.mods, 'mods:typeOfResource', kind.manuscript ? { manuscript: 'yes' } : {}).txt(kind.resource);
    m.ele(NS.mods, 'mods:genre', { authority: 'marcgt' }).txt(kind.genre);
  }
  if (md.date) {
    const element = record.type === 'manuscript' || record.type === 'photograph' ? 'mods:dateCreated' : 'mods:dateIssued';
    m.ele(NS.mods, 'mods:originInfo')
      .ele(NS.mods, element, { ...(EDTF.test(md.date) ? { encoding: 'edtf' } : {}), keyDate: 'yes' })
      .txt(md.date);
  }
  const languages = md.language === undefined ? [] : typeof md.language === 'string' ? [md.language] : md.language;
  for (const l of languages) {
    const p = languageParts(l);
    const el = m.ele(NS.mods, 'mods:language');
    if (p.lang) el.ele(NS.mods, 'mods:languageTerm', { type: 'code', authority: 'iso639-2b' }).txt(p.lang);
    else el.ele(NS.mods, 'mods:languageTerm', { type: 'code', authority: 'rfc5646' }).txt(l);
    if (p.script) el.ele(NS.mods, 'mods:scriptTerm', { type: 'code', authority: 'iso15924' }).txt(p.script);
  }
  const pd = m.ele(NS.mods, 'mods:physicalDescription');
  pd.ele(NS.mods, 'mods:digitalOrigin').txt('reformatted digital');
  for (const mime of [...new Set(files.filter((f) => f.use === 'MASTER').map((f) => f.format.mime))])
    pd.ele(NS.mods, 'mods:internetMediaType').txt(mime);
  const views = viewsOf(record).length;
  pd.ele(NS.mods, 'mods:extent').txt(`${views} ${views === 1 ? 'image' : 'images'}`);
  if (md.description !== undefined)
    for (const [lang, text] of entries(md.description)) m.ele(NS.mods, 'mods:abstract', langAttrs(lang)).txt(text);
  for (const s of listOf(md.subject))
    for (const [lang, text] of entries(s)) m.ele(NS.mods, 'mods:subject', langAttrs(lang)).ele(NS.mods, 'mods:topic').txt(text);
  for (const slug of md.collections ?? []) {
    const r = m.ele(NS.mods, 'mods:relatedItem', { type: 'host', displayLabel: 'collection' });
    r.ele(NS.mods, 'mods:identifier', { type: 'local' }).txt(slug);
  }
  if (md.identifier) m.ele(NS.mods, 'mods:identifier', { type: 'local' }).txt(md.identifier);
  if (md.identifier !== record.id) m.ele(NS.mods, 'mods:identifier', { type: 'yaddas' }).txt(record.id);
  if (input.access) {
    const loc = m.ele(NS.mods, 'mods:location');
    loc
      .ele(NS.mods, 'mods:url', { access: 'raw object', note: 'IIIF Presentation 3 manifest' })
      .txt(publicUrl(input.access.publicBaseUrl, itemKeys(record.id).manifest));
  }
  if (md.rights) {
    const uri = RIGHTS_URI.test(md.rights.trim());
    m.ele(NS.mods, 'mods:accessCondition', {
      type: 'use and reproduction',
      ...(uri ? { 'xlink:href': md.rights.trim() } : {}),
    }).txt(md.rights);
  }
  if (md.access === 'restricted')
    m.ele(NS.mods, 'mods:accessCondition', { type: 'restriction on access' }).txt(
      'restricted: staff only; not published (metadata.json access)',
    );
  if (md.access === 'embargoed' && md.embargoUntil)
    m.ele(NS.mods, 'mods:accessCondition', { type: 'restriction on access' }).txt(
      `embargoed until ${md.embargoUntil}: published by Yaddaş once that has passed (metadata.json access)`,
    );
  if (record.withdrawal)
    m.ele(NS.mods, 'mods:accessCondition', { type: 'restriction on access' }).txt(
      `withdrawn from public access on ${record.withdrawal.at}: ${record.withdrawal.reason}`,
    );
  const ri = m.ele(NS.mods, 'mods:recordInfo');
  if (input.institution) ri.ele(NS.mods, 'mods:recordContentSource').txt(input.institution.name);
  ri.ele(NS.mods, 'mods:recordCreationDate', { encoding: 'w3cdtf' }).txt(record.ingest.storedAt);
  ri.ele(NS.mods, 'mods:recordIdentifier').txt(record.id);
  ri.ele(NS.mods, 'mods:recordOrigin').txt(
    `Yaddaş ${input.yaddasVersion}, from metadata.json${record.fixity?.metadataFromBagInfo ? ' and bag-info.txt' : ''}`,
  );
}

function dublinCore(parent: XMLBuilder, record: ItemRecord, files: VersionFileInfo[]): void {
  const md = record.metadata ?? {};
  const dc = parent.ele(NS.oai_dc, 'oai_dc:dc', {
    'xsi:schemaLocation': `${NS.oai_dc} ${SCHEMA_LOCATIONS[NS.oai_dc]}`,
  });
  const put = (name: string, text: string, lang?: string) =>
    dc.ele(NS.dc, `dc:${name}`, lang ? { 'xml:lang': languageParts(lang).xmlLang } : {}).txt(text);
  if (md.title !== undefined) for (const [lang, t] of entries(md.title)) put('title', t, lang);
  for (const c of listOf(md.creator)) for (const [lang, t] of entries(c)) put('creator', t, lang);
  for (const s of listOf(md.subject)) for (const [lang, t] of entries(s)) put('subject', t, lang);
  if (md.description !== undefined) for (const [lang, t] of entries(md.description)) put('description', t, lang);
  if (md.sourceOrganization) put('source', md.sourceOrganization);
  if (md.date) put('date', md.date);
  const kind = record.type ? TYPE_OF_RESOURCE[record.type] : undefined;
  if (kind) put('type', kind.dc);
  for (const mime of [...new Set(files.filter((f) => f.use === 'MASTER').map((f) => f.format.mime))]) put('format', mime);
  put('identifier', record.id);
  if (md.identifier && md.identifier !== record.id) put('identifier', md.identifier);
  const languages = md.language === undefined ? [] : typeof md.language === 'string' ? [md.language] : md.language;
  for (const l of languages) put('language', languageParts(l).lang ?? l);
  if (md.rights) put('rights', md.rights);
}

// ---------------------------------------------------------------------------------------------
// PREMIS

const LOC_EVENT_TYPE = 'http://id.loc.gov/vocabulary/preservation/eventType';
/** LoC's preservation event types, by the words the item record uses. */
const EVENT_TYPES: Record<string, { term: string; code?: string }> = {
  ingestion: { term: 'ingestion', code: 'ing' },
  'message digest calculation': { term: 'message digest calculation', code: 'mes' },
  'fixity check': { term: 'fixity check', code: 'fix' },
  'format identification': { term: 'format identification', code: 'for' },
  validation: { term: 'validation', code: 'val' },
  replication: { term: 'replication', code: 'rep' },
  'optical character recognition': { term: 'metadata extraction', code: 'met' },
  accession: { term: 'accession', code: 'acc' },
  recovery: { term: 'recovery', code: 'rec' },
};

const localId = (parent: XMLBuilder, prefix: string, type: string, value: string) => {
  const id = parent.ele(NS.premis, `premis:${prefix}Identifier`);
  id.ele(NS.premis, `premis:${prefix}IdentifierType`).txt(type);
  id.ele(NS.premis, `premis:${prefix}IdentifierValue`).txt(value);
};

function premisEntity(parent: XMLBuilder, record: ItemRecord, version: string): void {
  const o = parent.ele(NS.premis, 'premis:object', { 'xsi:type': 'premis:intellectualEntity', version: '3.0' });
  localId(o, 'object', 'OCFL object id', record.objectId);
  localId(o, 'object', 'OCFL object version', `${record.objectId} ${version}`);
}

function premisFile(parent: XMLBuilder, f: VersionFileInfo, objectId: string, agents: AgentInfo[]): void {
  const o = parent.ele(NS.premis, 'premis:object', { 'xsi:type': 'premis:file', version: '3.0' });
  localId(o, 'object', 'OCFL logical path', `${objectId}/${f.logicalPath}`);
  const ch = o.ele(NS.premis, 'premis:objectCharacteristics');
  ch.ele(NS.premis, 'premis:compositionLevel').txt('0');
  const fixity = (alg: string, digest: string | undefined) => {
    if (!digest) return;
    const x = ch.ele(NS.premis, 'premis:fixity');
    x.ele(NS.premis, 'premis:messageDigestAlgorithm', {
      authority: 'cryptographicHashFunctions',
      authorityURI: 'http://id.loc.gov/vocabulary/preservation/cryptographicHashFunctions',
    }).txt(alg);
    x.ele(NS.premis, 'premis:messageDigest').txt(digest);
    x.ele(NS.premis, 'premis:messageDigestOriginator').txt('Yaddaş');
  };
  fixity('SHA-512', f.sha512);
  fixity('SHA-256', f.sha256);
  fixity('MD5', f.md5);
  if (f.size !== undefined) ch.ele(NS.premis, 'premis:size').txt(String(f.size));
  const fmt = ch.ele(NS.premis, 'premis:format');
  const des = fmt.ele(NS.premis, 'premis:formatDesignation');
  des.ele(NS.premis, 'premis:formatName').txt(f.format.name);
  if (f.format.version) des.ele(NS.premis, 'premis:formatVersion').txt(f.format.version);
  if (f.format.puid) {
    const reg = fmt.ele(NS.premis, 'premis:formatRegistry');
    reg.ele(NS.premis, 'premis:formatRegistryName').txt('PRONOM');
    reg.ele(NS.premis, 'premis:formatRegistryKey').txt(f.format.puid);
    reg
      .ele(NS.premis, 'premis:formatRegistryRole', {
        authority: 'formatRegistryRole',
        authorityURI: 'http://id.loc.gov/vocabulary/preservation/formatRegistryRole',
      })
      .txt('specification');
  }
  fmt.ele(NS.premis, 'premis:formatNote').txt(f.format.mime);
  const made = f.madeBy ? agents.find((a) => a.id === f.madeBy) : undefined;
  const app = f.page?.software ?? (made ? { name: made.name, version: made.version } : undefined);
  if (app) {
    const ca = ch.ele(NS.premis, 'premis:creatingApplication');
    ca.ele(NS.premis, 'premis:creatingApplicationName').txt(app.name);
    if (app.version) ca.ele(NS.premis, 'premis:creatingApplicationVersion').txt(app.version);
  }
  if (f.originalName) o.ele(NS.premis, 'premis:originalName').txt(f.originalName);
  const st = o.ele(NS.premis, 'premis:storage').ele(NS.premis, 'premis:contentLocation');
  st.ele(NS.premis, 'premis:contentLocationType').txt('OCFL content path');
  st.ele(NS.premis, 'premis:contentLocationValue').txt(f.contentPath);
}

function premisRights(parent: XMLBuilder, rights: string, objectId: string): void {
  const r = parent.ele(NS.premis, 'premis:rights', { version: '3.0' }).ele(NS.premis, 'premis:rightsStatement');
  localId(r, 'rightsStatement', 'local', `${objectId}/rights-1`);
  const uri = rights.trim();
  const cc = /^https?:\/\/creativecommons\.org\//.test(uri);
  const rs = /^https?:\/\/rightsstatements\.org\//.test(uri);
  r.ele(NS.premis, 'premis:rightsBasis', {
    authority: 'rightsBasis',
    authorityURI: 'http://id.loc.gov/vocabulary/preservation/rightsBasis',
  }).txt(cc ? 'license' : 'other');
  if (cc) {
    const li = r.ele(NS.premis, 'premis:licenseInformation');
    const d = li.ele(NS.premis, 'premis:licenseDocumentationIdentifier');
    d.ele(NS.premis, 'premis:licenseDocumentationIdentifierType').txt('URI');
    d.ele(NS.premis, 'premis:licenseDocumentationIdentifierValue').txt(uri);
    li.ele(NS.premis, 'premis:licenseTerms').txt(uri);
  } else {
    const oi = r.ele(NS.premis, 'premis:otherRightsInformation');
    if (rs) {
      const d = oi.ele(NS.premis, 'premis:otherRightsDocumentationIdentifier');
      d.ele(NS.premis, 'premis:otherRightsDocumentationIdentifierType').txt('URI');
      d.ele(NS.premis, 'premis:otherRightsDocumentationIdentifierValue').txt(uri);
    }
    oi.ele(NS.premis, 'premis:otherRightsBasis').txt(rs ? 'rights statement (rightsstatements.org)' : 'statement in metadata.json');
    if (!rs) oi.ele(NS.premis, 'premis:otherRightsNote').txt(rights);
  }
  const link = r.ele(NS.premis, 'premis:linkingObjectIdentifier');
  link.ele(NS.premis, 'premis:linkingObjectIdentifierType').txt('OCFL object id');
  link.ele(NS.premis, 'premis:linkingObjectIdentifierValue').txt(objectId);
}

/** An event as PREMIS writes it. */
interface EventInfo {
  id: string;
  type: string;
  at: string;
  outcome: 'success' | 'warning' | 'failure';
  detail: string;
  agents: Array<{ id: string; role: string }>;
  /** the files (OCFL logical path, as the file objects are identified) or the whole object */
  objects: Array<{ type: 'OCFL logical path' | 'OCFL object id'; value: string }>;
}

function premisEvent(parent: XMLBuilder, e: EventInfo): void {
  const ev = parent.ele(NS.premis, 'premis:event', { version: '3.0' });
  localId(ev, 'event', 'local', e.id);
  const known = EVENT_TYPES[e.type];
  ev.ele(
    NS.premis,
    'premis:eventType',
    known?.code ? { authority: 'eventType', authorityURI: LOC_EVENT_TYPE, valueURI: `${LOC_EVENT_TYPE}/${known.code}` } : {},
  ).txt(known?.term ?? e.type);
  ev.ele(NS.premis, 'premis:eventDateTime').txt(e.at);
  ev.ele(NS.premis, 'premis:eventDetailInformation')
    .ele(NS.premis, 'premis:eventDetail')
    .txt(e.type === known?.term ? e.detail : `${e.type}: ${e.detail}`);
  const out = ev.ele(NS.premis, 'premis:eventOutcomeInformation');
  out
    .ele(NS.premis, 'premis:eventOutcome', {
      authority: 'eventOutcome',
      authorityURI: 'http://id.loc.gov/vocabulary/preservation/eventOutcome',
    })
    .txt(e.outcome);
  out.ele(NS.premis, 'premis:eventOutcomeDetail').ele(NS.premis, 'premis:eventOutcomeDetailNote').txt(e.detail);
  for (const a of e.agents) {
    const l = ev.ele(NS.premis, 'premis:linkingAgentIdentifier');
    l.ele(NS.premis, 'premis:linkingAgentIdentifierType').txt('local');
    l.ele(NS.premis, 'premis:linkingAgentIdentifierValue').txt(a.id);
    l.ele(NS.premis, 'premis:linkingAgentRole', {
      authority: 'eventRelatedAgentRole',
      authorityURI: 'http://id.loc.gov/vocabulary/preservation/eventRelatedAgentRole',
    }).txt(a.role);
  }
  for (const o of e.objects) {
    const l = ev.ele(NS.premis, 'premis:linkingObjectIdentifier');
    l.ele(NS.premis, 'premis:linkingObjectIdentifierType').txt(o.type);
    l.ele(NS.premis, 'premis:linkingObjectIdentifierValue').txt(o.value);
  }
}

interface AgentInfo extends RecordAgent {}

function premisAgent(parent: XMLBuilder, a: AgentInfo): void {
  const ag = parent.ele(NS.premis, 'premis:agent', { version: '3.0' });
  localId(ag, 'agent', 'local', a.id);
  ag.ele(NS.premis, 'premis:agentName').txt(a.name);
  ag.ele(NS.premis, 'premis:agentType', {
    authority: 'agentType',
    authorityURI: 'http://id.loc.gov/vocabulary/preservation/agentType',
  }).txt(a.type);
  if (a.version) ag.ele(NS.premis, 'premis:agentVersion').txt(a.version);
  if (a.note) ag.ele(NS.premis, 'premis:agentNote').txt(a.note);
}

/** Every agent the events name: Yaddaş, the software it used, the institution, operators. */
function allAgents(input: MetsInput): AgentInfo[] {
  const out = new Map<string, AgentInfo>();
  out.set('yaddas', {
    id: 'yaddas',
    name: 'Yaddaş',
    version: input.yaddasVersion,
    type: 'software',
    note: 'digital preservation ingest pipeline',
  });
  for (const a of input.record.agents ?? []) if (!out.has(a.id)) out.set(a.id, a);
  if (input.institution)
    out.set('institution', {
      id: 'institution',
      name: input.institution.name,
      type: 'organization',
      ...(input.institution.address ? { note: input.institution.address } : {}),
    });
  if ((input.keeping ?? []).some((k) => k.audit?.by === 'operator') && !out.has('operator'))
    out.set('operator', { id: 'operator', name: 'an operator (yaddas audit)', type: 'person' });
  return [...out.values()];
}

/** The record's events (this version's and the ones before), then what keeping knows of the copies. */
function allEvents(input: MetsInput, files: VersionFileInfo[]): EventInfo[] {
  const { record, inventory } = input;
  const masters = files.filter((f) => f.use === 'MASTER').map((f) => f.logicalPath);
  // Files are linked as their PREMIS objects are identified: "<object id>/<logical path>".
  const fileRefs = (paths: string[]) => paths.map((p) => ({ type: 'OCFL logical path' as const, value: `${record.objectId}/${p}` }));
  const whole = [{ type: 'OCFL object id' as const, value: record.objectId }];
  const observed = inventory.versions[inventory.head]?.created ?? record.ingest.storedAt;
  const withInstitution = (agents: Array<{ id: string; role: string }>) =>
    input.institution ? [...agents, { id: 'institution', role: 'implementer' }] : agents;
  const fromRecord = (e: RecordEvent & { version?: string }, i: number, scope: string): EventInfo => ({
    id: `${record.objectId}/${scope}/${i + 1}`,
    type: e.type,
    at: e.at,
    outcome: e.outcome,
    detail: e.version ? `${e.detail} (${e.version})` : e.detail,
    agents: withInstitution(
      (e.agents ?? ['yaddas']).map((id, k) => ({
        id,
        role:
          k === 0 && id === 'yaddas'
            ? 'executing program'
            : id === 'operator' || id.startsWith('person-')
              ? 'authorizer'
              : 'executing program',
      })),
    ),
    // an earlier version's files may be gone from this one: its events link to the object
    objects: e.version ? whole : fileRefs(e.objects ?? masters),
  });
  const out: EventInfo[] = [];
  for (const [i, e] of (record.history ?? []).entries()) out.push(fromRecord(e, i, 'history'));
  for (const [i, e] of record.events.entries()) out.push(fromRecord(e, i, record.version));
  for (const k of input.keeping ?? []) {
    if (k.version)
      out.push({
        id: `${record.objectId}/copy/${k.copy}`,
        type: 'replication',
        at: observed,
        outcome: 'success',
        detail: `copy "${k.copy}" held the object up to ${k.version} when ${inventory.head} was written`,
        agents: withInstitution([{ id: 'yaddas', role: 'executing program' }]),
        objects: whole,
      });
    if (k.audit) {
      const a = k.audit;
      const ok = a.status === 'ok';
      out.push({
        id: `${record.objectId}/audit/${k.copy}/${a.at}`,
        type: 'fixity check',
        at: a.at,
        outcome: ok ? 'success' : a.repaired ? 'warning' : 'failure',
        detail: ok
          ? `audit of copy "${k.copy}": ${a.checkedFiles} file(s) read whole, every SHA-512 as the inventory records`
          : `audit of copy "${k.copy}": ${a.status}${a.files.length ? ` (${a.files.slice(0, 10).join(', ')}${a.files.length > 10 ? ', …' : ''})` : ''}${a.repaired ? '; repaired from a good copy' : ''}${a.reason ? `; ${a.reason}` : ''}`,
        agents: withInstitution(
          a.by === 'operator'
            ? [
                { id: 'yaddas', role: 'executing program' },
                { id: 'operator', role: 'authorizer' },
              ]
            : [{ id: 'yaddas', role: 'executing program' }],
        ),
        objects: whole,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// MIX

const COLOR_SPACE: Record<string, string> = {
  srgb: 'RGB',
  rgb: 'RGB',
  rgb16: 'RGB',
  'b-w': 'WhiteIsZero',
  grey16: 'BlackIsZero',
  cmyk: 'CMYK',
  lab: 'CIELab',
};

function mix(parent: XMLBuilder, f: VersionFileInfo): void {
  const img = f.page!.image!;
  const m = parent.ele(NS.mix, 'mix:mix');
  const bdo = m.ele(NS.mix, 'mix:BasicDigitalObjectInformation');
  const oi = bdo.ele(NS.mix, 'mix:ObjectIdentifier');
  oi.ele(NS.mix, 'mix:objectIdentifierType').txt('OCFL logical path');
  oi.ele(NS.mix, 'mix:objectIdentifierValue').txt(f.logicalPath);
  if (f.size !== undefined) bdo.ele(NS.mix, 'mix:fileSize').txt(String(f.size));
  const fd = bdo.ele(NS.mix, 'mix:FormatDesignation');
  fd.ele(NS.mix, 'mix:formatName').txt(f.format.mime);
  if (f.format.version) fd.ele(NS.mix, 'mix:formatVersion').txt(f.format.version);
  if (f.format.puid) {
    const fr = bdo.ele(NS.mix, 'mix:FormatRegistry');
    fr.ele(NS.mix, 'mix:formatRegistryName').txt('PRONOM');
    fr.ele(NS.mix, 'mix:formatRegistryKey').txt(f.format.puid);
  }
  if (img.compression) bdo.ele(NS.mix, 'mix:Compression').ele(NS.mix, 'mix:compressionScheme').txt(img.compression);
  const bic = m.ele(NS.mix, 'mix:BasicImageInformation').ele(NS.mix, 'mix:BasicImageCharacteristics');
  bic.ele(NS.mix, 'mix:imageWidth').txt(String(img.width));
  bic.ele(NS.mix, 'mix:imageHeight').txt(String(img.height));
  const pi = bic.ele(NS.mix, 'mix:PhotometricInterpretation');
  pi.ele(NS.mix, 'mix:colorSpace').txt(COLOR_SPACE[img.space] ?? img.space);
  if (img.iccProfile || img.hasProfile) {
    const cp = pi.ele(NS.mix, 'mix:ColorProfile').ele(NS.mix, 'mix:IccProfile');
    cp.ele(NS.mix, 'mix:iccProfileName').txt(img.iccProfile ?? 'embedded (unnamed)');
  }
  const cap = f.page?.embedded;
  if (cap?.camera || cap?.dateTaken) {
    const icm = m.ele(NS.mix, 'mix:ImageCaptureMetadata');
    const gci = icm.ele(NS.mix, 'mix:GeneralCaptureInformation');
    if (cap.dateTaken) gci.ele(NS.mix, 'mix:dateTimeCreated').txt(cap.dateTaken);
    if (cap.camera) gci.ele(NS.mix, 'mix:captureDevice').txt('digital still camera');
    if (cap.camera)
      icm
        .ele(NS.mix, 'mix:DigitalCameraCapture')
        .ele(NS.mix, 'mix:DigitalCameraModel')
        .ele(NS.mix, 'mix:digitalCameraModelName')
        .txt(cap.camera);
  }
  const iam = m.ele(NS.mix, 'mix:ImageAssessmentMetadata');
  if (img.density) {
    const sm = iam.ele(NS.mix, 'mix:SpatialMetrics');
    sm.ele(NS.mix, 'mix:samplingFrequencyUnit').txt('in.');
    for (const axis of ['x', 'y']) {
      const r = sm.ele(NS.mix, `mix:${axis}SamplingFrequency`);
      r.ele(NS.mix, 'mix:numerator').txt(String(Math.round(img.density * 100)));
      r.ele(NS.mix, 'mix:denominator').txt('100');
    }
  }
  const ice = iam.ele(NS.mix, 'mix:ImageColorEncoding');
  if (img.bitDepth) {
    const bps = ice.ele(NS.mix, 'mix:BitsPerSample');
    // one value per sample (channel), as MIX 2.0 repeats the element
    for (let c = 0; c < Math.max(1, img.channels); c++) bps.ele(NS.mix, 'mix:bitsPerSampleValue').txt(String(img.bitDepth));
    bps.ele(NS.mix, 'mix:bitsPerSampleUnit').txt('integer');
  }
  ice.ele(NS.mix, 'mix:samplesPerPixel').txt(String(img.channels));
}
