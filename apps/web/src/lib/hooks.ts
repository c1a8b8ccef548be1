import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** Something in the service changed (an event arrived, a button was pressed): views that show it reload. */
const changeListeners = new Set<() => void>();
export function announceChange(): void {
  for (const l of changeListeners) l();
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

/**
 * Loads `load()` now, again every `everyMs` (never under 5 s: no faster polling loop) and, throttled to
 * one a second, whenever a change is announced. Keeps the last data while a reload fails.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], options: { everyMs?: number; onChange?: boolean } = {}): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(load);
  latest.current = load;
  const running = useRef(false);
  const again = useRef(false);
  const reload = useCallback(() => {
    if (running.current) {
      again.current = true;
      return;
    }
    running.current = true;
    latest
      .current()
      .then((d) => {
        setData(d);
        setError(null);
      })
      .catch((e: unknown) => setError((e as Error).message))
      .finally(() => {
        running.current = false;
        if (again.current) {
          again.current = false;
          setTimeout(reload, 1000);
        }
      });
  }, []);
  useEffect(() => {
    reload();
    const timers: Array<() => void> = [];
    if (options.everyMs) {
      const t = setInterval(reload, Math.max(5000, options.everyMs));
      timers.push(() => clearInterval(t));
    }
    if (options.onChange) {
      let pending: ReturnType<typeof setTimeout> | null = null;
      const listener = () => {
        pending ??= setTimeout(() => {
          pending = null;
          reload();
        }, 1000);
      };
      changeListeners.add(listener);
      timers.push(() => {
        changeListeners.delete(listener);
        if (pending) clearTimeout(pending);
      });
    }
    return () => timers.forEach((stop) => stop());
  }, deps);
  return { data, error, reload };
}
