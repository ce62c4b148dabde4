/** The states a worker keeps from its own writes: trusted only after its own commit, within the TTL and the bound. */
import { describe, expect, it } from 'vitest';
import { emptyState } from '../../src/windows/account-state.ts';
import { HEAP_BYTES_PER_BLOB_BYTE, WrittenStates } from '../../src/windows/written-states.ts';

const HOUR = 3_600_000;

describe('WrittenStates', () => {
  it('counts a partition only while its meta shows this writer and the offset it wrote', () => {
    const kept = new WrittenStates(1 << 20, 'me');
    const s = emptyState();
    kept.committed('t|0', '41', [{ key: 'a', state: s, blobBytes: 10 }], HOUR);
    expect(kept.confirm('t|0', 'me', '41')).toBe(true);
    expect(kept.get('t|0', 'a')).toBe(s);
    // Another writer since (its token), or an offset this writer did not write (an older worker, a reset), and the
    // partition's states stop counting until this writer commits again.
    expect(kept.confirm('t|0', 'other', '41')).toBe(false);
    expect(kept.get('t|0', 'a')).toBeUndefined();
    kept.committed('t|0', '42', [{ key: 'a', state: s, blobBytes: 10 }], HOUR);
    expect(kept.confirm('t|0', 'me', '43')).toBe(false);
    expect(kept.confirm('t|0', 'me', null)).toBe(false);
    expect(kept.get('t|0', 'a')).toBeUndefined();
    expect(kept.confirm('t|1', 'me', '42')).toBe(false); // a partition it never wrote
  });

  it('drops a state before its key can have expired in Redis', () => {
    let now = 0;
    const kept = new WrittenStates(1 << 20, 'me', () => now);
    kept.committed('t|0', '1', [{ key: 'a', state: emptyState(), blobBytes: 10 }], HOUR);
    now = HOUR - 61_000;
    expect(kept.get('t|0', 'a')).toBeDefined();
    now = HOUR - 60_000;
    expect(kept.get('t|0', 'a')).toBeUndefined();
    expect(kept.size().states).toBe(0);
  });

  it('keeps within its bound, the least recently used going first', () => {
    const kept = new WrittenStates(3 * 100 * HEAP_BYTES_PER_BLOB_BYTE, 'me');
    const put = (key: string) => kept.committed('t|0', '1', [{ key, state: emptyState(), blobBytes: 100 }], HOUR);
    put('a');
    put('b');
    put('c');
    expect(kept.get('t|0', 'a')).toBeDefined(); // a is now the most recently used
    put('d');
    expect(kept.size()).toEqual({ states: 3, bytes: 3 * 100 * HEAP_BYTES_PER_BLOB_BYTE });
    expect(kept.get('t|0', 'b')).toBeUndefined();
    expect(['a', 'c', 'd'].every((k) => kept.get('t|0', k) !== undefined)).toBe(true);
  });
});
