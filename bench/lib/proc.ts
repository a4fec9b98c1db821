/** Running commands and looking at processes through /proc (Linux only, like the benchmark). */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';

export interface RunResult {
  /** exit status; -1 when the command could not be started or was killed by a signal */
  code: number;
  stdout: string;
  stderr: string;
  /** wall time from start to exit */
  ms: number;
}

/** Runs a command to completion without throwing: the caller decides what a failure means. */
export function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    execFile(cmd, args, { env: env ?? process.env, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const ms = performance.now() - started;
      if (!err) return resolve({ code: 0, stdout, stderr, ms });
      const code = typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr: stderr || err.message, ms });
    });
  });
}

export { setTimeout as sleep } from 'node:timers/promises';

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Pids whose parent is `ppid`, from the ppid field of /proc/<pid>/stat. */
export async function childPids(ppid: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await fs.readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // The command name in parentheses may contain spaces: the fields after its ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === ppid) out.push(Number(name));
  }
  return out;
}

/** The role of a Yaddaş stage process: its command line ends in `workers/<role>.js`. */
export async function workerRole(pid: number): Promise<string | undefined> {
  const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return /workers\/([\w-]+)\.js\0?$/.exec(cmd)?.[1];
}

/** Resident set size now (VmRSS) in bytes, or null when the process is gone. */
export async function rss(pid: number): Promise<number | null> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? null : Number(kb) * 1024;
}

/** Peak resident set size (VmHWM) in bytes, or null when the process is gone. */
export async function peakRss(pid: number): Promise<number | null> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? null : Number(kb) * 1024;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user + system) a process has used so far, in seconds, or null when it is gone. */
export async function cpuSeconds(pid: number): Promise<number | null> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
