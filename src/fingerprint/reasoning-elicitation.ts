/**
 * Does a prompt ask the model to show its reasoning? Distillers want the reasoning more than the
 * answer, and ask for it in many phrasings and languages. Each pattern ties the reasoning words to
 * a request aimed at the model (think, reason, explain, show, walk through …), so that ordinary uses
 * of the same words — "a step-by-step guide to knitting", "what is chain-of-thought prompting?",
 * "show your work schedule" — do not count.
 */
const VERB_EN = String.raw`(?:think|reason|work|solve|go|explain|answer|approach|tackle|break (?:it|this) down|figure|derive|calculate|compute|proceed)`;

export const ELICITATION_PATTERNS: readonly RegExp[] = [
  // English
  new RegExp(String.raw`\b${VERB_EN}\b[^.?!\n]{0,40}\bstep[- ]by[- ]step\b(?![- ](?:guide|instructions?|tutorial|recipe|directions|plan|process for))`, 'i'),
  /\bstep[- ]by[- ]step (?:reasoning|thinking|derivation|solution|explanation of (?:your|the) (?:reasoning|logic))\b/i,
  /\blet'?s think\b/i,
  /\bshow (?:me )?(?:all )?(?:of )?your (?:work(?:ing)?|reasoning|thinking|thought process|derivation|steps)\b(?! (?:schedule|hours|place|shift|email|experience|history|portfolio))/i,
  /\bshow (?:me )?(?:all )?(?:of )?the (?:reasoning|thought process|derivation|working)\b/i,
  /\b(?:explain|describe|give|include|provide|output|write (?:out|down)|share|reveal|print|detail|spell out) (?:me )?(?:your|the|all|a|full|complete|detailed|entire)? ?(?:full |complete |detailed |entire |internal |hidden )?(?:reasoning|chain[- ]of[- ]thoughts?|thought process|thinking process|rationale|derivation|logic behind (?:your|the) answer|intermediate steps)\b/i,
  /\b(?:your|the model'?s|full|complete|entire|internal|hidden) chain[- ]of[- ]thoughts?\b/i,
  /\bwalk (?:me |us )?through (?:your|the|each|every)? ?(?:reasoning|derivation|thought process|logic|solution|steps|thinking)\b/i,
  /\b(?:reason|think) (?:carefully|hard|deeply|thoroughly|it (?:out|through)|through (?:it|this|the problem)|out loud|aloud)\b[^.?!\n]{0,40}\b(?:before|then|and)\b/i,
  /\bbefore (?:giving|stating|writing|you give|you answer|answering)[^.?!\n]{0,30}\b(?:reason|think|explain|show)/i,
  /<(?:thinking|reasoning|scratchpad)>|\bscratch ?pad\b|\binner monologue\b|\breasoning trace\b/i,
  // French
  /\b(?:réfléchi[sr]|raisonne[rz]?|explique[rz]?|résou[ds]|procède[rz]?)\b[^.?!\n]{0,40}étape par étape/i,
  /\b(?:montre[rz]?|explique[rz]?|détaille[rz]?) (?:ton|votre|le) raisonnement\b/i,
  // Spanish / Portuguese / Italian
  /\b(?:piensa|razona|resuelve|explica|pensa|raciocine|resolva|explique|pensa|ragiona|risolvi|spiega)\b[^.?!\n]{0,40}\b(?:paso a paso|passo a passo|passo dopo passo)\b/i,
  /\b(?:muestra|explica|mostre|explique|mostra|spiega) (?:tu|seu|o seu|su|il tuo|il) (?:razonamiento|raciocínio|ragionamento)\b/i,
  // German
  /\b(?:denke|denk|überlege|löse|erkläre|begründe|rechne)\b[^.?!\n]{0,40}\bschritt für schritt\b/i,
  /\b(?:zeige|zeig|erkläre|erläutere) (?:deinen|ihren|den) (?:rechenweg|gedankengang|lösungsweg|denkprozess)\b/i,
  // Russian
  /(?:подумай|рассуждай|реши|объясни)[^.?!\n]{0,40}шаг за шагом/i,
  /(?:покажи|объясни|опиши) (?:свой |свои |ход )?(?:ход рассуждений|рассуждения|ход мысли)/i,
  // Chinese
  /(?:一步一步|逐步|一步步)(?:地)?(?:思考|推理|分析|推导|解答|解释)|(?:展示|给出|写出|说明)(?:你的|完整的|详细的)?(?:推理过程|思考过程|思维链|解题过程)|思维链/,
  // Japanese
  /(?:ステップバイステップ|段階的に|一歩ずつ)(?:で)?(?:考え|推論|説明|解い)|(?:思考過程|推論過程)を(?:示|説明|見せ)/,
  // Korean
  /단계별로 (?:생각|추론|설명|풀)|(?:추론 과정|사고 과정)을 (?:보여|설명)/,
];

export function elicitsReasoning(text: string): boolean {
  for (const re of ELICITATION_PATTERNS) if (re.test(text)) return true;
  return false;
}
