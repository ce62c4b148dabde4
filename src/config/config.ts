/**
 * Configuration comes from environment variables only, parsed once at start into a frozen, typed
 * object that `main` passes down. Every variable is declared once in CONFIG_VARIABLES: the parser,
 * the README table (a test checks they agree) and `farmwatch --help` all read that one list.
 * A bad value stops the process with a message naming the variable and what was expected.
 */
import { FarmwatchError } from '../errors/farmwatch-error.ts';

type Parser<T> = (raw: string, name: string) => T;

interface VariableSpec<T> {
  readonly name: string;
  readonly default: string;
  readonly description: string;
  readonly parse: Parser<T>;
}

function fail(name: string, raw: string, expected: string): never {
  throw new FarmwatchError('CONFIG_INVALID', `${name}=${JSON.stringify(raw)} is invalid: expected ${expected}`);
}

const text =
  (opts: { pattern?: RegExp; expected?: string } = {}): Parser<string> =>
  (raw, name) => {
    if (raw.length === 0) fail(name, raw, opts.expected ?? 'a non-empty string');
    if (opts.pattern && !opts.pattern.test(raw)) fail(name, raw, opts.expected ?? `a value matching ${opts.pattern}`);
    return raw;
  };

const integer =
  (min: number, max: number): Parser<number> =>
  (raw, name) => {
    if (!/^-?\d+$/.test(raw.trim())) fail(name, raw, `an integer from ${min} to ${max}`);
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min || n > max) fail(name, raw, `an integer from ${min} to ${max}`);
    return n;
  };

/** Durations accept plain milliseconds or a number with a unit: 500ms, 30s, 5m, 1h, 7d. */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const duration =
  (minMs: number, maxMs: number): Parser<number> =>
  (raw, name) => {
    const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim());
    const expected = `a duration from ${minMs} ms to ${maxMs} ms (milliseconds, or a number with ms, s, m, h or d)`;
    if (!m || m[1] === undefined) fail(name, raw, expected);
    const ms = Number(m[1]) * UNIT_MS[(m[2] ?? 'ms') as keyof typeof UNIT_MS];
    if (!Number.isSafeInteger(ms) || ms < minMs || ms > maxMs) fail(name, raw, expected);
    return ms;
  };

const decimal =
  (min: number, max: number): Parser<number> =>
  (raw, name) => {
    const n = /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!(n >= min && n <= max)) fail(name, raw, `a number from ${min} to ${max}`);
    return n;
  };

/** `name=weight,name=weight`: overrides of detector weights; names are checked where detectors are known. */
const weights: Parser<Readonly<Record<string, number>>> = (raw, name) => {
  const out: Record<string, number> = {};
  if (raw.trim() === '' || raw.trim() === 'default') return Object.freeze(out);
  for (const part of raw.split(',')) {
    const m = /^\s*([a-z-]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m || Number(m[2]) > 1)
      fail(name, raw, 'a comma-separated list of detector=weight with weights from 0 to 1, e.g. lockstep-timing=0.8');
    out[m[1] as string] = Number(m[2]);
  }
  return Object.freeze(out);
};

const hostPortList: Parser<readonly string[]> = (raw, name) => {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const expected = 'a comma-separated list of host:port';
  if (items.length === 0) fail(name, raw, expected);
  for (const item of items) {
    const m = /^([A-Za-z0-9.\-_]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(item);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) fail(name, raw, expected);
  }
  return Object.freeze(items);
};

const optionalHostPortList: Parser<readonly string[]> = (raw, name) =>
  raw.trim() === '' ? Object.freeze([]) : hostPortList(raw, name);

/**
 * A URL of one of `schemes` (e.g. 'redis:'); `example` shows what a good one looks like. A URL can
 * carry a password (redis://:secret@host), so the error never shows the value itself.
 */
const urlOf =
  (schemes: readonly string[], example: string): Parser<string> =>
  (raw, name) => {
    const bad = (expected: string): never => {
      throw new FarmwatchError(
        'CONFIG_INVALID',
        `${name} is invalid (value not shown: it may hold a password): expected ${expected}`,
      );
    };
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      bad(`a URL such as ${example}`);
    }
    if (url === undefined || !schemes.includes(url.protocol))
      bad(`a ${schemes.map((x) => `${x}//`).join(' or ')} URL such as ${example}`);
    return raw;
  };

const redisUrl = urlOf(['redis:', 'rediss:'], 'redis://127.0.0.1:6379 or rediss://host:6380/0');
const httpUrl = urlOf(['http:', 'https:'], 'http://127.0.0.1:8080');

/** Secrets are never echoed back in the error, only what was expected. */
const reviewTokens: Parser<readonly string[]> = (raw, name) => {
  const items = raw
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
  items.forEach((item, i) => {
    if (!/^[A-Za-z0-9._@-]{1,64}:(viewer|analyst|admin):[\x21-\x2b\x2d-\x7e]{16,512}$/.test(item)) {
      throw new FarmwatchError(
        'CONFIG_INVALID',
        `${name} entry ${i + 1} is invalid (value not shown): expected user:role:token with role viewer, analyst or ` +
          `admin and a token of 16 to 512 printable characters without commas`,
      );
    }
  });
  const users = items.map((x) => x.split(':')[0]);
  if (new Set(users).size !== users.length) throw new FarmwatchError('CONFIG_INVALID', `${name} names a user twice`);
  // One token, two users: whoever signs in with it would be whichever entry was read last.
  const tokens = items.map((x) => x.split(':').slice(2).join(':'));
  if (new Set(tokens).size !== tokens.length)
    throw new FarmwatchError(
      'CONFIG_INVALID',
      `${name} gives the same token to two users (value not shown): every user needs a token of their own`,
    );
  return Object.freeze(items);
};

const secret: Parser<string> = (raw, name) => {
  if (raw !== '' && !/^[\x21-\x7e]{16,512}$/.test(raw))
    throw new FarmwatchError(
      'CONFIG_INVALID',
      `${name} is invalid (value not shown): expected a token of 16 to 512 printable characters`,
    );
  return raw;
};

const host = text({
  pattern: /^[A-Za-z0-9.\-_:]{1,253}$/,
  expected: 'a host name or IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0',
});

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const logLevel: Parser<LogLevel> = (raw, name) => {
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) fail(name, raw, `one of ${LOG_LEVELS.join(', ')}`);
  return raw as LogLevel;
};

const LOG_FORMATS = ['auto', 'json', 'text'] as const;
export type LogFormatSetting = (typeof LOG_FORMATS)[number];
const logFormat: Parser<LogFormatSetting> = (raw, name) => {
  if (!(LOG_FORMATS as readonly string[]).includes(raw)) fail(name, raw, `one of ${LOG_FORMATS.join(', ')}`);
  return raw as LogFormatSetting;
};

// Topic names: Kafka allows [a-zA-Z0-9._-], at most 249 characters.
const topic = text({
  pattern: /^[A-Za-z0-9._-]{1,249}$/,
  expected: 'a Kafka topic name ([A-Za-z0-9._-], at most 249 characters)',
});
// The prefix is the first segment of every key; ':' and braces would break the key layout.
const keyPrefix = text({
  pattern: /^[A-Za-z0-9._-]{1,64}$/,
  expected: 'a key prefix of 1 to 64 characters from [A-Za-z0-9._-]',
});

function variable<T>(name: string, def: string, description: string, parse: Parser<T>): VariableSpec<T> {
  return { name, default: def, description, parse };
}

export const CONFIG_VARIABLES = {
  kafkaBrokers: variable(
    'KAFKA_BROKERS',
    '127.0.0.1:9092',
    'Kafka bootstrap servers, comma-separated host:port.',
    hostPortList,
  ),
  kafkaClientId: variable(
    'KAFKA_CLIENT_ID',
    'farmwatch',
    'Client id sent to Kafka (shows in broker logs and quotas).',
    text(),
  ),
  inputTopic: variable(
    'FARMWATCH_INPUT_TOPIC',
    'farmwatch.usage',
    'Topic of usage events (the input contract), keyed by account_id.',
    topic,
  ),
  deadLetterTopic: variable(
    'FARMWATCH_DLQ_TOPIC',
    'farmwatch.usage.dlq',
    'Dead-letter topic: invalid input messages, original bytes plus reason headers.',
    topic,
  ),
  verificationTopic: variable(
    'FARMWATCH_VERIFICATION_TOPIC',
    'farmwatch.verification',
    'Output topic of verification requests (the output contract).',
    topic,
  ),
  clustersTopic: variable(
    'FARMWATCH_CLUSTERS_TOPIC',
    'farmwatch.clusters',
    'Output topic of flagged cluster records.',
    topic,
  ),
  workerGroup: variable('FARMWATCH_WORKER_GROUP', 'farmwatch-worker', 'Consumer group id of the workers.', text()),
  kafkaSessionTimeoutMs: variable(
    'FARMWATCH_KAFKA_SESSION_TIMEOUT',
    '10s',
    'How long the group waits for a silent worker before giving its partitions to another.',
    duration(6_000, 300_000),
  ),
  inputPartitions: variable(
    'FARMWATCH_INPUT_PARTITIONS',
    '6',
    'Partitions to create the input topic with when it does not exist.',
    integer(1, 10_000),
  ),
  workerConcurrency: variable(
    'FARMWATCH_WORKER_CONCURRENCY',
    '3',
    'Partitions one worker processes at the same time.',
    integer(1, 64),
  ),
  fingerprintThreads: variable(
    'FARMWATCH_FINGERPRINT_THREADS',
    '1',
    "Threads that decode and fingerprint events beside a worker's main thread, which folds and writes them (0: the " +
      'main thread does it all). One uses a second core; more help only where a worker has more cores to itself.',
    integer(0, 64),
  ),
  workerStateCacheMb: variable(
    'FARMWATCH_WORKER_STATE_CACHE_MB',
    '256',
    "Heap (MB, estimated) for the account states a worker keeps from its own writes, so that an account's next " +
      'batch is not read from Redis and decoded again; 0 reads every time.',
    integer(0, 65_536),
  ),
  redisUrl: variable(
    'REDIS_URL',
    'redis://127.0.0.1:6379',
    'Redis to keep windows, indexes and clusters in.',
    redisUrl,
  ),
  redisClusterNodes: variable(
    'REDIS_CLUSTER_NODES',
    '',
    'Seed nodes of a Redis Cluster, comma-separated host:port; when set, used instead of REDIS_URL.',
    optionalHostPortList,
  ),
  redisPrefix: variable(
    'FARMWATCH_REDIS_PREFIX',
    'fw',
    'First segment of every Redis key, so several deployments or runs can share one Redis.',
    keyPrefix,
  ),
  maxEventBytes: variable(
    'FARMWATCH_MAX_EVENT_BYTES',
    '1048576',
    'Larger input messages go to the dead-letter topic as oversize.',
    integer(1_024, 64 * 1024 * 1024),
  ),
  maxFutureSkewMs: variable(
    'FARMWATCH_MAX_FUTURE_SKEW',
    '1d',
    'Events whose time is further than this ahead of the wall clock go to the dead-letter topic.',
    duration(0, 30 * 86_400_000),
  ),
  bucketMs: variable(
    'FARMWATCH_BUCKET',
    '1h',
    'Size of the per-account aggregation buckets (event time).',
    duration(60_000, 86_400_000),
  ),
  slotMs: variable(
    'FARMWATCH_SLOT',
    '1m',
    'Size of the activity-timeline slots used to see accounts move in lockstep.',
    duration(1_000, 3_600_000),
  ),
  retentionMs: variable(
    'FARMWATCH_RETENTION',
    '7d',
    'How long account windows and indexes are kept (event time; TTLs enforce it).',
    duration(3_600_000, 90 * 86_400_000),
  ),
  latenessMs: variable(
    'FARMWATCH_ALLOWED_LATENESS',
    '10m',
    "Events older than the partition's newest event less this are late: counted and dropped. Also the event-id " +
      'de-duplication horizon, and how far before its previous tick a tick re-reads accounts where it cannot tell ' +
      'which were written since (after a takeover).',
    duration(0, 86_400_000),
  ),
  tickMs: variable(
    'FARMWATCH_TICK',
    '5m',
    'The clusterer re-clusters every this much event time (watermark ticks).',
    duration(60_000, 86_400_000),
  ),
  clusterWindowMs: variable(
    'FARMWATCH_CLUSTER_WINDOW',
    '24h',
    'Event-time window of activity the clusterer looks at.',
    duration(3_600_000, 30 * 86_400_000),
  ),
  refitDrift: variable(
    'FARMWATCH_REFIT_DRIFT',
    '0.05',
    'Share of a large candidate component (500 accounts or more) that may change between ticks — newcomers that ' +
      'show intent, accounts whose own intent turned — before it is scored again in full; until then its groups ' +
      'are kept and newcomers on their cards join them. Every component is scored afresh each hour. 0 scores ' +
      'every component at every tick.',
    decimal(0, 1),
  ),
  minClusterSize: variable(
    'FARMWATCH_MIN_CLUSTER_SIZE',
    '3',
    'Smallest group of accounts treated as a cluster.',
    integer(2, 1_000),
  ),
  verifyBand: variable(
    'FARMWATCH_BAND_VERIFY',
    '0.5',
    'Cluster score from which its accounts are sent to identity verification.',
    decimal(0, 1),
  ),
  reviewBand: variable(
    'FARMWATCH_BAND_REVIEW',
    '0.25',
    'Cluster score from which a cluster waits for an analyst.',
    decimal(0, 1),
  ),
  detectorWeights: variable(
    'FARMWATCH_DETECTOR_WEIGHTS',
    'default',
    'Overrides of detector weights, e.g. lockstep-timing=0.8,template-reuse=0.5.',
    weights,
  ),
  clustererLeaseMs: variable(
    'FARMWATCH_CLUSTERER_LEASE',
    '10s',
    'Lease of the active clusterer; a standby takes over within about this long after it dies.',
    duration(2_000, 300_000),
  ),
  httpPort: variable(
    'FARMWATCH_HTTP_PORT',
    '9464',
    'Port of /metrics, /healthz and /readyz (0 picks a free port and logs it).',
    integer(0, 65535),
  ),
  reviewHost: variable(
    'FARMWATCH_REVIEW_HOST',
    '127.0.0.1',
    'Address `farmwatch review` listens on (0.0.0.0 to serve other machines).',
    host,
  ),
  reviewPort: variable(
    'FARMWATCH_REVIEW_PORT',
    '8080',
    'Port of the review page and API (0 picks a free port and logs it).',
    integer(0, 65535),
  ),
  reviewTokens: variable(
    'FARMWATCH_REVIEW_TOKENS',
    '',
    'Who may use the review API: comma-separated user:role:token (role viewer, analyst or admin). Required by ' +
      '`farmwatch review`.',
    reviewTokens,
  ),
  reviewHeadersTimeoutMs: variable(
    'FARMWATCH_REVIEW_HEADERS_TIMEOUT',
    '10s',
    'A review client that has not sent its request headers by then is disconnected.',
    duration(100, 600_000),
  ),
  reviewRequestTimeoutMs: variable(
    'FARMWATCH_REVIEW_REQUEST_TIMEOUT',
    '30s',
    'A review client that has not sent its whole request, body included, by then is disconnected.',
    duration(100, 600_000),
  ),
  reviewIdleTimeoutMs: variable(
    'FARMWATCH_REVIEW_IDLE_TIMEOUT',
    '5s',
    'An idle kept-alive connection to the review API is closed after this.',
    duration(100, 600_000),
  ),
  reviewMaxConnections: variable(
    'FARMWATCH_REVIEW_MAX_CONNECTIONS',
    '256',
    'Connections the review API holds at once; more are closed at once.',
    integer(1, 100_000),
  ),
  reviewUrl: variable(
    'FARMWATCH_REVIEW_URL',
    'http://127.0.0.1:8080',
    'Where `farmwatch clusters` finds the review API.',
    httpUrl,
  ),
  reviewToken: variable(
    'FARMWATCH_REVIEW_TOKEN',
    '',
    'The token `farmwatch clusters` sends (an entry of FARMWATCH_REVIEW_TOKENS).',
    secret,
  ),
  logLevel: variable(
    'FARMWATCH_LOG_LEVEL',
    'info',
    'Least severe log level written: debug, info, warn or error.',
    logLevel,
  ),
  logFormat: variable(
    'FARMWATCH_LOG_FORMAT',
    'auto',
    'Logs on stderr as json (one object per line) or text (time, level, message, fields); auto: text on a terminal.',
    logFormat,
  ),
} as const;

type Specs = typeof CONFIG_VARIABLES;
export type Config = { readonly [K in keyof Specs]: Specs[K] extends VariableSpec<infer T> ? T : never };

/**
 * Reads every variable, collecting all problems so that a user fixes them in one go.
 * Unset or empty variables take their default.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(CONFIG_VARIABLES) as [string, VariableSpec<unknown>][]) {
    const raw = env[spec.name];
    const value = raw === undefined || raw === '' ? spec.default : raw;
    try {
      out[key] = spec.parse(value, spec.name);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (problems.length > 0) {
    throw new FarmwatchError('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return Object.freeze(out) as Config;
}

/**
 * The environment that gives this config back through parseConfig: for starting farmwatch child
 * processes (tests, benchmarks) with exactly the settings of the parent.
 */
export function configToEnv(c: Config): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, spec] of Object.entries(CONFIG_VARIABLES) as [keyof Config, VariableSpec<unknown>][]) {
    const v = c[key] as unknown;
    env[spec.name] = Array.isArray(v)
      ? v.join(',')
      : typeof v === 'object' && v !== null
        ? Object.entries(v)
            .map(([k, w]) => `${k}=${String(w)}`)
            .join(',') || 'default'
        : String(v);
  }
  return env;
}
