#!/usr/bin/env -S node --max-semi-space-size=64
// farmwatch runs from its TypeScript sources through tsx's loader: there is no build step to forget.
// --max-semi-space-size=64 (MB): the worker allocates a short-lived object or three per event; a
// larger young generation makes scavenges rarer and promotes less (measured in bench:ingest:
// ~22,000 → ~25,400 events/s with gateway fingerprints, ~13,700 → ~21,900 with raw prompt text).
// Keep the flag equal in package.json scripts (bench:cluster too), the Dockerfile and src/cli/node-flags.ts.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
