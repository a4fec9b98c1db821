/**
 * Every Redis key Yaddaş writes besides BullMQ's own (which BullMQ names `<prefix>:<queue>:…`), in
 * one place: all of them start with `<prefix>:yd:`. docs/pipeline.md lists them for operators.
 */
export function redisKeys(prefix: string) {
  const k = (s: string) => `${prefix}:yd:${s}`;
  return {
    /** everything below; the lock connection's key prefix (locks live at `<root>mutex:<lock name>`) */
    root: k(''),
    /** one hash per ingest: its record (IngestRecord) */
    ingest: (ingestId: string) => k(`ingest:${ingestId}`),
    /** every ingest id, scored by the time it was taken */
    ingests: k('ingests'),
    /** one hash per item: its latest ingest, and the version and object root of its last preservation */
    item: (itemId: string) => k(`item:${itemId}`),
    /** ingests not yet ended, scored by when they last moved (for "stuck") */
    inflight: k('inflight'),
    /** ingests that failed (and were not retried), and rejected ones, scored by time */
    failed: k('failed'),
    rejected: k('rejected'),
    /** ingests held for an operator's decision (an identifier that seems to be another item's) */
    held: k('held'),
    /** per staged ingest: how often taking it was tried on start-up (a crash loop is set aside) */
    admitAttempts: (ingestId: string) => k(`admit:${ingestId}`),
    /** per ingest: jobs done per stage (pages done of total) */
    progress: (ingestId: string) => k(`progress:${ingestId}`),
    /** counters and histograms every process adds to */
    metrics: (name: string) => k(`metrics:${name}`),
    /** the console's chart points */
    series: k('series'),
    /** the downstream event stream, and one marker per event id (appending is idempotent) */
    events: k('events'),
    eventMarker: (eventId: string) => k(`event:${eventId}`),
    /** members of a collection (by join time), an item's collections, and each item's entry */
    collection: (slug: string) => k(`collection:${slug}`),
    itemCollections: (itemId: string) => k(`item-collections:${itemId}`),
    collectionEntries: k('collection-entries'),
    /** per item: the OCFL version each copy holds complete (field: copy name) */
    copies: (itemId: string) => k(`copies:${itemId}`),
    /** items whose copies are not all complete yet, scored by when the newest version was written */
    copiesIncomplete: k('copies-incomplete'),
    /** per copy: every object, scored by the time of its last audit (0: new content, not audited yet) */
    auditedAt: (copy: string) => k(`audit-at:${copy}`),
    /** per copy: each object's last audit (JSON: status, at, version, files) */
    auditLast: (copy: string) => k(`audit-last:${copy}`),
    /** per copy: how many objects' last audits have each status (kept with audit-last) */
    auditStatus: (copy: string) => k(`audit-status:${copy}`),
    /** objects with a file that no copy holds good, scored by when that was found */
    damaged: k('damaged'),
    /** per copy: audit and repair records waiting to be written to that copy's audit history */
    auditPending: (copy: string) => k(`audit-pending:${copy}`),
    /** items under embargo, scored by when their embargo ends (ms) */
    embargoes: k('embargoes'),
    /** set once the embargo set was built from the objects (gone after Redis lost its data) */
    embargoesBuilt: k('embargoes-built'),
    /** a console session (hash: login, expires), removed by Redis when it expires */
    session: (id: string) => k(`session:${id}`),
    /** failed console logins in the last quarter of an hour, per login and per address */
    loginFailures: (who: string) => k(`login-failures:${who}`),
    /** a member of staff's choices (the console's language) */
    staffPrefs: (login: string) => k(`staff:${login}`),
    /** what staff changed, who and when (a capped stream): NDSA's "who did what" */
    staffActions: k('staff-actions'),
    /** set once the audit state was rebuilt from the stored history (gone after Redis lost its data) */
    auditRebuilt: k('audit-rebuilt'),
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/**
 * The keys of one institution's preservation state, with several institutions: each keeps its own
 * audit lines, audit history waiting to be written, damaged list and rebuilt mark (its copies are
 * its own storage roots), so that one institution's audit history is never written into another's
 * root. Keys of single items are the same (item ids are unique in the installation).
 */
export function institutionKeys(keys: RedisKeys, institution: string): RedisKeys {
  if (!institution) return keys;
  const copy = (c: string) => `${institution}/${c}`;
  return {
    ...keys,
    auditedAt: (c: string) => keys.auditedAt(copy(c)),
    auditLast: (c: string) => keys.auditLast(copy(c)),
    auditStatus: (c: string) => keys.auditStatus(copy(c)),
    auditPending: (c: string) => keys.auditPending(copy(c)),
    copiesIncomplete: `${keys.copiesIncomplete}:${institution}`,
    damaged: `${keys.damaged}:${institution}`,
    auditRebuilt: `${keys.auditRebuilt}:${institution}`,
    embargoesBuilt: `${keys.embargoesBuilt}:${institution}`,
  };
}
