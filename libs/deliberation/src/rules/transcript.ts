import type { BallotEntryView, ConvergenceStatus, MemoryUse, Outcome, StopReason, Synthesis, TallyEntry, Vote, VoteError } from '../deliberation.types';

/** The token totals the transcript's cost line reads (the shape of GET /v1/deliberations/:id/tokens totals). */
export interface TranscriptTokens {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedInputTokens: number;
  totalTokens: number;
  calls: number;
  costUsd: number | null;
  costLowerUsd: number | null;
  costUpperUsd: number | null;
  unpricedCalls: number;
}

/**
 * The deliberation as the API returns it ("Response shape" of the contract), reduced to what the
 * transcript reads. Structural, so the service's response object can be passed as is.
 */
export interface TranscriptView {
  id: string;
  status: string;
  question: string;
  context?: string | null;
  mode: string;
  maxRounds: number;
  createdAt: string;
  updatedAt?: string;
  participants: ReadonlyArray<{
    index: number;
    adapter: string;
    model?: string | null;
    tier?: string | null;
    stance: string;
    role?: string | null;
  }>;
  rounds: ReadonlyArray<{
    number: number;
    startedAt?: string | null;
    completedAt?: string | null;
    responses: ReadonlyArray<{
      participantIndex: number;
      adapter: string;
      model: string;
      text: string;
      vote: Vote | null;
      voteError: VoteError | null;
      error: { kind: string; message: string } | null;
      latencyMs?: number | null;
      truncated?: boolean;
      voteRetry?: { text: string | null; errorKind: string | null } | null;
    }>;
    convergence: { score: number; status: ConvergenceStatus } | null;
  }>;
  result: {
    outcome: Outcome;
    winningOption: string | null;
    /** Results stored before variants existed have none. */
    tally: ReadonlyArray<Omit<TallyEntry, 'variants'> & { variants?: TallyEntry['variants'] }>;
    stopReason: StopReason;
    roundsUsed: number;
    durationMs: number;
    summary: string;
    abstained?: readonly number[];
    degraded?: boolean;
    failures?: ReadonlyArray<{ round: number; participantIndex: number; kind: string }>;
    ballot?: readonly BallotEntryView[];
    tokens?: TranscriptTokens;
    synthesis?: Synthesis | null;
    synthesisError?: string;
    outcomeBy?: 'engine' | 'chair';
    reusedFrom?: string;
  } | null;
  /** Decision memory as the deliberation used it (absent on older views). */
  memory?: MemoryUse | null;
}

/**
 * Renders the transcript as Markdown: header, participants, each round's answers with their votes and
 * errors, convergence per round, the result. Everything a model or a person wrote (answers, the
 * question, the summary) goes inside a fence longer than any backtick run it contains, so it cannot
 * break out of its block; short values on Markdown lines are escaped.
 */
export function renderTranscript(view: TranscriptView): string {
  const lines: string[] = [];
  lines.push(`# Deliberation ${escapeMarkdownInline(view.id)}`, '');
  lines.push(`- **Status:** ${escapeMarkdownInline(view.status)}`);
  lines.push(`- **Mode:** ${escapeMarkdownInline(view.mode)} (at most ${view.maxRounds} round${view.maxRounds === 1 ? '' : 's'})`);
  lines.push(`- **Created:** ${escapeMarkdownInline(view.createdAt)}`);
  if (view.updatedAt) lines.push(`- **Updated:** ${escapeMarkdownInline(view.updatedAt)}`);
  lines.push('', '## Question', '', fenceMarkdown(view.question));
  if (view.context) lines.push('', '### Context', '', fenceMarkdown(view.context));

  if (view.memory && view.memory.decisions.length > 0) lines.push(...memoryLines(view.memory));

  lines.push('', '## Participants', '');
  for (const participant of view.participants) {
    const details = [
      participant.model ? `model ${escapeMarkdownInline(participant.model)}` : null,
      participant.tier ? `tier ${escapeMarkdownInline(participant.tier)}` : null,
      `stance ${escapeMarkdownInline(participant.stance)}`,
      participant.role ? `role ${escapeMarkdownInline(participant.role)}` : null,
    ].filter((detail): detail is string => detail !== null);
    lines.push(`- **#${participant.index} ${escapeMarkdownInline(participant.adapter)}** — ${details.join(', ')}`);
  }

  const ballot = view.result?.ballot ?? [];
  for (const round of view.rounds) {
    lines.push('', `## Round ${round.number}`);
    // The ballot a round's prompt carried: the entries voted in earlier rounds (wording as it ended).
    const offered = ballot.filter((entry) => entry.round < round.number);
    if (offered.length > 0)
      lines.push('', `**Ballot offered:** ${offered.map((entry) => `${escapeMarkdownInline(entry.label)}. ${escapeMarkdownInline(entry.option)}`).join('; ')}`);
    if (round.startedAt || round.completedAt) {
      lines.push(
        '',
        `_${[round.startedAt && `started ${escapeMarkdownInline(round.startedAt)}`, round.completedAt && `completed ${escapeMarkdownInline(round.completedAt)}`].filter(Boolean).join(', ')}_`,
      );
    }
    for (const response of round.responses) {
      const latency = typeof response.latencyMs === 'number' ? ` — ${response.latencyMs} ms` : '';
      lines.push('', `### #${response.participantIndex} ${escapeMarkdownInline(response.adapter)} (${escapeMarkdownInline(response.model)})${latency}`, '');
      if (response.error) {
        lines.push(`**Error:** ${escapeMarkdownInline(response.error.kind)}: ${escapeMarkdownInline(response.error.message)}`);
        if (response.text) lines.push('', fenceMarkdown(response.text));
        continue;
      }
      if (response.truncated) lines.push('_Truncated: the provider stopped at the output limit; the answer is cut off._', '');
      lines.push(fenceMarkdown(response.text), '');
      if (response.voteRetry) {
        // The stored vote may come from the retry: its text is shown so the vote can be traced to it.
        if (response.voteRetry.text !== null)
          lines.push('**Vote-only retry** (the answer had no valid vote; the model replied):', '', fenceMarkdown(response.voteRetry.text), '');
        else lines.push(`**Vote-only retry:** failed${response.voteRetry.errorKind ? ` (${escapeMarkdownInline(response.voteRetry.errorKind)})` : ''}`, '');
      }
      lines.push(voteLine(response.vote, response.voteError));
    }
    lines.push('', `**Convergence:** ${convergenceLine(round.number, round.convergence)}`);
  }

  lines.push('', '## Result', '');
  if (!view.result) {
    lines.push(`No result yet (status: ${escapeMarkdownInline(view.status)}).`);
  } else {
    const result = view.result;
    lines.push(`- **Outcome:** ${result.outcome}`);
    lines.push(`- **Winning option:** ${result.winningOption === null ? 'none' : escapeMarkdownInline(result.winningOption)}`);
    lines.push(`- **Stop reason:** ${result.stopReason}`);
    lines.push(`- **Rounds used:** ${result.roundsUsed}`);
    lines.push(`- **Duration:** ${result.durationMs} ms`);
    if (result.tokens) lines.push(`- **Cost:** ${costLine(result.tokens)}`);
    if (result.degraded) {
      const failures = (result.failures ?? []).map((f) => `#${f.participantIndex} in round ${f.round} (${escapeMarkdownInline(f.kind)})`);
      lines.push(`- **Degraded:** yes — participants failed${failures.length > 0 ? `: ${failures.join('; ')}` : ''}`);
    }
    lines.push('', '### Tally', '');
    if (result.tally.length === 0) lines.push('No votes.');
    for (const entry of result.tally) {
      const who = entry.participants.map((index) => `#${index}`).join(', ');
      lines.push(
        `- ${escapeMarkdownInline(entry.option)}: ${entry.votes} vote${entry.votes === 1 ? '' : 's'}, average confidence ${entry.averageConfidence.toFixed(2)} (${who})`,
      );
      // Every merge visible: the exact wordings counted under this option, when there was more than one.
      if (entry.variants && entry.variants.length > 1) {
        for (const variant of entry.variants) {
          lines.push(`  - "${escapeMarkdownInline(variant.option)}" (${variant.participants.map((index) => `#${index}`).join(', ')})`);
        }
      }
    }
    if (result.abstained && result.abstained.length > 0) {
      lines.push(`- Abstained: ${result.abstained.map((index) => `#${index}`).join(', ')}`);
    }
    if (ballot.length > 0) {
      lines.push('', '### Ballot', '');
      for (const entry of ballot) {
        const wordings =
          entry.variants.length > 1 ? `; wordings: ${entry.variants.map((v) => `"${escapeMarkdownInline(v.option)}" ×${v.votes}`).join(', ')}` : '';
        lines.push(`- ${escapeMarkdownInline(entry.label)}. ${escapeMarkdownInline(entry.option)} (first voted in round ${entry.round}${wordings})`);
      }
    }
    if (result.summary) lines.push('', '### Summary', '', fenceMarkdown(result.summary));
    if (result.synthesis) lines.push(...synthesisLines(result.synthesis, result.outcomeBy));
    else if (result.synthesisError) lines.push('', '### Synthesis', '', `_No synthesis: ${escapeMarkdownInline(result.synthesisError)}_`);
  }
  return `${lines.join('\n')}\n`;
}

/** Which past decisions the deliberation used: quoted in round 1's prompt, or the one that answered it. */
function memoryLines(memory: MemoryUse): string[] {
  const lines = [
    '',
    '## Memory',
    '',
    memory.reusedFrom
      ? `Answered from memory: decision ${escapeMarkdownInline(memory.reusedFrom)}; no model was called.`
      : "Past decisions quoted in round 1's prompt:",
    '',
  ];
  for (const d of memory.decisions) {
    const decided = d.decision === null ? `no winning option (${d.outcome})` : `"${escapeMarkdownInline(d.decision)}" (${d.outcome})`;
    lines.push(
      `- ${escapeMarkdownInline(d.id)} of ${escapeMarkdownInline(d.decidedAt.slice(0, 10))}, similarity ${d.similarity.toFixed(2)}${d.similarityBy === 'embeddings' ? ' (embeddings)' : ''}: ${decided}`,
    );
    lines.push(`  - asked: ${escapeMarkdownInline(d.question.replace(/\s+/g, ' ').slice(0, 300))}`);
  }
  return lines;
}

/** The chair's synthesis: its words are a model's, so they are fenced and escaped like any answer. */
function synthesisLines(synthesis: Synthesis, outcomeBy: 'engine' | 'chair' | undefined): string[] {
  const list = (title: string, items: readonly string[]) => (items.length ? [`- **${title}:**`, ...items.map((x) => `  - ${escapeMarkdownInline(x)}`)] : []);
  const lines = ['', `### Synthesis (chair: ${escapeMarkdownInline(synthesis.chairAdapter)}, ${escapeMarkdownInline(synthesis.chairModel)})`, ''];
  lines.push(`- **Recommendation:** ${escapeMarkdownInline(synthesis.recommendation)}`);
  lines.push(...list('Agreements', synthesis.agreements), ...list('Disagreements', synthesis.disagreements), ...list('Dissent', synthesis.dissent));
  if (synthesis.mappedOutcome && outcomeBy === 'chair') {
    const winner = synthesis.mappedOutcome.winningOption === null ? 'none' : escapeMarkdownInline(synthesis.mappedOutcome.winningOption);
    lines.push(`- **As the chair reads the votes:** ${synthesis.mappedOutcome.outcome}, ${winner} (the tally above is the engine's)`);
  }
  if (synthesis.text) lines.push('', fenceMarkdown(synthesis.text));
  return lines;
}

/** "12,345 tokens (input 10,000, output 2,000, reasoning 345; 8 calls), $0.0123 (between $0.0110 and $0.0136)". */
export function costLine(tokens: TranscriptTokens): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const usd = (value: number): string => `$${value.toFixed(4)}`;
  const counts = `${n(tokens.totalTokens)} tokens (input ${n(tokens.inputTokens)}, cached ${n(tokens.cachedInputTokens)}, output ${n(tokens.outputTokens)}, reasoning ${n(tokens.reasoningTokens)}; ${tokens.calls} call${tokens.calls === 1 ? '' : 's'})`;
  if (tokens.costUsd === null) return `${counts}, cost unknown (no call could be priced)`;
  const bounds =
    tokens.costLowerUsd !== null && tokens.costUpperUsd !== null && tokens.costLowerUsd !== tokens.costUpperUsd
      ? ` (between ${usd(tokens.costLowerUsd)} and ${usd(tokens.costUpperUsd)})`
      : '';
  const unpriced = tokens.unpricedCalls > 0 ? `; ${tokens.unpricedCalls} unpriced call${tokens.unpricedCalls === 1 ? '' : 's'} not included` : '';
  return `${counts}, ${usd(tokens.costUsd)}${bounds}${unpriced}`;
}

function voteLine(vote: Vote | null, voteError: VoteError | null): string {
  if (!vote) return `**Vote:** none${voteError ? ` (${voteError})` : ''}`;
  const rationale = vote.rationale ? ` — ${escapeMarkdownInline(vote.rationale)}` : '';
  const ballot = vote.ballotLabel
    ? ` [ballot ${escapeMarkdownInline(vote.ballotLabel)}${vote.writtenOption ? `, written "${escapeMarkdownInline(vote.writtenOption)}"` : ''}]`
    : '';
  return `**Vote:** ${escapeMarkdownInline(vote.option)}${ballot} (confidence ${vote.confidence.toFixed(2)}, continue debate: ${vote.continueDebate ? 'yes' : 'no'})${rationale}`;
}

function convergenceLine(round: number, convergence: { score: number; status: ConvergenceStatus } | null): string {
  if (!convergence) return round <= 1 ? 'not assessed (first round)' : 'not assessed';
  return `${convergence.status}, score ${convergence.score.toFixed(3)}`;
}

/** A fenced block whose fence is longer than any backtick run inside the text. */
export function fenceMarkdown(text: string): string {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 96) {
      run++;
      if (run > longest) longest = run;
    } else {
      run = 0;
    }
  }
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

/**
 * One line of Markdown-inert text: newlines collapsed, emphasis, code, link, table and HTML
 * metacharacters escaped. Values never start a line here, so line-start syntax (#, -, 1.) is harmless.
 */
export function escapeMarkdownInline(text: string): string {
  return String(text)
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`);
}
