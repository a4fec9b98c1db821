/**
 * Logging in to the console. Credentials come from configuration only (YADDAS_CONSOLE_USER and
 * YADDAS_CONSOLE_PASSWORD); none are built in, and without them nobody can log in and the
 * dashboard is read-only. A session is a signed cookie: user, expiry, HMAC-SHA256 with a key made
 * when the console starts (restarting it logs everyone out).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'yaddas_session';
const HOURS = 12;

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export class ConsoleAuth {
  private readonly key = randomBytes(32);
  constructor(private readonly creds: { user: string; password: string }) {}

  /** false: no credentials configured, so no one can change anything. */
  get enabled(): boolean {
    return this.creds.user !== '' && this.creds.password !== '';
  }

  check(user: string, password: string): boolean {
    // Both compared, always, so that timing says nothing about which one was wrong.
    const u = same(user, this.creds.user);
    const p = same(password, this.creds.password);
    return this.enabled && u && p;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  issue(user: string, now = Date.now()): string {
    const payload = `${Buffer.from(user).toString('base64url')}.${now + HOURS * 3600_000}`;
    return `${payload}.${this.mac(payload)}`;
  }

  /** The user of a valid, unexpired session, or null. */
  verify(token: string | undefined, now = Date.now()): string | null {
    if (!this.enabled || !token) return null;
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [u, exp, mac] = parts as [string, string, string];
    if (!same(mac, this.mac(`${u}.${exp}`)) || Number(exp) < now) return null;
    const user = Buffer.from(u, 'base64url').toString('utf8');
    return user === this.creds.user ? user : null;
  }
}
