/**
 * What the scanner station (or the system that made a BagIt bag) says the item's files are, as
 * pure rules: which digest each file must have, and what is wrong with the manifests or the bag
 * before a byte is read. The digests themselves are compared where the files are read: pages in
 * inspect, everything else on taking.
 */
import { ErrorCodes, rejection, type Problem } from '../domain/errors.js';
import { type FixityAlgorithm, type ManifestKind, parseManifest, parseOxum, parseTagFile } from '../domain/fixity-manifest.js';
import { naturalCompare } from '../domain/ids.js';
import { BAG_DECLARATION, type ItemLayout } from './rules.core.js';

/** The digests one file must have, and the manifests that say so. */
export interface ExpectedDigests {
  digests: Partial<Record<FixityAlgorithm, string>>;
  listedIn: string[];
}

export interface FixityPlan {
  /** by path in the item */
  expected: Record<string, ExpectedDigests>;
  problems: Problem[];
  /** the manifests that were read, for the item record and PREMIS */
  manifests: Array<{ path: string; algorithm: FixityAlgorithm[]; files: number }>;
  /** a bag's bag-info.txt, labels in order as written */
  bagInfo?: Array<[string, string]>;
  bagVersion?: string;
}

/** Tag files a bag's reader needs (bagit.txt, bag-info.txt, fetch.txt): read on taking with the manifests. */
export const BAG_TAG_FILES = [BAG_DECLARATION, 'bag-info.txt', 'fetch.txt'] as const;

const MAX_LISTED_IN_REPORT = 5;

/**
 * Everything the manifests say, checked against what is in the item. `texts` holds each
 * manifest's text (and a bag's tag files) by path; a manifest missing from it was too large to read.
 * `files` are the paths of every regular file in the item, `ignored` the OS litter among them.
 */
export function planFixity(
  layout: ItemLayout,
  regularFiles: ReadonlyArray<{ path: string; size: number }>,
  texts: ReadonlyMap<string, string>,
): FixityPlan {
  const plan: FixityPlan = { expected: {}, problems: [], manifests: [] };
  if (layout.manifests.length === 0 && !layout.bag) return plan;
  const files = regularFiles.map((f) => f.path);
  const present = new Set(files);
  const ignored = new Set(layout.ignored);
  const bad = (code: Problem['code'], message: string, hint: string, file?: string) =>
    plan.problems.push(rejection(code, message, hint, file));

  const listedBy = new Map<string, Set<string>>(); // manifest path -> paths it lists
  for (const m of layout.manifests) {
    const text = texts.get(m.path);
    if (text === undefined) {
      bad(
        ErrorCodes.INVALID_MANIFEST,
        'The checksum manifest is too large to read (over 16 MiB).',
        'Split it, or remove it if it is not a checksum manifest.',
        m.path,
      );
      continue;
    }
    const form = m.kind.kind === 'bagit' || m.kind.kind === 'tagmanifest' ? 'bagit' : m.kind.kind;
    const parsed = parseManifest(text, { form, ...('algorithm' in m.kind && m.kind.algorithm ? { algorithm: m.kind.algorithm } : {}) });
    if (parsed.bad.length > 0) {
      const lines = parsed.bad.slice(0, MAX_LISTED_IN_REPORT).map((b) => `line ${b.line}: ${b.why}`);
      bad(
        ErrorCodes.INVALID_MANIFEST,
        `The checksum manifest has ${parsed.bad.length} line${parsed.bad.length === 1 ? '' : 's'} that cannot be read (${lines.join('; ')}).`,
        'Make the manifest again with the checksum tool (each line a digest and a file name), then drop the item again.',
        m.path,
      );
      continue;
    }
    if (parsed.entries.length === 0) {
      bad(ErrorCodes.INVALID_MANIFEST, 'The checksum manifest lists no files.', 'Make the manifest again, or remove it.', m.path);
      continue;
    }
    const listed = new Set<string>();
    listedBy.set(m.path, listed);
    plan.manifests.push({ path: m.path, algorithm: [...new Set(parsed.entries.map((e) => e.algorithm))], files: parsed.entries.length });
    for (const entry of parsed.entries) {
      const target = resolve(entry.path, m, files);
      if (target === m.path) continue; // a sums file that lists itself cannot be checked
      if (!inScope(target, m.kind, layout)) {
        bad(
          ErrorCodes.INVALID_BAG,
          `It lists "${entry.path}", which ${m.kind.kind === 'bagit' ? "is not in the bag's data/ folder" : 'is a payload file, not a tag file'}.`,
          'Make the bag again with a BagIt tool.',
          m.path,
        );
        continue;
      }
      listed.add(target);
      if (ignored.has(target)) continue; // OS litter such as .DS_Store is neither checked nor kept
      if (!present.has(target)) {
        bad(
          ErrorCodes.LISTED_FILE_MISSING,
          `The file is listed in ${m.path} but is not in the item: it was lost on the way from the scanner station.`,
          'Copy the missing file from the scanner station into the item, then drop it again.',
          target,
        );
        continue;
      }
      const e = plan.expected[target] ?? { digests: {}, listedIn: [] };
      plan.expected[target] = e;
      const before = e.digests[entry.algorithm];
      if (before !== undefined && before !== entry.digest) {
        bad(
          ErrorCodes.INVALID_MANIFEST,
          `Two manifests give this file different ${entry.algorithm.toUpperCase()} digests (${e.listedIn.join(', ')} and ${m.path}).`,
          'Find which one is right at the scanner station, make the manifests again and drop the item again.',
          target,
        );
        continue;
      }
      e.digests[entry.algorithm] = entry.digest;
      if (!e.listedIn.includes(m.path)) e.listedIn.push(m.path);
    }
  }

  if (layout.bag) checkBag(layout, regularFiles, texts, listedBy, plan);
  else if (listedBy.size === layout.manifests.length) {
    // (a page may be listed in a manifest that could not be read: that manifest is the problem)
    // Plain folders: every page must be vouched for by some manifest (metadata.json, often
    // written after scanning, need not be).
    for (const p of layout.pages) {
      if (!plan.expected[p.path] && !plan.problems.some((x) => x.file === p.path)) {
        bad(
          ErrorCodes.UNLISTED_FILE,
          `The page is in no checksum manifest (${layout.manifests.map((m) => m.path).join(', ')}), so it cannot be checked against what the scanner station made.`,
          'Add it to the manifest at the scanner station (or remove the file if it does not belong to the item), then drop the item again.',
          p.path,
        );
      }
    }
  }
  plan.problems.sort((a, b) => naturalCompare(a.file ?? '', b.file ?? ''));
  return plan;
}

/** A manifest line's path as a path in the item: relative to the folder; a bare sidecar digest names its neighbour. */
function resolve(listed: string, m: { path: string; kind: ManifestKind }, files: readonly string[]): string {
  if (m.kind.kind !== 'sidecar' || (listed !== '' && files.includes(listed))) return listed;
  const stem = m.kind.stem;
  if (files.includes(stem)) return stem;
  const near = files.filter((f) => f.startsWith(`${stem}.`) && f !== m.path);
  return near.length === 1 ? near[0]! : listed || stem;
}

function inScope(target: string, kind: ManifestKind, layout: ItemLayout): boolean {
  if (!layout.bag) return true;
  if (kind.kind === 'bagit') return target.startsWith('data/');
  return !target.startsWith('data/');
}

/** RFC 8493's rules for a bag as a whole: its declaration, complete manifests, Payload-Oxum, no fetching. */
function checkBag(
  layout: ItemLayout,
  regularFiles: ReadonlyArray<{ path: string; size: number }>,
  texts: ReadonlyMap<string, string>,
  listedBy: ReadonlyMap<string, ReadonlySet<string>>,
  plan: FixityPlan,
): void {
  const bad = (code: Problem['code'], message: string, hint: string, file?: string) =>
    plan.problems.push(rejection(code, message, hint, file));
  const remake = 'Make the bag again with a BagIt tool (for example bagit-python or bagger), then drop it again.';
  const declaration = parseTagFile(texts.get(BAG_DECLARATION) ?? '');
  const version = declaration.find(([k]) => k === 'BagIt-Version')?.[1];
  const encoding = declaration.find(([k]) => k === 'Tag-File-Character-Encoding')?.[1];
  if (!version || !/^\d+\.\d+$/.test(version) || !encoding) {
    bad(
      ErrorCodes.INVALID_BAG,
      'bagit.txt must say "BagIt-Version: <M.N>" and "Tag-File-Character-Encoding: <encoding>".',
      remake,
      BAG_DECLARATION,
    );
  } else {
    plan.bagVersion = version;
    if (encoding.toUpperCase() !== 'UTF-8')
      bad(
        ErrorCodes.INVALID_BAG,
        `The bag's tag files are in ${encoding}; Yaddaş reads bags whose tag files are UTF-8.`,
        remake,
        BAG_DECLARATION,
      );
  }
  const ignored = new Set(layout.ignored);
  const files = regularFiles.map((f) => f.path);
  const sizes = new Map(regularFiles.map((f) => [f.path, f.size]));
  const payload = files.filter((f) => f.startsWith('data/') && !ignored.has(f));
  // The tag files every tag manifest must list: the bag's own (RFC 8493 only says SHOULD, and
  // every BagIt tool lists them); other tag files a tool added are kept whether listed or not.
  const tagFiles = files.filter(
    (f) => !f.startsWith('data/') && !ignored.has(f) && /^(bagit\.txt|bag-info\.txt|fetch\.txt|manifest-[^/]+\.txt)$/i.test(f),
  );
  const payloadManifests = layout.manifests.filter((m) => m.kind.kind === 'bagit');
  if (payloadManifests.length === 0)
    bad(ErrorCodes.INVALID_BAG, 'The bag has no payload manifest (manifest-sha512.txt, manifest-sha256.txt, …).', remake);
  const unlisted = (paths: string[], m: { path: string }, what: string) => {
    const seen = listedBy.get(m.path);
    if (!seen) return; // unreadable: already reported
    for (const p of paths) {
      if (seen.has(p)) continue;
      bad(
        ErrorCodes.UNLISTED_FILE,
        `The ${what} is not listed in ${m.path}, so it cannot be checked against what the bag's maker wrote.`,
        `Make the bag again, or remove the file if it does not belong to it. ${remake}`,
        p,
      );
    }
  };
  for (const m of payloadManifests) unlisted(payload, m, 'payload file');
  for (const m of layout.manifests.filter((x) => x.kind.kind === 'tagmanifest')) unlisted(tagFiles, m, 'tag file');

  const info = parseTagFile(texts.get('bag-info.txt') ?? '');
  if (texts.has('bag-info.txt')) plan.bagInfo = info;
  const oxum = info.find(([k]) => k === 'Payload-Oxum')?.[1];
  if (oxum !== undefined) {
    const want = parseOxum(oxum);
    const octets = payload.reduce((n, p) => n + (sizes.get(p) ?? 0), 0);
    if (!want) bad(ErrorCodes.INVALID_BAG, `Payload-Oxum "${oxum}" is not "<bytes>.<files>".`, remake, 'bag-info.txt');
    else if (want.files !== payload.length || want.octets !== octets)
      bad(
        ErrorCodes.INVALID_BAG,
        `Payload-Oxum says the payload is ${want.files} file(s) of ${want.octets} bytes; the data/ folder holds ${payload.length} file(s) of ${octets} bytes. The bag is not whole.`,
        'Copy the whole bag from its source again, then drop it again.',
        'bag-info.txt',
      );
  }
  const fetch = texts.get('fetch.txt');
  if (fetch !== undefined && fetch.trim() !== '')
    bad(
      ErrorCodes.INVALID_BAG,
      'The bag lists files to fetch from elsewhere (fetch.txt); Yaddaş fetches nothing from the network.',
      'Complete the bag (bagit-python: --fetch; or fetch the files by hand into data/), remove fetch.txt, then drop it again.',
      'fetch.txt',
    );
}
