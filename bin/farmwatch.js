#!/usr/bin/env -S node --max-semi-space-size=64 --heap-growing-percent=50
// farmwatch runs from its TypeScript sources through tsx's loader: there is no build step to forget.
// --max-semi-space-size=64 (MB): the worker allocates a short-lived object or three per event; a
// larger young generation makes scavenges rarer and promotes less (measured in bench:ingest:
// ~22,000 → ~25,400 events/s with gateway fingerprints, ~13,700 → ~21,900 with raw prompt text).
// --heap-growing-percent=50: after a full collection the heap may grow to 1.5 times what survived before the next,
// where V8 let the clusterer's grow to about 1.8 times (a first pass over a million accounts holds ~3 GB of states:
// bench:cluster's peak RSS 5.4-5.5 GB → 4.6 GB, the same time).
// Keep the flags equal in package.json scripts (bench:cluster too), the Dockerfile and src/cli/node-flags.ts.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
