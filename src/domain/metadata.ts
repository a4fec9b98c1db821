import type { ErrorObject } from 'ajv/dist/2020.js';
import { schemaValidator } from './schemas.js';
import { embargoTime } from './withdrawal.js';

/** The schema is a published document (schemas/metadata.schema.json); it is read, not duplicated. */
const validate = schemaValidator('metadata.schema.json');

export type LanguageMap = Record<string, string>;
export type TextOrMap = string | LanguageMap;

/** metadata.json as staff write it (validated). */
export interface ItemMetadata {
  identifier?: string;
  type?: 'book' | 'periodical' | 'manuscript' | 'map' | 'photograph';
  title?: TextOrMap;
  creator?: string | TextOrMap[];
  date?: string;
  language?: string | string[];
  subject?: string | TextOrMap[];
  description?: TextOrMap;
  rights?: string;
  /** who may see it: open (default), restricted (preserved, never published), embargoed (published once embargoUntil has passed) */
  access?: 'open' | 'restricted' | 'embargoed';
  /** with "embargoed": a date (from the start of that day, UTC) or a date and time with offset */
  embargoUntil?: string;
  /** the institution it came from, when not the installation's own (a bag's Source-Organization) */
  sourceOrganization?: string;
  collections?: string[];
  ocrLanguages?: string | string[];
  /** a deliberate replacement of the item with this identifier (never held as a mistaken reuse) */
  replaces?: boolean;
  [extension: `x-${string}`]: unknown;
}

/** One ajv error in words staff can act on. */
function describe(e: ErrorObject): string {
  const where = e.instancePath ? `"${e.instancePath.slice(1).replace(/\//g, '.')}"` : 'the file';
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown key "${String(e.params.additionalProperty)}" (allowed: identifier, type, title, creator, date, language, subject, description, access, embargoUntil, sourceOrganization, rights, collections, ocrLanguages, replaces, or keys starting with x-)`;
    case 'required':
      if (e.params.missingProperty === 'embargoUntil')
        return '"access": "embargoed" needs "embargoUntil": the date it may be published, such as "2027-01-20"';
      return `${where} must have "${String(e.params.missingProperty)}"`;
    case 'not':
      return '"embargoUntil" is only for "access": "embargoed" (say "access": "embargoed" too, or leave the date out)';
    case 'enum':
      return `${where} must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `${where} must be ${typeWord(e.params.type)}`;
    case 'pattern':
      if (e.instancePath === '/embargoUntil')
        return '"embargoUntil" must be a date (2027-01-20) or a date and time with its offset (2027-01-20T00:00:00+04:00)';
      return `${where} has an invalid value`;
    case 'minLength':
      return `${where} must not be empty`;
    case 'oneOf':
      return `${where} has the wrong form`;
    case 'uniqueItems':
      return `${where} lists the same value twice`;
    default:
      return `${where} ${e.message ?? 'is invalid'}`;
  }
}

export type MetadataResult =
  | { ok: true; metadata: ItemMetadata }
  | { ok: false; errors: string[] /** the parser's own words, when the file is not JSON */; detail?: string };

const typeWord = (t: unknown) =>
  t === 'object' ? 'an object ({ … })' : t === 'array' ? 'a list ([ … ])' : t === 'string' ? 'text in quotes ("…")' : `a ${String(t)}`;

/**
 * Every error once, in words: each place in the file (instance path) that is wrong gets its most
 * specific errors; where only the alternatives of a oneOf failed (a title that is a number),
 * one line says what it may be instead. A place inside one already reported is not repeated.
 */
function describeAll(errors: ErrorObject[]): string[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const out: string[] = [];
  for (const [at, es] of byPath) {
    // "if" only says that a "then" or "else" failed, which is reported on its own.
    const specific = es.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'type' && e.keyword !== 'if');
    if (specific.length > 0) {
      out.push(...specific.map(describe));
      continue;
    }
    if ([...byPath.keys()].some((p) => p.startsWith(`${at}/`))) continue;
    const types = [...new Set(es.filter((e) => e.keyword === 'type').map((e) => e.params.type as unknown))];
    const where = at ? `"${at.slice(1).replace(/\//g, '.')}"` : 'the file';
    out.push(types.length > 0 ? `${where} must be ${types.map(typeWord).join(' or ')}` : describe(es[0]!));
  }
  return [...new Set(out)];
}

/** Whether a metadata value (one key's) is valid on its own: how fields from other sources are admitted. */
export function validField(key: string, value: unknown): boolean {
  return validate({ [key]: value }).length === 0;
}

/**
 * The labels of a BagIt bag-info.txt that describe the item (RFC 8493 §2.2.2's reserved ones,
 * and Title/Date/Creator/Rights as bagging tools such as Bagger and Archivematica write them),
 * and the metadata key each fills. Only where metadata.json is silent: metadata.json wins.
 */
const BAG_INFO_FIELDS: ReadonlyArray<[label: string, key: keyof ItemMetadata]> = [
  ['External-Identifier', 'identifier'],
  ['Title', 'title'],
  ['DC-Title', 'title'],
  ['Source-Organization', 'sourceOrganization'],
  ['Date', 'date'],
  ['DC-Date', 'date'],
  ['Creator', 'creator'],
  ['DC-Creator', 'creator'],
  ['External-Description', 'description'],
  ['Rights', 'rights'],
  ['DC-Rights', 'rights'],
  ['Language', 'language'],
];

/** metadata.json's values, with the bag's filling only what it leaves out; and which keys the bag filled. */
export function withBagInfo(
  md: ItemMetadata | null,
  info: ReadonlyArray<[string, string]>,
): { metadata: ItemMetadata | null; filled: string[] } {
  const out: ItemMetadata = { ...(md ?? {}) };
  const filled: string[] = [];
  for (const [label, key] of BAG_INFO_FIELDS) {
    if (out[key] !== undefined) continue;
    const value = info.find(([l]) => l.toLowerCase() === label.toLowerCase())?.[1]?.trim();
    if (!value) continue;
    const typed = key === 'language' ? value.toLowerCase() : value;
    if (!validField(key, typed)) continue;
    (out as Record<string, unknown>)[key] = typed;
    filled.push(key);
  }
  return { metadata: filled.length === 0 ? md : out, filled };
}

/**
 * An institution's defaults (config/institutions.json `defaults`) where metadata.json is silent;
 * an item that says anything of its access (an embargo included) keeps what it says.
 */
export function withDefaults(md: ItemMetadata | null, defaults: { rights?: string; access?: 'open' | 'restricted' }): ItemMetadata | null {
  const add: ItemMetadata = {};
  if (defaults.rights && md?.rights === undefined) add.rights = defaults.rights;
  if (defaults.access && md?.access === undefined) add.access = defaults.access;
  return Object.keys(add).length === 0 ? md : { ...(md ?? {}), ...add };
}

/** Parses and validates the bytes of a metadata.json. */
export function parseMetadata(bytes: Buffer): MetadataResult {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, errors: ['the file is not UTF-8 text; save it as UTF-8'] };
  }
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const detail = (err as Error).message;
    const at = /line (\d+) column (\d+)/.exec(detail);
    return {
      ok: false,
      errors: [
        `the file is not valid JSON${at ? ` near line ${at[1]}, column ${at[2]}` : ''}: look there for a missing or extra comma, quote mark or bracket`,
      ],
      detail,
    };
  }
  const errors = validate(data);
  const md = data as ItemMetadata;
  // The schema checks the form of a date; the calendar is checked here (there is no 2027-02-30).
  const badDate =
    errors.length === 0 && md.embargoUntil !== undefined && embargoTime(md.embargoUntil) === null
      ? [`"embargoUntil" is not a real date: ${md.embargoUntil}`]
      : [];
  if (errors.length === 0 && badDate.length === 0) return { ok: true, metadata: md };
  return { ok: false, errors: [...describeAll(errors), ...badDate] };
}

/** ocrLanguages in one form: ["aze", "rus"]. */
export function ocrLanguageList(m: ItemMetadata): string[] {
  const v = m.ocrLanguages;
  if (v === undefined) return [];
  return typeof v === 'string' ? v.split('+') : v;
}

/**
 * The one title rule for people (the console, the CLI, ingest records, a PDF's title): a plain
 * title as it is; of a language map, Azerbaijani, then English, then Russian, then the first
 * given; without a title, the fallback (the name the item was dropped under).
 */
/** Whether two titles name the same work: any language's text in common, ignoring case, spacing and Unicode form. */
export function sameTitle(a: TextOrMap | undefined, b: TextOrMap | undefined): boolean {
  const variants = (t: TextOrMap | undefined) =>
    (t === undefined ? [] : typeof t === 'string' ? [t] : Object.values(t)).map((v) =>
      v.normalize('NFC').toLocaleLowerCase('az').replace(/\s+/g, ' ').trim(),
    );
  const va = variants(a);
  const vb = new Set(variants(b));
  if (va.length === 0 && vb.size === 0) return true;
  return va.some((v) => vb.has(v));
}

export function displayTitle(md: Pick<ItemMetadata, 'title'> | null | undefined, fallback: string): string;
export function displayTitle(md: Pick<ItemMetadata, 'title'> | null | undefined): string | undefined;
export function displayTitle(md: Pick<ItemMetadata, 'title'> | null | undefined, fallback?: string): string | undefined {
  const t = md?.title;
  if (typeof t === 'string') return t;
  if (t) return t.az ?? t.en ?? t.ru ?? Object.values(t)[0] ?? fallback;
  return fallback;
}
