/**
 * The inbox contract's vocabulary (docs: README, "The inbox"): what a scan of the inbox sees, and
 * which names are not items or not masters. The rules that decide arrivals and an item's layout
 * are in intake/rules.core.ts; the file system is read by adapters/local-fs.ts.
 */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

/** One file-system entry inside an item, as listed without following symlinks. */
export interface ListedEntry {
  /** path relative to the item folder, '/'-separated; for a single-file item, its name */
  path: string;
  kind: EntryKind;
  size: number;
  mtimeMs: number;
  /** the name's bytes were not valid UTF-8 (it cannot be named safely anywhere else) */
  badEncoding?: boolean;
}

/** A top-level inbox entry as one scan saw it. */
export interface InboxSnapshot {
  name: string;
  kind: EntryKind;
  /** changes whenever anything inside changes: names, sizes, times */
  signature: string;
  /** marker mode: the marker for this item is present */
  marked: boolean;
  /** the name's bytes as on disk (names that are not valid UTF-8 can only be reached this way) */
  rawName?: Buffer;
}

const JUNK = new Set(['.ds_store', 'thumbs.db', 'desktop.ini', 'ehthumbs.db']);

/**
 * Top-level entries that are not items: hidden or temporary names that copy tools use while a
 * transfer is under way (rsync's ".name.XyZ12", Office's "~$name"), and single-file markers.
 */
export function isIgnoredTopLevel(name: string, markerName: string): boolean {
  return name.startsWith('.') || name.startsWith('~') || name.endsWith(`.${markerName}`);
}

/** Files inside an item that are kept with it but are not masters (OS litter, the marker). */
export function isIgnoredInside(name: string, markerName: string): boolean {
  const base = name.split('/').pop()!;
  return base.startsWith('.') || base.startsWith('~$') || JUNK.has(base.toLowerCase()) || base === markerName;
}
