/**
 * docker-compose.yml cannot run here (no Docker engine), so this reads it: the images and ports must
 * agree with the pom (Kafka version), the config defaults (ports) and the README (what users read).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, parseConfig } from '../../src/config/config.ts';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

interface Service {
  image?: string;
  build?: string;
  ports?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: unknown };
  volumes?: string[];
}
const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const readme = read('README.md');
const defaults = parseConfig({});

function hostPorts(s: Service | undefined): number[] {
  return (s?.ports ?? []).map((p) => Number(String(p).split(':')[0]));
}

describe('docker-compose.yml', () => {
  it('runs the Kafka version the pom pins, and the README names it', () => {
    const pomVersion = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(read('ops/kafka/pom.xml'))?.[1];
    expect(pomVersion).toBeDefined();
    expect(services.kafka?.image).toBe(`apache/kafka:${pomVersion}`);
    expect(readme).toContain(`apache/kafka:${pomVersion}`);
    expect(readme).toContain(`Apache Kafka ${pomVersion}`);
    // The other tested version is the one .ci/run passes to the compatibility run.
    expect(read('package.json')).toContain('scripts/test-kafka-version.sh 3.9.1');
    expect(readme).toMatch(/Kafka versions tested.*4\.4\.0.*3\.9\.1/s);
  });

  it('publishes Kafka, Redis and the worker on the default ports of the config', () => {
    const kafkaPort = Number(defaults.kafkaBrokers[0]?.split(':')[1]);
    expect(hostPorts(services.kafka)).toContain(kafkaPort);
    expect(hostPorts(services.redis)).toContain(Number(new URL(defaults.redisUrl).port));
    expect(hostPorts(services.worker)).toContain(defaults.httpPort);
    // The broker advertises the host listener on that same port.
    expect(services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS).toContain(`localhost:${kafkaPort}`);
  });

  it('names every image the README describes, and every service has a health check', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.healthcheck, `${name} has a healthcheck`).toBeDefined();
      if (s.image) expect(readme, `README mentions ${s.image}`).toContain(s.image);
    }
  });

  it('gives farmwatch processes only variables the config knows, with valid values', () => {
    const known = new Set(Object.values(CONFIG_VARIABLES).map((v) => v.name));
    for (const [name, s] of Object.entries(services)) {
      if (!s.build) continue;
      // As compose interpolates with nothing set: `${VAR:-default}` becomes its default.
      const env = Object.fromEntries(
        Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]),
      );
      for (const k of Object.keys(env)) expect(known.has(k), `${name}: ${k} is a farmwatch variable`).toBe(true);
      expect(() => parseConfig(env)).not.toThrow();
    }
  });

  it('keeps what Kafka and Redis acknowledged across a restart: named volumes and the append-only file', () => {
    // Before 2026-12-02 Redis ran with --appendonly no and no volume, and Kafka without a volume:
    // a restart lost every window, or the topics while Redis kept their applied offsets.
    const named = Object.keys(compose.volumes ?? {});
    const volumeAt = (s: Service | undefined, path: string) =>
      (s?.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === path)?.[0];
    const kafkaData = services.kafka?.environment?.KAFKA_LOG_DIRS;
    expect(kafkaData).toBeDefined();
    expect(named).toContain(volumeAt(services.kafka, kafkaData as string));
    expect(named).toContain(volumeAt(services.redis, '/data'));
    const cmd = (services.redis as Service & { command?: string[] }).command ?? [];
    const flag = (name: string) => cmd[cmd.indexOf(name) + 1];
    expect(flag('--appendonly')).toBe('yes');
    expect(flag('--appendfsync')).toMatch(/^(everysec|always)$/);
    expect(readme).toMatch(/docker compose down -v/);
  });

  it('has Prometheus scrape the worker on its ops port and load the rules folder', () => {
    const prom = parse(read('ops/prometheus/prometheus.yml')) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = prom.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets).toContain(`worker:${defaults.httpPort}`);
    expect(targets).toContain(`clusterer:${defaults.httpPort}`);
    expect(services.prometheus?.volumes?.some((v) => v.startsWith('./ops/prometheus/rules:'))).toBe(true);
  });
});
