/**
 * The review API when things go wrong (issue 17): with Redis down it answers 503 within seconds, not
 * 500 (it used to take 2-6 s and say "internal error"); its request log never holds a long path or a
 * token put into one; slow and idle clients are closed after the limits set, not after Node's 30-second
 * check; connections beyond the cap are closed at once.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessList } from '../../src/review/access.ts';
import { startReviewServer, type ReviewServer } from '../../src/review/http-api.ts';
import { ReviewService } from '../../src/review/review-service.ts';
import { ReviewStore } from '../../src/review/review-store.ts';
import { connectRedis } from '../../src/redis/connect.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { WindowReader } from '../../src/windows/window-reader.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { TOKEN_ENTRIES, TOKENS } from '../support/review-fixture.ts';
import type { MessageProducer } from '../../src/kafka/port.ts';

const unreachable = connectRedis(
  { redisUrl: 'redis://127.0.0.1:1', redisClusterNodes: [] },
  createLogger('error', () => undefined),
);
const keys = new KeySpace('review-degraded');
const producer: MessageProducer = {
  connect: async () => undefined,
  disconnect: async () => undefined,
  send: async () => undefined,
};
const lines: string[] = [];
let server: ReviewServer;

/** A review service whose Redis cannot be reached. */
function unreachableService(): ReviewService {
  return new ReviewService({
    store: new ReviewStore(unreachable.redis, keys),
    reader: new WindowReader(unreachable.redis, keys, 'usage'),
    inputTopic: 'usage',
    bucketMs: 3_600_000,
    slotMs: 60_000,
    producer,
    verificationTopic: 'verification',
  });
}

afterAll(async () => {
  await server.close();
  unreachable.redis.disconnect();
});

describe('review API, degraded', () => {
  it('answers 503 with a reason when Redis is down', async () => {
    const service = unreachableService();
    server = await startReviewServer({
      svc: service,
      access: new AccessList(TOKEN_ENTRIES),
      host: '127.0.0.1',
      port: 0,
      log: createLogger('debug', (l) => lines.push(l)),
    });
    const started = Date.now();
    const res = await fetch(`${server.url}api/clusters`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/Redis is unavailable/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('logs a refused request with its path cut short and no token in it', async () => {
    const path = `api/clusters/${TOKENS.admin}/${'x'.repeat(15_000)}`;
    const res = await fetch(`${server.url}${path}`);
    expect(res.status).toBe(401);
    const line = lines.find((l) => l.includes('review request refused') && l.includes('"status":401')) ?? '';
    expect(line.length).toBeGreaterThan(0);
    expect(line.length).toBeLessThan(400);
    expect(line).not.toContain(TOKENS.admin);
  });

  it('counts refusals by outcome at /metrics, and logs a 401 only at debug', async () => {
    const before = lines.length;
    for (let i = 0; i < 5; i++) expect((await fetch(`${server.url}api/clusters`)).status).toBe(401);
    const forbidden = await fetch(`${server.url}api/audit/export`, {
      headers: { authorization: `Bearer ${TOKENS.viewer}` },
    });
    expect(forbidden.status).toBe(403);
    const text = await (await fetch(`${server.url}metrics`)).text();
    expect(text).toMatch(/farmwatch_review_requests_total\{outcome="unauthenticated"\} ([6-9]|\d\d)/);
    expect(text).toMatch(/farmwatch_review_requests_total\{outcome="forbidden"\} 1\b/);
    expect(text).toMatch(/farmwatch_review_requests_total\{outcome="unavailable"\} 1\b/);
    const refused = lines.slice(before).map((l) => JSON.parse(l) as { level: string; status?: number });
    expect(refused.filter((l) => l.status === 401).every((l) => l.level === 'debug')).toBe(true);
    expect(refused.find((l) => l.status === 403)?.level).toBe('info');
  });

  it('closes a client sending its headers too slowly after the header limit; refuses those over the cap', async () => {
    const service = unreachableService();
    const limited = await startReviewServer({
      svc: service,
      access: new AccessList(TOKEN_ENTRIES),
      host: '127.0.0.1',
      port: 0,
      log: createLogger('error', () => undefined),
      limits: { headersMs: 500, requestMs: 1_000, idleMs: 500, maxConnections: 2 },
    });
    const port = Number(new URL(limited.url).port);
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        // Read (and drop) what the server sends: an unread socket never sees the server's end, nor closes.
        const s = connect(port, '127.0.0.1', () => resolve(s)).resume();
        s.on('error', reject);
      });
    const closedWithin = (s: Socket) => {
      const t0 = Date.now();
      return new Promise<number>((resolve) => {
        if (s.destroyed) resolve(0);
        s.on('close', () => resolve(Date.now() - t0));
      });
    };
    try {
      const slow = await open();
      slow.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      const slowClosed = closedWithin(slow);
      const second = await open();
      const third = await open();
      third.on('error', () => undefined);
      expect(await closedWithin(third)).toBeLessThan(1_000);
      expect(await slowClosed).toBeLessThan(3_000);
      second.destroy();
    } finally {
      await limited.close();
    }
  });

  it('answers the audit export with 503 when Redis is down, before any byte of the file', async () => {
    const res = await fetch(`${server.url}api/audit/export`, { headers: { authorization: `Bearer ${TOKENS.admin}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('cuts an audit export that fails half-way short, without the completeness line', async () => {
    const service = unreachableService();
    service.auditExport = async function* () {
      yield { seq: 1, at: '2026-12-02T00:00:00.000Z', user: 'ada', role: 'admin', action: 'confirm' } as never;
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('Connection is closed.');
    };
    const failing = await startReviewServer({
      svc: service,
      access: new AccessList(TOKEN_ENTRIES),
      host: '127.0.0.1',
      port: 0,
      log: createLogger('error', () => undefined),
    });
    try {
      const res = await fetch(`${failing.url}api/audit/export`, {
        headers: { authorization: `Bearer ${TOKENS.admin}` },
      });
      expect(res.status).toBe(200);
      // The transfer ends without its last chunk: reading it fails, or what arrived lacks the last line.
      const body = await res.text().catch((err: Error) => `failed: ${err.message}`);
      expect(body).not.toContain('"complete":true');
    } finally {
      await failing.close();
    }
  });
});
