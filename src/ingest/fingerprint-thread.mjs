// Starts a fingerprint thread: farmwatch runs from its TypeScript sources (bin/farmwatch.js), and a worker thread
// does not inherit the main thread's loader, so it registers tsx's own before loading the thread's module.
import { register } from 'tsx/esm/api';

register();
await import('./fingerprint-thread.ts');
