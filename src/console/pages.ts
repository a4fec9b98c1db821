/**
 * The dashboard's pages, rendered on the server as plain HTML (no client framework): they work
 * without JavaScript, by keyboard, in any current browser; a small script (DASHBOARD_JS) keeps
 * them live. Every value from outside goes through `esc`.
 */
import { formatDateTime, formatNumber, LANGUAGES, type Language, MESSAGES, type MessageKey, type Translate } from '../domain/i18n/index.js';
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
form.lang { display: inline-flex; gap: .2rem; } form.lang button { padding: .1rem .4rem; } form.lang button[aria-pressed="true"] { font-weight: 700; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dt { color: var(--muted); } dd { margin: 0; }
`;

export interface Chrome {
  title: string;
  user: string | null;
  loginEnabled: boolean;
  active: 'items' | 'rejected' | 'queues' | 'activity' | 'preservation' | 'login';
  /** the page's language, and its texts (domain/i18n) */
  lang: Language;
  t: Translate;
  /** this page's own path, to come back to after choosing another language */
  here: string;
}

/** A moment for people: in the page's language, with the exact time in the element for machines. */
const when = (c: Pick<Chrome, 'lang'>, iso: string | undefined) =>
  iso ? `<time datetime="${esc(iso)}">${esc(formatDateTime(iso, c.lang))}</time>` : '';
const num = (c: Pick<Chrome, 'lang'>, n: number) => formatNumber(n, c.lang);

/** The names of the languages in themselves, for the switch on every page. */
const LANGUAGE_NAMES: Record<Language, string> = { az: 'Azərbaycanca', ru: 'Русский', en: 'English' };

export function layout(c: Chrome, body: string): string {
  const { t } = c;
  const link = (href: string, key: Chrome['active'], text: string) =>
    `<a href="${href}"${c.active === key ? ' aria-current="page"' : ''}>${esc(text)}</a>`;
  const who = c.user
    ? `<form class="inline" method="post" action="/logout">${esc(t('who.loggedIn', { user: c.user }))} <button type="submit">${esc(t('who.logout'))}</button></form>`
    : c.loginEnabled
      ? `<a href="/login">${esc(t('who.login'))}</a> <span class="muted">${esc(t('who.readOnlyUntil'))}</span>`
      : `<span title="${esc(t('who.readOnlyWhy'))}">${esc(t('who.readOnly'))}</span>`;
  // A switch on every page: a form, so that it works without JavaScript; remembered per person.
  const switcher = `<form class="lang" method="post" action="/language" aria-label="${esc(t('nav.language'))}"><input type="hidden" name="next" value="${esc(c.here)}">${LANGUAGES.map(
    (l) =>
      `<button type="submit" name="lang" value="${l}" lang="${l}" title="${esc(LANGUAGE_NAMES[l])}" aria-pressed="${l === c.lang}">${l.toUpperCase()}</button>`,
  ).join('')}</form>`;
  return `<!doctype html>
<html lang="${c.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(c.title)} · Yaddaş</title><style>${CSS}</style></head>
<body><a class="skip" href="#main">${esc(t('nav.skip'))}</a>
<header><strong>Yaddaş</strong><nav aria-label="${esc(t('nav.sections'))}">${link('/items', 'items', t('nav.items'))}${link('/items?filter=rejected', 'rejected', t('nav.rejected'))}${link('/activity', 'activity', t('nav.activity'))}${link('/preservation', 'preservation', t('nav.preservation'))}${link('/queues', 'queues', t('nav.queues'))}</nav><div class="who">${who} ${switcher}</div></header>
<main id="main">${body}</main><script src="/assets/dashboard.js" defer></script></body></html>`;
}

const FILTERS = ['all', 'in-flight', 'failed', 'stuck', 'rejected', 'held'] as const;

function where(t: Translate, r: ItemRow): string {
  if (r.status === 'rejected') return `<span class="tag rejected">${esc(t('status.rejected'))}</span>`;
  if (r.status === 'failed') return `<span class="tag failed">${esc(t('status.failed'))}</span>`;
  // An operator must decide (yaddas accept / reject): as urgent to see as a failure.
  if (r.status === 'held') return `<span class="tag failed">${esc(t('status.held'))}</span>`;
  if (r.status === 'accepted') return `<span class="tag preserved">${esc(t('status.accepted'))}</span>`;
  if (r.status === 'preserved') {
    const pub =
      r.publication === 'failed'
        ? ` <span class="tag failed">${esc(t('status.accessFailed'))}</span>`
        : r.publication === 'published'
          ? ` <span class="tag published">${esc(t('status.published'))}</span>`
          : '';
    return `<span class="tag preserved">${esc(t('status.preserved', { version: r.version ?? '' }))}</span>${pub}`;
  }
  const known = r.status === 'queued' || r.status === 'in-progress';
  return `<span class="tag ${esc(r.status)}">${esc(known ? t(`status.${r.status}`) : r.status)}</span>`;
}

/**
 * What a failure code means, in the page's language, before the reason's own (English) words;
 * nothing in English, where the reason says it already.
 */
const codeText = (c: Pick<Chrome, 't' | 'lang'>, code: string | undefined) =>
  c.lang !== 'en' && code && `code.${code}` in MESSAGES.en ? `<strong>${esc(c.t(`code.${code}` as MessageKey))}</strong> ` : '';

/** The item type in the page's language (metadata.json's own value when it is not one of ours). */
const typeName = (t: Translate, type: string | undefined) =>
  type === 'book' || type === 'periodical' || type === 'manuscript' || type === 'map' || type === 'photograph'
    ? t(`type.${type}`)
    : (type ?? '');

export function itemRows(
  c: Pick<Chrome, 't' | 'lang'>,
  rows: ItemRow[],
  progress: Map<string, Record<string, number>>,
  thumb: (itemId: string) => string,
  /** the institution of a row, where there are several */
  institution?: (r: ItemRow) => string,
): string {
  const { t } = c;
  if (rows.length === 0) return `<tr><td colspan="7">${esc(t('items.none'))}</td></tr>`;
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
<td><span class="cut" title="${esc(typeName(t, r.type))}">${esc(typeName(t, r.type))}</span></td>
<td class="num">${r.pages !== undefined ? num(c, Number(r.pages)) : ''}</td>
<td>${where(t, r)}${r.stuck ? ` <span class="tag stuck">${esc(t('status.stuck'))}</span>` : ''}${doing ? `<br><small>${doing}</small>` : ''}${reason ? `<div class="reason clamp" title="${esc(reason)}">${esc(reason)}</div>` : ''}</td>
<td>${when(c, r.takenAt)}</td>
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
  const { t } = c;
  const tabs = FILTERS.map(
    (k) => `<a href="/items?filter=${k}"${k === filter ? ' aria-current="page"' : ''}>${esc(t(`filter.${k}`))}</a>`,
  ).join('');
  const card = (key: 'items.inFlight' | 'items.stuck' | 'items.failed' | 'items.total', id: string, n: number) =>
    `<div class="card">${esc(t(key))}<b id="${id}">${num(c, n)}</b></div>`;
  return layout(
    c,
    `<h1>${esc(filter === 'rejected' ? t('items.rejectedTitle') : t('items.title'))}</h1>
<div class="cards" aria-live="polite">${card('items.inFlight', 'n-inflight', summary.inFlight)}${card('items.stuck', 'n-stuck', summary.stuck)}${card('items.failed', 'n-failed', summary.failed)}${card('items.total', 'n-total', summary.total)}</div>
<nav class="filters" aria-label="${esc(t('items.filter'))}">${tabs}</nav>
<div class="scroll"><table class="list"><caption class="skip">${esc(t('items.caption'))}</caption><colgroup><col class="c-thumb"><col><col class="c-type"><col class="c-pages"><col class="c-where"><col class="c-taken"><col class="c-ingest"></colgroup><thead><tr><th scope="col"><span class="skip">${esc(t('items.col.thumbnail'))}</span></th><th scope="col">${esc(t('items.col.title'))}</th><th scope="col">${esc(t('items.col.type'))}</th><th scope="col" class="num">${esc(t('items.col.pages'))}</th><th scope="col">${esc(t('items.col.where'))}</th><th scope="col">${esc(t('items.col.taken'))}</th><th scope="col">${esc(t('items.col.ingest'))}</th></tr></thead>
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
  const { t } = c;
  const can = c.user !== null && (opts.may?.operate ?? true);
  const why = c.user ? t('action.notAllowed') : t('action.logInFirst');
  const action = (path: string, label: string, help: string) =>
    can
      ? `<form class="inline" method="post" action="/items/${encodeURIComponent(r.ingestId)}/${path}"><button type="submit">${esc(label)}</button></form> <small>${esc(help)}</small>`
      : `<button type="button" disabled aria-disabled="true" title="${esc(why)}">${esc(label)}</button> <small>${esc(help)}${c.user ? '' : c.loginEnabled ? ` <a href="/login">${esc(t('action.logInLink'))}</a> ${esc(t('action.first'))}` : ''}</small>`;
  const actions: string[] = [];
  if (r.status === 'failed' || r.publication === 'failed')
    actions.push(action('retry', t('action.retry'), r.status === 'failed' ? t('action.retryPreservation') : t('action.retryAccess')));
  if (r.status === 'preserved' && !r.stage) actions.push(action('rerun', t('action.rerun'), t('action.rerunHelp')));
  // Withdrawing and reinstating are a curator's: shown only to one.
  const item = encodeURIComponent(r.itemId);
  if (opts.may?.curate && r.status === 'preserved' && d.withdrawal)
    actions.push(
      `<form class="inline" method="post" action="/items/${item}/reinstate"><button type="submit">${esc(t('action.reinstate'))}</button></form> <small>${esc(t('action.reinstateHelp', { at: formatDateTime(d.withdrawal.at, c.lang), by: d.withdrawal.by, reason: d.withdrawal.reason }))}</small>`,
    );
  else if (opts.may?.curate && r.status === 'preserved')
    actions.push(
      `<form method="post" action="/items/${item}/withdraw"><label for="reason">${esc(t('action.withdrawReason'))}</label><textarea id="reason" name="reason" rows="2" cols="60" required maxlength="2000"></textarea><br><button type="submit">${esc(t('action.withdraw'))}</button> <small>${esc(t('action.withdrawHelp'))}</small></form>`,
    );
  // Access and rights: a curator's too.
  if (opts.may?.curate && r.status === 'preserved' && d.rights) {
    const cur = d.rights;
    const option = (v: 'open' | 'restricted' | 'embargoed') =>
      `<option value="${v}"${cur.access === v ? ' selected' : ''}>${esc(t(`rights.${v}`))}</option>`;
    actions.push(
      `<form method="post" action="/items/${item}/rights"><fieldset><legend>${esc(t('rights.title'))}</legend><label for="access">${esc(t('rights.access'))}</label><select id="access" name="access">${option('open')}${option('restricted')}${option('embargoed')}</select><label for="until">${esc(t('rights.until'))}</label><input id="until" name="until" type="date" value="${esc(cur.embargoUntil?.slice(0, 10) ?? '')}"><label for="rights">${esc(t('rights.statement'))}</label><input id="rights" name="rights" size="60" maxlength="500" value="${esc(cur.rights ?? '')}"><p><button type="submit">${esc(t('rights.submit'))}</button> <small>${esc(t('rights.help'))}</small></p></fieldset></form>`,
    );
  }
  const pages = (a?.pages ?? []).map(
    (p) =>
      `<li><img src="${esc(p.thumbnail ?? opts.thumb(p.page))}" alt="${esc(t('item.page', { n: p.page }))}" loading="lazy"><div class="clamp" title="${esc(p.name)}">${p.page}. ${esc(p.name)}</div><div>${bytes(p.master.size)}</div><div title="SHA-512">sha512 <code>${esc(p.master.digests.sha512.slice(0, 16))}…</code></div>${p.ocr?.meanConfidence !== undefined ? `<div>${esc(t('item.pageOcr', { languages: p.ocr.languages ?? '', confidence: num(c, p.ocr.meanConfidence) }))}</div>` : p.ocr?.failed ? `<div class="reason">${esc(t('item.pageOcrFailed', { reason: p.ocr.failed }))}</div>` : ''}</li>`,
  );
  const links = [
    a?.manifest ? `<a href="${esc(a.manifest)}">${esc(t('item.manifest'))}</a>` : '',
    a?.pdf ? `<a href="${esc(a.pdf)}">${esc(t('item.pdf'))}</a>` : '',
    a?.text ? `<a href="${esc(a.text)}">${esc(t('item.text'))}</a>` : '',
    a ? `<a href="${esc(d.urls.item)}">item.json</a>` : '',
  ].filter(Boolean);
  return layout(
    c,
    `${opts.notice ? `<p class="notice" role="status">${esc(opts.notice)}</p>` : ''}<h1 class="clamp" title="${esc(r.title ?? r.sourceName)}">${esc(r.title ?? r.sourceName)}</h1>
<dl id="record"${r.stage || r.status === 'queued' || r.status === 'in-progress' ? ' data-inflight="1"' : ''}>
${opts.institution ? `<dt>${esc(t('item.institution'))}</dt><dd>${esc(opts.institution)}</dd>` : ''}<dt>${esc(t('item.item'))}</dt><dd>${esc(r.itemId)}</dd>${d.withdrawal ? `<dt>${esc(t('item.withdrawn'))}</dt><dd class="reason">${esc(t('item.withdrawnText', { at: formatDateTime(d.withdrawal.at, c.lang), by: d.withdrawal.by, reason: d.withdrawal.reason }))}</dd>` : ''}<dt>${esc(t('item.ingest'))}</dt><dd>${esc(r.ingestId)} ("${esc(r.sourceName)}")</dd>
<dt>${esc(t('item.status'))}</dt><dd id="status">${where(t, { ...r, stuck: d.stuck, failedWhere: r.status === 'failed' ? 'preservation' : r.publication === 'failed' ? 'publication' : null })}${d.stuck ? ` <span class="tag stuck">${esc(t('status.stuck'))}</span>` : ''}${r.stage ? ` ${esc(t('item.now', { stage: r.stage }))}` : ''}</dd>
${r.reason ? `<dt>${esc(t('item.reason'))}</dt><dd class="reason">${codeText(c, r.code)}${esc(r.code ? `${r.code}: ` : '')}${esc(r.reason)}</dd>` : ''}
${(r.problems ?? []).map((p) => `<dt>${esc(t('item.problem'))}</dt><dd class="reason">${codeText(c, p.code)}${esc(p.file ?? t('item.wholeItem'))}: ${esc(p.message)} ${esc(p.hint)}</dd>`).join('')}
${r.publicationReason ? `<dt>${esc(t('item.accessCopies'))}</dt><dd class="reason">${esc(r.publicationReason)}</dd>` : ''}
<dt>${esc(t('item.taken'))}</dt><dd>${when(c, r.takenAt)}${r.finishedAt ? `; ${t('item.ended', { at: when(c, r.finishedAt) })}` : ''}</dd>
${r.location ? `<dt>${esc(t('item.files'))}</dt><dd>${esc(r.location)}</dd>` : ''}
${a?.ocr ? `<dt>${esc(t('item.ocr'))}</dt><dd>${esc(a.ocr.status)}${a.ocr.languages ? ` (${esc(a.ocr.languages)})` : ''}${a.ocr.meanConfidence != null ? `, ${esc(t('item.meanConfidence', { n: num(c, a.ocr.meanConfidence) }))}` : ''}${a.ocr.reason ? ` <span${a.ocr.status === 'not requested' ? '' : ' class="reason"'}>(${esc(a.ocr.reason)})</span>` : ''}</dd>` : ''}
${links.length ? `<dt>${esc(t('item.links'))}</dt><dd>${links.join(' · ')}</dd>` : ''}
</dl>
${actions.length ? `<h2>${esc(t('item.actions'))}</h2><p>${actions.join('<br>')}</p>` : ''}
${d.failures.length ? `<h2>${esc(t('item.failedJobs'))}</h2><ul>${d.failures.map((f) => `<li><code>${esc(f.job)}</code>: <span class="reason">${codeText(c, f.code)}${esc(f.code)}: ${esc(f.reason)}</span></li>`).join('')}</ul>` : ''}
${d.versions.length ? `<h2>${esc(t('item.versions'))}</h2><table><thead><tr><th scope="col">${esc(t('item.version'))}</th><th scope="col">${esc(t('item.written'))}</th><th scope="col">${esc(t('item.what'))}</th></tr></thead><tbody>${d.versions.map((v) => `<tr><td>${esc(v.version)}</td><td>${when(c, v.created)}</td><td class="long">${esc(v.message)}</td></tr>`).join('')}</tbody></table>` : ''}
${d.events.length ? `<h2>${esc(t('item.events'))}</h2><table><thead><tr><th scope="col">${esc(t('item.when'))}</th><th scope="col">${esc(t('item.event'))}</th><th scope="col">${esc(t('item.outcome'))}</th><th scope="col">${esc(t('item.detail'))}</th></tr></thead><tbody>${d.events.map((e) => `<tr><td>${when(c, e.at)}</td><td>${esc(e.type)}</td><td>${esc(e.outcome)}</td><td class="long">${esc(e.detail)}</td></tr>`).join('')}</tbody></table>` : ''}
<h2>${esc(t('item.pages'))}</h2>${pages.length ? `<ul class="pages">${pages.join('')}</ul>` : `<p>${esc(t('item.noPages'))}</p>`}`,
  );
}

/** An empty chart for DASHBOARD_JS to draw into; what it says until then is true without JavaScript. */
const chartSvg = (c: Chrome, id: string, unit: string, what: string) => {
  const { t } = c;
  // The script's own words, in the page's language.
  const words = {
    noFigures: t('chart.noFigures'),
    onePoint: t('chart.onePoint'),
    every: t('chart.every'),
    minute: t('chart.minute'),
    minutes: t('chart.minutes'),
    second: t('chart.second'),
    seconds: t('chart.seconds'),
    lastHighest: t('chart.lastHighest'),
    axis: t('chart.axis'),
    range: t('chart.range'),
  };
  return `<svg class="chart" id="${id}" data-unit="${esc(unit)}" data-what="${esc(what)}" data-words="${esc(JSON.stringify(words))}" viewBox="0 0 600 190" role="img" aria-label="${esc(what)}"><text x="300" y="95" text-anchor="middle">${esc(t('activity.noScript'))}</text></svg>`;
};

/** The queues' rows; `mayPause`: pause and resume buttons (operators of every institution). */
export function queueRows(c: Pick<Chrome, 't' | 'lang'>, queues: QueueState[], mayPause = false): string {
  const { t } = c;
  const n = (v: number | undefined) => num(c, v ?? 0);
  return queues
    .map(
      (q) =>
        `<tr><th scope="row">${esc(q.name)}</th><td class="num">${n(q.workers)}</td><td class="num">${n((q.counts.waiting ?? 0) + (q.counts.prioritized ?? 0))}</td><td class="num">${n(q.counts.active)}</td><td class="num">${n(q.counts.delayed)}</td><td class="num">${n(q.counts.failed)}</td><td class="num">${n(q.counts.completed)}</td><td>${q.paused ? `<span class="tag stuck">${esc(t('activity.paused'))}</span>` : ''}${q.workers === 0 ? ` <span class="tag failed">${esc(t('activity.noWorker'))}</span>` : ''}${mayPause ? ` <form class="inline" method="post" action="/activity/${encodeURIComponent(q.name)}/${q.paused ? 'resume' : 'pause'}"><button type="submit">${esc(t(q.paused ? 'activity.resume' : 'activity.pause'))}</button></form>` : ''}</td></tr>`,
    )
    .join('');
}

export function activityPage(c: Chrome, queues: QueueState[], mayPause = false): string {
  const { t } = c;
  const rows = queueRows(c, queues, mayPause);
  return layout(
    c,
    `<h1>${esc(t('activity.title'))}</h1>
<div class="charts"><figure><figcaption>${esc(t('activity.throughputCaption'))}</figcaption>${chartSvg(c, 'chart-throughput', t('activity.throughputUnit'), t('activity.throughputWhat'))}</figure>
<figure><figcaption>${esc(t('activity.depthCaption'))}</figcaption>${chartSvg(c, 'chart-depth', t('activity.depthUnit'), t('activity.depthWhat'))}</figure></div>
<h2>${esc(t('activity.queues'))}</h2><table><thead><tr><th scope="col">${esc(t('activity.queue'))}</th><th scope="col" class="num">${esc(t('activity.workers'))}</th><th scope="col" class="num">${esc(t('activity.waiting'))}</th><th scope="col" class="num">${esc(t('activity.active'))}</th><th scope="col" class="num">${esc(t('activity.delayed'))}</th><th scope="col" class="num">${esc(t('activity.failed'))}</th><th scope="col" class="num">${esc(t('activity.completed'))}</th><th scope="col"></th></tr></thead><tbody id="queues" data-live="/api/queues/rows">${rows}</tbody></table>
<p>${t('activity.board', { link: `<a href="/queues">${esc(t('activity.boardLink'))}</a>` })}</p>`,
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
  const { t } = c;
  const pct = (x: number) => `${formatNumber(x * 100, c.lang, x === 1 || x === 0 ? 0 : 1)}%`;
  const copies = s.copies
    .map((k) => {
      const last = Object.entries(k.lastAudits)
        .map(([st, n]) => `${n} ${esc(st)}`)
        .join(', ');
      return `<tr><th scope="row">${esc(k.name)}</th><td>${esc(k.where)}</td><td>${k.reachable === 'ok' ? `<span class="tag preserved">${esc(t('pres.reachable'))}</span>` : `<span class="tag failed">${esc(t('pres.unreachable'))}</span> ${esc(k.reachable)}`}</td><td class="num">${num(c, k.objects)}</td><td class="num">${pct(k.share)}</td><td class="num">${num(c, k.overdue)}</td><td class="num">${num(c, k.notYetAudited)}</td><td>${last || '-'}</td></tr>`;
    })
    .join('');
  const item = (id: string) => `<a href="/items/${encodeURIComponent(id)}">${esc(id)}</a>`;
  const wrongIn = (d: ItemCopies) =>
    d.copies
      .filter((x) => x.lastAudit && x.lastAudit.status !== 'ok')
      .map((x) => `${esc(x.name)}: ${esc(x.lastAudit!.status)} ${esc(x.lastAudit!.files.join(', '))}`)
      .join('; ');
  const damagedRows = damaged
    .map((d) => `<tr><th scope="row">${item(d.id)}</th><td>${when(c, d.since)}</td><td>${wrongIn(d)}</td></tr>`)
    .join('');
  const incompleteRows = incomplete
    .map(
      (d) =>
        `<tr><th scope="row">${item(d.id)}</th><td class="num">${esc(t('pres.completeOf', { complete: d.complete, required: d.required }))}</td><td>${d.copies.map((x) => `${esc(x.name)} ${esc(x.version ?? '-')}`).join(', ')}</td></tr>`,
    )
    .join('');
  const counts = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, n]) => `${n} ${esc(k)}`)
      .join(', ') || t('pres.none');
  const th = (key: MessageKey, vars?: Record<string, number>, cls = '') =>
    `<th scope="col"${cls ? ` class="${cls}"` : ''}>${esc(t(key, vars))}</th>`;
  return layout(
    c,
    `<h1>${esc(t('pres.title'))}</h1>
<p>${esc(t('pres.intro', { copies: num(c, s.copies.length), required: num(c, s.required), days: num(c, s.auditDays), repairs: t(s.repairMode === 'auto' ? 'pres.repairsAuto' : 'pres.repairsOperator') }))}</p>
<h2>${esc(t('pres.copies'))}</h2><table><thead><tr>${th('pres.copy')}${th('pres.where')}${th('pres.health')}${th('pres.objects', undefined, 'num')}${th('pres.auditedWithin', { days: s.auditDays }, 'num')}${th('pres.overdue', undefined, 'num')}${th('pres.notYetAudited', undefined, 'num')}${th('pres.lastAudits')}</tr></thead><tbody>${copies}</tbody></table>
<h2>${esc(t('pres.damaged', { n: num(c, s.damaged) }))}</h2>${damagedRows ? `<table><thead><tr>${th('pres.item')}${th('pres.since')}${th('pres.foundWrong')}</tr></thead><tbody>${damagedRows}</tbody></table>` : `<p>${esc(t('pres.noDamage'))}</p>`}
<h2>${esc(t('pres.incomplete', { n: num(c, s.incomplete) }))}</h2>${incompleteRows ? `<table><thead><tr>${th('pres.item')}${th('pres.complete', undefined, 'num')}${th('pres.versionInEach')}</tr></thead><tbody>${incompleteRows}</tbody></table>` : `<p>${esc(t('pres.noIncomplete'))}</p>`}
<h2>${esc(t('pres.auditsRepairs'))}</h2><p>${esc(t('pres.throughput', { value: throughput ? t('pres.throughputValue', { audits: num(c, throughput.audits), minutes: num(c, throughput.minutes), mbps: formatNumber(throughput.mbPerSecond, c.lang, 1) }) : t('pres.notMeasured') }))}</p>
<p>${t('pres.totals', { audits: esc(counts(s.audits)), repairs: esc(counts(s.repairs)), command: '<code>yaddas audit report</code>' })}</p>`,
  );
}

export function loginPage(c: Chrome, error?: string, next?: string): string {
  const { t } = c;
  return layout(
    c,
    `<h1>${esc(t('login.title'))}</h1>${c.loginEnabled ? '' : `<p class="notice">${esc(t('login.noAccounts'))}</p>`}
${error ? `<p class="reason" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/login">${next ? `<input type="hidden" name="next" value="${esc(next)}">` : ''}<label for="user">${esc(t('login.user'))}</label><input id="user" name="user" autocomplete="username" required autofocus>
<label for="password">${esc(t('login.password'))}</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">${esc(t('login.submit'))}</button></p></form>`,
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
  // The page's own words (data-words on each chart, in the page's language), {name} filled in.
  const fill = (s, v) => s.replace(/\\{(\\w+)\\}/g, (all, k) => (v[k] !== undefined ? v[k] : all));
  const every = (w, s) => (s === 60 ? w.minute : s % 60 === 0 ? fill(w.minutes, { n: s / 60 }) : s === 1 ? w.second : fill(w.seconds, { n: s }));
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
    const unit = svg.dataset.unit, what = svg.dataset.what, w = JSON.parse(svg.dataset.words || '{}');
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    if (points.length < 2) {
      const state = points.length === 0 ? w.noFigures : w.onePoint;
      svg.innerHTML = text(W / 2, H / 2 - 8, state, 'middle', 'unit') +
        text(W / 2, H / 2 + 14, fill(w.every, { every: every(w, sampleSeconds || 60) }), 'middle');
      svg.setAttribute('aria-label', what + ': ' + state.toLowerCase());
      return;
    }
    const t0 = points[0].t, t1 = points[points.length - 1].t, span = Math.max(1, t1 - t0);
    const values = points.map((p) => p[key]), peak = Math.max(...values), last = values[values.length - 1], top = niceTop(peak);
    const x = (t) => +(L + ((t - t0) / span) * (W - L - R)).toFixed(1);
    const y = (v) => +(H - B - (v / top) * (H - T - B)).toFixed(1);
    const secs = span < 5 * 60_000;
    let out = text(4, 14, unit, 'start', 'unit') + text(W - R, 14, fill(w.lastHighest, { last: Math.round(last), peak: Math.round(peak) }), 'end');
    for (const v of top >= 2 ? [0, top / 2, top] : [0, top])
      out += rule(L, y(v), W - R, y(v), v === 0 ? 'axis' : '') + text(L - 6, y(v) + 4, String(v), 'end', 'ytick');
    out += rule(L, T, L, H - B, 'axis');
    for (const [t, anchor] of [[t0, 'start'], [t0 + span / 2, 'middle'], [t1, 'end']])
      out += rule(x(t), H - B, x(t), H - B + 5, 'axis') + text(x(t), H - B + 18, clock(t, secs), anchor, 'xtick');
    out += text(L + (W - L - R) / 2, H - 6, w.axis, 'middle', 'unit');
    out += '<polyline points="' + points.map((p) => x(p.t) + ',' + y(p[key])).join(' ') + '"></polyline>';
    svg.innerHTML = out;
    svg.setAttribute('aria-label', fill(w.range, { what, from: clock(t0, secs), to: clock(t1, secs), last: Math.round(last), peak: Math.round(peak), unit }));
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
