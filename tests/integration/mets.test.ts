/**
 * Every OCFL version holds a mets.xml that describes the whole object as of that version, and it
 * validates against the official schemas with xmllint, embedded MODS, PREMIS, MIX and Dublin Core
 * included: a book, a photograph, a multi-page TIFF, a re-scan's v2. A broken one fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { makeBag } from '../helpers/bags.js';
import { multiPageTiff, pageImage } from '../helpers/fixtures.js';
import { type Harness, startHarness, takeItem, waitEnded } from '../helpers/harness.js';
import { validateXml } from '../helpers/xml-schemas.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    roles: ['ingest', 'inspect', 'prepare', 'store', 'commit', 'release'],
    env: { YADDAS_ATTRIBUTION: 'Azərbaycan Milli Kitabxanası' },
  });
});
afterAll(async () => {
  await h?.stop();
});

async function metsOf(itemId: string, version?: string): Promise<string> {
  const inv = await h.app.preservation.readInventory(itemId);
  const v = version ?? inv!.head;
  const state = inv!.versions[v]!.state;
  const digest = Object.entries(state).find(([, paths]) => paths.includes('mets.xml'))?.[0];
  expect(digest, `${itemId} ${v} holds mets.xml`).toBeTruthy();
  const bytes = await h.app.preservation.readLogical({ ...inv!, head: v }, 'mets.xml');
  return bytes!.toString('utf8');
}

async function ingest(name: string, files: Record<string, Buffer | string>) {
  const taken = await takeItem(h, name, files);
  const rec = await waitEnded(h, taken.ingestId, 60_000, 'preservation');
  expect(rec.status, JSON.stringify(rec)).toBe('preserved');
  return rec;
}

const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: false });

describe('METS of every version', () => {
  it('a book: MODS with multilingual titles and scripts, PREMIS with PUIDs and real events, valid', async () => {
    const metadata = {
      identifier: 'mets-kitab-1',
      type: 'book',
      title: { az: 'Azərbaycan nağılları', 'az-Cyrl': 'Азәрбајҹан нағыллары', ru: 'Азербайджанские сказки', en: 'Azerbaijani tales' },
      creator: ['Hənəfi Zeynallı'],
      date: '1935',
      language: ['az', 'ru'],
      subject: ['folklor', { az: 'nağıl', ru: 'сказка' }],
      rights: 'http://rightsstatements.org/vocab/NoC-NC/1.0/',
      collections: ['azerbaycan-folkloru'],
    };
    await ingest('mets-kitab', {
      '1.tif': await pageImage({ seed: 1, width: 300, height: 400 }),
      '2.tif': await pageImage({ seed: 2, width: 300, height: 400 }),
      'metadata.json': JSON.stringify(metadata),
    });
    const xml = await metsOf('mets-kitab-1');
    const v = await validateXml(xml, 'mets');
    expect(v.errors).toBe('');
    expect(xml).toContain('xml:lang="az-Latn" lang="aze" script="Latn"'.split(' ')[0]);
    expect(xml).toMatch(/<mods:titleInfo usage="primary"[^>]*xml:lang="az-Latn"/);
    expect(xml).toMatch(/<mods:titleInfo[^>]*script="Cyrl"[^>]*xml:lang="az-Cyrl"/);
    expect(xml).toMatch(/<mods:languageTerm type="code" authority="iso639-2b">aze<\/mods:languageTerm>/);
    expect(xml).toContain('<premis:formatRegistryKey>fmt/353</premis:formatRegistryKey>');
    expect(xml).toMatch(/<premis:eventType[^>]*>validation<\/premis:eventType>/);
    expect(xml).toMatch(/<premis:agentName>libvips<\/premis:agentName>/);
    expect(xml).toContain('<premis:agentName>Azərbaycan Milli Kitabxanası</premis:agentName>');
    expect(xml).toMatch(/<mets:fileGrp USE="MASTER">/);
    expect(xml).toMatch(/<mets:div ID="view-0002" TYPE="page" ORDER="2" LABEL="2.tif">/);
    expect(xml).toContain('pages/0001/iiif/info.json');
  });

  it('a photograph, a multi-page TIFF (its views as areas), a bag with submission files', async () => {
    await ingest('mets-foto.jpg', { 'mets-foto.jpg': await pageImage({ seed: 3, format: 'jpeg', width: 320, height: 240 }) });
    const rec = (await h.app.status.recent(50)).find((r) => r.sourceName === 'mets-foto.jpg')!;
    const photo = await metsOf(rec.itemId);
    expect((await validateXml(photo, 'mets')).errors).toBe('');
    expect(photo).toContain('<mix:imageWidth>320</mix:imageWidth>');

    await ingest('mets-multi', {
      'leaf.tif': await multiPageTiff(),
      'metadata.json': JSON.stringify({ identifier: 'mets-multi-1', type: 'manuscript' }),
    });
    const multi = await metsOf('mets-multi-1');
    expect((await validateXml(multi, 'mets')).errors).toBe('');
    expect(multi).toMatch(/<mets:area FILEID="file-0001" BEGIN="2" END="2"\/>/);
    expect(multi).toContain('<mods:typeOfResource manuscript="yes">text</mods:typeOfResource>');

    const bag = makeBag({
      payload: { '1.tif': await pageImage({ seed: 4, width: 200, height: 200 }) },
      info: [['External-Identifier', 'mets-bag-1']],
    });
    await ingest('mets-bag', bag);
    const bagMets = await metsOf('mets-bag-1');
    expect((await validateXml(bagMets, 'mets')).errors).toBe('');
    expect(bagMets).toMatch(/<mets:fileGrp USE="SUBMISSION">/);
    expect(bagMets).toMatch(/fixity check[\s\S]*manifest-sha512\.txt/);
  });

  it('a re-scan v2 describes the whole object, with v1 events as history; a broken METS fails', async () => {
    const md = JSON.stringify({ identifier: 'mets-rescan', title: 'Qəzet' });
    await ingest('mets-rescan-a', { '1.tif': await pageImage({ seed: 5, width: 200, height: 200 }), 'metadata.json': md });
    await ingest('mets-rescan-b', {
      '1.tif': await pageImage({ seed: 5, width: 200, height: 200 }),
      '2.tif': await pageImage({ seed: 6, width: 200, height: 200 }),
      'metadata.json': md,
    });
    const v1 = await metsOf('mets-rescan', 'v1');
    const v2 = await metsOf('mets-rescan', 'v2');
    expect((await validateXml(v2, 'mets')).errors).toBe('');
    expect(v2).toContain('<mets:altRecordID TYPE="OCFL version">v2</mets:altRecordID>');
    expect(v2).toMatch(/stored as OCFL object mets-rescan v1 \(v1\)/);
    const parsed = parser.parse(v2);
    expect(parsed['mets:mets']['mets:fileSec']).toBeTruthy();
    expect(v1).not.toContain('2.tif');

    // text pasted from a word processor carries characters XML cannot hold: they are left out
    await ingest('mets-pasted', {
      '1.tif': await pageImage({ seed: 7, width: 200, height: 200 }),
      'metadata.json': JSON.stringify({ identifier: 'mets-pasted', title: 'Birinci\u000bsəhifə\u0001', creator: ['A\u0007B'] }),
    });
    const pasted = await metsOf('mets-pasted');
    expect((await validateXml(pasted, 'mets')).errors).toBe('');
    expect(pasted).toContain('<mods:title>Birincisəhifə</mods:title>');

    const broken = v2.replace('<mets:fileSec>', '<mets:fileSec><mets:notAnElement/>');
    expect((await validateXml(broken, 'mets')).ok).toBe(false);
    const badPremis = v2
      .replace(/<premis:formatRegistryKey>/, '<premis:formatRegistryKeyX>')
      .replace(/<\/premis:formatRegistryKey>/, '</premis:formatRegistryKeyX>');
    const r = await validateXml(badPremis, 'mets');
    expect(r.ok).toBe(false);
    expect(r.errors).toMatch(/formatRegistryKeyX/);
  });
});
