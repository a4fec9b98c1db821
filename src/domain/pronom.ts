/**
 * PRONOM format identifiers (PUIDs) of the formats Yaddaş accepts, decided from facts read off a
 * file's bytes (adapters/format-facts.ts) the way DROID's signatures decide them: the more
 * specific format wins over the generic one (GeoTIFF over TIFF, JFIF 1.02 over raw JPEG, PDF/A-2b
 * over PDF 1.7). Checked against DROID signature file v120 (the PUIDs, names and versions below);
 * there is no DROID, siegfried or fido for Debian, so the table is ours, and small on purpose.
 */

/** What the bytes say, per format: read by the adapter, judged here. */
export type FormatFacts =
  | { mime: 'image/tiff'; dngVersion?: string; tiffEp?: boolean; geoTiff?: boolean; exifVersion?: string }
  /** `first`: the first APPn segment after SOI, which DROID's JPEG signatures look at */
  | { mime: 'image/jpeg'; first?: { kind: 'jfif'; version: string } | { kind: 'exif'; version?: string } }
  | { mime: 'image/png'; chunks: string[] }
  | { mime: 'image/webp'; chunk?: string }
  | { mime: 'application/pdf'; version: string; pdfa?: { part: string; conformance: string } };

export interface RegistryFormat {
  /** PRONOM persistent unique identifier, e.g. "fmt/353" */
  puid: string;
  /** PRONOM's name of the format */
  name: string;
  /** PRONOM's version of it, when it has one ("1.02", "2b", "Lossless") */
  version?: string;
  mime: string;
}

const PDF_VERSIONS: Record<string, string> = {
  '1.0': 'fmt/14',
  '1.1': 'fmt/15',
  '1.2': 'fmt/16',
  '1.3': 'fmt/17',
  '1.4': 'fmt/18',
  '1.5': 'fmt/19',
  '1.6': 'fmt/20',
  '1.7': 'fmt/276',
};
const PDFA: Record<string, string> = {
  '1a': 'fmt/95',
  '1b': 'fmt/354',
  '2a': 'fmt/476',
  '2b': 'fmt/477',
  '2u': 'fmt/478',
  '3a': 'fmt/479',
  '3b': 'fmt/480',
  '3u': 'fmt/481',
};
const JFIF: Record<string, string> = { '1.00': 'fmt/42', '1.01': 'fmt/43', '1.02': 'fmt/44' };
/** Exif versions as the ExifVersion tag writes them ("0220"), compressed (JPEG) and uncompressed (TIFF) */
const EXIF_JPEG: Record<string, [string, string]> = {
  '0200': ['x-fmt/398', '2.0'],
  '0210': ['x-fmt/390', '2.1'],
  '0220': ['x-fmt/391', '2.2'],
  '0221': ['fmt/645', '2.2.1'],
};
const EXIF_TIFF: Record<string, [string, string]> = {
  '0200': ['x-fmt/399', '2.0'],
  '0210': ['x-fmt/388', '2.1'],
  '0220': ['x-fmt/387', '2.2'],
};

/** The PUID of a file from its facts; the generic format's when nothing more specific matches. */
export function pronomFormat(f: FormatFacts): RegistryFormat {
  switch (f.mime) {
    case 'image/tiff': {
      const mime = 'image/tiff';
      if (f.dngVersion === '1.1') return { puid: 'fmt/152', name: 'Digital Negative Format (DNG)', version: '1.1', mime };
      if (f.tiffEp) return { puid: 'fmt/154', name: 'Tagged Image File Format for Electronic Photography (TIFF/EP)', mime };
      if (f.geoTiff) return { puid: 'fmt/155', name: 'Geographic Tagged Image File Format (GeoTIFF)', mime };
      const exif = f.exifVersion ? EXIF_TIFF[f.exifVersion] : undefined;
      if (exif) return { puid: exif[0], name: 'Exchangeable Image File Format (Uncompressed)', version: exif[1], mime };
      return { puid: 'fmt/353', name: 'Tagged Image File Format', mime };
    }
    case 'image/jpeg': {
      const mime = 'image/jpeg';
      const first = f.first;
      if (first?.kind === 'jfif' && JFIF[first.version])
        return { puid: JFIF[first.version]!, name: 'JPEG File Interchange Format', version: first.version, mime };
      if (first?.kind === 'exif' && first.version) {
        const exif = EXIF_JPEG[first.version];
        if (exif) return { puid: exif[0], name: 'Exchangeable Image File Format (Compressed)', version: exif[1], mime };
        if (/^023\d$/.test(first.version))
          return { puid: 'fmt/1507', name: 'Exchangeable Image File Format (Compressed)', version: `2.3.${first.version[3]}`, mime };
      }
      return { puid: 'fmt/41', name: 'Raw JPEG Stream', mime };
    }
    case 'image/png': {
      const mime = 'image/png';
      const name = 'Portable Network Graphics';
      if (f.chunks.includes('iTXt')) return { puid: 'fmt/13', name, version: '1.2', mime };
      if (f.chunks.some((c) => c === 'iCCP' || c === 'sRGB' || c === 'sPLT')) return { puid: 'fmt/12', name, version: '1.1', mime };
      return { puid: 'fmt/11', name, version: '1.0', mime };
    }
    case 'image/webp': {
      const mime = 'image/webp';
      if (f.chunk === 'VP8L') return { puid: 'fmt/567', name: 'WebP', version: 'Lossless', mime };
      if (f.chunk === 'VP8X') return { puid: 'fmt/568', name: 'WebP', version: 'Extended', mime };
      return { puid: 'fmt/566', name: 'WebP', version: 'Lossy', mime };
    }
    case 'application/pdf': {
      const mime = 'application/pdf';
      // DROID's PDF/A signatures need a 1.x header: a PDF/A-4 on 2.0 is identified as PDF 2.0.
      if (f.version === '2.0') return { puid: 'fmt/1129', name: 'PDF 2.0 - Portable Document Format', version: '2.0', mime };
      const a = f.pdfa ? PDFA[`${f.pdfa.part}${f.pdfa.conformance.toLowerCase()}`] : undefined;
      if (a && f.pdfa)
        return {
          puid: a,
          name: 'Acrobat PDF/A - Portable Document Format',
          version: `${f.pdfa.part}${f.pdfa.conformance.toLowerCase()}`,
          mime,
        };
      const v = PDF_VERSIONS[f.version];
      if (v) return { puid: v, name: `Acrobat PDF ${f.version} - Portable Document Format`, version: f.version, mime };
      return { puid: 'fmt/276', name: 'Acrobat PDF 1.7 - Portable Document Format', version: '1.7', mime };
    }
  }
}

/** PUIDs of the files Yaddaş itself writes into an object (no byte signature: PRONOM goes by extension). */
export const OWN_FORMATS = {
  json: { puid: 'fmt/817', name: 'JSON Data Interchange Format', mime: 'application/json' },
  xml: { puid: 'fmt/101', name: 'Extensible Markup Language', version: '1.0', mime: 'application/xml' },
  text: { puid: 'x-fmt/111', name: 'Plain Text File', mime: 'text/plain' },
} as const satisfies Record<string, RegistryFormat>;

/** TIFF compression codes (tag 259) by their names in the TIFF 6.0 specification and its registry. */
export const TIFF_COMPRESSION: Record<number, string> = {
  1: 'Uncompressed',
  2: 'CCITT modified Huffman RLE',
  3: 'CCITT Group 3',
  4: 'CCITT Group 4',
  5: 'LZW',
  6: 'JPEG (old-style)',
  7: 'JPEG',
  8: 'Deflate',
  32773: 'PackBits',
  32946: 'Deflate',
  34712: 'JPEG 2000',
  34925: 'LZMA',
  50000: 'Zstandard',
  50001: 'WebP',
};

/**
 * The name an ICC profile gives itself (its 'desc' tag: ASCII in version 2 profiles, UTF-16 in
 * version 4's multi-localized form), e.g. "sRGB IEC61966-2.1" or "Adobe RGB (1998)".
 */
export function iccProfileName(icc: Buffer): string | undefined {
  try {
    return readIccName(icc);
  } catch {
    return undefined; // a damaged profile names nothing; the image itself decoded
  }
}

function readIccName(icc: Buffer): string | undefined {
  if (icc.length < 132) return undefined;
  const count = icc.readUInt32BE(128);
  for (let i = 0; i < count && 132 + i * 12 + 12 <= icc.length; i++) {
    const at = 132 + i * 12;
    if (icc.toString('latin1', at, at + 4) !== 'desc') continue;
    const offset = icc.readUInt32BE(at + 4);
    const size = icc.readUInt32BE(at + 8);
    if (offset + size > icc.length || size < 12) return undefined;
    const type = icc.toString('latin1', offset, offset + 4);
    if (type === 'desc') {
      const n = icc.readUInt32BE(offset + 8);
      return clean(icc.toString('latin1', offset + 12, Math.min(offset + 12 + n, offset + size)));
    }
    if (type === 'mluc') {
      const records = icc.readUInt32BE(offset + 8);
      if (records < 1 || size < 28) return undefined;
      const len = icc.readUInt32BE(offset + 16 + 4);
      const start = offset + icc.readUInt32BE(offset + 16 + 8);
      if (start + len > offset + size || start + len > icc.length || len % 2 !== 0) return undefined;
      return clean(
        Buffer.from(icc.subarray(start, start + len))
          .swap16()
          .toString('utf16le'),
      );
    }
    return undefined;
  }
  return undefined;
}

const clean = (s: string) => printable(s).trim() || undefined;

/**
 * Text with the characters XML 1.0 cannot hold (controls other than tab and line breaks, lone
 * surrogates, U+FFFE/FFFF) removed: names read from file headers, and anything that goes into METS.
 */
export function printable(s: string): string {
  let out = '';
  for (const ch of s) {
    // iterating by code point: a lone surrogate comes as one unit of its own
    const c = ch.codePointAt(0)!;
    const allowed =
      c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
    if (allowed) out += ch;
  }
  return out;
}
