/**
 * Dead-letter message format. The value and key are the original bytes, untouched, so the message
 * can be replayed once its producer is fixed; what went wrong travels in headers:
 *   farmwatch-dlq-reason     one of REJECT_REASONS (a closed vocabulary, safe for metrics labels)
 *   farmwatch-dlq-detail     one sentence (never contains prompt text: Ajv reports paths, not values)
 *   farmwatch-source-topic / -partition / -offset   where the message came from
 */
import type { InboundMessage, OutboundMessage } from '../kafka/port.ts';
import type { RejectReason } from './decode-event.ts';

export const DLQ_HEADERS = {
  reason: 'farmwatch-dlq-reason',
  detail: 'farmwatch-dlq-detail',
  topic: 'farmwatch-source-topic',
  partition: 'farmwatch-source-partition',
  offset: 'farmwatch-source-offset',
} as const;

export function deadLetterOf(msg: InboundMessage, reason: RejectReason, detail: string): OutboundMessage {
  return {
    key: msg.key,
    value: msg.value ?? Buffer.alloc(0),
    headers: {
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.detail]: detail,
      [DLQ_HEADERS.topic]: msg.topic,
      [DLQ_HEADERS.partition]: String(msg.partition),
      [DLQ_HEADERS.offset]: msg.offset,
    },
  };
}
