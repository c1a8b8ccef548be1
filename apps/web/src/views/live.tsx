import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Deliberation } from '../api/client';
import { followEvents } from '../api/events';
import { emptyLive, foldEvent, formatTokens, formatUsd, liveCard, type LiveRound } from '../lib/figures';
import { announceChange, useLoad } from '../lib/hooks';
import { Sparkline } from './charts';

const ACTIVE = ['queued', 'running'];
const STOPPED = ['paused', 'interrupted', 'failed'];

/** Runs an action from a button; its refusal (a 409 naming the status, ...) is shown beside the buttons. */
export function useAction(): [string | null, (run: () => Promise<unknown>) => void] {
  const [error, setError] = useState<string | null>(null);
  const act = (run: () => Promise<unknown>) => {
    setError(null);
    run()
      .then(() => announceChange())
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : (e as Error).message));
  };
  return [error, act];
}

export function Controls({ d }: { d: Deliberation }) {
  const [error, act] = useAction();
  const running = ACTIVE.includes(d.status);
  const resumable = STOPPED.includes(d.status) && d.latestCheckpointId !== null;
  return (
    <div class="controls">
      <button disabled={!running} onClick={() => act(() => api.pause(d.id))} title="Pause after the calls in flight; resume from its checkpoint">
        Pause
      </button>
      <button disabled={!resumable} onClick={() => act(() => api.resume(d.latestCheckpointId!))} title="Continue from the latest checkpoint">
        Resume
      </button>
      <button class="danger" disabled={!running && d.status !== 'paused'} onClick={() => act(() => api.cancel(d.id))}>
        Cancel
      </button>
      {error && <span class="error">{error}</span>}
    </div>
  );
}

function LiveDeliberation({ d: initial }: { d: Deliberation }) {
  const [d, setD] = useState(initial);
  const [live, setLive] = useState<LiveRound>(emptyLive);
  useEffect(() => setD(initial), [initial]);
  // Follow the events while it runs; the stored view is read again when a round ends or the run stops.
  const active = ACTIVE.includes(d.status);
  // Bumped when a stream ends while the run still goes on (the service restarted): follow it again, after 5 s.
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!active) return;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const stop = followEvents(
      d.id,
      (event) => {
        setLive((l) => foldEvent(l, event));
        if (event.type !== 'response_received' && event.type !== 'round_started') void api.deliberation(d.id).then(setD, () => undefined);
        announceChange();
      },
      () => {
        void api.deliberation(d.id).then(setD, () => undefined);
        retry = setTimeout(() => setAttempt((n) => n + 1), 5000);
      },
    );
    return () => {
      stop();
      clearTimeout(retry);
    };
  }, [d.id, active, attempt]);
  const card = liveCard(d, live);
  return (
    <article class="card live" data-id={d.id} data-status={d.status}>
      <header>
        <a href={`#/d/${d.id}`} class="question">
          {d.question}
        </a>
        <span class={`state state-${d.status}`} data-testid="state">
          {card.state}
        </span>
      </header>
      <div class="live-row">
        <span data-testid="round">
          round {card.round} of {card.maxRounds}
        </span>
        <Sparkline values={card.scores} />
        <span title="Share of the latest votes asking to stop">stop votes {card.stopShare === null ? '—' : `${Math.round(card.stopShare * 100)}%`}</span>
        <span>
          spent {formatTokens(card.spentTokens)} tok{card.spentUsd === null ? ' · unpriced' : ` · ${formatUsd(card.spentUsd)}`}
          {card.nextRoundTokens !== null && <> · next round ≈ {formatTokens(card.nextRoundTokens)} tok</>}
        </span>
      </div>
      <ul class="chips">
        {card.chips.map((c) => (
          <li key={c.index} class={`chip chip-${c.state}`} data-state={c.state} title={`${c.model} · ${c.tier}`}>
            #{c.index} {c.label} <small>{c.tier}</small> <em>{c.state}</em>
          </li>
        ))}
      </ul>
      <Controls d={d} />
    </article>
  );
}

function StartForm() {
  const adapters = useLoad(() => api.adapters(), []);
  const [question, setQuestion] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [rounds, setRounds] = useState(3);
  const [forceReason, setForceReason] = useState('');
  const [error, act] = useAction();
  const names = (adapters.data ?? []).filter((a) => a.enabled).map((a) => a.name);
  const picked = chosen.length > 0 ? chosen : names.slice(0, 3);
  const submit = (e: Event) => {
    e.preventDefault();
    act(async () => {
      // The chairman's override: keep each chosen model despite the zone (never past a hard cap), with a reason.
      const force = forceReason.trim().length > 0 ? { force: true, overrideReason: forceReason.trim() } : {};
      // It appears among the live ones as soon as the list is read again (announced when this resolves).
      await api.start({ question, participants: picked.map((adapter) => ({ adapter, ...force })), maxRounds: rounds });
      setQuestion('');
    });
  };
  return (
    <form class="card start" onSubmit={submit}>
      <label>
        Question{' '}
        <input name="question" value={question} onInput={(e) => setQuestion(e.currentTarget.value)} required minLength={3} placeholder="Should we …?" />
      </label>
      <fieldset>
        <legend>Participants</legend>
        {names.map((n) => (
          <label key={n} class="inline">
            <input
              type="checkbox"
              checked={picked.includes(n)}
              onChange={(e) => setChosen(e.currentTarget.checked ? [...picked, n] : picked.filter((x) => x !== n))}
            />{' '}
            {n}
          </label>
        ))}
      </fieldset>
      <label class="inline">
        Rounds <input name="rounds" type="number" min={1} max={20} value={rounds} onInput={(e) => setRounds(Number(e.currentTarget.value))} />
      </label>
      <label>
        Force the chosen models (reason){' '}
        <input
          name="forceReason"
          value={forceReason}
          onInput={(e) => setForceReason(e.currentTarget.value)}
          placeholder="optional: why the budget zone may not downgrade them"
        />
      </label>
      <button type="submit" disabled={picked.length < 2 || question.trim().length < 3}>
        Start deliberation
      </button>
      {error && <span class="error">{error}</span>}
    </form>
  );
}

/** Live deliberations (queued, running, stopped with a checkpoint) and the latest finished ones. */
export function LiveView() {
  // The list is read every 5 s (new runs appear) and when something changes; each run itself is followed over SSE.
  const list = useLoad(() => api.deliberations('limit=30'), [], { everyMs: 5000, onChange: true });
  const items = list.data?.items ?? [];
  const live = items.filter((d) => ACTIVE.includes(d.status) || d.status === 'paused' || d.status === 'interrupted');
  const finished = items.filter((d) => !live.includes(d)).slice(0, 10);
  return (
    <div class="view" data-view="live">
      <h2>Live deliberations</h2>
      {live.length === 0 && <p class="muted">None running.</p>}
      {live.map((d) => (
        <LiveDeliberation key={d.id} d={d} />
      ))}
      <h2>Start one</h2>
      <StartForm />
      <h2>Recent</h2>
      <table class="table">
        <thead>
          <tr>
            <th>question</th>
            <th>status</th>
            <th>rounds</th>
            <th>outcome</th>
          </tr>
        </thead>
        <tbody>
          {finished.map((d) => (
            <tr key={d.id} data-id={d.id}>
              <td>
                <a href={`#/d/${d.id}`}>{d.question}</a>
              </td>
              <td>{d.status}</td>
              <td>{d.rounds.length}</td>
              <td>{d.result ? `${d.result.outcome}${d.result.winningOption ? `: ${d.result.winningOption}` : ''}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
