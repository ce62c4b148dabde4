/**
 * Integration tests run against a real Kafka and Redis. This starts them when nothing answers at the
 * configured addresses (the same logic as `farmwatch demo`), and stops only what it started. A service
 * that cannot start fails the run: no test is skipped for a missing service.
 */
import { ensureKafka, ensureRedis, type LocalService } from '../../src/local/local-services.ts';
import { TEST_KAFKA_BROKERS, TEST_REDIS_URL } from './services.ts';

const started: LocalService[] = [];

export async function setup(): Promise<void> {
  const say = (line: string) => console.log(`[test services] ${line}`);
  started.push(await ensureRedis(TEST_REDIS_URL, say));
  started.push(await ensureKafka(TEST_KAFKA_BROKERS, say));
}

export async function teardown(): Promise<void> {
  for (const s of started.reverse()) await s.release();
}
