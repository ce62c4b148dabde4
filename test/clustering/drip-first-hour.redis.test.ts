/**
 * A plain drip's first hour: fresh accounts, each on its own address, card and device, each sending one problem of the
 * operator's frame (asking for no reasoning) within the hour. None fills the frame twice, so none shows intent by
 * itself; together they are a frame cohort (src/clustering/framed-members.ts). A class given the same worksheet, each
 * student with numbers of their own, sends it from one room and is not one. Hand-built windows in the real Redis.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterRegistry } from '../../src/clustering/cluster-registry.ts';
import { Clusterer } from '../../src/clustering/clusterer.ts';
import { HandBuiltWindows, type HandBuiltRequest } from '../support/hand-built-windows.ts';

const { MIN, HOUR, END } = HandBuiltWindows;
const DRIP = 12;

/** An ordinary account's day of chat on its own address (the population the baseline is drawn from). */
function personRequests(i: number): HandBuiltRequest[] {
  return Array.from({ length: 6 }, (_, k) => ({
    tsMs: END - 20 * HOUR + ((i * 97 + k * 181) % (20 * 60)) * MIN,
    network: `10.${i % 250}.${Math.floor(i / 250)}.0/24`,
    payment: `card-person-${i}`,
    device: `dev-person-${i}`,
    template: `chat-${(i * 7 + k) % 90}`,
    task: 'chat' as const,
  }));
}

/** Account i's one problem of the frame, with a fill of its own, within the last 50 minutes, from `network`. */
const oneProblem = (i: number, network: string, frame = 'stone-off-a-cliff'): HandBuiltRequest => ({
  tsMs: END - (50 - i * 4) * MIN,
  network,
  payment: `card-${frame}-${i}`,
  device: `dev-${frame}-${i}`,
  template: frame,
  task: 'math',
  fill: 1000 + i,
  model: 'model-reasoning',
  inputTokens: 60,
  outputTokens: 900,
  reasoningTokens: 1200,
});

async function tickWith(w: HandBuiltWindows, accounts: (i: number) => HandBuiltRequest, name: string) {
  for (let i = 0; i < 200; i++) await w.writeAccount(`person-${i}`, null, personRequests(i));
  for (let i = 0; i < DRIP; i++) await w.writeAccount(`${name}-${i}`, END - 3 * 24 * HOUR, [accounts(i)]);
  const c = new Clusterer(await w.reader(), w.clustererSettings(), new ClusterRegistry());
  return c.tick(END);
}

describe("A plain drip's first hour (real Redis)", () => {
  const drip = new HandBuiltWindows('drip-first-hour');
  const room = new HandBuiltWindows('drip-first-hour-room');
  afterAll(async () => {
    await drip.close();
    await room.close();
  });

  it('is flagged when each account sent one problem of a new frame from an address of its own', async () => {
    const t = await tickWith(drip, (i) => oneProblem(i, `198.18.${i}.0/24`), 'drip');
    const flagged = t.requests.map((q) => q.account_id).sort();
    expect(flagged).toEqual(Array.from({ length: DRIP }, (_, i) => `drip-${i}`).sort());
    for (const q of t.requests) expect(q.reasons.map((r) => r.code)).toContain('harvest_frames');
  });

  it('is not flagged when they send it from one room (a class given a worksheet)', async () => {
    const t = await tickWith(room, (i) => oneProblem(i, '203.0.113.0/24', 'worksheet'), 'student');
    expect(t.requests).toEqual([]);
  });
});
