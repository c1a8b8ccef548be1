import type { DeliberationView } from '@app/deliberation';
import type { TokenFigures } from '@app/tokens';

/**
 * What the MCP tools answer about a deliberation: its state without the answers' texts (get_transcript
 * pages those), every free text clipped, so the answer stays far below the ~20k-token ceiling whatever
 * the models wrote. Pure.
 */

const LIVE = ['queued', 'running'];

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function nextStep(view: Pick<DeliberationView, 'id' | 'status' | 'latestCheckpointId' | 'pause'>): string {
  const id = JSON.stringify({ id: view.id });
  const resume = view.latestCheckpointId
    ? `resume ${JSON.stringify({ checkpointId: view.latestCheckpointId })} (a new budget or maxRounds may be given)`
    : null;
  switch (view.status) {
    case 'queued':
    case 'running':
      return `Still ${view.status}: call get_deliberation ${id} to follow it (each call answers at once), or pause / cancel it.`;
    case 'paused':
      return `Paused (${view.pause?.reason ?? 'unknown reason'}): ${resume ? `continue with ${resume}` : 'no checkpoint to resume from'}; read it so far with get_transcript ${id}.`;
    case 'interrupted':
    case 'failed':
      return `${view.status === 'failed' ? 'Failed' : 'Interrupted'}: ${resume ? `continue with ${resume}` : 'no checkpoint to resume from'}; get_transcript ${id} shows what happened.`;
    case 'completed':
      return `Read the answers with get_transcript ${id} (paged by round); token figures with token_usage ${JSON.stringify({ deliberationId: view.id })}.`;
    case 'cancelled':
      return `Cancelled; get_transcript ${id} shows what was said.`;
  }
}

export function summarize(view: DeliberationView, tokens: TokenFigures) {
  const result = view.result;
  return {
    id: view.id,
    status: view.status,
    finished: !LIVE.includes(view.status),
    question: clip(view.question, 2000),
    mode: view.mode,
    maxRounds: view.maxRounds,
    budget: view.budget,
    roundsCompleted: view.rounds.filter((r) => r.completedAt !== null).length,
    participants: view.participants.map((p) => ({ index: p.index, adapter: p.adapter, model: p.model, stance: p.stance, role: p.role })),
    rounds: view.rounds.map((r) => ({
      number: r.number,
      completed: r.completedAt !== null,
      convergence: r.convergence ? { score: r.convergence.score, status: r.convergence.status } : null,
      votes: r.responses.map((x) => ({
        participantIndex: x.participantIndex,
        adapter: x.adapter,
        model: x.model,
        option: x.vote ? clip(x.vote.option, 200) : null,
        confidence: x.vote?.confidence ?? null,
        problem: x.error ? `${x.error.kind}: ${clip(x.error.message, 200)}` : (x.voteError ?? null),
      })),
    })),
    result: result
      ? {
          outcome: result.outcome,
          winningOption: result.winningOption === null ? null : clip(result.winningOption, 500),
          outcomeBy: result.outcomeBy ?? 'engine',
          stopReason: result.stopReason,
          roundsUsed: result.roundsUsed,
          degraded: result.degraded,
          summary: clip(result.summary, 4000),
          tally: result.tally.map((t) => ({
            option: clip(t.option, 200),
            votes: t.votes,
            averageConfidence: t.averageConfidence,
            participants: t.participants,
          })),
          synthesis: result.synthesis
            ? {
                chair: `${result.synthesis.chairAdapter} (${result.synthesis.chairModel})`,
                recommendation: clip(result.synthesis.recommendation, 2000),
                agreements: result.synthesis.agreements.slice(0, 20).map((x) => clip(x, 500)),
                disagreements: result.synthesis.disagreements.slice(0, 20).map((x) => clip(x, 500)),
                dissent: result.synthesis.dissent.slice(0, 20).map((x) => clip(x, 500)),
              }
            : null,
          synthesisError: result.synthesisError ?? null,
        }
      : null,
    // Which past decisions it used (quoted in round 1, or the one that answered it): a client should know an answer came from memory.
    memory:
      view.memory && view.memory.decisions.length > 0
        ? {
            mode: view.memory.mode,
            reusedFrom: view.memory.reusedFrom ?? null,
            decisions: view.memory.decisions.map((d) => ({
              id: d.id,
              question: clip(d.question, 300),
              decision: d.decision === null ? null : clip(d.decision, 200),
              similarity: d.similarity,
              decidedAt: d.decidedAt,
            })),
          }
        : null,
    pause: view.pause,
    failure: view.failure === null ? null : clip(view.failure, 1000),
    latestCheckpointId: view.latestCheckpointId,
    parentId: view.parentId,
    tokens: {
      totalTokens: tokens.totalTokens,
      inputTokens: tokens.inputTokens,
      outputTokens: tokens.outputTokens,
      reasoningTokens: tokens.reasoningTokens,
      calls: tokens.calls,
      costUsd: tokens.costUsd,
      costLowerUsd: tokens.costLowerUsd,
      costUpperUsd: tokens.costUpperUsd,
      unpricedCalls: tokens.unpricedCalls,
    },
    next: nextStep(view),
  };
}

export type DeliberationSummary = ReturnType<typeof summarize>;

export function costText(costUsd: number | null): string {
  return costUsd === null ? 'cost unknown' : `$${costUsd.toFixed(4)}`;
}

/** The short text rendering beside the structured content. */
export function renderSummary(s: DeliberationSummary): string {
  const lines = [`Deliberation ${s.id}: ${s.status}, ${s.roundsCompleted} of ${s.maxRounds} rounds completed.`];
  if (s.result) {
    const winner = s.result.winningOption === null ? 'no winning option' : `"${s.result.winningOption}"`;
    lines.push(`Outcome: ${s.result.outcome}, ${winner} (stop: ${s.result.stopReason}${s.result.degraded ? ', degraded' : ''}).`);
    const tally = s.result.tally.map((t) => `${t.option}: ${t.votes}`).join('; ');
    if (tally) lines.push(`Tally: ${tally}.`);
    if (s.result.synthesis) lines.push(`Chair's recommendation: ${s.result.synthesis.recommendation}`);
  } else if (s.rounds.length > 0) {
    const last = s.rounds[s.rounds.length - 1];
    lines.push(`Round ${last.number} votes: ${last.votes.map((v) => `#${v.participantIndex} ${v.option ?? v.problem ?? 'none'}`).join('; ')}.`);
  }
  if (s.memory?.reusedFrom)
    lines.push(`Answered from memory: decision ${s.memory.reusedFrom} (similarity ${s.memory.decisions[0]?.similarity ?? '?'}); no model was called.`);
  else if (s.memory) lines.push(`Memory: round 1 quoted ${s.memory.decisions.length} past decision(s): ${s.memory.decisions.map((d) => d.id).join(', ')}.`);
  if (s.pause) lines.push(`Pause: ${JSON.stringify(s.pause)}.`);
  if (s.failure) lines.push(`Failure: ${s.failure}.`);
  lines.push(`Tokens: ${s.tokens.totalTokens.toLocaleString('en-US')} in ${s.tokens.calls} calls, ${costText(s.tokens.costUsd)}.`);
  lines.push(s.next);
  return lines.join('\n');
}
