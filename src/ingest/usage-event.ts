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
  };
  action?: AccountAction;
  email_domain?: string;
  payment_fingerprint?: string;
}

/** Drops keys whose value is undefined so that normalised events compare and serialise cleanly. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function normaliseEvent(w: WireUsageEvent, tsMs: number): UsageEvent {
  const c = w.client ?? {};
  const p = w.prompt ?? {};
  return compact({
    eventId: w.event_id,
    tsMs,
    accountId: w.account_id,
    type: w.type ?? 'request',
    orgId: w.org_id,
    apiKeyId: w.api_key_id,
    surface: w.surface,
    model: w.model,
    inputTokens: w.input_tokens ?? 0,
    outputTokens: w.output_tokens ?? 0,
    reasoningTokens: w.reasoning_tokens ?? 0,
    status: w.status,
    latencyMs: w.latency_ms,
    client: compact({
      ip: c.ip,
      asn: c.asn,
      country: c.country,
      userAgent: c.user_agent,
      sdk: c.sdk,
      tlsFingerprint: c.tls_fingerprint,
      deviceId: c.device_id,
    }),
    prompt: compact({
      text: p.text,
      systemText: p.system_text,
      simhash: p.simhash,
      templateHash: p.template_hash,
      systemPromptHash: p.system_prompt_hash,
      chars: p.chars,
      turns: p.turns,
      language: p.language,
    }),
    action: w.action,
    emailDomain: w.email_domain,
    paymentFingerprint: w.payment_fingerprint,
  });
}
