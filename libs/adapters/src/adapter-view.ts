import type { AdapterTier } from '@app/config';
import type { BreakerView } from './breaker/circuit-breakers.service';

/** What GET /v1/adapters shows of one adapter. Never a key, an env variable's value, or a command line. */
export interface AdapterView {
  name: string;
  kind: 'cli' | 'http' | 'replay';
  provider: string;
  tier: AdapterTier;
  models: { fast: string; reasoning: string };
  enabled: boolean;
  /** CLI: the executable exists and is executable; HTTP: a cheap probe answered 2xx; replay: always. */
  reachable: boolean;
  /** Its circuit breaker: open after repeated transport failures (its participants move elsewhere), half-open for one trial. */
  breaker: BreakerView;
}
