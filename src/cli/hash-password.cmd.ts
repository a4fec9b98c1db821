/**
 * `yaddas hash-password`: a password from standard input (typed at a prompt without echo, or
 * piped) as the scrypt hash config/users.json keeps. The password itself is never stored or shown.
 */
import { createInterface } from 'node:readline';
import { hashPassword } from '../console/passwords.js';

async function readPassword(): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    let all = '';
    for await (const chunk of input) all += chunk;
    return all.replace(/\r?\n$/, '');
  }
  process.stderr.write('Password: ');
  input.setRawMode(true);
  return new Promise((resolve) => {
    let typed = '';
    const rl = createInterface({ input });
    input.on('data', (b: Buffer) => {
      for (const ch of b.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          input.setRawMode(false);
          rl.close();
          process.stderr.write('\n');
          resolve(typed);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    });
  });
}

export async function hashPasswordCommand(): Promise<number> {
  const password = await readPassword();
  if (password.length < 10) {
    process.stderr.write('yaddas hash-password: a staff password needs at least 10 characters\n');
    return 2;
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}
