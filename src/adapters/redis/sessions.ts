/**
 * Console sessions, kept in Redis so that a login survives a restart of the console and works
 * with several console processes behind one address. The cookie holds only a random id (256
 * bits); the session's login and end are here, and Redis removes it when it ends. Failed logins
 * are counted per login and per address for a quarter of an hour, to slow down guessing without
 * locking a whole reading room behind one address out for long.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';

export interface Session {
  id: string;
  login: string;
  /** ms since the epoch */
  expires: number;
}

/** How many failures a login, and an address, may have in the window before logins are refused. */
export const LOGIN_LIMITS = { perLogin: 5, perAddress: 20, windowSeconds: 15 * 60 };

export class Sessions {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async create(login: string, hours: number): Promise<Session> {
    const id = randomBytes(32).toString('base64url');
    const expires = Date.now() + hours * 3600_000;
    await this.redis
      .multi()
      .hset(this.keys.session(id), { login, expires: String(expires) })
      .pexpireat(this.keys.session(id), expires)
      .exec();
    return { id, login, expires };
  }

  async get(id: string | undefined): Promise<Session | null> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const h = await this.redis.hgetall(this.keys.session(id));
    if (!h.login || !(Number(h.expires) > Date.now())) return null;
    return { id, login: h.login, expires: Number(h.expires) };
  }

  async destroy(id: string | undefined): Promise<void> {
    if (id && /^[A-Za-z0-9_-]{43}$/.test(id)) await this.redis.del(this.keys.session(id));
  }

  /**
   * Seconds until logins of this login or from this address are allowed again; 0 when they are.
   * A login counts its tries (every one, before the password is checked, so that guesses sent
   * all at once are counted too); an address counts its failures only (an office behind one
   * address logs in many times a day).
   */
  async blockedFor(login: string, address: string): Promise<number> {
    const [l, a] = await Promise.all([this.count(`l:${login}`), this.count(`a:${address}`)]);
    const over = [l.n >= LOGIN_LIMITS.perLogin ? l.ttl : 0, a.n >= LOGIN_LIMITS.perAddress ? a.ttl : 0];
    return Math.max(...over);
  }

  /** One more try of this login; how many there have been in the window (this one included). */
  async tried(login: string): Promise<number> {
    return this.bump(`l:${login}`);
  }

  /** A failed login from this address. */
  async failed(address: string): Promise<void> {
    await this.bump(`a:${address}`);
  }

  /** A good login clears its own count (the address's stays: it may be guessing other logins). */
  async succeeded(login: string): Promise<void> {
    await this.redis.del(this.keys.loginFailures(`l:${login}`));
  }

  private async bump(who: string): Promise<number> {
    const key = this.keys.loginFailures(who);
    // The window starts with the first (SET … NX, which any Redis has) and is not moved by later ones.
    const res = await this.redis.multi().set(key, '0', 'EX', LOGIN_LIMITS.windowSeconds, 'NX').incr(key).exec();
    return Number(res?.[1]?.[1] ?? 0);
  }

  private async count(who: string): Promise<{ n: number; ttl: number }> {
    const key = this.keys.loginFailures(who);
    const [n, ttl] = await Promise.all([this.redis.get(key), this.redis.ttl(key)]);
    return { n: Number(n ?? 0), ttl: Math.max(0, ttl) };
  }

  /** A member of staff's chosen language, remembered across sessions. */
  async language(login: string): Promise<string | null> {
    return this.redis.hget(this.keys.staffPrefs(login), 'language');
  }

  async setLanguage(login: string, language: string): Promise<void> {
    await this.redis.hset(this.keys.staffPrefs(login), { language });
  }
}

export interface StaffAction {
  at: string;
  user: string;
  action: string;
  /** the item or ingest acted on, or the queue */
  target: string;
  institution?: string;
  /** what came of it, in words */
  result: string;
}

/** Every change staff make from the console, kept in Redis as a capped stream (and logged). */
export class StaffLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly maxLength = 100_000,
  ) {}

  async add(a: StaffAction): Promise<void> {
    await this.redis.xadd(this.keys.staffActions, 'MAXLEN', '~', String(this.maxLength), '*', 'action', JSON.stringify(a));
  }

  /** The newest first. */
  async recent(limit: number): Promise<StaffAction[]> {
    const raw = await this.redis.xrevrange(this.keys.staffActions, '+', '-', 'COUNT', limit);
    return raw.map(([, f]) => JSON.parse(f[f.indexOf('action') + 1] ?? '{}') as StaffAction);
  }
}
