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

/** REJECTED.txt: what is wrong, with which file, and what to do, in plain words. */
export function rejectionText(input: { name: string; ingestId: string; at: Date; problems: Problem[] }): string {
  const lines = [
    `Yaddaş did not accept "${input.name}".`,
    '',
    `Checked: ${input.at.toISOString()}  (reference ${input.ingestId})`,
    '',
    input.problems.length === 1 ? 'What is wrong:' : `What is wrong (${input.problems.length} problems):`,
    '',
  ];
  input.problems.forEach((p, i) => {
    lines.push(`${i + 1}. ${p.file ? `${p.file}: ` : ''}${p.message}`);
    lines.push(`   What to do: ${p.hint}`);
    lines.push(`   (code ${p.code})`);
    lines.push('');
  });
  lines.push(
    'Nothing was deleted: the item is here exactly as it was dropped.',
    'To try again, fix the problems above, then move the item (not this text file) back into the inbox.',
    '',
  );
  return lines.join('\n');
}
