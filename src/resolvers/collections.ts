/**
 * Collections over GraphQL: validate, store the images, persist one request per call that
 * embeds anything, embed through the engine, and hand the vectors to the CollectionStore.
 */
import type { Context } from '../contracts/context.js';
import type { CollectionResultShape } from '../contracts/results.js';
import type { RequestRow } from '../db/request-store.js';
import type { EmbeddingModality } from '../inference/types.js';
import { embeddingModality } from '../inference/tasks/vision/validate.js';
import { checkK, type CollectionRow, type ItemRow, type SearchHit } from '../search/collection-store.js';
import { checkDimension, checkItemCount, checkQuerySources, DEFAULT_K } from '../search/collection-rules.js';
import { resolveMedia, type MediaInputValue, type ResolvedMedia } from './media.js';

interface ContentInput {
  text?: string | null;
  image?: MediaInputValue | null;
}

interface ItemInput extends ContentInput {
  metadata?: unknown;
}

export interface AddPayloadShape {
  collection: CollectionRow;
  items: ItemRow[];
  request: RequestRow;
}

export interface SearchHitShape extends ItemRow {
  score: number;
}

export interface SearchPayloadShape {
  collection: CollectionRow;
  items: SearchHitShape[];
  /** The request that embedded the query; null for a vector query, which runs no model. */
  request: RequestRow | null;
}

/** One text or image, checked and its image stored, ready to embed. */
interface Prepared {
  modality: EmbeddingModality;
  text: string | null;
  media: ResolvedMedia | null;
}

async function prepare(ctx: Context, input: ContentInput): Promise<Prepared> {
  const modality = embeddingModality(input);
  const media = input.image ? await resolveMedia(ctx, input.image, 'image') : null;
  return { modality, text: input.text ?? null, media };
}

async function embedAll(ctx: Context, collection: CollectionRow, prepared: Prepared[], options: { signal: AbortSignal; onStart: () => void }) {
  // Concurrent calls reach the model's scheduler together, so they run as batches.
  return Promise.all(
    prepared.map(async (item) => {
      const input = item.media ? { image: item.media.bytes } : { text: item.text! };
      const { vector } = await ctx.engine.embed(collection.model, input, options);
      checkDimension(collection, vector);
      return vector;
    }),
  );
}

/** One request for the call; its task is the model's (the same as embed's), its parameters say which collection operation. */
function requestSpec(ctx: Context, collection: CollectionRow, prepared: Prepared[], parameters: Record<string, unknown>) {
  const texts = prepared.flatMap((item) => (item.text === null ? [] : [item.text]));
  // Refuses a modality the collection's model cannot embed (an image for a text-only model) before anything is persisted.
  const tasks = prepared.map((item) => ctx.engine.embeddingModelFor(item.modality, collection.model).task);
  return {
    task: tasks[0],
    model: collection.model,
    parameters: { collection: collection.name, ...parameters },
    inputModalities: [...new Set(prepared.map((item) => item.modality))],
    inputText: texts.length ? texts.join('\n') : null,
    inputArtifactIds: prepared.flatMap((item) => (item.media ? [item.media.artifact.id] : [])),
  };
}

export async function createCollection(ctx: Context, input: { name: string; model?: string | null }): Promise<CollectionRow> {
  const model = ctx.engine.embeddingModelFor('TEXT', input.model ?? undefined);
  // The dimension is what the model gives: one probe embedding (also loads the model).
  const probe = await ctx.engine.embed(model.name, { text: 'a' }, { signal: ctx.signal });
  return ctx.collections.create({ name: input.name, model: model.name, dimension: probe.dimension });
}

export async function addToCollection(ctx: Context, input: { collection: string; items: ItemInput[] }): Promise<AddPayloadShape> {
  checkItemCount(input.items.length);
  const collection = await ctx.collections.require(input.collection);
  // Every item checked before any image is stored.
  for (const item of input.items) embeddingModality(item);
  const prepared: Prepared[] = [];
  for (const item of input.items) prepared.push(await prepare(ctx, item));
  const spec = requestSpec(ctx, collection, prepared, { operation: 'ADD', items: prepared.length });
  const { value, request } = await ctx.runs.unary(spec, { client: ctx.signal }, async (run) => {
    const vectors = await embedAll(ctx, collection, prepared, run);
    const rows = await ctx.collections.addItems(
      collection,
      prepared.map((item, i) => ({
        modality: item.modality,
        vector: vectors[i],
        text: item.text,
        artifactId: item.media?.artifact.id ?? null,
        metadata: input.items[i].metadata,
      })),
    );
    const result: CollectionResultShape = { kind: 'collection', collection: collection.name, operation: 'ADD', itemIds: rows.map((r) => r.id), scores: null };
    return { value: rows, outcome: { batchSize: rows.length, result } };
  });
  return { collection: await ctx.collections.require(collection.name), items: value, request };
}

const hitShape = ({ item, score }: SearchHit): SearchHitShape => ({ ...item, score });

export async function searchCollection(
  ctx: Context,
  input: {
    collection: string;
    query: ContentInput & { vector?: readonly number[] | null };
    k?: number | null;
    modality?: EmbeddingModality | null;
  },
): Promise<SearchPayloadShape> {
  const k = input.k ?? DEFAULT_K;
  checkK(k);
  const { query } = input;
  checkQuerySources(query);
  const collection = await ctx.collections.require(input.collection);
  const options = { k, modality: input.modality ?? null };
  if (query.vector) {
    const hits = await ctx.collections.search(collection, query.vector, options);
    return { collection, items: hits.map(hitShape), request: null };
  }
  const prepared = await prepare(ctx, query);
  const spec = requestSpec(ctx, collection, [prepared], { operation: 'SEARCH', k, modality: options.modality });
  const { value, request } = await ctx.runs.unary(spec, { client: ctx.signal }, async (run) => {
    const [vector] = await embedAll(ctx, collection, [prepared], run);
    const hits = await ctx.collections.search(collection, vector, options);
    const result: CollectionResultShape = {
      kind: 'collection',
      collection: collection.name,
      operation: 'SEARCH',
      itemIds: hits.map((h) => h.item.id),
      scores: hits.map((h) => h.score),
    };
    return { value: hits, outcome: { result } };
  });
  return { collection, items: value.map(hitShape), request };
}
