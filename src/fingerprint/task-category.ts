/**
 * A prompt's coarse task category: what capability it draws on. Distillers concentrate their volume
 * on narrow capability families (maths, code, agentic tool use, science, logic puzzles) far beyond a
 * population's mix of writing, chat and everyday questions, whether or not they ask for reasoning;
 * the category is what lets a farm that asks for plain answers still show that concentration.
 *
 * Coarse on purpose: cues are word stems (English and the main European languages), the symbols of
 * formulas and code, and a few CJK words; each category's cues are counted in the window of the text
 * (text-window.ts) and the strongest category with enough evidence wins. Linear in the window.
 */
import { labelledStems } from './cue-lexicon.ts';
import { textWindow } from './text-window.ts';

export const TASK_CATEGORIES = ['math', 'code', 'agentic', 'science', 'logic', 'writing', 'chat', 'other'] as const;
export type TaskCategory = (typeof TASK_CATEGORIES)[number];

/** The narrow capability families a distiller concentrates on. */
export const CAPABILITY_TASKS: ReadonlySet<TaskCategory> = new Set(['math', 'code', 'agentic', 'science', 'logic']);

const CUES: Readonly<Record<Exclude<TaskCategory, 'other'>, string>> = {
  math:
    '~solve equation integral integrate derivative differentiat prove proof theorem lemma probabilit compute$ ' +
    'computed calculat arithmetic ' +
    'algebra geometr ~triangle ~circle polynomial matrix matrices determinant vector prime$ primes$ integer divisib ' +
    'perimeter diagonal radius diameter circumference hypotenuse polygon hexagon pentagon parallelogram trapez ' +
    '~rectangle ~area$ ~volume$ ~angle ~square$ ~cube$ ~sphere cylinder ' +
    '~factor$ ~factors factorial ' +
    'factoris factoriz ~fraction percent sum$ sums$ summation ~product$ modulo combinatori permutation ~combination ' +
    'logarithm exponent sqrt ' +
    'inequalit real-valued how-many ~how-long ~how-much how-far how-fast expected-value average ~mean$ median ' +
    'résoudre équation intégrale dérivée démontr ecuación integral derivada demuestr equação gleichung ableitung ' +
    'beweis уравнени интеграл производн докаж',
  code:
    '~code$ ~codes$ coding ~function ~method ~class$ ~classes$ ~script ~program ~bug$ ~bugs$ debug ~error ' +
    '~exception compile runtime python javascript ' +
    'typescript java$ rust$ golang c++ sql ~query regex api$ apis$ endpoint refactor unit-test ~test$ ~tests$ ' +
    'implement algorithm ~complexity ' +
    'array$ arrays$ ~string$ ~strings$ linked-list recursion repository git$ docker kubernetes ~react$ ~node$ ' +
    'html css ' +
    'json yaml stack-trace ' +
    'segfault ~variable ~loop$ ~loops$',
  agentic:
    'tool$ tools$ tool_call function_call ~agent ~browse ~browser search-the-web web-search ~click ~navigate ' +
    '~execute terminal shell$ ~command ' +
    'observation: action: thought: plan-the subtask ~workflow file-system filesystem api-call trajectory ' +
    '~environment step-budget',
  science:
    'physics chemistry biology molecule atom electron proton ~energy ~force$ ~forces velocity acceleration momentum ' +
    'gravity ~mass$ ~cell$ ~cells$ ' +
    'cellular dna$ rna$ protein enzyme ~reaction photosynthesis quantum thermodynamic entropy wavelength ~frequency ' +
    'circuit voltage ~resistance ' +
    'newton joule organism ~evolution ecosystem ~species orbit planet thrown ~speed$ ~height$ friction ~pressure',
  logic:
    'puzzle riddle ~logic$ ~logical syllogism ~premise ~conclusion ~valid$ ~invalid knights knaves liar truth-teller ' +
    'deduce ~paradox ' +
    'sudoku chess which-of ~implies contradiction',
  writing:
    'write$ writing essay story poem poetry email letter blog article speech cover-letter rewrite draft summar ' +
    'translat paragraph tone$ ' +
    'headline caption slogan lyrics novel chapter proofread edit$ résumé bio$ biography',
  chat:
    'hello hi$ hey$ thanks thank how-are advice recommend suggest opinion feel$ favourite favorite help-me should-i ' +
    'tips$ ' +
    'plan$ trip$ travel recipe cook weather movie book$ books$ music gift',
};

/** Weight of each category's cue hits: the capability families' words are rarer in ordinary chat. */
const WEIGHT: Readonly<Record<Exclude<TaskCategory, 'other'>, number>> = {
  math: 1.2,
  code: 1.2,
  agentic: 1.5,
  science: 1,
  logic: 1.3,
  writing: 1,
  chat: 0.8,
};

const CATEGORIES = Object.keys(CUES) as Exclude<TaskCategory, 'other'>[];
/**
 * A cue written `~word` is an everyday word with a technical sense ("bug", "class", "mean", "force"): it counts
 * half, so it decides a category only beside other evidence. A support bot's "classify as billing, shipping or bug"
 * is not a code task; "fix the bug in this Python function" still is.
 */
const WEAK_CUE = 0.5;
const cueList = (c: Exclude<TaskCategory, 'other'>, weak: boolean): string =>
  CUES[c]
    .split(/\s+/)
    .filter((x) => x.length > 0 && x.startsWith('~') === weak)
    .map((x) => (weak ? x.slice(1) : x))
    .join(' ');
/** One lookup per word gives the categories it is a cue of: strong cues' bits in CATEGORIES' order, then weak ones'. */
const CUE_BITS = labelledStems(
  CATEGORIES.flatMap((c, i) => [
    [1 << i, cueList(c, false)] as const,
    [1 << (i + CATEGORIES.length), cueList(c, true)] as const,
  ]),
);
/** Cues of two words are written with a hyphen; a word pair is only looked up after one of these first words. */
const PAIR_FIRST = new Set(
  Object.values(CUES).flatMap((list) =>
    list
      .split(/\s+/)
      .filter((x) => x.includes('-'))
      .map((x) => x.replace(/^~/, '').split('-')[0] as string),
  ),
);
const WORD = /[\p{L}\p{N}_+]+(?:[-'’][\p{L}\p{N}_+]+)*:?/gu;
// Horizontal space only ([ \t]), never \s: a \s* run across lines from every line start would be quadratic.
const CODE_SIGNS =
  /```|=>|\bdef |\bfn |;[ \t]*$|\{[ \t]*$|^[ \t]*(?:import|from|#include|public|private|const|let|var)\b/gmu;
const MATH_SIGNS =
  /\d ?[-+*/^=<>] ?[\d(a-z]|[a-z] ?[\^=] ?\d|[∫∑√π≤≥≠±]|\d (?:times|plus|minus|divided|multiplied|squared|cubed)\b/gu;
const NUMBER = /\d+(?:[.,]\d+)?/g;
const AGENT_SIGNS = /"(?:tool|function|name|arguments|parameters)" ?:|<tool|\b(?:Thought|Action|Observation) ?:/gu;
const CJK_SCRIPT = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;
const CJK: readonly [Exclude<TaskCategory, 'other'>, readonly string[]][] = [
  ['math', ['方程', '积分', '导数', '证明', '概率', '計算', '方程式', '証明', '확률', '방정식']],
  ['code', ['代码', '函数', '程序', 'コード', '関数', 'プログラム', '코드', '함수']],
  ['science', ['物理', '化学', '生物', '분자']],
  ['writing', ['作文', '文章', '写一', '書いて', '에세이']],
];

export function taskCategory(text: string): TaskCategory {
  const t = textWindow(text);
  const lower = t.toLowerCase();
  const score: Record<Exclude<TaskCategory, 'other'>, number> = {
    math: 0,
    code: 0,
    agentic: 0,
    science: 0,
    logic: 0,
    writing: 0,
    chat: 0,
  };
  const ws = lower.match(WORD) ?? [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i] as string;
    let bits = CUE_BITS(w);
    if (PAIR_FIRST.has(w) && i + 1 < ws.length) bits |= CUE_BITS(`${w}-${ws[i + 1] as string}`);
    for (let b = 0; bits !== 0; b++, bits >>>= 1) {
      if ((bits & 1) === 0) continue;
      const strong = b < CATEGORIES.length;
      score[CATEGORIES[strong ? b : b - CATEGORIES.length] as Exclude<TaskCategory, 'other'>] += strong ? 1 : WEAK_CUE;
    }
  }
  score.code += 2 * count(t, CODE_SIGNS);
  score.math += 1.5 * Math.min(count(lower, MATH_SIGNS), 20);
  // Word problems: several quantities are what makes "when do they meet?" a maths question.
  const numbers = count(lower, NUMBER);
  if (numbers >= 2) score.math += numbers >= 3 ? 1 : WEAK_CUE;
  score.agentic += 3 * count(t, AGENT_SIGNS);
  if (CJK_SCRIPT.test(t)) for (const [c, cues] of CJK) for (const cue of cues) if (t.includes(cue)) score[c] += 2;
  let best: TaskCategory = 'other';
  let bestScore = 0.99;
  for (const c of CATEGORIES) {
    const s = score[c] * WEIGHT[c];
    if (s > bestScore) {
      best = c;
      bestScore = s;
    }
  }
  return best;
}

function count(t: string, re: RegExp): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(t) !== null) n++;
  return n;
}
