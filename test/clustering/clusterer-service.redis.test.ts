/**
 * Two clusterers whose passes take longer than the lease (issue 17): before 2026-12-02 the lease was
 * renewed only between passes, so it lapsed in the middle of every pass, the standby took over, and
 * both emitted the same verification requests, over and over (fencing token 11-13 in 40 s, 10-12
 * emits per request in one trial). The lease is now renewed from a timer during a pass; an instance
 * that finds it lapsed drops its pass unsent.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ClustererService } from '../../src/clustering/clusterer-service.ts';
import type { OutboundMessage, TickEmitter } from '../../src/kafka/port.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { WindowReader } from '../../src/windows/window-reader.ts';
import { HandBuiltWindows, type HandBuiltRequest } from '../support/hand-built-windows.ts';

const { MIN, HOUR, END } = HandBuiltWindows;
const LEASE_MS = 600;
const PASS_MS = 2_000;

/**
 * Records what would have gone to Kafka, with the broker's side of the fencing: one shared progress,
 * and an emitter whose takeover came before another's is fenced.
 */
function recordingEmitters(sent: { topic: string; message: OutboundMessage }[]): () => TickEmitter {
  let epoch = 0;
  let emittedThrough: number | null = null;
  return () => {
    let mine = 0;
    return {
      takeOver: async () => {
        mine = ++epoch;
        return emittedThrough;
      },
      emit: async (tick, messages) => {
        if (mine !== epoch) throw new Error('INVALID_PRODUCER_EPOCH');
        sent.push(...messages);
        emittedThrough = tick;
      },
      disconnect: async () => undefined,
    };
  };
}

/** A reader whose every account scan takes PASS_MS: a pass longer than three leases. */
function slowReader(reader: WindowReader): WindowReader {
  return new Proxy(reader, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'activeAccounts' && typeof v === 'function') {
        return async (...args: unknown[]) => {
          await new Promise((r) => setTimeout(r, PASS_MS));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('ClustererService with passes longer than the lease (real Redis)', () => {
  const w = new HandBuiltWindows('lease');
  afterAll(() => w.close());

  it('keeps the lease through a pass, so every request is emitted once and the token does not climb', async () => {
    for (let i = 0; i < 20; i++) {
      const requests: HandBuiltRequest[] = [];
      for (let t = END - 6 * HOUR; t < END; t += 10 * MIN) {
        requests.push({
          tsMs: t + i * 1000,
          network: `10.9.${i % 3}.0/24`,
          payment: `card-farm-${i % 2}`,
          device: `dev-farm-${i}`,
          template: 'farm-template',
          elicitsReasoning: true,
          reasoningTokens: 1500,
          model: 'model-reasoning',
        });
      }
      await w.writeAccount(`farm-${i}`, END - 8 * HOUR, requests);
    }
    const reader = slowReader(await w.reader());
    const sent: { topic: string; message: OutboundMessage }[] = [];
    const emitterFor = recordingEmitters(sent);
    const make = (id: string) =>
      new ClustererService({
        redis: w.redis,
        keys: w.keys,
        reader,
        emitter: emitterFor(),
        verificationTopic: 'verification',
        clustersTopic: 'clusters',
        settings: w.clustererSettings(),
        tickMs: 5 * MIN,
        leaseMs: LEASE_MS,
        instanceId: id,
        log: createLogger('error'),
        pollMs: 100,
      });
    const a = make('a');
    const b = make('b');
    a.start();
    await new Promise((r) => setTimeout(r, 300));
    b.start();
    await new Promise((r) => setTimeout(r, 4 * PASS_MS));
    await a.stop();
    await b.stop();

    const requests = sent
      .filter((s) => s.topic === 'verification')
      .map((s) => (JSON.parse(String(s.message.value)) as { request_id: string }).request_id);
    expect(requests.length).toBe(20);
    expect(new Set(requests).size).toBe(20);
    expect(Number(await w.redis.get(w.keys.clustererFence()))).toBeLessThanOrEqual(2);
  }, 30_000);

  it('releases the lease on stop only while it holds it (compare-and-delete)', async () => {
    await w.redis.set(w.keys.clustererLease(), 'someone-else', 'PX', 5_000);
    expect(await w.redis.fwClustererReleaseV1(1, w.keys.clustererLease(), 'a')).toBe(0);
    expect(await w.redis.get(w.keys.clustererLease())).toBe('someone-else');
    expect(await w.redis.fwClustererReleaseV1(1, w.keys.clustererLease(), 'someone-else')).toBe(1);
    expect(await w.redis.get(w.keys.clustererLease())).toBeNull();
  });
});
