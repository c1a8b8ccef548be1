import { callKey, nextAttempt, voteRetryKey } from '../rules/call-key';
import { AdapterError, type InvokeResult } from '@app/adapters';
import type { BudgetZone } from '@app/tiering';
import { unavailableUsage } from '@app/tokens';
import type {
  ConvergenceAssessment,
  DeliberationEconomy,
  DeliberationResult,
  HistoryPolicy,
  Vote,
  ParticipantResponse,
  StopReason,
  TierDecisionRecord,
} from '../deliberation.types';
import {
  assessConvergence,
  ballotScheme,
  buildPrompt,
  decideStop,
  digestAnswer,
  economyOf,
  type PromptInput,
  groupOptions,
  parseVote,
  digestPrompt,
  digestSystemPrompt,
  digestVoteLine,
  DIGEST_PARTICIPANT,
  textBeforeVote,
  parseChair,
  mappedTally,
  chairPrompt,
  chairSystemPrompt,
  CHAIR_PARTICIPANT,
  participantLabel,
  resolveBallotVote,
  similarityFor,
  type SimilarityFn,
  systemPrompt,
  thresholdForZone,
  updateBallot,
  voteOnlyRetryPrompt,
  vectorCosine,
  votesSplit,
} from '../rules';
import { callSpend, nextRoundEstimate, spentSoFar } from '../state/spend';
import { responseReceived } from '../deliberation-events';
import { buildResult, finalVotes } from './deliberation-result';
import type { EngineOutcome, EnginePorts, PauseInfo, PlannedCall, Reservation } from './engine.ports';
import type { EngineState, RoundState } from '../state/engine-state';

/** One participant's call of a round, built before any call is made (its estimate is reserved first). */
interface PreparedCall {
  decision: TierDecisionRecord;
  system: string;
  prompt: string;
  /** Prompt tokens plus the output limit: what the reservation holds for it. */
  estimateTokens: number;
}

export interface EngineSettings {
  maxOutputTokens: number;
  roundTimeoutMs: number;
  /** Ask once more, for the vote only, when an answer has none. */
  retryMissingVote: boolean;
  /** No stop of any kind (converged, impasse, model consensus) before this round. */
  minRounds?: number;
  /** Show the ballot of options voted so far from round 2 on (default true). */
  ballot?: boolean;
  /** The history policy when the request has none (requests made before it existed). */
  history: HistoryPolicy;
  digestTokens: number;
  /** Digests written by this adapter's model instead of the extractive ones (with the extractive as fallback). */
  digestAdapter?: { adapter: string; model: string };
  answerWords: number;
  convergence: {
    /** false: participants' continue_debate votes never stop the deliberation. */
    modelConsensus?: boolean;
    /** The threshold per budget zone (the lower of it and `threshold` applies). */
    zoneThresholds?: Partial<Record<BudgetZone, number>>;
    backend: 'tfidf' | 'jaccard' | 'embeddings';
    threshold: number;
    consecutive: number;
    divergingBelow: number;
    impasseAfter: number;
    consensusFraction: number;
    optionSimilarity: number;
  };
}

/** Digests are capped in cl100k tokens, the encoding of the default model family. */
const DIGEST_ENCODING_MODEL = 'gpt-4';

/**
 * Runs a deliberation's rounds from wherever its state stands until it stops, pauses or fails.
 * All state lives in the EngineState it is given (never on the engine), so one engine serves every
 * deliberation, and a state loaded from a checkpoint continues exactly where it left off.
 */
export class DeliberationEngine {
  private readonly lexicalBackend: 'jaccard' | 'tfidf';
  private readonly similarity;
  /**
   * Digests by answer text: built once per answer and shared by every reader, whatever its model.
   * Capped with one fixed encoding (cl100k) so a digest reads the same to every participant.
   */
  private readonly digests = new Map<string, string>();

  constructor(
    private readonly ports: EnginePorts,
    private readonly settings: EngineSettings,
  ) {
    // Vote options are grouped lexically whatever the backend: they are short labels, not answers. With
    // embeddings, answers are compared by their vectors and fall back to TF-IDF when the call fails.
    this.lexicalBackend = settings.convergence.backend === 'jaccard' ? 'jaccard' : 'tfidf';
    this.similarity = similarityFor(this.lexicalBackend);
  }

  /**
   * `signal` stops the run at once (cancel, shutdown, or a person's pause `now`: its reason says which);
   * `pause` asks it to stop once the calls in flight are answered, before the next round's calls.
   * `oneRound` (a cluster's round jobs): stop after one round is checkpointed when another follows.
   */
  async run(state: EngineState, signal: AbortSignal, pause?: AbortSignal, options: { oneRound?: boolean } = {}): Promise<EngineOutcome> {
    const { request } = state;
    const maxRounds = request.mode === 'quick' ? 1 : request.maxRounds;
    const runStarted = this.ports.now().getTime();
    // Time run before this run (earlier runs, before a pause or a crash); activeMs itself is updated as rounds complete.
    const activeBefore = state.runtime.activeMs;
    const elapsed = () => activeBefore + (this.ports.now().getTime() - runStarted);
    const settle = (outcome: EngineOutcome): EngineOutcome => {
      state.runtime.activeMs = elapsed();
      return outcome;
    };

    // A checkpoint from before the ballot existed (or taken with it off) has none: replay its rounds.
    if (this.settings.ballot !== false && !state.ballot) for (const done of state.rounds) this.addToBallot(state, done);

    while (state.rounds.length < maxRounds) {
      const roundNumber = state.rounds.length + 1;
      if (signal.aborted) return settle(this.aborted(state, signal, elapsed()));
      if (pause?.aborted) return settle({ kind: 'paused', pause: this.personPause(state) });

      const limits = this.ports.checkLimits(state);
      for (const warning of limits.warnings) {
        if (state.runtime.warned.includes(warning.limit)) continue;
        state.runtime.warned.push(warning.limit);
        this.ports.emit(state.id, 'budget_warning', { round: roundNumber, limit: warning.limit, fraction: warning.fraction });
      }
      if (limits.pause) return settle({ kind: 'paused', pause: limits.pause });

      const plan = await this.ports.planRound(state, roundNumber, { forceFast: limits.forceFast, localOnly: limits.localOnly });
      if ('pause' in plan) return settle({ kind: 'paused', pause: plan.pause });
      for (const d of plan.decisions.filter((x) => x.escalated)) {
        this.ports.emit(state.id, 'tier_escalated', {
          round: roundNumber,
          participantIndex: d.participantIndex,
          adapter: d.adapter,
          adapterTier: d.adapterTier,
          model: d.model,
          reason: d.reason,
        });
      }

      for (const d of plan.decisions) {
        if (!d.movedFrom) continue;
        this.ports.emit(state.id, 'participant_moved', {
          round: roundNumber,
          participantIndex: d.participantIndex,
          from: d.movedFrom,
          adapter: d.adapter,
          adapterTier: d.adapterTier,
          model: d.model,
          reason: 'adapter_unavailable',
        });
      }

      const answered = new Set(state.partial.filter((r) => !r.error).map((r) => r.participantIndex));
      const calls = plan.decisions.filter((d) => !answered.has(d.participantIndex)).map((decision) => this.prepareCall(state, roundNumber, decision));
      const planned: PlannedCall[] = calls.map((c) => ({
        participantIndex: c.decision.participantIndex,
        adapter: c.decision.adapter,
        model: c.decision.model,
        estimateTokens: c.estimateTokens,
      }));
      const reserved = await this.ports.reserve(state, planned);
      if (!reserved.ok) return settle({ kind: 'paused', pause: reserved.pause });

      const startedAt = this.ports.now();
      let roundResponses: ParticipantResponse[];
      const overCap: { pause: PauseInfo | null; superseded?: boolean } = { pause: null };
      try {
        await this.ports.roundStarted(state, roundNumber, plan.decisions, startedAt);
        this.ports.emit(state.id, 'round_started', {
          round: roundNumber,
          participants: plan.decisions.map((d) => ({ participantIndex: d.participantIndex, adapter: d.adapter, model: d.model, tier: d.tier })),
        });
        roundResponses = await this.callAll(state, roundNumber, calls, reserved.reservation, signal, overCap);
      } finally {
        await reserved.reservation.release();
      }

      const byIndex = new Map<number, ParticipantResponse>();
      for (const r of [...state.partial, ...roundResponses]) {
        const existing = byIndex.get(r.participantIndex);
        if (!existing || existing.error) byIndex.set(r.participantIndex, r);
      }
      const responses = [...byIndex.values()].sort((a, b) => a.participantIndex - b.participantIndex);
      if (overCap.superseded) return settle({ kind: 'aborted', why: 'superseded', result: null });
      if (signal.aborted) {
        // Cut short: the answers that arrived are stored and kept; a resume re-asks only the others.
        state.partial = responses.filter((r) => !r.error);
        return settle(this.aborted(state, signal, elapsed()));
      }
      if (overCap.pause) {
        // A provider reported more than was reserved and a hard cap is passed: the spend happened and is
        // counted, but nothing more is asked. The round stays open; a resume re-asks only the calls cut off.
        state.partial = responses;
        return settle({ kind: 'paused', pause: overCap.pause });
      }
      this.trackFailures(state, responses);
      const ok = responses.filter((r) => !r.error);
      if (ok.length < 2) {
        state.partial = responses;
        return settle({
          kind: 'failed',
          reason: `only ${ok.length} participant(s) answered in round ${roundNumber}; at least two are needed`,
          result: state.rounds.length ? this.result(state, 'error', elapsed()) : null,
        });
      }

      const zone = limits.zone ?? 'GREEN';
      const threshold = thresholdForZone(this.baseThreshold(state), zone, this.settings.convergence.zoneThresholds ?? {});
      const convergence = await this.assess(state, roundNumber, responses, threshold);
      const round: RoundState = {
        number: roundNumber,
        startedAt: startedAt.toISOString(),
        completedAt: this.ports.now().toISOString(),
        responses,
        convergence,
        decisions: plan.decisions,
      };
      state.rounds.push(round);
      state.partial = [];
      state.attempts = undefined;
      this.addToBallot(state, round);
      const stop = decideStop({
        round: roundNumber,
        maxRounds,
        mode: request.mode,
        convergence,
        latestVotes: ok.map((r) => r.vote),
        consensusFraction: this.settings.convergence.consensusFraction,
        minRounds: this.settings.minRounds,
        modelConsensus: this.settings.convergence.modelConsensus,
        budgetZone: zone,
        unanimous: this.unanimous(state, responses),
      });
      // The next round's digests are written before the round's checkpoint, so a pause or a crash before
      // the next round never pays for them twice; none when nothing follows.
      if (!stop && state.rounds.length < maxRounds) await this.writeDigests(state, signal);
      state.runtime.activeMs = elapsed();
      const checkpointId = await this.ports.roundCompleted(state, round, Boolean(stop) || state.rounds.length >= maxRounds);
      this.ports.emit(state.id, 'round_completed', {
        round: roundNumber,
        convergence: convergence && { score: convergence.score, status: convergence.status },
        checkpointId,
        budgetZone: zone,
        threshold,
      });
      if (stop) return settle(await this.completed(state, stop, elapsed, signal));
      if (options.oneRound && state.rounds.length < maxRounds) return settle({ kind: 'yielded' });
    }
    return settle(await this.completed(state, 'max_rounds', elapsed, signal));
  }

  /** The finished deliberation's result, with the chair's synthesis when it has a chair. */
  private async completed(state: EngineState, stopReason: StopReason, elapsed: () => number, signal: AbortSignal): Promise<EngineOutcome> {
    const result = this.result(state, stopReason, elapsed());
    if (state.request.chair) {
      await this.synthesize(state, result, signal);
      result.durationMs = Math.round(elapsed());
    }
    return { kind: 'completed', result };
  }

  /**
   * The chair's call: after the last round, one call like any other — reserved first (skipped, and said
   * so, when it does not fit the budget: it never overspends), recorded in the ledger, its answer parsed
   * like a vote. Its synthesis is advice beside the tally, which stays the engine's.
   */
  private async synthesize(state: EngineState, result: DeliberationResult, signal: AbortSignal): Promise<void> {
    const chair = state.request.chair!;
    const round = state.rounds.length;
    const finals = finalVotes(state.rounds, state.request.participants);
    const prompt = chairPrompt({
      question: state.request.question,
      context: state.request.context,
      finals: state.request.participants.flatMap((p) => {
        const latest = [...state.rounds]
          .reverse()
          .flatMap((r) => r.responses.filter((x) => x.participantIndex === p.index && !x.error).map((x) => ({ r, x })))[0];
        if (!latest) return [];
        const vote = finals.find((f) => f.participantIndex === p.index)?.vote ?? null;
        // A long answer reaches the chair as its digest: the chair weighs positions, not every line.
        const long = this.ports.countTokens(latest.x.text, DIGEST_ENCODING_MODEL) > 2 * this.settings.digestTokens;
        return [
          {
            label: participantLabel(p),
            round: latest.r.number,
            text: long ? this.digestOf(latest.x.text, latest.x.vote) : latest.x.text,
            vote: vote?.option ?? null,
          },
        ];
      }),
      tally: result.tally.map((t) => ({ option: t.option, votes: t.votes })),
      outcome: result.outcome,
    });
    const system = chairSystemPrompt();
    const estimateTokens = this.ports.countTokens(`${system}\n${prompt}`, chair.model) + this.settings.maxOutputTokens;
    const reserved = await this.ports.reserve(state, [{ participantIndex: CHAIR_PARTICIPANT, adapter: chair.adapter, model: chair.model, estimateTokens }]);
    if (!reserved.ok) {
      result.synthesis = null;
      result.synthesisError = `skipped: the chair's call (about ${estimateTokens} tokens) does not fit the budget (${reserved.pause.detail ?? reserved.pause.limit})`;
      this.ports.emit(state.id, 'synthesis', { synthesis: null, error: result.synthesisError });
      return;
    }
    let response: ParticipantResponse;
    try {
      response = await this.callOne(
        state,
        round,
        {
          decision: { participantIndex: CHAIR_PARTICIPANT, tier: chair.tier, adapter: chair.adapter, adapterTier: 'T0', model: chair.model, reason: 'chair' },
          system,
          prompt,
          estimateTokens,
        },
        signal,
        signal,
        { askForVote: false },
      );
      await this.ports.record(state, round, response, false);
      const { tokens, usd } = callSpend(response);
      await reserved.reservation.settle(CHAIR_PARTICIPANT, tokens, usd);
    } finally {
      await reserved.reservation.release();
    }
    if (response.error) {
      result.synthesis = null;
      result.synthesisError = `the chair's call failed (${response.error.kind}): ${response.error.message}`;
    } else {
      const parsed = parseChair(response.text);
      if (!parsed.ok) {
        result.synthesis = null;
        result.synthesisError = `${parsed.error}${response.truncated ? ' (its answer was cut at the output limit)' : ''}`;
      } else {
        result.synthesis = { ...parsed.synthesis, chairAdapter: chair.adapter, chairModel: chair.model };
        const grouping = this.group(finals.flatMap((f) => (f.vote ? [f.vote.option] : [])));
        const mapped = parsed.synthesis.mapping ? mappedTally(finals, grouping, parsed.synthesis.mapping, result) : null;
        if (mapped) result.synthesis.mappedOutcome = { outcome: mapped.outcome, winningOption: mapped.winningOption, tally: mapped.tally };
        result.outcomeBy = mapped ? 'chair' : 'engine';
      }
    }
    this.ports.emit(state.id, 'synthesis', { synthesis: result.synthesis ?? null, ...(result.synthesisError ? { error: result.synthesisError } : {}) });
  }

  /** The result from the rounds so far, for a given stop reason. */
  result(state: EngineState, stopReason: StopReason, durationMs: number): DeliberationResult {
    return { ...buildResult(state, stopReason, durationMs, (options) => this.group(options)), economy: this.economy(state, stopReason) };
  }

  /** The round's valid votes join the ballot (or open it) when the ballot is on. */
  private addToBallot(state: EngineState, round: RoundState): void {
    if (this.settings.ballot === false) return;
    const votes = round.responses.flatMap((r) => (!r.error && r.vote ? [r.vote] : []));
    const scheme = ballotScheme([state.request.question, state.request.context, ...votes.map((v) => v.option)]);
    state.ballot = updateBallot(state.ballot, round.number, votes, scheme, this.similarity, this.settings.convergence.optionSimilarity);
  }

  private group(options: string[]): Map<string, string> {
    return groupOptions(options, this.similarity, this.settings.convergence.optionSimilarity);
  }

  private aborted(state: EngineState, signal: AbortSignal, durationMs: number): EngineOutcome {
    if (signal.reason === 'pause') return { kind: 'paused', pause: this.personPause(state) };
    const why = signal.reason === 'shutdown' ? 'shutdown' : 'cancelled';
    return { kind: 'aborted', why, result: state.rounds.length ? this.result(state, 'cancelled', durationMs) : null };
  }

  /** The convergence threshold before any budget zone lowers it: the request's own, else the configured one. */
  private baseThreshold(state: EngineState): number {
    return state.request.convergence?.threshold ?? this.settings.convergence.threshold;
  }

  /**
   * With a digest adapter and the digest policy: each participant's latest answer that is longer than the
   * cap and has no digest yet gets one written by the model, the calls in parallel, each reserved first.
   * Whatever does not come back (refused by the budget, failed, empty, well past the cap) is left to the
   * extractive digest. Written digests live in the state, so a checkpoint keeps them.
   */
  private async writeDigests(state: EngineState, signal: AbortSignal): Promise<void> {
    const digester = this.settings.digestAdapter;
    if (!digester || (state.request.history ?? this.settings.history) !== 'digest' || state.rounds.length === 0) return;
    const written = (state.modelDigests ??= {});
    const latest = new Map<number, { round: number; response: ParticipantResponse }>();
    for (const done of state.rounds)
      for (const response of done.responses) if (!response.error) latest.set(response.participantIndex, { round: done.number, response });
    const count = (text: string) => this.ports.countTokens(text, DIGEST_ENCODING_MODEL);
    const wanted = [...latest.values()].filter(
      ({ round, response }) => written[`${round}:${response.participantIndex}`] === undefined && count(response.text) > this.settings.digestTokens,
    );
    const system = digestSystemPrompt();
    await Promise.all(
      wanted.map(async ({ round, response }) => {
        const participant = state.request.participants[response.participantIndex];
        if (!participant) return;
        const prompt = digestPrompt(textBeforeVote(response.text), participantLabel(participant), round, this.settings.digestTokens);
        const estimateTokens = this.ports.countTokens(`${system}\n${prompt}`, digester.model) + this.settings.digestTokens * 2;
        const decision = {
          participantIndex: DIGEST_PARTICIPANT,
          tier: 'fast' as const,
          adapter: digester.adapter,
          adapterTier: 'T0' as const,
          model: digester.model,
          reason: 'digest',
        };
        const reserved = await this.ports.reserve(state, [
          { participantIndex: DIGEST_PARTICIPANT, adapter: digester.adapter, model: digester.model, estimateTokens },
        ]);
        if (!reserved.ok) return;
        try {
          const call = await this.callOne(state, round, { decision, system, prompt, estimateTokens }, signal, signal, { askForVote: false });
          await this.ports.record(state, round, call, false);
          const { tokens, usd } = callSpend(call);
          await reserved.reservation.settle(DIGEST_PARTICIPANT, tokens, usd);
          const text = call.text.trim();
          if (!call.error && text && count(text) <= this.settings.digestTokens * 1.25)
            written[`${round}:${response.participantIndex}`] = `${digestVoteLine(response.vote)}\n${text}`;
        } finally {
          await reserved.reservation.release();
        }
      }),
    );
  }

  /** A person asked for the pause: what was spent, and what the next round is expected to need. */
  private personPause(state: EngineState): PauseInfo {
    return {
      reason: 'person',
      limit: 'person',
      used: spentSoFar(state).tokens,
      nextRoundEstimateTokens: nextRoundEstimate(state, this.settings.maxOutputTokens),
    };
  }

  /** Every participant answered this round with a valid vote, all for one option once grouped. */
  private unanimous(state: EngineState, responses: ParticipantResponse[]): boolean {
    const votes = responses.map((r) => (r.error ? null : r.vote));
    if (votes.length < state.request.participants.length || votes.some((v) => v === null)) return false;
    const grouping = this.group(votes.map((v) => v!.option));
    return new Set(votes.map((v) => grouping.get(v!.option) ?? v!.option)).size === 1;
  }

  private async assess(state: EngineState, round: number, responses: ParticipantResponse[], threshold: number): Promise<ConvergenceAssessment | null> {
    const previousRound = state.rounds[state.rounds.length - 1];
    if (!previousRound) return null;
    const previous = previousRound.responses.filter((r) => !r.error).map((r) => ({ participantIndex: r.participantIndex, text: r.text }));
    const current = responses.filter((r) => !r.error).map((r) => ({ participantIndex: r.participantIndex, text: r.text }));
    const finals = finalVotes([...state.rounds, { responses } as RoundState], state.request.participants);
    const grouping = this.group(finals.flatMap((f) => (f.vote ? [f.vote.option] : [])));
    return assessConvergence({
      previous,
      current,
      history: state.rounds.flatMap((r) => (r.convergence ? [{ score: r.convergence.score, status: r.convergence.status }] : [])),
      finalVotesSplit: votesSplit(
        finals.map((f) => f.vote),
        grouping,
      ),
      settings: { ...this.settings.convergence, backend: this.lexicalBackend, threshold },
      similarity: await this.semanticSimilarity(
        state,
        round,
        [...previous, ...current].map((a) => a.text),
      ),
    });
  }

  /**
   * With the embeddings backend: cosine similarity of the answers' embeddings. Undefined (the lexical
   * TF-IDF default applies) for the other backends, or when the embeddings call failed.
   */
  private async semanticSimilarity(state: EngineState, round: number, texts: string[]): Promise<SimilarityFn | undefined> {
    if (this.settings.convergence.backend !== 'embeddings' || !this.ports.embed) return undefined;
    const unique = [...new Set(texts)];
    const vectors = await this.ports.embed(state, round, unique);
    if (!vectors) return undefined;
    const byText = new Map(unique.map((text, i) => [text, vectors[i]]));
    return (a, b) => vectorCosine(byText.get(a) ?? [], byText.get(b) ?? []);
  }

  private prepareCall(state: EngineState, round: number, decision: TierDecisionRecord): PreparedCall {
    const built = buildPrompt(this.promptInput(state, round, decision, state.request.history ?? this.settings.history));
    const estimateTokens = built.tokens + this.settings.maxOutputTokens;
    return { decision, system: built.system, prompt: built.prompt, estimateTokens };
  }

  /** What a participant's prompt for a round is built from: the rounds before it, under a history policy. */
  private promptInput(state: EngineState, round: number, decision: TierDecisionRecord, historyPolicy: HistoryPolicy): PromptInput {
    const participant = state.request.participants[decision.participantIndex];
    const labels = new Map(state.request.participants.map((p) => [p.index, participantLabel(p)]));
    return {
      question: state.request.question,
      context: state.request.context,
      participant: { index: participant.index, adapter: decision.adapter, model: decision.model, stance: participant.stance, role: participant.role },
      round,
      ballot: state.ballot?.entries,
      history: state.rounds
        .filter((r) => r.number < round)
        .map((r) => ({
          round: r.number,
          responses: r.responses
            .filter((x) => !x.error)
            .map((x) => ({
              participantIndex: x.participantIndex,
              label: labels.get(x.participantIndex) ?? '',
              text: x.text,
              vote: x.vote,
              modelDigest: state.modelDigests?.[`${r.number}:${x.participantIndex}`],
            })),
        })),
      budgetTokens: Math.max(256, this.ports.contextTokens(decision.adapter) - this.settings.maxOutputTokens),
      // The port memoizes per encoding: answers recur in every later prompt and are counted once.
      countTokens: (text: string) => this.ports.countTokens(text, decision.model),
      historyPolicy,
      digestTokens: this.settings.digestTokens,
      digestOf: (response) => this.digestOf(response.text, response.vote),
      answerWords: this.settings.answerWords,
      // Past decisions chosen when the request was accepted (decision memory); buildPrompt quotes them in round 1 only.
      memory: state.request.memory?.decisions,
    };
  }

  /**
   * The decision's economy. The prompts of every round from the second are built again, under the
   * policy used and under `full`, and only counted: what the policy saved, measured on the same words.
   */
  private economy(state: EngineState, stopReason: StopReason): DeliberationEconomy {
    const policy = state.request.history ?? this.settings.history;
    const prompts = state.rounds
      .filter((r) => r.number >= 2)
      .map((r) => {
        let asSent = 0;
        let underFull = 0;
        for (const response of r.responses.filter((x) => !x.error)) {
          const decision = r.decisions.find((d) => d.participantIndex === response.participantIndex);
          // A fork may have fewer participants than the rounds it copied: their prompts cannot be rebuilt.
          if (!decision || !state.request.participants[response.participantIndex]) continue;
          asSent += buildPrompt(this.promptInput(state, r.number, decision, policy)).tokens;
          underFull += policy === 'full' ? 0 : buildPrompt(this.promptInput(state, r.number, decision, 'full')).tokens;
        }
        return { round: r.number, asSent, underFull: policy === 'full' ? asSent : underFull };
      });
    return economyOf({
      policy,
      maxRounds: state.request.mode === 'quick' ? 1 : state.request.maxRounds,
      rounds: state.rounds,
      prompts,
      stoppedEarly: stopReason === 'converged' || stopReason === 'impasse' || stopReason === 'model_consensus',
    });
  }

  private digestOf(text: string, vote: Vote | null | undefined): string {
    let digest = this.digests.get(text);
    if (digest === undefined) {
      digest = digestAnswer(text, this.settings.digestTokens, (t) => this.ports.countTokens(t, DIGEST_ENCODING_MODEL), vote);
      // Bounded like the token memo: answers of the rounds in progress come back quickly.
      if (this.digests.size >= 2_000) this.digests.clear();
      this.digests.set(text, digest);
    }
    return digest;
  }

  /**
   * The round's calls in parallel. The round timeout cuts off only the slow ones; a stop (cancel,
   * shutdown, a person's pause `now`) or a passed hard cap cuts the rest. Each answer is recorded and its
   * reservation settled as it arrives.
   */
  private async callAll(
    state: EngineState,
    round: number,
    calls: PreparedCall[],
    reservation: Reservation,
    signal: AbortSignal,
    overCap: { pause: PauseInfo | null; superseded?: boolean },
  ): Promise<ParticipantResponse[]> {
    const roundController = new AbortController();
    const onAbort = () => roundController.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => roundController.abort('round_timeout'), this.settings.roundTimeoutMs);
    // Spent after convergence: an earlier round already reached the threshold, so this round only
    // confirms it — what a policy stopping at the first converged comparison would have saved.
    const threshold = this.baseThreshold(state);
    const afterConvergence = state.rounds.some((r) => r.convergence !== null && r.convergence.score >= threshold);
    try {
      return await Promise.all(
        calls.map(async (call) => {
          const response = await this.callOne(state, round, call, roundController.signal, signal);
          if (!(await this.ports.record(state, round, response, afterConvergence))) {
            // Another worker recorded this very call (it took the round over while this one was presumed dead): it owns the round now.
            overCap.superseded = true;
            roundController.abort('superseded');
            return response;
          }
          const { tokens, usd } = callSpend(response);
          const passedCap = await reservation.settle(call.decision.participantIndex, tokens, usd);
          if (passedCap && !overCap.pause) {
            overCap.pause = passedCap;
            roundController.abort('budget');
          }
          this.ports.emit(state.id, 'response_received', responseReceived(round, response));
          return response;
        }),
      );
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** One participant's answer (with its vote, asked again alone if missing), or the failure as an answer with an error. */
  private async callOne(
    state: EngineState,
    round: number,
    call: PreparedCall,
    roundSignal: AbortSignal,
    runSignal: AbortSignal,
    options: { askForVote: boolean } = { askForVote: true },
  ): Promise<ParticipantResponse> {
    const { decision } = call;
    const started = this.ports.now().getTime();
    const key = callKey(state.id, round, decision.participantIndex, nextAttempt(state.attempts, decision.participantIndex));
    const base = { participantIndex: decision.participantIndex, adapter: decision.adapter, model: decision.model, tier: decision.tier, callKey: key };
    try {
      const result = await this.ports.invoke(decision.adapter, {
        prompt: call.prompt,
        systemPrompt: call.system,
        model: decision.model,
        maxOutputTokens: this.settings.maxOutputTokens,
        signal: roundSignal,
        position: { participantIndex: decision.participantIndex, round },
        idempotencyKey: key,
      });
      const { parsed, retry } = options.askForVote
        ? await this.withVote({ state, decision, round, signal: roundSignal, first: result, key })
        : { parsed: { vote: null, error: null }, retry: null };
      return {
        ...base,
        text: result.text,
        // A label ("B") or a ballot wording names that ballot entry; anything else is a new option.
        vote: parsed.vote && resolveBallotVote(parsed.vote, state.ballot),
        voteError: parsed.error,
        error: null,
        latencyMs: result.latencyMs,
        usage: result.usage,
        costUsd: null,
        ...(result.truncated ? { truncated: true } : {}),
        // The vote-only retry is a call of its own (its own ledger row, spent by the same participant),
        // recorded with the answer it completes, in the answer's transaction.
        ...(retry ? { voteRetry: retry } : {}),
      };
    } catch (e) {
      // The round timer fired, not a stop of the whole run: this participant was too slow.
      const timedOut = roundSignal.aborted && roundSignal.reason === 'round_timeout' && !runSignal.aborted;
      const kind = timedOut ? 'timeout' : e instanceof AdapterError ? e.kind : 'bad_response';
      const message = timedOut ? `no answer within the round timeout (${this.settings.roundTimeoutMs} ms)` : (e as Error).message;
      return {
        ...base,
        text: '',
        vote: null,
        voteError: null,
        error: { kind, message: message.slice(0, 500) },
        latencyMs: this.ports.now().getTime() - started,
        usage: e instanceof AdapterError ? e.usage : unavailableUsage({ adapter: decision.adapter, provider: 'unknown', model: decision.model }),
        costUsd: null,
      };
    }
  }

  /**
   * The answer's vote, asking once more for the vote alone when configured and the answer had none.
   * The retry's usage comes back so it is recorded as the call it is, failed or not.
   */
  private async withVote(call: {
    state: EngineState;
    decision: TierDecisionRecord;
    round: number;
    signal: AbortSignal;
    first: InvokeResult;
    key: string;
  }): Promise<{ parsed: ReturnType<typeof parseVote>; retry: ParticipantResponse['voteRetry'] | null }> {
    const { state, decision, round, signal, first, key } = call;
    const parsed = parseVote(first.text);
    // A vote lost to the output limit is the engine's doing, not the model's: retried even when
    // retryMissingVote is off.
    const cutOff = first.truncated === true || first.usage.outputTokens >= this.settings.maxOutputTokens;
    if (parsed.vote || !(this.settings.retryMissingVote || cutOff) || !first.text.trim()) return { parsed, retry: null };
    const started = this.ports.now().getTime();
    try {
      const retry = await this.ports.invoke(decision.adapter, {
        prompt: voteOnlyRetryPrompt(state.request.question, first.text, round),
        systemPrompt: systemPrompt(),
        model: decision.model,
        maxOutputTokens: 256,
        signal,
        position: { participantIndex: decision.participantIndex, round },
        idempotencyKey: voteRetryKey(key),
      });
      const second = parseVote(retry.text);
      return { parsed: second.vote ? second : parsed, retry: { usage: retry.usage, costUsd: null, latencyMs: retry.latencyMs, text: retry.text } };
    } catch (e) {
      const failure = e instanceof AdapterError ? e : null;
      return {
        parsed,
        retry: {
          usage: failure?.usage ?? unavailableUsage({ adapter: decision.adapter, provider: first.usage.provider, model: decision.model }),
          costUsd: null,
          latencyMs: this.ports.now().getTime() - started,
          errorKind: failure?.kind ?? 'bad_response',
        },
      };
    }
  }

  private trackFailures(state: EngineState, responses: ParticipantResponse[]): void {
    for (const r of responses) {
      if (!r.error) {
        delete state.runtime.failureStreaks[r.participantIndex];
        continue;
      }
      const streak = state.runtime.failureStreaks[r.participantIndex];
      state.runtime.failureStreaks[r.participantIndex] =
        streak && streak.kind === r.error.kind ? { kind: streak.kind, count: streak.count + 1 } : { kind: r.error.kind, count: 1 };
    }
  }
}
