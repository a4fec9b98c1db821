/**
 * The access bucket's layout (docs/storage-layout.md), the one place its keys are built. Everything
 * a viewer or a website reads is under `items/{id}/` and `collections/`; `{nnnn}` is the 1-based view
 * number in four digits. Public URLs are the configured public base URL and the key.
 */
import { pageKey, splitItemId } from '../domain/ids.js';

/**
 * An item's own files. Keys are relative to its institution's access location (its own bucket
 * or prefix), so they name the item by its id inside its namespace: anl:kitab-1 is at
 * `items/kitab-1/` in the National Library's location.
 */
export function itemKeys(itemId: string) {
  const prefix = `items/${splitItemId(itemId).local}/`;
  return {
    prefix,
    /** item.json: the record catalogues and search indexes read */
    item: `${prefix}item.json`,
    /** the IIIF Presentation 3 manifest */
    manifest: `${prefix}manifest.json`,
    /** the searchable PDF */
    pdf: `${prefix}document.pdf`,
    /** the full text, pages separated by form feeds */
    text: `${prefix}text.txt`,
    /** the METS of the preservation object's head version, as stored (docs/mets-profile.md) */
    mets: `${prefix}mets.xml`,
    /** the folder that holds one folder per view */
    pages: `${prefix}pages/`,
  };
}

/** The names of a view's files inside its folder (the derivatives are made under these names). */
export const PAGE_FILES = {
  thumbnail: 'thumbnail.jpg',
  access: 'access.jpg',
  /** the IIIF level-0 image: info.json, tiles, sizes, full/max */
  iiif: 'iiif',
  ocrText: 'ocr.txt',
  hocr: 'ocr.hocr',
  alto: 'ocr.alto.xml',
  /** what derive made, from which master, turned how, with which settings (written last: `yaddas reocr` keeps derivatives it describes) */
  derived: 'derived.json',
} as const;

/** One view's files: derivatives, IIIF level-0 image, OCR. */
export function pageKeys(itemId: string, page: number) {
  const prefix = `${itemKeys(itemId).pages}${pageKey(page)}`;
  return {
    prefix,
    /** the view's folder, as a listing of `itemKeys(id).pages` names it */
    folder: `${prefix}/`,
    thumbnail: `${prefix}/${PAGE_FILES.thumbnail}`,
    access: `${prefix}/${PAGE_FILES.access}`,
    iiif: `${prefix}/${PAGE_FILES.iiif}`,
    info: `${prefix}/${PAGE_FILES.iiif}/info.json`,
    ocrText: `${prefix}/${PAGE_FILES.ocrText}`,
    hocr: `${prefix}/${PAGE_FILES.hocr}`,
    alto: `${prefix}/${PAGE_FILES.alto}`,
    derived: `${prefix}/${PAGE_FILES.derived}`,
  };
}

/** The IIIF Collection of one exhibition or collection. */
export const collectionKey = (slug: string): string => `collections/${slug}/collection.json`;
/** The collection of all collections. */
export const ROOT_COLLECTION_KEY = 'collections/collection.json';

/** A small file that start-up fetches anonymously, to find out whether viewers can read the bucket. */
export const READABLE_CHECK_KEY = 'yaddas-readable.txt';

/** The public URL of an access key (the base URL has no trailing slash). */
export const publicUrl = (publicBaseUrl: string, key: string): string => `${publicBaseUrl}/${key}`;
