/**
 * The staging area's conventions (docs/pipeline.md, "Where an item's files are"). A taken item is
 * kept unaltered in `<staging>/<ingest id>/<its name as dropped>` until its masters are stored and
 * read back; intake writes beside it what it knew; release moves the folder to the done or the
 * rejected area and leaves a file that says why. Every reader and writer of these names imports
 * them from here.
 */
import path from 'node:path';
import type { Problem } from './errors.js';

export const Staging = {
  /** what intake knew when it took the item (an IngestManifest as JSON), beside the item */
  manifestFile: '.yaddas-ingest.json',
  /** written into a preserved item's folder as it moves to the done area: retention counts from it */
  doneStamp: '.yaddas-done',
  /** the plain-words report beside a rejected item */
  rejectedReport: 'REJECTED.txt',
  /** the folder of one ingest in the staging, done or rejected area */
  folder: (area: string, ingestId: string): string => path.join(area, ingestId),
} as const;

/**
 * A name as it can be printed in a text file: control characters (a newline, a tab, an escape
 * sequence a terminal would obey) and other invisible ones shown as \n, \t or \u{…} escapes,
 * so that the report shows which name is meant and cannot be garbled by one. In a sentence
 * (`name: false`) only control characters and bidirectional overrides are escaped. (A backslash is left as it is: doubling
 * it would make the names staff see differ from the ones on disk more often than it helps.)
 */
export function printable(s: string, opts: { name: boolean } = { name: true }): string {
  // In sentences, control characters and the bidirectional overrides that can make a quoted name
  // read backwards; in names, every invisible character.
  const unprintable = opts.name ? /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu : /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;
  return s.replace(unprintable, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`;
  });
}

/** REJECTED.txt: what is wrong, with which file, and what to do, in plain words. */
export function rejectionText(input: {
  name: string;
  ingestId: string;
  at: Date;
  problems: Problem[];
  /** false when the item could not be copied (a pipe, a device): the rejected area has this report alone */
  copied?: boolean;
}): string {
  const lines = [
    `Yaddaş did not accept "${printable(input.name)}".`,
    '',
    `Checked: ${input.at.toISOString()}  (reference ${input.ingestId})`,
    '',
    input.problems.length === 1 ? 'What is wrong:' : `What is wrong (${input.problems.length} problems):`,
    '',
  ];
  input.problems.forEach((p, i) => {
    const sentence = (s: string) => printable(s, { name: false });
    lines.push(`${i + 1}. ${p.file ? `${printable(p.file)}: ` : ''}${sentence(p.message)}`);
    lines.push(`   What to do: ${sentence(p.hint)}`);
    if (p.detail) lines.push(`   Technical detail: ${sentence(p.detail)}`);
    lines.push(`   (code ${p.code})`);
    lines.push('');
  });
  if (input.copied === false)
    lines.push(
      'Nothing was copied: the item could not be, and the original is where it was given to Yaddaş.',
      'To try again, fix the problems above in the original, then give it to Yaddaş again.',
      '',
    );
  else
    lines.push(
      'Nothing was deleted: the item is here exactly as it was dropped.',
      'To try again, fix the problems above, then move the item (not this text file) back into the inbox.',
      '',
    );
  return lines.join('\n');
}
