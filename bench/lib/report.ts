/** Printing: plain lines, aligned tables, and the figures' units (1 MB = 10^6 bytes throughout). */

export type Verdict = 'PASS' | 'MISS' | '';

/** One line of the final summary. `verdict` is empty for figures that are reported, not judged. */
export interface Row {
  what: string;
  value: string;
  target: string;
  verdict: Verdict;
}

export const say = (s = ''): void => void process.stdout.write(`${s}\n`);

export const MB = 1e6;
export const MiB = 1024 * 1024;

export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const mbps = (bytes: number, ms: number): number => bytes / MB / (ms / 1000);
export const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');

/** Left-aligned columns, two spaces apart, indented. */
export function table(head: string[], rows: string[][], indent = '  '): string {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    indent +
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function summaryTable(rows: Row[]): string {
  return table(
    ['measure', 'result', 'target', ''],
    rows.map((r) => [r.what, r.value, r.target, r.verdict]),
  );
}
