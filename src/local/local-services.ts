/**
 * Local services for the embedded defaults (`farmwatch demo`) and the test suite: use a Kafka broker
 * or Redis that already answers; otherwise start the repo's own broker (ops/kafka/kafka.sh) or a
 * throw-away redis-server, say so, and stop on release only what was started here.
 */
import { execFile, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const KAFKA_SCRIPT = fileURLToPath(new URL('../../ops/kafka/kafka.sh', import.meta.url));

export interface LocalService {
  readonly address: string;
  readonly startedHere: boolean;
  release(): Promise<void>;
}

export function portAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

/** `say` receives one line per thing done, for the user to read. */
export async function ensureKafka(brokers: readonly string[], say: (line: string) => void): Promise<LocalService> {
  const first = brokers[0] ?? '127.0.0.1:9092';
  const { host, port } = hostPort(first);
  if (await portAnswers(host, port)) {
    say(`kafka: using the broker at ${first}`);
    return { address: first, startedHere: false, release: async () => undefined };
  }
  if (!isLoopback(host))
    throw new Error(
      `kafka: nothing answers at ${first}, and it is not a local address this command can start a broker on`,
    );
  say(
    `kafka: nothing answers at ${first}; starting the local broker (ops/kafka/kafka.sh start; the first run fetches ` +
      `its jars with Maven)`,
  );
  const env = { ...process.env, KAFKA_PORT: String(port) };
  await runScript(['start'], env);
  say(`kafka: local broker ready at ${first}`);
  return {
    address: first,
    startedHere: true,
    release: async () => {
      await runScript(['stop'], env);
    },
  };
}

async function runScript(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await run('bash', [KAFKA_SCRIPT, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ops/kafka/kafka.sh ${args.join(' ')} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

export async function ensureRedis(url: string, say: (line: string) => void): Promise<LocalService> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 6379);
  const shown = `${host}:${port}`;
  if (await portAnswers(host, port)) {
    say(`redis: using the server at ${shown}`);
    return { address: shown, startedHere: false, release: async () => undefined };
  }
  if (!isLoopback(host))
    throw new Error(
      `redis: nothing answers at ${shown}, and it is not a local address this command can start Redis on`,
    );
  say(`redis: nothing answers at ${shown}; starting redis-server there (nothing kept on disk)`);
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
      detached: false,
    },
  );
  const failed = new Promise<never>((_, reject) =>
    child.once('error', (e) => reject(new Error(`redis: cannot start redis-server: ${e.message}`))),
  );
  for (let i = 0; i < 50; i++) {
    if (await Promise.race([portAnswers(host, port, 200), failed])) {
      say(`redis: started at ${shown} (pid ${child.pid})`);
      return {
        address: shown,
        startedHere: true,
        release: async () => {
          child.kill('SIGTERM');
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`redis: redis-server did not answer at ${shown} within 5 s`);
}
