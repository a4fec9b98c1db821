/**
 * The `yaddas` command line: one function per command, all wired through the composition root.
 */
import { Command, Option } from 'commander';
import { loadConfigOrExit } from '../process.js';
import { createLogger } from '../log.js';
import { createApp, institutionOnly } from '../app.js';
import { configCommand } from './config.cmd.js';
import { ingestCommand } from './ingest.cmd.js';
import { exportCommand } from './export.cmd.js';
import { accessChangeCommand, rightsCommand } from './withdraw.cmd.js';
import { embargoesCommand } from './embargo.cmd.js';
import { verifyCommand } from './verify.cmd.js';
import { reocrCommand } from './reocr.cmd.js';
import {
  decideCommand,
  healthCommand,
  type ItemsOptions,
  itemsCommand,
  pauseCommand,
  retryCommand,
  showCommand,
  statusCommand,
} from './ops.cmd.js';
import { rederiveCommand } from './rederive.cmd.js';
import { replicateCommand } from './replicate.cmd.js';
import { auditCommand, auditReportCommand } from './audit.cmd.js';
import { repairCommand } from './repair.cmd.js';
import { redisAnswers } from '../adapters/redis/connection.js';

async function withApp(
  fn: (app: ReturnType<typeof createApp>) => Promise<number>,
  needs: { redis?: boolean; s3?: boolean } = { redis: true },
): Promise<never> {
  const needsRedis = needs.redis ?? false;
  const config = loadConfigOrExit();
  // The CLI logs only warnings and errors, to stderr: its stdout is its output (for people, or
  // JSON for scripts) and carries nothing else.
  const log = createLogger({ log: { ...config.log, level: config.log.level === 'info' ? 'warn' : config.log.level } }, 'cli', {
    to: 'stderr',
  });
  if (needsRedis && !(await redisAnswers(config.redis.url))) {
    process.stderr.write(`yaddas: Redis does not answer at ${new URL(config.redis.url).host}; start Yaddaş (npm start) or set REDIS_URL\n`);
    process.exit(1);
  }
  // The embedded S3 server normally runs inside `npm start`; a command that reads storage while
  // Yaddaş is stopped runs it for its own duration.
  // (s3rver is loaded only when a command needs it.)
  const s3 = needs.s3 ? await (await import('../services/embedded.js')).ensureEmbeddedS3(config, log) : null;
  const installation = createApp(config, log);
  // Staff of one institution: its items only (--institution, or YADDAS_INSTITUTION).
  const only = (program.opts() as { institution?: string }).institution ?? process.env.YADDAS_INSTITUTION;
  let app = installation;
  let code = 1;
  try {
    if (only) app = institutionOnly(installation, only);
    code = await fn(app);
  } catch (err) {
    process.stderr.write(`yaddas: ${(err as Error).message}\n`);
  } finally {
    await installation.close();
    await s3?.stop();
  }
  process.exit(code);
}

const program = new Command('yaddas')
  .description('Yaddaş: a digital preservation ingest pipeline')
  .option(
    '--institution <id>',
    "act as staff of this institution: its items only, and `ingest` takes items into its inbox's keeping (or YADDAS_INSTITUTION)",
  )
  .showHelpAfterError();

program
  .command('start')
  .description('start Yaddaş: embedded services if none are configured, then every stage as its own process')
  .action(async () => {
    await (await import('../supervisor.js')).runSupervisor();
  });

program
  .command('config')
  .description('print the effective configuration (secrets redacted) and where each value came from')
  .option('--json', 'as JSON')
  .action((opts: { json?: boolean }) => {
    process.exit(configCommand(loadConfigOrExit(), opts));
  });

program
  .command('hash-password')
  .description('read a password from standard input and print its scrypt hash, for "passwordHash" in config/users.json')
  .action(async () => {
    const { hashPasswordCommand } = await import('./hash-password.cmd.js');
    process.exit(await hashPasswordCommand());
  });

program
  .command('ingest')
  .description('take files or folders as if they had been dropped into the inbox (they are copied)')
  .argument('<paths...>', 'folders (multi-page items) or image files (single-image items)')
  .option('--wait', 'wait until each item is preserved, rejected or failed')
  .option('--json', 'print the results as JSON')
  .addOption(new Option('--timeout <seconds>', 'with --wait: give up waiting after this long').argParser(Number))
  .action(async (paths: string[], opts: { wait?: boolean; json?: boolean; timeout?: number }) => {
    await withApp((app) => ingestCommand(app, paths, opts));
  });

program
  .command('verify')
  .description("read an item's OCFL object back and check its structure and every digest")
  .argument('<id>', 'item id')
  .option('--json', 'print the report as JSON')
  .option('--no-digests', 'check structure and inventories only, without reading content back')
  .action(async (id: string, opts: { json?: boolean; digests?: boolean }) => {
    await withApp((app) => verifyCommand(app, id, opts), { s3: true });
  });

program
  .command('withdraw')
  .description(
    'take an item out of public view: its access copies give way to a tombstone (item.json and manifest say when and why), collections drop it, item.withdrawn goes out; the preservation object is kept and records it as a new version',
  )
  .argument('<id>', 'item id')
  .requiredOption('--reason <words>', 'why, in words the public may read')
  .option('--json', 'print the result as JSON')
  .action(async (id: string, opts: { reason: string; json?: boolean }) => {
    await withApp((app) => accessChangeCommand(app, 'withdraw', id, opts), { redis: true, s3: true });
  });

program
  .command('reinstate')
  .description(
    'publish a withdrawn item again: a new version without the withdrawal, its access copies rebuilt from the preservation object, item.reinstated goes out',
  )
  .argument('<id>', 'item id')
  .option('--json', 'print the result as JSON')
  .action(async (id: string, opts: { json?: boolean }) => {
    await withApp((app) => accessChangeCommand(app, 'reinstate', id, opts), { redis: true, s3: true });
  });

program
  .command('rights')
  .description(
    "change who may see an item and under what rights (a curator's act): a new version records it, then the public copies are made or removed to agree, and item.published goes out when it is public",
  )
  .argument('<id>', 'item id')
  .option('--access <access>', 'open, restricted or embargoed (with --until)')
  .option('--until <date>', 'when an embargo ends: 2027-01-20, or a date and time with its offset')
  .option('--rights <uri>', 'a rights statement URI (rightsstatements.org, Creative Commons) or words; "" takes it away')
  .option('--json', 'print the result as JSON')
  .action(async (id: string, opts: { access?: string; until?: string; rights?: string; json?: boolean }) => {
    await withApp((app) => rightsCommand(app, id, opts), { redis: true, s3: true });
  });

program
  .command('embargoes')
  .description('list the items under embargo and when each ends (the scheduler publishes them then, every minute)')
  .option('--lift', 'publish now every item whose embargo has ended, and say item.published for each')
  .option('--json', 'print the list or the results as JSON')
  .action(async (opts: { lift?: boolean; json?: boolean }) => {
    await withApp((app) => embargoesCommand(app, opts), { redis: true, s3: true });
  });

program
  .command('export')
  .description('write each object as a BagIt 1.0 bag (payload manifests SHA-512 and SHA-256, tag manifests, bag-info.txt, the METS inside)')
  .argument('<ids...>', 'item ids')
  .option('--bag <dir>', 'write one bag per object into this folder (<id>-<version>)')
  .option('--to <s3url>', 'write one bag per object under s3://BUCKET/PREFIX on the S3 service Yaddaş uses')
  .option('--version <vN>', 'this version rather than the head')
  .option('--all-versions', 'every version: the OCFL object itself as the payload')
  .option('--json', 'print the results as JSON')
  .action(async (ids: string[], opts: { bag?: string; to?: string; version?: string; allVersions?: boolean; json?: boolean }) => {
    await withApp((app) => exportCommand(app, ids, opts), { s3: true });
  });

program
  .command('rederive')
  .description("rebuild items' access copies (thumbnails, access images, IIIF) from their preserved masters alone")
  .argument('[ids...]', 'item ids')
  .option('--all', 'every item in the preservation bucket')
  .option('--json', 'print the results as JSON')
  .action(async (ids: string[], opts: { all?: boolean; json?: boolean }) => {
    await withApp((app) => rederiveCommand(app, ids, opts), { s3: true });
  });

const auditCmd = program
  .command('audit')
  .description(
    'fixity audits now, ahead of the schedule: every file of each object read and checked against its inventory, in every copy (or --copy)',
  )
  .argument('[ids...]', 'item ids')
  .option('--all', 'every object in the preservation bucket')
  .option('--copy <name>', "only this copy: primary, or a replica's name")
  .option('--wait', 'run the audits in this process and print them; exit status 1 when anything is damaged or missing')
  .option('--json', 'per object and copy: id, copy, status (ok, damaged, repaired, missing, unreachable), files found wrong, findings')
  .action(async (ids: string[], opts: { all?: boolean; copy?: string; json?: boolean; wait?: boolean }) => {
    await withApp((app) => auditCommand(app, ids, opts), { redis: true, s3: true });
  });
auditCmd
  .command('report')
  .description('what was audited, found and repaired, from the audit history kept in the copies')
  .option('--since <date>', 'from this date or time on (2026-12-01, 2026-12-01T10:00:00Z)')
  .option('--format <format>', 'text (default), json (one record per line) or csv')
  .action(async (opts: { since?: string; format?: string }) => {
    await withApp((app) => auditReportCommand(app, opts), { redis: true, s3: true });
  });

program
  .command('repair')
  .description('write what fails its audit in one copy again from a copy that holds it good; never from one that does not match')
  .argument('[ids...]', 'item ids')
  .option('--json', "what was repaired, from where, and each copy's audit after")
  .action(async (ids: string[], opts: { json?: boolean }) => {
    await withApp((app) => repairCommand(app, ids, opts), { redis: true, s3: true });
  });

program
  .command('replicate')
  .description('bring objects to the replica stores (copies.file), each file checked against its digest on both sides; resumable')
  .argument('[ids...]', 'item ids')
  .option('--all', 'every object in the preservation bucket')
  .option('--copy <name>', 'only this replica')
  .option('--json', 'print the results as JSON')
  .action(async (ids: string[], opts: { all?: boolean; copy?: string; json?: boolean }) => {
    await withApp((app) => replicateCommand(app, ids, opts), { redis: true, s3: true });
  });

program
  .command('reocr')
  .description('OCR items again from their preserved masters (a new OCFL version; earlier OCR stays in older versions)')
  .argument('[ids...]', 'item ids')
  .option('--all', 'every item in the preservation bucket')
  .option(
    '--languages <codes>',
    'Tesseract languages joined with + (default: those of its last OCR, else metadata.json, else YADDAS_OCR_LANGUAGES)',
  )
  .option('--wait', 'wait until each is read, kept and published')
  .option('--json', 'print the results as JSON')
  .addOption(new Option('--timeout <seconds>', 'with --wait: give up waiting after this long').argParser(Number))
  .action(async (ids: string[], opts: { all?: boolean; languages?: string; wait?: boolean; json?: boolean; timeout?: number }) => {
    await withApp((app) => reocrCommand(app, ids, opts), { s3: true });
  });

program
  .command('status')
  .description('queues, workers alive, items in flight, failures and stuck items')
  .option('--json', 'as JSON')
  .action(async (opts: { json?: boolean }) => {
    await withApp((app) => statusCommand(app, opts));
  });

program
  .command('items')
  .description('recent items, newest first, with where each stands')
  .option('--failed', 'only items whose preservation or access copies failed')
  .option('--stuck', 'only items in flight with no progress for YADDAS_STUCK_MINUTES')
  .option('--rejected', 'only rejected items')
  .option('--held', "only items held for a decision (an identifier that seems to be another item's): yaddas accept or reject")
  .option('--in-flight', 'only items not yet ended')
  .option('--damaged', 'only items with a file that no copy holds good (found by an audit)')
  .option('--incomplete', 'only items whose copies are not all complete yet')
  .addOption(new Option('--limit <n>', 'at most this many').argParser(Number).default(50))
  .option('--json', 'as JSON')
  .action(async (opts: ItemsOptions) => {
    await withApp((app) => itemsCommand(app, opts), { redis: true, s3: false });
  });

program
  .command('show')
  .description('one item (by item id or ingest id): status, reasons, failed jobs, pages, links')
  .argument('<id>', 'item id or ingest id')
  .option('--json', 'as JSON')
  .action(async (id: string, opts: { json?: boolean }) => {
    await withApp((app) => showCommand(app, id, opts), { redis: true, s3: true });
  });

program
  .command('retry')
  .description(
    'retry failed items: a failed preservation takes the staged copy again; failed access copies are made again from the preserved object',
  )
  .argument('[ids...]', 'item ids or ingest ids')
  .option('--all-failed', 'every failed item among the recent ones')
  .option('--json', 'as JSON')
  .action(async (ids: string[], opts: { allFailed?: boolean; json?: boolean }) => {
    await withApp((app) => retryCommand(app, ids, opts), { redis: true, s3: true });
  });

for (const [decision, description] of [
  ['accept', 'a held item is a new scan of the stored item after all: it becomes its new version'],
  ['reject', "a held item was given another item's identifier by mistake: it goes to the rejected area with its report"],
] as const) {
  program
    .command(decision)
    .description(description)
    .argument('[ids...]', 'item ids or ingest ids of held items (yaddas items --held)')
    .option('--json', 'as JSON')
    .action(async (ids: string[], opts: { json?: boolean }) => {
      await withApp((app) => decideCommand(app, decision, ids, opts), { redis: true, s3: false });
    });
}

for (const [name, paused] of [
  ['pause', true],
  ['resume', false],
] as const) {
  program
    .command(name)
    .description(paused ? 'pause a stage: running jobs finish, no new ones start (everywhere)' : 'resume a paused stage')
    .argument('<stage>', 'ingest, inspect, prepare, store, commit, release, derive, ocr, text, pdf, publish, announce or notify')
    .option('--json', 'as JSON')
    .action(async (stage: string, opts: { json?: boolean }) => {
      await withApp((app) => pauseCommand(app, stage, paused, opts));
    });
}

program
  .command('health')
  .description("exit 0 when Redis answers and, for a stage, this machine's worker of it is connected (for container health checks)")
  .argument('[role]', 'a stage, intake or console')
  .action(async (role: string | undefined) => {
    await withApp((app) => healthCommand(app, role), { redis: false });
  });

await program.parseAsync(process.argv);
