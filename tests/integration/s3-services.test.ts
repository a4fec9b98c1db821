/**
 * What differs between S3 services, tried on two: moto's server (which, like MinIO and AWS, makes
 * new buckets private and applies bucket policies) and the embedded s3rver (which serves every
 * object to anyone and has no policies). The access bucket Yaddaş creates must be readable by
 * viewers on both; one it finds private is a start-up warning that says how to fix it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { prepareStorage } from '../../src/ops/storage-setup.js';
import { publicUrl } from '../../src/storage/access-layout.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { startMoto } from '../helpers/moto.js';

let moto: Awaited<ReturnType<typeof startMoto>>;
let motoUrl: string;
let h: Harness;
const apps: App[] = [];

beforeAll(async () => {
  h = await startHarness({ roles: [] });
  moto = await startMoto();
  motoUrl = moto.url;
}, 30_000);
afterAll(async () => {
  for (const a of apps) await a.close();
  moto?.stop();
  await h?.stop();
});

/** An app on moto with fresh buckets of its own. */
function motoApp(): App {
  const id = `ym${randomBytes(3).toString('hex')}`;
  const config = loadConfig({
    env: {
      ...h.env,
      AWS_ENDPOINT_URL_S3: motoUrl,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      YADDAS_PRESERVATION_BUCKET: `${id}-pres`,
      YADDAS_ACCESS_BUCKET: `${id}-acc`,
    },
    cwd: h.dir,
  });
  const app = createApp(config, createLogger(config, `test-${id}`));
  apps.push(app);
  return app;
}

const anonymous = async (url: string) => (await fetch(url)).status;

describe('the access bucket, readable by viewers', () => {
  it('on moto: a bucket Yaddaş creates gets a public-read policy; its objects answer anonymous GETs, the preservation bucket does not', async () => {
    const app = motoApp();
    const setup = await prepareStorage(
      { preservation: app.preservation, access: app.access, publicBaseUrl: app.config.access.publicBaseUrl },
      true,
    );
    expect(setup.warnings).toEqual([]);
    expect(setup.done.join('\n')).toMatch(/made readable by anyone/);
    await app.access.put('items/x/manifest.json', Buffer.from('{}'), { contentType: 'application/json' });
    expect(await anonymous(publicUrl(app.config.access.publicBaseUrl, 'items/x/manifest.json'))).toBe(200);
    // The policy grants reading objects only (moto does not enforce that on listings; AWS does),
    // and nothing of the preservation bucket.
    await app.preservation.store.put('secret.txt', Buffer.from('x'));
    expect(await anonymous(`${motoUrl}/${app.preservation.bucket}/secret.txt`)).toBe(403);
  });

  it('on moto: a private access bucket that already exists is left alone, with a warning that says how to fix it', async () => {
    const app = motoApp();
    await app.access.ensureBucket(true); // made by someone else, private as moto makes them
    const setup = await prepareStorage(
      { preservation: app.preservation, access: app.access, publicBaseUrl: app.config.access.publicBaseUrl },
      true,
    );
    expect(setup.warnings).toHaveLength(1);
    expect(setup.warnings[0]).toMatch(/Viewers cannot read the access bucket s3:\/\/ym\w+-acc: an anonymous GET of .* answered HTTP 403/);
    expect(setup.warnings[0]).toMatch(/existed already.*public-read policy.*YADDAS_PUBLIC_BASE_URL/);
  });

  it('on the embedded server: no policies there, and none needed: readable, no warning', async () => {
    const setup = await prepareStorage(
      { preservation: h.app.preservation, access: h.app.access, publicBaseUrl: h.config.access.publicBaseUrl },
      true,
    );
    expect(setup.warnings).toEqual([]);
    expect(await anonymous(publicUrl(h.config.access.publicBaseUrl, 'yaddas-readable.txt'))).toBe(200);
  });
});
