/**
 * The fingerprint stage: a validated UsageEvent becomes an Observation — what farmwatch keeps of an
 * event. Raw prompt and system text are read here, in memory, and do not go further: nothing of
 * type Observation can carry them. Values that are sensitive or long (payment, device, user agent,
 * TLS fingerprint) become short stable hashes; IPs become network prefixes.
 */
import type { AccountAction, EventType, RequestStatus, UsageEvent } from '../ingest/usage-event.ts';
import { shortHash } from './hash.ts';
import { networkPrefix } from './network.ts';
import { fingerprintPrompt } from './prompt-fingerprint.ts';
import { simhashBands } from './simhash.ts';
import { systemPromptHash } from './template.ts';
import { textWindow } from './text-window.ts';

export interface Observation {
  readonly eventId: string;
  readonly tsMs: number;
  readonly accountId: string;
  readonly type: EventType;
  readonly action?: AccountAction;
  readonly orgId?: string;
  readonly emailDomain?: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly reasoningTokens: number;
  readonly status?: RequestStatus;
  readonly model?: string;
  readonly network?: string;
  readonly asn?: number;
  readonly userAgent?: string;
  readonly tls?: string;
  readonly device?: string;
  readonly payment?: string;
  readonly template?: string;
  readonly bands: readonly string[];
  readonly systemPrompt?: string;
  /** Known only when the raw text came with the event. */
  readonly elicitsReasoning: boolean;
  /** Whether the raw prompt text came with the event (so elicitsReasoning is known). */
  readonly textSeen: boolean;
}

export function observe(e: UsageEvent): Observation {
  const p = e.prompt;
  const text = p.text;
  // Fingerprints a gateway sent win over ones computed here: they are what the producer chose to send.
  const fp = text !== undefined && text.length > 0 ? fingerprintPrompt({ text }) : undefined;
  const simhash = p.simhash ?? fp?.simhash;
  const template = p.templateHash ?? fp?.templateHash;
  const sys = p.systemPromptHash ?? (p.systemText !== undefined && p.systemText.length > 0 ? systemPromptHash(textWindow(p.systemText)) : undefined);
  const o: { -readonly [K in keyof Observation]: Observation[K] } = {
    eventId: e.eventId,
    tsMs: e.tsMs,
    accountId: e.accountId,
    type: e.type,
    inputTokens: e.inputTokens,
    outputTokens: e.outputTokens,
    reasoningTokens: e.reasoningTokens,
    bands: simhash !== undefined ? simhashBands(simhash) : [],
    elicitsReasoning: fp?.elicitsReasoning ?? false,
    textSeen: text !== undefined,
  };
  if (e.action !== undefined) o.action = e.action;
  if (e.orgId !== undefined) o.orgId = e.orgId;
  if (e.emailDomain !== undefined) o.emailDomain = e.emailDomain.toLowerCase();
  if (e.status !== undefined) o.status = e.status;
  if (e.model !== undefined) o.model = e.model;
  const net = e.client.ip !== undefined ? networkPrefix(e.client.ip) : undefined;
  if (net !== undefined) o.network = net;
  if (e.client.asn !== undefined) o.asn = e.client.asn;
  if (e.client.userAgent !== undefined) o.userAgent = shortHash(e.client.userAgent);
  if (e.client.tlsFingerprint !== undefined) o.tls = shortHash(e.client.tlsFingerprint);
  if (e.client.deviceId !== undefined) o.device = shortHash(e.client.deviceId);
  if (e.paymentFingerprint !== undefined) o.payment = shortHash(e.paymentFingerprint);
  if (template !== undefined) o.template = template.slice(0, 16);
  if (sys !== undefined) o.systemPrompt = sys.slice(0, 16);
  return o;
}
