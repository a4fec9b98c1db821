/**
 * The project's published JSON Schemas (schemas/*.schema.json), read where they are, never
 * copied: from the checkout in development (src/domain) or beside the build (dist/src/domain).
 * Each is compiled once, on first use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';

/** A validator of one schema file (`metadata.schema.json`): every error of a value, none when it is valid. */
export function schemaValidator(name: string): (data: unknown) => ErrorObject[] {
  let compiled: ReturnType<Ajv2020['compile']> | undefined;
  return (data) => {
    if (!compiled) {
      const file = [`../../../schemas/${name}`, `../../schemas/${name}`]
        .map((p) => fileURLToPath(new URL(p, import.meta.url)))
        .find((p) => existsSync(p));
      if (!file) throw new Error(`schemas/${name} not found`);
      compiled = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(file, 'utf8')) as object);
    }
    return compiled(data) ? [] : [...(compiled.errors ?? [])];
  };
}
