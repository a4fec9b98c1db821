import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { type CollectionDef, defaultInstitution, type Institution, institutionsFileOf, loadInstitutions } from './institutions.js';

export type { CollectionDef };
import { SETTINGS, type Setting } from './settings.js';

/** The effective configuration. Paths are absolute once loaded. */
export interface Config {
  inbox: string;
  dataDir: string;
  /** how `npm start` runs the stages: all in one process, or one process each */
  processes: 'one' | 'per-stage';
  /** the languages staff read, first the first (REJECTED.txt) */
  languages: Array<'az' | 'ru' | 'en'>;
  /** the institutions file, when there is one (institutionsFile, YADDAS_INSTITUTIONS_FILE) */
  institutionsFile: string;
  /**
   * the institutions served: from the institutions file, or the one these settings describe
   * (id "default", no id namespace)
   */
  institutions: Institution[];
  intake: {
    stagingDir: string;
    doneDir: string;
    rejectedDir: string;
    mode: 'quiet' | 'marker';
    quietSeconds: number;
    pollSeconds: number;
    markerName: string;
    doneRetentionDays: number;
    maxPixels: number;
    maxPages: number;
  };
  redis: { url: string; embedded: 'auto' | 'off'; prefix: string };
  s3: {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    forcePathStyle: boolean;
    preservationBucket: string;
    accessBucket: string;
    createBuckets: boolean;
    embeddedPort: number;
    partSizeMiB: number;
    uploadConcurrency: number;
    connectTimeoutSeconds: number;
    requestTimeoutSeconds: number;
  };
  access: { publicBaseUrl: string; attribution: string; collectionsFile: string };
  /** exhibitions and collections, from access.collectionsFile */
  collections: CollectionDef[];
  derive: { thumbnailSize: number; accessSize: number; tileSize: number; maxFullSize: number; jpegQuality: number };
  jobs: { attempts: number; backoffSeconds: number; lockSeconds: number };
  console: {
    host: string;
    port: number;
    user: string;
    password: string;
    stuckMinutes: number;
    usersFile: string;
    metricsToken: string;
    sessionHours: number;
    trustProxy: boolean;
  };
  events: { maxLength: number };
  webhooks: { urls: string[]; secret: string; attempts: number; backoffSeconds: number; timeoutSeconds: number };
  ocr: {
    enabled: boolean;
    languages: string;
    tessdataDir: string;
    engines: number;
    recycleAfterPages: number;
    pageTimeoutSeconds: number;
    detectScript: boolean;
    minScriptConfidence: number;
    minOrientationConfidence: number;
    rereadBelowConfidence: number;
  };
  concurrency: {
    ingest: number;
    inspect: number;
    store: number;
    commit: number;
    release: number;
    derive: number;
    text: number;
    pdf: number;
    notify: number;
    replicate: number;
    audit: number;
  };
  ocfl: { userName: string; userAddress: string };
  /** the replica stores (copies.file) and how many complete copies an item needs */
  copies: { file: string; required: number; replicas: ReplicaDef[] };
  audit: { days: number; mbPerSecond: number; sweepMinutes: number; repair: 'auto' | 'operator' };
  log: { level: string; format: 'auto' | 'json' | 'pretty' };
  /** where each value came from, for `yaddas config` */
  sources: Record<string, string>;
  /** true when s3.endpoint was empty and the embedded S3 server is meant */
  embeddedS3: boolean;
}

/**
 * A replica store: another S3-compatible bucket (on the same service, another one, or AWS) that
 * holds a full copy of the preservation storage root, under an optional key prefix. Credentials
 * are given inline or, better, named by environment variable, so that the file holds no secret.
 */
export interface ReplicaDef {
  /** short name: in logs, `--copy NAME`, the console (lowercase letters, digits, hyphens) */
  name: string;
  endpoint: string;
  region: string;
  bucket: string;
  /** key prefix inside the bucket ("" or ending in "/") */
  prefix: string;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const isText = (v: unknown) =>
  (typeof v === 'string' && v.trim() !== '') ||
  (typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length > 0 &&
    Object.values(v).every((x) => typeof x === 'string'));

/** Reads and checks the collections file; every problem is returned, named by slug or index. */
export function loadCollections(file: string): { collections: CollectionDef[]; problems: string[] } {
  const problems: string[] = [];
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { collections: [], problems: [`${file}: ${(err as Error).message}`] };
  }
  const list = Array.isArray(data) ? data : (data as { collections?: unknown })?.collections;
  if (!Array.isArray(list)) return { collections: [], problems: [`${file}: expected {"collections": [ … ]}`] };
  const seen = new Set<string>();
  list.forEach((c: Record<string, unknown>, i) => {
    const where = `${file}: collection ${typeof c?.slug === 'string' ? `"${c.slug}"` : `#${i + 1}`}`;
    if (typeof c?.slug !== 'string' || !SLUG.test(c.slug)) problems.push(`${where}: "slug" must be lowercase letters, digits and hyphens`);
    else if (seen.has(c.slug)) problems.push(`${where}: defined twice`);
    else seen.add(c.slug);
    if (!isText(c?.label)) problems.push(`${where}: "label" must be text or a language map`);
    if (c?.summary !== undefined && !isText(c.summary)) problems.push(`${where}: "summary" must be text or a language map`);
    if (c?.thumbnail !== undefined && (typeof c.thumbnail !== 'string' || !/^https?:\/\//.test(c.thumbnail)))
      problems.push(`${where}: "thumbnail" must be an http(s) URL`);
  });
  return { collections: problems.length ? [] : (list as CollectionDef[]), problems };
}

/**
 * Reads and checks the copies file: `{"replicas": [{name, endpoint, region?, bucket, prefix?,
 * forcePathStyle?, accessKeyId | accessKeyIdEnv, secretAccessKey | secretAccessKeyEnv}]}`.
 * Every problem is returned, named by replica.
 */
export function loadReplicas(file: string, env: NodeJS.ProcessEnv): { replicas: ReplicaDef[]; problems: string[] } {
  const problems: string[] = [];
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    // Where, not what: the parser's message quotes the text around the fault, which may be a secret.
    const e = err as NodeJS.ErrnoException;
    if (e.code) return { replicas: [], problems: [`${file}: ${e.message}`] };
    const at = /position \d+(?: \(line \d+ column \d+\))?/.exec(e.message)?.[0];
    return { replicas: [], problems: [`${file}: not valid JSON${at ? ` (at ${at})` : ''}`] };
  }
  const list = (data as { replicas?: unknown })?.replicas;
  if (!Array.isArray(list)) return { replicas: [], problems: [`${file}: expected {"replicas": [ … ]}`] };
  const seen = new Set<string>();
  const replicas: ReplicaDef[] = [];
  list.forEach((r: Record<string, unknown>, i) => {
    const where = `${file}: replica ${typeof r?.name === 'string' ? `"${r.name}"` : `#${i + 1}`}`;
    const text = (k: string) => (typeof r?.[k] === 'string' ? (r[k] as string) : undefined);
    const secret = (k: string) => {
      const fromEnv = text(`${k}Env`);
      if (fromEnv !== undefined) {
        const v = env[fromEnv];
        if (!v) problems.push(`${where}: "${k}Env" names ${fromEnv}, which is not set`);
        return v ?? '';
      }
      const v = text(k);
      if (!v) problems.push(`${where}: give "${k}" or "${k}Env" (the name of an environment variable holding it)`);
      return v ?? '';
    };
    const name = text('name');
    if (!name || !SLUG.test(name)) problems.push(`${where}: "name" must be lowercase letters, digits and hyphens`);
    else if (seen.has(name) || name === 'primary')
      problems.push(`${where}: the name is used twice ("primary" is the preservation bucket's)`);
    else seen.add(name);
    const endpoint = text('endpoint');
    if (!endpoint || !/^https?:\/\/[^/]/.test(endpoint)) problems.push(`${where}: "endpoint" must be an http(s) URL`);
    const bucket = text('bucket');
    if (!bucket || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) problems.push(`${where}: "bucket" must be an S3 bucket name`);
    const prefix = text('prefix') ?? '';
    if (prefix !== '' && (!prefix.endsWith('/') || prefix.startsWith('/')))
      problems.push(`${where}: "prefix" must end with "/" and not start with one`);
    replicas.push({
      name: name ?? '',
      endpoint: endpoint ?? '',
      region: text('region') ?? 'us-east-1',
      bucket: bucket ?? '',
      prefix,
      forcePathStyle: r?.forcePathStyle !== false,
      accessKeyId: secret('accessKeyId'),
      secretAccessKey: secret('secretAccessKey'),
    });
  });
  return { replicas: problems.length ? [] : replicas, problems };
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** folder of JSON config files; default `<cwd>/config` (or YADDAS_CONFIG_DIR) */
  configDir?: string;
}

function getPath(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    cur[part] ??= {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = value;
}

/** Every dotted leaf path of a parsed JSON file, to report keys that no setting knows. */
function leafPaths(obj: unknown, base = ''): string[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [base];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => leafPaths(v, base ? `${base}.${k}` : k));
}

/**
 * Loads the configuration: defaults < config/default.json < config/$NODE_ENV.json <
 * config/local.json < environment. Every problem is collected and reported at once.
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const configDir = path.resolve(cwd, opts.configDir ?? env.YADDAS_CONFIG_DIR ?? 'config');
  const problems: string[] = [];

  const files = ['default.json', env.NODE_ENV ? `${env.NODE_ENV}.json` : '', 'local.json']
    .filter(Boolean)
    .map((f) => path.join(configDir, f))
    .filter((f) => existsSync(f));
  const layers: Array<{ file: string; data: unknown }> = [];
  const known = new Set(SETTINGS.map((s) => s.key));
  for (const file of files) {
    try {
      const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
      layers.push({ file, data });
      for (const leaf of leafPaths(data)) {
        if (leaf && !known.has(leaf) && !leaf.startsWith('$')) problems.push(`${path.relative(cwd, file)}: unknown setting "${leaf}"`);
      }
    } catch (err) {
      problems.push(`${path.relative(cwd, file)}: not valid JSON (${(err as Error).message})`);
    }
  }

  const out: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const s of SETTINGS as readonly Setting[]) {
    let raw: unknown = s.default;
    let source = 'default';
    for (const layer of layers) {
      const v = getPath(layer.data, s.key);
      if (v !== undefined) {
        raw = v;
        source = path.relative(cwd, layer.file) || layer.file;
      }
    }
    const envName = s.env.find((name) => env[name] !== undefined && env[name] !== '');
    if (envName) {
      raw = env[envName];
      source = `env ${envName}`;
    }
    const parsed = s.parse(raw);
    if (parsed.ok) setPath(out, s.key, parsed.value);
    else problems.push(`${s.key} (${envName ?? s.env[0]}, from ${source}) ${parsed.error}`);
    sources[s.key] = source;
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const cfg = out as unknown as Config;
  cfg.sources = sources;
  cfg.inbox = path.resolve(cwd, cfg.inbox);
  cfg.dataDir = path.resolve(cwd, cfg.dataDir);
  if (cfg.ocr.tessdataDir) cfg.ocr.tessdataDir = path.resolve(cwd, cfg.ocr.tessdataDir);
  // 0: one OCR engine per core, as each engine uses one core at a time.
  if (cfg.ocr.engines === 0) cfg.ocr.engines = Math.max(1, os.availableParallelism());
  cfg.intake.stagingDir = path.resolve(cwd, cfg.intake.stagingDir || path.join(cfg.dataDir, 'staging'));
  cfg.intake.doneDir = path.resolve(cwd, cfg.intake.doneDir || path.join(cfg.dataDir, 'done'));
  cfg.intake.rejectedDir = cfg.intake.rejectedDir ? path.resolve(cwd, cfg.intake.rejectedDir) : besideInbox(cfg.inbox);
  cfg.embeddedS3 = cfg.s3.endpoint === '';
  if (cfg.embeddedS3) cfg.s3.endpoint = `http://127.0.0.1:${cfg.s3.embeddedPort}`;
  cfg.access.publicBaseUrl = (cfg.access.publicBaseUrl || `${cfg.s3.endpoint.replace(/\/+$/, '')}/${cfg.s3.accessBucket}`).replace(
    /\/+$/,
    '',
  );
  // OCFL validators want every version's user to have an address (W008): the installation's
  // public base URL names it when no address of the responsible unit is configured.
  cfg.ocfl.userAddress ||= cfg.access.publicBaseUrl;
  cfg.collections = [];
  const collectionsFile = cfg.access.collectionsFile
    ? path.resolve(cwd, cfg.access.collectionsFile)
    : path.join(configDir, 'collections.json');
  if (cfg.access.collectionsFile || existsSync(collectionsFile)) {
    cfg.access.collectionsFile = collectionsFile;
    const c = loadCollections(collectionsFile);
    problems.push(...c.problems.map((p) => `access.collectionsFile (YADDAS_COLLECTIONS_FILE) ${p}`));
    cfg.collections = c.collections;
  }

  const usersFile = cfg.console.usersFile ? path.resolve(cwd, cfg.console.usersFile) : path.join(configDir, 'users.json');
  if (cfg.console.usersFile || existsSync(usersFile)) cfg.console.usersFile = usersFile;

  cfg.copies.replicas = [];
  const copiesFile = cfg.copies.file ? path.resolve(cwd, cfg.copies.file) : path.join(configDir, 'copies.json');
  if (cfg.copies.file || existsSync(copiesFile)) {
    cfg.copies.file = copiesFile;
    const c = loadReplicas(copiesFile, env);
    problems.push(...c.problems.map((p) => `copies.file (YADDAS_COPIES_FILE) ${p}`));
    cfg.copies.replicas = c.replicas;
  }
  if (cfg.copies.required > 1 + cfg.copies.replicas.length)
    problems.push(
      `copies.required (YADDAS_COPIES_REQUIRED) is ${cfg.copies.required}, but there are only ${1 + cfg.copies.replicas.length} copies (the primary and ${cfg.copies.replicas.length} replicas)`,
    );

  const institutionsFile = institutionsFileOf(cfg, configDir, cwd);
  if (institutionsFile) {
    cfg.institutionsFile = institutionsFile;
    const r = loadInstitutions(institutionsFile, cfg, cwd, loadCollections);
    problems.push(...r.problems.map((p) => `institutionsFile (YADDAS_INSTITUTIONS_FILE) ${p}`));
    cfg.institutions = r.institutions;
  } else cfg.institutions = [defaultInstitution(cfg)];

  // (with an institutions file, its inboxes and rejected areas are checked where it is read)
  const dirs = {
    ...(institutionsFile ? {} : { inbox: cfg.inbox, 'intake.rejectedDir': cfg.intake.rejectedDir }),
    'intake.stagingDir': cfg.intake.stagingDir,
    'intake.doneDir': cfg.intake.doneDir,
  };
  for (const [a, pa] of Object.entries(dirs)) {
    for (const [b, pb] of Object.entries(dirs)) {
      if (a < b && (pa === pb || pa.startsWith(pb + path.sep) || pb.startsWith(pa + path.sep))) {
        problems.push(`${a} (${pa}) and ${b} (${pb}) must be separate folders, neither inside the other`);
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return cfg;
}

/**
 * The rejected area's default: beside the inbox, where staff who drop items look, wherever the
 * command was started. `rejected` next to an inbox named `inbox`; else `<inbox name>-rejected`.
 */
function besideInbox(inbox: string): string {
  const name = path.basename(inbox);
  return path.join(path.dirname(inbox), name === 'inbox' ? 'rejected' : `${name}-rejected`);
}

/** The folders Yaddaş works in, each with the variable that sets it (for errors that say which). */
export function workFolders(cfg: Config): Array<{ dir: string; variable: string }> {
  return [
    { dir: cfg.dataDir, variable: 'YADDAS_DATA_DIR' },
    { dir: cfg.inbox, variable: 'YADDAS_INBOX' },
    { dir: cfg.intake.stagingDir, variable: 'YADDAS_STAGING_DIR' },
    { dir: cfg.intake.doneDir, variable: 'YADDAS_DONE_DIR' },
    { dir: cfg.intake.rejectedDir, variable: 'YADDAS_REJECTED_DIR' },
  ];
}

/** Redacts a URL's password: redis://:secret@host → redis://:[redacted]@host */
export function redactUrl(u: string): string {
  try {
    const p = new URL(u);
    if (!p.password) return u;
    // Built by hand: the URL setter would percent-encode the brackets.
    return `${p.protocol}//${p.username}:[redacted]@${p.host}${p.pathname === '/' ? '' : p.pathname}${p.search}`;
  } catch {
    return u;
  }
}

/** The configuration as `yaddas config --json` prints it: secrets redacted, flattened keys kept nested. */
export function redactedConfig(cfg: Config): Record<string, unknown> {
  const copy = structuredClone(cfg) as unknown as Record<string, unknown>;
  for (const s of SETTINGS as readonly Setting[]) {
    if (!s.secret) continue;
    const v = getPath(copy, s.key);
    if (typeof v !== 'string' || v === '') continue;
    setPath(copy, s.key, s.key === 'redis.url' ? redactUrl(v) : '[redacted]');
  }
  // The replicas' secrets come from the copies file or the variables it names, not from SETTINGS.
  for (const r of (copy.copies as Config['copies']).replicas) {
    if (r.secretAccessKey) r.secretAccessKey = '[redacted]';
    r.endpoint = redactUrl(r.endpoint);
  }
  return copy;
}
