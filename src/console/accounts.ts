/**
 * Staff accounts and what each may do (issue 13, part 4). Accounts come from the users file
 * (config/users.json, schemas/users.schema.json), or, for the single-user case, from
 * YADDAS_CONSOLE_USER and YADDAS_CONSOLE_PASSWORD (an administrator of every institution). Without
 * either, nobody can log in and the console stays read-only, as it was.
 *
 * Roles are per institution and each includes the ones before it: viewer (reads), operator
 * (retries, re-runs, pauses, decides on held items), curator (withdraws, reinstates), admin
 * (everything, the installation's queues included).
 */
import { readFileSync } from 'node:fs';
import { schemaValidator } from '../domain/schemas.js';
import { hashPassword, isPasswordHash, verifyPassword } from './passwords.js';

export const ROLES = ['viewer', 'operator', 'curator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
const rank = (r: Role | undefined) => (r ? ROLES.indexOf(r) + 1 : 0);

export interface StaffMember {
  login: string;
  name?: string;
  /** role by institution id; "*" for every institution */
  roles: Record<string, Role>;
  language?: 'az' | 'ru' | 'en';
}

interface Account extends StaffMember {
  passwordHash: string;
}

/** What a member of staff may do: asked by the console before every page, list and change. */
export class Permissions {
  constructor(
    readonly staff: StaffMember,
    private readonly allInstitutions: readonly string[],
  ) {}

  roleIn(institution: string): Role | undefined {
    const own = this.staff.roles[institution];
    const every = this.staff.roles['*'];
    return rank(own) >= rank(every) ? own : every;
  }

  /** Whether the role in this institution is at least `role`. */
  can(role: Role, institution: string): boolean {
    return rank(this.roleIn(institution)) >= rank(role);
  }

  /** The institutions where the role is at least `role`. */
  institutions(role: Role = 'viewer'): string[] {
    return this.allInstitutions.filter((i) => this.can(role, i));
  }

  /** Administrator of every institution: the installation's own pages (the queues' board). */
  get installationAdmin(): boolean {
    return this.allInstitutions.every((i) => this.can('admin', i));
  }

  /** The institutions to list for this person: undefined when all (no filtering needed). */
  get scope(): string[] | undefined {
    const mine = this.institutions('viewer');
    return mine.length === this.allInstitutions.length ? undefined : mine;
  }
}

export class Accounts {
  private constructor(
    private readonly byLogin: Map<string, Account>,
    /** a hash to check against when the login is unknown, so that timing does not tell */
    private readonly decoy: string,
  ) {}

  /** No accounts: nobody can log in, and the console is read-only for anyone. */
  get enabled(): boolean {
    return this.byLogin.size > 0;
  }

  get(login: string): StaffMember | undefined {
    const a = this.byLogin.get(login);
    if (!a) return undefined;
    const { passwordHash: _, ...staff } = a;
    return staff;
  }

  /** The member of staff whose login and password these are, or null (always one scrypt run). */
  async check(login: string, password: string): Promise<StaffMember | null> {
    const a = this.byLogin.get(login);
    const ok = await verifyPassword(password, a?.passwordHash ?? this.decoy);
    return a && ok ? (this.get(login) ?? null) : null;
  }

  /**
   * From the users file (when there is one) and the single user of the environment (an
   * administrator of every institution, unless the file has that login). Every problem at once.
   */
  static async load(o: {
    file?: string;
    envUser?: string;
    envPassword?: string;
    institutions: readonly string[];
  }): Promise<{ accounts: Accounts; problems: string[] }> {
    const problems: string[] = [];
    const byLogin = new Map<string, Account>();
    if (o.file) {
      const r = readUsers(o.file, o.institutions);
      problems.push(...r.problems);
      for (const a of r.accounts) byLogin.set(a.login, a);
    }
    // Logins are compared in lower case (the form lower-cases what is typed): "Admin" is "admin".
    const envUser = o.envUser?.trim().toLowerCase();
    if (envUser && o.envPassword && !byLogin.has(envUser)) {
      // A password given in the environment is hashed here, so that it is compared as every other.
      const hash = isPasswordHash(o.envPassword) ? o.envPassword : await hashPassword(o.envPassword);
      byLogin.set(envUser, { login: envUser, passwordHash: hash, roles: { '*': 'admin' } });
    }
    return { accounts: new Accounts(byLogin, await hashPassword('not a password anyone has')), problems };
  }
}

const usersSchema = schemaValidator('users.schema.json');
function schemaValid(data: unknown): string[] {
  return usersSchema(data).map((e) => {
    const at = e.instancePath.split('/').slice(1);
    const user =
      at[0] === 'users' && at[1] !== undefined ? (data as { users: Array<{ login?: unknown }> }).users[Number(at[1])] : undefined;
    const who = user ? `user ${typeof user.login === 'string' ? `"${user.login}"` : `#${Number(at[1]) + 1}`}` : 'the file';
    const inner = at.slice(2).join('.');
    const what =
      e.keyword === 'additionalProperties'
        ? `unknown key "${String(e.params.additionalProperty)}"`
        : e.keyword === 'enum'
          ? `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`
          : (e.message ?? 'is invalid');
    return `${who}${inner ? `: "${inner}"` : ''} ${what}`;
  });
}

function readUsers(file: string, institutions: readonly string[]): { accounts: Account[]; problems: string[] } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Where, not what: the parser's message may quote a password hash.
    return { accounts: [], problems: [`${file}: ${e.code ? e.message : 'not valid JSON'}`] };
  }
  const problems = schemaValid(data).map((p) => `${file}: ${p}`);
  if (problems.length > 0) return { accounts: [], problems };
  const accounts = (data as { users: Account[] }).users;
  const seen = new Set<string>();
  for (const a of accounts) {
    if (seen.has(a.login)) problems.push(`${file}: user "${a.login}" is listed twice`);
    seen.add(a.login);
    if (!isPasswordHash(a.passwordHash))
      problems.push(`${file}: user "${a.login}": "passwordHash" is not a hash yaddas hash-password makes ($scrypt$ln=15,…)`);
    for (const inst of Object.keys(a.roles))
      if (inst !== '*' && !institutions.includes(inst))
        problems.push(`${file}: user "${a.login}" has a role in "${inst}", which is no institution here (${institutions.join(', ')})`);
  }
  return { accounts: problems.length ? [] : accounts, problems };
}
