/**
 * Taking an item: it leaves the inbox at once (a rename into staging), its structure and
 * metadata.json are checked, and either it is rejected with a REJECTED.txt beside it, or its
 * ingest flow starts. Used by the inbox watcher and by `yaddas ingest PATH` alike.
 */
import type { Language } from '../domain/i18n/index.js';
import { ocrChoice } from '../domain/ocr-languages.js';
import type { MetricsStore } from '../adapters/redis/metrics-store.js';
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs/promises';
import path from 'node:path';
import { copyVerified, exists, listItem, moveEntry, writeFileAtomic } from '../adapters/local-fs.js';
import { ErrorCodes, rejection, type Problem } from '../domain/errors.js';
import { ingestIdTime, isValidItemId, makeIngestId, makeItemId } from '../domain/ids.js';
import type { IngestFile, IngestManifest, SubmissionFixity } from '../domain/item.js';
import { displayTitle, type ItemMetadata, type MetadataResult, parseMetadata, withBagInfo, withDefaults } from '../domain/metadata.js';
import type { Logger } from '../log.js';
import type { Queues } from '../pipeline/queues.js';
import type { StatusStore } from '../adapters/redis/status-store.js';
import { rejectionText, Staging } from '../domain/staging.js';
import { maxNameBytes } from '../storage/name-limits.js';
import { digestFileWith } from '../checksum/digests.js';
import type { ListedEntry } from '../domain/inbox.js';
import { BAG_TAG_FILES, type FixityPlan, planFixity } from './fixity.core.js';
import { type ItemLayout, layoutItem } from './rules.core.js';

const MAX_METADATA_BYTES = 1024 * 1024;
/** A checksum manifest larger than this is not read (a million lines of SHA-512 is 150 MB; 16 MiB holds 100,000). */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** Listed files that are not pages are compared on taking up to this size; larger ones by inspect. */
const CHECK_ON_TAKING_BYTES = 16 * 1024 * 1024;
/** Times taking a staged item may be tried on start-up before it is set aside as failed. */
const MAX_ADMIT_ATTEMPTS = 3;

export interface IntakeDeps {
  stagingDir: string;
  rejectedDir: string;
  markerName: string;
  status: StatusStore;
  queues: Queues;
  log: Logger;
  metrics?: MetricsStore;
  /** OCR on by default, and its default languages (config ocr.*) */
  ocr: { enabled: boolean; languages: string };
  /** what an item may hold (config intake.maxPages), and where its names must fit */
  limits: { maxPages: number; embeddedS3: boolean; areas: string[] };
  now?: () => Date;
  /** the institution whose inbox this is: its id, its id namespace, and what its metadata says by default */
  institution?: {
    id: string;
    namespace: string;
    defaults: { rights?: string; access?: 'open' | 'restricted' };
    /** REJECTED.txt is written in these, first the first */
    languages: readonly Language[];
  };
}

export interface TakeResult {
  ingestId: string;
  itemId: string;
  sourceName: string;
  status: 'queued' | 'rejected';
  problems?: Problem[];
}

export class Intake {
  constructor(private readonly deps: IntakeDeps) {}

  /**
   * Takes one item. `source` is its path (a Buffer when its name is not valid UTF-8); `move`
   * takes it out of the inbox, otherwise it is copied (yaddas ingest PATH leaves the original).
   */
  async take(
    source: string | Buffer,
    name: string,
    how: { move: boolean; via: 'inbox' | 'cli' /** an operator accepted it as the item's new version */; accepted?: boolean },
  ): Promise<TakeResult> {
    const now = (this.deps.now ?? (() => new Date()))();
    const ingestId = makeIngestId(name, now);
    const stagedDir = Staging.folder(this.deps.stagingDir, ingestId);
    await fs.mkdir(stagedDir, { recursive: true });
    const rawName = typeof source === 'string' ? Buffer.from(path.basename(source)) : source.subarray(source.lastIndexOf(0x2f) + 1);
    const dest = Buffer.concat([Buffer.from(`${stagedDir}/`), rawName]);
    // A device, pipe or socket cannot be copied (a pipe would be read until its writer stops, a
    // device for ever): given to `yaddas ingest`, it is rejected from what the original is, and
    // the rejected area gets the report alone. The inbox's own (moved) ones are rejected as staged.
    let uncopyable: Awaited<ReturnType<typeof listItem>> | null = null;
    try {
      if (!how.move) {
        const l = await listItem(source);
        if (l.kind === 'other' || l.entries.some((e) => e.kind === 'other')) uncopyable = l;
      }
      if (how.move) await moveEntry(source, dest);
      else if (!uncopyable) await copyVerified(String(source), dest.toString());
    } catch (err) {
      await fs.rm(stagedDir, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    this.deps.log.info({ ingestId, file: name, via: how.via }, 'item taken from the inbox');
    return this.admit(ingestId, name, dest, now, how.via, how.accepted === true, uncopyable ?? undefined);
  }

  /** Checks a staged item and starts its flow, or rejects it. Re-runnable (crash recovery). */
  private async admit(
    ingestId: string,
    name: string,
    staged: Buffer,
    now: Date,
    via: 'inbox' | 'cli',
    accepted = false,
    /** what the original held, when it could not be copied */
    original?: Awaited<ReturnType<typeof listItem>>,
  ): Promise<TakeResult> {
    const listing = original ?? (await listItem(staged));
    const rawName = staged.subarray(staged.lastIndexOf(0x2f) + 1);
    const nameBadEncoding = !isUtf8(rawName);
    // The structure first (where metadata.json is), then, once the item's id is known, the
    // limits that depend on it: how long a name its object can hold.
    const structure = layoutItem(name, listing.kind, listing.entries, this.deps.markerName, { nameBadEncoding });
    const metadataProblems: Problem[] = [];
    let metadata: ItemMetadata | null = null;
    // metadata.json is read even when the item has other problems, so that the report lists them all.
    const metadataFile = structure.ok
      ? structure.layout.metadataFile
      : !original && listing.kind === 'dir'
        ? listing.entries.find((e) => (e.path === 'metadata.json' || e.path === 'data/metadata.json') && e.kind === 'file')
        : undefined;
    if (metadataFile) {
      const file = path.join(staged.toString(), metadataFile.path);
      const bytes = metadataFile.size > MAX_METADATA_BYTES ? null : await fs.readFile(file);
      const parsed: MetadataResult = bytes ? parseMetadata(bytes) : { ok: false, errors: ['the file is larger than 1 MiB'] };
      if (parsed.ok) metadata = parsed.metadata;
      else {
        for (const e of parsed.errors) {
          metadataProblems.push(
            rejection(
              ErrorCodes.INVALID_METADATA,
              `${e[0]!.toUpperCase()}${e.slice(1)}.`,
              'Correct metadata.json (see docs/metadata.md for its keys), or remove it.',
              metadataFile.path,
              parsed.detail,
            ),
          );
        }
      }
    }
    // The scanner station's checksum manifests (or the bag's): read now, their digests compared
    // before anything is stored. A bag's bag-info.txt may name the item, so this comes before its id.
    const checked = structure.ok ? await this.checkFixity(staged.toString(), structure.layout, listing.entries) : null;
    let fixity: SubmissionFixity | undefined;
    if (structure.ok && checked && (structure.layout.bag || checked.plan.manifests.length > 0)) {
      const bag = structure.layout.bag;
      fixity = { kind: bag ? 'bag' : 'manifests', manifests: checked.plan.manifests };
      if (bag) {
        fixity.bag = { info: checked.plan.bagInfo ?? [], ...(checked.plan.bagVersion ? { version: checked.plan.bagVersion } : {}) };
        // bag-info.txt describes the item where metadata.json is silent (metadata.json wins)
        const merged = withBagInfo(metadata, checked.plan.bagInfo ?? []);
        if (merged.filled.length > 0) {
          metadata = merged.metadata;
          fixity.metadataFromBagInfo = merged.filled;
        }
      }
    }
    // The institution's defaults (rights, access) where the item says nothing.
    const inst = this.deps.institution;
    if (inst) metadata = withDefaults(metadata, inst.defaults);
    // In the institution's namespace: anl:kitab-1 and prezident:kitab-1 are two items.
    const localId = metadata && isValidItemId(metadata.identifier) ? metadata.identifier : makeItemId(name, now);
    const itemId = inst?.namespace ? `${inst.namespace}:${localId}` : localId;
    const takenAt = now.toISOString();
    const limits = {
      pages: this.deps.limits.maxPages,
      nameBytes: maxNameBytes({ objectId: itemId, itemName: name, embeddedS3: this.deps.limits.embeddedS3, areas: this.deps.limits.areas }),
    };
    const laid = layoutItem(name, listing.kind, listing.entries, this.deps.markerName, { nameBadEncoding, limits });
    const problems: Problem[] = [...(laid.ok ? [] : laid.problems), ...metadataProblems, ...(checked?.problems ?? [])];

    // Problems in the structure stop here; problems in metadata.json alone still let the pages
    // be inspected, so that REJECTED.txt lists everything wrong with the item at once.
    if (!laid.ok) {
      const stagedDir = path.dirname(staged.toString());
      await writeFileAtomic(
        path.join(stagedDir, Staging.rejectedReport),
        rejectionText({
          name,
          ingestId,
          at: now,
          problems,
          ...(original ? { copied: false } : {}),
          ...(this.deps.institution ? { languages: this.deps.institution.languages } : {}),
        }),
      );
      const dest = Staging.folder(this.deps.rejectedDir, ingestId);
      await moveEntry(stagedDir, dest);
      await this.deps.status.create({
        ingestId,
        ...(this.deps.institution ? { institution: this.deps.institution.id } : {}),
        itemId,
        sourceName: name,
        status: 'rejected',
        takenAt,
        problems,
        code: problems[0]!.code,
        reason: summarize(problems),
        location: dest,
        finishedAt: takenAt,
      });
      this.deps.log.warn(
        { ingestId, itemId, file: name, code: problems[0]!.code, problems: problems.length },
        `item rejected: ${summarize(problems)}`,
      );
      const named: Record<string, string> = this.deps.institution?.namespace ? { institution: this.deps.institution.id } : {};
      await this.deps.metrics?.inc('items_total', { status: 'rejected', code: problems[0]!.code, ...named }).catch(() => undefined);
      return { ingestId, itemId, sourceName: name, status: 'rejected', problems };
    }

    const layout = laid.layout;
    const prefix = layout.kind === 'folder' ? `${name}/` : '';
    const withExpected = (f: IngestFile, at: string): IngestFile => {
      const e = checked?.plan.expected[at];
      if (!e) return f;
      const later = f.role !== 'page' && f.size > CHECK_ON_TAKING_BYTES;
      return { ...f, expected: e.digests, listedIn: e.listedIn, ...(later ? { checkLater: true } : {}) };
    };
    const files: IngestFile[] = layout.pages.map((p, i) =>
      withExpected({ role: 'page', page: i + 1, path: layout.kind === 'folder' ? prefix + p.path : name, size: p.size }, p.path),
    );
    if (layout.metadataFile)
      files.push(
        withExpected(
          { role: 'metadata', path: prefix + layout.metadataFile.path, size: layout.metadataFile.size },
          layout.metadataFile.path,
        ),
      );
    for (const [i, f] of layout.submission.entries())
      files.push(
        withExpected({ role: 'submission', index: i + 1, path: prefix + f.path, size: f.size, logicalPath: f.logicalPath }, f.path),
      );
    const manifest: IngestManifest = {
      ingestId,
      itemId,
      sourceName: name,
      kind: layout.kind,
      takenAt,
      via,
      files,
      ignored: layout.ignored.map((p) => prefix + p),
      metadata,
      ...(problems.length > 0 ? { problems } : {}),
      maxPages: this.deps.limits.maxPages,
      ...(accepted ? { accepted } : {}),
      ...(fixity ? { fixity } : {}),
      ocr: this.deps.ocr.enabled
        ? ocrChoice(metadata, this.deps.ocr.languages, layout.kind)
        : { run: false, reason: 'OCR is turned off (ocr.enabled, YADDAS_OCR)' },
    };
    await this.start(manifest);
    return { ingestId, itemId, sourceName: name, status: 'queued' };
  }

  /**
   * Reads the item's checksum manifests (and a bag's bagit.txt, bag-info.txt, fetch.txt), checks
   * them against what arrived, and compares the digests of every listed file that is not a page
   * (metadata.json, tag files, other payload): pages are compared by inspect, one job each.
   */
  private async checkFixity(dir: string, layout: ItemLayout, entries: ListedEntry[]): Promise<{ plan: FixityPlan; problems: Problem[] }> {
    if (layout.kind !== 'folder' || (layout.manifests.length === 0 && !layout.bag))
      return { plan: planFixity(layout, [], new Map()), problems: [] };
    const regular = entries.filter((e) => e.kind === 'file' && !e.badEncoding);
    const texts = new Map<string, string>();
    const toRead = [...layout.manifests.map((m) => m.path), ...(layout.bag ? BAG_TAG_FILES : [])];
    for (const p of toRead) {
      const e = regular.find((x) => x.path === p);
      if (!e || e.size > MAX_MANIFEST_BYTES) continue;
      texts.set(p, new TextDecoder('utf-8').decode(await fs.readFile(path.join(dir, p))));
    }
    const plan = planFixity(layout, regular, texts);
    const pages = new Set(layout.pages.map((p) => p.path));
    const problems = [...plan.problems];
    const sizes = new Map(regular.map((e) => [e.path, e.size]));
    for (const [file, e] of Object.entries(plan.expected)) {
      // Pages, and large files beside them, are compared by inspect jobs: taking an item never
      // waits on reading gigabytes, so one big bag does not hold up every item behind it.
      if (pages.has(file) || (sizes.get(file) ?? 0) > CHECK_ON_TAKING_BYTES) continue;
      const got = await digestFileWith(path.join(dir, file), Object.keys(e.digests));
      const wrong = Object.entries(e.digests).find(([a, want]) => got[a] !== want);
      if (wrong)
        problems.push(
          rejection(
            ErrorCodes.CHECKSUM_MISMATCH,
            `The file is not the one listed in ${e.listedIn.join(', ')}: its ${wrong[0].toUpperCase()} is ${got[wrong[0]]}, the list says ${wrong[1]}.`,
            'Copy it again from where the item was made (or make the manifest again if the file is right), then drop the item again.',
            file,
          ),
        );
    }
    return { plan, problems };
  }

  private async start(manifest: IngestManifest): Promise<void> {
    const stagedDir = Staging.folder(this.deps.stagingDir, manifest.ingestId);
    await writeFileAtomic(path.join(stagedDir, Staging.manifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
    await this.deps.status.create({
      ingestId: manifest.ingestId,
      ...(this.deps.institution ? { institution: this.deps.institution.id } : {}),
      itemId: manifest.itemId,
      sourceName: manifest.sourceName,
      status: 'queued',
      files: manifest.files.length,
      pages: manifest.files.filter((f) => f.role === 'page').length,
      ...describe(manifest.metadata),
      takenAt: manifest.takenAt,
      location: stagedDir,
    });
    await this.deps.queues.startIngest(manifest);
    this.deps.log.info({ ingestId: manifest.ingestId, itemId: manifest.itemId, files: manifest.files.length }, 'ingest queued');
  }

  /**
   * After a crash: every staged ingest either has its flow (adding it again is a no-op, the job id
   * being the ingest id) or is admitted again from its staged files.
   */
  /** An item whose taking stopped the intake process every time: failed, kept in staging. */
  private async setAside(ingestId: string, name: string, dir: string): Promise<void> {
    const reason = `Taking this item stopped the intake process ${MAX_ADMIT_ATTEMPTS} times; it is set aside, unaltered, in ${dir}. Tell the operators: the log says what stopped it.`;
    const takenAt = (ingestIdTime(ingestId) ?? new Date()).toISOString();
    await this.deps.status.create({
      ingestId,
      ...(this.deps.institution ? { institution: this.deps.institution.id } : {}),
      itemId: this.deps.institution?.namespace ? `${this.deps.institution.namespace}:${ingestId}` : ingestId,
      sourceName: name,
      status: 'failed',
      code: ErrorCodes.INTERNAL,
      reason,
      takenAt,
      location: dir,
      finishedAt: new Date().toISOString(),
    });
    this.deps.log.error({ ingestId, file: name, location: dir }, `item set aside: ${reason}`);
  }

  async recover(): Promise<number> {
    if (!(await exists(this.deps.stagingDir))) return 0;
    let n = 0;
    for (const ingestId of await fs.readdir(this.deps.stagingDir)) {
      const dir = Staging.folder(this.deps.stagingDir, ingestId);
      try {
        const manifestBytes = await fs.readFile(path.join(dir, Staging.manifestFile)).catch(() => null);
        if (manifestBytes) {
          const manifest = JSON.parse(manifestBytes.toString('utf8')) as IngestManifest;
          const rec = await this.deps.status.get(ingestId);
          if (rec && rec.status !== 'queued' && rec.status !== 'in-progress') continue; // finished (failed items wait for an operator)
          // With a record, only make sure the flow exists (a no-op when it does); without one
          // (Redis lost it), start afresh.
          if (rec) await this.deps.queues.startIngest(manifest);
          else await this.start(manifest);
          n++;
          continue;
        }
        const entries = (await fs.readdir(dir, { encoding: 'buffer' })).filter((b) => b.toString() !== Staging.rejectedReport);
        if (entries.length !== 1) continue;
        const raw = entries[0]!;
        const name = new TextDecoder().decode(raw);
        // Taking an item that stops the intake process every time (whatever in it does that)
        // must not stop every start after it: after a few tries it is set aside as failed.
        const tries = await this.deps.status.countAdmitAttempt(ingestId);
        if (tries > MAX_ADMIT_ATTEMPTS) {
          if (tries === MAX_ADMIT_ATTEMPTS + 1) await this.setAside(ingestId, name, dir);
          continue;
        }
        const staged = Buffer.concat([Buffer.from(`${dir}/`), raw]);
        const when = ingestIdTime(ingestId) ?? new Date();
        await this.admit(ingestId, name, staged, when, 'inbox');
        await this.deps.status.clearAdmitAttempts(ingestId);
        n++;
      } catch (err) {
        this.deps.log.error({ err, ingestId }, 'could not recover a staged ingest; it stays staged');
      }
    }
    return n;
  }
}

/** Title and type for the ingest record, as people read them in the dashboard and the CLI. */
function describe(md: ItemMetadata | null): { title?: string; type?: string } {
  const title = displayTitle(md);
  return { ...(title ? { title } : {}), ...(md?.type ? { type: md.type } : {}) };
}

function summarize(problems: Problem[]): string {
  const first = problems[0]!;
  const one = `${first.file ? `${first.file}: ` : ''}${first.message}`;
  return problems.length === 1 ? one : `${problems.length} problems, first: ${one}`;
}
