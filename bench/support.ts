/** Shared bits of the benchmarks: argument parsing, progress lines, medians, CPU profiles. */
import { parseArgs } from 'node:util';

type ArgSpec = { readonly default: string; readonly description: string; readonly text?: true };
type Args<T extends Record<string, ArgSpec>> = { [K in keyof T]: T[K] extends { text: true } ? string : number };

/** Options are numbers >= 0 unless marked `text`. */
export function benchArgs<T extends Record<string, ArgSpec>>(name: string, spec: T): Args<T> {
  const options = Object.fromEntries(Object.keys(spec).map((k) => [k, { type: 'string' as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: { ...options, help: { type: 'boolean' } },
      strict: true,
    }));
  } catch (err) {
    // An unknown or malformed option is one line and exit 2, as farmwatch's own commands do.
    console.error(`${(err as Error).message} (npm run ${script(name)} -- --help)`);
    process.exit(2);
  }
  if (values.help) {
    console.log(`npm run ${script(name)} -- [options]`);
    for (const [k, v] of Object.entries(spec))
      console.log(`  --${k.padEnd(10)} ${v.description} (default ${v.default === '' ? 'none' : v.default})`);
    process.exit(0);
  }
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(spec)) {
    const raw = (values as Record<string, string | undefined>)[k] ?? v.default;
    if (v.text) {
      out[k] = raw;
      continue;
    }
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) {
      console.error(`--${k} ${JSON.stringify(raw)} is invalid: expected a number >= 0`);
      process.exit(2);
    }
    out[k] = n;
  }
  return out as Args<T>;
}

/** The npm script a bench runs as: `bench:NAME`, or NAME itself when it already names one (`eval:sets`). */
function script(name: string): string {
  return name.includes(':') ? name : `bench:${name}`;
}

export function progress(line: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/**
 * How fast this machine runs at the moment: the milliseconds a fixed integer loop takes, the median of three. The same
 * code's timings here have moved by half between hours with nothing else running (docs/measurements.md, 2026-12-06), so
 * the benches print this beside their figures: runs are compared where it is about the same.
 */
export function machineLoopMs(): number {
  const times: number[] = [];
  let x = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < LOOP_ITERATIONS; i++) x = (x + (i % 7)) | 0;
    times.push(performance.now() - t0);
  }
  loop.sink ^= x;
  return Math.round(median(times));
}

const LOOP_ITERATIONS = 100_000_000;
/** Where the loop's result goes, so that it is not optimised away. */
const loop = { sink: 0 };

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The profile asked for in the environment: BENCH_CPU_PROFILE or BENCH_HEAP_PROFILE (its value is a file name). */
export function profileRequest(): { file: string | undefined; kind: 'cpu' | 'heap' } {
  const cpu = process.env.BENCH_CPU_PROFILE;
  return { file: cpu ?? process.env.BENCH_HEAP_PROFILE, kind: cpu ? 'cpu' : 'heap' };
}

/**
 * With a file name, writes a V8 profile of `fn` there (for chrome://inspect), so a benchmark can profile the phase it
 * times and not its set-up: a CPU profile (BENCH_CPU_PROFILE), or with `heap` a sampling heap profile of everything
 * allocated, what the garbage collector took included (BENCH_HEAP_PROFILE: where the garbage comes from).
 */
export async function profiled<T>(
  file: string | undefined,
  fn: () => Promise<T>,
  kind: 'cpu' | 'heap' = 'cpu',
): Promise<T> {
  if (!file) return fn();
  const stop = await startProfile(file, kind);
  try {
    return await fn();
  } finally {
    await stop();
  }
}

/** Starts the profile `profiled` takes, for a phase that is not one call (a replay's last tenth); `stop` writes it. */
export async function startProfile(file: string, kind: 'cpu' | 'heap'): Promise<() => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  if (kind === 'cpu') {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  } else {
    await session.post('HeapProfiler.enable');
    // Node's typings lag the protocol: these two fields keep the samples of objects that did not survive.
    const params = { samplingInterval: 32_768, includeObjectsCollectedByMajorGC: true };
    await session.post('HeapProfiler.startSampling', { ...params, includeObjectsCollectedByMinorGC: true } as never);
  }
  return async () => {
    const { profile } =
      kind === 'cpu' ? await session.post('Profiler.stop') : await session.post('HeapProfiler.stopSampling');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
