/**
 * How strongly does a prompt ask the model for its reasoning (0–1)? Distillers want the reasoning
 * more than the answer and ask for it in any words and language; a fixed list of phrases only
 * catches the phrasings someone thought of. So the score comes from families of cues that combine
 * within a clause, each family a closed list of word stems in several languages:
 *
 * - a verb of showing, explaining, justifying or deriving ("show", "justify", "détaille", "begründe"),
 * - an object that is a process rather than a result ("steps", "working", "derivation", "raisonnement"),
 * - a determiner that points the object at the model's own answer ("your", "each", "every", "full"),
 * - a step adverbial ("step by step", "one step at a time", "paso a paso", "шаг за шагом"),
 * - "before answering" and output-format cues (think tags, scratchpads, a final-answer marker),
 * - and against them: a step-by-step *guide*, "steps to" do something, questions about reasoning
 *   ("what is chain-of-thought?") and writing about it (a paper, a blog post, reasoning models).
 *
 * Chinese, Japanese and Korean are written without spaces, so their cues are substrings of the clause.
 * The lists were written from each language's words for these ideas and weighed on the tuning half
 * of fixtures/phrases/reasoning-requests.json; the held-out half's families were not looked at.
 * Linear in the window it reads (text-window.ts): one pass to split clauses and words, a map lookup
 * per word, `includes` over each short clause for the CJK cues.
 */
import { stems, words } from './cue-lexicon.ts';
import { textWindow } from './text-window.ts';

/** From this score a prompt counts as asking for reasoning (the account's elicited requests). */
export const REASONING_REQUEST_THRESHOLD = 0.5;

/** Stems, matched as prefixes of lower-cased words. */
const DIRECTIVE = stems(
  'show shown showing explain explaining justif deriv detail describ outlin present includ provid output elaborat ' +
    'demonstrat spell lay write writ ' +
    'walk break tell make argu back teach ' +
    // fr
    'montr expliqu justifi détaill décri développ rédig donn ' +
    // es / pt / it
    'muestr explic justific detall desarroll descri mostr expliq justifiq detalh descrev spieg giustific descriv ' +
    'dettagl ' +
    // de
    'zeig erklär erläuter begründ leite herleit beschreib ' +
    // ru
    'покаж объясн обосну распиш опиш вывед приведи',
);
/** Verbs that are themselves the reasoning: an order to do them "carefully", "first", "out loud" is an ask. */
const REASON_VERB = stems(
  'think reason deliberat réfléchi raisonn pens razon raciocin ragion denk überleg рассужд подума',
);
const MANNER = words(
  'carefully hard deeply thoroughly aloud loud out through first before explicitly slowly ' +
    'soigneusement attentivement avant cuidadosamente antes attentamente prima sorgfältig gründlich zuerst vorher ' +
    'bevor ' +
    'внимательно сначала прежде перед',
);
/** Process objects that are the reasoning itself: an ask on their own, unless asked about. */
const REASONING = stems(
  'reasoning rationale derivation thought-process chain-of-thought cot thinking scratchpad ' +
    'raisonnement démarche razonamiento raciocínio ragionamento gedankengang rechenweg lösungsweg überlegungen ' +
    'herleitung рассуждени',
);
/** Process objects that are parts of a solution ("steps", "calculations"): an ask when they are the model's own. */
const PARTS = stems(
  'step calculation deduction intermediate justification thought chain logic ' +
    'étape réflexion paso proceso cálculo pensamiento passo etapa passaggi schritt überlegung ' +
    'begründung ' +
    'шаг ход решени промежуточн вычислен',
);
/**
 * Nouns whose stem is also the verb: "calcul" as a prefix took "Calculate each sum", "Calcula la suma" and "Calculez la
 * somme" (an order to compute, which every maths student gives) for the model's calculations.
 */
const PART_WORDS = words('calcul calculs calcolo calcoli');
/** Verbs that name the derivation itself. */
const DERIVE = stems('deriv herleit leite dériv вывед выведи');
/** "work" and "working" are a process only as "your work", "all working", "the working out". */
const WORK = words('work working workings');
const SOLUTION = stems('solution solución solução soluzione lösung решени');
const SOLUTION_QUALIFIER = stems(
  'full complete worked detailed entire fully step completa completo complète vollständig подробн полн',
);
const OWNER = words(
  'your each every all full complete detailed entire explicit visible verbose intermediate whole any ' +
    'ton ta tes votre vos chaque tous toutes tout complète détaillé ' +
    'tu tus su sus cada todos todas todo completa completo seu sua seus suas tuo tua tuoi tue ogni tutti tutte ' +
    'dein deine deinen deiner ihren ihre jeden jede alle vollständig ausführlich ' +
    'свои свой твои твой каждый каждого все всё подробно',
);
const BEFORE = words('before avant antes prima vor bevor перед прежде');
const ANSWERING = stems('answer respond reply conclud répon respue respon rispon antwort ответ');
const SOLVE = stems('solv résou resolv resolu lös löse решить решать risolv');
const HOW = words('how why cómo como comment pourquoi por porque perché wie warum как почему');
const ANSWER_OR_YOU = words(
  'you answer result respuesta resposta réponse risposta antwort ergebnis ответ ты вы llegaste chegou arrivé',
);
const GUIDE = words(
  'guide guides instruction instructions tutorial tutorials recipe recipes directions plan plans list checklist ' +
    'manual itinerary howto ' +
    'recette recettes tutoriel receta recetas guía guías instrucciones receita receitas guia instruções ricetta ' +
    'ricette istruzioni ' +
    'rezept rezepte anleitung рецепт инструкция руководство',
);
const MENTION = stems(
  'paper article blog research technique prompting method model llm essay study studies inventor invent',
);
const INTERROGATIVE = words("is are what what's whats who which why how does do did when where should was were");
const NARRATOR = words('i we yo je ich я мы nous nosotros');
const POLITE_START = words('can could would will please');
const NOT_OWNER_BEFORE_WORK = words('my our their his her');
const WRITER_OWNS = words('my our mon ma mes notre mi mis nuestro meu minha mio mia mein meine meinen мой моя мои наш');

/** Step adverbials as word sequences ("*" matches any one word). */
const ADVERBIALS: readonly (readonly string[])[] = [
  ['step', 'by', 'step'],
  ['step-by-step'],
  ['stepwise'],
  ['one', 'step', 'at', 'a', 'time'],
  ['line', 'by', 'line'],
  ['étape', 'par', 'étape'],
  ['pas', 'à', 'pas'],
  ['paso', 'a', 'paso'],
  ['passo', 'a', 'passo'],
  ['passo', 'dopo', 'passo'],
  ['passo', 'passo'],
  ['schritt', 'für', 'schritt'],
  ['шаг', 'за', 'шагом'],
  ['по', 'шагам'],
];
/** Names of the reasoning that take several words. */
const REASONING_PHRASES: readonly (readonly string[])[] = [
  ['chain', 'of', 'thought'],
  ['chain', 'of', 'thoughts'],
  ['train', 'of', 'thought'],
  ['thought', 'process'],
  ['thinking', 'process'],
  ['line', 'of', 'reasoning'],
  ['processus', 'de', 'réflexion'],
  ['proceso', 'de', 'pensamiento'],
  ['processo', 'de', 'raciocínio'],
  ['processo', 'di', 'ragionamento'],
  ['ход', 'мысли'],
  ['ход', 'решения'],
  ['ход', 'рассуждений'],
];
const FORMAT_MARKS = [
  '<think',
  '<reasoning',
  '<thinking',
  '<scratchpad',
  '\\boxed',
  '####',
  'scratchpad',
  'scratch work',
];

/** Chinese, Japanese and Korean cues: substrings of a clause. */
const CJK_ADVERBIAL = [
  '一步一步',
  '一步步',
  '逐步',
  'ステップバイステップ',
  '段階的',
  '順を追って',
  '一歩ずつ',
  '단계별',
  '차근차근',
  '단계적',
];
const CJK_PROCESS = [
  '过程',
  '步骤',
  '推理',
  '思路',
  '推导',
  '理由',
  '每一步',
  '過程',
  '途中',
  'ステップ',
  '考え方',
  '解き方',
  '推論',
  '과정',
  '단계',
  '이유',
  '풀이',
];
const CJK_DIRECTIVE = [
  '写出',
  '给出',
  '展示',
  '解释',
  '说明',
  '列出',
  '示して',
  '説明して',
  '書いて',
  '見せて',
  '教えて',
  '보여',
  '설명',
  '써 주',
  '써주',
  '알려',
];
const CJK_FIRST_THEN_ANSWER: readonly (readonly string[])[] = [['先', '再', '答案']];

export function reasoningRequestScore(text: string): number {
  const t = textWindow(text).toLowerCase();
  let notAsk = 1;
  for (const clause of t.split(CLAUSE_BREAK)) {
    if (clause.length === 0) continue;
    const s = clauseScore(clause);
    if (s > 0) notAsk *= 1 - s;
  }
  return Math.round((1 - notAsk) * 1000) / 1000;
}

export function asksForReasoning(text: string): boolean {
  return reasoningRequestScore(text) >= REASONING_REQUEST_THRESHOLD;
}

const CLAUSE_BREAK = /[.?!;\n。？！]+/;
const WORD = /[\p{L}\p{M}\p{N}]+(?:[-'’][\p{L}\p{M}\p{N}]+)*/gu;

/** What a word is a cue of, as bits (one map lookup per word after the first time it is seen). */
const CUE = {
  directive: 1 << 0,
  guide: 1 << 1,
  reasonVerb: 1 << 2,
  derive: 1 << 3,
  solve: 1 << 4,
  manner: 1 << 5,
  owner: 1 << 6,
  before: 1 << 7,
  answering: 1 << 8,
  how: 1 << 9,
  answerOrYou: 1 << 10,
  reasoning: 1 << 11,
  parts: 1 << 12,
  work: 1 << 13,
  solution: 1 << 14,
  solutionQualifier: 1 << 15,
  writerOwns: 1 << 16,
  notOwnerBeforeWork: 1 << 17,
  functionAfterWork: 1 << 18,
  mention: 1 << 19,
  interrogative: 1 << 20,
  polite: 1 << 21,
  narrator: 1 << 22,
  sequenceStart: 1 << 23,
  letters: 1 << 24,
} as const;

const SEQUENCE_STARTS = new Set([...REASONING_PHRASES, ...ADVERBIALS].map((seq) => seq[0] as string));
const LETTERS_ONLY = /^\p{L}+$/u;
/** Words seen, with their cue bits; cleared when full, so crafted vocabularies cannot grow it without bound. */
const cueCache = new Map<string, number>();
const CUE_CACHE_MAX = 50_000;

function cueBits(x: string): number {
  const known = cueCache.get(x);
  if (known !== undefined) return known;
  let b = 0;
  if (DIRECTIVE(x)) b |= CUE.directive;
  if (GUIDE.has(x)) b |= CUE.guide;
  if (REASON_VERB(x)) b |= CUE.reasonVerb;
  if (DERIVE(x)) b |= CUE.derive;
  if (SOLVE(x)) b |= CUE.solve;
  if (MANNER.has(x)) b |= CUE.manner;
  if (OWNER.has(x)) b |= CUE.owner;
  if (BEFORE.has(x)) b |= CUE.before;
  if (ANSWERING(x)) b |= CUE.answering;
  if (HOW.has(x)) b |= CUE.how;
  if (ANSWER_OR_YOU.has(x)) b |= CUE.answerOrYou;
  if (REASONING(x)) b |= CUE.reasoning;
  if (PARTS(x) || PART_WORDS.has(x)) b |= CUE.parts;
  if (WORK.has(x)) b |= CUE.work;
  if (SOLUTION(x)) b |= CUE.solution;
  if (SOLUTION_QUALIFIER(x)) b |= CUE.solutionQualifier;
  if (WRITER_OWNS.has(x)) b |= CUE.writerOwns;
  if (NOT_OWNER_BEFORE_WORK.has(x)) b |= CUE.notOwnerBeforeWork;
  if (FUNCTION_AFTER_WORK.has(x)) b |= CUE.functionAfterWork;
  if (MENTION(x)) b |= CUE.mention;
  if (INTERROGATIVE.has(x)) b |= CUE.interrogative;
  if (POLITE_START.has(x)) b |= CUE.polite;
  if (NARRATOR.has(x)) b |= CUE.narrator;
  if (SEQUENCE_STARTS.has(x)) b |= CUE.sequenceStart;
  if (LETTERS_ONLY.test(x)) b |= CUE.letters;
  if (cueCache.size >= CUE_CACHE_MAX) cueCache.clear();
  cueCache.set(x, b);
  return b;
}

const has = (bits: number, cue: number): boolean => (bits & cue) !== 0;
/** Characters of the scripts written without spaces: only then are the CJK cues looked for. */
const CJK_SCRIPT = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;
/** Every format mark contains one of these. */
const FORMAT_HINT = /[<\\#]|scratch/;

function clauseScore(clause: string): number {
  const w = clause.match(WORD) ?? [];
  const format = FORMAT_HINT.test(clause) && FORMAT_MARKS.some((m) => clause.includes(m));
  const cjk = CJK_SCRIPT.test(clause) ? cjkScore(clause) : 0;
  if (w.length === 0) return Math.max(cjk, format ? 0.9 : 0);
  const bits = w.map(cueBits);
  const firstBits = bits[0] as number;
  const question = has(firstBits, CUE.interrogative) && !has(firstBits, CUE.polite);
  let any = 0;
  for (const b of bits) any |= b;
  const mention = has(any, CUE.mention);
  const directive = has(any, CUE.directive);
  const derive = has(any, CUE.derive);
  const solve = has(any, CUE.solve);
  const manner = has(any, CUE.manner);
  const before = has(any, CUE.before);
  const answering = has(any, CUE.answering);
  const how = has(any, CUE.how);
  const answerOrYou = has(any, CUE.answerOrYou);
  let guide = has(any, CUE.guide);
  let owned = has(any, CUE.owner);
  let reasonVerb = -1;
  let reasoning = false;
  let parts = false;
  let adverbial = false;
  for (let i = 0; i < w.length; i++) {
    const x = w[i] as string;
    const b = bits[i] as number;
    const next = w[i + 1];
    const prev = w[i - 1];
    const prevBits = i > 0 ? (bits[i - 1] as number) : 0;
    const nextBits = i + 1 < bits.length ? (bits[i + 1] as number) : 0;
    // "think of a name" and "a good reason" are not orders to reason; "reason about it first" is.
    if (
      has(b, CUE.reasonVerb) &&
      !(next === 'of' || prev === 'a' || prev === 'the' || prev === 'good' || prev === 'my')
    )
      reasonVerb = i;
    if (has(b, CUE.sequenceStart)) {
      const phrase = sequenceAt(REASONING_PHRASES, w, i);
      if (phrase > 0) {
        // "my thought process" is the writer's, not the model's.
        if (!has(prevBits, CUE.writerOwns)) reasoning = true;
        i += phrase - 1;
        continue;
      }
      const adv = sequenceAt(ADVERBIALS, w, i);
      if (adv > 0) {
        adverbial = true;
        if (i + adv < bits.length && has(bits[i + adv] as number, CUE.guide)) guide = true;
        i += adv - 1;
        continue;
      }
    }
    if (has(b, CUE.reasoning)) {
      if (!has(prevBits, CUE.writerOwns)) reasoning = true;
    } else if (has(b, CUE.parts)) {
      // "steps to open an account" is a procedure, not the model's working.
      if ((x.startsWith('step') || x.startsWith('шаг')) && (next === 'to' || next === 'for')) continue;
      parts = true;
    } else if (
      has(b, CUE.work) &&
      prev !== undefined &&
      (has(prevBits, CUE.owner) || prev === 'the') &&
      !has(prevBits, CUE.notOwnerBeforeWork)
    ) {
      if (next === undefined || !has(nextBits, CUE.letters) || has(nextBits, CUE.functionAfterWork)) reasoning = true;
    } else if (has(b, CUE.solution) && (has(prevBits, CUE.solutionQualifier) || has(nextBits, CUE.solutionQualifier))) {
      parts = true;
      owned = true;
    }
  }
  let s = 0;
  // "Step by step" orders a way of answering, unless it describes a guide or the writer's own doing.
  if (adverbial && !guide)
    s = Math.max(
      s,
      has(firstBits, CUE.narrator) ? 0.2 : directive || reasonVerb >= 0 || solve || answering ? 0.95 : 0.7,
    );
  if (reasoning) s = Math.max(s, directive ? (owned ? 0.95 : 0.9) : owned ? 0.8 : 0.6);
  if (parts) s = Math.max(s, owned ? (directive ? 0.9 : 0.7) : directive ? 0.45 : 0.2);
  if (derive) s = Math.max(s, manner || owned ? 0.85 : 0.55);
  if (reasonVerb >= 0 && (manner || before)) s = Math.max(s, 0.85);
  else if (reasonVerb === 0 && w[1] !== 'about') s = Math.max(s, 0.55);
  if (before && answering && (directive || reasoning || parts || reasonVerb >= 0)) s = Math.max(s, 0.9);
  if (directive && how && (answerOrYou || solve)) s = Math.max(s, 0.75);
  if (format) s = Math.max(s, 0.9);
  s = Math.max(s, cjk);
  // Asking about reasoning, or writing about it, is not asking the model for its own.
  if (question || mention) s = Math.min(s, 0.2);
  return s;
}

const FUNCTION_AFTER_WORK = words('and then in for before please so as on when out to with first');

/** Length of the first of `seqs` that starts at word i, or 0. */
function sequenceAt(seqs: readonly (readonly string[])[], w: readonly string[], i: number): number {
  for (const a of seqs) {
    if (i + a.length > w.length) continue;
    let ok = true;
    for (let k = 0; k < a.length; k++) if (w[i + k] !== a[k]) ok = false;
    if (ok) return a.length;
  }
  return 0;
}

function cjkScore(clause: string): number {
  let s = 0;
  if (CJK_ADVERBIAL.some((c) => clause.includes(c))) s = 0.85;
  const process = CJK_PROCESS.some((c) => clause.includes(c));
  const directive = CJK_DIRECTIVE.some((c) => clause.includes(c)) || clause.includes('请');
  if (process && directive) s = Math.max(s, 0.85);
  else if (process) s = Math.max(s, 0.4);
  if (CJK_FIRST_THEN_ANSWER.some((seq) => seq.every((c) => clause.includes(c)))) s = Math.max(s, 0.8);
  return s;
}
