/**
 * The item record (item.json inside the OCFL object) and the version it belongs to, as pure
 * values. Built only from the ingest's data, so that a retried commit writes identical bytes.
 */
import { digestBuffer, type Digests } from '../../checksum/digests.js';
import type { HeldDetail, IngestManifest, InspectResult, StoreResult, SubmissionFixity } from '../../domain/item.js';
import type { Withdrawal } from '../../domain/withdrawal.js';
import { displayTitle, type ItemMetadata, sameTitle } from '../../domain/metadata.js';
import type { Target } from '../prepare/prepare.stage.js';
import {
  LogicalPaths,
  READ_BACK_DIGEST,
  contentPathFor,
  nextInventory,
  type Inventory,
  type NextVersion,
  type OcflUser,
  type VersionFile,
} from '../../storage/ocfl.core.js';

export const ITEM_RECORD_FORMAT = 'yaddas-item-record/1';

export interface ItemRecord {
  format: typeof ITEM_RECORD_FORMAT;
  id: string;
  objectId: string;
  /** the institution whose item it is (records written before 2026-12 have none) */
  institution?: string;
  version: string;
  type: string | null;
  ingest: { ingestId: string; sourceName: string; kind: 'folder' | 'file'; via: IngestManifest['via']; takenAt: string; storedAt: string };
  metadata: IngestManifest['metadata'];
  metadataFile: { logicalPath: string; size: number; digests: Digests } | null;
  pages: Array<{
    page: number;
    name: string;
    logicalPath: string;
    size: number;
    /** mime and name as identified; puid, version and registryName from PRONOM (pages stored since issue 12) */
    format: { mime: string; name: string; puid?: string; version?: string; registryName?: string };
    image?: InspectResult['image'];
    pdf?: InspectResult['pdf'];
    /** EXIF / IPTC / XMP, as far as it could be read */
    embedded?: InspectResult['embedded'];
    /** the application that made the file, as the file names it (TIFF or Exif Software) */
    software?: { name: string; version?: string };
    digests: Digests;
  }>;
  ignoredFiles: string[];
  /** files kept as received beside the masters (checksum manifests, a bag's tag files and other payload) */
  submission?: Array<{ path: string; logicalPath: string; size: number; digests: Digests }>;
  /** the scanner station's manifests or the bag the item came as, every listed digest having matched */
  fixity?: SubmissionFixity;
  /** what happened to the object in this ingest (and, after OCR, in its OCR), oldest first */
  events: RecordEvent[];
  /** the events of the versions before this one, each with its version (the whole object's history) */
  history?: Array<RecordEvent & { version: string }>;
  /** who and what acted in the events (software with versions, operators), by id */
  agents?: RecordAgent[];
  /** the item is withdrawn from public view (yaddas withdraw); carried into every later version until reinstated */
  withdrawal?: Withdrawal;
  /** the last reinstatement (yaddas reinstate): when, by whom, the version that recorded it; carried on until a withdrawal */
  reinstatement?: { at: string; by: string; version: string };
  /**
   * a curator's decision on access and rights (yaddas rights): it stands over what a later
   * re-scan's metadata.json says, until a curator decides again
   */
  rightsDecision?: RightsDecision;
}

/** One preservation event, as PREMIS will describe it (docs/mets-profile.md). */
export interface RecordEvent {
  type: string;
  at: string;
  outcome: 'success' | 'warning' | 'failure';
  detail: string;
  /** in words (kept for readers of records written before issue 12) */
  agent: string;
  /** agent ids (RecordAgent.id): the first is the one that did it */
  agents?: string[];
  /** the logical paths it concerns (absent: the version's masters) */
  objects?: string[];
}

export interface RecordAgent {
  id: string;
  name: string;
  version?: string;
  type: 'software' | 'organization' | 'person';
  note?: string;
}

/** What a curator decided: who may see the item, until when, under what rights; who decided, when, in which version. */
export interface RightsDecision {
  access: 'open' | 'restricted' | 'embargoed';
  embargoUntil?: string;
  rights?: string;
  at: string;
  by: string;
  version: string;
}

/** Metadata with a curator's decision on access and rights in place of its own. */
export function withRightsDecision(md: IngestManifest['metadata'], d: RightsDecision): IngestManifest['metadata'] {
  const { access: _a, embargoUntil: _e, rights: _r, ...rest } = md ?? {};
  return {
    ...rest,
    ...(d.access !== 'open' ? { access: d.access } : {}),
    ...(d.embargoUntil ? { embargoUntil: d.embargoUntil } : {}),
    ...(d.rights ? { rights: d.rights } : {}),
  };
}

export function buildItemRecord(
  m: IngestManifest,
  inspected: Record<string, InspectResult>,
  stored: Record<string, StoreResult>,
  t: Target,
  software?: { yaddas: string },
  /** the head version's record, whose events become this one's history */
  head?: ItemRecord | null,
): ItemRecord {
  const pages = m.files
    .filter((f) => f.role === 'page')
    .map((f) => {
      const s = stored[f.path]!;
      const i = inspected[f.path]!;
      const page: ItemRecord['pages'][number] = {
        page: f.page!,
        name: f.path.split('/').pop()!,
        logicalPath: s.logicalPath,
        size: s.size,
        format: {
          mime: i.mime,
          name: i.format,
          ...(i.registry
            ? { puid: i.registry.puid, registryName: i.registry.name, ...(i.registry.version ? { version: i.registry.version } : {}) }
            : {}),
        },
        digests: s.digests,
      };
      if (i.image) page.image = i.image;
      if (i.pdf) page.pdf = i.pdf;
      if (i.embedded) page.embedded = i.embedded;
      if (i.software) page.software = { name: i.software };
      return page;
    });
  const meta = m.files.find((f) => f.role === 'metadata');
  const metaStored = meta ? stored[meta.path] : undefined;
  const agent = 'Yaddaş';
  const submission = m.files
    .filter((f) => f.role === 'submission')
    .map((f) => {
      const st = stored[f.path]!;
      return { path: f.path.slice(f.path.indexOf('/') + 1), logicalPath: st.logicalPath, size: st.size, digests: st.digests };
    });
  const listed = m.files.filter((f) => f.expected);
  const masters = pages.map((p) => p.logicalPath);
  const storedPaths = Object.values(stored)
    .map((x) => x.logicalPath)
    .sort();
  const tools = recordTools(Object.values(inspected));
  const agents: RecordAgent[] = [
    { id: 'yaddas', name: 'Yaddaş', type: 'software', ...(software?.yaddas ? { version: software.yaddas } : {}) },
    ...tools.agents,
  ];
  for (const a of head?.agents ?? []) if (!agents.some((x) => x.id === a.id)) agents.push(a);
  if (m.accepted)
    agents.push({ id: 'operator', name: m.acceptedBy ?? 'an operator', type: 'person', note: 'accepted a held ingest (yaddas accept)' });
  const events: RecordEvent[] = [];
  if (m.fixity)
    events.push({
      type: 'fixity check',
      at: m.takenAt,
      outcome: 'success',
      detail: `${[...new Set(m.fixity.manifests.flatMap((x) => x.algorithm))].map((a) => a.toUpperCase()).join(' and ')} listed in ${m.fixity.manifests.map((x) => x.path).join(', ')}${m.fixity.kind === 'bag' ? ' (a BagIt bag)' : ''} compared with ${listed.length} file(s) as received: all matched`,
      agent,
      agents: ['yaddas'],
      objects: storedPaths.filter((p) => listed.some((f) => stored[f.path]?.logicalPath === p)),
    });
  events.push(
    {
      type: 'format identification',
      at: m.takenAt,
      outcome: 'success',
      detail: `${pages.length} file(s) identified by content${puidSummary(pages)}`,
      agent,
      agents: ['yaddas'],
      objects: masters,
    },
    {
      type: 'validation',
      at: m.takenAt,
      outcome: 'success',
      detail: `every master decoded whole (${tools.validators.join('; ')}): none damaged or truncated`,
      agent,
      agents: ['yaddas', ...tools.agents.map((a) => a.id)],
      objects: masters,
    },
    {
      type: 'message digest calculation',
      at: t.created,
      outcome: 'success',
      detail: 'SHA-512, SHA-256 and MD5 computed in one pass over each file',
      agent,
      agents: ['yaddas'],
      objects: storedPaths,
    },
    {
      type: 'fixity check',
      at: t.created,
      outcome: 'success',
      detail: `every master and metadata.json read back from storage; its ${READ_BACK_DIGEST.name} matched the one computed from the original`,
      agent,
      agents: ['yaddas'],
      objects: storedPaths,
    },
    {
      type: 'ingestion',
      at: t.created,
      outcome: 'success',
      detail: `stored as OCFL object ${t.objectId} ${t.version}${m.accepted ? ' (a held ingest an operator accepted)' : ''}`,
      agent,
      agents: m.accepted ? ['yaddas', 'operator'] : ['yaddas'],
      objects: storedPaths,
    },
  );
  return {
    format: ITEM_RECORD_FORMAT,
    id: m.itemId,
    objectId: t.objectId,
    version: t.version,
    type: m.metadata?.type ?? null,
    ingest: { ingestId: m.ingestId, sourceName: m.sourceName, kind: m.kind, via: m.via, takenAt: m.takenAt, storedAt: t.created },
    // A curator's decision on access and rights outlives a re-scan's metadata.json.
    metadata: head?.rightsDecision ? withRightsDecision(m.metadata, head.rightsDecision) : m.metadata,
    metadataFile: metaStored ? { logicalPath: metaStored.logicalPath, size: metaStored.size, digests: metaStored.digests } : null,
    pages,
    ignoredFiles: m.ignored,
    ...(submission.length > 0 ? { submission } : {}),
    ...(m.fixity ? { fixity: m.fixity } : {}),
    ...(head ? { history: historyOf(head) } : {}),
    // A re-scan of a withdrawn item stays withdrawn: only a person reinstates it.
    ...(head?.withdrawal ? { withdrawal: head.withdrawal } : {}),
    ...(head?.reinstatement ? { reinstatement: head.reinstatement } : {}),
    ...(head?.rightsDecision ? { rightsDecision: head.rightsDecision } : {}),
    events,
    agents,
  };
}

/** The events of a record's version and of the versions before it, each once. */
export function historyOf(r: ItemRecord): NonNullable<ItemRecord['history']> {
  const out = [...(r.history ?? [])];
  const seen = new Set(out.map((e) => `${e.type}\u0000${e.at}\u0000${e.detail}`));
  for (const e of r.events) {
    const key = `${e.type}\u0000${e.at}\u0000${e.detail}`;
    if (!seen.has(key)) out.push({ ...e, version: r.version });
    seen.add(key);
  }
  return out;
}

/** The decoders that checked the masters, as agents and in words. */
function recordTools(inspected: InspectResult[]): { agents: RecordAgent[]; validators: string[] } {
  const agents = new Map<string, RecordAgent>();
  for (const i of inspected) {
    if (!i.tool) continue;
    const id = i.tool.name === 'pdf.js' ? 'pdfjs' : 'libvips';
    if (!agents.has(id))
      agents.set(id, {
        id,
        name: i.tool.name,
        version: i.tool.version,
        type: 'software',
        ...(i.tool.via ? { note: `through ${i.tool.via}` } : {}),
      });
  }
  const validators = [...agents.values()].map((a) => `${a.name} ${a.version ?? ''}${a.note ? ` ${a.note}` : ''}`.trim());
  return { agents: [...agents.values()], validators: validators.length > 0 ? validators : ['decoded by the inspect stage'] };
}

/** " as fmt/353 ×3, fmt/43 ×1": the PRONOM identities found, for the record's event. */
function puidSummary(pages: ItemRecord['pages']): string {
  const n = new Map<string, number>();
  for (const p of pages) if (p.format.puid) n.set(p.format.puid, (n.get(p.format.puid) ?? 0) + 1);
  return n.size === 0 ? '' : ` as ${[...n].map(([puid, k]) => `${puid} ×${k}`).join(', ')} (PRONOM)`;
}

/** The next version: masters, metadata.json as received, and the item record. */
export function planVersion(
  prev: Inventory | null,
  m: IngestManifest,
  stored: Record<string, StoreResult>,
  t: Target,
  /** the version's own files, uploaded by the commit: the item record, then its METS */
  own: Buffer | Array<{ logicalPath: string; body: Buffer }>,
  user: OcflUser,
): NextVersion {
  const files: VersionFile[] = Object.values(stored)
    .sort((a, b) => (a.logicalPath < b.logicalPath ? -1 : 1))
    .map((s) => ({ logicalPath: s.logicalPath, digests: s.digests, uploadedContentPath: s.contentPath }));
  // The record (and METS) are uploaded by the commit itself, so they have no uploadedContentPath yet.
  for (const o of Buffer.isBuffer(own) ? [{ logicalPath: LogicalPaths.itemRecord, body: own }] : own)
    files.push({ logicalPath: o.logicalPath, digests: digestBuffer(o.body) });
  return nextInventory(prev, {
    id: t.objectId,
    files,
    created: t.created,
    message: `Ingest ${m.ingestId} of "${m.sourceName}"`,
    user,
    // What an ingest brings decides whether it is new: the masters and metadata.json. The head's
    // item record and the OCR a later step added to it are not in a re-scan, so they cannot count.
    compared: ingestDecides,
  });
}

/**
 * Whether a new version would more likely be another item given this identifier by mistake than a
 * re-scan: it shares no master with the head version and its title differs. Such an ingest is
 * held for an operator (yaddas accept / reject) rather than silently becoming the current
 * version. A re-scan that keeps any page, an item whose metadata.json says `"replaces": true`,
 * and one an operator accepted are never held. The reason is in the returned detail.
 */
export function mistakenReuse(
  head: Inventory,
  headRecord: { metadata?: ItemMetadata | null } | null,
  m: IngestManifest,
  stored: Record<string, StoreResult>,
): HeldDetail | null {
  if (m.accepted || m.metadata?.replaces === true) return null;
  const headMasters = Object.entries(head.versions[head.head]?.state ?? {}).filter(([, paths]) =>
    paths.some((p) => p.startsWith(LogicalPaths.master(''))),
  );
  const headDigests = new Set(headMasters.map(([d]) => d));
  const incoming = Object.values(stored).filter((s) => s.logicalPath.startsWith(LogicalPaths.master('')));
  if (headDigests.size === 0 || incoming.some((s) => headDigests.has(s.digests.sha512))) return null;
  if (sameTitle(m.metadata?.title, headRecord?.metadata?.title ?? undefined)) return null;
  const headTitle = displayTitle(headRecord?.metadata);
  const title = displayTitle(m.metadata);
  return {
    headVersion: head.head,
    headPages: headMasters.reduce((n, [, paths]) => n + paths.filter((p) => p.startsWith(LogicalPaths.master(''))).length, 0),
    pages: incoming.length,
    ...(headTitle ? { headTitle } : {}),
    ...(title ? { title } : {}),
  };
}

/** The held ingest's reason, in words an operator acts on. */
export function heldReason(itemId: string, ingestId: string, h: HeldDetail): string {
  const what = (title: string | undefined, pages: number) =>
    `${title ? `"${title}"` : 'no title'}, ${pages} page file${pages === 1 ? '' : 's'}`;
  return (
    `held: identifier "${itemId}" already used by a different item. This ingest (${what(h.title, h.pages)}) shares no page with the stored ${h.headVersion} (${what(h.headTitle, h.headPages)}). ` +
    `If it is a new scan of that item, run \`yaddas accept ${ingestId}\`; if the identifier is wrong, run \`yaddas reject ${ingestId}\`, correct metadata.json and drop it into the inbox again.`
  );
}

/** The logical paths that an ingest supplies (masters, metadata.json, submission files), the ones a re-scan is compared on. */
export const ingestDecides = (logicalPath: string): boolean =>
  logicalPath.startsWith(LogicalPaths.master('')) ||
  logicalPath === LogicalPaths.metadata ||
  // what came with the masters: a corrected bag-info.txt (title, date) or manifest is news
  logicalPath.startsWith(LogicalPaths.submission(''));

/** Whether an inventory's head version was written by this ingest (a retried commit). */
export const writtenBy = (inv: Inventory, ingestId: string): boolean =>
  (inv.versions[inv.head]?.message ?? '').startsWith(`Ingest ${ingestId} `);

export const recordContentPath = (version: string) => contentPathFor(version, LogicalPaths.itemRecord);
