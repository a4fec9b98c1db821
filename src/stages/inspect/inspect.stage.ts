/**
 * Inspect: every page file identified by its content, decode-checked and its embedded metadata
 * read, one job per file. A bad file is a result (the item is rejected with every problem found at
 * once), not a job failure: retrying would not make it better.
 */
import type { Problem } from '../../domain/errors.js';
import { pageKey } from '../../domain/ids.js';
import type { IngestFile, InspectResult } from '../../domain/item.js';
import { tooManyPages } from '../../domain/limits.js';
import { failWith, hasFailures, type IngestCore, jobRef, type StageSpec } from '../stage.js';

export interface InspectPayload {
  ingestId: string;
  itemId: string;
  page: number;
  /** staged path relative to the ingest's staging folder */
  path: string;
  /** its size when taken (absent in jobs queued by an earlier release) */
  size?: number;
  /** digests a checksum manifest lists for it, compared before anything else */
  expected?: IngestFile['expected'];
  listedIn?: string[];
  /** not a page: only its listed digests are compared (a large file kept beside the masters) */
  checkOnly?: boolean;
}

export type InspectReturn =
  | { path: string; ok: true; result: InspectResult }
  | { path: string; ok: false; problem: Problem }
  /** a check-only job: the file matched its listed digests */
  | { path: string; ok: true; checked: true };

/** What inspect adds to the ingest's state: each page file's format and technical facts, by staged path. */
export interface InspectSlice {
  inspected: Record<string, InspectResult>;
}

/** The key of a file's job: its page number, or "meta" for metadata.json. */
export const fileKey = (f: { role: string; page?: number; index?: number }): string =>
  f.role === 'page' && f.page !== undefined
    ? pageKey(f.page)
    : f.role === 'submission' && f.index !== undefined
      ? `sub-${pageKey(f.index)}`
      : 'meta';

export const inspectStage: StageSpec<'inspect', InspectPayload, InspectReturn, IngestCore & InspectSlice> = {
  name: 'inspect',
  runsOn: 'intake',
  label: 'identifying formats and decode-checking',
  fanOut: (s) =>
    s.manifest.files
      .filter((f) => f.role === 'page' || f.checkLater)
      .map((f) => ({
        key: fileKey(f),
        data: {
          ...jobRef(s),
          page: f.page ?? 0,
          path: f.path,
          size: f.size,
          ...(f.expected ? { expected: f.expected, listedIn: f.listedIn ?? [] } : {}),
          ...(f.role !== 'page' ? { checkOnly: true } : {}),
        },
      })),
  fold(s, results, failures) {
    if (hasFailures(failures)) return failWith(s, 'inspection', failures);
    const problems: Problem[] = [...(s.manifest.problems ?? [])];
    const inspected: Record<string, InspectResult> = {};
    for (const r of Object.values(results)) {
      if (!r.ok) problems.push(r.problem);
      else if ('result' in r) inspected[r.path] = r.result;
    }
    // The pages inside multi-page TIFFs count too: a 3,000-page TIFF is a 3,000-page item.
    const views = Object.values(inspected).reduce((n, i) => n + (i.mime === 'image/tiff' ? Math.max(1, i.image?.pages ?? 1) : 1), 0);
    const many = s.manifest.maxPages !== undefined ? tooManyPages(views, { pages: s.manifest.maxPages }) : undefined;
    if (many) problems.push(many);
    const first = problems.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '', 'en', { numeric: true }))[0];
    if (first) {
      const one = `${first.file ?? 'item'}: ${first.message}`;
      const reason = problems.length === 1 ? one : `${problems.length} problems, first: ${one}`;
      return { ...s, outcome: { status: 'rejected', code: first.code, reason, problems } };
    }
    return { ...s, inspected };
  },
};
