/**
 * farmwatch's own small port to Kafka: consume batches, commit, produce. Only the adapter in this
 * folder imports kafkajs (looking for maintainers since 2023), so swapping the client is one file.
 */
export interface InboundMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit; kept as a bigint-safe decimal string like the clients do. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export interface InboundBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly InboundMessage[];
  /** The partition's high watermark when the batch was fetched (for lag). */
  readonly highWatermark: string;
}

export interface BatchControl {
  /** Keeps group membership alive during long work on one batch. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was revoked: stop early, commit nothing. */
  isActive(): boolean;
}

/**
 * Called once per batch. Resolve to commit every message of the batch (offset of the last + 1);
 * throw to commit nothing, in which case the batch is delivered again.
 */
export type BatchHandler = (batch: InboundBatch, control: BatchControl) => Promise<void>;

export interface PartitionAssignment {
  readonly topic: string;
  readonly partition: number;
}

export interface BatchConsumer {
  /**
   * Joins the group and delivers batches until stop(). Resolves once consuming has started.
   * `onAssigned` is told the partitions this member holds after each join (a rebalance or a start).
   */
  start(handler: BatchHandler, onAssigned?: (partitions: readonly PartitionAssignment[]) => void): Promise<void>;
  /** Finishes the batch in flight, commits it, leaves the group. */
  stop(): Promise<void>;
  /** Partitions currently assigned, for readiness. */
  assignedPartitions(): number;
}

export interface OutboundMessage {
  readonly key: string | Buffer | null;
  readonly value: string | Buffer;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
}

export interface MessageProducer {
  connect(): Promise<void>;
  /** Resolves once every message is acknowledged by all in-sync replicas. */
  send(topic: string, messages: readonly OutboundMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface TopicMessage {
  readonly topic: string;
  readonly message: OutboundMessage;
}

/**
 * Sends a clustering tick's messages exactly once across clusterer instances. Every instance of a
 * deployment shares one identity with the broker: the one that takes over fences the others (their
 * sends fail from then on, even after a pause of any length), and learns the last tick whose messages
 * were committed, so it sends what is left and nothing twice.
 */
export interface TickEmitter {
  /** Fences every earlier holder; the last tick committed, or null when none was. */
  takeOver(): Promise<number | null>;
  /** Sends the messages and records `tickMs` as emitted, all or nothing; throws once fenced. */
  emit(tickMs: number, messages: readonly TopicMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** The topic's message size limit, when it must differ from the broker's default. */
  readonly maxMessageBytes?: number;
}

export interface TopicAdmin {
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Committed offset per partition for a group (-1 where nothing is committed). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>>;
  /** Latest offset (high watermark) per partition. */
  endOffsets(topic: string): Promise<Map<number, bigint>>;
  disconnect(): Promise<void>;
}
