#!/usr/bin/env node
// farmwatch runs from its TypeScript sources through tsx's loader: there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
