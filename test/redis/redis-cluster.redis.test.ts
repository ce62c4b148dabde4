/**
 * farmwatch on a Redis Cluster: three masters from Debian's redis-server in cluster mode on free
 * loopback ports, joined with `redis-cli --cluster create`. The production stages (ingest into the
 * windows, indexes, clustering, the clusterer's lease and commit, the review store) run against it
 * and must give exactly what they give on a single Redis.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScenario, loadScenario } from '../../fixtures/generate.ts';
import { BACKTEST_TOPIC, runBacktest, type BacktestResult } from '../../src/backtest/backtest.ts';
import { backtestSettings } from '../../src/cli/backtest-command.ts';
import { parseConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { isCluster } from '../../src/redis/client.ts';
import { connectRedis, type RedisConnection } from '../../src/redis/connect.ts';
import { deleteKeysWithPrefix } from '../../src/redis/delete-prefix.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { registerScripts } from '../../src/redis/scripts.ts';
import { ReviewStore } from '../../src/review/review-store.ts';
import { snapshotOf } from '../support/snapshot.ts';
import { freePort, testRedis, uniqueName, waitFor } from '../support/services.ts';

const dir = mkdtempSync(join(tmpdir(), 'fw-cluster-'));
const servers: ChildProcess[] = [];
const ports: number[] = [];
let cluster: RedisConnection;
const single = testRedis();
registerScripts(single);
const prefix = uniqueName('cluster');
const log = createLogger('warn');

const cli = (port: number, ...args: string[]) =>
  execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });

beforeAll(async () => {
  // Cluster bus ports are port + 10000: pick ports whose bus port is free too.
  while (ports.length < 3) {
    const p = await freePort();
    if (p < 50_000) ports.push(p);
  }
  for (const port of ports) {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    servers.push(child);
  }
  for (const port of ports)
    await waitFor(
      `redis-server on ${port}`,
      () => {
        try {
          return cli(port, 'ping').trim() === 'PONG';
        } catch {
          return false;
        }
      },
      20_000,
      200,
    );
  execFileSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
    { stdio: 'ignore' },
  );
  for (const port of ports)
    await waitFor(
      `cluster state ok on ${port}`,
      () => cli(port, 'cluster', 'info').includes('cluster_state:ok'),
      20_000,
      200,
    );
  cluster = connectRedis({ redisUrl: 'redis://unused:1', redisClusterNodes: ports.map((p) => `127.0.0.1:${p}`) }, log);
  await waitFor('cluster client ready', () => cluster.isReady(), 20_000, 200);
}, 60_000);

afterAll(async () => {
  await cluster?.close();
  await deleteKeysWithPrefix(single, prefix);
  single.disconnect();
  for (const s of servers) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis Cluster', () => {
  it('is a real three-master cluster', () => {
    expect(isCluster(cluster.redis)).toBe(true);
    const masters = cli(ports[0] as number, 'cluster', 'nodes')
      .split('\n')
      .filter((l) => l.includes('master'));
    expect(masters).toHaveLength(3);
  });

  it('ingests and clusters exactly as a single Redis does', async () => {
    const g = generateScenario(loadScenario('mixed-small'), { seed: 4, scale: 0.3 });
    const file = join(dir, 'events.jsonl');
    const ws = createWriteStream(file);
    for (const line of g.lines) if (!ws.write(line + '\n')) await once(ws, 'drain');
    ws.end();
    await once(ws, 'finish');
    const settings = backtestSettings(parseConfig({}));
    const onSingle = await runBacktest(file, single, prefix, settings, () => undefined);
    const onCluster = await runBacktest(file, cluster.redis, prefix, settings, () => undefined);
    const summary = (r: BacktestResult) => ({
      events: r.events,
      requests: r.requests.map((q) => q.request_id).sort(),
      clusters: r.clusters.map((c) => ({
        id: c.id,
        members: [...c.members].sort(),
        score: c.score,
        reasons: c.reasons.map((x) => x.code),
      })),
    });
    expect(onSingle.requests.length, 'the scenario flags something').toBeGreaterThan(0);
    expect(summary(onCluster)).toEqual(summary(onSingle));
    const a = await snapshotOf(single, prefix, BACKTEST_TOPIC);
    const b = await snapshotOf(cluster.redis, prefix, BACKTEST_TOPIC);
    expect(b.accounts.size).toBe(a.accounts.size);
    expect(b.accounts).toEqual(a.accounts);
    expect(b.indexes).toEqual(a.indexes);
    expect(b.maxEventTimeMs).toBe(a.maxEventTimeMs);
    // The keys really are spread over the three masters.
    for (const port of ports) expect(Number(cli(port, 'dbsize').trim()), `keys on ${port}`).toBeGreaterThan(100);
  }, 240_000);

  it('runs the clusterer lease and commit and the review store scripts', async () => {
    const keys = new KeySpace(prefix);
    const r = cluster.redis;
    const token = await r.fwClustererLeaseV1(2, keys.clustererLease(), keys.clustererFence(), 'a', 5_000);
    expect(token).toBeGreaterThan(0);
    expect(await r.fwClustererLeaseV1(2, keys.clustererLease(), keys.clustererFence(), 'b', 5_000)).toBe(0);
    expect(
      await r.fwClustererCommitV2(
        4,
        keys.clustererFence(),
        keys.clusterRecords(),
        keys.clustererState(),
        keys.clustererOutbox(),
        token,
        1000,
        '[{"topic":"v","key":"a","value":"1"}]',
        'c_1',
        '{"id":"c_1"}',
      ),
    ).toBe(1);
    expect(
      await r.fwClustererCommitV2(
        4,
        keys.clustererFence(),
        keys.clusterRecords(),
        keys.clustererState(),
        keys.clustererOutbox(),
        token + 1,
        2000,
        '',
      ),
    ).toBe(0);
    const store = new ReviewStore(r, keys);
    const seq = await store.changeDecision(
      'c_1',
      '',
      {
        clusterId: 'c_1',
        status: 'dismissed',
        by: 'ana',
        atMs: 1,
        category: 'other',
        note: 'n',
        codes: [],
        members: [],
        requested: [],
      },
      {
        atMs: 1,
        actor: 'ana',
        role: 'analyst',
        action: 'dismiss',
        clusterId: 'c_1',
        target: null,
        category: 'other',
        note: 'n',
        requestsSent: 0,
        evidence: null,
      },
    );
    expect(seq).toBe(1);
    expect((await store.decisions()).get('c_1')?.status).toBe('dismissed');
    expect(await deleteKeysWithPrefix(r, prefix)).toBeGreaterThan(100);
  });
});
