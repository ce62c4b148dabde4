import { describe, expect, it } from 'vitest';
import { decodeId, encodeId, KeySpace } from '../../src/redis/keys.ts';

describe('KeySpace', () => {
  const keys = new KeySpace('fw');

  it("puts a partition's offset and its accounts under one hash tag", () => {
    const tag = (k: string) => /\{[^}]*\}/.exec(k)?.[0];
    expect(tag(keys.partitionMeta('farmwatch.usage', 3))).toMatch(/^\{p\.[0-9a-z]+\.3\}$/);
    expect(tag(keys.account('farmwatch.usage', 3, 'acct-9'))).toBe(tag(keys.partitionMeta('farmwatch.usage', 3)));
    expect(tag(keys.account('farmwatch.usage', 4, 'acct-9'))).not.toBe(tag(keys.partitionMeta('farmwatch.usage', 3)));
  });

  it('encodes ids so that none can forge a separator or a hash tag, and decodes them back', () => {
    const hostile = 'a:b{c}d%e f\n\u2028%u1234';
    const k = keys.account('t', 0, hostile);
    expect(k.split(':')).toHaveLength(4);
    expect(k.match(/[{}]/g)).toHaveLength(2);
    expect(decodeId(encodeId(hostile))).toBe(hostile);
    expect(encodeId('plain-id_1.2')).toBe('plain-id_1.2');
  });

  it('rejects a prefix that would break the layout', () => {
    expect(() => new KeySpace('a:b')).toThrow(/prefix/);
    expect(() => new KeySpace('')).toThrow(/prefix/);
  });
});
