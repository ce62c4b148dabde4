/**
 * Client stack: the members connect with a client (its TLS hello) that few accounts outside the
 * group use. Ordinary people share clients by the million (an SDK, a browser) or by the hundred
 * among strangers (a self-hosted chat front end, an editor plugin); an operator's own scraper, an
 * HTTP library at an odd version, is used by its accounts and nobody else. A drip that gives every
 * account its own address and card still sends through one stack.
 *
 * Weighted below a shared card: a team's in-house tool is exclusive to it too, and a client is
 * easier to copy than a card is to share, so this is one voice among the coordination detectors.
 */
import { clamp01, fmt, pct, type Detector } from './detector.ts';

/** A stack counts when at least this share of its users in the window are members. */
const MIN_EXCLUSIVITY = 0.6;
/** Fewer members than this on one stack is a coincidence a group of strangers shows too. */
const MIN_USERS = 3;

export const clientStack: Detector = {
  name: 'client-stack',
  role: 'coordination',
  evaluate({ members, shared }) {
    let best = { covered: 0, total: 0, score: 0 };
    for (const s of shared) {
      if (s.kind !== 'tls' || s.members.length < MIN_USERS) continue;
      const exclusivity = s.members.length / Math.max(s.total, s.members.length);
      if (exclusivity < MIN_EXCLUSIVITY) continue;
      const score = (s.members.length / members.length) * exclusivity;
      if (score > best.score) best = { covered: s.members.length, total: Math.max(s.total, s.members.length), score };
    }
    return {
      code: 'client_stack',
      score: clamp01(best.score),
      detail:
        `${fmt(best.covered)} of ${members.length} accounts (${pct(best.covered / members.length)}) connect ` +
        `with one client (TLS fingerprint) that ${fmt(best.total - best.covered)} accounts outside the cluster use.`,
      evidence: { covered: best.covered, used_elsewhere: best.total - best.covered },
    };
  },
};
