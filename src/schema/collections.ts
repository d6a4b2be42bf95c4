import { builder } from './builder.js';
import { ArtifactRef, MediaInput } from './artifact.js';
import { InferenceRequestRef } from './request.js';
import { EmbeddingModalityEnum } from './results.js';
import type { CollectionRow, ItemRow } from '../search/collection-store.js';
import {
  addToCollection,
  createCollection,
  searchCollection,
  type AddPayloadShape,
  type SearchHitShape,
  type SearchPayloadShape,
} from '../resolvers/collections.js';
import { MAX_K } from '../search/collection-store.js';
import { MAX_ITEMS_PER_CALL } from '../search/collection-rules.js';

const CollectionRef = builder.objectRef<CollectionRow>('Collection').implement({
  description: 'A named set of embedded texts and images, all embedded by one model, searched by cosine similarity.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    model: t.exposeString('model', { description: 'The embedding model; queries are embedded with it too.' }),
    dimension: t.exposeInt('dimension'),
    itemCount: t.exposeInt('itemCount'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CollectionEntryRef = builder.interfaceRef<ItemRow>('CollectionEntry').implement({
  description: 'What a collection holds for one text or image.',
  resolveType: (entry) => ('score' in entry ? 'SearchHit' : 'CollectionItem'),
  fields: (t) => ({
    id: t.exposeID('id'),
    modality: t.field({ type: EmbeddingModalityEnum, resolve: (e) => e.modality as 'TEXT' | 'IMAGE' }),
    text: t.exposeString('text', { nullable: true }),
    image: t.field({
      type: ArtifactRef,
      nullable: true,
      description: 'The stored image, for IMAGE items.',
      resolve: (e, _args, ctx) => (e.artifactId ? ctx.artifacts.get(e.artifactId) : null),
    }),
    metadata: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.metadata }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CollectionItemRef = builder.objectRef<ItemRow>('CollectionItem').implement({ interfaces: [CollectionEntryRef] });

const SearchHitRef = builder.objectRef<SearchHitShape>('SearchHit').implement({
  interfaces: [CollectionEntryRef],
  fields: (t) => ({ score: t.exposeFloat('score', { description: 'Cosine similarity to the query, -1 to 1.' }) }),
});

const CreateCollectionInput = builder.inputType('CreateCollectionInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    model: t.string({ required: false, description: 'An embedding model (a dual encoder for images); the default one when omitted.' }),
  }),
});

const CollectionItemInput = builder.inputType('CollectionItemInput', {
  description: 'Exactly one of text or image.',
  fields: (t) => ({
    text: t.string({ required: false }),
    image: t.field({ type: MediaInput, required: false }),
    metadata: t.field({ type: 'JSON', required: false, description: 'Kept with the item and returned with it.' }),
  }),
});

const AddToCollectionInput = builder.inputType('AddToCollectionInput', {
  fields: (t) => ({
    collection: t.string({ required: true }),
    items: t.field({ type: [CollectionItemInput], required: true, description: `1 to ${MAX_ITEMS_PER_CALL} items.` }),
  }),
});

const SearchQueryInput = builder.inputType('SearchQueryInput', {
  description: 'Exactly one of: a text, an image (both embedded with the collection\'s model), or a vector of the collection\'s dimension.',
  fields: (t) => ({
    text: t.string({ required: false }),
    image: t.field({ type: MediaInput, required: false }),
    vector: t.floatList({ required: false }),
  }),
});

const SearchInput = builder.inputType('SearchInput', {
  fields: (t) => ({
    collection: t.string({ required: true }),
    query: t.field({ type: SearchQueryInput, required: true }),
    k: t.int({ required: false, description: `How many items, 1 to ${MAX_K}; 10 when omitted.` }),
    modality: t.field({ type: EmbeddingModalityEnum, required: false, description: 'Only items of this modality (TEXT for image-to-text search).' }),
  }),
});

const AddToCollectionPayload = builder.objectRef<AddPayloadShape>('AddToCollectionPayload').implement({
  fields: (t) => ({
    collection: t.field({ type: CollectionRef, resolve: (p) => p.collection }),
    items: t.field({ type: [CollectionItemRef], resolve: (p) => p.items }),
    request: t.field({ type: InferenceRequestRef, resolve: (p) => p.request }),
  }),
});

const SearchPayload = builder.objectRef<SearchPayloadShape>('SearchPayload').implement({
  fields: (t) => ({
    collection: t.field({ type: CollectionRef, resolve: (p) => p.collection }),
    items: t.field({ type: [SearchHitRef], description: 'Best first.', resolve: (p) => p.items }),
    request: t.field({
      type: InferenceRequestRef,
      nullable: true,
      description: 'The request that embedded the query; null for a vector query.',
      resolve: (p) => p.request,
    }),
  }),
});

builder.queryFields((t) => ({
  collections: t.field({ type: [CollectionRef], resolve: (_root, _args, ctx) => ctx.collections.list() }),
  collection: t.field({
    type: CollectionRef,
    nullable: true,
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => ctx.collections.get(args.name),
  }),
  search: t.field({
    type: SearchPayload,
    description: 'The items most similar to a text, an image or a vector (text to image, image to text, ...).',
    args: { input: t.arg({ type: SearchInput, required: true }) },
    resolve: (_root, args, ctx) => searchCollection(ctx, args.input),
  }),
}));

builder.mutationFields((t) => ({
  createCollection: t.field({
    type: CollectionRef,
    args: { input: t.arg({ type: CreateCollectionInput, required: true }) },
    resolve: (_root, args, ctx) => createCollection(ctx, args.input),
  }),
  addToCollection: t.field({
    type: AddToCollectionPayload,
    description: 'Embeds each item with the collection\'s model and stores it; one request in the history per call.',
    args: { input: t.arg({ type: AddToCollectionInput, required: true }) },
    resolve: (_root, args, ctx) => addToCollection(ctx, args.input),
  }),
  deleteCollection: t.boolean({
    description: 'Deletes the collection and its items; false when there was none of that name.',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => ctx.collections.delete(args.name),
  }),
}));
