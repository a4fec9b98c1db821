import { describe, expect, it } from 'vitest';
import { languageMap } from '../../src/stages/publish/publish.core.js';

describe('IIIF language maps from metadata.json', () => {
  it.each([
    ['Kitab', { none: ['Kitab'] }],
    [{ az: 'Nağıllar', 'az-Cyrl': 'Нағыллар', ru: 'Сказки' }, { az: ['Nağıllar'], 'az-Cyrl': ['Нағыллар'], ru: ['Сказки'] }],
    [undefined, undefined],
  ])('%j → %j', (input, expected) => {
    expect(languageMap(input)).toEqual(expected);
  });
});
