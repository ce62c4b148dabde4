/**
 * The clusterer's Prometheus metrics. Labels are bands only (verify, review): never cluster ids or
 * account ids. Point-in-time values (open clusters, the largest one, the watermark, whether this
 * instance is active) are read at scrape time.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ClusterRecord } from '../clustering/cluster-registry.ts';
import type { TickResult } from '../clustering/clusterer.ts';

export interface ClustererView {
  isLeader(): boolean;
  clusters(): Iterable<ClusterRecord>;
  watermarkMs(): number;
  lastSuccessMs(): number;
}

export function createClustererMetrics(
  registry: Registry,
  view: ClustererView,
): (r: TickResult, seconds: number) => void {
  const runs = new Histogram({
    name: 'farmwatch_clusterer_run_duration_seconds',
    help: 'Duration of one clustering pass (one event-time tick).',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const clustersFlagged = new Counter({
    name: 'farmwatch_clusters_flagged_total',
    help: 'Clusters that entered a band (verify or review).',
    labelNames: ['band'] as const,
    registers: [registry],
  });
  const accountsFlagged = new Counter({
    name: 'farmwatch_accounts_flagged_total',
    help: 'Accounts that joined a cluster in a band (verify: sent to verification).',
    labelNames: ['band'] as const,
    registers: [registry],
  });
  const components = new Counter({
    name: 'farmwatch_clusterer_components_total',
    help:
      'Candidate components, by how a pass judged them: scored in full, or reused (a large component that drifted ' +
      'less than FARMWATCH_REFIT_DRIFT since its last full score).',
    labelNames: ['judged'] as const,
    registers: [registry],
  });
  const requests = new Counter({
    name: 'farmwatch_verification_requests_total',
    help: 'Verification requests emitted.',
    registers: [registry],
  });
  for (const band of ['verify', 'review']) {
    clustersFlagged.inc({ band }, 0);
    accountsFlagged.inc({ band }, 0);
  }
  new Gauge({
    name: 'farmwatch_open_clusters',
    help: 'Clusters still open (not confirmed or dismissed), by band.',
    labelNames: ['band'] as const,
    registers: [registry],
    collect() {
      const counts = { verify: 0, review: 0 };
      for (const c of view.clusters())
        if (c.status === 'open' && (c.band === 'verify' || c.band === 'review')) counts[c.band]++;
      this.set({ band: 'verify' }, counts.verify);
      this.set({ band: 'review' }, counts.review);
    },
  });
  new Gauge({
    name: 'farmwatch_largest_open_cluster_accounts',
    help: 'Accounts in the largest open cluster in the verify band.',
    registers: [registry],
    collect() {
      let max = 0;
      for (const c of view.clusters())
        if (c.status === 'open' && c.band === 'verify') max = Math.max(max, c.members.length);
      this.set(max);
    },
  });
  new Gauge({
    name: 'farmwatch_clusterer_last_success_timestamp_seconds',
    help: 'Wall-clock time of the last completed clustering pass (0 before the first).',
    registers: [registry],
    collect() {
      this.set(view.lastSuccessMs() / 1000);
    },
  });
  new Gauge({
    name: 'farmwatch_watermark_timestamp_seconds',
    help: 'Event time the clusterer works to (the newest event time in the windows).',
    registers: [registry],
    collect() {
      this.set(view.watermarkMs() / 1000);
    },
  });
  new Gauge({
    name: 'farmwatch_clusterer_active',
    help: '1 when this instance holds the clusterer lease.',
    registers: [registry],
    collect() {
      this.set(view.isLeader() ? 1 : 0);
    },
  });

  const seen = { verify: new Set<string>(), review: new Set<string>() };
  const members = { verify: new Map<string, number>(), review: new Map<string, number>() };
  return (r, seconds) => {
    runs.observe(seconds);
    components.inc({ judged: 'scored' }, r.components.scored);
    components.inc({ judged: 'reused' }, r.components.reused);
    requests.inc(r.requests.length);
    for (const c of r.changed) {
      if (c.band !== 'verify' && c.band !== 'review') continue;
      if (!seen[c.band].has(c.id)) {
        seen[c.band].add(c.id);
        clustersFlagged.inc({ band: c.band });
      }
      const before = members[c.band].get(c.id) ?? 0;
      if (c.members.length > before) accountsFlagged.inc({ band: c.band }, c.members.length - before);
      members[c.band].set(c.id, c.members.length);
    }
  };
}
