/**
 * AccountState ⇄ bytes. Compact on purpose: the blob is most of farmwatch's Redis memory per
 * account. Layout (version 1), integers as unsigned LEB128 varints, strings as length + UTF-8:
 *
 *   u8 version=1
 *   requests, firstSec, lastSec, createdSec+1 (0 = none), verification, suspendedSec+1, suspensions
 *   str orgId (empty = none), str emailDomain
 *   nBuckets, then per bucket: idx delta from the previous (first: absolute), requests, inputTokens,
 *     outputTokens, reasoningTokens, elicit, errors, rateLimited, refused, newTemplates
 *   nSlots, then slot deltas (first: absolute)
 *   nAttrs, then per attr: u8 kind (index in ATTR_KINDS; bit 7 set = value is lower-case hex stored
 *     as bytes, length-prefixed; bit 6 set = linked; bit 5 set = a template's fill follows), value,
 *     lastHour, count, and with bit 5: fill (u32 little-endian), fills
 *     (blobs written before fills existed never set bit 5, and read as they were)
 *   nRecentIds, then per id: hash (u32 little-endian), sec delta from lastSec (lastSec - sec)
 */
import { ATTR_KINDS, type AccountState, type Attr, type AttrKind, type Bucket } from './account-state.ts';
import {
  AttrTable,
  BUCKET_WIDTH,
  BucketTable,
  type AccountSnapshot,
  type AttrTableBuilder,
} from './account-snapshot.ts';

const VERSION = 1;
const KIND_INDEX = Object.fromEntries(ATTR_KINDS.map((k, i) => [k, i])) as Record<AttrKind, number>;

/**
 * Writes into one scratch buffer shared by every encode (encodes never interleave: they are synchronous) and copies the
 * result out once. A buffer grown from 256 bytes per blob, a Buffer per hex value, and Buffer.byteLength plus a write
 * per string were most of the encoder's time (docs/measurements.md, 2026-12-03 night).
 */
class Writer {
  private static scratch = Buffer.allocUnsafe(64 * 1024);
  private buf = Writer.scratch;
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    Writer.scratch = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  varint(v: number): void {
    this.ensure(8);
    if (v >= 0 && v <= 0x7fff_ffff && Number.isInteger(v)) {
      // The common case in 31-bit integer arithmetic; larger values (token sums, in principle) take the general path.
      while (v >= 0x80) {
        this.buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.pos++] = v;
      return;
    }
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varint out of range: ${v}`);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  str(s: string): void {
    // ASCII (addresses, user agents, model names) byte by byte; anything else through the UTF-8 encoder.
    this.ensure(s.length + 5);
    const start = this.pos;
    if (s.length < 0x80) {
      let p = start + 1;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          p = -1;
          break;
        }
        this.buf[p++] = c;
      }
      if (p >= 0) {
        this.buf[start] = s.length;
        this.pos = p;
        return;
      }
    }
    const len = Buffer.byteLength(s);
    this.varint(len);
    this.ensure(len);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
  }

  /**
   * A lower-case hex string of even length as its bytes, length-prefixed; false when it is not one, with part of it
   * written: the caller rewinds to its mark.
   */
  hex(s: string): boolean {
    if (s.length < 4 || (s.length & 1) !== 0) return false;
    this.varint(s.length >>> 1);
    this.ensure(s.length >>> 1);
    for (let i = 0; i < s.length; i += 2) {
      const hi = nibble(s.charCodeAt(i));
      const lo = nibble(s.charCodeAt(i + 1));
      if (hi < 0 || lo < 0) return false;
      this.buf[this.pos++] = (hi << 4) | lo;
    }
    return true;
  }

  mark(): number {
    return this.pos;
  }

  rewind(pos: number): void {
    this.pos = pos;
  }

  done(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}

/** The value of a lower-case hex digit's char code, or -1. */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  atEnd(): boolean {
    return this.pos === this.buf.length;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw new RangeError('account state blob is truncated');
    return this.buf[this.pos++] as number;
  }

  varint(): number {
    // Read from the buffer directly: a bounds check per byte through u8() was a good part of decoding.
    const buf = this.buf;
    let v = 0;
    let mul = 1;
    while (this.pos < buf.length) {
      const b = buf[this.pos++] as number;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
    throw new RangeError('account state blob is truncated');
  }

  u32(): number {
    if (this.pos + 4 > this.buf.length) throw new RangeError('account state blob is truncated');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  hex(): string {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new RangeError('account state blob is truncated');
    const s = this.buf.toString('hex', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  skip(len: number): void {
    if (this.pos + len > this.buf.length) throw new RangeError('account state blob is truncated');
    this.pos += len;
  }

  str(): string {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new RangeError('account state blob is truncated');
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

export function encodeState(s: AccountState): Buffer {
  const w = new Writer();
  w.u8(VERSION);
  w.varint(s.requests);
  w.varint(s.firstSec);
  w.varint(s.lastSec);
  w.varint(s.createdSec === null ? 0 : s.createdSec + 1);
  w.varint(s.verification);
  w.varint(s.suspendedSec === null ? 0 : s.suspendedSec + 1);
  w.varint(s.suspensions);
  w.str(s.orgId ?? '');
  w.str(s.emailDomain ?? '');
  w.varint(s.buckets.length);
  let prev = 0;
  for (const b of s.buckets) {
    w.varint(b.idx - prev);
    prev = b.idx;
    w.varint(b.requests);
    w.varint(b.inputTokens);
    w.varint(b.outputTokens);
    w.varint(b.reasoningTokens);
    w.varint(b.elicit);
    w.varint(b.errors);
    w.varint(b.rateLimited);
    w.varint(b.refused);
    w.varint(b.newTemplates);
  }
  w.varint(s.slots.length);
  prev = 0;
  for (const slot of s.slots) {
    w.varint(slot - prev);
    prev = slot;
  }
  w.varint(s.attrs.length);
  for (const a of s.attrs) {
    const flags = (a.linked ? 0x40 : 0) | (a.fill !== undefined ? 0x20 : 0);
    // Fingerprints (templates, bands, hashed devices…) are hex: stored as bytes they take half the room.
    const tagAt = w.mark();
    w.u8(KIND_INDEX[a.kind] | 0x80 | flags);
    if (!w.hex(a.value)) {
      w.rewind(tagAt);
      w.u8(KIND_INDEX[a.kind] | flags);
      w.str(a.value);
    }
    w.varint(a.lastHour);
    w.varint(a.count);
    if (a.fill !== undefined) {
      w.u32(a.fill);
      w.varint(a.fills ?? 0);
    }
  }
  w.varint(s.recentIds.length);
  for (const r of s.recentIds) {
    w.u32(r.hash);
    w.varint(Math.max(0, s.lastSec - r.sec));
  }
  return w.done();
}

/**
 * The state as its readers hold it (`AccountSnapshot`), or null when the blob cannot be decoded. Readers (the
 * clusterer, the review page) skip such an account rather than fail a whole pass; the worker moves the blob aside the
 * next time the account has an event (window-store.ts).
 */
export function decodeSnapshotOrNull(
  buf: Buffer,
  parts: SnapshotParts = 'activity',
  kinds?: ReadonlySet<AttrKind>,
): AccountSnapshot | null {
  try {
    return decodeSnapshot(buf, parts, kinds);
  } catch {
    return null;
  }
}

/**
 * What a snapshot's decode keeps; every part is read and checked whatever is kept, so a bad blob fails alike. The
 * event-id hashes, which only the worker's de-duplication reads, are never kept.
 * - `activity`: everything else;
 * - `links`: the attributes alone (buckets and slots empty), for the clusterer's search for candidates, which reads
 *   every active account's linking values and keeps none of the rest: building the buckets and slots was a third of
 *   what a first pass allocated in decoding.
 * With `kinds`, attributes of other kinds are read past without a string (a SimHash band does not link).
 */
export type SnapshotParts = 'activity' | 'links';

/** An account state from its blob as a reader holds it: the parts `parts` names and, given `kinds`, those kinds. */
export function decodeSnapshot(
  buf: Buffer,
  parts: SnapshotParts = 'activity',
  kinds?: ReadonlySet<AttrKind>,
): AccountSnapshot {
  return decode(buf, parts, kinds) as AccountSnapshot;
}

/** An account state from its blob, all of it, to fold events into. */
export function decodeState(buf: Buffer): AccountState {
  return decode(buf, 'all') as AccountState;
}

function decode(
  buf: Buffer,
  parts: SnapshotParts | 'all',
  kinds?: ReadonlySet<AttrKind>,
): AccountState | AccountSnapshot {
  const activity = parts !== 'links';
  const recentIds = parts === 'all';
  const r = new Reader(buf);
  const version = r.u8();
  if (version !== VERSION) throw new RangeError(`unknown account state version ${version}`);
  const requests = r.varint();
  const firstSec = r.varint();
  const lastSec = r.varint();
  const created = r.varint();
  const verification = r.varint();
  const suspended = r.varint();
  const suspensions = r.varint();
  const orgId = r.str();
  const emailDomain = r.str();
  const bucketCount = r.varint();
  // The worker's state keeps an object per bucket and per attribute, to fold into; a snapshot packs them.
  const buckets: Bucket[] | null = recentIds ? new Array(bucketCount) : null;
  const bucketWords: number[] | null = activity && !recentIds ? new Array(bucketCount * BUCKET_WIDTH) : null;
  let prev = 0;
  for (let i = 0; i < bucketCount; i++) {
    const idx = prev + r.varint();
    prev = idx;
    if (bucketWords !== null) {
      bucketWords[i * BUCKET_WIDTH] = idx;
      for (let f = 1; f < BUCKET_WIDTH; f++) bucketWords[i * BUCKET_WIDTH + f] = r.varint();
      continue;
    }
    if (!activity) {
      for (let f = 1; f < BUCKET_WIDTH; f++) r.varint();
      continue;
    }
    (buckets as Bucket[])[i] = {
      idx,
      requests: r.varint(),
      inputTokens: r.varint(),
      outputTokens: r.varint(),
      reasoningTokens: r.varint(),
      elicit: r.varint(),
      errors: r.varint(),
      rateLimited: r.varint(),
      refused: r.varint(),
      newTemplates: r.varint(),
    };
  }
  const slotCount = r.varint();
  const slots: number[] = activity ? new Array(slotCount) : [];
  prev = 0;
  for (let i = 0; i < slotCount; i++) {
    prev += r.varint();
    if (activity) slots[i] = prev;
  }
  const attrCount = r.varint();
  const attrs: Attr[] | null = recentIds ? new Array(attrCount) : null;
  const table = recentIds ? null : AttrTable.builder(attrCount);
  for (let i = 0; i < attrCount; i++) {
    const tag = r.u8();
    const kind = ATTR_KINDS[tag & 0x1f];
    if (kind === undefined) throw new RangeError('unknown attribute kind in account state');
    // An attribute of a kind not kept is read past: no string is made of its value, no object of it.
    const keep = kinds === undefined || kinds.has(kind);
    let value = '';
    if (keep) value = tag & 0x80 ? r.hex() : r.str();
    else r.skip(r.varint());
    const lastHour = r.varint();
    const count = r.varint();
    const filled = (tag & 0x20) !== 0;
    const fill = filled ? r.u32() : 0;
    const fills = filled ? r.varint() : 0;
    if (!keep) continue;
    const linked = (tag & 0x40) !== 0;
    if (attrs === null) {
      (table as AttrTableBuilder).add(kind, value, lastHour, count, linked, filled ? fill : undefined, fills);
      continue;
    }
    const a: Attr = { kind, value, lastHour, count, linked };
    if (filled) {
      a.fill = fill;
      a.fills = fills;
    }
    attrs[i] = a;
  }
  const idCount = r.varint();
  const ids: AccountState['recentIds'] | null = recentIds ? new Array(idCount) : null;
  for (let i = 0; i < idCount; i++) {
    const hash = r.u32();
    const sec = lastSec - r.varint();
    if (ids !== null) ids[i] = { hash, sec };
  }
  if (!r.atEnd()) throw new RangeError('account state blob has bytes after its end');
  const createdSec = created === 0 ? null : created - 1;
  const suspendedSec = suspended === 0 ? null : suspended - 1;
  const org = orgId === '' ? null : orgId;
  const domain = emailDomain === '' ? null : emailDomain;
  const v = verification as AccountState['verification'];
  // Two literals, each in its type's property order: the worker's fold reads states of one shape (a copy of a snapshot
  // with the ids added made foldObservation slower, a CPU profile of the 5% incident's backtest, 2026-12-06).
  if (attrs === null)
    return {
      requests,
      firstSec,
      lastSec,
      createdSec,
      verification: v,
      suspendedSec,
      suspensions,
      orgId: org,
      emailDomain: domain,
      buckets: bucketWords === null || bucketCount === 0 ? BucketTable.EMPTY : new BucketTable(bucketWords),
      slots,
      attrs: (table as AttrTableBuilder).done(),
    } satisfies AccountSnapshot;
  return {
    requests,
    firstSec,
    lastSec,
    createdSec,
    verification: v,
    suspendedSec,
    suspensions,
    orgId: org,
    emailDomain: domain,
    buckets: buckets as Bucket[],
    slots,
    attrs,
    recentIds: ids as AccountState['recentIds'],
  } satisfies AccountState;
}
