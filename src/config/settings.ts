/**
 * Every setting Yaddaş has, in one table: its place in the configuration, the environment variable
 * that sets it, its default, and how a raw value is checked. The loader, `yaddas config`, the README
 * table and the redaction of secrets are all derived from this table, so a setting cannot exist
 * without an environment variable and a line of documentation.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };
type Parser<T> = (raw: unknown) => Parsed<T>;

export interface Setting<T = unknown> {
  /** dotted path in the configuration object, e.g. `s3.endpoint` */
  key: string;
  /** environment variables, first one set wins */
  env: readonly string[];
  default: T;
  parse: Parser<T>;
  doc: string;
  /** printed as `[redacted]` by `yaddas config` and in logs */
  secret?: boolean;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (error: string): Parsed<never> => ({ ok: false, error });

export const str: Parser<string> = (raw) => (typeof raw === 'string' ? ok(raw) : fail(`expected text, got ${JSON.stringify(raw)}`));

const nonEmpty: Parser<string> = (raw) => {
  const r = str(raw);
  if (!r.ok) return r;
  return r.value.trim() === '' ? fail('must not be empty') : ok(r.value);
};

function int(min: number, max: number): Parser<number> {
  return (raw) => {
    const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n)) return fail(`expected a whole number, got ${JSON.stringify(raw)}`);
    if (n < min || n > max) return fail(`must be between ${min} and ${max}, got ${n}`);
    return ok(n);
  };
}

function num(min: number, max: number): Parser<number> {
  return (raw) => {
    const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isFinite(n)) return fail(`expected a number, got ${JSON.stringify(raw)}`);
    if (n < min || n > max) return fail(`must be between ${min} and ${max}, got ${n}`);
    return ok(n);
  };
}

const bool: Parser<boolean> = (raw) => {
  if (typeof raw === 'boolean') return ok(raw);
  if (typeof raw === 'string') {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return ok(true);
    if (['0', 'false', 'no', 'off'].includes(v)) return ok(false);
  }
  return fail(`expected true or false, got ${JSON.stringify(raw)}`);
};

function oneOf<T extends string>(...values: T[]): Parser<T> {
  return (raw) =>
    typeof raw === 'string' && (values as string[]).includes(raw)
      ? ok(raw as T)
      : fail(`must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
}

/** URLs separated by spaces or commas, each http(s). */
const urlList: Parser<string[]> = (raw) => {
  if (Array.isArray(raw)) raw = raw.join(' ');
  const r = str(raw);
  if (!r.ok) return r;
  const out: string[] = [];
  for (const u of r.value.split(/[\s,]+/).filter(Boolean)) {
    const p = url(['http:', 'https:'], false)(u);
    if (!p.ok) return p;
    out.push(u);
  }
  return ok(out);
};

/** Staff languages in order: "az ru en", "az,en". */
const staffLanguages: Parser<Array<'az' | 'ru' | 'en'>> = (raw) => {
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/).filter(Boolean) : null;
  if (!list || list.length === 0) return fail('expected languages such as "az ru en"');
  const bad = list.filter((l) => !['az', 'ru', 'en'].includes(String(l)));
  if (bad.length > 0) return fail(`knows az, ru and en, not ${bad.join(', ')}`);
  return ok([...new Set(list as Array<'az' | 'ru' | 'en'>)]);
};

/** Tesseract language codes joined with +: `aze+rus+eng`. */
const tesseractLanguages: Parser<string> = (raw) => {
  const r = str(raw);
  if (!r.ok) return r;
  return /^[a-z]{3}(_[a-z]+)*(\+[a-z]{3}(_[a-z]+)*)*$/.test(r.value)
    ? ok(r.value)
    : fail(`expected Tesseract codes joined with +, such as aze+rus+eng, got ${JSON.stringify(r.value)}`);
};

const url =
  (protocols: string[], allowEmpty: boolean): Parser<string> =>
  (raw) => {
    const r = str(raw);
    if (!r.ok) return r;
    if (r.value === '' && allowEmpty) return ok('');
    try {
      const u = new URL(r.value);
      if (!protocols.includes(u.protocol)) return fail(`must start with ${protocols.join(' or ')}, got ${u.protocol}`);
      return ok(r.value);
    } catch {
      return fail(`is not a valid URL: ${JSON.stringify(r.value)}`);
    }
  };

/** S3 bucket naming rules (the subset that all S3-compatible servers accept). */
const bucket: Parser<string> = (raw) => {
  const r = str(raw);
  if (!r.ok) return r;
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(r.value) && !r.value.includes('..')
    ? ok(r.value)
    : fail(`is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens): ${JSON.stringify(r.value)}`);
};

const prefix: Parser<string> = (raw) => {
  const r = str(raw);
  if (!r.ok) return r;
  return /^[A-Za-z0-9_-]{1,64}$/.test(r.value) ? ok(r.value) : fail('must be 1-64 letters, digits, _ or -');
};

const markerName: Parser<string> = (raw) => {
  const r = nonEmpty(raw);
  if (!r.ok) return r;
  return /[/\\\0]/.test(r.value) ? fail('must be a plain file name') : r;
};

function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

export const SETTINGS = [
  setting({
    key: 'inbox',
    env: ['YADDAS_INBOX'],
    default: './inbox',
    parse: nonEmpty,
    doc: 'The inbox (hot folder) that digitization staff drop items into.',
  }),
  setting({
    key: 'dataDir',
    env: ['YADDAS_DATA_DIR'],
    default: './data',
    parse: nonEmpty,
    doc: "Yaddaş's own working folder: staged items, the done area, embedded Redis and S3 data, and the OCR language data gathered from npm and the system (`tessdata`).",
  }),
  setting({
    key: 'intake.stagingDir',
    env: ['YADDAS_STAGING_DIR'],
    default: '',
    parse: str,
    doc: 'Where taken items wait until their masters are verified in storage. Empty: `<dataDir>/staging`. Best on the same file system as the inbox, so that taking an item is a rename.',
  }),
  setting({
    key: 'intake.doneDir',
    env: ['YADDAS_DONE_DIR'],
    default: '',
    parse: str,
    doc: 'Where items go once their masters are verified. Empty: `<dataDir>/done`.',
  }),
  setting({
    key: 'intake.rejectedDir',
    env: ['YADDAS_REJECTED_DIR'],
    default: '',
    parse: str,
    doc: 'Where rejected items go, each with a REJECTED.txt. Put it where staff can see it. Empty: beside the inbox, `rejected` next to an inbox named `inbox`, else `<inbox name>-rejected` (so `/srv/scans/anl` gives `/srv/scans/anl-rejected`).',
  }),
  setting({
    key: 'intake.mode',
    env: ['YADDAS_INTAKE_MODE'],
    default: 'quiet' as 'quiet' | 'marker',
    parse: oneOf('quiet', 'marker'),
    doc: '`quiet`: an item is taken once nothing in it has changed for the quiet period. `marker`: once a marker file appears (see YADDAS_MARKER_NAME).',
  }),
  setting({
    key: 'intake.quietSeconds',
    env: ['YADDAS_QUIET_SECONDS'],
    default: 120,
    parse: num(0, 86_400),
    doc: 'Quiet period in seconds: how long an item must stay unchanged before it is taken (quiet mode). Copies over a network share can stall; be generous.',
  }),
  setting({
    key: 'intake.pollSeconds',
    env: ['YADDAS_POLL_SECONDS'],
    default: 10,
    parse: num(0.05, 3_600),
    doc: 'How often the inbox is scanned. Scanning polls, so it works on network shares where file-system events do not arrive.',
  }),
  setting({
    key: 'intake.markerName',
    env: ['YADDAS_MARKER_NAME'],
    default: 'READY',
    parse: markerName,
    doc: 'Marker mode: a folder item is taken once a file of this name is inside it; a single-file item once `<file name>.<marker>` is beside it (e.g. `photo.tif.READY`).',
  }),
  setting({
    key: 'intake.doneRetentionDays',
    env: ['YADDAS_DONE_RETENTION_DAYS'],
    default: 30,
    parse: num(0, 36_500),
    doc: 'Days an item is kept in the done area after its masters were verified; 0 removes it as soon as it is verified.',
  }),
  setting({
    key: 'intake.maxPixels',
    env: ['YADDAS_MAX_PIXELS'],
    default: 1_000_000_000,
    parse: int(1, 2 ** 40),
    doc: 'Largest image (width × height) accepted; larger ones are rejected as possible decompression bombs.',
  }),
  setting({
    key: 'intake.maxPages',
    env: ['YADDAS_MAX_PAGES'],
    default: 5000,
    parse: int(1, 100_000),
    doc: 'Most pages an item may have (files, and the pages inside multi-page TIFFs); a larger one is rejected in plain words. The default fits the thickest bound volumes and map sets.',
  }),
  setting({
    key: 'redis.url',
    env: ['REDIS_URL'],
    default: 'redis://127.0.0.1:6379',
    parse: url(['redis:', 'rediss:'], false),
    doc: 'Redis for the queues. Production Redis needs AOF persistence and `maxmemory-policy noeviction`.',
    secret: true,
  }),
  setting({
    key: 'redis.embedded',
    env: ['YADDAS_REDIS_EMBEDDED'],
    default: 'auto' as 'auto' | 'off',
    parse: oneOf('auto', 'off'),
    doc: '`auto`: when nothing answers at REDIS_URL (a local address) and `redis-server` is installed, `yaddas start` runs a private Redis with AOF under `<dataDir>/redis`. `off`: never.',
  }),
  setting({
    key: 'redis.prefix',
    env: ['YADDAS_REDIS_PREFIX'],
    default: 'yaddas',
    parse: prefix,
    doc: 'Prefix of every Redis key (queues and item records); lets several Yaddaş installations share one Redis.',
  }),
  setting({
    key: 's3.endpoint',
    env: ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'],
    default: '',
    parse: url(['http:', 'https:'], true),
    doc: 'S3-compatible endpoint (MinIO, Ceph RGW, AWS). Empty: the embedded S3 server (s3rver) on 127.0.0.1 with its data under `<dataDir>/s3`.',
  }),
  setting({ key: 's3.region', env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], default: 'us-east-1', parse: nonEmpty, doc: 'S3 region.' }),
  setting({
    key: 's3.accessKeyId',
    env: ['AWS_ACCESS_KEY_ID'],
    default: 'S3RVER',
    parse: str,
    doc: 'S3 access key id (the embedded server accepts any).',
  }),
  setting({
    key: 's3.secretAccessKey',
    env: ['AWS_SECRET_ACCESS_KEY'],
    default: 'S3RVER',
    parse: str,
    doc: 'S3 secret key.',
    secret: true,
  }),
  setting({
    key: 's3.forcePathStyle',
    env: ['YADDAS_S3_FORCE_PATH_STYLE'],
    default: true,
    parse: bool,
    doc: 'Path-style bucket addressing (needed by MinIO and most self-hosted servers).',
  }),
  setting({
    key: 's3.preservationBucket',
    env: ['YADDAS_PRESERVATION_BUCKET'],
    default: 'yaddas-preservation',
    parse: bucket,
    doc: 'The private bucket that is an OCFL 1.1 storage root.',
  }),
  setting({
    key: 's3.accessBucket',
    env: ['YADDAS_ACCESS_BUCKET'],
    default: 'yaddas-access',
    parse: bucket,
    doc: 'The public bucket that viewers and websites read.',
  }),
  setting({
    key: 's3.createBuckets',
    env: ['YADDAS_S3_CREATE_BUCKETS'],
    default: false,
    parse: bool,
    doc: 'Create missing buckets at start-up. The embedded server always gets its buckets; elsewhere a missing bucket stops start-up unless this is true.',
  }),
  setting({
    key: 's3.embeddedPort',
    env: ['YADDAS_S3_PORT'],
    default: 4568,
    parse: int(0, 65_535),
    doc: 'Port of the embedded S3 server (bound to 127.0.0.1 only: it checks no signatures).',
  }),
  setting({
    key: 's3.partSizeMiB',
    env: ['YADDAS_S3_PART_SIZE_MIB'],
    default: 16,
    parse: int(5, 512),
    doc: 'Multipart upload part size in MiB; memory per upload is about part size × upload concurrency.',
  }),
  setting({
    key: 's3.uploadConcurrency',
    env: ['YADDAS_S3_UPLOAD_CONCURRENCY'],
    default: 4,
    parse: int(1, 32),
    doc: 'Parts of one file uploaded at once.',
  }),
  setting({
    key: 's3.connectTimeoutSeconds',
    env: ['YADDAS_S3_CONNECT_TIMEOUT_SECONDS'],
    default: 10,
    parse: int(1, 600),
    doc: 'How long connecting to S3 may take before the request is abandoned and retried (as STORAGE_UNAVAILABLE).',
  }),
  setting({
    key: 's3.requestTimeoutSeconds',
    env: ['YADDAS_S3_REQUEST_TIMEOUT_SECONDS'],
    default: 120,
    parse: int(1, 3600),
    doc: 'How long an S3 request may send or receive nothing before it is abandoned and retried (as STORAGE_UNAVAILABLE): a stalled S3 service never holds a job or `yaddas verify` for ever. Measured while bytes flow, so large uploads are not cut short.',
  }),
  setting({
    key: 'access.publicBaseUrl',
    env: ['YADDAS_PUBLIC_BASE_URL'],
    default: '',
    parse: url(['http:', 'https:'], true),
    doc: 'The public URL at which the access bucket is served (a CDN or web server in front of it); IIIF ids are built from it. Empty: `<S3 endpoint>/<access bucket>` (path-style), which suits the embedded server.',
  }),
  setting({
    key: 'access.attribution',
    env: ['YADDAS_ATTRIBUTION'],
    default: '',
    parse: str,
    doc: "Who provides the items, as viewers must show it (the manifest's requiredStatement), e.g. `National Library of Azerbaijan`. Empty: only a rights text from metadata.json is shown there.",
  }),
  setting({
    key: 'processes',
    env: ['YADDAS_PROCESSES'],
    default: 'one' as 'one' | 'per-stage',
    parse: oneOf('one', 'per-stage'),
    doc: '`npm start` runs every stage, the watcher and the console in `one` process (less memory, quicker start on one machine), or each in a process of its own (`per-stage`). Either way the same code runs; to scale out across machines, run `dist/workers/<stage>.js` processes (docs/benchmarks.md has the figures).',
  }),
  setting({
    key: 'languages',
    env: ['YADDAS_LANGUAGES'],
    default: ['az', 'ru', 'en'] as Array<'az' | 'ru' | 'en'>,
    parse: staffLanguages,
    doc: 'The languages staff read, first the first, separated by spaces or commas (az, ru, en): REJECTED.txt is written in these, in this order. An institutions file gives each institution its own.',
  }),
  setting({
    key: 'institutionsFile',
    env: ['YADDAS_INSTITUTIONS_FILE'],
    default: '',
    parse: str,
    doc: 'The institutions one installation serves (schemas/institutions.schema.json; docs/institutions.md). Default `config/institutions.json` when it exists; without it, one institution described by these settings.',
  }),
  setting({
    key: 'copies.file',
    env: ['YADDAS_COPIES_FILE'],
    default: '',
    parse: str,
    doc: 'JSON file that lists the replica stores: further independent copies of the preservation bucket (see docs/copies.md). Empty: `<config folder>/copies.json` when it exists, otherwise none (one copy).',
  }),
  setting({
    key: 'copies.required',
    env: ['YADDAS_COPIES_REQUIRED'],
    default: 0,
    parse: int(0, 100),
    doc: 'How many complete copies (the primary included) an item needs before it counts as fully copied. 0: every configured copy.',
  }),
  setting({
    key: 'audit.days',
    env: ['YADDAS_AUDIT_DAYS'],
    default: 90,
    parse: num(0.01, 3650),
    doc: 'Every object in every copy is audited (each file read and its digests compared with the inventory) at least once in this many days, the audits spread evenly over the period (see docs/copies.md).',
  }),
  setting({
    key: 'audit.mbPerSecond',
    env: ['YADDAS_AUDIT_MB_PER_SECOND'],
    default: 40,
    parse: num(0, 100000),
    doc: 'The most that scheduled audits read, in MB per second, per `audit` worker process, so that audits never starve ingest of storage bandwidth. 0: no limit. Audits asked for with `yaddas audit` are not limited.',
  }),
  setting({
    key: 'audit.sweepMinutes',
    env: ['YADDAS_AUDIT_SWEEP_MINUTES'],
    default: 10,
    parse: num(0.05, 1440),
    doc: "How often the installation's one audit scheduler picks the objects whose audit is due (and writes the audit history to every copy).",
  }),
  setting({
    key: 'audit.repair',
    env: ['YADDAS_AUDIT_REPAIR'],
    default: 'auto' as 'auto' | 'operator',
    parse: oneOf('auto', 'operator'),
    doc: '`auto`: a file that fails its audit is repaired at once from a copy that holds it good. `operator`: it is reported and waits for `yaddas repair ID`.',
  }),
  setting({
    key: 'access.collectionsFile',
    env: ['YADDAS_COLLECTIONS_FILE'],
    default: '',
    parse: str,
    doc: 'JSON file that defines the exhibitions and collections items join through metadata.json (see docs/collections.md). Empty: `<config folder>/collections.json` when it exists, otherwise none.',
  }),
  setting({
    key: 'derive.thumbnailSize',
    env: ['YADDAS_THUMBNAIL_SIZE'],
    default: 320,
    parse: int(32, 2048),
    doc: 'Long edge of thumbnail.jpg in pixels.',
  }),
  setting({
    key: 'derive.accessSize',
    env: ['YADDAS_ACCESS_SIZE'],
    default: 2000,
    parse: int(256, 20_000),
    doc: 'Long edge of access.jpg in pixels (never enlarged).',
  }),
  setting({
    key: 'derive.tileSize',
    env: ['YADDAS_TILE_SIZE'],
    default: 1024,
    parse: int(64, 4096),
    doc: 'IIIF tile size in pixels. 1024 (since issue 14; 512 before) makes a 300-dpi A4 page 23 files instead of 59 and a quarter less CPU; viewers take the size from info.json.',
  }),
  setting({
    key: 'derive.maxFullSize',
    env: ['YADDAS_IIIF_MAX_SIZE'],
    default: 4096,
    parse: int(256, 65_536),
    doc: 'Largest whole-image rendition (IIIF `full/max` and the `sizes` list) in pixels on the long edge; larger images are still zoomable to full resolution through tiles.',
  }),
  setting({
    key: 'derive.jpegQuality',
    env: ['YADDAS_JPEG_QUALITY'],
    default: 85,
    parse: int(30, 100),
    doc: 'JPEG quality of thumbnails, access images and tiles.',
  }),
  setting({
    key: 'ocr.enabled',
    env: ['YADDAS_OCR'],
    default: true,
    parse: bool,
    doc: 'OCR books, periodicals, manuscripts and maps (photographs only when metadata.json names `ocrLanguages`). `false`: no item is OCRed on ingest (`yaddas reocr` still works).',
  }),
  setting({
    key: 'ocr.languages',
    env: ['YADDAS_OCR_LANGUAGES'],
    default: 'aze+rus+eng',
    parse: tesseractLanguages,
    doc: 'OCR languages of items whose metadata.json names neither `ocrLanguages` nor `language`: Tesseract codes joined with `+`. Fewer languages read faster and better.',
  }),
  setting({
    key: 'ocr.tessdataDir',
    env: ['YADDAS_TESSDATA_DIR'],
    default: '',
    parse: str,
    doc: "A folder of `<code>.traineddata` files (plain or .gz) used before the npm packages (@tesseract.js-data/eng, aze) and the system's tessdata (Debian's tesseract-ocr-*). Empty: only those.",
  }),
  setting({
    key: 'ocr.engines',
    env: ['YADDAS_OCR_ENGINES'],
    default: 0,
    parse: int(0, 64),
    doc: 'OCR engines (tesseract.js workers, about 300 MB each) per `ocr` worker process; 0: one per CPU core.',
  }),
  setting({
    key: 'ocr.recycleAfterPages',
    env: ['YADDAS_OCR_RECYCLE_PAGES'],
    default: 100,
    parse: int(1, 100_000),
    doc: 'An engine is replaced by a fresh one after this many pages (tesseract.js grows in memory).',
  }),
  setting({
    key: 'ocr.detectScript',
    env: ['YADDAS_OCR_DETECT_SCRIPT'],
    default: true,
    parse: bool,
    doc: "Detect each page's script and orientation (Tesseract's OSD) before reading it: the page is read only in the item's languages of its script, and upright. `false`: every page in all the item's languages, as scanned.",
  }),
  setting({
    key: 'ocr.minScriptConfidence',
    env: ['YADDAS_OCR_MIN_SCRIPT_CONFIDENCE'],
    default: 0.3,
    parse: num(0, 100),
    doc: "How clearly the page's script must lead the next one (Tesseract's script confidence, where 1 is its own acceptance ratio of 1.3) before the page is read in that script's languages only; below it, in all the item's languages. Cyrillic print shares many letter shapes with Latin: pages of Russian and Azerbaijani Cyrillic in a sans-serif face measured 0.54–2.38 here, every one rightly called Cyrillic; a page read poorly in the wrong script's languages is read again in all of them (`ocr.rereadBelowConfidence`).",
  }),
  setting({
    key: 'ocr.minOrientationConfidence',
    env: ['YADDAS_OCR_MIN_ORIENTATION_CONFIDENCE'],
    default: 5,
    parse: num(0, 1000),
    doc: "Tesseract's orientation confidence from which a page found sideways or upside down is turned upright (for its OCR and its derivatives; the master stays as scanned). Turned pages of the test texts measured 6.7–8.4 in a sans-serif face and 17–33 in a serif one, every orientation right; OCRmyPDF's `--rotate-pages-threshold` defaults to 14, but OCRmyPDF has no second look: here a page that reads poorly the way it was decided (see `ocr.rereadBelowConfidence`) is read the other way too, and the better reading kept.",
  }),
  setting({
    key: 'ocr.rereadBelowConfidence',
    env: ['YADDAS_OCR_REREAD_BELOW_CONFIDENCE'],
    default: 70,
    parse: num(0, 100),
    doc: "A page whose mean word confidence is below this is read again, and the better reading kept: the other way (turned, or as scanned) when detection found it turned; in all the item's languages, when it was read in its script's only (a page mixing scripts, such as a Russian article beside an English one). 0: never.",
  }),
  setting({
    key: 'ocr.pageTimeoutSeconds',
    env: ['YADDAS_OCR_PAGE_TIMEOUT_SECONDS'],
    default: 300,
    parse: int(5, 86_400),
    doc: 'A page whose OCR takes longer (script detection and every reading of it together; each tile of a sheet read in tiles on its own) is stopped (its engine replaced) and recorded as failed; a second reading that would not fit in the time left is not tried.',
  }),
  setting({
    key: 'console.host',
    env: ['YADDAS_CONSOLE_HOST'],
    default: '127.0.0.1',
    parse: nonEmpty,
    doc: 'Address the console (dashboard, `/metrics`, `/health`, `/ready`) listens on. Keep 127.0.0.1 unless a proxy or firewall guards it.',
  }),
  setting({ key: 'console.port', env: ['YADDAS_CONSOLE_PORT'], default: 8088, parse: int(0, 65_535), doc: 'Port of the console.' }),
  setting({
    key: 'console.user',
    env: ['YADDAS_CONSOLE_USER'],
    default: '',
    parse: str,
    doc: 'User name that may change things from the dashboard (retry, clean, pause, re-run). Empty, or no password: the dashboard is read-only.',
  }),
  setting({
    key: 'console.password',
    env: ['YADDAS_CONSOLE_PASSWORD'],
    default: '',
    parse: str,
    secret: true,
    doc: "That user's password (or its hash from `yaddas hash-password`). None is built in. This user is an administrator of every institution.",
  }),
  setting({
    key: 'console.usersFile',
    env: ['YADDAS_USERS_FILE'],
    default: '',
    parse: str,
    doc: 'Staff accounts: logins, scrypt password hashes and a role per institution (schemas/users.schema.json; README, "Staff accounts"). Empty: `<config folder>/users.json` when it exists. With accounts, nothing of the console can be read without logging in.',
  }),
  setting({
    key: 'console.metricsToken',
    env: ['YADDAS_METRICS_TOKEN'],
    default: '',
    parse: str,
    secret: true,
    doc: 'With staff accounts, /metrics answers a request with `Authorization: Bearer <this>` (monitoring) or a logged-in session; without a token, only the session. /health and /ready need nothing.',
  }),
  setting({
    key: 'console.trustProxy',
    env: ['YADDAS_CONSOLE_TRUST_PROXY'],
    default: false,
    parse: bool,
    doc: 'The console is behind a reverse proxy: take the client address and protocol from X-Forwarded-For and X-Forwarded-Proto (logins are limited per real address; cookies are Secure over https). Only when a proxy sets those headers.',
  }),
  setting({
    key: 'console.sessionHours',
    env: ['YADDAS_SESSION_HOURS'],
    default: 12,
    parse: int(1, 720),
    doc: 'How long a console login lasts. Sessions are kept in Redis: they survive a restart of the console and work with several console processes.',
  }),
  setting({
    key: 'console.stuckMinutes',
    env: ['YADDAS_STUCK_MINUTES'],
    default: 30,
    parse: num(0.01, 100_000),
    doc: 'An ingest in flight with no progress (no step started) for this long is flagged as stuck in the dashboard, the CLI and the metrics.',
  }),
  setting({
    key: 'events.maxLength',
    env: ['YADDAS_EVENTS_MAX_LENGTH'],
    default: 1_000_000,
    parse: int(1_000, 1_000_000_000),
    doc: 'About how many events the Redis stream `<prefix>:yd:events` keeps (older ones are trimmed); see docs/events.md.',
  }),
  setting({
    key: 'webhooks.urls',
    env: ['YADDAS_WEBHOOK_URLS'],
    default: [] as string[],
    parse: urlList,
    doc: 'Space- or comma-separated URLs that every `item.published` event is POSTed to (signed when a secret is set). Empty: the event stream only.',
  }),
  setting({
    key: 'webhooks.secret',
    env: ['YADDAS_WEBHOOK_SECRET'],
    default: '',
    parse: str,
    secret: true,
    doc: 'Key of the HMAC-SHA256 signature in `X-Yaddas-Signature` (see docs/events.md). Empty: deliveries are not signed.',
  }),
  setting({
    key: 'webhooks.attempts',
    env: ['YADDAS_WEBHOOK_ATTEMPTS'],
    default: 15,
    parse: int(1, 100),
    doc: 'Delivery attempts per event and webhook (exponential backoff) before the delivery is left failed for an operator.',
  }),
  setting({
    key: 'webhooks.backoffSeconds',
    env: ['YADDAS_WEBHOOK_BACKOFF_SECONDS'],
    default: 5,
    parse: num(0, 3_600),
    doc: 'First delay before a delivery is tried again; it doubles each time (15 attempts from 5 s span about a day).',
  }),
  setting({
    key: 'webhooks.timeoutSeconds',
    env: ['YADDAS_WEBHOOK_TIMEOUT_SECONDS'],
    default: 10,
    parse: num(0.1, 600),
    doc: 'A receiver that has not answered within this is tried again later.',
  }),
  setting({
    key: 'jobs.attempts',
    env: ['YADDAS_JOB_ATTEMPTS'],
    default: 6,
    parse: int(1, 100),
    doc: 'Attempts per job for transient failures (S3 or Redis errors, a stored copy that does not match).',
  }),
  setting({
    key: 'jobs.backoffSeconds',
    env: ['YADDAS_JOB_BACKOFF_SECONDS'],
    default: 5,
    parse: num(0, 3_600),
    doc: 'First retry delay; it doubles on each attempt, with random jitter.',
  }),
  setting({
    key: 'jobs.lockSeconds',
    env: ['YADDAS_JOB_LOCK_SECONDS'],
    default: 30,
    parse: int(2, 3_600),
    doc: 'A running job holds a lock renewed every half of this; a worker killed mid-job lets its job run again after about this long.',
  }),
  setting({
    key: 'concurrency.ingest',
    env: ['YADDAS_CONCURRENCY_INGEST'],
    default: 50,
    parse: int(1, 1_000),
    doc: 'Items orchestrated at once per `ingest` worker process (cheap: they mostly wait).',
  }),
  setting({
    key: 'concurrency.inspect',
    env: ['YADDAS_CONCURRENCY_INSPECT'],
    default: 2,
    parse: int(1, 64),
    doc: 'Files format-identified and decode-checked at once per `inspect` worker process.',
  }),
  setting({
    key: 'concurrency.store',
    env: ['YADDAS_CONCURRENCY_STORE'],
    default: 2,
    parse: int(1, 64),
    doc: 'Masters checksummed, uploaded and read back at once per `store` worker process.',
  }),
  setting({
    key: 'concurrency.commit',
    env: ['YADDAS_CONCURRENCY_COMMIT'],
    default: 4,
    parse: int(1, 64),
    doc: 'OCFL versions written at once per `commit` worker process.',
  }),
  setting({
    key: 'concurrency.derive',
    env: ['YADDAS_CONCURRENCY_DERIVE'],
    default: 1,
    parse: int(1, 64),
    doc: 'Pages derived at once per `derive` worker process (each already uses every core through libvips).',
  }),
  setting({
    key: 'concurrency.text',
    env: ['YADDAS_CONCURRENCY_TEXT'],
    default: 2,
    parse: int(1, 64),
    doc: 'Items whose OCR is kept (OCFL version) and published at once per `text` worker process.',
  }),
  setting({
    key: 'concurrency.pdf',
    env: ['YADDAS_CONCURRENCY_PDF'],
    default: 1,
    parse: int(1, 64),
    doc: 'Searchable PDFs assembled at once per `pdf` worker process (each holds its page images in memory).',
  }),
  setting({
    key: 'concurrency.notify',
    env: ['YADDAS_CONCURRENCY_NOTIFY'],
    default: 8,
    parse: int(1, 256),
    doc: 'Webhook deliveries in flight at once per `notify` worker process.',
  }),
  setting({
    key: 'concurrency.replicate',
    env: ['YADDAS_CONCURRENCY_REPLICATE'],
    default: 2,
    parse: int(1, 64),
    doc: 'Objects copied to replicas at once per `replicate` worker process.',
  }),
  setting({
    key: 'concurrency.audit',
    env: ['YADDAS_CONCURRENCY_AUDIT'],
    default: 2,
    parse: int(1, 64),
    doc: 'Objects audited at once per `audit` worker process (they share its bandwidth limit).',
  }),
  setting({
    key: 'concurrency.release',
    env: ['YADDAS_CONCURRENCY_RELEASE'],
    default: 4,
    parse: int(1, 64),
    doc: 'Items moved to the done or rejected area at once per `release` worker process.',
  }),
  setting({
    key: 'ocfl.userName',
    env: ['YADDAS_OCFL_USER_NAME'],
    default: 'Yaddaş',
    parse: nonEmpty,
    doc: 'Name recorded as the user of each OCFL version.',
  }),
  setting({
    key: 'ocfl.userAddress',
    env: ['YADDAS_OCFL_USER_ADDRESS'],
    default: '',
    parse: (raw) => {
      const r = str(raw);
      if (!r.ok || r.value === '' || /^[a-z][a-z0-9+.-]*:\S+$/i.test(r.value)) return r;
      return fail(`must be a URI such as mailto:digitization@library.az, got ${JSON.stringify(r.value)}`);
    },
    doc: "URI recorded as the user's address in each OCFL version: a mailto: of the unit responsible (e.g. mailto:digitization@library.az) or a URL that names the institution. Empty: the public base URL (`access.publicBaseUrl`), which names this installation.",
  }),
  setting({
    key: 'log.level',
    env: ['YADDAS_LOG_LEVEL'],
    default: 'info',
    parse: oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
    doc: 'Log level.',
  }),
  setting({
    key: 'log.format',
    env: ['YADDAS_LOG_FORMAT'],
    default: 'auto' as 'auto' | 'json' | 'pretty',
    parse: oneOf('auto', 'json', 'pretty'),
    doc: '`json`: pino JSON lines; `pretty`: readable; `auto`: pretty on a terminal, JSON otherwise.',
  }),
] as const;
