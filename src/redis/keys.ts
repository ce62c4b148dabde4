/**
 * Every Redis key name farmwatch uses is built here and nowhere else.
 *
 * Layout: `<prefix>:{<tag>}:<kind>:<id…>`. State that one script updates together shares a hash tag
 * so that the same scripts run on Redis Cluster:
 *  - `{p.<topic>.<partition>}` — everything the worker writes for one input partition in one script:
 *    the partition's applied offset and the state of the accounts keyed to that partition. Kafka
 *    routes an account to one partition (key = account_id), so an account's state lives in one slot.
 * Ids are embedded percent-encoded (`%`, `:`, `{`, `}`, whitespace and control characters), so no
 * id can forge a separator or a hash tag; `decodeId` reverses it.
 */
const UNSAFE = /[%:{}\s\u0000-\u001f\u007f]/g;

export function encodeId(id: string): string {
  return id.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? '%' + code.toString(16).padStart(2, '0') : '%u' + code.toString(16).padStart(4, '0');
  });
}

export function decodeId(encoded: string): string {
  return encoded.replace(/%u([0-9a-f]{4})|%([0-9a-f]{2})/g, (_m, wide: string | undefined, narrow: string | undefined) =>
    String.fromCharCode(parseInt(wide ?? narrow ?? '', 16)),
  );
}

export class KeySpace {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(prefix)) throw new Error(`invalid key prefix ${JSON.stringify(prefix)}`);
  }

  partitionTag(topic: string, partition: number): string {
    return `{p.${encodeId(topic)}.${partition}}`;
  }

  /** String: the highest input offset of the partition whose effect is in Redis. */
  appliedOffset(topic: string, partition: number): string {
    return `${this.prefix}:${this.partitionTag(topic, partition)}:offset`;
  }

  /** Hash: an account's lifetime summary (events, first and last event time). */
  account(topic: string, partition: number, accountId: string): string {
    return `${this.prefix}:${this.partitionTag(topic, partition)}:acct:${encodeId(accountId)}`;
  }

  /** Pattern matching every key of this key space (for tests and clean-up, never on a hot path). */
  all(): string {
    return `${this.prefix}:*`;
  }
}
