/**
 * How well the reasoning-request scorer separates asks from ordinary prompts, on the labelled phrase
 * corpus (fixtures/phrases/reasoning-requests.json). Asks are scored inside each of the corpus's
 * problem statements, before and after it (an ask comes first or last in a real prompt); negatives
 * are whole prompts. Pure: the caller reads the corpus and prints.
 */
import { asksForReasoning } from '../fingerprint/reasoning-request.ts';

export interface PhraseFamily {
  readonly name: string;
  readonly label: 'ask' | 'negative';
  readonly split: 'tune' | 'heldout';
  readonly lang: string;
  readonly phrases: readonly string[];
}

export interface PhraseCorpus {
  readonly families: readonly PhraseFamily[];
  readonly problems: readonly string[];
}

export interface FamilyResult {
  readonly family: PhraseFamily;
  /** Prompts scored (an ask phrase makes one per problem and position). */
  readonly prompts: number;
  /** Prompts scored as asking for reasoning. */
  readonly asks: number;
  /** Phrases with at least one prompt scored the wrong way, for reading. */
  readonly missed: readonly string[];
}

export function evaluateFamily(family: PhraseFamily, problems: readonly string[]): FamilyResult {
  let prompts = 0;
  let asks = 0;
  const missed: string[] = [];
  for (const phrase of family.phrases) {
    const texts = family.label === 'ask' ? problems.flatMap((p) => [`${p} ${phrase}`, `${phrase}\n${p}`]) : [phrase];
    let wrong = false;
    for (const t of texts) {
      prompts++;
      const ask = asksForReasoning(t);
      if (ask) asks++;
      if (ask !== (family.label === 'ask')) wrong = true;
    }
    if (wrong) missed.push(phrase);
  }
  return { family, prompts, asks, missed };
}

export interface SplitSummary {
  readonly askPrompts: number;
  readonly askRecall: number;
  readonly negativePrompts: number;
  readonly negativeFalseAsks: number;
}

export function summarise(results: readonly FamilyResult[]): SplitSummary {
  const asks = results.filter((r) => r.family.label === 'ask');
  const negs = results.filter((r) => r.family.label === 'negative');
  const askPrompts = asks.reduce((n, r) => n + r.prompts, 0);
  return {
    askPrompts,
    askRecall: askPrompts > 0 ? asks.reduce((n, r) => n + r.asks, 0) / askPrompts : 0,
    negativePrompts: negs.reduce((n, r) => n + r.prompts, 0),
    negativeFalseAsks: negs.reduce((n, r) => n + r.asks, 0),
  };
}
