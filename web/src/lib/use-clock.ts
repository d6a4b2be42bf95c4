import { useEffect, useState } from 'preact/hooks';

/** performance.now(), re-read every `everyMs` while `active`: for figures that grow while a person waits. */
export function useClock(active: boolean, everyMs = 100): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(performance.now()), everyMs);
    return () => clearInterval(timer);
  }, [active, everyMs]);
  return now;
}
