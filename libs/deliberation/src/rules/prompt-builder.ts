import type { Stance, Vote } from '../deliberation.types';
import {
  ANSWER_CLOSE,
  answerLengthLine,
  answerOpenLine,
  ballotSection,
  ballotVotingInstruction,
  contextSection,
  historyIntro,
  memoryEntry,
  memoryIntro,
  neutralizeDelimiters,
  omittedRoundsNote,
  type QuotedDecision,
  questionSection,
  roleLine,
  roundFraming,
  roundHeading,
  roundTask,
  STANCE_INSTRUCTIONS,
  systemPrompt,
  TRUNCATION_MARK,
  VOTING_INSTRUCTION,
} from './prompt-templates';
import { digestAnswer, selectHistory, type HistoryPolicy } from './digest';
import { firstSentences } from './result';
import { parseVote, textBeforeVote } from './vote-parser';

export interface HistoryResponse {
  participantIndex: number;
  /** A digest already written for this answer (by the digest adapter); used instead of the extractive one. */
  modelDigest?: string;
  /** How the answer is attributed, e.g. "Participant 1: claude (claude-sonnet-4-6)". */
  label: string;
  text: string;
  /** The answer's parsed vote, if the caller has it; otherwise it is parsed when the round is summarised. */
  vote?: Vote | null;
}

export interface PromptInput {
  question: string;
  context?: string;
  participant: { index: number; adapter: string; model: string; stance: Stance; role?: string };
  round: number;
  /** Earlier rounds, oldest first. */
  history: ReadonlyArray<{ round: number; responses: readonly HistoryResponse[] }>;
  /** The ballot shown from round 2 on (labels and canonical wordings); empty or absent: none. */
  ballot?: ReadonlyArray<{ label: string; option: string }>;
  /** The model's context budget for the prompt (system message included). */
  budgetTokens: number;
  countTokens: (text: string) => number;
  /** Which earlier answers are shown (default `full`): see selectHistory. */
  historyPolicy?: HistoryPolicy;
  /** Cap of one digest under the `digest` policy (default 300 tokens). */
  digestTokens?: number;
  /**
   * An answer's digest. Pass a memoized one so each answer is digested once for every reader; by
   * default it is built here with `countTokens`.
   */
  digestOf?: (response: HistoryResponse) => string;
  /** The answer length asked for; absent: no limit stated. */
  answerWords?: number;
  /** Past decisions quoted in round 1 (decision memory), most similar first; ignored in later rounds. */
  memory?: readonly QuotedDecision[];
}

export interface BuiltPrompt {
  system: string;
  prompt: string;
  /** Rounds left out entirely to fit the budget. */
  trimmedRounds: number[];
  /** Rounds shown summarised (each answer's opening sentences and vote) to fit the budget. */
  summarizedRounds: number[];
  /** The prompt's size (system included) as the sum of its pieces' counts. */
  tokens: number;
  /** Whether the question or the context had to be truncated. */
  truncated: { question: boolean; context: boolean };
  /** How many past decisions were quoted (round 1 with memory), after trimming. */
  memoryQuoted: number;
  /** False when even the most trimmed prompt exceeds the budget (the fixed instructions alone do). */
  fits: boolean;
}

type RoundForm = 'full' | 'summary' | 'dropped';

/** An earlier answer as shown: in full, or (another participant's, under the digest policy) as its digest. */
interface ShownResponse extends HistoryResponse {
  digest?: string;
}

interface RoundPlan {
  round: number;
  form: RoundForm;
  responses: readonly ShownResponse[];
  fullTokens: number;
  summaryTokens?: number;
}

const SEPARATOR = '\n\n';

/**
 * Assembles a participant's prompt for a round. Round 1: the question, the context, the stance (and
 * role) and the voting instruction. Later rounds add every earlier answer, own included, attributed to
 * participant and round, each fenced so it cannot pass for instructions, and the ballot (when given)
 * with the voting instruction that asks to vote by its wording or label.
 *
 * Fitting the budget, in this order, each step only while the prompt is still too large:
 *   1. summarise older rounds, oldest first (each answer → its first sentences and its vote line);
 *   2. drop older rounds, oldest first;
 *   3. summarise, then drop, the most recent round;
 *   4. drop the quoted past decisions (round 1, decision memory), least similar first;
 *   5. truncate the context, then the question (last: without it nothing else makes sense).
 * If the fixed instructions alone exceed the budget the prompt is returned anyway with `fits: false`.
 *
 * Sizes come from `countTokens`, never characters. Each piece is counted once and the pieces summed
 * (the join adds only blank lines), so the cost grows with the transcript, not with transcript × steps.
 * Wrap the tokenizer with memoizeTokenCounter to also skip recounting the same answers across
 * participants and rounds.
 */
export function buildPrompt(input: PromptInput): BuiltPrompt {
  const count = memoizeTokenCounter(input.countTokens);
  const system = systemPrompt();
  const { participant, round } = input;
  const digestTokens = input.digestTokens ?? 300;
  const digestOf = (response: HistoryResponse) =>
    response.modelDigest ?? (input.digestOf ?? ((r: HistoryResponse) => digestAnswer(r.text, digestTokens, count, r.vote)))(response);
  const selected = selectHistory(
    round > 1 ? input.history.filter((entry) => entry.responses.length > 0) : [],
    input.historyPolicy ?? 'full',
    participant.index,
  );
  const history = selected.rounds.map((entry) => ({
    round: entry.round,
    // An answer already within the digest cap is shown as it is: its digest could only lose words.
    responses: entry.answers.map((a): ShownResponse =>
      a.digest && count(a.response.text) > digestTokens ? { ...a.response, digest: digestOf(a.response) } : a.response,
    ),
  }));
  // Rounds the policy leaves out are named in the introduction; rounds dropped to fit get their own note.
  const policyNote = selected.omittedRounds.length ? ` ${policyOmittedNote(selected.omittedRounds, input.historyPolicy ?? 'full')}` : '';

  const head: string[] = [roundFraming(round)];
  let question = questionSection(input.question);
  let context = input.context ? contextSection(input.context) : '';
  // Past decisions are quoted in round 1 only: later rounds have the participants' own answers to weigh.
  const memory = round === 1 && input.memory?.length ? input.memory.map(memoryEntry) : [];
  const stance = [STANCE_INSTRUCTIONS[participant.stance], ...(participant.role ? [roleLine(participant.role)] : [])].join('\n');
  const ballot = round > 1 && input.ballot && input.ballot.length > 0 ? input.ballot : null;
  // The ballot sits right before the voting instruction that refers to it; it is never trimmed (it is short).
  const voting = ballot ? [ballotSection(ballot), ballotVotingInstruction(ballot[0].label)] : [VOTING_INSTRUCTION];
  const length = input.answerWords ? [answerLengthLine(input.answerWords)] : [];
  const tail: string[] = history.length > 0 ? [roundTask(round), ...length, ...voting] : [...length, ...voting];
  const intro = history.length > 0 ? historyIntro() + policyNote : '';

  const fixedTokens = count(system) + sum(head.map(count)) + count(stance) + sum(tail.map(count)) + (intro ? count(intro) : 0);
  let questionTokens = count(question);
  let contextTokens = context ? count(context) : 0;
  const memoryIntroTokens = memory.length ? count(memoryIntro()) : 0;
  const memoryEntryTokens = memory.map(count);
  let memoryQuoted = memory.length;
  const memoryTokens = (): number => (memoryQuoted > 0 ? memoryIntroTokens + sum(memoryEntryTokens.slice(0, memoryQuoted)) : 0);

  const roundTokens = (plan: RoundPlan, form: 'full' | 'summary'): number =>
    count(roundHeading(plan.round, form)) + sum(plan.responses.map((r) => blockTokens(r, plan.round, form, participant.index, count)));
  const plans: RoundPlan[] = history.map((entry) => {
    const plan: RoundPlan = { round: entry.round, form: 'full', responses: entry.responses, fullTokens: 0 };
    plan.fullTokens = roundTokens(plan, 'full');
    return plan;
  });

  const roundsTokens = (): number => {
    const dropped = plans.filter((plan) => plan.form === 'dropped').map((plan) => plan.round);
    const note = dropped.length > 0 ? count(omittedRoundsNote(dropped)) : 0;
    return note + sum(plans.map((plan) => (plan.form === 'full' ? plan.fullTokens : plan.form === 'summary' ? plan.summaryTokens! : 0)));
  };
  const total = (): number => fixedTokens + questionTokens + contextTokens + memoryTokens() + roundsTokens();
  const over = (): boolean => total() > input.budgetTokens;

  const summarize = (plan: RoundPlan): void => {
    plan.summaryTokens ??= roundTokens(plan, 'summary');
    plan.form = 'summary';
  };

  const older = plans.slice(0, -1);
  const latest = plans.at(-1);
  for (const plan of older) {
    if (!over()) break;
    summarize(plan);
  }
  for (const plan of older) {
    if (!over()) break;
    plan.form = 'dropped';
  }
  if (latest && over()) summarize(latest);
  if (latest && over()) latest.form = 'dropped';

  // What memory adds is the first thing given up: the question and its own context come first.
  while (memoryQuoted > 0 && over()) memoryQuoted--;

  const truncated = { question: false, context: false };
  if (context && over()) {
    const room = input.budgetTokens - (total() - contextTokens);
    context = truncateToTokens(context, room, count);
    contextTokens = context ? count(context) : 0;
    truncated.context = true;
  }
  if (over()) {
    const room = input.budgetTokens - (total() - questionTokens);
    // Never drop the question outright: a truncated question still says what is being decided.
    const cut = truncateToTokens(question, room, count) || `${question.slice(0, 200).trimEnd()}\n${TRUNCATION_MARK}`;
    const cutTokens = count(cut);
    if (cutTokens < questionTokens) {
      question = cut;
      questionTokens = cutTokens;
      truncated.question = true;
    }
  }

  const dropped = plans.filter((plan) => plan.form === 'dropped').map((plan) => plan.round);
  const historyPieces =
    plans.length > 0
      ? [
          intro,
          ...(dropped.length > 0 ? [omittedRoundsNote(dropped)] : []),
          ...plans
            .filter((plan) => plan.form !== 'dropped')
            .map((plan) => renderRound(plan.round, plan.form === 'full' ? 'full' : 'summary', plan.responses, participant.index)),
        ]
      : [];
  const memoryPieces = memoryQuoted > 0 ? [[memoryIntro(), ...memory.slice(0, memoryQuoted)].join('\n')] : [];
  const prompt = [...head, question, ...(context ? [context] : []), ...memoryPieces, stance, ...historyPieces, ...tail].join(SEPARATOR);
  const tokens = total();

  return {
    system,
    prompt,
    trimmedRounds: dropped,
    summarizedRounds: plans.filter((plan) => plan.form === 'summary').map((plan) => plan.round),
    tokens,
    truncated,
    memoryQuoted,
    fits: tokens <= input.budgetTokens,
  };
}

function renderRound(round: number, form: 'full' | 'summary', responses: readonly HistoryResponse[], selfIndex: number): string {
  return [roundHeading(round, form), ...responses.map((response) => renderBlock(response, round, form, selfIndex))].join(SEPARATOR);
}

function renderBlock(response: ShownResponse, round: number, form: 'full' | 'summary', selfIndex: number): string {
  return [openLine(response, round, selfIndex), blockBody(response, form), ANSWER_CLOSE].join('\n');
}

function openLine(response: ShownResponse, round: number, selfIndex: number): string {
  return answerOpenLine(response.digest !== undefined ? `${response.label}, digest` : response.label, round, response.participantIndex === selfIndex);
}

function blockTokens(response: ShownResponse, round: number, form: 'full' | 'summary', selfIndex: number, count: (text: string) => number): number {
  return count(openLine(response, round, selfIndex)) + count(blockBody(response, form)) + count(ANSWER_CLOSE);
}

const bodies = new WeakMap<HistoryResponse, { text: string; full?: string; summary?: string }>();

/**
 * The fenced body, memoized per response object (and its text) so counting and rendering share one
 * string, and the memoized counter then hits on it.
 */
function blockBody(response: ShownResponse, form: 'full' | 'summary'): string {
  // A digest is already short and neutralized: it is its own summary.
  if (response.digest !== undefined) return response.digest;
  let cached = bodies.get(response);
  if (!cached || cached.text !== response.text) {
    cached = { text: response.text };
    bodies.set(response, cached);
  }
  if (cached[form] === undefined) cached[form] = form === 'full' ? neutralizeDelimiters(response.text) : summaryBody(response);
  return cached[form]!;
}

/** An answer reduced to its opening sentences and its vote line. */
export function summaryBody(response: Pick<HistoryResponse, 'text' | 'vote'>): string {
  const vote = response.vote !== undefined ? response.vote : parseVote(response.text).vote;
  const opening = neutralizeDelimiters(firstSentences(textBeforeVote(response.text), 2, 400));
  const voteLine = vote
    ? `VOTE: ${JSON.stringify({
        option: vote.option,
        confidence: vote.confidence,
        rationale: firstSentences(vote.rationale, 2, 300),
        continue_debate: vote.continueDebate,
      })}`
    : '(no valid vote)';
  return [opening, neutralizeDelimiters(voteLine)].filter(Boolean).join('\n');
}

/**
 * The longest prefix of `text` that, with the truncation mark, fits `maxTokens`; '' when not even the
 * mark fits. Binary search over the length: O(log n) counts.
 */
export function truncateToTokens(text: string, maxTokens: number, count: (text: string) => number): string {
  if (count(text) <= maxTokens) return text;
  const marked = (length: number): string => `${text.slice(0, length).trimEnd()}\n${TRUNCATION_MARK}`;
  if (maxTokens <= 0 || count(marked(0)) > maxTokens) return '';
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (count(marked(mid)) <= maxTokens) low = mid;
    else high = mid - 1;
  }
  return marked(low);
}

/**
 * A token counter that remembers what it counted. Answers are re-sent every round to every
 * participant; with a shared memo each is tokenized once per deliberation. Bounded: when full, the memo
 * is cleared (answers of the current rounds come back quickly).
 */
export function memoizeTokenCounter(count: (text: string) => number, maxEntries = 2_000): (text: string) => number {
  const memo = new Map<string, number>();
  return (text) => {
    let tokens = memo.get(text);
    if (tokens === undefined) {
      tokens = count(text);
      if (memo.size >= maxEntries) memo.clear();
      memo.set(text, tokens);
    }
    return tokens;
  };
}

function policyOmittedNote(rounds: readonly number[], policy: HistoryPolicy): string {
  return `Only each participant's latest answer is shown${policy === 'digest' ? " (others' as digests: vote, opening and key claims)" : ''}; round${rounds.length > 1 ? 's' : ''} ${rounds.join(', ')} left out.`;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** The label other participants see: adapter, model and stance, never a secret. */
export function participantLabel(p: { index: number; adapter: string; role?: string }): string {
  return `Participant ${p.index + 1} (${p.adapter}${p.role ? `, ${p.role}` : ''})`;
}
