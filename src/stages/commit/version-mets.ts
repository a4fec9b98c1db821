/**
 * What a version's METS needs from outside its record and inventory: where the access copies are
 * published, who keeps the object, Yaddaş's version, and what the copies and audits say (Redis's
 * view of them at the moment the version is written). Shared by every writer of versions.
 */
import type { PreservationState } from '../../adapters/redis/preservation-state.js';
import type { Config } from '../../config/load.js';
import { YADDAS_VERSION } from '../../config/version.js';
import { accessWithheld } from '../../domain/withdrawal.js';
import type { Inventory } from '../../storage/ocfl.core.js';
import { LogicalPaths } from '../../storage/ocfl.core.js';
import type { ItemRecord } from './commit.core.js';
import { buildMets, type MetsInput } from './mets.core.js';

/** The primary copy's name in audit records (the preservation bucket itself). */
const PRIMARY_COPY = 'primary';

export interface MetsContext {
  publicBaseUrl: string;
  institution?: { name: string; address?: string };
  copies: string[];
  keeping?: PreservationState;
}

export function metsContext(config: Config, keeping?: PreservationState): MetsContext {
  const name = config.access.attribution.trim();
  return {
    publicBaseUrl: config.access.publicBaseUrl,
    ...(name ? { institution: { name, ...(config.ocfl.userAddress ? { address: config.ocfl.userAddress } : {}) } } : {}),
    copies: [PRIMARY_COPY, ...config.copies.replicas.map((r) => r.name)],
    ...(keeping ? { keeping } : {}),
  };
}

/** The copies of an object and the latest audit of each, as Redis knows them; none when Redis cannot say. */
async function keepingOf(ctx: MetsContext, id: string): Promise<NonNullable<MetsInput['keeping']>> {
  if (!ctx.keeping) return [];
  try {
    const held = await ctx.keeping.copiesOf(id);
    const out: NonNullable<MetsInput['keeping']> = [];
    for (const copy of ctx.copies) {
      const [a] = await ctx.keeping.lastAudits(copy, [id]);
      // The primary holds every version by definition; a replica's copy is a replication.
      const version = copy === PRIMARY_COPY ? undefined : held[copy];
      if (!version && !a) continue;
      out.push({
        copy,
        ...(version ? { version } : {}),
        ...(a
          ? {
              audit: {
                at: a.at,
                status: a.status,
                by: a.by,
                checkedFiles: a.checkedFiles,
                files: a.files,
                ...(a.status === 'repaired' ? { repaired: true } : {}),
                ...(a.reason ? { reason: a.reason } : {}),
              },
            }
          : {}),
      });
    }
    return out;
  } catch {
    return [];
  }
}

/** The METS of the version whose inventory is given (mets.xml not yet in it), as bytes. */
export async function versionMets(
  ctx: MetsContext,
  record: ItemRecord & { ocr?: { languages: string; engine: { name: string; version: string }; pages: Array<{ words: number }> } },
  inventory: Inventory,
  sizes: Record<string, number>,
): Promise<Buffer> {
  const views = record.pages.reduce((n, p) => n + (p.format.mime === 'image/tiff' ? Math.max(1, p.image?.pages ?? 1) : 1), 0);
  // The pdf stage makes a PDF of two or more views, or of one whose OCR found words.
  const pdf = views >= 2 || (record.ocr?.pages ?? []).some((p) => p.words > 0);
  const input: MetsInput = {
    record,
    inventory,
    sizes,
    // A withdrawn, restricted or embargoed item has no public access copies to point at when the
    // version is made (the METS describes the version as it was then).
    ...(accessWithheld(record, new Date(inventory.versions[inventory.head]?.created ?? Date.now()))
      ? {}
      : { access: { publicBaseUrl: ctx.publicBaseUrl, pdf } }),
    ...(ctx.institution ? { institution: ctx.institution } : {}),
    yaddasVersion: YADDAS_VERSION,
    keeping: await keepingOf(ctx, record.id),
  };
  return Buffer.from(buildMets(input), 'utf8');
}

export const metsUpload = (version: string, body: Buffer) => ({
  contentPath: `${version}/content/${LogicalPaths.mets}`,
  body,
  contentType: 'application/xml',
});
