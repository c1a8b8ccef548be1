import { readFileSync } from 'node:fs';
import type { DeliberationView } from '@app/deliberation';
import { askBody, resumeBody, usageQuery, type AskOptions } from './args';
import { cliName, printJson, type Context } from './context';
import { EXIT, exitForStatus, UsageError, type ExitCode } from './exit-codes';
import { followDeliberation } from './follow';
import { adapterLines, budgetLines, estimateLines, listLines, showLines, stoppedLines, usageLines } from './render';
import type { AdapterInfo, BudgetWindow, Estimate, Started, UsageReport } from './wire';

/**
 * One function per command: read the flags, make the one or two API calls, print, answer the exit
 * code. The wording lives in render.ts; the request bodies in args.ts.
 */

const deliberation = (id: string) => `/v1/deliberations/${encodeURIComponent(id)}`;

function contextFrom(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--context-file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export async function ask(ctx: Context, question: string, o: AskOptions & { contextFile?: string; force?: boolean }): Promise<ExitCode> {
  const started = await ctx.client.post<Started>(`/v1/deliberations${o.force ? '?force=true' : ''}`, askBody(question, o, contextFrom(o.contextFile)));
  return followDeliberation(ctx, started.id);
}

export async function estimate(ctx: Context, question: string, o: AskOptions & { contextFile?: string }): Promise<ExitCode> {
  const e = await ctx.client.post<Estimate>('/v1/deliberations/estimate', askBody(question, o, contextFrom(o.contextFile)));
  if (ctx.json) printJson(ctx, e);
  else for (const line of estimateLines(e, ctx.term.paint)) ctx.term.out(line);
  return EXIT.ok;
}

export function watch(ctx: Context, id: string): Promise<ExitCode> {
  return followDeliberation(ctx, id);
}

export async function show(ctx: Context, id: string, o: { transcript?: boolean }): Promise<ExitCode> {
  if (o.transcript && !ctx.json) {
    ctx.term.out((await ctx.client.text(`${deliberation(id)}/transcript`)).trimEnd());
    return EXIT.ok;
  }
  const view = await ctx.client.get<DeliberationView>(deliberation(id));
  if (ctx.json) {
    printJson(ctx, o.transcript ? { ...view, transcript: await ctx.client.text(`${deliberation(id)}/transcript`) } : view);
  } else {
    for (const line of showLines(view, ctx.term.paint, cliName(ctx))) ctx.term.out(line);
  }
  return exitForStatus(view.status);
}

export async function list(ctx: Context, o: { status?: string; limit?: number }): Promise<ExitCode> {
  const query = new URLSearchParams({ limit: String(o.limit ?? 20), ...(o.status ? { status: o.status } : {}) });
  const page = await ctx.client.get<{ items: DeliberationView[]; nextCursor: string | null }>(`/v1/deliberations?${query}`);
  if (ctx.json) printJson(ctx, page);
  else for (const line of listLines(page.items)) ctx.term.out(line);
  return EXIT.ok;
}

/** Waits for the pause to take (the calls in flight finish, or are cut with --now) so the checkpoint id can be printed. */
export async function pause(ctx: Context, id: string, o: { now?: boolean }): Promise<ExitCode> {
  const query = new URLSearchParams({ wait: 'true', ...(o.now ? { now: 'true' } : {}) });
  const view = await ctx.client.post<DeliberationView>(`${deliberation(id)}/pause?${query}`);
  if (ctx.json) printJson(ctx, view);
  else for (const line of stoppedLines(view, ctx.term.paint, cliName(ctx))) ctx.term.out(line);
  return exitForStatus(view.status);
}

export async function cancel(ctx: Context, id: string): Promise<ExitCode> {
  const view = await ctx.client.post<DeliberationView>(`${deliberation(id)}/cancel`);
  if (ctx.json) printJson(ctx, view);
  else ctx.term.out(`${view.id} ${view.status}`);
  // Cancelling is what was asked: done is 0, whatever the deliberation's exit code would say.
  return view.status === 'cancelled' ? EXIT.ok : exitForStatus(view.status);
}

export async function resume(ctx: Context, checkpoint: string, o: { maxTokens?: number; maxUsd?: number; rounds?: number }): Promise<ExitCode> {
  const started = await ctx.client.post<Started>(`/v1/checkpoints/${encodeURIComponent(checkpoint)}/resume`, resumeBody(o));
  if (!ctx.json) {
    ctx.term.out(
      ctx.term.paint.dim(
        started.forkedFromCheckpointId
          ? `Forked ${started.id} from checkpoint ${checkpoint} of ${started.parentId ?? 'its deliberation'}`
          : `Resuming from checkpoint ${checkpoint}`,
      ),
    );
  }
  return followDeliberation(ctx, started.id);
}

export async function usage(ctx: Context, o: { from?: string; to?: string; by?: string }): Promise<ExitCode> {
  const report = await ctx.client.get<UsageReport>(`/v1/usage?${usageQuery(o)}`);
  if (ctx.json) printJson(ctx, report);
  else for (const line of usageLines(report, ctx.term.paint)) ctx.term.out(line);
  return EXIT.ok;
}

export async function budgets(ctx: Context): Promise<ExitCode> {
  const windows = await ctx.client.get<BudgetWindow[]>('/v1/budgets/status');
  if (ctx.json) printJson(ctx, windows);
  else for (const line of budgetLines(windows, ctx.term.paint)) ctx.term.out(line);
  return EXIT.ok;
}

export async function adapters(ctx: Context): Promise<ExitCode> {
  const list = await ctx.client.get<AdapterInfo[]>('/v1/adapters');
  if (ctx.json) printJson(ctx, list);
  else for (const line of adapterLines(list, ctx.term.paint)) ctx.term.out(line);
  return EXIT.ok;
}
