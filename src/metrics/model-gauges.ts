/**
 * Read from the engine at scrape time rather than tracked: which models are loaded is the
 * engine's own state, and a gauge that asks it cannot drift from it.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ModelInfo } from '../inference/types.js';

export function registerModelGauges(registry: Registry, models: () => ModelInfo[]): void {
  new Gauge({
    name: 'tessera_model_loaded',
    help: '1 when the model is loaded and serving, else 0.',
    labelNames: ['model', 'task'],
    registers: [registry],
    collect() {
      this.reset();
      for (const model of models()) this.set({ model: model.name, task: model.task }, model.status === 'READY' ? 1 : 0);
    },
  });
  const prefixCaches = () => models().flatMap((m) => (m.prefixCache ? [{ model: m.name, cache: m.prefixCache }] : []));
  new Gauge({
    name: 'tessera_prefix_cache_bytes',
    help: "Bytes of prompt-prefix keys and values a loaded text-generation model holds (limit: tessera_prefix_cache_limit_bytes).",
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { model, cache } of prefixCaches()) this.set({ model }, cache.bytes);
    },
  });
  new Gauge({
    name: 'tessera_prefix_cache_limit_bytes',
    help: 'The most bytes the prefix cache of a loaded text-generation model may hold.',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { model, cache } of prefixCaches()) this.set({ model }, cache.limitBytes);
    },
  });
  // Counts since the model loaded, read from its cache: a reload starts them again from zero,
  // which Prometheus' rate() reads as a counter reset.
  new Counter({
    name: 'tessera_prefix_cache_lookups_total',
    help: 'Prompts long enough to reuse a prefix block, by whether they found one.',
    labelNames: ['model', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { model, cache } of prefixCaches()) {
        this.inc({ model, result: 'hit' }, cache.hits);
        this.inc({ model, result: 'miss' }, cache.misses);
      }
    },
  });
  new Counter({
    name: 'tessera_prefix_cache_reused_tokens_total',
    help: 'Prompt tokens not computed again thanks to the prefix cache.',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { model, cache } of prefixCaches()) this.inc({ model }, cache.reusedTokens);
    },
  });
}
