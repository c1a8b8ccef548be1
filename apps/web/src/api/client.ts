import type { components } from './schema';

/** The API's shapes, generated from the service's /docs-json (npm run openapi). */
export type Schemas = components['schemas'];
export type Deliberation = Schemas['DeliberationViewDto'];
export type DeliberationEvent = Schemas['DeliberationEventDto'];
export type WindowStatus = Schemas['WindowStatusDto'];

const KEY_STORAGE = 'conclave.apiKey';

/** The service answered 401: the page asks for the key, then tries again. */
export class KeyNeeded extends Error {}
/** The service could not be reached at all (stopped, network gone). */
export class ServiceDown extends Error {}
/** The service answered with its error shape { statusCode, error, message }. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function saveKey(key: string): void {
  sessionStorage.setItem(KEY_STORAGE, key);
}

type Listener = (state: { down: boolean; keyNeeded: boolean }) => void;
const listeners = new Set<Listener>();
/** The app's banner and key prompt follow every call's fate. */
export function onConnection(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
function tell(state: { down: boolean; keyNeeded: boolean }) {
  for (const l of listeners) l(state);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = storedKey();
  return { ...extra, ...(key ? { authorization: `Bearer ${key}` } : {}) };
}

/** One request with the key; a 401 or an unreachable service is told to the page before it is thrown. */
export async function request(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? 'GET',
      headers: headers({ accept: init.accept ?? 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) }),
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
  } catch (e) {
    if (init.signal?.aborted) throw e;
    tell({ down: true, keyNeeded: false });
    throw new ServiceDown('The Conclave service cannot be reached.');
  }
  if (res.status === 401) {
    tell({ down: false, keyNeeded: true });
    throw new KeyNeeded('The service needs its API key.');
  }
  // A proxy in front of a stopped service answers 502/503/504.
  if (res.status === 502 || res.status === 503 || res.status === 504) {
    tell({ down: true, keyNeeded: false });
    throw new ServiceDown(`The service answered ${res.status}.`);
  }
  tell({ down: false, keyNeeded: false });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { message?: string | string[] } | null;
    const message = Array.isArray(body?.message) ? body.message.join('; ') : (body?.message ?? `HTTP ${res.status}`);
    throw new ApiError(res.status, message);
  }
  return res;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await request(path, { signal })).json()) as T;
}

export async function send<T>(method: 'POST' | 'PUT', path: string, body: unknown = {}): Promise<T> {
  return (await (await request(path, { method, body })).json()) as T;
}

export const api = {
  budgets: () => getJson<WindowStatus[]>('/v1/budgets/status'),
  setBudget: (window: string, limits: Schemas['UpdateBudgetWindowDto']) => send<WindowStatus>('PUT', `/v1/budgets/${window}`, limits),
  deliberations: (query = 'limit=20') => getJson<Schemas['DeliberationPageDto']>(`/v1/deliberations?${query}`),
  deliberation: (id: string) => getJson<Deliberation>(`/v1/deliberations/${encodeURIComponent(id)}`),
  tokens: (id: string) => getJson<Schemas['DeliberationTokensDto']>(`/v1/deliberations/${encodeURIComponent(id)}/tokens`),
  checkpoints: (id: string) => getJson<Schemas['CheckpointSummaryDto'][]>(`/v1/deliberations/${encodeURIComponent(id)}/checkpoints`),
  start: (body: Schemas['CreateDeliberationDto']) => send<{ id: string; status: string }>('POST', '/v1/deliberations', body),
  pause: (id: string) => send<Deliberation>('POST', `/v1/deliberations/${encodeURIComponent(id)}/pause`),
  cancel: (id: string) => send<Deliberation>('POST', `/v1/deliberations/${encodeURIComponent(id)}/cancel`),
  resume: (checkpointId: string) => send<{ id: string; status: string }>('POST', `/v1/checkpoints/${encodeURIComponent(checkpointId)}/resume`),
  adapters: () => getJson<Schemas['AdapterViewDto'][]>('/v1/adapters'),
  usage: (query: string) => getJson<Schemas['UsageOverTimeDto']>(`/v1/usage?${query}`),
  summary: () => getJson<Schemas['UsageSummaryDto']>('/v1/usage/summary'),
  allocations: () => getJson<Schemas['AllocationDto'][]>('/v1/allocations'),
  allocationStats: () => getJson<Schemas['AllocationStatsDto']>('/v1/allocations/stats'),
  schedules: () => getJson<Schemas['ScheduleViewDto'][]>('/v1/schedules'),
  scheduleRuns: (id: string) => getJson<Schemas['ScheduleRunDto'][]>(`/v1/schedules/${encodeURIComponent(id)}/runs?limit=5`),
  runSchedule: (id: string) => send<Schemas['ScheduleRunDto']>('POST', `/v1/schedules/${encodeURIComponent(id)}/run`),
  resumeSchedule: (id: string) => send<Schemas['ScheduleViewDto']>('POST', `/v1/schedules/${encodeURIComponent(id)}/resume`),
  transcript: async (id: string) => (await request(`/v1/deliberations/${encodeURIComponent(id)}/transcript`, { accept: 'text/markdown' })).text(),
};
