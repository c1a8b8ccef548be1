import type { DeliberationEvent, DeliberationView } from '@app/deliberation';
import { cliName, printJson, type Context } from './context';
import { EXIT, exitForStatus, type ExitCode } from './exit-codes';
import { oneLine, tokens as count } from './format';
import { askWhatToDo } from './interrupt';
import { answerLine, answerTokens, memoryLine, progressLine, resultLines, roundHeader, roundLine, stoppedLines } from './render';
import { spentThrough } from './spend';
import type { TokenFigures } from './wire';

type ByRound = Array<Pick<TokenFigures, 'totalTokens' | 'costUsd'> & { round: number }>;

/**
 * Follows a deliberation through its event stream to its end and answers the exit code its status
 * means: one line per answer as it arrives, a progress bar per round on a terminal, the convergence and
 * the running spend after each round, then the outcome (or why it stopped and how to resume).
 * Ctrl-C asks "pause, cancel or detach?" (see interrupt.ts).
 */
export async function followDeliberation(ctx: Context, id: string): Promise<ExitCode> {
  const path = `/v1/deliberations/${encodeURIComponent(id)}`;
  const start = await ctx.client.get<DeliberationView>(path);
  const { term, json } = ctx;
  const show = (line: string) => {
    if (!json) term.out(line);
  };
  show(`${term.paint.bold('Deliberation')} ${start.id}`);
  show(
    `${term.paint.bold(`"${oneLine(start.question, 120)}"`)} ${term.paint.dim(`— ${start.participants.length} participants, up to ${start.maxRounds} round${start.maxRounds === 1 ? '' : 's'}`)}`,
  );

  const detach = new AbortController();
  let detached = false;
  let embeddedStopping = false;
  let prompting = false;
  let asked = 0;
  let answered = 0;
  // This round's answers so far (the ledger's figures come at the round's end).
  let liveTokens = 0;
  let liveCost: number | null = null;
  let spent: { totalTokens: number; costUsd: number | null } = { totalTokens: 0, costUsd: null };
  let storedRounds: ByRound | null = null;

  const running = () => ({
    totalTokens: spent.totalTokens + liveTokens,
    costUsd: spent.costUsd === null && liveCost === null ? null : (spent.costUsd ?? 0) + (liveCost ?? 0),
  });
  const status = () => {
    if (!json && asked > 0) term.setStatus(progressLine(answered, asked, running()));
  };

  const onSigint = () => {
    if (ctx.embedded) {
      // The service lives in this process and stops on this signal too: its run is interrupted with a
      // checkpoint, then Nest's shutdown hook ends the process, with the code that says "resumable".
      embeddedStopping = true;
      // Nest exits with 0; the last 'exit' listener's exitCode is the one the process ends with.
      process.once('exit', () => {
        process.exitCode = EXIT.paused;
      });
      term.endStatus();
      term.err(`Stopping the embedded service: ${id} is interrupted with a checkpoint. "conclave --embedded show ${id}" says how to resume it.`);
      return;
    }
    if (prompting) return;
    prompting = true;
    term.endStatus();
    void askWhatToDo(term).then(async (choice) => {
      prompting = false;
      try {
        if (choice === 'detach') {
          detached = true;
          detach.abort();
        } else if (choice === 'pause') {
          await ctx.client.post(`${path}/pause`);
          term.err('Pausing: the calls in flight finish first, then a checkpoint is saved.');
        } else {
          await ctx.client.post(`${path}/cancel`);
        }
      } catch (e) {
        term.err(`error: ${(e as Error).message}`);
      }
      status();
    });
  };
  process.on('SIGINT', onSigint);

  const onEvent = async (e: DeliberationEvent): Promise<void> => {
    if (json) return;
    switch (e.type) {
      case 'round_started':
        term.endStatus();
        asked = e.data.participants?.length ?? start.participants.length;
        answered = 0;
        liveTokens = 0;
        liveCost = null;
        show(roundHeader(e.data.round, start.maxRounds, term.paint));
        status();
        break;
      case 'response_received':
        answered++;
        liveTokens += answerTokens(e.data);
        if (e.data.costUsd !== null) liveCost = (liveCost ?? 0) + e.data.costUsd;
        show(answerLine(e.data, start.participants[e.data.participantIndex], term.paint));
        status();
        break;
      case 'round_completed': {
        term.endStatus();
        asked = 0;
        // The ledger's figures: live, read now; told again (a late subscriber), read once for every round.
        if (!e.data.replayed || !storedRounds) {
          storedRounds = (await ctx.client.get<{ byRound: ByRound }>(`${path}/tokens`)).byRound;
        }
        spent = spentThrough(storedRounds, e.data.round);
        liveTokens = 0;
        liveCost = null;
        show(roundLine(e.data.round, e.data.convergence, spent, term.paint));
        break;
      }
      case 'budget_warning':
        show(term.paint.yellow(`  budget: ${e.data.limit} at ${Math.round(e.data.fraction * 100)}%`));
        break;
      case 'tier_escalated':
        show(term.paint.yellow(`  #${e.data.participantIndex} moved to ${e.data.adapter} ${e.data.model} (${e.data.adapterTier}): ${e.data.reason}`));
        break;
      case 'participant_moved':
        show(
          term.paint.yellow(
            `  #${e.data.participantIndex} moved from ${e.data.from} to ${e.data.adapter} ${e.data.model} (${e.data.adapterTier}): ${e.data.from} is unavailable`,
          ),
        );
        break;
      case 'synthesis':
        if (!e.data.synthesis && e.data.error) show(term.paint.yellow(`  no synthesis: ${e.data.error}`));
        break;
      case 'memory_used':
        show(memoryLine(e.data, term.paint));
        break;
      case 'deliberation_started':
      case 'paused':
      case 'interrupted':
      case 'completed':
      case 'failed':
      case 'cancelled':
        break;
    }
  };

  try {
    await ctx.client.follow(id, onEvent, detach.signal);
  } catch (e) {
    // The embedded service going away cuts the stream: expected after Ctrl-C, not an error to print.
    if (!embeddedStopping) throw e;
  } finally {
    term.endStatus();
    if (!embeddedStopping) process.off('SIGINT', onSigint);
  }
  // Wait for Nest's shutdown hook to end the process: ending it here could cut the interruption's checkpoint.
  if (embeddedStopping) return new Promise<never>(() => undefined);

  const view = await ctx.client.get<DeliberationView>(path);
  if (detached) {
    const line = `Detached from ${id} (${view.status}, ${count(running().totalTokens)} tokens so far); it goes on in the service. Watch it with: conclave watch ${id}`;
    if (json) {
      printJson(ctx, view);
      term.err(line);
    } else {
      term.out('');
      term.out(line);
    }
    return exitForStatus(view.status);
  }
  if (json) {
    printJson(ctx, view);
    return exitForStatus(view.status);
  }
  term.out('');
  const lines = view.status === 'completed' && view.result ? resultLines(view.result, term.paint) : stoppedLines(view, term.paint, cliName(ctx));
  for (const line of lines) term.out(line);
  return exitForStatus(view.status);
}
