/**
 * Event-loop lag as Node measures it (perf_hooks' delay histogram), reported per scrape: the
 * quantiles describe the interval since the previous scrape, so a stall shows up once and
 * then clears instead of being averaged away over the life of the process.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

export function registerEventLoopLag(registry: Registry): { stop(): void } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  new Gauge({
    name: 'tessera_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape (quantiles 0.5, 0.99 and max).',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
      this.set({ quantile: '0.5' }, seconds(delay.percentile(50)));
      this.set({ quantile: '0.99' }, seconds(delay.percentile(99)));
      this.set({ quantile: 'max' }, seconds(delay.max));
      delay.reset();
    },
  });
  return { stop: () => delay.disable() };
}
