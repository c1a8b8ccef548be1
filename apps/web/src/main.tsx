import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onConnection, saveKey, storedKey } from './api/client';
import { announceChange } from './lib/hooks';
import { BudgetStrip } from './views/budget-strip';
import { DeliberationView } from './views/deliberation';
import { GovernanceView } from './views/governance';
import { LiveView } from './views/live';
import { SchedulesView } from './views/schedules';
import { SpendView } from './views/spend';
import './style.css';

/** Hash routes: #/ live, #/d/<id> a deliberation, #/spend, #/governance, #/schedules. */
function useRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash.replace(/^#/, '') || '/';
}

function KeyPrompt({ onSaved }: { onSaved: () => void }) {
  const [key, setKey] = useState('');
  return (
    <form
      class="card key-prompt"
      onSubmit={(e) => {
        e.preventDefault();
        saveKey(key.trim());
        onSaved();
      }}
    >
      <label>
        This service needs its API key (kept in this tab's session storage only){' '}
        <input name="apiKey" type="password" autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} required />
      </label>
      <button type="submit">Use key</button>
      {storedKey() && <span class="error">The key given was refused.</span>}
    </form>
  );
}

function App() {
  const route = useRoute();
  const [connection, setConnection] = useState({ down: false, keyNeeded: false });
  const [generation, setGeneration] = useState(0);
  useEffect(() => onConnection((state) => setConnection((c) => (c.down === state.down && c.keyNeeded === state.keyNeeded ? c : state))), []);
  const nav = [
    ['/', 'Live'],
    ['/spend', 'Spend'],
    ['/governance', 'Governance'],
    ['/schedules', 'Schedules'],
  ];
  const match = /^\/d\/([0-9a-f-]{36})$/.exec(route);
  return (
    <>
      <header class="top">
        <h1>Conclave · Mission Control</h1>
        <nav>
          {nav.map(([path, label]) => (
            <a key={path} href={`#${path}`} class={route === path ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      {connection.down && (
        <div class="banner" role="alert" data-testid="banner">
          The Conclave service cannot be reached: it may be stopped or restarting. What you see below is the last state read; the page retries on its own.
        </div>
      )}
      {connection.keyNeeded ? (
        <KeyPrompt
          onSaved={() => {
            setConnection({ down: false, keyNeeded: false });
            setGeneration((g) => g + 1);
            announceChange();
          }}
        />
      ) : (
        <main key={generation}>
          <BudgetStrip />
          {match ? (
            <DeliberationView id={match[1]} />
          ) : route === '/spend' ? (
            <SpendView />
          ) : route === '/governance' ? (
            <GovernanceView />
          ) : route === '/schedules' ? (
            <SchedulesView />
          ) : (
            <LiveView />
          )}
        </main>
      )}
    </>
  );
}

render(<App />, document.getElementById('app')!);
