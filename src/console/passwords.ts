/**
 * Staff passwords are kept only as slow hashes: scrypt (node:crypto, RFC 7914) with N = 2^15,
 * r = 8, p = 1 and a 16-byte random salt, written as `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`
 * (base64, the PHC string format's layout). About 90 ms and 32 MiB per check on this machine's
 * class of CPU: cheap for one login, costly for a guesser with a stolen users file.
 */
import { randomBytes, scrypt as scryptCb, type ScryptOptions, timingSafeEqual } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));

const DEFAULT = { ln: 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const FORM = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** A new hash of a password, for a users file (`yaddas hash-password`). */
export async function hashPassword(password: string, cost = DEFAULT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_BYTES, { N: 2 ** cost.ln, r: cost.r, p: cost.p, maxmem: 256 * 1024 * 1024 });
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether a string is a hash this module wrote (the users file's check). */
export const isPasswordHash = (s: string): boolean => {
  const m = FORM.exec(s);
  return !!m && Number(m[1]) >= 14 && Number(m[1]) <= 20;
};

/** Whether the password matches the hash; compared in constant time. A malformed hash matches nothing. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = FORM.exec(hash);
  if (!m) return false;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln < 14 || ln > 20) return false;
  const want = Buffer.from(m[5]!, 'base64');
  const got = await scrypt(password, Buffer.from(m[4]!, 'base64'), want.length, { N: 2 ** ln, r, p, maxmem: 256 * 1024 * 1024 });
  return got.length === want.length && timingSafeEqual(got, want);
}
