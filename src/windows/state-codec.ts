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

const VERSION = 1;
const HEX = /^[0-9a-f]+$/;

class Writer {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varint out of range: ${v}`);
    this.ensure(8);
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
    const len = Buffer.byteLength(s);
    this.varint(len);
    this.ensure(len);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
  }

  bytes(b: Buffer): void {
    this.varint(b.length);
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
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
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  }

  u32(): number {
    if (this.pos + 4 > this.buf.length) throw new RangeError('account state blob is truncated');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  bytes(): Buffer {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new RangeError('account state blob is truncated');
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
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
    if (a.value.length >= 4 && a.value.length % 2 === 0 && HEX.test(a.value)) {
      w.u8(ATTR_KINDS.indexOf(a.kind) | 0x80 | flags);
      w.bytes(Buffer.from(a.value, 'hex'));
    } else {
      w.u8(ATTR_KINDS.indexOf(a.kind) | flags);
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
 * The decoded state, or null when the blob cannot be decoded. Readers (the clusterer, the review
 * page) skip such an account rather than fail a whole pass; the worker moves the blob aside the next
 * time the account has an event (window-store.ts).
 */
export function decodeStateOrNull(buf: Buffer): AccountState | null {
  try {
    return decodeState(buf);
  } catch {
    return null;
  }
}

export function decodeState(buf: Buffer): AccountState {
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
  const buckets: Bucket[] = new Array(r.varint());
  let prev = 0;
  for (let i = 0; i < buckets.length; i++) {
    const idx = prev + r.varint();
    prev = idx;
    buckets[i] = {
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
  const slots: number[] = new Array(r.varint());
  prev = 0;
  for (let i = 0; i < slots.length; i++) {
    prev += r.varint();
    slots[i] = prev;
  }
  const attrs = new Array(r.varint());
  for (let i = 0; i < attrs.length; i++) {
    const tag = r.u8();
    const kind = ATTR_KINDS[tag & 0x1f];
    if (kind === undefined) throw new RangeError('unknown attribute kind in account state');
    const value = tag & 0x80 ? r.bytes().toString('hex') : r.str();
    const a: Attr = {
      kind: kind as AttrKind,
      value,
      lastHour: r.varint(),
      count: r.varint(),
      linked: (tag & 0x40) !== 0,
    };
    if (tag & 0x20) {
      a.fill = r.u32();
      a.fills = r.varint();
    }
    attrs[i] = a;
  }
  const recentIds = new Array(r.varint());
  for (let i = 0; i < recentIds.length; i++) {
    const hash = r.u32();
    recentIds[i] = { hash, sec: lastSec - r.varint() };
  }
  if (!r.atEnd()) throw new RangeError('account state blob has bytes after its end');
  return {
    requests,
    firstSec,
    lastSec,
    createdSec: created === 0 ? null : created - 1,
    verification: verification as AccountState['verification'],
    suspendedSec: suspended === 0 ? null : suspended - 1,
    suspensions,
    orgId: orgId === '' ? null : orgId,
    emailDomain: emailDomain === '' ? null : emailDomain,
    buckets,
    slots,
    attrs,
    recentIds,
  };
}
