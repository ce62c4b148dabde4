/**
 * `farmwatch review`'s HTTP server: the page (static files, no data in them) and the JSON API under
 * /api (bearer token on every route). Bad parameters get a 400 with the reason, unknown ids a 404,
 * an unauthenticated request a 401, a role that may not act a 403, a body over 16 KiB a 413.
 * Request logs carry method, path, status and user — never the Authorization header.
 */
import { Counter, Registry } from 'prom-client';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLUSTER_STATUSES } from '../clustering/cluster-registry.ts';
import { ALLOWLIST_KINDS, type AllowlistKind } from '../clustering/clusterer.ts';
import { FarmwatchError } from '../errors/farmwatch-error.ts';
import type { Logger } from '../logging/logger.ts';
import { allows, type AccessList, type Principal } from './access.ts';
import { DISMISS_CATEGORIES, type DismissCategory, type Role } from './review-store.ts';
import {
  CLUSTER_SORTS,
  MEMBER_SORTS,
  type ClusterSort,
  type MemberSort,
  type ReviewService,
} from './review-service.ts';

export const MAX_BODY_BYTES = 16 * 1024;
const MAX_NOTE = 2_000;
const MAX_TTL_DAYS = 365;

const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};
const pageFiles = new Map<string, Buffer>();
function pageFile(name: string): Buffer {
  let b = pageFiles.get(name);
  if (b === undefined) {
    b = readFileSync(new URL(`./page/${name}`, import.meta.url));
    pageFiles.set(name, b);
  }
  return b;
}

// The page loads nothing from elsewhere and runs no inline script: an injected string cannot run.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

interface Ctx {
  readonly who: Principal;
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
}

interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly pattern: RegExp;
  readonly role: Role;
  readonly handle: (c: Ctx, res: ServerResponse) => Promise<unknown>;
}

// ---- parameter parsing: every failure names the parameter and what was expected ----

function intParam(q: URLSearchParams, name: string, def: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return def;
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max))
    throw new FarmwatchError('BAD_REQUEST', `${name} must be an integer from ${min} to ${max}`);
  return n;
}

function enumParam<T extends string>(q: URLSearchParams, name: string, allowed: readonly T[], def?: T): T | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return def;
  if (!(allowed as readonly string[]).includes(raw))
    throw new FarmwatchError('BAD_REQUEST', `${name} must be one of ${allowed.join(', ')}`);
  return raw as T;
}

function bodyText(b: Record<string, unknown>, name: string, opts: { required: boolean; max: number }): string {
  const v = b[name];
  if (v === undefined || v === null || v === '') {
    if (opts.required) throw new FarmwatchError('BAD_REQUEST', `${name} is required`);
    return '';
  }
  if (typeof v !== 'string') throw new FarmwatchError('BAD_REQUEST', `${name} must be a string`);
  if (v.length > opts.max) throw new FarmwatchError('BAD_REQUEST', `${name} must be at most ${opts.max} characters`);
  return v;
}

function bodyEnum<T extends string>(b: Record<string, unknown>, name: string, allowed: readonly T[]): T {
  const v = b[name];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new FarmwatchError('BAD_REQUEST', `${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function bodyInt(b: Record<string, unknown>, name: string, min: number, max: number): number {
  const v = b[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new FarmwatchError('BAD_REQUEST', `${name} must be an integer from ${min} to ${max}`);
  return v;
}

const ID = '([A-Za-z0-9_-]{1,64})';

export function reviewRoutes(svc: ReviewService): Route[] {
  const order = (q: URLSearchParams) => enumParam(q, 'order', ['asc', 'desc'] as const, 'desc') as 'asc' | 'desc';
  return [
    { method: 'GET', pattern: /^\/api\/whoami$/, role: 'viewer', handle: async (c) => c.who },
    {
      method: 'GET',
      pattern: /^\/api\/clusters$/,
      role: 'viewer',
      handle: async ({ query: q }) => {
        const text = q.get('q') ?? '';
        if (text.length > 128) throw new FarmwatchError('BAD_REQUEST', 'q must be at most 128 characters');
        const status = enumParam(q, 'status', CLUSTER_STATUSES);
        const band = enumParam(q, 'band', ['verify', 'review'] as const);
        return svc.list({
          ...(status ? { status } : {}),
          ...(band ? { band } : {}),
          ...(text ? { q: text } : {}),
          sort: enumParam(q, 'sort', CLUSTER_SORTS, 'score') as ClusterSort,
          order: order(q),
          offset: intParam(q, 'offset', 0, 0, 1_000_000_000),
          limit: intParam(q, 'limit', 25, 1, 200),
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/clusters/${ID}$`),
      role: 'viewer',
      handle: async (c) => svc.detail(c.params[0] as string),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/clusters/${ID}/members$`),
      role: 'viewer',
      handle: async ({ params, query: q }) =>
        svc.members(
          params[0] as string,
          intParam(q, 'offset', 0, 0, 1_000_000_000),
          intParam(q, 'limit', 50, 1, 500),
          enumParam(q, 'sort', MEMBER_SORTS, 'requests') as MemberSort,
          order(q),
        ),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/clusters/${ID}/activity$`),
      role: 'viewer',
      handle: async ({ params, query: q }) =>
        svc.activity(params[0] as string, intParam(q, 'rows', 120, 1, 400), intParam(q, 'cols', 288, 1, 1440)),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/clusters/${ID}/evidence$`),
      role: 'viewer',
      handle: async ({ params }, res) => {
        res.setHeader('content-disposition', `attachment; filename="farmwatch-${params[0] as string}-evidence.json"`);
        return svc.evidence(params[0] as string);
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/clusters/${ID}/confirm$`),
      role: 'analyst',
      handle: async ({ params, body, who }) =>
        svc.confirm(params[0] as string, who, bodyText(body, 'note', { required: false, max: MAX_NOTE })),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/clusters/${ID}/dismiss$`),
      role: 'analyst',
      handle: async ({ params, body, who }) =>
        svc.dismiss(
          params[0] as string,
          who,
          bodyEnum<DismissCategory>(body, 'category', DISMISS_CATEGORIES),
          bodyText(body, 'note', { required: true, max: MAX_NOTE }),
        ),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/clusters/${ID}/undo$`),
      role: 'analyst',
      handle: async ({ params, body, who }) =>
        svc.undo(params[0] as string, who, bodyText(body, 'note', { required: false, max: MAX_NOTE })),
    },
    {
      method: 'GET',
      pattern: /^\/api\/allowlist$/,
      role: 'viewer',
      handle: async () => ({ items: await svc.allowlist() }),
    },
    {
      method: 'POST',
      pattern: /^\/api\/allowlist$/,
      role: 'analyst',
      handle: async ({ body, who }) =>
        svc.allowlistAdd(
          who,
          bodyEnum<AllowlistKind>(body, 'kind', ALLOWLIST_KINDS),
          bodyText(body, 'value', { required: true, max: 128 }),
          bodyText(body, 'reason', { required: true, max: MAX_NOTE }),
          bodyInt(body, 'ttl_days', 1, MAX_TTL_DAYS) * 86_400_000,
        ),
    },
    {
      method: 'POST',
      pattern: /^\/api\/allowlist\/remove$/,
      role: 'analyst',
      handle: async ({ body, who }) =>
        svc.allowlistRemove(
          who,
          bodyEnum<AllowlistKind>(body, 'kind', ALLOWLIST_KINDS),
          bodyText(body, 'value', { required: true, max: 128 }),
          bodyText(body, 'note', { required: false, max: MAX_NOTE }),
        ),
    },
    {
      method: 'GET',
      pattern: /^\/api\/audit$/,
      role: 'viewer',
      handle: async ({ query: q }) =>
        svc.audit(intParam(q, 'offset', 0, 0, 1_000_000_000), intParam(q, 'limit', 50, 1, 500)),
    },
    {
      method: 'GET',
      pattern: /^\/api\/audit\/export$/,
      role: 'admin',
      handle: async (_c, res) => {
        // The first read happens before the status line: with Redis down the answer is a 503, not a
        // 200 with an empty body that looks like an empty log.
        const entries = svc.auditExport();
        let next = await entries.next();
        res.writeHead(200, {
          'content-type': 'application/x-ndjson',
          'content-disposition': 'attachment; filename="farmwatch-audit.ndjson"',
          'cache-control': 'no-store',
          ...SECURITY_HEADERS,
        });
        let count = 0;
        try {
          while (next.done !== true) {
            res.write(JSON.stringify(next.value) + '\n');
            count++;
            next = await entries.next();
          }
        } catch (err) {
          // Past the status line a failure can only cut the transfer short: the client sees no final
          // chunk and no completeness line, so a truncated file is never taken for a whole one.
          res.destroy(err instanceof Error ? err : new Error(String(err)));
          return STREAMED;
        }
        res.end(JSON.stringify({ complete: true, entries: count }) + '\n');
        return STREAMED;
      },
    },
  ];
}

const STREAMED = Symbol('streamed');

const REQUEST_OUTCOMES = ['ok', 'unauthenticated', 'forbidden', 'rejected', 'unavailable', 'error'] as const;

function outcomeOf(status: number): (typeof REQUEST_OUTCOMES)[number] {
  if (status < 400) return 'ok';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status < 500) return 'rejected';
  return status === 503 ? 'unavailable' : 'error';
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) throw new FarmwatchError('PAYLOAD_TOO_LARGE', `body over ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new FarmwatchError('PAYLOAD_TOO_LARGE', `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  // Media types are case-insensitive (RFC 9110 §8.3.1): APPLICATION/JSON is JSON.
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new FarmwatchError('UNSUPPORTED_MEDIA_TYPE', 'body must be application/json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new FarmwatchError('BAD_REQUEST', 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new FarmwatchError('BAD_REQUEST', 'body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...SECURITY_HEADERS,
    })
    .end(JSON.stringify(body));
}

export interface ReviewServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** How long a client may take, and how many may be connected at once. */
export interface ServerLimits {
  /** Until the request's headers are in. */
  readonly headersMs: number;
  /** Until the whole request, body included, is in. */
  readonly requestMs: number;
  /** An idle kept-alive connection is closed after this. */
  readonly idleMs: number;
  readonly maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersMs: 10_000,
  requestMs: 30_000,
  idleMs: 5_000,
  maxConnections: 256,
};

export async function startReviewServer(opts: {
  svc: ReviewService;
  access: AccessList;
  host: string;
  port: number;
  log: Logger;
  ready?: () => string | null;
  limits?: ServerLimits;
  /** Where its request counter lives, served at /metrics (a registry of its own when absent). */
  metrics?: Registry;
}): Promise<ReviewServer> {
  const limits = opts.limits ?? DEFAULT_SERVER_LIMITS;
  const registry = opts.metrics ?? new Registry();
  // Refusals are counted rather than logged one by one: a scanner's thousand 401s are one number.
  const requests = new Counter({
    name: 'farmwatch_review_requests_total',
    help:
      'Review API and page requests by outcome: ok, unauthenticated (401), forbidden (403), rejected (other 4xx), ' +
      'unavailable (503), error (other 5xx).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const o of REQUEST_OUTCOMES) requests.inc({ outcome: o }, 0);
  const routes = reviewRoutes(opts.svc);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<{ status: number; user?: string }> => {
    const url = new URL(req.url ?? '/', 'http://review.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (!path.startsWith('/api/')) {
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end('ok\n');
        return { status: 200 };
      }
      if (path === '/metrics' && method === 'GET') {
        const text = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType, ...SECURITY_HEADERS }).end(text);
        return { status: 200 };
      }
      if (path === '/readyz') {
        const why = opts.ready?.() ?? null;
        res
          .writeHead(why === null ? 200 : 503, { 'content-type': 'text/plain', ...SECURITY_HEADERS })
          .end(why === null ? 'ready\n' : `not ready: ${why}\n`);
        return { status: why === null ? 200 : 503 };
      }
      const file = STATIC[path];
      if (file === undefined || (method !== 'GET' && method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end('not found\n');
        return { status: 404 };
      }
      res
        .writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS })
        .end(method === 'HEAD' ? undefined : pageFile(file.file));
      return { status: 200 };
    }
    // A token in a URL ends up in proxies' and browsers' logs, whatever its parameter is called (?t=…).
    if ([...url.searchParams].some(([k, v]) => /token|auth/i.test(k) || opts.access.isToken(v)))
      throw new FarmwatchError('BAD_REQUEST', 'tokens go in the Authorization header, never in the URL');
    const who = opts.access.authenticate(req.headers.authorization);
    if (who === null) {
      res.setHeader('www-authenticate', 'Bearer realm="farmwatch-review"');
      throw new FarmwatchError('UNAUTHENTICATED', 'a valid bearer token is required (Authorization: Bearer <token>)');
    }
    const matching = routes.filter((r) => r.pattern.test(path));
    if (matching.length === 0) throw new FarmwatchError('NOT_FOUND', `no API route ${path}`);
    const route = matching.find((r) => r.method === method);
    if (route === undefined) {
      res.setHeader('allow', [...new Set(matching.map((r) => r.method))].join(', '));
      throw new FarmwatchError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`);
    }
    if (!allows(who, route.role))
      throw new FarmwatchError('FORBIDDEN', `${who.role} may not do this: it needs the ${route.role} role`);
    const params = (route.pattern.exec(path) ?? []).slice(1);
    const body = method === 'POST' ? await readJsonBody(req) : {};
    const result = await route.handle({ who, params, query: url.searchParams, body }, res);
    if (result !== STREAMED) sendJson(res, 200, result);
    return { status: 200, user: who.user };
  };

  // Node checks request and header timeouts only every connectionsCheckingInterval (30 s by default):
  // slow clients were closed after 28-58 s whatever the timeouts said. Check at a tenth of the shortest.
  const serverOptions = {
    requestTimeout: limits.requestMs,
    headersTimeout: limits.headersMs,
    keepAliveTimeout: limits.idleMs,
    connectionsCheckingInterval: Math.max(50, Math.floor(Math.min(limits.headersMs, limits.requestMs) / 10)),
  };
  const server: Server = createServer(serverOptions, (req, res) => {
    const started = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    handle(req, res).then(
      ({ status, user }) => {
        requests.inc({ outcome: outcomeOf(status) });
        opts.log.debug('review request', {
          method: req.method,
          path: loggedPath(path),
          status,
          user,
          ms: Math.round(performance.now() - started),
        });
      },
      (err: unknown) => {
        let status = 500;
        let message = 'internal error';
        if (err instanceof FarmwatchError && (err.httpStatus < 500 || err.httpStatus === 503))
          [status, message] = [err.httpStatus, err.message];
        else if (isRedisUnavailable(err)) [status, message] = [503, 'Redis is unavailable; try again shortly'];
        else
          opts.log.error('review request failed', {
            method: req.method,
            path: loggedPath(path),
            error: err instanceof Error ? err.message : String(err),
          });
        if (!res.headersSent) sendJson(res, status, { error: message });
        else res.end();
        // A refused body is not read to its end: close the connection rather than drain an attacker's upload.
        if (status === 413) req.destroy();
        requests.inc({ outcome: outcomeOf(status) });
        // A missing or wrong token is what scanners send all day: counted, and logged only at debug.
        (status === 401 ? opts.log.debug : opts.log.info)('review request refused', {
          method: req.method,
          path: loggedPath(path),
          status,
          reason: message,
        });
      },
    );
  });
  // Over the cap, Node closes new connections at once: a flood of idle sockets cannot starve analysts' requests
  // forever.
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    port,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What a request log says of a path: at most 120 characters, and no path segment long enough to be a
 * token (tokens are 16 characters or more; cluster ids, `c_` and 12 hex digits, are shorter), cut to
 * its first 4. A 15 KB path was once logged whole, and a token pasted into a path with it.
 */
function loggedPath(path: string): string {
  const short = path.length > 120 ? `${path.slice(0, 120)}…` : path;
  return short.replace(/[^/]{16,}/g, (seg) => `${seg.slice(0, 4)}…`);
}

/** ioredis's errors when Redis is down or unreachable: the API answers 503, not 500. */
function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return /Connection is closed|ECONNREFUSED|ETIMEDOUT|ECONNRESET|Stream isn't writeable|enableOfflineQueue/.test(
    err.message,
  );
}
