/**
 * `GET /v1/models` and `GET /v1/models/{id}`: the model repository in OpenAI's `model` shape,
 * with Tessera's task and load status beside it. A model is found by its name or its hub id.
 */
import type { ModelInfo } from '../inference/types.js';
import { modelNotFound } from '../errors.js';
import { sendJson, type Endpoint } from './endpoint.js';

/** OpenAI's `created` is when a model was published; here, when this server started knowing it. */
const STARTED = Math.floor(Date.now() / 1000);

const modelObject = (model: ModelInfo) => ({
  id: model.name,
  object: 'model',
  created: STARTED,
  owned_by: 'tessera',
  task: model.task,
  status: model.status,
  input_modalities: model.inputModalities,
  output_modalities: model.outputModalities,
});

export const listModels: Endpoint = {
  method: 'GET',
  path: /^\/v1\/models$/,
  access: { scope: 'read', generates: false },
  async handle(ctx, _req, res) {
    sendJson(res, { object: 'list', data: ctx.engine.models().map(modelObject) });
  },
};

export const getModel: Endpoint = {
  method: 'GET',
  // Hub ids hold a slash (`org/name`), so the id is the whole rest of the path.
  path: /^\/v1\/models\/(.+)$/,
  access: { scope: 'read', generates: false },
  async handle(ctx, _req, res, [id]) {
    const name = decodeURIComponent(id!);
    const model = ctx.engine.model(name);
    if (!model) throw modelNotFound(name);
    sendJson(res, modelObject(model));
  },
};
