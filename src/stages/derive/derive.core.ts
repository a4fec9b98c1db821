/**
 * The views of an item, as pure values: a canvas in its manifest and a page folder in the access
 * bucket for each master, and for each page inside a multi-page TIFF.
 */

/** One view of the item: a canvas in its manifest, a page folder in the access bucket. */
export interface ViewUnit {
  /** 1-based view number: {nnnn} in the access layout */
  view: number;
  /** the master it comes from (its 1-based page number among the item's files) */
  masterPage: number;
  /** the page inside a multi-page TIFF master (0-based); 0 for every other master */
  subpage: number;
}

/**
 * The item's views in order: one per master, except that a multi-page TIFF (a leaf with its
 * verso, a folded map) gives one view per page inside it.
 */
export function viewUnits(masters: Array<{ page: number; mime: string; pages?: number }>): ViewUnit[] {
  const out: ViewUnit[] = [];
  for (const m of [...masters].sort((a, b) => a.page - b.page)) {
    const n = m.mime === 'image/tiff' ? Math.max(1, m.pages ?? 1) : 1;
    for (let subpage = 0; subpage < n; subpage++) out.push({ view: out.length + 1, masterPage: m.page, subpage });
  }
  return out;
}
