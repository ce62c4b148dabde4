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
import { REASONING_REQUEST_THRESHOLD } from './reasoning-request.ts';
import { TASK_CATEGORIES, type TaskCategory } from './task-category.ts';
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
  /**
   * 32 bits of the prompt's SimHash: which problem filled its template. Two problems in one frame differ here,
   * the same prompt sent again does not.
   */
  readonly fill?: number;
  readonly systemPrompt?: string;
  /** The prompt asks for the model's reasoning (reasoning-request score at or above its threshold). */
  readonly elicitsReasoning: boolean;
  /**
   * Whether that is known: from the raw text, or from the gateway's `reasoning_request`. Producers of
   * an older contract sent neither, and then only the token counts speak of reasoning.
   */
  readonly reasoningKnown: boolean;
  /** Coarse task category of the prompt (task-category.ts), from the text or the gateway's `task`. */
  readonly task?: TaskCategory;
}

/** A task outside the vocabulary (a producer's own word) is dropped, not stored: it would count as a rare family. */
const KNOWN_TASKS: ReadonlySet<string> = new Set(TASK_CATEGORIES);

export function observe(e: UsageEvent): Observation {
  const p = e.prompt;
  const text = p.text;
  // Fingerprints a gateway sent win over ones computed here: they are what the producer chose to send.
  const fp = text !== undefined && text.length > 0 ? fingerprintPrompt({ text }) : undefined;
  const simhash = p.simhash ?? fp?.simhash;
  const template = p.templateHash ?? fp?.templateHash;
  const reasoningRequest = p.reasoningRequest ?? fp?.reasoningRequest;
  const sys =
    p.systemPromptHash ??
    (p.systemText !== undefined && p.systemText.length > 0 ? systemPromptHash(textWindow(p.systemText)) : undefined);
  const o: { -readonly [K in keyof Observation]: Observation[K] } = {
    eventId: e.eventId,
    tsMs: e.tsMs,
    accountId: e.accountId,
    type: e.type,
    inputTokens: e.inputTokens,
    outputTokens: e.outputTokens,
    reasoningTokens: e.reasoningTokens,
    bands: simhash !== undefined ? simhashBands(simhash) : [],
    elicitsReasoning: reasoningRequest !== undefined && reasoningRequest >= REASONING_REQUEST_THRESHOLD,
    reasoningKnown: reasoningRequest !== undefined,
  };
  const task = p.task ?? fp?.task;
  if (task !== undefined && KNOWN_TASKS.has(task)) o.task = task as TaskCategory;
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
  if (simhash !== undefined) o.fill = promptFill(simhash);
  if (sys !== undefined) o.systemPrompt = sys.slice(0, 16);
  return o;
}

/** Both halves of the 64-bit SimHash folded into 32 bits: near-duplicate problems differ in a few bits anywhere. */
export function promptFill(simhash: string): number {
  return (parseInt(simhash.slice(0, 8), 16) ^ parseInt(simhash.slice(8, 16), 16)) >>> 0;
}
