/**
 * `yaddas replicate`: brings objects of the primary to the replica stores, verified file by file
 * (storage/replicate.ts). Run it after adding a replica, or to complete copies a replica that was
 * down missed. Resumable: an object a replica already holds whole costs two small reads, and one
 * copied part-way is taken up where it stopped.
 */
import { ErrorCodes, YaddasError } from '../domain/errors.js';
import { LockNames } from '../storage/locks.js';
import { type CopyResult, copyObject } from '../storage/replicate.js';
import type { OpsPorts } from './ports.js';

export type ReplicateOutcome = { id: string; copy: string } & ({ ok: true; result: CopyResult } | { ok: false; reason: string });

/** The replicas to work on: all, or the one named; an error naming the configured ones otherwise. */
export function chooseReplicas(app: Pick<OpsPorts, 'replicas'>, name?: string): OpsPorts['replicas'] {
  if (app.replicas.length === 0)
    throw new Error('no replica stores are configured (copies.file, YADDAS_COPIES_FILE; see docs/copies.md): there is nothing to copy to');
  if (!name) return app.replicas;
  const r = app.replicas.filter((x) => x.name === name);
  if (r.length === 0) throw new Error(`no replica named "${name}" (configured: ${app.replicas.map((x) => x.name).join(', ')})`);
  return r;
}

/** Each object to each chosen replica, one outcome per pair, as they are done. */
export async function* replicate(
  installation: Pick<OpsPorts, 'forItem' | 'replicas'>,
  ids: AsyncIterable<string> | Iterable<string>,
  copyName?: string,
): AsyncIterable<ReplicateOutcome> {
  chooseReplicas(installation, copyName); // an unknown replica is said before anything runs
  // Reachability of each institution's replicas, asked once in this run.
  const checked = new Map<object, Map<string, string>>();
  for await (const id of ids) {
    let app: OpsPorts;
    try {
      app = installation.forItem(id);
    } catch (err) {
      yield { id, copy: copyName ?? '', ok: false, reason: (err as Error).message };
      continue;
    }
    yield* replicateOne(app, id, checked, copyName);
  }
}

async function* replicateOne(
  app: Pick<OpsPorts, 'preservation' | 'replicas' | 'config' | 'log' | 'locks' | 'keeping'>,
  id: string,
  checked: Map<object, Map<string, string>>,
  copyName?: string,
): AsyncIterable<ReplicateOutcome> {
  const replicas = chooseReplicas(app, copyName);
  // A replica that cannot be reached is reported for every object, and the others go on.
  let unreachable = checked.get(app.replicas);
  if (!unreachable) {
    unreachable = new Map();
    checked.set(app.replicas, unreachable);
    for (const r of replicas) {
      try {
        await r.ocfl.ensureBucket(app.config.s3.createBuckets);
        await r.ocfl.ensureStorageRoot();
      } catch (err) {
        unreachable.set(r.name, `unreachable: ${(err as Error).message}`);
      }
    }
  }
  for (const r of replicas) {
    const down = unreachable.get(r.name);
    if (down) {
      yield { id, copy: r.name, ok: false, reason: down };
      continue;
    }
    try {
      // One writer per object and copy: a copy job or repair running now goes first.
      const result = await app.locks.withLock(LockNames.copy(r.name, id), { waitMs: 120_000, ttlMs: 120_000 }, () =>
        copyObject(app.preservation, r.ocfl, r.name, id),
      );
      await app.keeping.copyComplete(
        id,
        r.name,
        result.version,
        app.replicas.map((x) => x.name),
      );
      if (result.status === 'copied') app.log.info({ itemId: id, copy: r.name, ...result }, 'object copied to the replica');
      yield { id, copy: r.name, ok: true, result };
    } catch (err) {
      const reason = err instanceof YaddasError ? `${err.code}: ${err.message}` : `${ErrorCodes.INTERNAL}: ${(err as Error).message}`;
      yield { id, copy: r.name, ok: false, reason };
    }
  }
}
