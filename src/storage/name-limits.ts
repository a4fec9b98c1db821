/**
 * How long a page's file name may be, so that every place it will be kept can hold it: found at
 * intake, rather than by a storage service failing (or crashing) later. A master is kept
 *   - in the preservation bucket under `<object root>/v<N>/content/masters/<name>`: S3 keys are at
 *     most 1024 bytes, and services that keep objects as files (MinIO, the embedded s3rver) hold
 *     each segment as a file name, at most 255 bytes; s3rver adds `._S3rver_metadata.json` to it;
 *   - on local disk under the staging, done and rejected areas: `<area>/<ingest id>/<item>/<name>`,
 *     at most 4095 bytes.
 */
import { objectRootPath } from './ocfl.core.js';

/** What s3rver appends to a key's last segment for its own files (the longest of them). */
export const EMBEDDED_S3_SUFFIX = '._S3rver_metadata.json';
const SEGMENT_BYTES = 255;
const KEY_BYTES = 1024;
const PATH_BYTES = 4095;
/** Room for the version directory of any version an object will have, `v999999`. */
const VERSION_ROOM = 'v999999';
/** Room for an ingest id (`20261123T102233Z-<slug of up to 32>-<6 hex>`). */
const INGEST_ID_ROOM = 64;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export interface NameLimitInput {
  objectId: string;
  /** the item's name in the inbox (its folder's, or the single file's) */
  itemName: string;
  /** the embedded S3 server keeps this installation's objects */
  embeddedS3: boolean;
  /** the staging, done and rejected areas */
  areas: string[];
}

/** The longest master file name, in UTF-8 bytes, that every place can hold for this item. */
export function maxNameBytes(o: NameLimitInput): number {
  const segment = SEGMENT_BYTES - (o.embeddedS3 ? bytes(EMBEDDED_S3_SUFFIX) : 0);
  const key = KEY_BYTES - bytes(`${objectRootPath(o.objectId)}/${VERSION_ROOM}/content/masters/`);
  const local = Math.min(...o.areas.map((a) => PATH_BYTES - bytes(a) - 1 - INGEST_ID_ROOM - 1 - bytes(o.itemName) - 1));
  return Math.min(segment, key, local);
}
