import { describe, expect, it } from 'vitest';
import type { IngestManifest, InspectResult, StoreResult } from '../../src/domain/item.js';
import type { ItemMetadata } from '../../src/domain/metadata.js';
import type { DeriveReturn } from '../../src/stages/derive/derive.stage.js';
import { iiifManifest, languageMap, rightsUri, type PublishInput } from '../../src/stages/publish/publish.core.js';
import { expectValidPresentation, presentationErrors } from '../helpers/iiif-schema.js';

describe('IIIF language maps from metadata.json', () => {
  it.each([
    ['Kitab', { none: ['Kitab'] }],
    [
      { az: 'Nağıllar', 'az-Cyrl': 'Нағыллар', ru: 'Сказки' },
      { az: ['Nağıllar'], 'az-Cyrl': ['Нағыллар'], ru: ['Сказки'] },
    ],
    [undefined, undefined],
  ])('%j → %j', (input, expected) => {
    expect(languageMap(input)).toEqual(expected);
  });
});

describe('rights', () => {
  it.each([
    ['http://rightsstatements.org/vocab/NoC-NC/1.0/', 'http://rightsstatements.org/vocab/NoC-NC/1.0/'],
    ['https://creativecommons.org/licenses/by/4.0/', 'http://creativecommons.org/licenses/by/4.0/'],
    [' https://creativecommons.org/publicdomain/mark/1.0/ ', 'http://creativecommons.org/publicdomain/mark/1.0/'],
    ['© National Library of Azerbaijan', undefined],
    ['https://example.org/licence', undefined],
    [undefined, undefined],
  ])('%j → %j', (text, uri) => {
    expect(rightsUri(text)).toBe(uri);
  });
});

const BASE = 'https://iiif.example.az/access';

/** A publish input for an item of `n` image pages with the given metadata.json. */
function input(n: number, metadata: ItemMetadata | null, extra: Partial<PublishInput> = {}): PublishInput {
  const files = Array.from({ length: n }, (_, i) => ({ role: 'page' as const, page: i + 1, path: `${i + 1}.tif`, size: 1000 }));
  const manifest: IngestManifest = {
    ingestId: 'ing-1',
    itemId: 'kitab-1',
    sourceName: 'kitab 1',
    kind: 'folder',
    takenAt: '2026-11-23T00:00:00Z',
    via: 'inbox',
    files,
    ignored: [],
    metadata,
  };
  const inspected: Record<string, InspectResult> = {};
  const stored: Record<string, StoreResult> = {};
  const derived: Record<string, DeriveReturn> = {};
  for (const f of files) {
    inspected[f.path] = {
      path: f.path,
      mime: 'image/tiff',
      format: 'TIFF',
      image: { width: 2480, height: 3508, pages: 1, channels: 3, space: 'srgb', hasProfile: false, hasAlpha: false },
    };
    stored[f.path] = {
      path: f.path,
      logicalPath: `masters/${f.path}`,
      contentPath: `v1/content/masters/${f.path}`,
      size: 1000,
      digests: { sha512: 'a'.repeat(128), sha256: 'b'.repeat(64), md5: 'c'.repeat(32) },
      verifiedAt: '2026-11-23T00:00:00Z',
    };
    const dir = `items/kitab-1/pages/${String(f.page).padStart(4, '0')}`;
    derived[String(f.page).padStart(4, '0')] = {
      page: f.page,
      width: 2480,
      height: 3508,
      max: { width: 2480, height: 3508 },
      thumbnail: `${dir}/thumbnail.jpg`,
      thumbnailSize: { width: 107, height: 150 },
      access: `${dir}/access.jpg`,
      iiif: `${BASE}/${dir}/iiif`,
      files: 100,
    };
  }
  return {
    manifest,
    inspected,
    stored,
    derived,
    target: { objectId: 'kitab-1', objectRoot: 'x/kitab-1', version: 'v1', headVersion: null, created: '2026-11-23T00:00:00Z' },
    publicBaseUrl: BASE,
    preservationBucket: 'yaddas-preservation',
    ...extra,
  };
}

describe('IIIF Presentation 3 manifests against the IIIF validator schema', () => {
  it('a described book in four languages', () => {
    const m = iiifManifest(
      input(3, {
        identifier: 'kitab-1',
        type: 'book',
        title: { az: 'Nağıllar', 'az-Cyrl': 'Нағыллар', ru: 'Сказки', en: 'Tales' },
        description: { en: 'Folk tales', az: 'Xalq nağılları' },
        creator: ['Hənəfi Zeynallı', { ru: 'Ганафи Зейналлы' }],
        date: '1935',
        language: ['aze', 'rus'],
        subject: 'Folklore',
        rights: 'https://creativecommons.org/publicdomain/mark/1.0/',
      }),
    );
    expectValidPresentation('manifest', m);
    expect(m.behavior).toEqual(['paged']);
    expect(m.rights).toBe('http://creativecommons.org/publicdomain/mark/1.0/');
    expect(m.items).toHaveLength(3);
  });

  it('an undescribed photograph, with the provider attribution and a rights text', () => {
    const m = iiifManifest(input(1, { rights: '© Milli Kitabxana' }, { attribution: 'National Library of Azerbaijan' }));
    expectValidPresentation('manifest', m);
    expect(m.label).toEqual({ none: ['kitab 1'] });
    expect(m.rights).toBeUndefined();
    expect(m.requiredStatement).toEqual({
      label: { az: ['Mənbə'], ru: ['Источник'], en: ['Attribution'] },
      value: { none: ['National Library of Azerbaijan', '© Milli Kitabxana'] },
    });
    expect(m.behavior).toBeUndefined();
  });

  it('no metadata.json at all', () => {
    const m = iiifManifest(input(2, null));
    expectValidPresentation('manifest', m);
    expect(m.requiredStatement).toBeUndefined();
  });

  it('the schema is not a formality: it refuses what the specification forbids', () => {
    const good = iiifManifest(input(1, null)) as unknown as Record<string, unknown>;
    expect(presentationErrors('manifest', good)).toEqual([]);
    expect(presentationErrors('manifest', { ...good, label: 'Kitab' })).not.toEqual([]);
    expect(presentationErrors('manifest', { ...good, rights: 'https://example.org/licence' })).not.toEqual([]);
    expect(presentationErrors('manifest', { ...good, id: 'kitab-1' })).not.toEqual([]);
    expect(presentationErrors('manifest', { ...good, behavior: ['sideways'] })).not.toEqual([]);
  });
});
