/**
 * The file-system side of intake: scanning the inbox (by polling: file-system events do not cross
 * network shares), listing an item without following links, and moving items between the inbox,
 * staging, done and rejected areas without ever losing a byte.
 */
import { createHash } from 'node:crypto';
import { constants as fsc, createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type EntryKind, type InboxSnapshot, isIgnoredTopLevel, type ListedEntry } from '../domain/inbox.js';
import { READ_CHUNK, digestStream } from '../checksum/digests.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a name read as bytes; invalid UTF-8 cannot be named safely anywhere else. */
function decodeName(raw: Buffer): { name: string; badEncoding: boolean } {
  try {
    return { name: utf8.decode(raw), badEncoding: false };
  } catch {
    return { name: raw.toString('latin1'), badEncoding: true };
  }
}

function kindOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryKind {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  return 'other';
}

/**
 * Lists an item without following symlinks. For a folder: everything inside it (paths relative to
 * it, '/'-separated); for a file: the file itself. Names come back exactly as stored on disk (no
 * Unicode normalization), so an NFD name stays NFD.
 */
export async function listItem(absPath: string | Buffer): Promise<{ kind: EntryKind; entries: ListedEntry[] }> {
  const st = await fs.lstat(absPath);
  const kind = kindOf(st);
  if (kind !== 'dir') {
    const raw = typeof absPath === 'string' ? Buffer.from(path.basename(absPath)) : absPath.subarray(absPath.lastIndexOf(0x2f) + 1);
    const { name, badEncoding } = decodeName(raw);
    const e: ListedEntry = { path: name, kind, size: st.size, mtimeMs: st.mtimeMs };
    if (badEncoding) e.badEncoding = true;
    return { kind, entries: [e] };
  }

  const entries: ListedEntry[] = [];
  async function walk(dir: Buffer, rel: string): Promise<void> {
    const names = await fs.readdir(dir, { encoding: 'buffer' });
    for (const raw of names) {
      const { name, badEncoding } = decodeName(raw);
      const full = Buffer.concat([dir, Buffer.from('/'), raw]);
      const est = await fs.lstat(full);
      const relPath = rel ? `${rel}/${name}` : name;
      const k = kindOf(est);
      const e: ListedEntry = { path: relPath, kind: k, size: est.size, mtimeMs: est.mtimeMs };
      if (badEncoding) e.badEncoding = true;
      entries.push(e);
      if (k === 'dir') await walk(full, relPath);
    }
  }
  await walk(typeof absPath === 'string' ? Buffer.from(absPath) : absPath, '');
  return { kind, entries };
}

/** One scan of the inbox: each top-level entry with a signature that changes whenever it does. */
export async function scanInbox(inbox: string, markerName: string, mode: 'quiet' | 'marker'): Promise<InboxSnapshot[]> {
  const raws = await fs.readdir(inbox, { encoding: 'buffer' });
  const names = raws.map((r) => decodeName(r).name);
  const present = new Set(names);
  const out: InboxSnapshot[] = [];
  for (const raw of raws) {
    const { name } = decodeName(raw);
    if (isIgnoredTopLevel(name, markerName)) continue;
    const abs = Buffer.concat([Buffer.from(inbox), Buffer.from('/'), raw]);
    let listing: Awaited<ReturnType<typeof listItem>>;
    try {
      listing = await listItem(abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // vanished between readdir and lstat
      throw err;
    }
    const h = createHash('sha256');
    h.update(listing.kind);
    for (const e of listing.entries.sort((a, b) => (a.path < b.path ? -1 : 1))) h.update(`\0${e.path}\0${e.kind}\0${e.size}\0${e.mtimeMs}`);
    const marked =
      mode === 'marker' &&
      (listing.kind === 'dir' ? listing.entries.some((e) => e.path === markerName) : present.has(`${name}.${markerName}`));
    out.push({ name, kind: listing.kind, signature: h.digest('hex'), marked, rawName: raw });
  }
  return out;
}

export async function exists(p: string | Buffer): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Copies a file or folder tree exactly (symlinks copied as links, never followed), then checks
 * every regular file of the copy against the original before returning.
 */
export async function copyVerified(src: string, dest: string): Promise<void> {
  // FICLONE: a copy-on-write clone where the file system offers one (btrfs, XFS), a copy elsewhere.
  await fs.cp(src, dest, {
    recursive: true,
    verbatimSymlinks: true,
    dereference: false,
    errorOnExist: true,
    force: false,
    preserveTimestamps: true,
    mode: fsc.COPYFILE_FICLONE,
  });
  const a = await listItem(src);
  const b = await listItem(dest);
  if (a.entries.length !== b.entries.length)
    throw new Error(`copy of ${src} is incomplete: ${b.entries.length} of ${a.entries.length} entries`);
  for (const e of a.entries) {
    if (e.kind !== 'file') continue;
    const sp = a.kind === 'dir' ? path.join(src, e.path) : src;
    const dp = a.kind === 'dir' ? path.join(dest, e.path) : dest;
    // SHA-256 alone: it runs at several hundred MB/s more than SHA-512 on CPUs with SHA
    // extensions, and only has to tell a faithful copy from a damaged one.
    const [x, y] = await Promise.all([sp, dp].map((f) => digestStream(createReadStream(f, { highWaterMark: READ_CHUNK }), ['sha256'])));
    if (x!.bytes !== y!.bytes || x!.digests.sha256 !== y!.digests.sha256) throw new Error(`copy of ${e.path} differs from the original`);
  }
}

/**
 * Moves a file or folder. A rename when both sides are on one file system; across file systems
 * (EXDEV), a verified copy, and only then the original is removed.
 */
export async function moveEntry(src: string | Buffer, dest: string | Buffer): Promise<void> {
  if (typeof dest === 'string') await fs.mkdir(path.dirname(dest), { recursive: true });
  if (await exists(dest)) throw new Error(`cannot move ${String(src)}: ${String(dest)} already exists`);
  try {
    await fs.rename(src, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyVerified(String(src), String(dest));
    await fs.rm(src, { recursive: true, force: false });
  }
}

/** Writes a small file atomically (temp + rename), so a crash never leaves half of it. */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fs.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC, 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
}

/** Creates a working folder, or says which setting names it and why it cannot be made. */
export async function makeFolder(f: { dir: string; variable: string }): Promise<void> {
  try {
    await fs.mkdir(f.dir, { recursive: true });
  } catch (err) {
    throw new Error(
      `cannot create ${f.dir} (${f.variable}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; create it, or set ${f.variable} to a folder Yaddaş may write to`,
    );
  }
}
