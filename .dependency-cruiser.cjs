/**
 * The house's layering, checked on every test run (npm test → npm run cycles). Imports go one way,
 * from the top down:
 *
 *   workers/, cli/, console/, app.ts, process.ts, supervisor.ts   entry points and the composition root
 *   ops/          operations for the CLI, the console and tests
 *   intake/       the inbox watcher and taking items
 *   pipeline/     the plan, the orchestrator, the one BullMQ wrapper
 *   stages/       one folder per stage: its contract (.stage.ts), its handler (.processor.ts)
 *   adapters/, services/   the only importers of S3, Redis, sharp, tesseract.js, pdf-lib, pdf.js …
 *   storage/      OCFL over the object-store and lock ports, the access layout
 *   domain/, checksum/, config/, log.ts   pure types and rules, configuration, logging
 *
 * Type-only imports count too: a type that points upwards is a dependency that points upwards.
 */
const LAYERS = [
  { name: 'entry', path: '^src/(cli|console)/|^src/(app|process|supervisor)\\.ts$|^workers/' },
  { name: 'ops', path: '^src/ops/' },
  { name: 'intake', path: '^src/intake/' },
  { name: 'pipeline', path: '^src/pipeline/' },
  { name: 'stages', path: '^src/stages/' },
  { name: 'adapters', path: '^src/(adapters|services)/' },
  { name: 'storage', path: '^src/storage/' },
  { name: 'base', path: '^src/(domain|checksum|config|types)/|^src/log\\.ts$' },
];

// Nothing below a layer imports from above it.
const layering = LAYERS.slice(1).map((layer, i) => ({
  name: `${layer.name}-below-${LAYERS[i].name}`,
  comment: `${layer.name} must not import from the layers above it (${LAYERS.slice(0, i + 1)
    .map((l) => l.name)
    .join(', ')})`,
  severity: 'error',
  from: { path: layer.path },
  to: {
    path: LAYERS.slice(0, i + 1)
      .map((l) => `(${l.path})`)
      .join('|'),
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles make modules half-initialised at load time and layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    ...layering,
    {
      name: 'cores-are-pure',
      comment: 'Pure cores and stage contracts take values and return values: no adapters, no file system, no network.',
      severity: 'error',
      from: { path: '\\.(core|stage)\\.ts$|^src/domain/|^src/storage/(access-layout|iiif-image|ocfl\\.core)\\.ts$' },
      to: {
        path: '^src/adapters/|^src/services/|node_modules/(@aws-sdk|ioredis|bullmq|sharp|tesseract\\.js|pdf-lib|pdfjs-dist|redis-semaphore|s3rver|fastify)',
        pathNot:
          'node_modules/(@aws-sdk|ioredis|bullmq|sharp|tesseract\\.js|pdf-lib|pdfjs-dist|redis-semaphore|s3rver|fastify)/.*\\.d\\.ts$',
      },
    },
    {
      name: 'vendors-behind-adapters',
      comment: 'Only adapters (and the embedded services) talk to S3, Redis, image, OCR and PDF libraries.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(adapters|services)/' },
      to: {
        path: 'node_modules/(@aws-sdk|ioredis|sharp|tesseract\\.js|pdf-lib|@pdf-lib|pdfjs-dist|redis-semaphore|s3rver|exifr|file-type)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'bullmq-in-the-pipeline',
      comment: 'BullMQ is wrapped once, in pipeline/; the console shows its queues through Bull Board.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(pipeline|console)/' },
      to: { path: 'node_modules/bullmq/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // TypeScript 7 (the native compiler) has no JavaScript API for dependency-cruiser to parse with;
    // swc parses TypeScript as well, type-only imports included.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
