import { useEffect } from 'preact/hooks';
import { api, type Deliberation } from '../api/client';
import { followEvents } from '../api/events';
import { costRange, formatTokens, formatUsd, roundBars, stateLabel } from '../lib/figures';
import { announceChange, useLoad } from '../lib/hooks';
import { RoundTokenChart } from './charts';
import { Controls, useAction } from './live';

type Response = Deliberation['rounds'][number]['responses'][number];

function Answer({ r, d }: { r: Response; d: Deliberation }) {
  const p = d.participants.find((x) => x.index === r.participantIndex);
  return (
    <details class={`answer ${r.error ? 'failed' : ''}`} data-participant={r.participantIndex}>
      <summary>
        <strong>
          #{r.participantIndex} {p?.role ?? r.adapter}
        </strong>{' '}
        <small>
          {r.model} · {r.tier}
        </small>
        <div class="vote">
          {r.error ? (
            <span class="error">failed: {r.error.kind}</span>
          ) : r.vote ? (
            <>
              “{r.vote.option}”{' '}
              <small>
                {Math.round(r.vote.confidence * 100)}%{r.vote.continueDebate ? '' : ' · stop'}
              </small>
            </>
          ) : (
            <span class="muted">no vote{r.voteError ? ` (${r.voteError})` : ''}</span>
          )}
        </div>
      </summary>
      <pre class="text">{r.error ? r.error.message : r.text}</pre>
      <small class="muted">
        {formatTokens(r.tokens.total)} tok ({r.tokens.accuracy}) · {r.costUsd === null ? 'unpriced' : formatUsd(r.costUsd)} · {r.latencyMs} ms
        {r.truncated ? ' · cut off' : ''}
      </small>
    </details>
  );
}

function Checkpoints({ d }: { d: Deliberation }) {
  const checkpoints = useLoad(() => api.checkpoints(d.id), [d.id, d.latestCheckpointId]);
  const [error, act] = useAction();
  const canContinue = ['paused', 'interrupted', 'failed'].includes(d.status);
  return (
    <section>
      <h3>Checkpoints</h3>
      <table class="table" data-testid="checkpoints">
        <thead>
          <tr>
            <th>round</th>
            <th>reason</th>
            <th>size</th>
            <th>at</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(checkpoints.data ?? []).map((c) => {
            const latest = c.id === d.latestCheckpointId;
            return (
              <tr key={c.id}>
                <td>{c.round}</td>
                <td>{c.reason}</td>
                <td>{(c.sizeBytes / 1024).toFixed(1)} KiB</td>
                <td>{new Date(c.createdAt).toLocaleString()}</td>
                <td>
                  {latest && canContinue ? (
                    <button onClick={() => act(() => api.resume(c.id))}>Resume</button>
                  ) : (
                    <button
                      title="A new deliberation continuing from this checkpoint"
                      onClick={() =>
                        act(async () => {
                          const fork = await api.resume(c.id);
                          location.hash = `#/d/${fork.id}`;
                        })
                      }
                    >
                      Fork
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {error && <p class="error">{error}</p>}
    </section>
  );
}

async function downloadTranscript(d: Deliberation): Promise<void> {
  // Fetched with the key (a plain link could not send it), then handed to the browser as a file.
  const text = await api.transcript(d.id);
  const url = URL.createObjectURL(new Blob([text], { type: 'text/markdown' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `deliberation-${d.id}.md`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function DeliberationView({ id }: { id: string }) {
  const view = useLoad(() => api.deliberation(id), [id], { onChange: true });
  const tokens = useLoad(() => api.tokens(id), [id], { onChange: true });
  const d = view.data;
  const active = d !== null && ['queued', 'running'].includes(d.status);
  useEffect(() => {
    if (!active) return;
    return followEvents(
      id,
      () => announceChange(),
      () => announceChange(),
    );
  }, [id, active]);
  if (!d) return <div class="view">{view.error ? <p class="error">{view.error}</p> : <p class="muted">Loading…</p>}</div>;
  const result = d.result;
  return (
    <div class="view" data-view="deliberation" data-status={d.status}>
      <h2 class="question">{d.question}</h2>
      <p>
        <span class={`state state-${d.status}`} data-testid="state">
          {stateLabel(d)}
        </span>{' '}
        · {d.rounds.length} of {d.maxRounds} rounds
        {result && <> · stopped: {result.stopReason}</>}
        {d.pause && (
          <>
            {' '}
            · paused: {d.pause.reason} ({d.pause.limit})
          </>
        )}
        {d.parentId && (
          <>
            {' '}
            · fork of <a href={`#/d/${d.parentId}`}>{d.parentId.slice(0, 8)}</a>
          </>
        )}
      </p>
      <Controls d={d} />
      <div class="rounds" data-testid="rounds">
        {d.rounds.map((r) => (
          <section class="round" key={r.number} data-round={r.number}>
            <h3>
              Round {r.number}
              {r.convergence && (
                <small>
                  {' '}
                  · {r.convergence.status} {r.convergence.score.toFixed(2)}
                </small>
              )}
            </h3>
            {r.responses.map((x) => (
              <Answer key={x.participantIndex} r={x} d={d} />
            ))}
          </section>
        ))}
      </div>
      {result && (
        <section>
          <h3>
            Outcome: {result.outcome}
            {result.winningOption ? ` — “${result.winningOption}”` : ''}
          </h3>
          <table class="table" data-testid="tally">
            <thead>
              <tr>
                <th>option</th>
                <th>votes</th>
                <th>confidence</th>
                <th>wordings merged</th>
              </tr>
            </thead>
            <tbody>
              {result.tally.map((t) => (
                <tr key={t.option}>
                  <td>{t.option}</td>
                  <td>{t.votes}</td>
                  <td>{Math.round(t.averageConfidence * 100)}%</td>
                  <td>{t.variants.map((v) => `“${v.option}” (#${v.participants.join(', #')})`).join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.synthesis && (
            <div class="synthesis">
              <h3>Synthesis ({result.synthesis.chairModel})</h3>
              <p>{result.synthesis.recommendation}</p>
              {result.synthesis.dissent.length > 0 && <p class="muted">Dissent: {result.synthesis.dissent.join('; ')}</p>}
            </div>
          )}
          {result.synthesisError && <p class="muted">No synthesis: {result.synthesisError}</p>}
        </section>
      )}
      <section>
        <h3>Tokens per round</h3>
        {tokens.data && (
          <>
            <RoundTokenChart bars={roundBars(tokens.data.byRound)} />
            <p class="muted">
              total {formatTokens(tokens.data.totals.totalTokens)} tokens in {tokens.data.totals.calls} calls · {costRange(tokens.data.totals)}
            </p>
          </>
        )}
      </section>
      <Checkpoints d={d} />
      <p>
        <button onClick={() => void downloadTranscript(d)}>Download transcript (Markdown)</button>
      </p>
    </div>
  );
}
