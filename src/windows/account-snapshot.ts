/**
 * An account's state as its readers (the clusterer, the review page) hold it: read-only, its attributes and buckets
 * packed.
 * The clusterer holds a large component's states at once (480,000 at a million active accounts), and an object per
 * attribute was two thirds of a decoded state's heap: 2.2 of 3.2 kB on bench:cluster's realistic accounts (21
 * attributes each), against 1.3 kB packed; the whole state 2.1 kB with its buckets packed too (docs/measurements.md,
 * 2026-12-06, second session). The worker, which folds events into a state, keeps `AccountState`'s objects.
 */
import { ATTR_KINDS, type AccountState, type Attr, type AttrKind, type Bucket } from './account-state.ts';

export interface AccountSnapshot {
  readonly requests: number;
  readonly firstSec: number;
  readonly lastSec: number;
  readonly createdSec: number | null;
  readonly verification: AccountState['verification'];
  readonly suspendedSec: number | null;
  readonly suspensions: number;
  readonly orgId: string | null;
  readonly emailDomain: string | null;
  readonly buckets: BucketTable;
  readonly slots: readonly number[];
  readonly attrs: AttrTable;
}

const KIND_BITS = 5;
const LINKED = 1 << KIND_BITS;
/** The last hour is stored above the kind and the linked bit. */
const HOUR_UNIT = LINKED * 2;
const KIND_MASK = LINKED - 1;
const KIND_INDEX = new Map(ATTR_KINDS.map((k, i) => [k, i] as const));

/**
 * An account's attributes in the order it keeps them, read by position: `kind(i)`, `value(i)`… Two small integers per
 * attribute (kind, linked bit and last hour in one; the count) and its value, in arrays V8 keeps unboxed.
 */
export class AttrTable {
  /** Made by `AttrTable.builder`. */
  constructor(
    /** Per attribute: the kind's number + LINKED when linked + HOUR_UNIT × last hour, then the count. */
    private readonly words: readonly number[],
    private readonly values: readonly string[],
    /** Per attribute: fill and fills, or -1 and -1 for one without; null when no attribute has them. */
    private readonly fillWords: readonly number[] | null,
  ) {}

  static readonly EMPTY = new AttrTable([], [], null);

  get length(): number {
    return this.values.length;
  }

  kind(i: number): AttrKind {
    return ATTR_KINDS[(this.words[2 * i] as number) & KIND_MASK] as AttrKind;
  }

  value(i: number): string {
    return this.values[i] as string;
  }

  lastHour(i: number): number {
    return Math.floor((this.words[2 * i] as number) / HOUR_UNIT);
  }

  count(i: number): number {
    return this.words[2 * i + 1] as number;
  }

  /** Whether the account appears in the value's linking index. */
  linked(i: number): boolean {
    return ((this.words[2 * i] as number) & LINKED) !== 0;
  }

  /** A linking template's last fill (`Attr.fill`), if it has one. */
  fill(i: number): number | undefined {
    const f = this.fillWords?.[2 * i];
    return f === undefined || f < 0 ? undefined : f;
  }

  /** How many uses of a linking template brought a new fill (`Attr.fills`), if it has a fill. */
  fills(i: number): number | undefined {
    return this.fill(i) === undefined ? undefined : (this.fillWords?.[2 * i + 1] as number);
  }

  /** The position of the attribute of this kind and value, or -1. */
  indexOf(kind: AttrKind, value: string): number {
    for (let i = 0; i < this.values.length; i++) if (this.values[i] === value && this.kind(i) === kind) return i;
    return -1;
  }

  /** Attribute i as an object, for code that reads a few states (the review page, tests). */
  attr(i: number): Attr {
    const a: Attr = {
      kind: this.kind(i),
      value: this.value(i),
      lastHour: this.lastHour(i),
      count: this.count(i),
      linked: this.linked(i),
    };
    const fill = this.fill(i);
    if (fill !== undefined) {
      a.fill = fill;
      a.fills = this.fills(i) as number;
    }
    return a;
  }

  toArray(): Attr[] {
    return Array.from({ length: this.length }, (_, i) => this.attr(i));
  }

  /** Built from up to `capacity` attributes appended one at a time, as a decode reads them. */
  static builder(capacity: number): AttrTableBuilder {
    return new AttrTableBuilder(capacity);
  }
}

export class AttrTableBuilder {
  // Sized once: arrays grown by push keep up to half again their length in spare room.
  private readonly words: number[];
  private readonly values: string[];
  private fillWords: number[] | null = null;
  private n = 0;

  constructor(private readonly capacity: number) {
    this.words = new Array<number>(2 * capacity);
    this.values = new Array<string>(capacity);
  }

  add(
    kind: AttrKind,
    value: string,
    lastHour: number,
    count: number,
    linked: boolean,
    fill?: number,
    fills?: number,
  ): void {
    const i = this.n++;
    if (i >= this.capacity) throw new RangeError('more attributes than the table was built for');
    this.words[2 * i] = (KIND_INDEX.get(kind) as number) + (linked ? LINKED : 0) + lastHour * HOUR_UNIT;
    this.words[2 * i + 1] = count;
    this.values[i] = value;
    if (fill === undefined) return;
    this.fillWords ??= new Array<number>(2 * this.capacity).fill(-1);
    this.fillWords[2 * i] = fill;
    this.fillWords[2 * i + 1] = fills ?? 0;
  }

  done(): AttrTable {
    if (this.n === 0) return AttrTable.EMPTY;
    if (this.n < this.capacity) {
      this.words.length = 2 * this.n;
      this.values.length = this.n;
      if (this.fillWords !== null) this.fillWords.length = 2 * this.n;
    }
    return new AttrTable(this.words, this.values, this.fillWords);
  }
}

/** Numbers a bucket holds, in the order a `BucketTable` keeps them (the codec's order too). */
export const BUCKET_WIDTH = 10;

/**
 * An account's hourly buckets, sorted by idx, read by position: ten integers each (idx, then the counters in `Bucket`'s
 * order) in one array, where an object per bucket took 120 bytes.
 */
export class BucketTable {
  /** Made by the codec and `toSnapshot`: BUCKET_WIDTH numbers per bucket. */
  constructor(private readonly words: readonly number[]) {}

  static readonly EMPTY = new BucketTable([]);

  get length(): number {
    return this.words.length / BUCKET_WIDTH;
  }

  idx(i: number): number {
    return this.words[i * BUCKET_WIDTH] as number;
  }

  requests(i: number): number {
    return this.words[i * BUCKET_WIDTH + 1] as number;
  }

  inputTokens(i: number): number {
    return this.words[i * BUCKET_WIDTH + 2] as number;
  }

  outputTokens(i: number): number {
    return this.words[i * BUCKET_WIDTH + 3] as number;
  }

  reasoningTokens(i: number): number {
    return this.words[i * BUCKET_WIDTH + 4] as number;
  }

  elicit(i: number): number {
    return this.words[i * BUCKET_WIDTH + 5] as number;
  }

  errors(i: number): number {
    return this.words[i * BUCKET_WIDTH + 6] as number;
  }

  rateLimited(i: number): number {
    return this.words[i * BUCKET_WIDTH + 7] as number;
  }

  refused(i: number): number {
    return this.words[i * BUCKET_WIDTH + 8] as number;
  }

  newTemplates(i: number): number {
    return this.words[i * BUCKET_WIDTH + 9] as number;
  }

  /** Bucket i as an object, for tests. */
  bucket(i: number): Bucket {
    return {
      idx: this.idx(i),
      requests: this.requests(i),
      inputTokens: this.inputTokens(i),
      outputTokens: this.outputTokens(i),
      reasoningTokens: this.reasoningTokens(i),
      elicit: this.elicit(i),
      errors: this.errors(i),
      rateLimited: this.rateLimited(i),
      refused: this.refused(i),
      newTemplates: this.newTemplates(i),
    };
  }

  toArray(): Bucket[] {
    return Array.from({ length: this.length }, (_, i) => this.bucket(i));
  }

  /** The numbers of `buckets`, in a table's order. */
  static wordsOf(buckets: readonly Bucket[]): number[] {
    return buckets.flatMap((b) => [
      b.idx,
      b.requests,
      b.inputTokens,
      b.outputTokens,
      b.reasoningTokens,
      b.elicit,
      b.errors,
      b.rateLimited,
      b.refused,
      b.newTemplates,
    ]);
  }
}

/** A folded state as its readers see it: for tests and fixtures, which build states by folding observations. */
export function toSnapshot(s: AccountState): AccountSnapshot {
  const b = AttrTable.builder(s.attrs.length);
  for (const a of s.attrs) b.add(a.kind, a.value, a.lastHour, a.count, a.linked, a.fill, a.fills);
  return {
    requests: s.requests,
    firstSec: s.firstSec,
    lastSec: s.lastSec,
    createdSec: s.createdSec,
    verification: s.verification,
    suspendedSec: s.suspendedSec,
    suspensions: s.suspensions,
    orgId: s.orgId,
    emailDomain: s.emailDomain,
    buckets: s.buckets.length === 0 ? BucketTable.EMPTY : new BucketTable(BucketTable.wordsOf(s.buckets)),
    slots: s.slots,
    attrs: b.done(),
  };
}
