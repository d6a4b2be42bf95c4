import path from 'node:path';
import { relativeToRoot } from '../errors.js';
import type { PrefixCacheStats } from '../inference/generation/prefix-cache.js';
import type { BackendHealth, BackendInfo, ModelInfo } from '../inference/types.js';
import { builder } from './builder.js';
import { ExecutionProviderEnum, ModalityEnum, ModelStatusEnum, TaskEnum } from './enums.js';
import { loadModel, unloadModel } from '../resolvers/models.js';

const BackendKindEnum = builder.enumType('BackendKind', {
  values: { OPENAI: { value: 'openai', description: 'An OpenAI-compatible server (vLLM, TGI, Ollama, llama.cpp, LocalAI).' }, KSERVE_V2: { value: 'kserve-v2', description: 'A KServe v2 / Triton server running the graphs.' } } as const,
});

const BackendHealthRef = builder.objectRef<BackendHealth>('BackendHealth').implement({
  description: "The remote engine's answer to a ready check made when this field was asked for.",
  fields: (t) => ({
    ready: t.exposeBoolean('ready'),
    problem: t.exposeString('problem', { nullable: true, description: 'Why it is not ready (unreachable, timed out, not ready); null when ready.' }),
    checkedAt: t.field({ type: 'DateTime', resolve: (h) => h.checkedAt }),
  }),
});

const ModelBackendRef = builder.objectRef<BackendInfo & { name: string }>('ModelBackend').implement({
  description: 'The remote engine that serves a model instead of local ONNX files.',
  fields: (t) => ({
    kind: t.field({ type: BackendKindEnum, resolve: (b) => b.kind }),
    url: t.exposeString('url', { description: 'The base URL, without credentials or query.' }),
    model: t.exposeString('model', { description: 'The model name the remote engine knows.' }),
    health: t.field({
      type: BackendHealthRef,
      description: 'Asks the remote engine now (a short ready check); never fails, says what is wrong instead.',
      resolve: async (b, _args, ctx) => (await ctx.engine.backendHealth(b.name))!,
    }),
  }),
});

const PrefixCacheRef = builder.objectRef<PrefixCacheStats>('PrefixCache').implement({
  description: "A text-generation model's cache of prompt-prefix keys and values: later prompts that start the same way (a system prompt, an earlier chat turn) skip computing them.",
  fields: (t) => ({
    bytes: t.float({ description: 'Bytes of keys and values held now.', resolve: (c) => c.bytes }),
    limitBytes: t.float({ description: 'The most it may hold (PREFIX_CACHE_BYTES); least recently used blocks go first.', resolve: (c) => c.limitBytes }),
    blocks: t.exposeInt('blocks', { description: 'Blocks held, each of blockTokens tokens.' }),
    blockTokens: t.exposeInt('blockTokens'),
    hits: t.exposeInt('hits', { description: 'Prompts that reused at least one block since the model loaded.' }),
    misses: t.exposeInt('misses', { description: 'Prompts long enough to reuse a block that found none.' }),
    reusedTokens: t.float({ description: 'Prompt tokens not computed again thanks to the cache.', resolve: (c) => c.reusedTokens }),
  }),
});

export const ModelRef = builder.objectRef<ModelInfo>('Model').implement({
  description: 'A model in the model repository.',
  fields: (t) => ({
    name: t.exposeString('name'),
    task: t.field({ type: TaskEnum, resolve: (m) => m.task }),
    description: t.exposeString('description', { nullable: true }),
    inputModalities: t.field({ type: [ModalityEnum], resolve: (m) => m.inputModalities }),
    outputModalities: t.field({ type: [ModalityEnum], resolve: (m) => m.outputModalities }),
    status: t.field({ type: ModelStatusEnum, resolve: (m) => m.status }),
    executionProvider: t.field({
      type: ExecutionProviderEnum,
      nullable: true,
      description: 'The provider the loaded sessions run on; null until loaded.',
      resolve: (m: ModelInfo) => m.executionProvider,
    }),
    source: t.exposeString('source', { description: 'npm package@version, hub id, or "trained here (recipe)".' }),
    license: t.exposeString('license'),
    preload: t.exposeBoolean('preload'),
    loadError: t.string({
      nullable: true,
      resolve: (m, _args, ctx) => (m.loadError == null ? null : relativeToRoot(m.loadError, path.resolve(ctx.config.MODELS_DIR))),
    }),
    hubId: t.exposeString('hubId', { nullable: true, description: 'The hub id a pulled model came from; accepted wherever a model name is.' }),
    backend: t.field({
      type: ModelBackendRef,
      nullable: true,
      description: 'The remote engine serving this model; null when it runs local files.',
      resolve: (m) => (m.backend ? { ...m.backend, name: m.name } : null),
    }),
    batchingUnavailable: t.exposeString('batchingUnavailable', {
      nullable: true,
      description: 'Why this generation model serves one request at a time (its graph cannot be batched); null when it batches or is not a generation model.',
    }),
    prefixCache: t.field({
      type: PrefixCacheRef,
      nullable: true,
      description: 'The prefix cache of a loaded local text-generation model; null otherwise.',
      resolve: (m) => m.prefixCache,
    }),
  }),
});

builder.queryFields((t) => ({
  models: t.field({
    type: [ModelRef],
    args: { task: t.arg({ type: TaskEnum, required: false }) },
    resolve: (_root, args, ctx) => ctx.engine.models().filter((m) => !args.task || m.task === args.task),
  }),
  model: t.field({
    type: ModelRef,
    nullable: true,
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => ctx.engine.model(args.name) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  loadModel: t.field({
    type: ModelRef,
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => loadModel(ctx, args.name),
  }),
  unloadModel: t.field({
    type: ModelRef,
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => unloadModel(ctx, args.name),
  }),
}));
