/**
 * `npm run bench:poison`: how long decoding and fingerprinting one event takes when its prompt is
 * written to be slow (fixtures/adversarial-text.ts), against ordinary prose of the same size measured
 * in the same run. Each case runs in a child process that is killed after --timeout seconds, so a
 * quadratic case shows as `>timeout` instead of hanging the bench. Prints a line per case and size,
 * and ends with
 *   poison worst_ms=… worst_case=… prose_ms=… ratio=…
 * for the largest size (the worst adversarial case's median against prose's median).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ADVERSARIAL_CASES, proseOfBytes, repeatToBytes } from '../fixtures/adversarial-text.ts';
import { observe } from '../src/fingerprint/observation.ts';
import { createEventDecoder } from '../src/ingest/decode-event.ts';
import { benchArgs, median, progress } from './support.ts';

const MAX_EVENT_BYTES = 1_048_576;

interface ChildJob {
  readonly name: string;
  readonly bytes: number;
  readonly runs: number;
}

function textFor(name: string, bytes: number): string {
  if (name === 'prose') return proseOfBytes(bytes);
  const c = ADVERSARIAL_CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  return repeatToBytes(c.unit, bytes);
}

/** Runs in the child: decode + fingerprint the event `runs` times (after one warm-up), print the median ms. */
function runChild(job: ChildJob): void {
  // The prompt fills what the event's other fields leave of `bytes`, so a 1 MiB event is accepted.
  const systemText = textFor(job.name, 1024);
  const event = (text: string) =>
    JSON.stringify({
      schema_version: 1,
      type: 'request',
      event_id: 'poison-1',
      ts: '2026-11-20T00:00:00Z',
      account_id: 'acct-poison',
      model: 'model-a',
      input_tokens: 100,
      output_tokens: 300,
      client: { ip: '203.0.113.7', user_agent: 'sdk/1.0' },
      prompt: { text, system_text: systemText },
    });
  const value = Buffer.from(event(textFor(job.name, Math.max(1, job.bytes - Buffer.byteLength(event(''))))));
  const decode = createEventDecoder({ maxEventBytes: MAX_EVENT_BYTES, maxFutureSkewMs: 86_400_000 });
  const once = (): number => {
    const t0 = performance.now();
    const d = decode(value, Date.parse('2026-11-21T00:00:00Z'));
    if (!d.ok) throw new Error(`${job.name}: event rejected (${d.reason}: ${d.detail})`);
    observe(d.event);
    return performance.now() - t0;
  };
  once();
  const times: number[] = [];
  for (let i = 0; i < job.runs; i++) times.push(once());
  process.stdout.write(JSON.stringify({ ms: median(times) }) + '\n');
}

const childJob = process.env.FW_POISON_CHILD;
if (childJob !== undefined) {
  runChild(JSON.parse(childJob) as ChildJob);
} else {
  const args = benchArgs('poison', {
    sizes: { default: '1024,65536,1048576', description: 'event sizes in bytes, comma-separated', text: true },
    timeout: { default: '60', description: 'seconds a case may take before it is reported as >timeout' },
    cases: { default: '', description: 'only these cases, comma-separated (default: all)', text: true },
  });
  const sizes = args.sizes.split(',').map(Number);
  if (sizes.some((s) => !Number.isInteger(s) || s < 16 || s > MAX_EVENT_BYTES)) {
    console.error(
      `--sizes ${JSON.stringify(args.sizes)} is invalid: expected sizes in bytes from 16 to ${MAX_EVENT_BYTES}`,
    );
    process.exit(2);
  }
  const only = args.cases === '' ? null : new Set(args.cases.split(','));
  const names = ['prose', ...ADVERSARIAL_CASES.map((c) => c.name).filter((n) => only === null || only.has(n))];
  const self = fileURLToPath(import.meta.url);
  const results = new Map<string, number>();
  for (const bytes of sizes) {
    const runs = bytes <= 4096 ? 200 : bytes <= 131_072 ? 20 : 5;
    for (const [i, name] of names.entries()) {
      const child = spawnSync(process.execPath, [...process.execArgv, self], {
        env: { ...process.env, FW_POISON_CHILD: JSON.stringify({ name, bytes, runs }) },
        timeout: args.timeout * 1000,
        encoding: 'utf8',
      });
      let ms = Number.POSITIVE_INFINITY;
      if (child.status === 0) ms = (JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { ms: number }).ms;
      else if (child.error === undefined && child.signal === null)
        throw new Error(`${name} at ${bytes} B failed:\n${child.stderr}`);
      results.set(`${name}@${bytes}`, ms);
      progress(
        `${i + 1}/${names.length} bytes=${bytes} case=${name} ` +
          `ms=${Number.isFinite(ms) ? ms.toFixed(2) : `>${args.timeout * 1000}`}`,
      );
    }
  }
  const top = sizes[sizes.length - 1] as number;
  const prose = results.get(`prose@${top}`) ?? Number.NaN;
  let worst = { name: '', ms: -1 };
  for (const name of names.slice(1)) {
    const ms = results.get(`${name}@${top}`) ?? -1;
    if (ms > worst.ms) worst = { name, ms };
  }
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : `>${args.timeout * 1000}`);
  console.log(
    `poison bytes=${top} worst_ms=${fmt(worst.ms)} worst_case=${worst.name} prose_ms=${fmt(prose)} ` +
      `ratio=${Number.isFinite(worst.ms) ? (worst.ms / prose).toFixed(2) : 'inf'}`,
  );
}
