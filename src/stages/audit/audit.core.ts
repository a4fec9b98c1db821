/**
 * The `item.damaged` event, as pure values (format `yaddas-event/1`, docs/events.md): an object
 * has a file that no copy holds good, or its primary copy is gone or its inventory damaged, and a
 * person must act. One event per discovery: its id is made of the item and when the damage was
 * first found, so audits that find it again add nothing.
 */
import type { AuditRecord } from '../../domain/audit-record.js';
import { EVENT_FORMAT } from '../announce/announce.core.js';

export interface ItemDamagedEvent {
  format: typeof EVENT_FORMAT;
  id: string;
  type: 'item.damaged';
  time: string;
  itemId: string;
  /** the institution whose item it is */
  institution: string;
  /** when the damage was first found */
  since: string;
  /** the copy whose audit found it, and what it found */
  copy: string;
  status: AuditRecord['status'];
  version: string | null;
  files: string[];
  reason: string;
}

export function damagedEvent(r: AuditRecord, since: string, reason: string, institution: string): ItemDamagedEvent {
  return {
    format: EVENT_FORMAT,
    id: `${r.id}.damaged.${since.replace(/[-:.]/g, '')}`,
    type: 'item.damaged',
    time: r.at,
    itemId: r.id,
    institution,
    since,
    copy: r.copy,
    status: r.status,
    version: r.version ?? null,
    files: r.files,
    reason,
  };
}
