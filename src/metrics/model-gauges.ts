/**
 * Read from the engine at scrape time rather than tracked: which models are loaded is the
 * engine's own state, and a gauge that asks it cannot drift from it.
 */
import { Gauge, type Registry } from 'prom-client';
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
}
