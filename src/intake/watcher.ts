/**
 * Polls the inbox and takes each item once it has fully arrived. One watcher per inbox at a time
 * (a Redis lease), so intake processes can be scaled or restarted without taking an item twice.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { makeFolder, scanInbox } from '../adapters/local-fs.js';
import { type Config, workFolders } from '../config/load.js';
import { Staging } from '../domain/staging.js';
import type { Logger } from '../log.js';
import { LockNames, type Locks } from '../storage/locks.js';
import type { Intake } from './intake.js';
import { decideArrivals, type ArrivalState } from './rules.core.js';

export interface WatcherDeps {
  config: Config;
  locks: Locks;
  intake: Intake;
  log: Logger;
  /**
   * whether this watcher resumes the staged ingests of its intake (false for an institution's
   * second inbox: its first inbox's watcher does it, so that none is resumed twice)
   */
  recovers?: boolean;
}

export class Watcher {
  private state = new Map<string, ArrivalState>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly owner = randomUUID();
  private readonly lease: string;
  private lastPurge = 0;
  /** entries whose take failed, by signature, so the same failure is logged once */
  private readonly failedTakes = new Map<string, string>();

  constructor(private readonly deps: WatcherDeps) {
    const inboxHash = createHash('sha1').update(deps.config.inbox).digest('hex').slice(0, 12);
    this.lease = LockNames.inbox(inboxHash);
  }

  async start(): Promise<void> {
    for (const f of workFolders(this.deps.config).filter((w) => w.variable === 'YADDAS_INBOX' || w.variable === 'YADDAS_REJECTED_DIR'))
      await makeFolder(f);
    const recovered = this.deps.recovers === false ? 0 : await this.deps.intake.recover();
    if (recovered > 0) this.deps.log.info({ recovered }, 'resumed staged ingests left by an earlier run');
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err) => this.deps.log.error({ err }, 'inbox scan failed; trying again'))
        .finally(() => this.schedule(this.deps.config.intake.pollSeconds * 1000));
    }, ms);
  }

  /**
   * Holds the inbox lease for a few poll intervals, renewed on each scan; true while this watcher
   * holds it. Renewed by scans rather than a timer: a watcher stuck on a stalled share stops
   * renewing, and another takes over.
   */
  private holdLease(): Promise<boolean> {
    return this.deps.locks.hold(this.lease, this.owner, Math.max(5_000, this.deps.config.intake.pollSeconds * 3_000));
  }

  /** One scan: decide arrivals, take what is ready. Public for tests and `--once`. */
  async tick(): Promise<void> {
    if (!(await this.holdLease())) return;
    const { inbox, intake } = this.deps.config;
    const snaps = await scanInbox(inbox, intake.markerName, intake.mode);
    const { ready, state } = decideArrivals(snaps, this.state, Date.now(), { mode: intake.mode, quietMs: intake.quietSeconds * 1000 });
    // Staff (and whoever watches the log) learn at once that an item was seen, not only minutes
    // later when it is taken.
    for (const snap of snaps) {
      if (this.state.has(snap.name) || ready.includes(snap.name)) continue;
      const when =
        intake.mode === 'quiet'
          ? `taken once nothing in it has changed for ${intake.quietSeconds} s`
          : `taken once its marker "${intake.markerName}" is there`;
      this.deps.log.info({ file: snap.name }, `seen in the inbox; ${when}`);
    }
    this.state = state;
    for (const name of ready) {
      if (this.stopped) break;
      const snap = snaps.find((s) => s.name === name)!;
      const source = Buffer.concat([Buffer.from(`${inbox}/`), snap.rawName ?? Buffer.from(name)]);
      try {
        await this.deps.intake.take(source, name, { move: true, via: 'inbox' });
        this.state.delete(name);
        // A single file's marker sits beside it in the inbox; it has done its job.
        if (intake.mode === 'marker' && snap.kind !== 'dir') await fs.rm(path.join(inbox, `${name}.${intake.markerName}`), { force: true });
        this.failedTakes.delete(name);
      } catch (err) {
        if (this.failedTakes.get(name) !== snap.signature)
          this.deps.log.error({ err, file: name }, 'could not take an item from the inbox; it stays there');
        this.failedTakes.set(name, snap.signature);
      }
    }
    if (Date.now() - this.lastPurge > 3_600_000) {
      this.lastPurge = Date.now();
      await this.purgeDone().catch((err) => this.deps.log.error({ err }, 'purging the done area failed'));
      // A take that failed after its rename (a disk error, say) left the item staged without a
      // flow; picking such items up now and then means they are not forgotten until a restart.
      if (this.deps.recovers !== false)
        await this.deps.intake.recover().catch((err) => this.deps.log.error({ err }, 'resuming staged ingests failed'));
    }
  }

  /** Removes items from the done area once their retention has passed. */
  async purgeDone(): Promise<number> {
    const { doneDir, doneRetentionDays } = this.deps.config.intake;
    const cutoff = Date.now() - doneRetentionDays * 86_400_000;
    let n = 0;
    const names = await fs.readdir(doneDir).catch(() => [] as string[]);
    for (const name of names) {
      const stamp = await fs.stat(path.join(Staging.folder(doneDir, name), Staging.doneStamp)).catch(() => null);
      if (stamp && stamp.mtimeMs < cutoff) {
        await fs.rm(path.join(doneDir, name), { recursive: true, force: true });
        n++;
      }
    }
    if (n > 0) this.deps.log.info({ removed: n, doneRetentionDays }, 'removed items past their retention from the done area');
    return n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.deps.locks.release(this.lease, this.owner).catch(() => undefined);
  }
}

/** Every inbox's watcher (each institution has one inbox or more), as one. */
export class Watchers {
  constructor(readonly all: Watcher[]) {}

  async start(): Promise<void> {
    for (const w of this.all) await w.start();
  }

  /** One scan of every inbox. */
  async tick(): Promise<void> {
    for (const w of this.all) await w.tick();
  }

  async purgeDone(): Promise<number> {
    let n = 0;
    for (const w of this.all) n += await w.purgeDone();
    return n;
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((w) => w.stop()));
  }
}
