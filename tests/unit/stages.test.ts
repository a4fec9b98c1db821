/**
 * The stages' contracts, without I/O: each step's fan-out and fold, walked through the plan as
 * the orchestrator walks it, with the jobs' results given by a table. What an item becomes, and
 * which jobs it gets, follows from these alone.
 */
import { describe, expect, it } from 'vitest';
import type { IngestFile, IngestManifest, InspectResult } from '../../src/domain/item.js';
import type { OcrChoice } from '../../src/domain/ocr-languages.js';
import { fanOut, fold, type IngestState, STEPS, type StageName, stepRuns } from '../../src/pipeline/plan.js';
import type { ChildJob } from '../../src/stages/stage.js';

type Fail = { fail: string };
/** What one job returns, or how it failed for good ("CODE: reason"). */
type Answer = (stage: StageName, key: string, data: Record<string, unknown>) => unknown | Fail;

const isFail = (v: unknown): v is Fail => typeof v === 'object' && v !== null && 'fail' in v;

/** Walks the plan from the state's step to the end, as the orchestrator does, with `answer` as every job. */
function walk(start: IngestState, answer: Answer) {
  let s = start;
  const ran: Partial<Record<StageName, ChildJob<Record<string, unknown>>[]>> = {};
  for (; s.step < STEPS.length; s = { ...s, step: s.step + 1 }) {
    const step = STEPS[s.step]!;
    if (!stepRuns(step, s)) continue;
    const folds: Array<[StageName, Record<string, unknown>, Record<string, string>]> = [];
    for (const stage of step) {
      // The test reads payloads as plain records.
      const jobs = fanOut(stage, s) as unknown as ChildJob<Record<string, unknown>>[];
      if (jobs.length > 0) ran[stage] = jobs;
      const results: Record<string, unknown> = {};
      const failures: Record<string, string> = {};
      for (const j of jobs) {
        const r = answer(stage, j.key, j.data);
        if (isFail(r)) failures[j.key] = r.fail;
        else results[j.key] = r;
      }
      folds.push([stage, results, failures]);
    }
    for (const [stage, results, failures] of folds) s = fold(stage, s, results, failures);
  }
  return { state: s, ran, stepsRun: Object.keys(ran) };
}

const page = (n: number, name: string, size = 1000): IngestFile => ({ role: 'page', page: n, path: `kitab/${name}`, size });
const meta: IngestFile = { role: 'metadata', path: 'kitab/metadata.json', size: 80 };
const tiff = (pages = 1): InspectResult => ({
  path: '',
  mime: 'image/tiff',
  format: 'TIFF',
  image: { width: 2480, height: 3508, pages, channels: 1, space: 'b-w', hasProfile: false, hasAlpha: false, density: 300 },
});
const pdfMaster = (): InspectResult => ({ path: '', mime: 'application/pdf', format: 'PDF', pdf: { version: '1.7', pages: 12 } });

function item(files: IngestFile[], o: { ocr?: OcrChoice; metadata?: IngestManifest['metadata'] } = {}): IngestState {
  return {
    manifest: {
      ingestId: '20261130T120000Z-kitab-abc123',
      itemId: 'kitab-1935',
      sourceName: 'kitab',
      kind: 'folder',
      takenAt: '2026-11-30T12:00:00.000Z',
      via: 'inbox',
      files,
      ignored: [],
      metadata: o.metadata ?? null,
      ocr: o.ocr ?? { run: false, reason: 'not asked' },
    },
    step: 0,
    spawned: false,
    inspected: {},
    stored: {},
  };
}

const ocrOn: OcrChoice = { run: true, languages: 'aze+rus', from: 'ocrLanguages' };

/** A world where everything works: every job returns what its stage returns. */
function happy(inspect: Record<string, InspectResult>, o: { unchanged?: boolean } = {}): Answer {
  return (stage, key, d) => {
    const view = Number(key);
    switch (stage) {
      case 'inspect':
        return { path: d.path, ok: true, result: { ...inspect[d.path as string]!, path: d.path } };
      case 'prepare':
        return {
          objectId: d.itemId,
          objectRoot: 'aa1/bb2/cc3/kitab-1935',
          version: 'v1',
          headVersion: null,
          created: '2026-11-30T12:00:01Z',
        };
      case 'store':
        return {
          path: d.path,
          logicalPath: d.logicalPath,
          contentPath: `v1/content/${d.logicalPath}`,
          size: d.size,
          digests: { sha512: `sha512-${key}`, sha256: `sha256-${key}`, md5: `md5-${key}` },
          verifiedAt: '2026-11-30T12:00:02Z',
        };
      case 'commit':
        return { version: o.unchanged ? 'v3' : 'v1', unchanged: !!o.unchanged, objectRoot: 'aa1/bb2/cc3/kitab-1935' };
      case 'release':
        return { movedTo: '/data/done/x', rolledBack: 0 };
      case 'derive':
        return String(d.mime).startsWith('image/')
          ? {
              page: view,
              masterPage: d.masterPage,
              subpage: d.subpage,
              width: 2480,
              height: 3508,
              max: { width: 1240, height: 1754 },
              thumbnail: `items/kitab-1935/pages/${key}/thumbnail.jpg`,
              access: `items/kitab-1935/pages/${key}/access.jpg`,
              iiif: `http://x/items/kitab-1935/pages/${key}/iiif`,
            }
          : { page: view, masterPage: d.masterPage, subpage: 0, skipped: `no image derivatives for ${d.mime} masters` };
      case 'ocr':
        return {
          page: {
            page: view,
            source: d.source,
            subpage: d.subpage,
            width: 2480,
            height: 3508,
            languages: d.languages,
            meanConfidence: 91,
            words: 300,
            blocks: [],
          },
          engine: { name: 'tesseract.js', version: '7' },
          at: `2026-11-30T12:01:0${view}Z`,
          ms: 3000,
        };
      case 'text': {
        const pages = Object.keys(d.pages as object).map((k) => ({
          page: Number(k),
          languages: d.languages,
          meanConfidence: 91,
          words: 300,
          text: `items/kitab-1935/pages/${k}/ocr.txt`,
          alto: `items/kitab-1935/pages/${k}/ocr.alto.xml`,
          hocr: `items/kitab-1935/pages/${k}/ocr.hocr`,
        }));
        return { version: 'v2', pages, fullText: 'items/kitab-1935/text.txt' };
      }
      case 'pdf':
        return { key: 'items/kitab-1935/document.pdf', pages: (d.pages as unknown[]).length, bytes: 1234, withText: 0 };
      case 'publish':
        return { item: 'items/kitab-1935/item.json', manifest: 'items/kitab-1935/manifest.json', removed: 0 };
      case 'announce':
        return { eventId: `${d.ingestId}.${d.version}`, added: true };
    }
  };
}

describe('an ingest through the plan', () => {
  it('a book in two pages: every step runs, in order, and the item is preserved and published', () => {
    const files = [page(1, '1.tif'), page(2, '2.tif'), meta];
    const { state, stepsRun, ran } = walk(item(files), happy({ 'kitab/1.tif': tiff(), 'kitab/2.tif': tiff() }));
    expect(stepsRun).toEqual(['inspect', 'prepare', 'store', 'commit', 'release', 'derive', 'pdf', 'publish', 'announce']);
    expect(ran.inspect?.map((j) => j.key)).toEqual(['0001', '0002']);
    expect(ran.store?.map((j) => [j.key, j.data.logicalPath])).toEqual([
      ['0001', 'masters/1.tif'],
      ['0002', 'masters/2.tif'],
      ['meta', 'metadata.json'],
    ]);
    expect(state.outcome).toMatchObject({ status: 'preserved', version: 'v1', unchanged: false });
    expect(state.publication).toEqual({ status: 'published' });
    expect(state.location).toBe('/data/done/x');
    expect(ran.announce?.[0]?.data).toMatchObject({
      version: 'v1',
      keys: { manifest: 'items/kitab-1935/manifest.json', pdf: 'items/kitab-1935/document.pdf' },
    });
  });

  it.each([
    ['a damaged page', 'kitab/2.tif'],
    ['a page in an unsupported format', 'kitab/1.tif'],
  ])('an item rejected by inspection (%s) goes straight to release, and nothing is stored or published', (_what, bad) => {
    const files = [page(1, '1.tif'), page(2, '2.tif')];
    const answer: Answer = (stage, key, d) =>
      stage === 'inspect' && d.path === bad
        ? {
            path: d.path,
            ok: false,
            problem: { code: 'CORRUPT_FILE', file: bad.split('/')[1], message: 'The file is damaged.', hint: 'Scan it again.' },
          }
        : happy({ 'kitab/1.tif': tiff(), 'kitab/2.tif': tiff() })(stage, key, d);
    const { state, stepsRun, ran } = walk(item(files), answer);
    expect(stepsRun).toEqual(['inspect', 'release']);
    expect(state.outcome).toMatchObject({ status: 'rejected', code: 'CORRUPT_FILE' });
    expect(ran.release?.[0]?.data).toMatchObject({ outcome: { status: 'rejected' } });
    expect(ran.release?.[0]?.data.target).toBeUndefined();
    expect(state.publication).toBeUndefined();
  });

  it('a multi-page TIFF with more pages than the limit is rejected at inspection, before anything is stored', () => {
    const s = item([page(1, 'atlas.tif'), page(2, 'cover.tif')]);
    s.manifest.maxPages = 3000;
    const { state, stepsRun } = walk(s, happy({ 'kitab/atlas.tif': tiff(3000), 'kitab/cover.tif': tiff() }));
    expect(stepsRun).toEqual(['inspect', 'release']);
    expect(state.outcome).toMatchObject({
      status: 'rejected',
      code: 'TOO_MANY_PAGES',
      reason: expect.stringMatching(/3001 pages; an item may have at most 3000/),
    });
  });

  it('problems in metadata.json found on taking reject the item after inspection, with every problem listed', () => {
    const s = item([page(1, '1.tif')]);
    s.manifest.problems = [{ code: 'INVALID_METADATA', file: 'metadata.json', message: 'Unknown key "titel".', hint: 'Correct it.' }];
    const { state, stepsRun } = walk(s, happy({ 'kitab/1.tif': tiff() }));
    expect(stepsRun).toEqual(['inspect', 'release']);
    expect(state.outcome).toMatchObject({ status: 'rejected', code: 'INVALID_METADATA', problems: [{ file: 'metadata.json' }] });
  });

  it('a store that fails for good makes the item failed; release still runs and rolls back the version', () => {
    const answer: Answer = (stage, key, d) =>
      stage === 'store' && key === '0002'
        ? { fail: 'STORED_COPY_MISMATCH: the stored copy differs' }
        : happy({ 'kitab/1.tif': tiff(), 'kitab/2.tif': tiff() })(stage, key, d);
    const { state, stepsRun, ran } = walk(item([page(1, '1.tif'), page(2, '2.tif')]), answer);
    expect(stepsRun).toEqual(['inspect', 'prepare', 'store', 'release']);
    expect(state.outcome).toEqual({
      status: 'failed',
      code: 'STORED_COPY_MISMATCH',
      reason: 'storing masters failed: the stored copy differs',
    });
    expect(ran.release?.[0]?.data).toMatchObject({ outcome: { status: 'failed' }, target: { version: 'v1' } });
  });

  it('an unchanged re-scan is preserved as it was: no derivatives, no OCR, no PDF, no publication, no event', () => {
    const files = [page(1, '1.tif'), page(2, '2.tif')];
    const { state, stepsRun } = walk(
      item(files, { ocr: ocrOn }),
      happy({ 'kitab/1.tif': tiff(), 'kitab/2.tif': tiff() }, { unchanged: true }),
    );
    expect(stepsRun).toEqual(['inspect', 'prepare', 'store', 'commit', 'release']);
    expect(state.outcome).toMatchObject({ status: 'preserved', version: 'v3', unchanged: true });
    expect(state.publication).toEqual({ status: 'skipped', reason: 'identical to the stored version; its access copies stand' });
  });

  it('a multi-page TIFF fans out one view per page inside it, and the views after it are numbered on', () => {
    const files = [page(1, 'leaf.tif'), page(2, 'map.jpg')];
    const jpeg: InspectResult = {
      path: '',
      mime: 'image/jpeg',
      format: 'JPEG',
      image: { width: 800, height: 600, pages: 1, channels: 3, space: 'srgb', hasProfile: false, hasAlpha: false },
    };
    const { ran, state } = walk(item(files, { ocr: ocrOn }), happy({ 'kitab/leaf.tif': tiff(3), 'kitab/map.jpg': jpeg }));
    expect(ran.derive?.map((j) => [j.key, j.data.masterPage, j.data.subpage, j.data.mime])).toEqual([
      ['0001', 1, 0, 'image/tiff'],
      ['0002', 1, 1, 'image/tiff'],
      ['0003', 1, 2, 'image/tiff'],
      ['0004', 2, 0, 'image/jpeg'],
    ]);
    expect(ran.ocr?.map((j) => [j.key, j.data.source, j.data.subpage, j.data.languages])).toEqual([
      ['0001', 'leaf.tif', 0, 'aze+rus'],
      ['0002', 'leaf.tif', 1, 'aze+rus'],
      ['0003', 'leaf.tif', 2, 'aze+rus'],
      ['0004', 'map.jpg', 0, 'aze+rus'],
    ]);
    expect(ran.pdf?.[0]?.data.pages).toHaveLength(4);
    expect(Object.keys(state.derived ?? {})).toEqual(['0001', '0002', '0003', '0004']);
  });

  it('partly failed OCR: the pages read are kept, the failed one recorded, and the item still published', () => {
    const files = [page(1, '1.tif'), page(2, '2.tif'), page(3, '3.tif')];
    const ok = happy({ 'kitab/1.tif': tiff(), 'kitab/2.tif': tiff(), 'kitab/3.tif': tiff() });
    const answer: Answer = (stage, key, d) =>
      stage === 'ocr' && key === '0002' ? { fail: 'OCR_TIMEOUT: page 2 took longer than 300 s' } : ok(stage, key, d);
    const { state, ran, stepsRun } = walk(item(files, { ocr: ocrOn }), answer);
    expect(stepsRun).toContain('text');
    expect(Object.keys(ran.text?.[0]?.data.pages as object)).toEqual(['0001', '0003']);
    expect(ran.text?.[0]?.data.failed).toEqual({ '0002': 'OCR_TIMEOUT: page 2 took longer than 300 s' });
    // The page results leave the state once kept; what failed stays.
    expect(state.ocr?.pages).toBeUndefined();
    expect(state.ocr?.failed).toEqual({ '0002': 'OCR_TIMEOUT: page 2 took longer than 300 s' });
    expect(state.text?.version).toBe('v2');
    expect(ran.pdf?.[0]?.data.pages).toMatchObject([
      { page: 1, alto: 'items/kitab-1935/pages/0001/ocr.alto.xml' },
      { page: 2, alto: null },
      { page: 3 },
    ]);
    expect(ran.publish?.[0]?.data.ocr).toMatchObject({
      languages: 'aze+rus',
      failed: { '0002': expect.any(String) },
      text: { version: 'v2' },
    });
    expect(ran.announce?.[0]?.data).toMatchObject({ version: 'v2', ocr: { status: 'partial', version: 'v2' } });
    expect(state.publication).toEqual({ status: 'published' });
  });

  it('OCR that could not be kept marks every page read as failed, and the item is published without text', () => {
    const ok = happy({ 'kitab/1.tif': tiff() });
    const answer: Answer = (stage, key, d) => (stage === 'text' ? { fail: 'STORAGE_UNAVAILABLE: S3 PUT failed' } : ok(stage, key, d));
    const { state, ran } = walk(item([page(1, '1.tif')], { ocr: ocrOn }), answer);
    expect(state.ocr?.failed).toEqual({ '0001': 'STORAGE_UNAVAILABLE: keeping the OCR failed: S3 PUT failed' });
    expect(state.text).toBeUndefined();
    expect(ran.announce?.[0]?.data).toMatchObject({ version: 'v1', ocr: { status: 'failed', version: null }, keys: { text: null } });
  });

  it('a PDF master is stored and published, with no image derivatives, no OCR and no searchable PDF made from it', () => {
    const { state, ran, stepsRun } = walk(item([page(1, 'kitab.pdf')], { ocr: ocrOn }), happy({ 'kitab/kitab.pdf': pdfMaster() }));
    expect(ran.derive?.map((j) => j.data.mime)).toEqual(['application/pdf']);
    expect(stepsRun).not.toContain('ocr');
    expect(stepsRun).not.toContain('pdf');
    expect(state.derived?.['0001']?.skipped).toMatch(/no image derivatives/);
    expect(ran.publish).toHaveLength(1);
    expect(ran.announce?.[0]?.data).toMatchObject({ keys: { manifest: null, pdf: null } });
  });

  it('a derivative that fails for good leaves the item preserved, its publication failed and nothing announced', () => {
    const ok = happy({ 'kitab/1.tif': tiff(), 'kitab/2.tif': tiff() });
    const answer: Answer = (stage, key, d) =>
      stage === 'derive' && key === '0002' ? { fail: 'CORRUPT_FILE: Page 2 cannot be decoded' } : ok(stage, key, d);
    const { state, stepsRun } = walk(item([page(1, '1.tif'), page(2, '2.tif')]), answer);
    expect(state.outcome?.status).toBe('preserved');
    expect(state.publication).toEqual({ status: 'failed', reason: 'derivatives failed for 1 page(s): Page 2 cannot be decoded' });
    expect(stepsRun).not.toContain('publish');
    expect(stepsRun).not.toContain('announce');
  });

  it('a publication superseded by a newer version is skipped, and nothing is announced', () => {
    const ok = happy({ 'kitab/1.tif': tiff() });
    const answer: Answer = (stage, key, d) =>
      stage === 'publish'
        ? { item: '', manifest: '', removed: 0, superseded: 'a newer version (v2) with other masters was stored meanwhile' }
        : ok(stage, key, d);
    const { state, stepsRun } = walk(item([page(1, '1.tif')]), answer);
    expect(state.publication).toEqual({ status: 'skipped', reason: 'a newer version (v2) with other masters was stored meanwhile' });
    expect(stepsRun).not.toContain('announce');
  });

  it('a release that fails keeps the outcome and says the staged copy stayed', () => {
    const ok = happy({ 'kitab/1.tif': tiff() });
    const answer: Answer = (stage, key, d) => (stage === 'release' ? { fail: 'INTERNAL: EACCES: permission denied' } : ok(stage, key, d));
    const { state } = walk(item([page(1, '1.tif')]), answer);
    expect(state.outcome).toMatchObject({ status: 'preserved', reason: 'releasing the staged copy failed: EACCES: permission denied' });
  });

  it('a single page gets a PDF only when its OCR found words: never one page with nothing to search', () => {
    const one = happy({ 'kitab/1.tif': tiff() });
    expect(walk(item([page(1, '1.tif')]), one).stepsRun).not.toContain('pdf');
    expect(walk(item([page(1, '1.tif')], { ocr: ocrOn }), one).stepsRun).toContain('pdf');
    const blank: Answer = (stage, key, d) => {
      const r = one(stage, key, d) as Record<string, unknown>;
      if (stage === 'ocr') return { ...r, page: { ...(r.page as object), words: 0, meanConfidence: null } };
      if (stage === 'text') return { ...r, pages: (r.pages as object[]).map((p) => ({ ...p, words: 0, meanConfidence: null })) };
      return r;
    };
    expect(walk(item([page(1, '1.tif')], { ocr: ocrOn }), blank).stepsRun).not.toContain('pdf');
    // Two pages make a PDF of the images, text or none.
    expect(
      walk(item([page(1, '1.tif'), page(2, '2.tif')], { ocr: ocrOn }), happy({ 'kitab/1.tif': tiff(), 'kitab/2.tif': tiff() })).stepsRun,
    ).toContain('pdf');
  });

  it('the PDF is titled by the one title rule: Azerbaijani first, then English, then Russian', () => {
    const two = happy({ 'kitab/1.tif': tiff(), 'kitab/2.tif': tiff() });
    const titled = (title: IngestManifest['metadata']) =>
      walk(item([page(1, '1.tif'), page(2, '2.tif')], { metadata: title }), two).ran.pdf?.[0]?.data.title;
    expect(titled({ title: { ru: 'Сказки', en: 'Tales', az: 'Nağıllar' } })).toBe('Nağıllar');
    expect(titled({ title: { ru: 'Сказки', en: 'Tales' } })).toBe('Tales');
    expect(titled({ title: 'Nağıllar' })).toBe('Nağıllar');
    expect(titled(null)).toBe('kitab');
  });
});
