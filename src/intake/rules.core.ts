/**
 * The inbox contract as pure rules: which entries are items, when an item has fully arrived, and
 * what an item's files are. The adapter (inbox.ts) turns the file system into the values here.
 */
import { ErrorCodes, rejection, type Problem } from '../domain/errors.js';
import { naturalCompare } from '../domain/ids.js';
import { type EntryKind, type InboxSnapshot, isIgnoredInside, type ListedEntry } from '../domain/inbox.js';
import { type ManifestKind, manifestKind } from '../domain/fixity-manifest.js';
import { type ItemLimits, NO_LIMITS, nameTooLong, tooManyPages } from '../domain/limits.js';
import { LogicalPaths } from '../storage/ocfl.core.js';

/** Names that cannot be stored or shown safely: control characters, backslashes, dot segments. */
export function unsafeNameReason(name: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this looks for
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains control characters (such as a line break or tab)';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.split('/').some((seg) => seg === '.' || seg === '..' || seg === '')) return 'contains "." or ".." path segments';
  if (Buffer.byteLength(name, 'utf8') > 512) return 'is longer than 512 bytes';
  return undefined;
}

export interface ArrivalState {
  signature: string;
  /** when this signature was first seen */
  since: number;
}

export interface ArrivalRule {
  mode: 'quiet' | 'marker';
  quietMs: number;
}

/**
 * Decides which entries have fully arrived. `state` carries what the previous scans saw; the
 * returned state replaces it. Quiet mode: the signature has not changed for the quiet period.
 * Marker mode: the marker is present and the signature was the same on two scans in a row (the
 * marker may be written a moment before the last file's metadata settles).
 */
export function decideArrivals(
  snapshots: InboxSnapshot[],
  state: ReadonlyMap<string, ArrivalState>,
  now: number,
  rule: ArrivalRule,
): { ready: string[]; state: Map<string, ArrivalState> } {
  const next = new Map<string, ArrivalState>();
  const ready: string[] = [];
  for (const s of snapshots) {
    const prev = state.get(s.name);
    const current = prev && prev.signature === s.signature ? prev : { signature: s.signature, since: now };
    next.set(s.name, current);
    const stable = current === prev;
    if (rule.mode === 'quiet' ? stable && now - current.since >= rule.quietMs : s.marked && stable) ready.push(s.name);
  }
  return { ready: ready.sort(naturalCompare), state: next };
}

/** What an item is made of, once its structure is known to be sound. */
export interface ItemLayout {
  kind: 'folder' | 'file';
  /** masters in page order, paths relative to the item */
  pages: ListedEntry[];
  metadataFile?: ListedEntry;
  /** kept with the item in the done area, not preserved */
  ignored: string[];
  /** preserved as received beside the masters: checksum manifests, a bag's tag files and other payload */
  submission: SubmittedFile[];
  /** the checksum manifests among them, which every file they list is checked against */
  manifests: Array<{ path: string; kind: ManifestKind }>;
  /** the item is a BagIt bag; its pages are the files directly in pageDir ("data/" or "data/masters/") */
  bag?: { pageDir: string };
}

/** A file preserved as received, not as a page: where it is in the item and in the object. */
export interface SubmittedFile {
  path: string;
  size: number;
  logicalPath: string;
}

/**
 * A path kept under submission/ must fit an S3 key (1,024 bytes) with the object's root and
 * version before it (about 200 bytes at most): deep folders in a bag can run past that.
 */
const MAX_SUBMISSION_PATH_BYTES = 800;
function pathTooLong(path: string): Problem | undefined {
  const n = Buffer.byteLength(path, 'utf8');
  if (n <= MAX_SUBMISSION_PATH_BYTES) return undefined;
  return rejection(
    ErrorCodes.NAME_TOO_LONG,
    `The path is ${n} bytes long; files kept beside the masters can have paths of at most ${MAX_SUBMISSION_PATH_BYTES} bytes.`,
    'Shorten the folder names inside the item (or the bag), then drop it again.',
    path,
  );
}

/** The file that makes a folder a BagIt bag (RFC 8493 §2.1.1). */
export const BAG_DECLARATION = 'bagit.txt';

/**
 * Checks an item's structure: the cheap, certain problems found without reading any content.
 * `entries` for a folder item are everything inside it; for a file item, the file alone.
 */
export function layoutItem(
  name: string,
  topKind: EntryKind,
  entries: ListedEntry[],
  markerName: string,
  opts: { nameBadEncoding?: boolean; limits?: ItemLimits } = {},
): { ok: true; layout: ItemLayout } | { ok: false; problems: Problem[] } {
  const limits = opts.limits ?? NO_LIMITS;
  const problems: Problem[] = [];
  const nameProblem = unsafeNameReason(name);
  if (nameProblem || opts.nameBadEncoding || entries.some((e) => e.path === name && e.badEncoding)) {
    problems.push(
      rejection(
        ErrorCodes.UNSAFE_NAME,
        `The name ${nameProblem ?? 'is not valid UTF-8 text'}.`,
        'Rename it using ordinary letters, digits, spaces, dots and dashes, then drop it again.',
      ),
    );
  }
  if (topKind === 'symlink') {
    problems.push(
      rejection(
        ErrorCodes.SYMLINK,
        'This is a symbolic link, not the scan itself.',
        'Copy the real files into the inbox instead of a link to them.',
      ),
    );
    return { ok: false, problems };
  }
  if (topKind === 'other') {
    problems.push(
      rejection(
        ErrorCodes.SPECIAL_FILE,
        'This is not a regular file or folder (a device, pipe or socket).',
        'Only files and folders can be ingested.',
      ),
    );
    return { ok: false, problems };
  }

  if (topKind === 'file') {
    const file = entries[0];
    if (file && file.size === 0)
      problems.push(
        rejection(ErrorCodes.EMPTY_FILE, 'The file is empty (0 bytes).', 'The copy probably failed: copy the scan again.', name),
      );
    const long = nameTooLong(name, limits);
    if (long && !nameProblem) problems.push(long);
    if (problems.length > 0 || !file) return { ok: false, problems };
    return { ok: true, layout: { kind: 'file', pages: [file], ignored: [], submission: [], manifests: [] } };
  }

  const pages: ListedEntry[] = [];
  const ignored: string[] = [];
  const submission: SubmittedFile[] = [];
  const manifests: ItemLayout['manifests'] = [];
  let metadataFile: ListedEntry | undefined;
  // A BagIt bag (bagit.txt at the top) is read by its own rules: its pages are the payload files
  // directly in data/ (or in data/masters/, as Yaddaş exports them); every other payload file and
  // every tag file is preserved beside them under submission/, as received.
  const isBag = entries.some((e) => e.path === BAG_DECLARATION && e.kind === 'file');
  const pageDir = isBag ? (entries.some((e) => e.path === 'data/masters' && e.kind === 'dir') ? 'data/masters/' : 'data/') : '';
  const metadataPath = isBag ? 'data/metadata.json' : 'metadata.json';
  const topNames = entries.filter((e) => !e.path.includes('/') && e.kind === 'file').map((e) => e.path);
  for (const e of entries) {
    if (e.badEncoding) {
      problems.push(
        rejection(
          ErrorCodes.UNSAFE_NAME,
          'A file name is not valid UTF-8 text.',
          'Rename the file using ordinary letters and digits.',
          e.path,
        ),
      );
      continue;
    }
    const reason = unsafeNameReason(e.path);
    if (reason) {
      problems.push(
        rejection(
          ErrorCodes.UNSAFE_NAME,
          `The name ${reason}.`,
          'Rename the file using ordinary letters, digits, spaces, dots and dashes.',
          e.path,
        ),
      );
      continue;
    }
    if (e.kind === 'symlink') {
      problems.push(rejection(ErrorCodes.SYMLINK, 'This is a symbolic link, not a file.', 'Replace the link with the real file.', e.path));
      continue;
    }
    if (e.kind === 'other') {
      problems.push(
        rejection(
          ErrorCodes.SPECIAL_FILE,
          'This is not a regular file (a device, pipe or socket).',
          'Remove it from the item folder: only ordinary files can be preserved.',
          e.path,
        ),
      );
      continue;
    }
    if (e.kind === 'dir') {
      if (!isBag && !isIgnoredInside(e.path, markerName)) {
        problems.push(
          rejection(
            ErrorCodes.NESTED_FOLDER,
            'Folders inside an item are not supported.',
            'Put all page images directly in the item folder, or make each sub-folder an item of its own (a BagIt bag may have folders: it needs its bagit.txt).',
            e.path,
          ),
        );
      }
      continue;
    }
    if (!isBag && e.path.includes('/')) continue; // inside a nested folder, already reported
    if (isIgnoredInside(e.path, markerName) && !(isBag && e.path.startsWith('data/'))) {
      // (in a bag, everything under data/ is payload, whatever its name: its manifests say so)
      ignored.push(e.path);
      continue;
    }
    if (e.path === metadataPath) {
      metadataFile = e;
      continue;
    }
    const inPageDir = e.path.startsWith(pageDir) && !e.path.slice(pageDir.length).includes('/') && !isIgnoredInside(e.path, markerName);
    const kind = isBag ? undefined : manifestKind(e.path, topNames);
    if (!inPageDir || kind) {
      // a tag file, a payload file that is not a page, or a checksum manifest: kept as received
      const long = nameTooLong(e.path, limits) ?? pathTooLong(e.path);
      if (long) {
        problems.push(long);
        continue;
      }
      submission.push({ path: e.path, size: e.size, logicalPath: LogicalPaths.submission(e.path) });
      if (kind) manifests.push({ path: e.path, kind });
      else if (isBag && !e.path.startsWith('data/')) {
        const bagKind = manifestKind(e.path);
        if (bagKind && (bagKind.kind === 'bagit' || bagKind.kind === 'tagmanifest')) manifests.push({ path: e.path, kind: bagKind });
      }
      continue;
    }
    if (e.size === 0) {
      problems.push(
        rejection(ErrorCodes.EMPTY_FILE, 'The file is empty (0 bytes).', 'The copy probably failed: copy this page again.', e.path),
      );
      continue;
    }
    const long = nameTooLong(e.path, limits);
    if (long) {
      problems.push(long);
      continue;
    }
    pages.push(e);
  }
  // A bag of every version (yaddas export --all-versions) carries an OCFL object, not an item:
  // say so rather than that it has no pages.
  if (isBag && entries.some((e) => e.path === 'data/0=ocfl_object_1.1')) {
    return {
      ok: false,
      problems: [
        rejection(
          ErrorCodes.INVALID_BAG,
          'The bag holds a whole OCFL object (every version of an item), not one item to take in.',
          'Give it to an OCFL repository as it is, or export one version of the item (yaddas export ID --bag DIR, or --version vN) and drop that bag here.',
          'data/0=ocfl_object_1.1',
        ),
      ],
    };
  }
  const many = tooManyPages(pages.length, limits);
  if (many) problems.push(many);
  if (pages.length === 0 && problems.length === 0) {
    problems.push(
      rejection(
        ErrorCodes.EMPTY_ITEM,
        isBag ? `The bag holds no page images directly in ${pageDir}.` : 'The folder holds no page images.',
        isBag
          ? "Put the page images directly in the bag's data/ folder (or data/masters/), update its manifests, then drop it again."
          : 'Put the scanned page images in the folder, then drop it again.',
      ),
    );
  }
  if (problems.length > 0) return { ok: false, problems };
  pages.sort((a, b) => naturalCompare(a.path, b.path));
  const layout: ItemLayout = {
    kind: 'folder',
    pages,
    ignored: ignored.sort(naturalCompare),
    submission: submission.sort((a, b) => naturalCompare(a.path, b.path)),
    manifests,
    ...(isBag ? { bag: { pageDir } } : {}),
  };
  if (metadataFile) layout.metadataFile = metadataFile;
  return { ok: true, layout };
}
