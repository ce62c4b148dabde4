/**
 * The one typed shape of an input event inside farmwatch, normalised from the contract
 * (contracts/usage-event.schema.json): event time in epoch ms, optional numbers defaulted to 0.
 * Raw prompt text may be present here, in memory only: the fingerprint stage reads it and nothing
 * downstream of it receives it.
 */
export const EVENT_TYPES = ['request', 'account'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const ACCOUNT_ACTIONS = [
  'created',
  'payment_method_added',
  'verified',
  'verification_failed',
  'suspended',
  'reinstated',
] as const;
export type AccountAction = (typeof ACCOUNT_ACTIONS)[number];

export const REQUEST_STATUSES = ['ok', 'error', 'rate_limited', 'refused'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface ClientInfo {
  readonly ip?: string;
  readonly asn?: number;
  readonly country?: string;
  readonly userAgent?: string;
  readonly sdk?: string;
  readonly tlsFingerprint?: string;
  readonly deviceId?: string;
}

export interface PromptInfo {
  readonly text?: string;
  readonly systemText?: string;
  readonly simhash?: string;
  readonly templateHash?: string;
  readonly systemPromptHash?: string;
  readonly chars?: number;
  readonly turns?: number;
  readonly language?: string;
  /** Gateway-side reasoning-request score (0–1), for events without raw text. */
  readonly reasoningRequest?: number;
  /** Gateway-side coarse task category, for events without raw text. */
  readonly task?: string;
}

export interface UsageEvent {
  readonly eventId: string;
  readonly tsMs: number;
  readonly accountId: string;
  readonly type: EventType;
  readonly orgId?: string;
  readonly apiKeyId?: string;
  readonly surface?: string;
  readonly model?: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly reasoningTokens: number;
  readonly status?: RequestStatus;
  readonly latencyMs?: number;
  readonly client: ClientInfo;
  readonly prompt: PromptInfo;
  readonly action?: AccountAction;
  readonly emailDomain?: string;
  readonly paymentFingerprint?: string;
}

/** The wire shape, as the schema guarantees it once validation has passed. */
export interface WireUsageEvent {
  schema_version?: 1;
  type?: EventType;
  event_id: string;
  ts: string | number;
  account_id: string;
  org_id?: string;
  api_key_id?: string;
  surface?: string;
  model?: string;
  input_tokens?: number;
  output_tokens?: number;
  reasoning_tokens?: number;
  status?: RequestStatus;
  latency_ms?: number;
  client?: {
    ip?: string;
    asn?: number;
    country?: string;
    user_agent?: string;
    sdk?: string;
    tls_fingerprint?: string;
    device_id?: string;
  };
  prompt?: {
    text?: string;
    system_text?: string;
    simhash?: string;
    template_hash?: string;
    system_prompt_hash?: string;
    chars?: number;
    turns?: number;
    language?: string;
    reasoning_request?: number;
    task?: string;
  };
  action?: AccountAction;
  email_domain?: string;
  payment_fingerprint?: string;
}

/**
 * Copies only the fields that are present: undefined-valued keys would make events compare unequal
 * and serialise noisily, and deleting keys afterwards slows every later access to the object in V8.
 */
export function normaliseEvent(w: WireUsageEvent, tsMs: number): UsageEvent {
  const e: Mutable<UsageEvent> = {
    eventId: w.event_id,
    tsMs,
    accountId: w.account_id,
    type: w.type ?? 'request',
    inputTokens: w.input_tokens ?? 0,
    outputTokens: w.output_tokens ?? 0,
    reasoningTokens: w.reasoning_tokens ?? 0,
    client: {},
    prompt: {},
  };
  if (w.org_id !== undefined) e.orgId = w.org_id;
  if (w.api_key_id !== undefined) e.apiKeyId = w.api_key_id;
  if (w.surface !== undefined) e.surface = w.surface;
  if (w.model !== undefined) e.model = w.model;
  if (w.status !== undefined) e.status = w.status;
  if (w.latency_ms !== undefined) e.latencyMs = w.latency_ms;
  if (w.action !== undefined) e.action = w.action;
  if (w.email_domain !== undefined) e.emailDomain = w.email_domain;
  if (w.payment_fingerprint !== undefined) e.paymentFingerprint = w.payment_fingerprint;
  const c = w.client;
  if (c !== undefined) {
    const o: Mutable<ClientInfo> = {};
    if (c.ip !== undefined) o.ip = c.ip;
    if (c.asn !== undefined) o.asn = c.asn;
    if (c.country !== undefined) o.country = c.country;
    if (c.user_agent !== undefined) o.userAgent = c.user_agent;
    if (c.sdk !== undefined) o.sdk = c.sdk;
    if (c.tls_fingerprint !== undefined) o.tlsFingerprint = c.tls_fingerprint;
    if (c.device_id !== undefined) o.deviceId = c.device_id;
    e.client = o;
  }
  const p = w.prompt;
  if (p !== undefined) {
    const o: Mutable<PromptInfo> = {};
    if (p.text !== undefined) o.text = p.text;
    if (p.system_text !== undefined) o.systemText = p.system_text;
    if (p.simhash !== undefined) o.simhash = p.simhash;
    if (p.template_hash !== undefined) o.templateHash = p.template_hash;
    if (p.system_prompt_hash !== undefined) o.systemPromptHash = p.system_prompt_hash;
    if (p.chars !== undefined) o.chars = p.chars;
    if (p.turns !== undefined) o.turns = p.turns;
    if (p.language !== undefined) o.language = p.language;
    if (p.reasoning_request !== undefined) o.reasoningRequest = p.reasoning_request;
    if (p.task !== undefined) o.task = p.task;
    e.prompt = o;
  }
  return e;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
