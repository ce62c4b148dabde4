/**
 * The clusterer on hand-built windows in the real Redis: a farm and a class of students that are
 * only joined through ordinary accounts must come out as two groups, so the students are judged on
 * their own evidence and not sent to verification with the farm.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { HandBuiltWindows } from '../support/hand-built-windows.ts';

const w = new HandBuiltWindows('clusterer');
const { MIN, HOUR, END } = HandBuiltWindows;
type Request = Parameters<HandBuiltWindows['writeAccount']>[2][number];
const writeAccount = (id: string, created: number | null, requests: readonly Request[]) =>
  w.writeAccount(id, created, requests);

afterAll(() => w.close());

describe('Clusterer (real Redis)', () => {
  it('keeps a class of students out of a farm they are joined to only through ordinary accounts', async () => {
    // The farm: 30 accounts on 3 cards and 4 proxy /24s, one reasoning template, a wave every 10 minutes.
    for (let i = 0; i < 30; i++)
      await writeAccount(`farm-${i}`, END - 12 * HOUR, HandBuiltWindows.farmRequests(i, END - 10 * HOUR, END));
    // Ordinary accounts, each with its own network, device and card, 30 of them joined by three
    // popular questions asked with "step by step"; three of those once used a farm proxy's /24 and
    // the students' campus network (a café's NAT, a visit to campus).
    for (let i = 0; i < 40; i++) {
      const requests: Request[] = HandBuiltWindows.ordinaryRequests(i);
      if (i < 30)
        requests.push({
          tsMs: END - (i * 17 + 5) * MIN,
          network: `172.16.${i}.0/24`,
          device: `dev-person-${i}`,
          template: `popular-${i % 3}`,
          elicitsReasoning: true,
        });
      if (i < 3) {
        requests.push({
          tsMs: END - 3 * HOUR + i * MIN,
          network: '10.9.0.0/24',
          device: `dev-person-${i}`,
          template: `chat-${i}`,
        });
        requests.push({
          tsMs: END - 2 * HOUR + i * MIN,
          network: '192.0.2.0/24',
          device: `dev-person-${i}`,
          template: `chat-${i + 1}`,
        });
      }
      await writeAccount(
        `person-${i}`,
        null,
        requests.sort((a, b) => a.tsMs - b.tsMs),
      );
    }
    // The class: 8 accounts created in the same minutes on the campus network, each asking for a
    // worked solution of the same assignment once or twice — in the farm's busy hours.
    for (let i = 0; i < 8; i++) {
      const created = END - 2 * HOUR + i * MIN;
      const requests: Request[] = [
        {
          tsMs: created + 5 * MIN,
          network: '192.0.2.0/24',
          device: `dev-student-${i}`,
          template: 'assignment-7',
          elicitsReasoning: true,
        },
      ];
      if (i % 2 === 0)
        requests.push({
          tsMs: created + 30 * MIN,
          network: '192.0.2.0/24',
          device: `dev-student-${i}`,
          template: 'assignment-7',
          elicitsReasoning: true,
        });
      await writeAccount(`student-${i}`, created, requests);
    }
    const clusterer = await w.clusterer();
    const res = await clusterer.tick(END);

    // All three kinds are one candidate component.
    expect(res.candidates).toBe(30 + 30 + 8);
    const requested = new Set(res.requests.map((r) => r.account_id));
    expect([...requested].filter((a) => a.startsWith('farm-')).length).toBe(30);
    expect([...requested].filter((a) => !a.startsWith('farm-'))).toEqual([]);
    const farmCluster = [...clusterer.registry.clusters.values()].find((c) => c.members.includes('farm-0'));
    expect(farmCluster?.members.filter((m) => !m.startsWith('farm-'))).toEqual([]);
  });
});
