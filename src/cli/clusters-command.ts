/**
 * `farmwatch clusters list|show|confirm|dismiss|undo`: the review API from a shell, for scripting.
 * Prints tables by default and the API's JSON with --json.
 */
import type { Config } from '../config/config.ts';
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import type { Logger } from '../logging/logger.ts';
import { ReviewApiError, ReviewClient } from '../review/review-client.ts';
import type { ClusterSummary } from '../review/review-service.ts';
import type { MemberView } from '../review/cluster-view.ts';
import { intOption, type Command, type ParsedOptions } from './command.ts';

const SUBCOMMANDS = ['list', 'show', 'confirm', 'dismiss', 'undo'] as const;

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16) + 'Z';

export function clustersCommand(config: () => Config, _log: (c: Config) => Logger): Command {
  return {
    name: 'clusters',
    usage: 'list | show <id> | confirm <id> | dismiss <id> --category C --note N | undo <id>',
    summary:
      'List, inspect, confirm or dismiss flagged clusters through the review API (FARMWATCH_REVIEW_URL, ' +
      'FARMWATCH_REVIEW_TOKEN).',
    options: {
      status: { type: 'string', description: 'list: open, confirmed or dismissed.' },
      band: { type: 'string', description: 'list: verify or review.' },
      sort: { type: 'string', description: 'list: score, size, first_seen or last_seen.', default: 'score' },
      limit: { type: 'string', description: 'list: clusters per page; show: members shown.', default: '20' },
      offset: { type: 'string', description: 'list: first cluster shown.', default: '0' },
      category: {
        type: 'string',
        description:
          'dismiss: legitimate_org, research_or_benchmark, shared_infrastructure, test_traffic, detector_error or ' +
          'other.',
      },
      note: { type: 'string', description: 'confirm, dismiss, undo: why (required to dismiss).' },
      json: { type: 'boolean', description: "Print the API's JSON.", default: false },
    },
    async run(opts, positionals) {
      const [sub, id, ...extra] = positionals;
      if (!(SUBCOMMANDS as readonly (string | undefined)[]).includes(sub))
        throw new FarmwatchError(
          'USAGE',
          `farmwatch clusters needs one of ${SUBCOMMANDS.join(', ')}; run \`farmwatch clusters --help\``,
        );
      if (sub !== 'list' && (id === undefined || extra.length > 0))
        throw new FarmwatchError('USAGE', `farmwatch clusters ${sub} needs exactly one cluster id`);
      const cfg = config();
      const client = new ReviewClient(cfg.reviewUrl, cfg.reviewToken);
      try {
        await run(client, sub as (typeof SUBCOMMANDS)[number], id ?? '', opts);
        return 0;
      } catch (err) {
        if (err instanceof ReviewApiError) {
          console.error(`farmwatch clusters: ${err.message}`);
          return err.status >= 400 && err.status < 500 ? 2 : 1;
        }
        throw err;
      }
    },
  };
}

async function run(
  client: ReviewClient,
  sub: (typeof SUBCOMMANDS)[number],
  id: string,
  opts: ParsedOptions,
): Promise<void> {
  const json = opts.json === true;
  const path = `/api/clusters/${encodeURIComponent(id)}`;
  const note = typeof opts.note === 'string' ? opts.note : '';
  const print = (data: unknown, text: () => string) => console.log(json ? JSON.stringify(data, null, 2) : text());
  switch (sub) {
    case 'list': {
      const data = await client.get<{ total: number; items: ClusterSummary[] }>('/api/clusters', {
        status: opts.status as string | undefined,
        band: opts.band as string | undefined,
        sort: opts.sort as string,
        limit: intOption(opts, 'limit', 1, 200),
        offset: intOption(opts, 'offset', 0, 1_000_000_000),
      });
      print(data, () => {
        const lines = [
          `${'cluster'.padEnd(16)} ${'status'.padEnd(10)} ${'band'.padEnd(7)} ${'score'.padStart(6)} ` +
            `${'accounts'.padStart(8)}  first seen         top reason`,
        ];
        for (const c of data.items)
          lines.push(
            `${c.id.padEnd(16)} ${c.status.padEnd(10)} ${c.band.padEnd(7)} ${c.score.toFixed(3).padStart(6)} ` +
              `${String(c.size).padStart(8)}  ${iso(c.firstSeenMs)}  ${c.topReasons[0]?.code ?? ''}`,
          );
        lines.push(`${data.items.length} of ${data.total} clusters`);
        return lines.join('\n');
      });
      return;
    }
    case 'show': {
      const detail = await client.get<{
        cluster: ClusterSummary;
        reasons: { code: string; score: number; detail: string }[];
        shared: { kind: string; value: string; members: number; total: number | null }[];
      }>(path);
      const members = await client.get<{ total: number; items: MemberView[] }>(`${path}/members`, {
        limit: intOption(opts, 'limit', 1, 500),
      });
      print({ ...detail, members }, () => {
        const c = detail.cluster;
        const lines = [
          `cluster ${c.id}: ${c.status}, band ${c.band}, score ${c.score}, ${c.size} accounts, ${c.requested} sent ` +
            `to verification, first seen ${iso(c.firstSeenMs)}`,
        ];
        if (c.decision)
          lines.push(`  ${c.decision.status} by ${c.decision.by} at ${iso(c.decision.atMs)}: ${c.decision.note}`);
        lines.push('reasons:');
        for (const r of detail.reasons) lines.push(`  ${r.code} (${r.score}): ${r.detail}`);
        lines.push('shared values:');
        for (const v of detail.shared.slice(0, 10))
          lines.push(`  ${v.kind} ${v.value}: ${v.members} members of ${v.total ?? '?'} users`);
        lines.push(`members (${members.items.length} of ${members.total}, most requests first):`);
        for (const m of members.items)
          lines.push(
            `  ${m.accountId}  ${m.requests} requests, ${Math.round(m.elicitShare * 100)}% ask for reasoning, ` +
              `${m.networks.join(' ')}`,
          );
        return lines.join('\n');
      });
      return;
    }
    case 'confirm': {
      const r = await client.post<{ seq: number; requestsSent: number }>(`${path}/confirm`, { note });
      print(r, () => `confirmed ${id}: ${r.requestsSent} verification requests sent (audit #${r.seq})`);
      return;
    }
    case 'dismiss': {
      if (typeof opts.category !== 'string' || note === '')
        throw new FarmwatchError('USAGE', 'farmwatch clusters dismiss needs --category and --note');
      const r = await client.post<{ seq: number }>(`${path}/dismiss`, { category: opts.category, note });
      print(r, () => `dismissed ${id} (audit #${r.seq})`);
      return;
    }
    case 'undo': {
      const r = await client.post<{ seq: number; undid: string }>(`${path}/undo`, { note });
      print(r, () => `undid the ${r.undid} verdict on ${id} (audit #${r.seq})`);
      return;
    }
  }
}
