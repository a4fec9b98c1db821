/**
 * Per-page reading decisions as pure values: which languages and which turn a page gets from
 * what script detection found, which language its words are in, how the decisions are recorded.
 * (The OSD engine itself and the turned pixels are tested on rendered pages in
 * tests/integration/scripts.test.ts and tests/unit/ocr-image.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { detection } from '../../src/adapters/ocr-engine.js';
import { planTiles } from '../../src/domain/ocr-tiles.js';
import type { OcrPage } from '../../src/domain/ocr-page.js';
import { fromEarlierRelease } from '../../src/pipeline/orchestrator.js';
import { type IngestState, PLAN_VERSION, STEPS } from '../../src/pipeline/plan.js';
import { deriveStage } from '../../src/stages/derive/derive.stage.js';
import { readQuality } from '../../src/stages/ocr/ocr.processor.js';
import { identifyLanguage, pageReading, type ScriptDetection } from '../../src/domain/ocr-languages.js';
import { stepSettings } from '../../src/stages/ocr/ocr.core.js';
import { detectionSummary } from '../../src/stages/text/text.core.js';
import { textStage } from '../../src/stages/text/text.stage.js';
import { TEXTS } from '../helpers/text-pages.js';

const min = { script: 1, orientation: 14 };
const found = (o: Partial<ScriptDetection>): ScriptDetection => ({
  script: 'Latin',
  scriptConfidence: 20,
  orientation: 0,
  orientationConfidence: 20,
  ...o,
});

describe('a page’s languages and turn', () => {
  it('reads a page in the item’s languages of its script, in the item’s order', () => {
    expect(pageReading('aze+aze_cyrl+rus+eng', found({ script: 'Latin' }), min)).toEqual({
      languages: 'aze+eng',
      turn: 0,
      languagesFrom: 'script',
    });
    expect(pageReading('aze+aze_cyrl+rus+eng', found({ script: 'Cyrillic' }), min)).toMatchObject({
      languages: 'aze_cyrl+rus',
      languagesFrom: 'script',
    });
  });

  it('keeps languages whose script it does not know on every page', () => {
    expect(pageReading('rus+xyz+eng', found({ script: 'Cyrillic' }), min).languages).toBe('rus+xyz');
  });

  it('falls back to every language when detection found nothing, was unsure, or named a script the item has no language in', () => {
    expect(pageReading('aze+rus', null, min)).toMatchObject({ languages: 'aze+rus', languagesFrom: 'all', turn: 0 });
    expect(pageReading('aze+rus', found({ scriptConfidence: 0.4 }), min)).toMatchObject({
      languages: 'aze+rus',
      languagesFrom: 'all',
      why: expect.stringMatching(/unsure .*Latin at 0.4, below 1/),
    });
    expect(pageReading('aze+rus', found({ script: 'Arabic' }), min)).toMatchObject({
      languages: 'aze+rus',
      why: "none of the item's languages is written in Arabic",
    });
    expect(pageReading('aze+eng', found({ script: 'Latin' }), min)).toMatchObject({ languages: 'aze+eng', languagesFrom: 'all' });
  });

  it('turns a page only when detection is sure of its orientation', () => {
    expect(pageReading('eng', found({ orientation: 180, orientationConfidence: 30 }), min).turn).toBe(180);
    expect(pageReading('eng', found({ orientation: 90, orientationConfidence: 14 }), min).turn).toBe(90);
    expect(pageReading('eng', found({ orientation: 270, orientationConfidence: 7 }), min).turn).toBe(0);
    // an unsure script does not stop a sure turn
    expect(pageReading('eng+rus', found({ scriptConfidence: 0.2, orientation: 270, orientationConfidence: 25 }), min)).toMatchObject({
      turn: 270,
      languagesFrom: 'all',
    });
  });

  it('takes tesseract.js’s detection result, and none when it found nothing', () => {
    expect(detection({ script: 'Cyrillic', script_confidence: 5.1234, orientation_degrees: 180, orientation_confidence: 32.619 })).toEqual({
      script: 'Cyrillic',
      scriptConfidence: 5.12,
      orientation: 180,
      orientationConfidence: 32.62,
    });
    expect(detection({ script: null, script_confidence: null, orientation_degrees: null, orientation_confidence: null })).toBeNull();
    expect(detection({ script: 'Latin', script_confidence: 3, orientation_degrees: 45, orientation_confidence: 1 })).toBeNull();
  });
});

describe('a page’s language among its script’s', () => {
  it('tells the region’s languages apart by the letters and words only each uses', () => {
    expect(identifyLanguage(TEXTS.aze, ['aze', 'eng'])).toBe('aze');
    expect(identifyLanguage(TEXTS.eng, ['aze', 'eng'])).toBe('eng');
    expect(identifyLanguage(TEXTS.aze_cyrl, ['aze_cyrl', 'rus'])).toBe('aze_cyrl');
    expect(identifyLanguage(TEXTS.rus, ['aze_cyrl', 'rus'])).toBe('rus');
  });

  it('says nothing of short texts, of languages without a profile, or when it cannot tell', () => {
    expect(identifyLanguage('The library keeps maps.', ['aze', 'eng'])).toBeNull();
    expect(identifyLanguage(TEXTS.eng, ['eng', 'deu'])).toBeNull();
    expect(identifyLanguage('1234 5678 '.repeat(30), ['aze', 'eng'])).toBeNull();
  });
});

describe('what detection decided, on record', () => {
  const detected = {
    script: 'Cyrillic',
    scriptConfidence: 5.63,
    language: 'rus',
    orientation: 180 as const,
    orientationConfidence: 32.62,
    turned: 180 as const,
    languagesFrom: 'script' as const,
  };
  it('in ALTO’s processing step, with the languages first (parseAlto reads them back)', () => {
    expect(stepSettings({ languages: 'rus+aze_cyrl', detected })).toBe(
      "languages: rus+aze_cyrl; script: Cyrillic (confidence 5.63); orientation: 180 (confidence 32.62); languages chosen: the item's of that script; coordinates: pixels of the upright master image turned 180 degrees clockwise, as its derivatives show it",
    );
    expect(stepSettings({ languages: 'eng' })).toBe('languages: eng; coordinates: pixels of the upright master image');
  });

  it('in the OCR’s PREMIS event: pages per script and languages, pages turned, pages read again', () => {
    expect(
      detectionSummary([
        { page: 1, languages: 'aze+eng', detected: { ...detected, script: 'Latin', orientation: 0, turned: 0 } },
        { page: 2, languages: 'aze+eng', detected: { ...detected, script: 'Latin', orientation: 0, turned: 0 } },
        { page: 3, languages: 'rus+aze_cyrl', detected },
        {
          page: 4,
          languages: 'aze+aze_cyrl+rus+eng',
          detected: {
            ...detected,
            script: 'Latin',
            orientation: 0,
            turned: 0,
            languagesFrom: 'all',
            reread: { languages: 'aze+eng', meanConfidence: 41 },
          },
        },
      ]),
    ).toBe(
      'script detection (Tesseract OSD): 2 page(s) Latin in aze+eng, 1 page(s) Cyrillic in rus+aze_cyrl, 1 page(s) Latin in aze+aze_cyrl+rus+eng; turned upright: view 3 by 180° clockwise; read again in every language: view 4 (aze+eng at 41 mean confidence)',
    );
    expect(detectionSummary([{ page: 1, languages: 'eng' }])).toBe('');
  });
});

describe('a sheet too large to read whole', () => {
  it('is cut into overlapping tiles whose cores cover it once', () => {
    const tiles = planTiles(9000, 6000);
    expect(tiles.map((t) => [t.x, t.y, t.width, t.height])).toEqual([
      [0, 0, 4096, 4096],
      [3072, 0, 4096, 4096],
      [6144, 0, 2856, 4096],
      [0, 3072, 4096, 2928],
      [3072, 3072, 4096, 2928],
      [6144, 3072, 2856, 2928],
    ]);
    expect(tiles[1]!.inner).toEqual({ left: true, top: false, right: true, bottom: true });
    // every pixel in exactly one core, and each core inside its tile
    for (const [x, y] of [
      [0, 0],
      [3583, 10],
      [3584, 10],
      [8999, 5999],
      [4000, 3584],
    ] as const) {
      expect(
        tiles.filter((t) => x >= t.core[0] && x < t.core[2] && y >= t.core[1] && y < t.core[3]),
        `${x},${y}`,
      ).toHaveLength(1);
    }
    for (const t of tiles) {
      expect(t.core[0]).toBeGreaterThanOrEqual(t.x);
      expect(t.core[2]).toBeLessThanOrEqual(t.x + t.width);
    }
    expect(planTiles(3000, 2000)).toEqual([
      { x: 0, y: 0, width: 3000, height: 2000, core: [0, 0, 3000, 2000], inner: { left: false, top: false, right: false, bottom: false } },
    ]);
  });
});

describe('readings of a page compared', () => {
  const reading = (words: Array<[string, number]>): OcrPage => ({
    page: 1,
    source: 'a.tif',
    subpage: 0,
    width: 100,
    height: 100,
    languages: 'eng',
    meanConfidence: words.length ? words.reduce((s, [, c]) => s + c, 0) / words.length : null,
    words: words.length,
    blocks: [
      {
        box: [0, 0, 1, 1],
        paragraphs: [
          { box: [0, 0, 1, 1], lines: [{ box: [0, 0, 1, 1], words: words.map(([text, conf]) => ({ text, box: [0, 0, 1, 1], conf })) }] },
        ],
      },
    ],
  });
  it('by how much is confidently read, not by mean confidence alone', () => {
    const truth = reading(Array.from({ length: 300 }, () => ['library', 62] as [string, number]));
    const noise = reading([
      ['~', 75],
      ['ii', 75],
      ['.', 75],
    ]);
    expect(noise.meanConfidence!).toBeGreaterThan(truth.meanConfidence!);
    expect(readQuality(truth)).toBeGreaterThan(readQuality(noise));
  });
});

describe('ingests queued by an earlier release', () => {
  const state = (step: number, plan?: number) =>
    ({
      manifest: { ingestId: 'i', itemId: 'x', files: [] },
      step,
      spawned: true,
      inspected: {},
      stored: {},
      ...(plan ? { plan } : {}),
    }) as unknown as IngestState;
  it('count their steps in the plan of before issue 14: a step after derive and OCR is one further now', () => {
    expect(fromEarlierRelease(state(3))).toMatchObject({ step: 3, plan: PLAN_VERSION });
    // the old derive+OCR step is OCR's now; derive's step follows and takes what was made
    expect(fromEarlierRelease(state(5))).toMatchObject({ step: 5, plan: PLAN_VERSION });
    expect(fromEarlierRelease(state(6))).toMatchObject({ step: 7, plan: PLAN_VERSION });
    expect(STEPS[7]).toEqual(['text']);
    expect(fromEarlierRelease(state(9))).toMatchObject({ step: 10 });
    expect(STEPS[10]).toEqual(['announce']);
    expect(fromEarlierRelease(state(7, PLAN_VERSION))).toMatchObject({ step: 7 });
  });

  it('take, for a page OCR found turned, the derivatives of the turned job rather than an earlier unturned one', () => {
    const made = (turn?: 0 | 90 | 180 | 270) => ({ page: 5, ...(turn ? { turn } : {}), width: 1, height: 2, at: '2026-12-01T00:00:00Z' });
    const s = {
      ...state(6, PLAN_VERSION),
      outcome: { status: 'preserved', version: 'v1' },
      turns: { '0005': 180 },
    } as unknown as IngestState;
    const folded = deriveStage.fold(s, { '0005': made(), '0005-t180': made(180), '0006': made() }, {});
    expect(folded.derived).toEqual({ '0005': made(180), '0006': made() });
  });
});

describe('the derivation event of an OCR version', () => {
  const base = {
    manifest: { ingestId: 'i1', itemId: 'x', files: [] },
    outcome: { status: 'preserved', version: 'v1' },
    ocr: {
      languages: 'eng',
      from: 'default',
      failed: {},
      engine: { name: 'tesseract.js', version: '7' },
      at: '2026-12-01T00:00:00Z',
      pages: { '0001': {} },
    },
  };
  const made = { page: 1, width: 1, height: 1, at: '2026-12-01T00:00:01Z' };
  it('counts the views made and those that failed, not those skipped by design or kept from before', () => {
    const s = {
      ...base,
      derived: {
        '0001': made,
        '0002': { page: 2, skipped: 'no image derivatives for application/pdf masters' },
        '0003': { ...made, page: 3, reused: true },
      },
      deriveFailed: 1,
    } as unknown as Parameters<typeof textStage.fanOut>[0];
    expect(textStage.fanOut(s)[0]!.data.derivation).toEqual({ views: 1, failed: 1, at: '2026-12-01T00:00:01Z' });
    const none = { ...s, derived: { '0003': { ...made, reused: true } }, deriveFailed: undefined } as typeof s;
    expect(textStage.fanOut(none)[0]!.data.derivation).toBeUndefined();
  });
});
