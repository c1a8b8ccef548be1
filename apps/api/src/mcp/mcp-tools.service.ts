import { Injectable, Logger, type ValidationPipe } from '@nestjs/common';
import { McpServer, type CallToolResult, type ServerContext } from '@modelcontextprotocol/server';
import { AdapterRegistry } from '@app/adapters';
import { DomainError } from '@app/config';
import { DeliberationService, EstimateService, ResumeService, type DeliberationView } from '@app/deliberation';
import { BudgetLedger } from '@app/tiering';
import { TokenizerService, UsageService } from '@app/tokens';
import type { z } from 'zod';
import { CreateDeliberationDto, ResumeDto } from '../deliberations/deliberation.dto';
import { errorBody } from '../http/error.filter';
import { createValidationPipe } from '../http/validation';
import { UsageQueryDto } from '../usage/usage-query.dto';
import { applyEvent, initialProgress, progressNotice, type ProgressState } from './deliberation-progress';
import { costText, renderSummary, summarize } from './deliberation-summary';
import { paginate, splitTranscript } from './transcript-pages';
import {
  adaptersOutput,
  budgetStatusOutput,
  DEFAULT_WAIT_SECONDS,
  deliberateInput,
  deliberationOutput,
  estimateInput,
  estimateOutput,
  idInput,
  noInput,
  pauseInput,
  resumeInput,
  tokenUsageInput,
  tokenUsageOutput,
  transcriptInput,
  transcriptOutput,
} from './tool-schemas';

/**
 * Tokens per transcript page. The page is sent twice (as structured content and as its text rendering,
 * which the MCP spec asks for beside it), so 8,000 keeps a page's answer under ~17k tokens, below the
 * ~20k a client accepts. Counted with the service's tokenizer (cl100k), not guessed from characters: a
 * page of code or of non-Latin text has far fewer characters per token than English.
 */
export const PAGE_TOKENS = 8000;

/** At most this many groups in a token_usage range answer (groupBy deliberation over months can be thousands). */
export const MAX_USAGE_GROUPS = 200;

const LIVE = new Set(['queued', 'running']);

type Progress = (notice: { progress: number; total: number; message: string }) => Promise<void>;

/**
 * The MCP face of the service: each tool is a thin call of the same use case a REST route calls,
 * with its arguments validated by the same DTOs (so a refusal has the route's message), and errors
 * mapped by the same errorBody as the REST error filter. Used by the HTTP endpoint (/mcp, one server per
 * request: stateless) and by the stdio server (apps/mcp).
 */
@Injectable()
export class McpToolsService {
  private readonly logger = new Logger('McpTools');
  private readonly pipe: ValidationPipe = createValidationPipe();

  constructor(
    private readonly deliberations: DeliberationService,
    private readonly resumes: ResumeService,
    private readonly estimates: EstimateService,
    private readonly usage: UsageService,
    private readonly ledger: BudgetLedger,
    private readonly registry: AdapterRegistry,
    private readonly tokenizer: TokenizerService,
  ) {}

  createServer(): McpServer {
    const server = new McpServer(
      { name: 'conclave', version: '0.1.0' },
      {
        instructions:
          'Conclave runs deliberations: several LLMs answer a question over rounds, vote, and converge, with token and cost accounting, budgets and checkpoints. ' +
          'Start one with deliberate (it waits up to waitSeconds, sending progress); if it is still running, follow it with get_deliberation; read the answers with get_transcript (paged). ' +
          'list_adapters shows the adapters participants can use; estimate_cost predicts tokens and cost first; a paused deliberation continues with resume from its latestCheckpointId.',
      },
    );

    server.registerTool(
      'deliberate',
      {
        title: 'Start a deliberation',
        description:
          `Starts a deliberation of 2-8 participants (adapters from list_adapters) on a question and waits up to waitSeconds (default ${DEFAULT_WAIT_SECONDS}) for it to finish, ` +
          'sending progress notifications (round k of n, votes so far, tokens, cost). Returns the outcome, tally and cost when finished; otherwise its id: follow it with get_deliberation, ' +
          'read answers with get_transcript, stop it with pause or cancel.',
        inputSchema: deliberateInput,
        outputSchema: deliberationOutput,
      },
      (args, ctx) => this.run(() => this.deliberate(args, ctx)),
    );
    server.registerTool(
      'get_deliberation',
      {
        title: 'Deliberation status',
        description:
          "A deliberation's status, each round's votes and convergence, the result (outcome, tally, synthesis), tokens and cost, and what to call next. Answers at once.",
        inputSchema: idInput,
        outputSchema: deliberationOutput,
        annotations: { readOnlyHint: true },
      },
      (args) => this.run(async () => this.answer(await this.deliberations.get(args.id))),
    );
    server.registerTool(
      'get_transcript',
      {
        title: 'Transcript (Markdown, paged)',
        description:
          `The transcript as Markdown: question, participants, every answer with its vote, convergence, result. Long transcripts come in pages of about ${PAGE_TOKENS} tokens; ` +
          'give round to read one round only; the answer names the next page to ask for.',
        inputSchema: transcriptInput,
        outputSchema: transcriptOutput,
        annotations: { readOnlyHint: true },
      },
      (args) => this.run(() => this.transcript(args)),
    );
    server.registerTool(
      'pause',
      {
        title: 'Pause a deliberation',
        description:
          'Pauses a queued or running deliberation: the calls in flight finish (or are cut with now: true), a checkpoint is saved and it stands paused with reason "person". Continue later with resume from its latestCheckpointId.',
        inputSchema: pauseInput,
        outputSchema: deliberationOutput,
      },
      (args) => this.run(async () => this.answer(await this.deliberations.pause(args.id, { now: args.now ?? false, wait: args.wait ?? false }))),
    );
    server.registerTool(
      'cancel',
      {
        title: 'Cancel a deliberation',
        description: 'Cancels a deliberation that has not finished; what was said and spent is kept.',
        inputSchema: idInput,
        outputSchema: deliberationOutput,
        annotations: { destructiveHint: true },
      },
      (args) => this.run(async () => this.answer(await this.deliberations.cancel(args.id))),
    );
    server.registerTool(
      'resume',
      {
        title: 'Resume from a checkpoint',
        description:
          "Resumes from a checkpoint id: a paused, interrupted or failed deliberation's latestCheckpointId continues it (nothing said or spent is lost); an older checkpoint forks a new deliberation. " +
          `A new budget, maxRounds or participants may be given. Waits and reports progress like deliberate (waitSeconds, default ${DEFAULT_WAIT_SECONDS}).`,
        inputSchema: resumeInput,
        outputSchema: deliberationOutput,
      },
      (args, ctx) => this.run(() => this.resume(args, ctx)),
    );
    server.registerTool(
      'estimate_cost',
      {
        title: 'Estimate tokens and cost',
        description:
          'Predicts the tokens and cost (low / expected / high) per round and in total of the same arguments as deliberate, and whether they fit the budgets. Nothing is called or stored.',
        inputSchema: estimateInput,
        outputSchema: estimateOutput,
        annotations: { readOnlyHint: true },
      },
      (args) => this.run(() => this.estimate(args)),
    );
    server.registerTool(
      'token_usage',
      {
        title: 'Token usage',
        description:
          'Tokens and cost (exact vs estimated) of one deliberation (by participant and by round; with round: call by call), or over a time range grouped by adapter, model, day or deliberation.',
        inputSchema: tokenUsageInput,
        outputSchema: tokenUsageOutput,
        annotations: { readOnlyHint: true },
      },
      (args) => this.run(() => this.tokenUsage(args)),
    );
    server.registerTool(
      'budget_status',
      {
        title: 'Budget windows',
        description:
          'Each budget window (daily, weekly, monthly): limits, used, reserved, remaining, zone (green/yellow/orange/red), burn rate, forecast of exhaustion, next reset.',
        inputSchema: noInput,
        outputSchema: budgetStatusOutput,
        annotations: { readOnlyHint: true },
      },
      () => this.run(() => this.budgetStatus()),
    );
    server.registerTool(
      'list_adapters',
      {
        title: 'Adapters',
        description:
          'The configured adapters participants can use: kind, provider, cost tier (T0 local … T3), fast and reasoning models, enabled, reachable now.',
        inputSchema: noInput,
        outputSchema: adaptersOutput,
        annotations: { readOnlyHint: true },
      },
      () => this.run(() => this.listAdapters()),
    );
    return server;
  }

  /** A use case's answer, or its error as a tool error carrying the REST route's message. */
  private async run(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
    try {
      return await work();
    } catch (e) {
      const body = errorBody(e, (errorId, err) => this.logger.error({ errorId, err }, `unexpected error ${errorId} in an MCP tool`));
      return { isError: true, content: [{ type: 'text', text: body.message }], _meta: { 'conclave/error': body } };
    }
  }

  private async validate<T extends object>(metatype: new () => T, value: object): Promise<T> {
    return (await this.pipe.transform(value, { type: 'body', metatype, data: undefined })) as T;
  }

  private result(structured: Record<string, unknown>, text: string): CallToolResult {
    return { content: [{ type: 'text', text }], structuredContent: structured };
  }

  private async answer(view: DeliberationView): Promise<CallToolResult> {
    const summary = summarize(view, (await this.deliberations.tokens(view.id)).totals);
    return this.result(summary, renderSummary(summary));
  }

  private async deliberate(args: z.infer<typeof deliberateInput>, ctx: ServerContext): Promise<CallToolResult> {
    const { waitSeconds, force, ...body } = args;
    const view = await this.deliberations.start(await this.validate(CreateDeliberationDto, body), { force });
    return this.answer(await this.follow(view, waitSeconds ?? DEFAULT_WAIT_SECONDS, ctx));
  }

  private async resume(args: z.infer<typeof resumeInput>, ctx: ServerContext): Promise<CallToolResult> {
    const { checkpointId, waitSeconds, ...changes } = args;
    const resumed = await this.resumes.resume(checkpointId, await this.validate(ResumeDto, changes));
    return this.answer(await this.follow(await this.deliberations.get(resumed.id), waitSeconds ?? DEFAULT_WAIT_SECONDS, ctx));
  }

  /**
   * Waits until the deliberation stops (or `waitSeconds` pass, or the client gives up on the call),
   * sending a progress notification at each answer and round when the client sent a progressToken.
   * The deliberation runs on regardless: this only watches its events.
   */
  private async follow(view: DeliberationView, waitSeconds: number, ctx: ServerContext): Promise<DeliberationView> {
    if (!LIVE.has(view.status) || waitSeconds === 0) return view;
    const token = ctx.mcpReq._meta?.progressToken;
    const progress: Progress | undefined =
      token === undefined ? undefined : (notice) => ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, ...notice } });
    const events = await this.deliberations.events(view.id);
    await new Promise<void>((resolve) => {
      let state: ProgressState = initialProgress(view);
      let sent = -1;
      let done = false;
      // Notifications go out one at a time, in order; the wait ends after the last one is sent.
      let queue = Promise.resolve();
      const report = (snapshot: ProgressState) => {
        queue = queue
          .then(async () => {
            if (!progress) return;
            const tokens = (await this.deliberations.tokens(view.id)).totals;
            const notice = progressNotice({ ...snapshot, tokens: tokens.totalTokens, costUsd: tokens.costUsd });
            // The spec wants progress to grow with every notification.
            if (notice.progress <= sent) return;
            sent = notice.progress;
            await progress(notice);
          })
          .catch((e: unknown) => this.logger.debug({ err: e }, 'a progress notification could not be sent'));
      };
      let subscription: { unsubscribe(): void } | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        ctx.mcpReq.signal.removeEventListener('abort', finish);
        subscription?.unsubscribe();
        void queue.then(resolve);
      };
      timer = setTimeout(finish, waitSeconds * 1000);
      ctx.mcpReq.signal.addEventListener('abort', finish, { once: true });
      report(state);
      subscription = events.subscribe({
        next: (event) => {
          state = applyEvent(state, event);
          if (event.type === 'response_received' || event.type === 'round_completed') report(state);
          if (state.ended) finish();
        },
        complete: finish,
        error: finish,
      });
      // The stream may have told its whole story (and ended) before subscribe returned.
      if (done) subscription.unsubscribe();
    });
    return this.deliberations.get(view.id);
  }

  private async transcript(args: z.infer<typeof transcriptInput>): Promise<CallToolResult> {
    const markdown = await this.deliberations.transcript(args.id);
    const sections = splitTranscript(markdown);
    const rounds = [...sections.rounds.keys()];
    let source = markdown;
    if (args.round !== undefined) {
      const section = sections.rounds.get(args.round);
      if (section === undefined) {
        throw new DomainError(
          'not_found',
          'ROUND_NOT_FOUND',
          `round: deliberation ${args.id} has no round ${args.round} (rounds: ${rounds.join(', ') || 'none yet'})`,
          { field: 'round' },
        );
      }
      source = section;
    }
    const pages = paginate(source, PAGE_TOKENS, (text) => this.tokenizer.count(text));
    const page = args.page ?? 1;
    if (page > pages.length) {
      throw new DomainError('invalid', 'PAGE_OUT_OF_RANGE', `page: ${page} is past the last page (${pages.length})`, { field: 'page', pages: pages.length });
    }
    const nextRound = args.round === undefined ? undefined : rounds.find((n) => n > args.round!);
    const next =
      page < pages.length
        ? { ...(args.round === undefined ? {} : { round: args.round }), page: page + 1 }
        : nextRound !== undefined
          ? { round: nextRound, page: 1 }
          : null;
    const structured = { deliberationId: args.id, round: args.round ?? null, page, pages: pages.length, rounds, markdown: pages[page - 1], next };
    const footer = `\n---\nPage ${page} of ${pages.length}${args.round === undefined ? '' : ` of round ${args.round}`}. ${next ? `Next: get_transcript ${JSON.stringify({ id: args.id, ...next })}` : 'End of the transcript.'}`;
    return this.result(structured, `${pages[page - 1]}${footer}`);
  }

  private async estimate(args: z.infer<typeof estimateInput>): Promise<CallToolResult> {
    const estimate = this.estimates.estimate(await this.validate(CreateDeliberationDto, args));
    const { tokens, costUsd } = estimate.total;
    const cost = costUsd
      ? `$${costUsd.low.toFixed(4)}–$${costUsd.high.toFixed(4)} (expected $${costUsd.expected.toFixed(4)})`
      : 'cost unknown (unpriced models)';
    const text = `Up to ${estimate.maxRounds} rounds: ${tokens.low.toLocaleString('en-US')}–${tokens.high.toLocaleString('en-US')} tokens (expected ${tokens.expected.toLocaleString('en-US')}), ${cost}. Fits the budgets: ${estimate.budget.fits ? 'yes' : 'no'}.`;
    return this.result({ ...estimate }, text);
  }

  private async tokenUsage(args: z.infer<typeof tokenUsageInput>): Promise<CallToolResult> {
    const { deliberationId, round, participantIndex, ...range } = args;
    if (deliberationId === undefined) {
      const field = round !== undefined ? 'round' : participantIndex !== undefined ? 'participantIndex' : null;
      if (field) throw new DomainError('invalid', 'INVALID_ARGUMENTS', `${field}: only with deliberationId`, { field });
      const query = await this.validate(UsageQueryDto, range);
      const usage = await this.usage.usageOverTime(query.toQuery());
      const groups = usage.groups.slice(0, MAX_USAGE_GROUPS);
      const structured = { scope: 'range' as const, ...usage, groups, groupsLeftOut: usage.groups.length - groups.length };
      const lines = groups.slice(0, 20).map((g) => `- ${g.key}: ${g.totalTokens.toLocaleString('en-US')} tokens, ${costText(g.costUsd)}`);
      const more =
        usage.groups.length > 20
          ? [`(${usage.groups.length - 20} more groups in the structured content${structured.groupsLeftOut ? `, ${structured.groupsLeftOut} left out` : ''})`]
          : [];
      return this.result(
        structured,
        [
          `${usage.from} to ${usage.to} by ${usage.groupBy}: ${usage.totals.totalTokens.toLocaleString('en-US')} tokens, ${costText(usage.totals.costUsd)}`,
          ...lines,
          ...more,
        ].join('\n'),
      );
    }
    const field = (['from', 'to', 'groupBy'] as const).find((key) => range[key] !== undefined);
    if (field)
      throw new DomainError('invalid', 'INVALID_ARGUMENTS', `${field}: only without deliberationId (a time range covers every deliberation)`, { field });
    const mine = <T extends { participantIndex: number }>(rows: T[]) =>
      participantIndex === undefined ? rows : rows.filter((r) => r.participantIndex === participantIndex);
    if (round !== undefined) {
      const figures = await this.deliberations.roundTokens(deliberationId, round);
      const calls = mine(figures.calls);
      const lines = calls.map(
        (c) =>
          `- #${c.participantIndex} ${c.adapter} (${c.model}): ${c.totalTokens.toLocaleString('en-US')} tokens (${c.accuracy}), ${costText(c.costUsd)}${c.errorKind ? `, ${c.errorKind}` : ''}`,
      );
      return this.result(
        { scope: 'round', ...figures, calls },
        [
          `Round ${round} of ${deliberationId}: ${figures.totals.totalTokens.toLocaleString('en-US')} tokens, ${costText(figures.totals.costUsd)}`,
          ...lines,
        ].join('\n'),
      );
    }
    const figures = await this.deliberations.tokens(deliberationId);
    const byParticipant = mine(figures.byParticipant);
    const lines = [
      ...byParticipant.map(
        (p) => `- #${p.participantIndex} ${p.adapter} (${p.model}): ${p.totalTokens.toLocaleString('en-US')} tokens, ${costText(p.costUsd)}`,
      ),
      ...figures.byRound.map((r) => `- round ${r.round}: ${r.totalTokens.toLocaleString('en-US')} tokens, ${costText(r.costUsd)}`),
    ];
    return this.result(
      { scope: 'deliberation', ...figures, byParticipant },
      [
        `Deliberation ${deliberationId}: ${figures.totals.totalTokens.toLocaleString('en-US')} tokens (${figures.totals.exactTokens.toLocaleString('en-US')} exact), ${costText(figures.totals.costUsd)}`,
        ...lines,
      ].join('\n'),
    );
  }

  private async budgetStatus(): Promise<CallToolResult> {
    const windows = await this.ledger.currentStatus();
    const lines = windows.map((w) => {
      const used = w.fractionUsed === null ? 'no limit' : `${Math.round(w.fractionUsed * 100)}% used`;
      return `- ${w.window}: ${used}, zone ${w.zone}; ${w.forecast.recommendation}; resets ${w.nextReset}`;
    });
    return this.result({ windows }, ['Budget windows:', ...lines].join('\n'));
  }

  private async listAdapters(): Promise<CallToolResult> {
    const adapters = await this.registry.describe();
    const lines = adapters.map(
      (a) =>
        `- ${a.name} (${a.kind} ${a.provider}, ${a.tier}): fast ${a.models.fast}, reasoning ${a.models.reasoning}${a.enabled ? '' : ', disabled'}, ${a.reachable ? 'reachable' : 'not reachable'}`,
    );
    return this.result({ adapters }, ['Adapters:', ...lines].join('\n'));
  }
}
