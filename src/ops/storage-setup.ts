/**
 * The buckets made ready at start-up (the supervisor's, and the tests' harness): both exist (made
 * where allowed), the OCFL storage root is declared, and the access bucket is readable by the
 * viewers it is for. A bucket Yaddaş creates gets a public-read policy; whether viewers can
 * really read it is then found out the way they would, by an anonymous GET of a small file at
 * its public URL, so that a private bucket (moto, MinIO and AWS create them private) or a CDN
 * that does not answer is a clear warning at start-up, not 403s in every viewer later.
 */
import { anonymousGet } from '../adapters/http-probe.js';
import type { Logger } from '../log.js';
import { publicUrl, READABLE_CHECK_KEY } from '../storage/access-layout.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { OcflStore } from '../storage/ocfl-store.js';

export interface StorageSetup {
  /** what was created or set, for the log */
  done: string[];
  /** what staff must see: the access bucket cannot be read by viewers, and how to fix it */
  warnings: string[];
}

export async function prepareStorage(
  p: {
    preservation: OcflStore;
    access: ObjectStore;
    publicBaseUrl: string;
    log?: Logger;
    replicas?: Array<{ name: string; ocfl: OcflStore }>;
  },
  create: boolean,
): Promise<StorageSetup> {
  const done: string[] = [];
  const warnings: string[] = [];
  // Each replica made a storage root too; one that cannot be reached now never stops start-up
  // (its copies wait for it, and its copy jobs make it ready when it is back).
  for (const r of p.replicas ?? []) {
    try {
      if ((await r.ocfl.ensureBucket(create)) === 'created') done.push(`bucket s3://${r.ocfl.bucket} created for the replica ${r.name}`);
      if ((await r.ocfl.ensureStorageRoot()) === 'created') done.push(`OCFL storage root created in the replica ${r.name}`);
    } catch (err) {
      warnings.push(
        `The replica ${r.name} (s3://${r.ocfl.bucket}) cannot be made ready now: ${(err as Error).message}. Items are preserved all the same; their copies there wait until it can be reached.`,
      );
    }
  }
  if ((await p.preservation.ensureBucket(create)) === 'created') done.push(`bucket s3://${p.preservation.bucket} created`);
  let policy: 'set' | 'unsupported' | 'refused' | 'not asked' = 'not asked';
  if ((await p.access.ensureBucket(create)) === 'created') {
    done.push(`bucket s3://${p.access.bucket} created`);
    policy = await p.access.allowPublicRead();
    if (policy === 'set') done.push(`bucket s3://${p.access.bucket} made readable by anyone (a public-read bucket policy on its objects)`);
  }
  if ((await p.preservation.ensureStorageRoot()) === 'created') done.push(`OCFL storage root created in s3://${p.preservation.bucket}`);

  await p.access.put(
    READABLE_CHECK_KEY,
    Buffer.from('Yaddaş fetches this file at start-up to check that viewers can read this bucket.\n'),
    {
      contentType: 'text/plain; charset=utf-8',
    },
  );
  const url = publicUrl(p.publicBaseUrl, READABLE_CHECK_KEY);
  const got = await anonymousGet(url);
  if (!('status' in got) || got.status !== 200) {
    const answer = 'status' in got ? `answered HTTP ${got.status}` : `failed (${got.error})`;
    const tried =
      policy === 'set'
        ? ' Yaddaş created it and gave it a public-read policy, which the service did not apply.'
        : policy === 'unsupported'
          ? ' Yaddaş created it, but the service has no bucket policies.'
          : policy === 'refused'
            ? " Yaddaş created it, but the service refused it a public-read policy (on AWS, the bucket's Block Public Access settings forbid public policies until they are turned off for it)."
            : ' It existed already, so Yaddaş left its permissions alone.';
    warnings.push(
      `Viewers cannot read the access bucket s3://${p.access.bucket}: an anonymous GET of ${url} ${answer}.${tried} IIIF images, manifests, thumbnails and PDFs will not show in viewers or websites until it is readable: give it a public-read policy for s3:GetObject (README, "The access bucket"), or serve it through a web server or CDN and set YADDAS_PUBLIC_BASE_URL to that address.`,
    );
  }
  return { done, warnings };
}
