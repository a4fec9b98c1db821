/** The values that describe an item on its way through the pipeline. */
import type { FixityAlgorithm } from './fixity-manifest.js';
import type { OcrChoice } from './ocr-languages.js';
import type { RegistryFormat } from './pronom.js';
import type { Digests } from '../checksum/digests.js';
import type { Problem } from './errors.js';
import type { ItemMetadata } from './metadata.js';

/** A file of the item that will be preserved. */
export interface IngestFile {
  /** 'submission': kept as received beside the masters (checksum manifests, a bag's tag files and other payload) */
  role: 'page' | 'metadata' | 'submission';
  /** 1-based page number (pages only) */
  page?: number;
  /** 1-based place among the submission files (their job keys) */
  index?: number;
  /** path relative to the staged item folder (for a single-file item: its name) */
  path: string;
  size: number;
  /** where it goes in the object, when not a master or metadata.json (submission files) */
  logicalPath?: string;
  /** the digests a checksum manifest or bag lists for it: compared before it is stored, and again as it is */
  expected?: Partial<Record<FixityAlgorithm, string>>;
  /** the manifests that list it, relative to the item */
  listedIn?: string[];
  /** a large file that is not a page: its listed digests are compared by an inspect job, not on taking */
  checkLater?: boolean;
}

/** What the item's checksum manifests or bag said, and that every listed digest matched. */
export interface SubmissionFixity {
  /** 'bag': a BagIt bag; 'manifests': checksum files beside the pages */
  kind: 'bag' | 'manifests';
  manifests: Array<{ path: string; algorithm: FixityAlgorithm[]; files: number }>;
  /** a bag's version and bag-info.txt, labels in order */
  bag?: { version?: string; info: Array<[string, string]> };
  /** metadata keys filled from bag-info.txt where metadata.json was silent */
  metadataFromBagInfo?: string[];
}

/**
 * What intake knew when it took an item: written to the staging folder as .yaddas-ingest.json
 * and carried by the ingest job.
 */
export interface IngestManifest {
  ingestId: string;
  itemId: string;
  /** the item's name in the inbox (folder or file name, exactly as dropped) */
  sourceName: string;
  kind: 'folder' | 'file';
  takenAt: string;
  /** 'inbox' (watcher) or 'cli' (yaddas ingest PATH) */
  via: 'inbox' | 'cli';
  files: IngestFile[];
  ignored: string[];
  metadata: ItemMetadata | null;
  /** problems found on taking (in metadata.json) that reject the item once its pages are inspected */
  problems?: Problem[];
  /** whether and in which languages to OCR it, decided on taking (absent: not OCRed) */
  ocr?: OcrChoice;
  /** the most pages it may have, multi-page TIFF pages included (config intake.maxPages when taken) */
  maxPages?: number;
  /** an operator accepted it as the item's new version (yaddas accept): never held */
  accepted?: boolean;
  /** who accepted it (the login that ran yaddas accept), when known */
  acceptedBy?: string;
  /** the scanner station's checksum manifests or the bag it came as (absent: neither) */
  fixity?: SubmissionFixity;
}

/** What a photograph says about itself (EXIF, IPTC, XMP), reduced to what catalogues use. */
export interface EmbeddedMetadata {
  /** make and model */
  camera?: string;
  /** when it was taken, local time as recorded (EXIF has no time zone): "1965-05-12T10:20:30" */
  dateTaken?: string;
  gps?: { latitude: number; longitude: number; altitude?: number };
  title?: string;
  caption?: string;
  creator?: string;
  copyright?: string;
}

/** What the inspect stage learned about one file, by content. */
export interface InspectResult {
  path: string;
  mime: string;
  /** human name of the format, e.g. "TIFF" */
  format: string;
  /** its PRONOM identity (PUID, name, version), from its content */
  registry?: RegistryFormat;
  /** what decoded it whole: libvips (through sharp) or pdf.js, with versions */
  tool?: { name: string; version: string; via?: string };
  /** the application that made it, as the file says (TIFF or Exif Software tag) */
  software?: string;
  image?: {
    width: number;
    height: number;
    pages: number;
    /** bits per sample, when known */
    bitDepth?: number;
    channels: number;
    space: string;
    hasProfile: boolean;
    hasAlpha: boolean;
    orientation?: number;
    /** resolution recorded in the file, pixels per inch (cameras write 72 whatever they saw) */
    density?: number;
    /** how the pixels are compressed ("LZW", "Uncompressed", "JPEG (baseline DCT)") */
    compression?: string;
    /** the embedded ICC profile's own name ("sRGB IEC61966-2.1", "Adobe RGB (1998)") */
    iccProfile?: string;
  };
  /** pdfa: the PDF/A level its XMP claims ("2b"), not verified against ISO 19005 */
  pdf?: { version: string; pages?: number; pdfa?: string };
  embedded?: EmbeddedMetadata;
}

/** A file stored in the object, read back and verified. */
export interface StoreResult {
  path: string;
  logicalPath: string;
  contentPath: string;
  size: number;
  digests: Digests;
  verifiedAt: string;
}

/** 'accepted': a held ingest an operator accepted; it was taken again as a new ingest (its location says which). */
export type ItemStatus = 'queued' | 'in-progress' | 'preserved' | 'rejected' | 'failed' | 'held' | 'accepted';

/**
 * Why an ingest was held instead of becoming the new version: its identifier is that of a stored
 * item which it shares no page with and whose title differs, so it is more likely another book
 * given the wrong identifier than a re-scan. An operator accepts or rejects it.
 */
export interface HeldDetail {
  /** the stored head version it would have replaced */
  headVersion: string;
  headTitle?: string;
  headPages: number;
  /** the held ingest's own */
  title?: string;
  pages: number;
}

export interface Outcome {
  status: 'preserved' | 'rejected' | 'failed' | 'held';
  /** one line in plain words when not preserved */
  reason?: string;
  code?: string;
  problems?: Problem[];
  version?: string;
  objectRoot?: string;
  /** true when the masters were identical to the stored head version (nothing new written) */
  unchanged?: boolean;
  /** status 'held': what it would have replaced */
  held?: HeldDetail;
}
