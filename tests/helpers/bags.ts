/**
 * BagIt bags and checksum manifests as other tools make them, built by hand from RFC 8493 and
 * coreutils' formats, so that the tests know every byte (nothing here comes from Yaddaş's code).
 */
import { createHash } from 'node:crypto';

const hash = (alg: string, b: Buffer | string) => createHash(alg).update(b).digest('hex');

/** `sha256sum`-style lines: digest, two spaces (or space + '*' for binary mode), name. */
export function sumsFile(alg: string, files: Record<string, Buffer>, binary = false): string {
  return Object.entries(files)
    .map(([name, b]) => `${hash(alg, b)} ${binary ? '*' : ' '}${name}\n`)
    .join('');
}

export interface BagOptions {
  /** payload, by path under data/ */
  payload: Record<string, Buffer | string>;
  algorithms?: string[];
  tagAlgorithms?: string[];
  info?: Array<[string, string]>;
  /** Payload-Oxum as written (default: the true one) */
  oxum?: string;
  /** tag files left out of the tag manifests */
  notInTagManifest?: string[];
  /** payload digests written wrong, by path under data/ */
  wrongDigest?: string[];
}

/** The files of a bag, by path relative to the bag's folder. */
export function makeBag(o: BagOptions): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  const payload = Object.entries(o.payload).map(([p, c]) => [`data/${p}`, Buffer.isBuffer(c) ? c : Buffer.from(c)] as const);
  for (const [p, b] of payload) files[p] = b;
  files['bagit.txt'] = Buffer.from('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  const octets = payload.reduce((n, [, b]) => n + b.length, 0);
  const info: Array<[string, string]> = [...(o.info ?? []), ['Payload-Oxum', o.oxum ?? `${octets}.${payload.length}`]];
  files['bag-info.txt'] = Buffer.from(info.map(([k, v]) => `${k}: ${v}\n`).join(''));
  for (const alg of o.algorithms ?? ['sha512', 'sha256']) {
    files[`manifest-${alg}.txt`] = Buffer.from(
      payload.map(([p, b]) => `${o.wrongDigest?.includes(p.slice(5)) ? hash(alg, 'something else') : hash(alg, b)}  ${p}\n`).join(''),
    );
  }
  const tagFiles = Object.keys(files).filter((p) => !p.startsWith('data/'));
  for (const alg of o.tagAlgorithms ?? ['sha256']) {
    files[`tagmanifest-${alg}.txt`] = Buffer.from(
      tagFiles
        .filter((p) => !o.notInTagManifest?.includes(p))
        .map((p) => `${hash(alg, files[p]!)}  ${p}\n`)
        .join(''),
    );
  }
  return files;
}
