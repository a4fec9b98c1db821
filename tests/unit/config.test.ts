import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactedConfig } from '../../src/config/load.js';
import { SETTINGS } from '../../src/config/settings.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'yaddas-config-'));

describe('configuration', () => {
  it('has embedded defaults', () => {
    const cwd = tmp();
    const c = loadConfig({ env: {}, cwd });
    expect(c.inbox).toBe(path.join(cwd, 'inbox'));
    expect(c.dataDir).toBe(path.join(cwd, 'data'));
    expect(c.intake.stagingDir).toBe(path.join(cwd, 'data/staging'));
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.embeddedS3).toBe(true);
    expect(c.s3.endpoint).toBe('http://127.0.0.1:4568');
  });

  it('puts the rejected area beside the inbox, wherever the command was started', () => {
    const elsewhere = tmp();
    const scans = tmp();
    const c = loadConfig({ env: { YADDAS_INBOX: path.join(scans, 'inbox') }, cwd: elsewhere });
    expect(c.intake.rejectedDir).toBe(path.join(scans, 'rejected'));
    expect(loadConfig({ env: { YADDAS_INBOX: path.join(scans, 'anl') }, cwd: elsewhere }).intake.rejectedDir).toBe(
      path.join(scans, 'anl-rejected'),
    );
    expect(loadConfig({ env: {}, cwd: elsewhere }).intake.rejectedDir).toBe(path.join(elsewhere, 'rejected'));
    expect(
      loadConfig({ env: { YADDAS_INBOX: path.join(scans, 'inbox'), YADDAS_REJECTED_DIR: 'out/rej' }, cwd: elsewhere }).intake.rejectedDir,
    ).toBe(path.join(elsewhere, 'out/rej'));
  });

  it('names every OCFL version with a user address: the one configured, else the public base URL', () => {
    const cwd = tmp();
    expect(loadConfig({ env: {}, cwd }).ocfl.userAddress).toBe('http://127.0.0.1:4568/yaddas-access');
    expect(loadConfig({ env: { YADDAS_PUBLIC_BASE_URL: 'https://iiif.anl.az/' }, cwd }).ocfl.userAddress).toBe('https://iiif.anl.az');
    expect(loadConfig({ env: { YADDAS_OCFL_USER_ADDRESS: 'mailto:digital@anl.az' }, cwd }).ocfl.userAddress).toBe('mailto:digital@anl.az');
    expect(() => loadConfig({ env: { YADDAS_OCFL_USER_ADDRESS: 'digital@anl.az' }, cwd })).toThrow(
      /YADDAS_OCFL_USER_ADDRESS.*must be a URI/,
    );
  });

  it('layers defaults < config/default.json < config/local.json < environment', () => {
    const cwd = tmp();
    fs.mkdirSync(path.join(cwd, 'config'));
    fs.writeFileSync(
      path.join(cwd, 'config/default.json'),
      JSON.stringify({ intake: { quietSeconds: 300, pollSeconds: 20 }, s3: { accessBucket: 'from-default' } }),
    );
    fs.writeFileSync(path.join(cwd, 'config/local.json'), JSON.stringify({ intake: { quietSeconds: 60 } }));
    const c = loadConfig({ env: { YADDAS_POLL_SECONDS: '3', AWS_ENDPOINT_URL: 'http://minio:9000' }, cwd });
    expect(c.intake.quietSeconds).toBe(60);
    expect(c.intake.pollSeconds).toBe(3);
    expect(c.s3.accessBucket).toBe('from-default');
    expect(c.s3.endpoint).toBe('http://minio:9000');
    expect(c.embeddedS3).toBe(false);
    expect(c.sources['intake.quietSeconds']).toBe(path.join('config', 'local.json'));
    expect(c.sources['intake.pollSeconds']).toBe('env YADDAS_POLL_SECONDS');
  });

  it('prefers AWS_ENDPOINT_URL_S3 over AWS_ENDPOINT_URL', () => {
    const c = loadConfig({ env: { AWS_ENDPOINT_URL_S3: 'http://s3-specific:9000', AWS_ENDPOINT_URL: 'http://general:9000' }, cwd: tmp() });
    expect(c.s3.endpoint).toBe('http://s3-specific:9000');
  });

  it('reports every invalid setting at once, by name', () => {
    const cwd = tmp();
    fs.mkdirSync(path.join(cwd, 'config'));
    fs.writeFileSync(path.join(cwd, 'config/default.json'), JSON.stringify({ intake: { quietSecs: 5 } }));
    try {
      loadConfig({
        env: {
          YADDAS_QUIET_SECONDS: 'soon',
          REDIS_URL: 'http://nope',
          YADDAS_INTAKE_MODE: 'magic',
          YADDAS_PRESERVATION_BUCKET: 'Bad_Bucket',
        },
        cwd,
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      for (const name of [
        'YADDAS_QUIET_SECONDS',
        'REDIS_URL',
        'YADDAS_INTAKE_MODE',
        'YADDAS_PRESERVATION_BUCKET',
        'unknown setting "intake.quietSecs"',
      ])
        expect(msg).toContain(name);
    }
  });

  it('refuses folders inside one another (the watcher would take its own rejected area)', () => {
    expect(() => loadConfig({ env: { YADDAS_INBOX: '/srv/inbox', YADDAS_REJECTED_DIR: '/srv/inbox/rejected' }, cwd: tmp() })).toThrow(
      /must be separate folders/,
    );
  });

  it('redacts secrets', () => {
    const c = loadConfig({ env: { REDIS_URL: 'redis://:hunter2@redis:6379', AWS_SECRET_ACCESS_KEY: 'topsecret' }, cwd: tmp() });
    const shown = JSON.stringify(redactedConfig(c));
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('topsecret');
    expect(shown).toContain('[redacted]');
  });

  it('documents every setting and its variable in the README', () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    for (const s of SETTINGS) for (const v of s.env) expect(readme, v).toContain(v);
  });
});

describe('collections file', () => {
  it('is read from config/collections.json and checked, every problem at once', () => {
    const cwd = tmp();
    fs.mkdirSync(path.join(cwd, 'config'));
    fs.writeFileSync(
      path.join(cwd, 'config/collections.json'),
      JSON.stringify({ collections: [{ slug: 'ok-one', label: { az: 'Sərgi' } }] }),
    );
    expect(loadConfig({ env: {}, cwd }).collections).toEqual([{ slug: 'ok-one', label: { az: 'Sərgi' } }]);
    fs.writeFileSync(
      path.join(cwd, 'config/collections.json'),
      JSON.stringify({
        collections: [
          { slug: 'Bad Slug', label: 'x' },
          { slug: 'a', label: '' },
          { slug: 'a', label: 'y', thumbnail: 'ftp://x' },
        ],
      }),
    );
    try {
      loadConfig({ env: {}, cwd });
      expect.unreachable();
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('"slug" must be lowercase');
      expect(msg).toContain('"label" must be text');
      expect(msg).toContain('defined twice');
      expect(msg).toContain('"thumbnail" must be an http(s) URL');
    }
  });
});

describe('the copies file', () => {
  const write = (data: unknown) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yaddas-copies-'));
    const file = path.join(dir, 'copies.json');
    fs.writeFileSync(file, JSON.stringify(data));
    return { dir, file };
  };

  it('reads replicas, credentials named by environment variable', () => {
    const { dir, file } = write({
      replicas: [
        {
          name: 'bakı-2'.replace('ı', 'i'),
          endpoint: 'https://s3.example.az',
          bucket: 'anl-copy',
          prefix: 'ocfl/',
          accessKeyIdEnv: 'K',
          secretAccessKeyEnv: 'S',
        },
      ],
    });
    const cfg = loadConfig({ env: { YADDAS_COPIES_FILE: file, K: 'key', S: 'secret' }, cwd: dir });
    expect(cfg.copies.replicas).toEqual([
      {
        name: 'baki-2',
        endpoint: 'https://s3.example.az',
        region: 'us-east-1',
        bucket: 'anl-copy',
        prefix: 'ocfl/',
        forcePathStyle: true,
        accessKeyId: 'key',
        secretAccessKey: 'secret',
      },
    ]);
    expect(cfg.copies.required).toBe(0);
    expect((redactedConfig(cfg).copies as typeof cfg.copies).replicas[0]!.secretAccessKey).toBe('[redacted]');
    expect(cfg.copies.replicas[0]!.secretAccessKey).toBe('secret');
  });

  it('names every problem at once', () => {
    const { dir, file } = write({
      replicas: [
        { name: 'Primary', endpoint: 'ftp://x', bucket: 'B', prefix: '/x', accessKeyIdEnv: 'NOT_SET' },
        { name: 'a', endpoint: 'http://x', bucket: 'abc', accessKeyId: 'k', secretAccessKey: 's' },
        { name: 'a', endpoint: 'http://x', bucket: 'abc', accessKeyId: 'k', secretAccessKey: 's' },
      ],
    });
    let err: ConfigError | undefined;
    try {
      loadConfig({ env: { YADDAS_COPIES_FILE: file, YADDAS_COPIES_REQUIRED: '9' }, cwd: dir });
    } catch (e) {
      err = e as ConfigError;
    }
    const text = err?.problems.join('\n') ?? '';
    expect(text).toMatch(/"name" must be lowercase/);
    expect(text).toMatch(/"endpoint" must be an http\(s\) URL/);
    expect(text).toMatch(/"bucket" must be an S3 bucket name/);
    expect(text).toMatch(/"prefix" must end with/);
    expect(text).toMatch(/names NOT_SET, which is not set/);
    expect(text).toMatch(/"secretAccessKey" or "secretAccessKeyEnv"/);
    expect(text).toMatch(/replica "a": the name is used twice/);
    expect(text).toMatch(/copies.required .* is 9, but there are only 1 copies/);
  });

  it('a file that is not JSON is reported by where, never by quoting it (it may hold a secret)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yaddas-copies-'));
    const file = path.join(dir, 'copies.json');
    fs.writeFileSync(file, '{"replicas": [{"name": "a", "secretAccessKey": "hunter2-very-secret" oops}]}');
    let err: ConfigError | undefined;
    try {
      loadConfig({ env: { YADDAS_COPIES_FILE: file }, cwd: dir });
    } catch (e) {
      err = e as ConfigError;
    }
    const text = err?.problems.join('\n') ?? '';
    expect(text).toMatch(/copies\.json: not valid JSON \(at position \d+/);
    expect(text).not.toContain('hunter2');
  });

  it("redacts a password in a replica's endpoint", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yaddas-copies-'));
    const file = path.join(dir, 'copies.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        replicas: [{ name: 'a', endpoint: 'https://user:pw-secret@s3.example.az', bucket: 'abc', accessKeyId: 'k', secretAccessKey: 's' }],
      }),
    );
    const cfg = loadConfig({ env: { YADDAS_COPIES_FILE: file }, cwd: dir });
    expect(JSON.stringify(redactedConfig(cfg))).not.toContain('pw-secret');
  });
});

describe('institutions', () => {
  const withFile = (data: unknown) => {
    const cwd = tmp();
    fs.mkdirSync(path.join(cwd, 'config'));
    fs.writeFileSync(path.join(cwd, 'config', 'institutions.json'), JSON.stringify(data));
    return cwd;
  };
  const problems = (data: unknown): string[] => {
    try {
      loadConfig({ env: {}, cwd: withFile(data) });
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it('without a file: one institution, no namespace, the settings as they were', () => {
    const cwd = tmp();
    const c = loadConfig({ env: { YADDAS_ATTRIBUTION: 'Milli Kitabxana' }, cwd });
    expect(c.institutions).toHaveLength(1);
    expect(c.institutions[0]).toMatchObject({
      id: 'default',
      namespace: '',
      inboxes: [path.join(cwd, 'inbox')],
      rejectedDir: path.join(cwd, 'rejected'),
      stagingDir: path.join(cwd, 'data/staging'),
      attribution: 'Milli Kitabxana',
      storage: { preservationBucket: 'yaddas-preservation', preservationPrefix: '', accessBucket: 'yaddas-access', accessPrefix: '' },
    });
  });

  it('config/institutions.json: each its inboxes, namespace, folders and storage, filled from the settings', () => {
    const cwd = withFile({
      institutions: [
        {
          id: 'anl',
          name: { az: 'Milli Kitabxana' },
          inbox: 'scans/anl',
          defaults: { rights: 'http://rightsstatements.org/vocab/InC/1.0/' },
        },
        {
          id: 'prezident',
          name: { en: 'Presidential Library' },
          namespace: 'pl',
          inbox: ['scans/pl-1', 'scans/pl-2'],
          rejected: 'scans/pl-rejected',
          storage: { preservationBucket: 'pl-pres', accessBucket: 'pl-acc', publicBaseUrl: 'https://files.preslib.az/' },
        },
      ],
    });
    const c = loadConfig({ env: {}, cwd });
    const [anl, pl] = c.institutions;
    expect(anl).toMatchObject({
      namespace: 'anl',
      inboxes: [path.join(cwd, 'scans/anl')],
      rejectedDir: path.join(cwd, 'scans/anl-rejected'),
      stagingDir: path.join(cwd, 'data/staging/anl'),
      doneDir: path.join(cwd, 'data/done/anl'),
      attribution: 'Milli Kitabxana',
      languages: ['az', 'ru', 'en'],
      storage: {
        preservationBucket: 'yaddas-preservation',
        preservationPrefix: 'anl/',
        accessBucket: 'yaddas-access',
        accessPrefix: 'anl/',
        publicBaseUrl: 'http://127.0.0.1:4568/yaddas-access/anl',
      },
    });
    expect(pl).toMatchObject({
      namespace: 'pl',
      inboxes: [path.join(cwd, 'scans/pl-1'), path.join(cwd, 'scans/pl-2')],
      rejectedDir: path.join(cwd, 'scans/pl-rejected'),
      storage: {
        preservationBucket: 'pl-pres',
        preservationPrefix: '',
        accessBucket: 'pl-acc',
        accessPrefix: '',
        publicBaseUrl: 'https://files.preslib.az',
      },
    });
  });

  it('says every problem at once: the schema, ids and namespaces twice, folders inside others, storage that overlaps', () => {
    expect(problems({ institutions: [{ id: 'ANL', name: {}, inbox: 'a', colour: 'red' }] })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/institution "ANL": "id" must match pattern/),
        expect.stringMatching(/institution "ANL": "name" must NOT have fewer than 1 properties/),
        expect.stringMatching(/institution "ANL": unknown key "colour"/),
      ]),
    );
    const found = problems({
      institutions: [
        { id: 'anl', name: { az: 'A' }, inbox: 'scans/anl' },
        { id: 'pl', name: { az: 'P' }, namespace: 'anl', inbox: 'scans/anl/pl' },
        { id: 'kh', name: { az: 'K' }, inbox: 'data/inbox' },
        { id: 'x', name: { az: 'X' }, inbox: 'scans/x', storage: { preservationPrefix: 'anl/sub/' } },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/institutions "anl" and "pl" have the same namespace \(anl\)/),
        expect.stringMatching(/the inbox of "anl" .* and the inbox of "pl" .* must be separate folders/),
        expect.stringMatching(/institution "kh": its inbox .* and Yaddaş's own folder .*data must be apart/),
        expect.stringMatching(
          /the preservation location of "anl" \(s3:\/\/yaddas-preservation\/anl\/\) and the preservation location of "x" .* overlap/,
        ),
      ]),
    );
    expect(problems({ institutions: [] })[0]).toMatch(/"institutions" must list at least one institution/);
  });
});
