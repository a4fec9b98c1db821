/**
 * Validation with the official schemas (../shared/schemas, beside the checkout in CI too), offline:
 * xmllint with the schemas' XML catalog and --nonet. METS validates what sits in its xmlData only
 * laxly, so METS is validated against a small wrapper schema of ours that imports METS, MODS,
 * PREMIS, MIX and oai_dc by their official URLs: every embedded section is then checked too.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const SCHEMAS = process.env.YADDAS_SCHEMAS ?? path.resolve(import.meta.dirname, '../../../shared/schemas');

const WRAPPER = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:yaddas:tests:all-of-mets" elementFormDefault="qualified">
  <xs:import namespace="http://www.loc.gov/METS/" schemaLocation="http://www.loc.gov/standards/mets/version1121/mets.xsd"/>
  <xs:import namespace="http://www.loc.gov/mods/v3" schemaLocation="http://www.loc.gov/standards/mods/v3/mods-3-8.xsd"/>
  <xs:import namespace="http://www.loc.gov/premis/v3" schemaLocation="http://www.loc.gov/standards/premis/v3/premis-v3-0.xsd"/>
  <xs:import namespace="http://www.loc.gov/mix/v20" schemaLocation="http://www.loc.gov/standards/mix/mix20/mix20.xsd"/>
  <xs:import namespace="http://www.openarchives.org/OAI/2.0/oai_dc/" schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc.xsd"/>
</xs:schema>
`;

let wrapperFile: string | undefined;
async function wrapper(): Promise<string> {
  if (!wrapperFile) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-xsd-'));
    wrapperFile = path.join(dir, 'mets-with-embedded.xsd');
    await fs.writeFile(wrapperFile, WRAPPER);
  }
  return wrapperFile;
}

export type SchemaName = 'mets' | 'alto' | 'premis' | 'mods';
const SCHEMA_FILES: Record<Exclude<SchemaName, 'mets'>, string> = {
  alto: 'alto/alto-4-4.xsd',
  premis: 'premis/premis-v3-0.xsd',
  mods: 'mods/mods-3-8.xsd',
};

/** xmllint's verdict on an XML document (a file path or its text) against an official schema. */
export async function validateXml(doc: string | Buffer, schema: SchemaName): Promise<{ ok: boolean; errors: string }> {
  let file = typeof doc === 'string' && !doc.trimStart().startsWith('<') ? doc : '';
  if (!file) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'yaddas-xml-'));
    file = path.join(dir, 'doc.xml');
    await fs.writeFile(file, doc);
  }
  const xsd = schema === 'mets' ? await wrapper() : path.join(SCHEMAS, SCHEMA_FILES[schema]);
  try {
    await exec('xmllint', ['--noout', '--nonet', '--schema', xsd, file], {
      env: { ...process.env, XML_CATALOG_FILES: path.join(SCHEMAS, 'catalog.xml') },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { ok: true, errors: '' };
  } catch (err) {
    // Parser warnings about the official schemas' own imports (xml.xsd imported twice) are not ours.
    const lines = String((err as { stderr?: string }).stderr ?? err)
      .split('\n')
      .filter((l) => l.trim() !== '' && !/Schemas parser warning/.test(l));
    return { ok: false, errors: lines.join('\n') };
  }
}
