/**
 * A plain drip's cohort is tested against the few-request rate of ordinary accounts, not of farms. Farms sent to
 * verification in the hours before are left out of it: their hundreds of one-request capability accounts would make a
 * plain drip's few-request users look like anyone's (src/clustering/capability-cohort.ts). Hand-built windows in the
 * real Redis, ticked twice: with the farm on record as flagged, and with an empty registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../fixtures/random.ts';
import { ClusterRegistry, type ClusterRecord } from '../../src/clustering/cluster-registry.ts';
import { Clusterer } from '../../src/clustering/clusterer.ts';
import type { TaskCategory } from '../../src/fingerprint/task-category.ts';
import { HandBuiltWindows, type HandBuiltRequest } from '../support/hand-built-windows.ts';

const { MIN, HOUR, END } = HandBuiltWindows;
const COMMON = ['tls-chrome', 'tls-safari', 'tls-py', 'tls-node'];
const TASKS: readonly TaskCategory[] = ['chat', 'writing', 'other', 'math', 'code', 'chat', 'writing', 'science'];
const FARM = 300;
const DRIP = 12;

/** One request on the account's own network, card and device. */
const own = (id: string, tsMs: number, tls: string, task: TaskCategory): HandBuiltRequest => ({
  tsMs,
  network: `172.16.${id}`,
  device: `dev-${id}`,
  payment: `card-${id}`,
  template: `chat-${id}`,
  tls,
  task,
});

/** A farm flagged earlier in the day: every account one plain problem on a browser, each from its own address. */
const farmRecord = (): ClusterRecord => ({
  id: 'c_farm',
  status: 'open',
  band: 'verify',
  score: 0.9,
  coordination: 0.9,
  intent: 0.9,
  members: Array.from({ length: FARM }, (_, i) => `farm-${i}`),
  memberPartitions: new Array<number>(FARM).fill(0),
  firstSeenMs: END - 12 * HOUR,
  lastSeenMs: END - 2 * HOUR,
  windowFromMs: END - 36 * HOUR,
  windowToMs: END - 2 * HOUR,
  reasons: [],
  requested: Array.from({ length: FARM }, (_, i) => `farm-${i}`),
});

describe('The few-request rate leaves out accounts already sent to verification (real Redis)', () => {
  const w = new HandBuiltWindows('few-request-rate');
  const flaggedDrip = async (registry: ClusterRegistry) => {
    const res = await new Clusterer(await w.reader(), w.clustererSettings(), registry).tick(END);
    return res.requests.map((q) => q.account_id).filter((id) => id.startsWith('drip-'));
  };

  beforeAll(async () => {
    const r = new Random(8);
    // 600 ordinary accounts with one to five requests of mixed tasks: about a quarter of the few-request ones asked
    // capability tasks only.
    for (let i = 0; i < 600; i++) {
      const id = `person-${i}`;
      const tls = COMMON[i % COMMON.length] as string;
      await w.writeAccount(
        id,
        null,
        Array.from({ length: r.int(1, 5) }, () => own(id, END - r.int(120, 20 * 60) * MIN, tls, r.pick(TASKS))),
      );
    }
    for (let i = 0; i < FARM; i++)
      await w.writeAccount(`farm-${i}`, null, [own(`farm-${i}`, END - r.int(150, 600) * MIN, 'tls-chrome', 'math')]);
    // A plain drip in the last hour: one maths or code problem per account, on its operator's client, in two waves.
    for (let i = 0; i < DRIP; i++)
      await w.writeAccount(`drip-${i}`, END - 30 * 24 * HOUR, [
        {
          ...own(`drip-${i}`, END - (i % 2 === 0 ? 40 : 15) * MIN + r.int(0, 50) * 1000, 'tls-operator', 'math'),
          template: `problem-${i}`,
          task: i % 3 === 0 ? 'code' : 'math',
          model: 'model-reasoning',
          reasoningTokens: 1500,
          outputTokens: 700,
        },
      ]);
  });
  afterAll(() => w.close());

  it('flags a plain drip against the ordinary rate once the farm that inflated it is on record', async () => {
    expect((await flaggedDrip(new ClusterRegistry([farmRecord()]))).length).toBe(DRIP);
  });

  it('does not, while the farm counts as ordinary: its few-request accounts are all on capability tasks', async () => {
    expect(await flaggedDrip(new ClusterRegistry())).toEqual([]);
  });
});
