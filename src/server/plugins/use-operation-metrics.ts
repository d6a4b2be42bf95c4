/**
 * GraphQL operation metrics (duration per operation, errors by phase, HTTP duration) from
 * yoga's Prometheus plugin, into Tessera's own registry so they are served by the same
 * /metrics and counted per app. Per-field and per-phase timings stay off: they cost on every
 * resolver and say little about inference, which the run series already cover. The plugin
 * merges its own defaults (every phase, deprecated-field counting that walks each document)
 * under ours, so each one we leave out is named off here.
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
      graphql_envelop_deprecated_field: false,
      graphql_envelop_request: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_execute_resolver: false,
      graphql_envelop_schema_change: false,
    },
  });
}
