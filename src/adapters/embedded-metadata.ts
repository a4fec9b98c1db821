/**
 * What a photograph says about itself: EXIF, IPTC and XMP read with exifr, reduced to the few
 * fields a catalogue uses. Embedded metadata is optional and often odd, so reading it never
 * fails a file: what cannot be read is simply absent.
 */
import exifr from 'exifr';
import type { EmbeddedMetadata } from '../domain/item.js';

type Raw = Record<string, unknown>;

/** XMP values come as text, {value, lang} objects, or lists of either. */
function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(text).filter(Boolean).join('; ') || undefined;
  if (typeof v === 'object' && 'value' in (v as Raw)) return text((v as Raw).value);
  return undefined;
}

const first = (...vs: unknown[]) => vs.map(text).find((t) => t !== undefined);

/** "1965:05:12 10:20:30" (EXIF, no time zone) → "1965-05-12T10:20:30". */
function exifDate(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4}):(\d{2}):(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?/.exec(v.trim());
  if (!m || m[1] === '0000') return undefined;
  return m[4] ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` : `${m[1]}-${m[2]}-${m[3]}`;
}

export async function readEmbeddedMetadata(file: string): Promise<EmbeddedMetadata | undefined> {
  let raw: Raw | undefined;
  try {
    raw = (await exifr.parse(file, {
      tiff: true,
      exif: true,
      gps: true,
      iptc: true,
      xmp: true,
      icc: false,
      mergeOutput: true,
      reviveValues: false,
      translateValues: false,
    })) as Raw | undefined;
  } catch {
    return undefined;
  }
  if (!raw) return undefined;
  const out: EmbeddedMetadata = {};
  const camera = [text(raw.Make), text(raw.Model)].filter(Boolean).join(' ');
  if (camera) out.camera = camera;
  const date = exifDate(raw.DateTimeOriginal) ?? exifDate(raw.CreateDate) ?? exifDate(raw.DateTime);
  if (date) out.dateTaken = date;
  if (
    typeof raw.latitude === 'number' &&
    typeof raw.longitude === 'number' &&
    Number.isFinite(raw.latitude) &&
    Number.isFinite(raw.longitude)
  ) {
    out.gps = { latitude: raw.latitude, longitude: raw.longitude };
    if (typeof raw.GPSAltitude === 'number') out.gps.altitude = raw.GPSAltitude;
  }
  const title = first(raw.title, raw.ObjectName, raw.Headline);
  if (title) out.title = title;
  const caption = first(raw.description, raw.Caption, raw['Caption-Abstract'], raw.ImageDescription);
  if (caption) out.caption = caption;
  const creator = first(raw.creator, raw.Byline, raw['By-line'], raw.Artist);
  if (creator) out.creator = creator;
  const copyright = first(raw.rights, raw.CopyrightNotice, raw.Copyright);
  if (copyright) out.copyright = copyright;
  return Object.keys(out).length > 0 ? out : undefined;
}
