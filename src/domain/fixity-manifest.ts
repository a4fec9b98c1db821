/**
 * Checksum manifests as scanner stations and bagging tools write them, read as pure values: which
 * file names are manifests, and what digests their lines list. Three line forms are understood,
 * because all three are common at capture stations:
 *   - GNU coreutils (`sha256sum`, `md5sum`): `<hex>  name` or `<hex> *name` (binary mode), with a
 *     leading backslash when the name carries an escaped newline or backslash;
 *   - BSD tags (`shasum --tag`, macOS `md5`): `SHA256 (name) = <hex>`;
 *   - BagIt (RFC 8493 §2.1.3): `<hex><whitespace>path`, with CR, LF and % percent-encoded.
 * A sidecar (`0001.tif.md5` beside `0001.tif`) may hold the digest alone.
 */

export type FixityAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';
export const FIXITY_ALGORITHMS: readonly FixityAlgorithm[] = ['sha512', 'sha256', 'sha1', 'md5'];

/** Hex length of each algorithm's digest: how a manifest named without its algorithm is read. */
const HEX_LENGTH: Record<FixityAlgorithm, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };
const BY_LENGTH = new Map<number, FixityAlgorithm>(Object.entries(HEX_LENGTH).map(([a, n]) => [n, a as FixityAlgorithm]));

/** How a manifest's algorithm is written in names and BSD tags: "SHA256", "sha-256", "md5". */
function algorithmOf(word: string): FixityAlgorithm | undefined {
  const w = word.toLowerCase().replace(/-/g, '');
  return (FIXITY_ALGORITHMS as readonly string[]).includes(w) ? (w as FixityAlgorithm) : undefined;
}

export type ManifestKind =
  /** BagIt `manifest-<alg>.txt` */
  | { kind: 'bagit'; algorithm: FixityAlgorithm }
  /** BagIt `tagmanifest-<alg>.txt` */
  | { kind: 'tagmanifest'; algorithm: FixityAlgorithm }
  /** a sums file listing several files: `checksums.md5`, `SHA256SUMS`, `kitab.sha256` */
  | { kind: 'sums'; algorithm?: FixityAlgorithm }
  /** a digest file for one file beside it: `0001.tif.md5` (or `0001.md5` beside `0001.tif`) */
  | { kind: 'sidecar'; algorithm: FixityAlgorithm; stem: string };

const ALG = '(md5|sha1|sha-?256|sha-?512)';

/**
 * Whether a file name in an item folder is a checksum manifest, and which kind. `siblings` are the
 * other names in the folder: `X.md5` is a sidecar when a file `X` (or one named `X.<ext>`) is there.
 */
export function manifestKind(name: string, siblings: readonly string[] = []): ManifestKind | undefined {
  let m = new RegExp(`^manifest-${ALG}\\.txt$`, 'i').exec(name);
  if (m) return { kind: 'bagit', algorithm: algorithmOf(m[1]!)! };
  m = new RegExp(`^tagmanifest-${ALG}\\.txt$`, 'i').exec(name);
  if (m) return { kind: 'tagmanifest', algorithm: algorithmOf(m[1]!)! };
  // SHA256SUMS, md5sum.txt, sha512sums, MD5.txt
  m = new RegExp(`^${ALG}(sums?)?(\\.txt)?$`, 'i').exec(name);
  if (m) return { kind: 'sums', algorithm: algorithmOf(m[1]!)! };
  // checksums.txt, checksum, CHECKSUMS (the algorithm is read from each digest's length)
  if (/^checksums?(\.txt)?$/i.test(name)) return { kind: 'sums' };
  m = new RegExp(`^(.+)\\.${ALG}$`, 'i').exec(name);
  if (m) {
    const stem = m[1]!;
    const algorithm = algorithmOf(m[2]!)!;
    const others = siblings.filter((s) => s !== name);
    // "0001.tif.md5" names its file even when that file is missing (then it is reported missing);
    // "0001.md5" is a sidecar when a "0001.<ext>" is beside it, otherwise a sums file like "kitab.md5".
    const namesFile = /\.[A-Za-z0-9]{1,5}$/.test(stem);
    if (namesFile || others.includes(stem) || others.some((s) => s.startsWith(`${stem}.`) && !manifestKind(s)))
      return { kind: 'sidecar', algorithm, stem };
    return { kind: 'sums', algorithm };
  }
  return undefined;
}

export interface ManifestLine {
  /** the path as listed, '/'-separated, without a leading "./" */
  path: string;
  algorithm: FixityAlgorithm;
  /** lowercase hex */
  digest: string;
}

export interface ParsedManifest {
  entries: ManifestLine[];
  /** lines that are none of the forms above, or whose digest has the wrong length: 1-based numbers */
  bad: Array<{ line: number; text: string; why: string }>;
}

/** BagIt's percent-encoding of CR, LF and % in manifest paths (RFC 8493 §2.1.3). */
const bagitDecode = (p: string) => p.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%25/g, '%');

/** coreutils escapes a name holding "\\" or a newline and marks the line with a leading backslash. */
const coreutilsDecode = (p: string) => p.replace(/\\(\\|n|r)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));

const cleanPath = (p: string) => p.replace(/^\.\//, '');

/**
 * Reads a manifest's text. `algorithm` is the one its name says; without it, each line's digest
 * length decides. `form` 'bagit' reads paths with BagIt's encoding, anything else as sums files.
 */
export function parseManifest(text: string, opts: { algorithm?: FixityAlgorithm; form: 'bagit' | 'sums' | 'sidecar' }): ParsedManifest {
  const entries: ManifestLine[] = [];
  const bad: ParsedManifest['bad'] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trimEnd();
    if (line.trim() === '' || (opts.form !== 'bagit' && line.startsWith('#'))) continue;
    const fail = (why: string) => bad.push({ line: i + 1, text: line.slice(0, 200), why });
    let digest: string;
    let listed: string;
    let tagged: FixityAlgorithm | undefined;
    const bsd = /^(MD5|SHA1|SHA-?256|SHA-?512) ?\((.+)\) ?= ?([0-9A-Fa-f]+)$/i.exec(line);
    if (bsd && opts.form !== 'bagit') {
      tagged = algorithmOf(bsd[1]!);
      listed = bsd[2]!;
      digest = bsd[3]!;
    } else if (opts.form === 'bagit') {
      const m = /^([0-9A-Fa-f]+)[ \t]+(.+)$/.exec(line);
      if (!m) {
        fail('not "<digest> <path>"');
        continue;
      }
      digest = m[1]!;
      listed = bagitDecode(m[2]!);
    } else {
      const escaped = line.startsWith('\\');
      const body = escaped ? line.slice(1) : line;
      const m = /^([0-9A-Fa-f]+)(?:[ \t]+\*?(.*))?$/.exec(body);
      if (!m) {
        fail('not "<digest>  <file name>"');
        continue;
      }
      digest = m[1]!;
      listed = m[2] ?? '';
      if (listed === '' && opts.form !== 'sidecar') {
        fail('no file name after the digest');
        continue;
      }
      listed = escaped ? coreutilsDecode(listed) : listed.replace(/\\/g, '/');
    }
    const algorithm = tagged ?? opts.algorithm ?? BY_LENGTH.get(digest.length);
    if (!algorithm) {
      fail(`a digest of ${digest.length} hex digits is none of MD5, SHA-1, SHA-256, SHA-512`);
      continue;
    }
    if (digest.length !== HEX_LENGTH[algorithm]) {
      fail(`a ${algorithm.toUpperCase()} digest has ${HEX_LENGTH[algorithm]} hex digits, this one ${digest.length}`);
      continue;
    }
    entries.push({ path: cleanPath(listed), algorithm, digest: digest.toLowerCase() });
  }
  return { entries, bad };
}

/** A digest as a manifest line, BagIt form: `<hex>  <path>` with CR, LF and % encoded. */
export function bagitLine(digest: string, path: string): string {
  return `${digest}  ${path.replace(/%/g, '%25').replace(/\n/g, '%0A').replace(/\r/g, '%0D')}\n`;
}

/** BagIt's tag file form (bag-info.txt): `Label: value` lines, a value continued on lines that start with white space. */
export function parseTagFile(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    if (raw === '') continue;
    if (/^[ \t]/.test(raw) && out.length > 0) {
      const last = out[out.length - 1]!;
      last[1] = `${last[1]} ${raw.trim()}`;
      continue;
    }
    const at = raw.indexOf(':');
    if (at <= 0) continue;
    out.push([raw.slice(0, at).trim(), raw.slice(at + 1).trim()]);
  }
  return out;
}

/** Payload-Oxum: "<octets>.<files>" (RFC 8493 §2.2.2). */
export function parseOxum(value: string): { octets: number; files: number } | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(value.trim());
  return m ? { octets: Number(m[1]), files: Number(m[2]) } : undefined;
}
