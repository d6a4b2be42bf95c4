import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './enums.js';
import './results.js';
import './artifact.js';
import './model.js';
import './request.js';
import './ocr.js';
import './vision.js';
import './vad.js';
import './transcription.js';
import './speech.js';
import './generation.js';
import './captioning.js';
import './collections.js';
import './pipeline.js';

let schema: GraphQLSchema | undefined;

/** The schema is built once per process; Pothos' builder cannot be built twice. */
export function buildSchema(): GraphQLSchema {
  schema ??= lexicographicSortSchema(builder.toSchema());
  return schema;
}
