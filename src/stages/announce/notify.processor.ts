/**
 * One webhook delivery: POST the event, signed. Any answer but 2xx, or none within the time
 * limit, fails the attempt and BullMQ retries it with backoff; the receiver drops duplicates by
 * the Idempotency-Key, which is the event id.
 */
import { ErrorCodes, YaddasError } from '../../domain/errors.js';
import type { HandlerFactory, StageHandler } from '../stage.js';
import { sign } from './announce.core.js';
import type { NotifyPayload } from './announce.stage.js';

export function notifyProcessor(deps: { secret: string; timeoutMs: number }): StageHandler<NotifyPayload, { status: number }> {
  return async (data, { attempt, log }) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Yaddas-Webhook/1',
      'idempotency-key': data.eventId,
      'x-yaddas-event': data.type ?? 'item.published',
      'x-yaddas-delivery': `${data.eventId}/${attempt}`,
      'x-yaddas-timestamp': timestamp,
    };
    if (deps.secret) headers['x-yaddas-signature'] = sign(deps.secret, timestamp, data.body);
    let res: Response;
    try {
      res = await fetch(data.url, { method: 'POST', headers, body: data.body, signal: AbortSignal.timeout(deps.timeoutMs) });
    } catch (err) {
      throw new YaddasError(ErrorCodes.WEBHOOK_FAILED, `Webhook ${data.url} could not be reached: ${(err as Error).message}`, {
        permanent: false,
        cause: err,
      });
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status >= 300)
      throw new YaddasError(ErrorCodes.WEBHOOK_FAILED, `Webhook ${data.url} answered HTTP ${res.status}.`, { permanent: false });
    log.info({ url: data.url, status: res.status, eventId: data.eventId }, 'webhook delivered');
    return { status: res.status };
  };
}

export const notifyHandler: HandlerFactory<NotifyPayload, { status: number }> = ({ config }) =>
  notifyProcessor({ secret: config.webhooks.secret, timeoutMs: config.webhooks.timeoutSeconds * 1000 });
