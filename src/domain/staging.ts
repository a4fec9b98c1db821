/**
 * The staging area's conventions (docs/pipeline.md, "Where an item's files are"). A taken item is
 * kept unaltered in `<staging>/<ingest id>/<its name as dropped>` until its masters are stored and
 * read back; intake writes beside it what it knew; release moves the folder to the done or the
 * rejected area and leaves a file that says why. Every reader and writer of these names imports
 * them from here.
 */
import { type Language, MESSAGES, type MessageKey, translator } from './i18n/index.js';
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

/**
 * REJECTED.txt: what is wrong, with which file, and what to do, in plain words, in each of the
 * institution's languages in its order (Azerbaijani first for the Azerbaijani libraries). The
 * English section gives each problem's own words; the others say what its code means and what to
 * do in their language, with the English words beside them for the details (names, sizes, lines).
 */
export function rejectionText(input: {
  name: string;
  ingestId: string;
  at: Date;
  problems: Problem[];
  /** false when the item could not be copied (a pipe, a device): the rejected area has this report alone */
  copied?: boolean;
  /** the institution's languages, first the first (default: English alone) */
  languages?: readonly Language[];
}): string {
  const sections = (input.languages?.length ? input.languages : (['en'] as const)).map((lang) => {
    const t = translator(lang);
    const sentence = (s: string) => printable(s, { name: false });
    const lines = [
      t('rejected.title', { name: printable(input.name) }),
      '',
      t('rejected.checked', { at: input.at.toISOString(), ingestId: input.ingestId }),
      '',
      input.problems.length === 1 ? t('rejected.whatIsWrong') : t('rejected.whatIsWrongN', { n: input.problems.length }),
      '',
    ];
    input.problems.forEach((p, i) => {
      const file = p.file ? `${printable(p.file)}: ` : '';
      const known = `code.${p.code}` in MESSAGES.en;
      if (lang === 'en' || !known) {
        lines.push(`${i + 1}. ${file}${sentence(p.message)}`);
        lines.push(`   ${t('rejected.whatToDo', { hint: sentence(p.hint) })}`);
      } else {
        lines.push(`${i + 1}. ${file}${t(`code.${p.code}` as MessageKey)}`);
        lines.push(`   ${t('rejected.whatToDo', { hint: t(`code.${p.code}.hint` as MessageKey) })}`);
        lines.push(`   ${t('rejected.inEnglish', { message: sentence(p.message) })}`);
      }
      if (p.detail) lines.push(`   ${t('rejected.detail', { detail: sentence(p.detail) })}`);
      lines.push(`   ${t('rejected.code', { code: p.code })}`);
      lines.push('');
    });
    if (input.copied === false) lines.push(t('rejected.notCopied'), t('rejected.notCopiedRetry'), '');
    else lines.push(t('rejected.kept'), t('rejected.keptRetry'), '');
    return lines.join('\n');
  });
  return sections.join(`${'-'.repeat(72)}\n\n`);
}
