/**
 * The review API over a real review queue (a labelled scenario through the production stages into
 * the real Redis): every endpoint, every role, bad input, and the way verdicts feed back into the
 * clusterer (excusals, allowlist).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterRecord, VerificationRequest } from '../../src/clustering/cluster-registry.ts';
import { requestId } from '../../src/clustering/cluster-registry.ts';
import { registerScripts } from '../../src/redis/scripts.ts';
import { deleteKeysWithPrefix } from '../../src/redis/delete-prefix.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { loadReviewPolicy, reviewPolicy, ReviewStore } from '../../src/review/review-store.ts';
import { MAX_BODY_BYTES } from '../../src/review/http-api.ts';
import { testRedis } from '../support/services.ts';
import { buildReviewQueue, startTestReview, TOKENS, type ReviewQueue } from '../support/review-fixture.ts';
import type { CapturingProducer } from '../support/review-fixture.ts';

const redis = testRedis();
registerScripts(redis);
let queue: ReviewQueue;
let base: string;
let producer: CapturingProducer;
let close: () => Promise<void>;
let clock = Date.parse('2026-11-03T12:00:00Z');
const logLines: string[] = [];
let hydra: ClusterRecord;
let lab: ClusterRecord;

type Role = keyof typeof TOKENS;

async function call(
  method: string,
  path: string,
  opts: { role?: Role | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const role = opts.role === undefined ? 'analyst' : opts.role;
  if (role !== null) headers.authorization = `Bearer ${TOKENS[role]}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path.replace(/^\//, '')}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text, headers: res.headers };
}

beforeAll(async () => {
  queue = await buildReviewQueue(redis);
  const t = await startTestReview(redis, queue, { now: () => clock, logLines });
  base = t.server.url;
  producer = t.producer;
  close = () => t.server.close();
  hydra = queue.records.find((r) => queue.groupOf(r) === 'hydra') as ClusterRecord;
  lab = queue.records.find((r) => queue.groupOf(r) === 'research-lab') as ClusterRecord;
}, 180_000);

afterAll(async () => {
  await close?.();
  if (queue) await deleteKeysWithPrefix(redis, queue.prefix);
  redis.disconnect();
});

describe('review queue fixture', () => {
  it('holds the campaigns and the lab, all waiting for an analyst', () => {
    expect(hydra, 'hydra cluster').toBeDefined();
    expect(lab, 'research lab cluster').toBeDefined();
    for (const r of queue.records) expect(r.band).toBe('review');
    expect(hydra.requested).toEqual([]);
  });
});

const ROUTES: [string, string][] = [
  ['GET', '/api/whoami'],
  ['GET', '/api/clusters'],
  ['GET', '/api/clusters/ID'],
  ['GET', '/api/clusters/ID/members'],
  ['GET', '/api/clusters/ID/activity'],
  ['GET', '/api/clusters/ID/evidence'],
  ['POST', '/api/clusters/ID/confirm'],
  ['POST', '/api/clusters/ID/dismiss'],
  ['POST', '/api/clusters/ID/undo'],
  ['GET', '/api/allowlist'],
  ['POST', '/api/allowlist'],
  ['POST', '/api/allowlist/remove'],
  ['GET', '/api/audit'],
  ['GET', '/api/audit/export'],
];
const WRITES = ROUTES.filter(([m]) => m === 'POST');

describe('access control', () => {
  it('refuses every API route without a token, with a wrong token, and with a token in the URL', async () => {
    for (const [m, p] of ROUTES) {
      const path = p.replace('ID', hydra.id);
      const body = m === 'POST' ? {} : undefined;
      expect((await call(m, path, { role: null, body })).status, `${m} ${path} without token`).toBe(401);
      expect(
        (await call(m, path, { role: null, body, headers: { authorization: 'Bearer not-a-real-token-at-all' } }))
          .status,
        `${m} ${path} wrong token`,
      ).toBe(401);
      expect(
        (await call(m, path, { role: null, body, headers: { authorization: `Basic ${TOKENS.admin}` } })).status,
        `${m} ${path} basic`,
      ).toBe(401);
    }
    const r = await call('GET', `/api/clusters?token=${TOKENS.viewer}`);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/Authorization header/);
    // Whatever the parameter is called (issue 17: ?t=<token> passed the check on names alone).
    const renamed = await call('GET', `/api/clusters?t=${encodeURIComponent(TOKENS.admin)}`);
    expect(renamed.status).toBe(400);
    expect(renamed.json.error).toMatch(/Authorization header/);
  });

  it('sends the security headers on every response, health checks included', async () => {
    for (const path of ['/healthz', '/readyz', '/', '/api/clusters', '/nope']) {
      const res = await call('GET', path, { role: 'viewer' });
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  it('lets a viewer read but not act; only an admin exports the audit log', async () => {
    for (const [m, p] of ROUTES.filter(([method, path]) => method === 'GET' && !path.endsWith('export')))
      expect((await call(m, p.replace('ID', hydra.id), { role: 'viewer' })).status, `${m} ${p}`).toBe(200);
    for (const [m, p] of WRITES) {
      const r = await call(m, p.replace('ID', hydra.id), { role: 'viewer', body: { note: 'x' } });
      expect(r.status, `${m} ${p}`).toBe(403);
      expect(r.json.error).toMatch(/viewer may not/);
    }
    expect((await call('GET', '/api/audit/export', { role: 'analyst' })).status).toBe(403);
    expect((await call('GET', '/api/audit/export', { role: 'admin' })).status).toBe(200);
    expect((await call('GET', '/api/whoami', { role: 'viewer' })).json).toEqual({ user: 'vera', role: 'viewer' });
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    expect((await call('GET', '/api/nothing')).status).toBe(404);
    expect((await call('DELETE', `/api/clusters/${hydra.id}`)).status).toBe(405);
    expect((await call('GET', '/nothing.html', { role: null })).status).toBe(404);
  });
});

describe('cluster list', () => {
  it('lists with status, score, size, first seen and top reasons; sorts, filters and pages', async () => {
    const all = await call('GET', '/api/clusters?status=&limit=200');
    expect(all.status).toBe(200);
    expect(all.json.total).toBe(queue.records.length);
    const scores = all.json.items.map((c: { score: number }) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const first = all.json.items[0];
    expect(Object.keys(first)).toEqual(
      expect.arrayContaining(['id', 'status', 'band', 'score', 'size', 'firstSeenMs', 'topReasons']),
    );
    expect(first.topReasons.length).toBeGreaterThan(0);
    const bySize = await call('GET', '/api/clusters?sort=size&order=asc');
    const sizes = bySize.json.items.map((c: { size: number }) => c.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    const page = await call('GET', '/api/clusters?limit=1&offset=1');
    expect(page.json.items).toHaveLength(1);
    expect(page.json.items[0].id).toBe(all.json.items[1].id);
    const search = await call('GET', `/api/clusters?q=${encodeURIComponent(hydra.members[3] as string)}`);
    expect(search.json.items.map((c: { id: string }) => c.id)).toEqual([hydra.id]);
    expect((await call('GET', '/api/clusters?band=verify')).json.total).toBe(0);
  });

  it('refuses bad parameters with a 400 that names them', async () => {
    for (const [qs, name] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=201', 'limit'],
      ['offset=-1', 'offset'],
      ['sort=bogus', 'sort'],
      ['status=closed', 'status'],
      ['order=up', 'order'],
      [`q=${'x'.repeat(129)}`, 'q'],
    ] as const) {
      const r = await call('GET', `/api/clusters?${qs}`);
      expect(r.status, qs).toBe(400);
      expect(r.json.error, qs).toContain(name);
    }
  });
});

describe('cluster detail', () => {
  it('explains a cluster: reasons, shared values with rarity, templates, distributions', async () => {
    const r = await call('GET', `/api/clusters/${hydra.id}`, { role: 'viewer' });
    expect(r.status).toBe(200);
    expect(r.json.reasons.map((x: { code: string }) => x.code)).toEqual(hydra.reasons.map((x) => x.code));
    expect(r.json.members).toBe(hydra.members.length);
    expect(r.json.membersWithWindow).toBe(hydra.members.length);
    expect(r.json.shared.length).toBeGreaterThan(0);
    for (const v of r.json.shared) {
      expect(v.members).toBeGreaterThanOrEqual(2);
      if (v.total !== null) expect(v.total).toBeGreaterThanOrEqual(v.members);
    }
    expect(r.json.templates.length).toBeGreaterThan(0);
    expect(r.json.histograms.map((h: { name: string }) => h.name)).toEqual([
      'requests per member',
      'output tokens per request',
      'share of requests asking for reasoning',
    ]);
    const counted = r.json.histograms[0].bins.reduce((n: number, b: { count: number }) => n + b.count, 0);
    expect(counted).toBe(hydra.members.length);
  });

  it('pages members with volume, elicitation share, age and networks', async () => {
    const p1 = await call('GET', `/api/clusters/${hydra.id}/members?limit=10`);
    const p2 = await call('GET', `/api/clusters/${hydra.id}/members?limit=10&offset=10`);
    expect(p1.json.total).toBe(hydra.members.length);
    expect(p1.json.items).toHaveLength(10);
    const m = p1.json.items[0];
    expect(Object.keys(m)).toEqual(
      expect.arrayContaining(['accountId', 'requests', 'elicitShare', 'ageDays', 'networks']),
    );
    expect(m.networks.every((n: string) => /\/(24|48)$/.test(n))).toBe(true);
    const reqs = [...p1.json.items, ...p2.json.items].map((x: { requests: number }) => x.requests);
    expect(reqs).toEqual([...reqs].sort((a, b) => b - a));
    const ids = new Set([...p1.json.items, ...p2.json.items].map((x: { accountId: string }) => x.accountId));
    expect(ids.size).toBe(20);
    expect((await call('GET', `/api/clusters/${hydra.id}/members?sort=nope`)).status).toBe(400);
    expect((await call('GET', `/api/clusters/${hydra.id}/members?limit=501`)).status).toBe(400);
  });

  it('aggregates the activity chart to the rows and columns asked for', async () => {
    const r = await call('GET', `/api/clusters/${hydra.id}/activity?rows=20&cols=96`);
    expect(r.status).toBe(200);
    expect(r.json.rows).toBeLessThanOrEqual(20);
    expect(r.json.cols).toBeLessThanOrEqual(96);
    expect(r.json.cells).toHaveLength(r.json.rows * r.json.cols);
    expect(r.json.rowSize * r.json.rows).toBeGreaterThanOrEqual(hydra.members.length);
    expect(r.json.cells.some((x: number) => x > 0)).toBe(true);
    expect(r.json.cells.every((x: number) => x >= 0 && x <= 1)).toBe(true);
    expect((await call('GET', `/api/clusters/${hydra.id}/activity?rows=0`)).status).toBe(400);
  });

  it('exports the evidence as a JSON attachment', async () => {
    const r = await call('GET', `/api/clusters/${lab.id}/evidence`, { role: 'viewer' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toContain(`farmwatch-${lab.id}-evidence.json`);
    expect(r.json.cluster.members).toEqual(lab.members);
    expect(r.json.members).toHaveLength(lab.members.length);
    expect(r.json.shared_values.length).toBeGreaterThan(0);
  });

  it('answers unknown clusters with 404', async () => {
    for (const p of [
      '/api/clusters/c_000000000000',
      '/api/clusters/c_000000000000/members',
      '/api/clusters/c_000000000000/activity',
      '/api/clusters/c_000000000000/evidence',
    ])
      expect((await call('GET', p)).status, p).toBe(404);
    expect((await call('POST', '/api/clusters/c_000000000000/confirm', { body: {} })).status).toBe(404);
  });
});

describe('actions and the audit log', () => {
  it('confirming a review-band campaign sends one verification request per member, ids deterministic', async () => {
    producer.sent.length = 0;
    const r = await call('POST', `/api/clusters/${hydra.id}/confirm`, {
      body: { note: 'proxy pool and shared cards' },
    });
    expect(r.status).toBe(200);
    expect(r.json.requestsSent).toBe(hydra.members.length);
    expect(producer.sent).toHaveLength(hydra.members.length);
    const reqs = producer.sent.map((s) => JSON.parse(String(s.message.value)) as VerificationRequest);
    expect(new Set(reqs.map((q) => q.account_id))).toEqual(new Set(hydra.members));
    for (const q of reqs) {
      expect(q.request_id).toBe(requestId(q.account_id, hydra.id));
      expect(q.reasons.length).toBeGreaterThan(0);
      expect(q.detected_at).toBe(new Date(clock).toISOString());
    }
    const members = await call('GET', `/api/clusters/${hydra.id}/members?limit=500`);
    expect(members.json.items.every((m: { requested: boolean }) => m.requested)).toBe(true);
    const again = await call('POST', `/api/clusters/${hydra.id}/confirm`, { body: {} });
    expect(again.status).toBe(409);
    const detail = await call('GET', `/api/clusters/${hydra.id}`);
    expect(detail.json.cluster.status).toBe('confirmed');
    expect(detail.json.decision.by).toBe('ana');
    expect((await call('GET', '/api/clusters?status=confirmed')).json.items.map((c: { id: string }) => c.id)).toEqual([
      hydra.id,
    ]);
  });

  it('dismissing needs a category and a note; it excuses the members for the same evidence only', async () => {
    expect(
      (await call('POST', `/api/clusters/${lab.id}/dismiss`, { body: { category: 'research_or_benchmark' } })).status,
    ).toBe(400);
    expect(
      (await call('POST', `/api/clusters/${lab.id}/dismiss`, { body: { category: 'nonsense', note: 'x' } })).status,
    ).toBe(400);
    expect(
      (await call('POST', `/api/clusters/${lab.id}/dismiss`, { body: { category: 'research_or_benchmark', note: 12 } }))
        .status,
    ).toBe(400);
    clock += 60_000;
    const r = await call('POST', `/api/clusters/${lab.id}/dismiss`, {
      body: { category: 'research_or_benchmark', note: 'University lab nightly eval; contract on file' },
    });
    expect(r.status).toBe(200);
    const { policy, verdicts } = await loadReviewPolicy(new ReviewStore(redis, new KeySpace(queue.prefix)), clock);
    expect(verdicts.get(lab.id)?.status).toBe('dismissed');
    const member = lab.members[0] as string;
    const codes = lab.reasons.map((x) => x.code);
    expect(policy.excusals.isExcused(member, codes)).toBe(true);
    expect(policy.excusals.isExcused(member, codes.slice(0, 2))).toBe(true);
    expect(policy.excusals.isExcused(member, [...codes, 'successor_account'])).toBe(false);
    expect(policy.excusals.isExcused(hydra.members[0] as string, codes)).toBe(false);
  });

  it('undo reopens a cluster, and the log keeps both', async () => {
    clock += 60_000;
    const r = await call('POST', `/api/clusters/${lab.id}/undo`, { body: { note: 'wrong lab' } });
    expect(r.status).toBe(200);
    expect(r.json.undid).toBe('dismissed');
    expect((await call('GET', `/api/clusters/${lab.id}`)).json.cluster.status).toBe('open');
    expect((await call('POST', `/api/clusters/${lab.id}/undo`, { body: {} })).status).toBe(409);
    clock += 60_000;
    expect(
      (
        await call('POST', `/api/clusters/${lab.id}/dismiss`, {
          body: { category: 'research_or_benchmark', note: 'lab confirmed by account team' },
        })
      ).status,
    ).toBe(200);
  });

  it('allowlists a value with a reason and an expiry, normalises IPs to their prefix, and removes it', async () => {
    expect(
      (await call('POST', '/api/allowlist', { body: { kind: 'device', value: 'x', reason: 'r', ttl_days: 1 } })).status,
    ).toBe(400);
    expect(
      (await call('POST', '/api/allowlist', { body: { kind: 'network', value: '10.1.2.3', reason: 'r', ttl_days: 0 } }))
        .status,
    ).toBe(400);
    expect(
      (await call('POST', '/api/allowlist', { body: { kind: 'network', value: '10.1.2.3', ttl_days: 5 } })).status,
    ).toBe(400);
    expect(
      (
        await call('POST', '/api/allowlist', {
          body: { kind: 'network', value: 'not-an-ip', reason: 'r', ttl_days: 5 },
        })
      ).status,
    ).toBe(400);
    const add = await call('POST', '/api/allowlist', {
      body: { kind: 'network', value: '10.1.2.3', reason: 'Office egress of Acme', ttl_days: 5 },
    });
    expect(add.status).toBe(200);
    expect(add.json.entry.value).toBe('10.1.2.0/24');
    expect(add.json.entry.expiresAtMs).toBe(clock + 5 * 86_400_000);
    await call('POST', '/api/allowlist', {
      body: { kind: 'org', value: 'org-acme', reason: 'Enterprise customer', ttl_days: 30 },
    });
    const list = await call('GET', '/api/allowlist', { role: 'viewer' });
    expect(list.json.items.map((e: { value: string }) => e.value).sort()).toEqual(['10.1.2.0/24', 'org-acme']);
    const store = new ReviewStore(redis, new KeySpace(queue.prefix));
    expect((await loadReviewPolicy(store, clock)).policy.allowlisted('network', '10.1.2.0/24')).toBe(true);
    // Expired entries stop counting.
    expect((await loadReviewPolicy(store, clock + 6 * 86_400_000)).policy.allowlisted('network', '10.1.2.0/24')).toBe(
      false,
    );
    expect(
      (await call('POST', '/api/allowlist/remove', { body: { kind: 'network', value: '10.1.2.0/24', note: 'moved' } }))
        .status,
    ).toBe(200);
    expect(
      (await call('POST', '/api/allowlist/remove', { body: { kind: 'network', value: '10.1.2.0/24' } })).status,
    ).toBe(404);
    expect((await loadReviewPolicy(store, clock)).policy.allowlisted('network', '10.1.2.0/24')).toBe(false);
  });

  it('keeps an audit log of who did what, when and why, with evidence, paged newest first, exportable', async () => {
    const page = await call('GET', '/api/audit?limit=3', { role: 'viewer' });
    expect(page.status).toBe(200);
    expect(page.json.total).toBe(7);
    expect(page.json.entries.map((e: { seq: number }) => e.seq)).toEqual([7, 6, 5]);
    const all = await call('GET', '/api/audit?limit=50');
    const actions = all.json.entries.map((e: { action: string }) => e.action).reverse();
    expect(actions).toEqual([
      'confirm',
      'dismiss',
      'undo',
      'dismiss',
      'allowlist_add',
      'allowlist_add',
      'allowlist_remove',
    ]);
    const confirm = all.json.entries.find((e: { action: string }) => e.action === 'confirm');
    expect(confirm).toMatchObject({
      actor: 'ana',
      role: 'analyst',
      clusterId: hydra.id,
      note: 'proxy pool and shared cards',
      requestsSent: hydra.members.length,
    });
    expect(confirm.evidence.score).toBe(hydra.score);
    expect(confirm.evidence.reasons.length).toBe(hydra.reasons.length);
    const dismiss = all.json.entries.find((e: { action: string }) => e.action === 'dismiss');
    expect(dismiss.category).toBe('research_or_benchmark');
    const exp = await call('GET', '/api/audit/export', { role: 'admin' });
    const lines = exp.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // Seven entries, oldest first, then the line that says the file is whole.
    expect(lines.at(-1)).toEqual({ complete: true, entries: 7 });
    expect(lines.slice(0, -1).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(lines[0].evidence.members).toHaveLength(hydra.members.length);
    expect((await call('GET', '/api/audit?offset=abc')).status).toBe(400);
  });
});

describe('allowlists in the clusterer', () => {
  it('an allowlisted org is not clustered; an allowlisted network links nobody', async () => {
    const labNetwork = (await call('GET', `/api/clusters/${lab.id}`)).json.shared.find(
      (v: { kind: string }) => v.kind === 'network',
    )?.value as string;
    expect(labNetwork).toMatch(/\/24$/);
    const entry = (kind: 'org' | 'network', value: string) => ({
      kind,
      value,
      reason: 'test',
      by: 'ana',
      atMs: 0,
      expiresAtMs: Number.MAX_SAFE_INTEGER,
    });
    const orgRun = await buildReviewQueue(redis, { policy: reviewPolicy([], [entry('org', 'org-research-lab')]) });
    const netRun = await buildReviewQueue(redis, { policy: reviewPolicy([], [entry('network', labNetwork)]) });
    try {
      expect(orgRun.records.map((r) => orgRun.groupOf(r))).not.toContain('research-lab');
      expect(orgRun.records.map((r) => orgRun.groupOf(r))).toContain('hydra');
      const labWithoutNetwork = netRun.records.find((r) => netRun.groupOf(r) === 'research-lab');
      expect(labWithoutNetwork?.reasons.map((x) => x.code) ?? []).not.toContain('shared_network');
    } finally {
      await deleteKeysWithPrefix(redis, orgRun.prefix);
      await deleteKeysWithPrefix(redis, netRun.prefix);
    }
  }, 120_000);
});

describe('bodies', () => {
  it('refuses malformed, non-object, mistyped and oversized bodies with a 4xx and a reason', async () => {
    const path = `/api/clusters/${lab.id}/undo`;
    const bad = await call('POST', path, { raw: '{"note": ', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/not valid JSON/);
    expect((await call('POST', path, { raw: '[1,2]', headers: { 'content-type': 'application/json' } })).status).toBe(
      400,
    );
    expect(
      (await call('POST', path, { raw: 'note=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }))
        .status,
    ).toBe(415);
    // Media types are case-insensitive: this is JSON (a malformed one, so the answer is about the body).
    const upper = await call('POST', path, {
      raw: '{"note": ',
      headers: { 'content-type': 'APPLICATION/JSON; charset=UTF-8' },
    });
    expect(upper.status).toBe(400);
    expect(upper.json.error).toMatch(/not valid JSON/);
    const big = await call('POST', path, { body: { note: 'x'.repeat(MAX_BODY_BYTES + 10) } });
    expect(big.status).toBe(413);
    const long = await call('POST', path, { body: { note: 'x'.repeat(2_001) } });
    expect(long.status).toBe(400);
    expect(long.json.error).toMatch(/note/);
  });

  it('never writes a token to its logs', () => {
    expect(logLines.length).toBeGreaterThan(20);
    const all = logLines.join('\n');
    for (const t of Object.values(TOKENS)) expect(all).not.toContain(t);
    expect(all).not.toContain('not-a-real-token-at-all');
  });
});

describe('farmwatch clusters (CLI over the API)', () => {
  const cli = async (args: string[], token: string | null) => {
    const { spawnFarmwatch } = await import('../support/process.ts');
    const p = spawnFarmwatch(['clusters', ...args], {
      FARMWATCH_REVIEW_URL: base,
      FARMWATCH_REVIEW_TOKEN: token ?? '',
    });
    return { code: await p.exited, out: p.output() };
  };

  it('lists, shows, dismisses and undoes, and refuses without a token or the role', async () => {
    const smallSync = queue.records.find((r) => queue.groupOf(r) === 'small-sync') as ClusterRecord;
    const list = await cli(['list', '--status', 'open'], TOKENS.viewer);
    expect(list.code, list.out).toBe(0);
    expect(list.out).toContain(smallSync.id);
    const json = await cli(['list', '--json', '--limit', '1'], TOKENS.viewer);
    expect(JSON.parse(json.out).items).toHaveLength(1);
    const show = await cli(['show', smallSync.id, '--limit', '3'], TOKENS.viewer);
    expect(show.code, show.out).toBe(0);
    expect(show.out).toContain(`cluster ${smallSync.id}: open`);
    expect(show.out).toMatch(/members \(3 of \d+/);
    const refused = await cli(['dismiss', smallSync.id, '--category', 'other', '--note', 'x'], TOKENS.viewer);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain('HTTP 403');
    const dismissed = await cli(
      ['dismiss', smallSync.id, '--category', 'test_traffic', '--note', 'Our own load test'],
      TOKENS.analyst,
    );
    expect(dismissed.code, dismissed.out).toBe(0);
    expect(dismissed.out).toMatch(/dismissed c_\w+ \(audit #\d+\)/);
    expect((await cli(['undo', smallSync.id, '--note', 'not ours after all'], TOKENS.analyst)).out).toContain(
      'undid the dismissed verdict',
    );
    const noToken = await cli(['list'], null);
    expect(noToken.code).toBe(2);
    expect(noToken.out).toContain('FARMWATCH_REVIEW_TOKEN is empty');
    const usage = await cli(['frob'], TOKENS.viewer);
    expect(usage.code).toBe(2);
    expect((await cli(['show', 'c_000000000000'], TOKENS.viewer)).out).toContain('HTTP 404');
    for (const r of [list, show, dismissed]) for (const t of Object.values(TOKENS)) expect(r.out).not.toContain(t);
  }, 60_000);
});
