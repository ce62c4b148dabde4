import { describe, expect, it } from 'vitest';
import { clientStack } from '../../detectors/client-stack.ts';
import { cluster, req, T0 } from './support.ts';

describe('client-stack', () => {
  it('fires on a group that connects with a client nobody else uses', () => {
    const v = cluster(10, () => [req(T0 + 60_000, { tls: 'tls-9f3a77c1' })]);
    const f = clientStack.evaluate(v);
    expect(f.code).toBe('client_stack');
    expect(f.score).toBe(1);
    expect(f.detail).toMatch(
      /10 of 10 accounts \(100%\) connect with one client \(TLS fingerprint\) that 0 accounts outside/,
    );
  });

  it('counts a client in proportion to the members on it and how exclusive it is', () => {
    // 6 of 10 members on a client 8 accounts use: 0.6 × 0.75.
    const v = cluster(10, (i) => [req(T0 + 60_000, { tls: i < 6 ? 'tls-rare' : `tls-own-${i}` })], { 'tls-rare': 8 });
    expect(clientStack.evaluate(v).score).toBeCloseTo(0.45, 5);
  });

  it('gives nothing for a client strangers share (a chat front end of 200 accounts), nor for two on one', () => {
    expect(
      clientStack.evaluate(
        cluster(12, () => [req(T0 + 60_000, { tls: 'tls-electron-32' })], { 'tls-electron-32': 200 }),
      ).score,
    ).toBe(0);
    // 12 of 21 users: just under the 0.6 exclusivity.
    expect(clientStack.evaluate(cluster(12, () => [req(T0 + 60_000, { tls: 'tls-x' })], { 'tls-x': 21 })).score).toBe(
      0,
    );
    expect(
      clientStack.evaluate(cluster(10, (i) => [req(T0 + 60_000, { tls: i < 2 ? 'tls-pair' : `tls-own-${i}` })])).score,
    ).toBe(0);
  });
});
