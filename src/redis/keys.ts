/**
 * Every Redis key name farmwatch uses is built here and nowhere else.
 *
 * Layout: `<prefix>:{<tag>}:<kind>:<id…>`. State that one script updates together shares a hash tag
 * so that the same scripts run on Redis Cluster:
 *  - `{p.<topic>.<partition>}` — everything the worker writes for one input partition in one script:
 *    the partition's applied offset and the state of the accounts keyed to that partition. Kafka
 *    routes an account to one partition (key = account_id), so an account's state lives in one slot.
 *  - `{ix.<n>}` — linking indexes (value → accounts across partitions), spread over INDEX_TAGS tags
 *    by a hash of the value, so one script call adds a batch's entries of one tag together.
 * Ids are embedded percent-encoded (`%`, `:`, `{`, `}`, whitespace and control characters), so no
 * id can forge a separator or a hash tag; `decodeId` reverses it.
 */
import { hash32 } from '../fingerprint/hash.ts';

/** Index keys are spread over this many hash tags (enough to spread over a cluster's nodes). */
export const INDEX_TAGS = 256;

// Control characters are exactly what must not reach a key unescaped.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[%:{}\s\u0000-\u001f\u007f]/g;

export function encodeId(id: string): string {
  return id.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? '%' + code.toString(16).padStart(2, '0') : '%u' + code.toString(16).padStart(4, '0');
  });
}

export function decodeId(encoded: string): string {
  return encoded.replace(
    /%u([0-9a-f]{4})|%([0-9a-f]{2})/g,
    (_m, wide: string | undefined, narrow: string | undefined) =>
      String.fromCharCode(parseInt(wide ?? narrow ?? '', 16)),
  );
}

export class KeySpace {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(prefix)) throw new Error(`invalid key prefix ${JSON.stringify(prefix)}`);
  }

  /** The topic appears as a short hash: the tag is in every account key, so its length is memory. */
  partitionTag(topic: string, partition: number): string {
    return `{p.${hash32(topic).toString(36)}.${partition}}`;
  }

  /**
   * Hash: the partition's applied offset (`offset`), max event time (`maxts`), pending index entries (`pendix`), and
   * after which offset the written set is complete (`wsince`; `wseq`: the offset of the batch that last kept it).
   */
  partitionMeta(topic: string, partition: number): string {
    return `${this.prefix}:${this.partitionTag(topic, partition)}:meta`;
  }

  /** String: an account's state blob (windows/state-codec.ts). */
  account(topic: string, partition: number, accountId: string): string {
    return `${this.prefix}:${this.partitionTag(topic, partition)}:a:${encodeId(accountId)}`;
  }

  /**
   * Hash: an account's state blob that could not be decoded, moved aside (blob, reason, at) so the
   * partition goes on; kept for the retention, for an operator to look at.
   */
  quarantine(topic: string, partition: number, accountId: string): string {
    return `${this.prefix}:${this.partitionTag(topic, partition)}:q:${encodeId(accountId)}`;
  }

  /** Sorted set: the partition's accounts by last event second. */
  active(topic: string, partition: number): string {
    return `${this.prefix}:${this.partitionTag(topic, partition)}:active`;
  }

  /**
   * Sorted set: the partition's active accounts by the applied offset of the batch that last wrote each. A late event
   * moves its account here but not in `active`, so this is how a tick finds every account changed since the previous.
   */
  written(topic: string, partition: number): string {
    return `${this.prefix}:${this.partitionTag(topic, partition)}:written`;
  }

  /** Set: the input partitions that hold state, as `<topic>|<partition>`. */
  partitions(): string {
    return `${this.prefix}:partitions`;
  }

  /** The hash tag of a linking value's index key (what index-add.lua calls are grouped by). */
  indexTag(kind: string, value: string): string {
    return `{ix.${hash32(`${kind}:${value}`) % INDEX_TAGS}}`;
  }

  /** Hash: the accounts (as `<partition>|<account id>`) that used a linking value → last day of use. */
  index(kind: string, value: string): string {
    return `${this.prefix}:${this.indexTag(kind, value)}:ix:${kind}:${encodeId(value)}`;
  }

  /** The clusterer's keys share one tag: its lease, fencing counter, records and state are written together. */
  clustererLease(): string {
    return `${this.prefix}:{clusterer}:lease`;
  }

  clustererFence(): string {
    return `${this.prefix}:{clusterer}:fence`;
  }

  /** Hash: cluster id → cluster record (JSON). */
  clusterRecords(): string {
    return `${this.prefix}:{clusterer}:clusters`;
  }

  /** Hash: the clusterer's progress (`last_tick`). */
  clustererState(): string {
    return `${this.prefix}:{clusterer}:state`;
  }

  /** Hash: tick -> the tick's messages, written by the fenced commit and removed once sent. */
  clustererOutbox(): string {
    return `${this.prefix}:{clusterer}:outbox`;
  }

  /** Hash: cluster id → the analyst's verdict (JSON); written by the review service only. */
  reviewDecisions(): string {
    return `${this.prefix}:{clusterer}:decisions`;
  }

  /** Hash: `<kind>|<value>` → allowlist entry (JSON, with its expiry). */
  reviewAllowlist(): string {
    return `${this.prefix}:{clusterer}:allowlist`;
  }

  /** List: the audit log, oldest first (an entry's sequence number is its position + 1; never trimmed). */
  reviewAudit(): string {
    return `${this.prefix}:{clusterer}:audit`;
  }

  /** Pattern matching every key of this key space (for tests and clean-up, never on a hot path). */
  all(): string {
    return `${this.prefix}:*`;
  }
}
