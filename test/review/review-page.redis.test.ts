/// <reference lib="dom" />
/**
 * The review page in headless Chromium (Debian's, driven by playwright-core) over a real review
 * queue: sign in, open the list, open the top cluster and see its activity chart drawn, dismiss the
 * university lab as research, confirm the hydra, find both in the audit log. Account and org ids
 * carrying script payloads travel through the events to the page and must show as text, never run.
 * A 24,000-member cluster must open quickly (members paged, chart aggregated).
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ClusterRecord } from '../../src/clustering/cluster-registry.ts';
import { registerScripts } from '../../src/redis/scripts.ts';
import { deleteKeysWithPrefix } from '../../src/redis/delete-prefix.ts';
import { KeySpace } from '../../src/redis/keys.ts';
import { testRedis } from '../support/services.ts';
import {
  buildReviewQueue,
  startTestReview,
  TOKENS,
  writeLargeCluster,
  type CapturingProducer,
  type ReviewQueue,
} from '../support/review-fixture.ts';

const ARTIFACTS = 'test-artifacts';
const XSS_ACCOUNT = '<img src=x onerror="window.__xss=1">';
const XSS_ORG = '</td><script>window.__xss=2</script>';
const redis = testRedis();
registerScripts(redis);
let queue: ReviewQueue;
let browser: Browser;
let page: Page;
let base: string;
let producer: CapturingProducer;
let close: () => Promise<void>;
const dialogs: string[] = [];

/** Puts script payloads where an attacker controls them: a hydra account's id and org id. */
function* withPayloads(lines: Generator<string>): Generator<string> {
  for (const line of lines) {
    if (line.includes('"account_id":"hydra-7"'))
      yield line.replace(
        '"account_id":"hydra-7"',
        `"account_id":${JSON.stringify(XSS_ACCOUNT)},"org_id":${JSON.stringify(XSS_ORG)}`,
      );
    else yield line;
  }
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  queue = await buildReviewQueue(redis, { prepare: withPayloads });
  const t = await startTestReview(redis, queue);
  base = t.server.url;
  producer = t.producer;
  close = () => t.server.close();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await close?.();
  if (queue) await deleteKeysWithPrefix(redis, queue.prefix);
  redis.disconnect();
});

const byGroup = (g: string) => queue.records.find((r) => queue.groupOf(r) === g) as ClusterRecord;

async function openCluster(id: string): Promise<void> {
  await page.goto(`${base}#/cluster/${id}`);
  // The page it came from may be another cluster's, with a chart and members of its own.
  await page.waitForFunction((want) => document.querySelector('h1 code')?.textContent === want, id);
  await page.waitForSelector('canvas#activity[data-drawn]');
  await page.waitForSelector('#members tbody tr');
}

describe('review page in Chromium', () => {
  it('asks for a token, then lists the clusters', async () => {
    await page.goto(base);
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#token', TOKENS.analyst);
    await page.click('#login button');
    await page.waitForSelector('#clusters tbody tr');
    expect(await page.textContent('#who')).toBe('ana (analyst)');
    const rows = await page.$$eval('#clusters tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-cluster')));
    expect(new Set(rows)).toEqual(new Set(queue.records.map((r) => r.id)));
    // The token lives in the tab's session storage and the Authorization header, not in the URL.
    expect(page.url()).not.toContain(TOKENS.analyst);
  });

  it('opens the top cluster and draws its activity chart', async () => {
    const top = [...queue.records].sort((a, b) => b.score - a.score)[0] as ClusterRecord;
    await page.click(`#clusters tbody tr[data-cluster="${top.id}"] a`);
    await page.waitForSelector('canvas#activity[data-drawn]');
    await page.waitForSelector('#members tbody tr');
    const inked = await page.$eval('canvas#activity', (c) => {
      const canvas = c as HTMLCanvasElement;
      const data =
        canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let n = 0;
      // Activity cells are blue (hue 214); the axis's grey lines and labels are not.
      for (let i = 0; i < data.length; i += 4) if ((data[i + 2] as number) - (data[i] as number) > 40) n++;
      return { n, w: canvas.width, h: canvas.height };
    });
    expect(inked.w).toBeGreaterThan(100);
    expect(inked.n, 'coloured cells in the chart').toBeGreaterThan(50);
    expect(await page.$$eval('#reasons li', (li) => li.length)).toBe(top.reasons.length);
    await page.screenshot({ path: `${ARTIFACTS}/review-cluster.png`, fullPage: true });
  });

  it('shows script payloads from the events as text and runs none of them', async () => {
    const hydra = byGroup('hydra');
    expect(hydra.members).toContain(XSS_ACCOUNT);
    await page.goto(`${base}#/`);
    await page.fill('input[name=q]', XSS_ACCOUNT);
    await page.click('.controls form button');
    await page.waitForSelector(`#clusters tbody tr[data-cluster="${hydra.id}"]`);
    await openCluster(hydra.id);
    // Page through the members until the payload account shows.
    let found = false;
    for (let i = 0; i < 10 && !found; i++) {
      const texts = await page.$$eval('#members tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
      found = texts.includes(XSS_ACCOUNT);
      if (!found) {
        await page.click('#members-box .pager button:last-child');
        await page.waitForTimeout(100);
      }
    }
    expect(found, 'payload account listed as text').toBe(true);
    const orgs = await page.$$eval('#members tbody tr td:nth-child(7)', (tds) => tds.map((td) => td.textContent));
    expect(orgs).toContain(XSS_ORG);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.$$eval('#members img, #members script', (x) => x.length)).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('dismisses the lab with a reason, confirms the hydra, and finds both in the audit log', async () => {
    const lab = byGroup('research-lab');
    const hydra = byGroup('hydra');
    await openCluster(lab.id);
    await page.selectOption('select[name=category]', 'research_or_benchmark');
    await page.fill('textarea[name=dismiss-note]', 'University lab nightly benchmark, agreement on file');
    await page.click('#dismiss');
    await page.waitForSelector('#decision');
    expect(await page.textContent('#decision')).toContain('dismissed by ana');

    producer.sent.length = 0;
    await openCluster(hydra.id);
    await page.fill('textarea[name=confirm-note]', 'Proxy pool, shared cards, lockstep waves');
    await page.click('#confirm');
    await page.waitForSelector('#decision');
    expect(await page.textContent('#decision')).toContain('confirmed by ana');
    expect(producer.sent).toHaveLength(hydra.members.length);

    await page.goto(`${base}#/audit`);
    await page.waitForSelector('#audit tbody tr');
    const rows = await page.$$eval('#audit tbody tr', (trs) =>
      trs.map((tr) => ({
        action: tr.getAttribute('data-action'),
        cluster: tr.getAttribute('data-cluster'),
        text: tr.textContent,
      })),
    );
    const dismissed = rows.find((r) => r.action === 'dismiss' && r.cluster === lab.id);
    const confirmed = rows.find((r) => r.action === 'confirm' && r.cluster === hydra.id);
    expect(dismissed?.text).toContain('research_or_benchmark');
    expect(dismissed?.text).toContain('University lab nightly benchmark');
    expect(confirmed?.text).toContain(`${hydra.members.length} requests sent`);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });

  it('shows a fragment merged into a bigger cluster, and leads to it', async () => {
    const hydra = byGroup('hydra');
    const fragment: ClusterRecord = {
      ...hydra,
      id: 'c_fragment0001',
      members: hydra.members.slice(0, 3),
      memberPartitions: hydra.memberPartitions.slice(0, 3),
      requested: hydra.members.slice(0, 3),
      mergedInto: hydra.id,
    };
    await redis.hset(new KeySpace(queue.prefix).clusterRecords(), fragment.id, JSON.stringify(fragment));
    await page.goto(`${base}#/`);
    await page.reload();
    await page.waitForSelector(`#clusters tbody tr[data-cluster="${fragment.id}"]`);
    expect(await page.textContent(`#clusters tbody tr[data-cluster="${fragment.id}"] a.merged`)).toBe(
      ` merged into ${hydra.id}`,
    );
    await openCluster(fragment.id);
    expect(await page.textContent('#merged')).toContain(`all its accounts now belong to cluster ${hydra.id}`);
    await page.click('#merged a');
    await page.waitForFunction((id) => document.querySelector('h1 code')?.textContent === id, hydra.id);
    await redis.hdel(new KeySpace(queue.prefix).clusterRecords(), fragment.id);
  });

  it('opens a 24,000-member cluster quickly: members paged, chart aggregated', async () => {
    const large = await writeLargeCluster(redis, queue.prefix, 24_000);
    const started = performance.now();
    await openCluster(large.id);
    const seconds = (performance.now() - started) / 1000;
    const again = performance.now();
    await openCluster(large.id);
    const warm = (performance.now() - again) / 1000;
    console.log(`24,000-member cluster page: first open ${seconds.toFixed(2)} s, again ${warm.toFixed(2)} s`);
    expect(await page.$$eval('#members tbody tr', (tr) => tr.length)).toBe(50);
    expect(await page.textContent('#members-box .page-info')).toBe('1–50 of 24000');
    const drawn = Number(await page.getAttribute('canvas#activity', 'data-drawn'));
    expect(drawn).toBeLessThanOrEqual(120 * 288);
    await page.screenshot({ path: `${ARTIFACTS}/review-cluster-24000.png`, fullPage: true });
    // Paging is served from the cached view: a click answers at once.
    const t = performance.now();
    await page.click('#members-box .pager button:last-child');
    await page.waitForFunction(
      () => document.querySelector('#members-box .page-info')?.textContent === '51–100 of 24000',
    );
    const pageSeconds = (performance.now() - t) / 1000;
    console.log(`next members page: ${pageSeconds.toFixed(3)} s`);
    expect(seconds).toBeLessThan(15);
    expect(pageSeconds).toBeLessThan(2);
  });
});
