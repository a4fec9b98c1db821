/**
 * The dashboard's pages, rendered on the server as plain HTML (no client framework): they work
 * without JavaScript, by keyboard, in any current browser; a small script (DASHBOARD_JS) keeps
 * them live. Every value from outside goes through `esc`.
 */
import type { ItemCopies, PreservationSummary } from '../ops/keeping.js';
import type { ItemDetail, ItemRow, QueueState } from '../ops/operations.js';

const bytes = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`);

export const esc = (v: unknown): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CSS = `
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fff; --muted: #666; --line: #ddd; --bad: #b00020; --ok: #1b7a33; --warn: #a15c00; --accent: #0b57d0; }
@media (prefers-color-scheme: dark) { :root { --fg: #eee; --bg: #151515; --muted: #aaa; --line: #333; --bad: #ff6b7f; --ok: #5fd07a; --warn: #f0a94a; --accent: #8ab4f8; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header nav { display: flex; gap: 1rem; flex-wrap: wrap; }
header .who { margin-left: auto; }
main { padding: 1rem; max-width: 1400px; }
h1 { font-size: 1.3rem; margin: .2rem 0 1rem; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; font-size: .9rem; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
img.thumb { width: 64px; height: 64px; object-fit: contain; background: #8882; display: block; }
.tag { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .85rem; border: 1px solid currentColor; }
.failed, .rejected, .held { color: var(--bad); } .preserved, .published { color: var(--ok); } .stuck, .in-progress, .queued { color: var(--warn); }
.reason { color: var(--bad); font-size: .9rem; }
.filters { display: flex; gap: .5rem; margin-bottom: 1rem; flex-wrap: wrap; }
.filters a { padding: .2rem .6rem; border: 1px solid var(--line); border-radius: 3px; text-decoration: none; }
.filters a[aria-current="page"] { background: var(--accent); color: var(--bg); border-color: var(--accent); }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; } .card { border: 1px solid var(--line); border-radius: 4px; padding: .5rem .8rem; min-width: 9rem; }
.card b { display: block; font-size: 1.4rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 4px; padding: .5rem; } figcaption { font-size: .9rem; color: var(--muted); }
svg.chart { width: 100%; height: auto; aspect-ratio: 600 / 190; display: block; } svg.chart polyline { fill: none; stroke: var(--accent); stroke-width: 2; }
svg.chart text { fill: var(--muted); font-size: 12px; } svg.chart text.unit { fill: var(--fg); font-weight: 600; } svg.chart line { stroke: var(--line); } svg.chart line.axis { stroke: var(--muted); }
.scroll { overflow-x: auto; }
/* Names may be up to 512 bytes. A fixed layout keeps the narrow columns (status above all) where
   they are whatever a name holds; the name is cut on screen but stays whole in the DOM (selectable,
   read by screen readers) and in its title for hover. Below min-width the table scrolls instead. */
table.list { table-layout: fixed; min-width: 62rem; } table.list td { overflow-wrap: anywhere; }
col.c-thumb { width: 5rem; } col.c-type { width: 7rem; } col.c-pages { width: 4.5rem; } col.c-where { width: 15rem; } col.c-taken { width: 9.5rem; } col.c-ingest { width: 11rem; }
.cut { display: block; max-width: 100%; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.clamp { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3; line-clamp: 3; overflow: hidden; overflow-wrap: anywhere; }
h1.clamp { -webkit-line-clamp: 2; line-clamp: 2; }
dd, td.long { overflow-wrap: anywhere; }
.pages { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: .8rem; list-style: none; padding: 0; }
.pages li { border: 1px solid var(--line); border-radius: 4px; padding: .4rem; font-size: .85rem; word-break: break-all; }
.pages img { width: 100%; height: 160px; object-fit: contain; background: #8882; }
button { font: inherit; padding: .3rem .8rem; cursor: pointer; } form.inline { display: inline; }
.notice { padding: .5rem .8rem; border: 1px solid var(--line); border-left: 4px solid var(--accent); margin-bottom: 1rem; }
label { display: block; margin: .5rem 0 .2rem; } input { font: inherit; padding: .3rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dt { color: var(--muted); } dd { margin: 0; }
`;

export interface Chrome {
  title: string;
  user: string | null;
  loginEnabled: boolean;
  active: 'items' | 'rejected' | 'queues' | 'activity' | 'preservation' | 'login';
}

export function layout(c: Chrome, body: string): string {
  const link = (href: string, key: Chrome['active'], text: string) =>
    `<a href="${href}"${c.active === key ? ' aria-current="page"' : ''}>${text}</a>`;
  const who = c.user
    ? `<form class="inline" method="post" action="/logout">Logged in as ${esc(c.user)} <button type="submit">Log out</button></form>`
    : c.loginEnabled
      ? `<a href="/login">Log in</a> <span class="muted">(read-only until then)</span>`
      : `<span title="No YADDAS_CONSOLE_USER / YADDAS_CONSOLE_PASSWORD configured">Read-only</span>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(c.title)} · Yaddaş</title><style>${CSS}</style></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><strong>Yaddaş</strong><nav aria-label="Sections">${link('/items', 'items', 'Items')}${link('/items?filter=rejected', 'rejected', 'Rejected')}${link('/activity', 'activity', 'Activity')}${link('/preservation', 'preservation', 'Preservation')}${link('/queues', 'queues', 'Queues')}</nav><div class="who">${who}</div></header>
<main id="main">${body}</main><script src="/assets/dashboard.js" defer></script></body></html>`;
}

const FILTERS: Array<[string, string]> = [
  ['all', 'All'],
  ['in-flight', 'In flight'],
  ['failed', 'Failed'],
  ['stuck', 'Stuck'],
  ['rejected', 'Rejected'],
  ['held', 'Held'],
];

function where(r: ItemRow): string {
  if (r.status === 'rejected') return `<span class="tag rejected">rejected</span>`;
  if (r.status === 'failed') return `<span class="tag failed">failed</span>`;
  // An operator must decide (yaddas accept / reject): as urgent to see as a failure.
  if (r.status === 'held') return `<span class="tag failed">held: identifier already used by a different item</span>`;
  if (r.status === 'accepted') return `<span class="tag preserved">accepted as the new version</span>`;
  if (r.status === 'preserved') {
    const pub =
      r.publication === 'failed'
        ? ` <span class="tag failed">access copies failed</span>`
        : r.publication === 'published'
          ? ` <span class="tag published">published</span>`
          : '';
    return `<span class="tag preserved">preserved ${esc(r.version ?? '')}</span>${pub}`;
  }
  return `<span class="tag ${esc(r.status)}">${esc(r.status)}</span>`;
}

export function itemRows(
  rows: ItemRow[],
  progress: Map<string, Record<string, number>>,
  thumb: (itemId: string) => string,
  /** the institution of a row, where there are several */
  institution?: (r: ItemRow) => string,
): string {
  if (rows.length === 0) return `<tr><td colspan="7">No items here.</td></tr>`;
  return rows
    .map((r) => {
      const p = progress.get(r.ingestId) ?? {};
      const steps = (r.stage || '').split('+').filter(Boolean);
      const doing = steps.length
        ? `${esc(r.stage)}${steps.map((s) => (p[s] !== undefined && r.pages ? ` · ${s} ${p[s]}/${r.pages}` : '')).join('')}`
        : '';
      const reason = r.failedWhere === 'publication' ? r.publicationReason : r.reason;
      const showThumb = r.status === 'preserved' && r.publication === 'published';
      const name = r.title ?? r.sourceName;
      return `<tr data-ingest="${esc(r.ingestId)}">
<td>${showThumb ? `<img class="thumb" src="${esc(thumb(r.itemId))}" alt="" loading="lazy">` : ''}</td>
<td><a class="cut" href="/items/${encodeURIComponent(r.ingestId)}" title="${esc(name)}">${esc(name)}</a><small class="cut" title="${esc(r.itemId)}">${institution ? `<span class="inst">${esc(institution(r))}</span> · ` : ''}${esc(r.itemId)}</small></td>
<td><span class="cut" title="${esc(r.type ?? '')}">${esc(r.type ?? '')}</span></td>
<td class="num">${r.pages ?? ''}</td>
<td>${where(r)}${r.stuck ? ' <span class="tag stuck">stuck</span>' : ''}${doing ? `<br><small>${doing}</small>` : ''}${reason ? `<div class="reason clamp" title="${esc(reason)}">${esc(reason)}</div>` : ''}</td>
<td><time datetime="${esc(r.takenAt)}">${esc(r.takenAt.slice(0, 16).replace('T', ' '))}</time></td>
<td><small class="cut" title="${esc(r.ingestId)}">${esc(r.ingestId)}</small></td></tr>`;
    })
    .join('\n');
}

export function itemsPage(
  c: Chrome,
  filter: string,
  rows: string,
  summary: { inFlight: number; stuck: number; failed: number; total: number },
): string {
  const tabs = FILTERS.map(([k, label]) => `<a href="/items?filter=${k}"${k === filter ? ' aria-current="page"' : ''}>${label}</a>`).join(
    '',
  );
  return layout(
    c,
    `<h1>${filter === 'rejected' ? 'Rejected items' : 'Items'}</h1>
<div class="cards" aria-live="polite"><div class="card">In flight<b id="n-inflight">${summary.inFlight}</b></div><div class="card">Stuck<b id="n-stuck">${summary.stuck}</b></div><div class="card">Failed<b id="n-failed">${summary.failed}</b></div><div class="card">Ingests in all<b id="n-total">${summary.total}</b></div></div>
<nav class="filters" aria-label="Filter items">${tabs}</nav>
<div class="scroll"><table class="list"><caption class="skip">Items, newest first</caption><colgroup><col class="c-thumb"><col><col class="c-type"><col class="c-pages"><col class="c-where"><col class="c-taken"><col class="c-ingest"></colgroup><thead><tr><th scope="col"><span class="skip">Thumbnail</span></th><th scope="col">Title</th><th scope="col">Type</th><th scope="col" class="num">Pages</th><th scope="col">Where it stands</th><th scope="col">Taken</th><th scope="col">Ingest</th></tr></thead>
<tbody id="items" data-live="/api/items/rows?filter=${esc(filter)}">${rows}</tbody></table></div>`,
  );
}

export function itemPage(
  c: Chrome,
  d: ItemDetail,
  opts: {
    thumb: (page: number) => string;
    notice?: string;
    /** what this person may do with this item (their role in its institution) */
    may?: { operate: boolean; curate: boolean };
    institution?: string;
  },
): string {
  const r = d.record;
  const a = d.access as {
    pages?: Array<{
      page: number;
      name: string;
      thumbnail?: string;
      master: { size: number; digests: { sha512: string; sha256: string; md5: string } };
      ocr?: { meanConfidence?: number; languages?: string; failed?: string };
    }>;
    ocr?: { status?: string; languages?: string; version?: string; meanConfidence?: number; reason?: string };
    pdf?: string | null;
    text?: string | null;
    manifest?: string | null;
  } | null;
  const can = c.user !== null && (opts.may?.operate ?? true);
  const why = c.user ? 'Your role does not allow this' : 'Log in to do this';
  const action = (path: string, label: string, help: string) =>
    can
      ? `<form class="inline" method="post" action="/items/${encodeURIComponent(r.ingestId)}/${path}"><button type="submit">${label}</button></form> <small>${help}</small>`
      : `<button type="button" disabled aria-disabled="true" title="${why}">${label}</button> <small>${help}${c.user ? '' : c.loginEnabled ? ' <a href="/login">Log in</a> first.' : ''}</small>`;
  const actions: string[] = [];
  if (r.status === 'failed' || r.publication === 'failed')
    actions.push(
      action(
        'retry',
        'Retry',
        r.status === 'failed' ? 'takes the staged copy again' : 'makes the access copies again from the preserved object',
      ),
    );
  if (r.status === 'preserved' && !r.stage)
    actions.push(action('rerun', 'Re-run derivatives and OCR', 'everything after preservation, as a new ingest'));
  // Withdrawing and reinstating are a curator's: shown only to one.
  const item = encodeURIComponent(r.itemId);
  if (opts.may?.curate && r.status === 'preserved' && d.withdrawal)
    actions.push(
      `<form class="inline" method="post" action="/items/${item}/reinstate"><button type="submit">Reinstate</button></form> <small>publish it again (withdrawn ${esc(d.withdrawal.at)} by ${esc(d.withdrawal.by)}: ${esc(d.withdrawal.reason)})</small>`,
    );
  else if (opts.may?.curate && r.status === 'preserved')
    actions.push(
      `<form method="post" action="/items/${item}/withdraw"><label for="reason">Reason for withdrawal (the public reads it)</label><br><textarea id="reason" name="reason" rows="2" cols="60" required maxlength="2000"></textarea><br><button type="submit">Withdraw from public access</button> <small>the preservation object is kept; a tombstone stays in public</small></form>`,
    );
  const pages = (a?.pages ?? []).map(
    (p) =>
      `<li><img src="${esc(p.thumbnail ?? opts.thumb(p.page))}" alt="Page ${p.page}" loading="lazy"><div class="clamp" title="${esc(p.name)}">${p.page}. ${esc(p.name)}</div><div>${bytes(p.master.size)}</div><div title="SHA-512">sha512 <code>${esc(p.master.digests.sha512.slice(0, 16))}…</code></div>${p.ocr?.meanConfidence !== undefined ? `<div>OCR ${esc(p.ocr.languages)} ${p.ocr.meanConfidence}</div>` : p.ocr?.failed ? `<div class="reason">OCR: ${esc(p.ocr.failed)}</div>` : ''}</li>`,
  );
  const links = [
    a?.manifest ? `<a href="${esc(a.manifest)}">IIIF manifest</a>` : '',
    a?.pdf ? `<a href="${esc(a.pdf)}">Searchable PDF</a>` : '',
    a?.text ? `<a href="${esc(a.text)}">Full text</a>` : '',
    a ? `<a href="${esc(d.urls.item)}">item.json</a>` : '',
  ].filter(Boolean);
  return layout(
    c,
    `${opts.notice ? `<p class="notice" role="status">${esc(opts.notice)}</p>` : ''}<h1 class="clamp" title="${esc(r.title ?? r.sourceName)}">${esc(r.title ?? r.sourceName)}</h1>
<dl id="record"${r.stage || r.status === 'queued' || r.status === 'in-progress' ? ' data-inflight="1"' : ''}>
${opts.institution ? `<dt>Institution</dt><dd>${esc(opts.institution)}</dd>` : ''}<dt>Item</dt><dd>${esc(r.itemId)}</dd>${d.withdrawal ? `<dt>Withdrawn</dt><dd class="reason">${esc(d.withdrawal.at)} by ${esc(d.withdrawal.by)}: ${esc(d.withdrawal.reason)}</dd>` : ''}<dt>Ingest</dt><dd>${esc(r.ingestId)} ("${esc(r.sourceName)}")</dd>
<dt>Status</dt><dd id="status">${where({ ...r, stuck: d.stuck, failedWhere: r.status === 'failed' ? 'preservation' : r.publication === 'failed' ? 'publication' : null })}${d.stuck ? ' <span class="tag stuck">stuck</span>' : ''}${r.stage ? ` now: ${esc(r.stage)}` : ''}</dd>
${r.reason ? `<dt>Reason</dt><dd class="reason">${esc(r.code ? `${r.code}: ` : '')}${esc(r.reason)}</dd>` : ''}
${(r.problems ?? []).map((p) => `<dt>Problem</dt><dd class="reason">${esc(p.file ?? 'item')}: ${esc(p.message)} ${esc(p.hint)}</dd>`).join('')}
${r.publicationReason ? `<dt>Access copies</dt><dd class="reason">${esc(r.publicationReason)}</dd>` : ''}
<dt>Taken</dt><dd><time datetime="${esc(r.takenAt)}">${esc(r.takenAt)}</time>${r.finishedAt ? `; ended ${esc(r.finishedAt)}` : ''}</dd>
${r.location ? `<dt>Files</dt><dd>${esc(r.location)}</dd>` : ''}
${a?.ocr ? `<dt>OCR</dt><dd>${esc(a.ocr.status)}${a.ocr.languages ? ` (${esc(a.ocr.languages)})` : ''}${a.ocr.meanConfidence != null ? `, mean confidence ${a.ocr.meanConfidence}` : ''}${a.ocr.reason ? ` <span${a.ocr.status === 'not requested' ? '' : ' class="reason"'}>(${esc(a.ocr.reason)})</span>` : ''}</dd>` : ''}
${links.length ? `<dt>Links</dt><dd>${links.join(' · ')}</dd>` : ''}
</dl>
${actions.length ? `<h2>Actions</h2><p>${actions.join('<br>')}</p>` : ''}
${d.failures.length ? `<h2>Failed jobs</h2><ul>${d.failures.map((f) => `<li><code>${esc(f.job)}</code>: <span class="reason">${esc(f.code)}: ${esc(f.reason)}</span></li>`).join('')}</ul>` : ''}
${d.versions.length ? `<h2>Versions (OCFL)</h2><table><thead><tr><th scope="col">Version</th><th scope="col">Written</th><th scope="col">What</th></tr></thead><tbody>${d.versions.map((v) => `<tr><td>${esc(v.version)}</td><td>${esc(v.created)}</td><td class="long">${esc(v.message)}</td></tr>`).join('')}</tbody></table>` : ''}
${d.events.length ? `<h2>Events</h2><table><thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead><tbody>${d.events.map((e) => `<tr><td>${esc(e.at)}</td><td>${esc(e.type)}</td><td>${esc(e.outcome)}</td><td class="long">${esc(e.detail)}</td></tr>`).join('')}</tbody></table>` : ''}
<h2>Pages</h2>${pages.length ? `<ul class="pages">${pages.join('')}</ul>` : '<p>No published pages yet.</p>'}`,
  );
}

/** An empty chart for DASHBOARD_JS to draw into; what it says until then is true without JavaScript. */
const chartSvg = (id: string, unit: string, what: string) =>
  `<svg class="chart" id="${id}" data-unit="${esc(unit)}" data-what="${esc(what)}" viewBox="0 0 600 190" role="img" aria-label="${esc(what)}"><text x="300" y="95" text-anchor="middle">The chart is drawn by JavaScript: /api/series has its figures.</text></svg>`;

export function activityPage(c: Chrome, queues: QueueState[]): string {
  const rows = queues
    .map(
      (q) =>
        `<tr><th scope="row">${esc(q.name)}</th><td class="num">${q.workers}</td><td class="num">${(q.counts.waiting ?? 0) + (q.counts.prioritized ?? 0)}</td><td class="num">${q.counts.active ?? 0}</td><td class="num">${q.counts.delayed ?? 0}</td><td class="num">${q.counts.failed ?? 0}</td><td class="num">${q.counts.completed ?? 0}</td><td>${q.paused ? '<span class="tag stuck">paused</span>' : ''}${q.workers === 0 ? ' <span class="tag failed">no worker</span>' : ''}</td></tr>`,
    )
    .join('');
  return layout(
    c,
    `<h1>Activity</h1>
<div class="charts"><figure><figcaption>Throughput: pages preserved in the hour up to each point, last 12 hours</figcaption>${chartSvg('chart-throughput', 'pages per hour', 'Pages preserved per hour')}</figure>
<figure><figcaption>Queue depth: jobs waiting or running in all queues together, last 12 hours</figcaption>${chartSvg('chart-depth', 'jobs', 'Jobs waiting or running')}</figure></div>
<h2>Queues</h2><table><thead><tr><th scope="col">Queue</th><th scope="col" class="num">Workers</th><th scope="col" class="num">Waiting</th><th scope="col" class="num">Active</th><th scope="col" class="num">Delayed</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Completed</th><th scope="col"></th></tr></thead><tbody id="queues" data-live="/api/queues/rows">${rows}</tbody></table>
<p>Jobs one by one, with their errors, retry and clean: <a href="/queues">the queues board</a>.</p>`,
  );
}

/**
 * Preservation at a glance: each copy and its health, the share of its objects audited within the
 * policy, overdue objects, damaged objects and repairs; items whose copies are not all complete.
 */
export function preservationPage(
  c: Chrome,
  s: PreservationSummary,
  damaged: Array<{ id: string; since: string } & ItemCopies>,
  incomplete: Array<{ id: string } & ItemCopies>,
  throughput: { audits: number; mbPerSecond: number; minutes: number } | null = null,
): string {
  const pct = (x: number) => `${(x * 100).toFixed(x === 1 || x === 0 ? 0 : 1)}%`;
  const copies = s.copies
    .map((k) => {
      const last = Object.entries(k.lastAudits)
        .map(([st, n]) => `${n} ${esc(st)}`)
        .join(', ');
      return `<tr><th scope="row">${esc(k.name)}</th><td>${esc(k.where)}</td><td>${k.reachable === 'ok' ? '<span class="tag preserved">reachable</span>' : `<span class="tag failed">unreachable</span> ${esc(k.reachable)}`}</td><td class="num">${k.objects}</td><td class="num">${pct(k.share)}</td><td class="num">${k.overdue}</td><td class="num">${k.notYetAudited}</td><td>${last || '-'}</td></tr>`;
    })
    .join('');
  const item = (id: string) => `<a href="/items/${encodeURIComponent(id)}">${esc(id)}</a>`;
  const wrongIn = (d: ItemCopies) =>
    d.copies
      .filter((x) => x.lastAudit && x.lastAudit.status !== 'ok')
      .map((x) => `${esc(x.name)}: ${esc(x.lastAudit!.status)} ${esc(x.lastAudit!.files.join(', '))}`)
      .join('; ');
  const damagedRows = damaged
    .map((d) => `<tr><th scope="row">${item(d.id)}</th><td>${esc(d.since.slice(0, 19).replace('T', ' '))}</td><td>${wrongIn(d)}</td></tr>`)
    .join('');
  const incompleteRows = incomplete
    .map(
      (d) =>
        `<tr><th scope="row">${item(d.id)}</th><td class="num">${d.complete} of ${d.required}</td><td>${d.copies.map((x) => `${esc(x.name)} ${esc(x.version ?? '-')}`).join(', ')}</td></tr>`,
    )
    .join('');
  const counts = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, n]) => `${n} ${esc(k)}`)
      .join(', ') || 'none';
  return layout(
    c,
    `<h1>Preservation</h1>
<p>${s.copies.length} ${s.copies.length === 1 ? 'copy' : 'copies'}, ${s.required} required for each item. Every object in every copy is audited at least once in ${s.auditDays} days; repairs are ${s.repairMode === 'auto' ? 'made automatically from a good copy' : 'waiting for an operator (yaddas repair ID)'}.</p>
<h2>Copies</h2><table><thead><tr><th scope="col">Copy</th><th scope="col">Where</th><th scope="col">Health</th><th scope="col" class="num">Objects</th><th scope="col" class="num">Audited within ${s.auditDays} days</th><th scope="col" class="num">Overdue</th><th scope="col" class="num">Not yet audited</th><th scope="col">Last audits</th></tr></thead><tbody>${copies}</tbody></table>
<h2>Damaged items: ${s.damaged}</h2>${damagedRows ? `<table><thead><tr><th scope="col">Item</th><th scope="col">Since</th><th scope="col">Found wrong</th></tr></thead><tbody>${damagedRows}</tbody></table>` : '<p>None: every file has a good copy.</p>'}
<h2>Items with copies incomplete: ${s.incomplete}</h2>${incompleteRows ? `<table><thead><tr><th scope="col">Item</th><th scope="col" class="num">Complete</th><th scope="col">Version in each copy</th></tr></thead><tbody>${incompleteRows}</tbody></table>` : '<p>None: every item is in every copy.</p>'}
<h2>Audits and repairs</h2><p>Audit throughput: ${throughput ? `${throughput.audits} audits in the last ${throughput.minutes} minutes, reading ${throughput.mbPerSecond.toFixed(1)} MB/s` : 'not measured yet (the console notes it every minute)'}.</p>
<p>Audits since counting began: ${counts(s.audits)}. Repairs: ${counts(s.repairs)}. The full record: <code>yaddas audit report</code>.</p>`,
  );
}

export function loginPage(c: Chrome, error?: string, next?: string): string {
  return layout(
    c,
    `<h1>Log in</h1>${c.loginEnabled ? '' : '<p class="notice">No staff accounts are configured (config/users.json, or YADDAS_CONSOLE_USER and YADDAS_CONSOLE_PASSWORD): the dashboard is read-only.</p>'}
${error ? `<p class="reason" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/login">${next ? `<input type="hidden" name="next" value="${esc(next)}">` : ''}<label for="user">User</label><input id="user" name="user" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">Log in</button></p></form>`,
  );
}

/** Live updates without reloading: server-sent events say when to refresh the live parts. */
export const DASHBOARD_JS = `
(() => {
  const live = [...document.querySelectorAll('[data-live]')].filter((el) => el.tagName === 'TBODY');
  async function refresh() {
    for (const el of live) {
      const res = await fetch(el.dataset.live, { headers: { accept: 'text/html' } });
      if (res.ok) el.innerHTML = await res.text();
    }
    const s = await fetch('/api/summary').then((r) => r.json()).catch(() => null);
    if (s) for (const [id, v] of [['n-inflight', s.inFlight], ['n-stuck', s.stuck], ['n-failed', s.failed], ['n-total', s.total]]) { const e = document.getElementById(id); if (e) e.textContent = v; }
    drawCharts();
  }
  const pad2 = (n) => String(n).padStart(2, '0');
  // Seconds only when all the points fall within a few minutes, or start, middle and end would read alike.
  const clock = (t, secs) => {
    const d = new Date(t);
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + (secs ? ':' + pad2(d.getSeconds()) : '');
  };
  const every = (s) => (s === 60 ? 'minute' : s % 60 === 0 ? s / 60 + ' minutes' : s === 1 ? 'second' : s + ' seconds');
  // A round top for the y axis (1, 2, 4, 6, 8 or 10 times a power of ten), so the half-way mark is a whole number too.
  function niceTop(v) {
    if (v <= 1) return 1;
    const e = Math.pow(10, Math.floor(Math.log10(v)));
    return [1, 2, 4, 6, 8, 10].find((m) => m * e >= v) * e;
  }
  const W = 600, H = 190, L = 56, R = 16, T = 28, B = 46;
  const text = (x, y, s, anchor, cls) =>
    '<text x="' + x + '" y="' + y + '" text-anchor="' + (anchor || 'start') + '"' + (cls ? ' class="' + cls + '"' : '') + '>' + s + '</text>';
  const rule = (x1, y1, x2, y2, cls) => '<line x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' + y2 + '"' + (cls ? ' class="' + cls + '"' : '') + '></line>';
  function chart(svg, points, key, sampleSeconds) {
    if (!svg) return;
    const unit = svg.dataset.unit, what = svg.dataset.what;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    if (points.length < 2) {
      const state = points.length === 0 ? 'No figures yet' : 'Only one point so far';
      svg.innerHTML = text(W / 2, H / 2 - 8, state, 'middle', 'unit') +
        text(W / 2, H / 2 + 14, 'The console notes a point every ' + every(sampleSeconds || 60) + '; a line needs two.', 'middle');
      svg.setAttribute('aria-label', what + ': ' + state.toLowerCase());
      return;
    }
    const t0 = points[0].t, t1 = points[points.length - 1].t, span = Math.max(1, t1 - t0);
    const values = points.map((p) => p[key]), peak = Math.max(...values), last = values[values.length - 1], top = niceTop(peak);
    const x = (t) => +(L + ((t - t0) / span) * (W - L - R)).toFixed(1);
    const y = (v) => +(H - B - (v / top) * (H - T - B)).toFixed(1);
    const secs = span < 5 * 60_000;
    let out = text(4, 14, unit, 'start', 'unit') + text(W - R, 14, 'last ' + Math.round(last) + ', highest ' + Math.round(peak), 'end');
    for (const v of top >= 2 ? [0, top / 2, top] : [0, top])
      out += rule(L, y(v), W - R, y(v), v === 0 ? 'axis' : '') + text(L - 6, y(v) + 4, String(v), 'end', 'ytick');
    out += rule(L, T, L, H - B, 'axis');
    for (const [t, anchor] of [[t0, 'start'], [t0 + span / 2, 'middle'], [t1, 'end']])
      out += rule(x(t), H - B, x(t), H - B + 5, 'axis') + text(x(t), H - B + 18, clock(t, secs), anchor, 'xtick');
    out += text(L + (W - L - R) / 2, H - 6, 'time of day, local clock', 'middle', 'unit');
    out += '<polyline points="' + points.map((p) => x(p.t) + ',' + y(p[key])).join(' ') + '"></polyline>';
    svg.innerHTML = out;
    svg.setAttribute('aria-label', what + ', ' + clock(t0, secs) + ' to ' + clock(t1, secs) + ': last ' + Math.round(last) + ', highest ' + Math.round(peak) + ' ' + unit);
  }
  async function drawCharts() {
    if (!document.getElementById('chart-throughput')) return;
    const s = await fetch('/api/series').then((r) => r.json()).catch(() => null);
    if (!s) return;
    chart(document.getElementById('chart-throughput'), s.throughput, 'perHour', s.sampleSeconds);
    chart(document.getElementById('chart-depth'), s.points, 'depth', s.sampleSeconds);
  }
  drawCharts();
  if (window.EventSource) {
    const es = new EventSource('/api/live');
    // An item page of an item still on its way reloads as it moves; lists refresh in place.
    es.addEventListener('tick', () => (document.querySelector('[data-inflight]') ? location.reload() : refresh().catch(() => {})));
  }
})();
`;
