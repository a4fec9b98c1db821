/**
 * The institutions one installation serves (config/institutions.json, checked against
 * schemas/institutions.schema.json). Without the file there is one, described by the ordinary
 * settings, with no id namespace: a fresh installation works as it always has. With it, each
 * institution has its own inboxes, rejected area, id namespace, storage roots and public location;
 * one Redis and one set of workers serve them all.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { splitItemId } from '../domain/ids.js';
import { schemaValidator } from '../domain/schemas.js';

/** An exhibition or collection that items join through metadata.json's `collections`. */
export interface CollectionDef {
  slug: string;
  /** text or a language map: {"az": …, "ru": …, "en": …} */
  label: string | Record<string, string>;
  summary?: string | Record<string, string>;
  /** URL of an image */
  thumbnail?: string;
}

/** What of the installation's settings an institution's defaults come from (config/load.ts's Config has it all). */
interface Settings {
  inbox: string;
  dataDir: string;
  institutionsFile: string;
  intake: { stagingDir: string; doneDir: string; rejectedDir: string };
  s3: { endpoint: string; preservationBucket: string; accessBucket: string };
  access: { publicBaseUrl: string; attribution: string; collectionsFile: string };
  collections: CollectionDef[];
  ocr: { languages: string };
  languages: StaffLanguage[];
}

export type StaffLanguage = 'az' | 'ru' | 'en';

export interface Institution {
  /** short id: in records, events, metrics, logs and the console */
  id: string;
  /** its name in the staff's languages (at least one) */
  name: Partial<Record<StaffLanguage, string>>;
  /** the id namespace ("" for the installation without an institutions file): item `ns:local` */
  namespace: string;
  inboxes: string[];
  rejectedDir: string;
  /** its own staging and done areas (folders of the installation's) */
  stagingDir: string;
  doneDir: string;
  attribution: string;
  logo?: string;
  homepage?: string;
  ocrLanguages: string;
  collectionsFile?: string;
  collections: CollectionDef[];
  /** the languages its staff read, first the first (REJECTED.txt) */
  languages: StaffLanguage[];
  /** what metadata.json says where it is silent */
  defaults: { rights?: string; access?: 'open' | 'restricted' };
  storage: {
    preservationBucket: string;
    /** "" or ending in "/" */
    preservationPrefix: string;
    accessBucket: string;
    accessPrefix: string;
    /** no trailing slash */
    publicBaseUrl: string;
  };
}

/** The id of the one institution of an installation without an institutions file. */
export const DEFAULT_INSTITUTION = 'default';

/** The installation-wide id of an item: its institution's namespace, a colon, and its own id. */
export const itemIdIn = (inst: Pick<Institution, 'namespace'>, local: string): string =>
  inst.namespace ? `${inst.namespace}:${local}` : local;

/** The institution an item id belongs to, or undefined when none has its namespace. */
export function institutionOfItem(institutions: readonly Institution[], itemId: string): Institution | undefined {
  const { namespace } = splitItemId(itemId);
  return institutions.find((i) => i.namespace === namespace);
}

/** The one institution an installation without the file has: its settings, as they were. */
export function defaultInstitution(cfg: Settings): Institution {
  return {
    id: DEFAULT_INSTITUTION,
    name: cfg.access.attribution ? { en: cfg.access.attribution } : { en: 'Yaddaş' },
    namespace: '',
    inboxes: [cfg.inbox],
    rejectedDir: cfg.intake.rejectedDir,
    stagingDir: cfg.intake.stagingDir,
    doneDir: cfg.intake.doneDir,
    attribution: cfg.access.attribution,
    ocrLanguages: cfg.ocr.languages,
    ...(cfg.access.collectionsFile ? { collectionsFile: cfg.access.collectionsFile } : {}),
    collections: cfg.collections,
    languages: cfg.languages,
    defaults: {},
    storage: {
      preservationBucket: cfg.s3.preservationBucket,
      preservationPrefix: '',
      accessBucket: cfg.s3.accessBucket,
      accessPrefix: '',
      publicBaseUrl: cfg.access.publicBaseUrl,
    },
  };
}

interface RawInstitution {
  id: string;
  name: Partial<Record<StaffLanguage, string>>;
  namespace?: string;
  inbox: string | string[];
  rejected?: string;
  attribution?: string;
  logo?: string;
  homepage?: string;
  ocrLanguages?: string;
  collectionsFile?: string;
  languages?: StaffLanguage[];
  defaults?: Institution['defaults'];
  storage?: Partial<Institution['storage']>;
}

const schemaErrors = schemaValidator('institutions.schema.json');

/** One schema error in words: where (institution "anl": "storage.accessPrefix") and what. */
function describe(e: ErrorObject, data: { institutions?: Array<{ id?: unknown }> }): string {
  const parts = e.instancePath.split('/').slice(1);
  let where = 'the file';
  if (parts[0] === 'institutions' && parts[1] !== undefined) {
    const id = data.institutions?.[Number(parts[1])]?.id;
    const inner = parts.slice(2).join('.');
    where = `institution ${typeof id === 'string' ? `"${id}"` : `#${Number(parts[1]) + 1}`}${inner ? `: "${inner}"` : ''}`;
  }
  if (e.instancePath === '/institutions' && e.keyword === 'minItems') return '"institutions" must list at least one institution';
  if (e.keyword === 'additionalProperties') return `${where}: unknown key "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'required') return `${where}: "${String(e.params.missingProperty)}" is required`;
  if (e.keyword === 'enum')
    return `${where} must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

const overlaps = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
const under = (a: string, b: string) => a === b || a.startsWith(b + path.sep) || b.startsWith(a + path.sep);

/**
 * Reads the institutions file, fills each institution's defaults from the installation's
 * settings, and checks what the schema cannot: ids and namespaces used once, folders and storage
 * roots that do not overlap, collections files that read. Every problem is returned.
 */
export function loadInstitutions(
  file: string,
  cfg: Settings,
  cwd: string,
  readCollections: (file: string) => { collections: CollectionDef[]; problems: string[] },
): { institutions: Institution[]; problems: string[] } {
  const problems: string[] = [];
  let data: { institutions?: RawInstitution[] };
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as typeof data;
  } catch (err) {
    return { institutions: [], problems: [`${file}: ${(err as Error).message}`] };
  }
  const errors = schemaErrors(data);
  if (errors.length > 0)
    return {
      institutions: [],
      problems: [...new Set(errors.filter((e) => e.keyword !== 'oneOf').map((e) => `${file}: ${describe(e, data)}`))],
    };
  const out: Institution[] = [];
  for (const r of data.institutions ?? []) {
    const where = `${file}: institution "${r.id}"`;
    const inboxes = (Array.isArray(r.inbox) ? r.inbox : [r.inbox]).map((p) => path.resolve(cwd, p));
    const ownPreservation = !!r.storage?.preservationBucket && r.storage.preservationBucket !== cfg.s3.preservationBucket;
    const ownAccess = !!r.storage?.accessBucket && r.storage.accessBucket !== cfg.s3.accessBucket;
    const accessBucket = r.storage?.accessBucket ?? cfg.s3.accessBucket;
    const accessPrefix = r.storage?.accessPrefix ?? (ownAccess ? '' : `${r.id}/`);
    const endpoint = cfg.s3.endpoint.replace(/\/+$/, '');
    let collections: CollectionDef[] = [];
    let collectionsFile: string | undefined;
    if (r.collectionsFile) {
      collectionsFile = path.resolve(cwd, r.collectionsFile);
      const c = readCollections(collectionsFile);
      problems.push(...c.problems.map((p) => `${where}: ${p}`));
      collections = c.collections;
    }
    const first = inboxes[0]!;
    out.push({
      id: r.id,
      name: r.name,
      namespace: r.namespace ?? r.id,
      inboxes,
      rejectedDir: r.rejected ? path.resolve(cwd, r.rejected) : path.join(path.dirname(first), `${path.basename(first)}-rejected`),
      stagingDir: path.join(cfg.intake.stagingDir, r.id),
      doneDir: path.join(cfg.intake.doneDir, r.id),
      attribution: r.attribution ?? r.name.en ?? r.name.az ?? r.name.ru ?? r.id,
      ...(r.logo ? { logo: r.logo } : {}),
      ...(r.homepage ? { homepage: r.homepage } : {}),
      ocrLanguages: r.ocrLanguages ?? cfg.ocr.languages,
      ...(collectionsFile ? { collectionsFile } : {}),
      collections,
      languages: r.languages ?? cfg.languages,
      defaults: r.defaults ?? {},
      storage: {
        preservationBucket: r.storage?.preservationBucket ?? cfg.s3.preservationBucket,
        preservationPrefix: r.storage?.preservationPrefix ?? (ownPreservation ? '' : `${r.id}/`),
        accessBucket,
        accessPrefix,
        publicBaseUrl: (
          r.storage?.publicBaseUrl ??
          (ownAccess ? `${endpoint}/${accessBucket}` : cfg.access.publicBaseUrl) +
            (accessPrefix ? `/${accessPrefix.replace(/\/$/, '')}` : '')
        ).replace(/\/+$/, ''),
      },
    });
  }
  // What the schema cannot see: the same id, namespace, folder or storage root twice.
  const seen = (what: string, key: (i: Institution) => string) => {
    const by = new Map<string, string>();
    for (const i of out) {
      const k = key(i);
      if (by.has(k)) problems.push(`${file}: institutions "${by.get(k)}" and "${i.id}" have the same ${what} (${k})`);
      else by.set(k, i.id);
    }
  };
  seen('id', (i) => i.id);
  seen('namespace', (i) => i.namespace);
  const folders = out.flatMap((i) => [
    ...i.inboxes.map((d) => ({ i: i.id, what: 'inbox', d })),
    { i: i.id, what: 'rejected area', d: i.rejectedDir },
  ]);
  const work = [cfg.dataDir, cfg.intake.stagingDir, cfg.intake.doneDir];
  for (let a = 0; a < folders.length; a++) {
    const fa = folders[a]!;
    for (const w of work)
      if (under(fa.d, w))
        problems.push(
          `${file}: institution "${fa.i}": its ${fa.what} (${fa.d}) and Yaddaş's own folder ${w} must be apart, neither inside the other`,
        );
    for (let b = a + 1; b < folders.length; b++) {
      const fb = folders[b]!;
      if (under(fa.d, fb.d))
        problems.push(
          `${file}: the ${fa.what} of "${fa.i}" (${fa.d}) and the ${fb.what} of "${fb.i}" (${fb.d}) must be separate folders, neither inside the other`,
        );
    }
  }
  const roots = out.flatMap((i) => [
    { i: i.id, what: 'preservation', b: i.storage.preservationBucket, p: i.storage.preservationPrefix },
    { i: i.id, what: 'access', b: i.storage.accessBucket, p: i.storage.accessPrefix },
  ]);
  for (let a = 0; a < roots.length; a++)
    for (let b = a + 1; b < roots.length; b++) {
      const ra = roots[a]!;
      const rb = roots[b]!;
      if (ra.b === rb.b && overlaps(ra.p, rb.p))
        problems.push(
          `${file}: the ${ra.what} location of "${ra.i}" (s3://${ra.b}/${ra.p}) and the ${rb.what} location of "${rb.i}" (s3://${rb.b}/${rb.p}) overlap: give each its own bucket or its own prefix`,
        );
    }
  // A shared access bucket is public as a whole: no preservation root may be in it.
  for (const a of out)
    for (const b of out)
      if (a.storage.accessBucket === b.storage.preservationBucket)
        problems.push(
          `${file}: the access bucket of "${a.id}" (${a.storage.accessBucket}) is the preservation bucket of "${b.id}": access buckets are public, so they hold no preservation storage`,
        );
  seen('public base URL', (i) => i.storage.publicBaseUrl);
  return { institutions: problems.length ? [] : out, problems };
}

/** The institutions file the configuration names, or config/institutions.json when it exists. */
export function institutionsFileOf(cfg: Settings, configDir: string, cwd: string): string | undefined {
  if (cfg.institutionsFile) return path.resolve(cwd, cfg.institutionsFile);
  const f = path.join(configDir, 'institutions.json');
  return existsSync(f) ? f : undefined;
}
