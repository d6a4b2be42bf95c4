import path from 'node:path';
import { relativeToRoot } from '../errors.js';
import type { ModelInfo } from '../inference/types.js';
import { builder } from './builder.js';
import { ExecutionProviderEnum, ModalityEnum, ModelStatusEnum, TaskEnum } from './enums.js';
import { loadModel, unloadModel } from '../resolvers/models.js';

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
    batchingUnavailable: t.exposeString('batchingUnavailable', {
      nullable: true,
      description: 'Why this generation model serves one request at a time (its graph cannot be batched); null when it batches or is not a generation model.',
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
