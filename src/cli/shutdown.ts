/**
 * SIGTERM and SIGINT: run the command's drain once, then exit. A second signal, or a drain that takes
 * longer than the grace period, exits at once with status 1 (Kafka redelivers whatever was not
 * committed, so leaving early loses nothing).
 */
import type { Logger } from '../logging/logger.ts';

export function waitForShutdownSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals) => {
      if (received) {
        log.warn('second signal; exiting now', { signal });
        process.exit(1);
      }
      received = true;
      log.info('signal received; draining', { signal });
      resolve(signal);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}

export async function drainWithin(ms: number, log: Logger, drain: () => Promise<void>): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  const result = await Promise.race([drain().then(() => 'done' as const), timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    log.error('drain took too long; exiting with the batch uncommitted', { grace_ms: ms });
    return 1;
  }
  return 0;
}
