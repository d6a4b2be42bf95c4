/**
 * GraphQL operation metrics (duration per operation, errors by phase, HTTP duration) from
 * yoga's Prometheus plugin, into Tessera's own registry so they are served by the same
 * /metrics and counted per app. Per-field and per-phase timings stay off: they cost on every
 * resolver and say little about inference, which the run series already cover.
 */
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';

export function useOperationMetrics(registry: Registry): Plugin {
  return usePrometheus({
    registry,
    endpoint: false,
    metrics: {
      graphql_envelop_request_duration: true,
      graphql_envelop_error_result: true,
      graphql_yoga_http_duration: true,
    },
  });
}
