/**
 * Collections through the GraphQL API on the real tessera-clip: a gallery of shape scenes
 * rendered during the test (sharp from SVG) and their captions in one collection, searched
 * text → image and image → text, plus every refusal with its code.
 */
import { cpSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRepository } from './fixtures/models/model-folder.js';
import { BACKGROUNDS, COLOURS, HELD_OUT, SHAPES, pairLabel, renderScene, type Background, type Colour, type Shape } from './fixtures/vision/shapes.js';
import { startTestServer, type TestServer } from './support/app.js';
import { gql } from './support/client.js';
import {
  AddToCollectionDocument,
  CollectionByNameDocument,
  CollectionsDocument,
  CreateCollectionDocument,
  DeleteCollectionDocument,
  EmbedDocument,
  SearchCollectionDocument,
  type SearchInput,
} from './generated/graphql.js';

let server: TestServer;
let repo: string;

const codeOf = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;
const PAIRS = (Object.keys(COLOURS) as Colour[]).flatMap((colour) => SHAPES.map((shape) => ({ colour, shape })));
/** Each pair once on every background: 108 scenes, three per caption. */
const SCENES = PAIRS.flatMap((pair) => (Object.keys(BACKGROUNDS) as Background[]).map((background) => ({ ...pair, background })));
const GALLERY = SCENES.length + PAIRS.length;
const isHeldOut = (colour: Colour, shape: Shape) => HELD_OUT.some(([c, s]) => c === colour && s === shape);
const caption = (colour: Colour, shape: Shape) => `a ${pairLabel(colour, shape)}`;
const sceneKey = (colour: Colour, shape: Shape, background: Background) => `${pairLabel(colour, shape)} on ${background}`;
const images = new Map<string, string>();

beforeAll(async () => {
  repo = await tempRepository('tessera-clip-');
  cpSync(path.join('models', 'tessera-clip'), path.join(repo, 'tessera-clip'), { recursive: true, filter: (src) => !src.includes('recipe') });
  server = await startTestServer({ modelsDir: repo });
  for (const { colour, shape, background } of SCENES) {
    const png = await renderScene({ colour, shape, background, cx: 0.5, cy: 0.5, r: 0.21 });
    images.set(sceneKey(colour, shape, background), png.toString('base64'));
  }
});

afterAll(async () => {
  await server?.close();
});

const search = (input: SearchInput) => gql(server.graphqlUrl, SearchCollectionDocument, { input });

describe('collections over GraphQL with tessera-clip', () => {
  it('creates a collection with the default embedding model and its dimension', async () => {
    const { body } = await gql(server.graphqlUrl, CreateCollectionDocument, { input: { name: 'shapes' } });
    expect(body.errors).toBeUndefined();
    expect(body.data!.createCollection).toMatchObject({ name: 'shapes', model: 'tessera-clip', dimension: 128, itemCount: 0 });
  });

  it('adds 108 scenes and 36 captions in one call, recorded as one request', async () => {
    const items = [
      ...SCENES.map(({ colour, shape, background }) => ({ image: { base64: images.get(sceneKey(colour, shape, background))! }, metadata: { colour, shape, background } })),
      ...PAIRS.map(({ colour, shape }) => ({ text: caption(colour, shape), metadata: { colour, shape } })),
    ];
    const { body } = await gql(server.graphqlUrl, AddToCollectionDocument, { input: { collection: 'shapes', items } });
    expect(body.errors).toBeUndefined();
    const added = body.data!.addToCollection;
    expect(added.collection).toEqual({ name: 'shapes', itemCount: GALLERY });
    expect(added.items).toHaveLength(GALLERY);
    expect(added.items[0]).toMatchObject({ modality: 'IMAGE', text: null, metadata: { colour: 'red', shape: 'circle', background: 'white' }, image: { contentType: 'image/png' } });
    expect(added.items[SCENES.length]).toMatchObject({ modality: 'TEXT', text: 'a red circle', image: null });
    expect(added.request).toMatchObject({ task: 'ZERO_SHOT_IMAGE_CLASSIFICATION', model: 'tessera-clip', status: 'COMPLETED' });
    expect(added.request.result).toEqual({ collection: 'shapes', operation: 'ADD', itemIds: added.items.map((i) => i.id) });
    expect(added.request.inputText?.split('\n')).toHaveLength(36);
  });

  /**
   * The model card's retrieval figure that fits a gallery where several scenes share a
   * caption is "top hit correctly described": 100% for text → image on held-out pairs. Its
   * 36-way colour × shape question is 100% on seen pairs and 86.5% on held-out ones (green
   * triangle 46%, blue diamond 75%). Our scenes come from another renderer (SVG, no noise),
   * so the thresholds leave room for that shift without admitting a broken pipeline:
   * text → image, at least 33 of 36 captions get a scene of their pair first, including at
   * least 4 of the 6 held-out pairs, and at least 90 of the 108 top-3 places hold the right
   * pair; image → text, at least 99 of 108 scenes (~92%) get their
   * own caption first. Chance is 3/108 and 1/36; a wrong preprocessing, vectors mixed up
   * between rows or an ignored modality filter fall far below.
   */
  it('text → image: a caption finds a scene of its pair first', async () => {
    const misses: string[] = [];
    let heldOutRight = 0;
    let top3Right = 0;
    for (const { colour, shape } of PAIRS) {
      const { body } = await search({ collection: 'shapes', query: { text: caption(colour, shape) }, k: 3, modality: 'IMAGE' });
      expect(body.errors).toBeUndefined();
      const hits = body.data!.search.items;
      expect(hits).toHaveLength(3);
      expect(hits.every((h) => h.modality === 'IMAGE' && h.image !== null)).toBe(true);
      expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
      const pairs = hits.map((h) => h.metadata as { colour: string; shape: string; background: string });
      top3Right += pairs.filter((p) => p.colour === colour && p.shape === shape).length;
      if (pairs[0].colour === colour && pairs[0].shape === shape) {
        if (isHeldOut(colour, shape)) heldOutRight += 1;
      } else misses.push(`${caption(colour, shape)} → ${pairs[0].colour} ${pairs[0].shape} on ${pairs[0].background}`);
    }
    console.log(`text → image: rank-1 misses ${misses.length}/36 [${misses.join('; ')}]; held-out right ${heldOutRight}/6; top-3 of the right pair ${top3Right}/108`);
    expect(misses.length, misses.join('; ')).toBeLessThanOrEqual(3);
    expect(heldOutRight).toBeGreaterThanOrEqual(4);
    expect(top3Right).toBeGreaterThanOrEqual(90);
  });

  it('image → text: a scene finds its own caption first', async () => {
    const misses: string[] = [];
    for (const { colour, shape, background } of SCENES) {
      const query = { image: { base64: images.get(sceneKey(colour, shape, background))! } };
      const { body } = await search({ collection: 'shapes', query, k: 3, modality: 'TEXT' });
      expect(body.errors).toBeUndefined();
      const hits = body.data!.search.items;
      expect(hits.every((h) => h.modality === 'TEXT')).toBe(true);
      if (hits[0].text !== caption(colour, shape)) misses.push(`${sceneKey(colour, shape, background)} → ${hits[0].text}`);
    }
    console.log(`image → text: rank-1 misses ${misses.length}/108 [${misses.join('; ')}]`);
    expect(misses.length, misses.join('; ')).toBeLessThanOrEqual(9);
  });

  it('records the search as a request with the hits it returned', async () => {
    const { body } = await search({ collection: 'shapes', query: { text: 'a blue square' }, k: 4 });
    const { items, request } = body.data!.search;
    expect(request).toMatchObject({ status: 'COMPLETED', result: { operation: 'SEARCH', itemIds: items.map((i) => i.id) } });
    expect(request!.result && 'scores' in request!.result ? request!.result.scores : null).toEqual(items.map((i) => i.score));
  });

  it('a vector query (from embed) ranks exactly like the text it came from, and runs no request', async () => {
    const embedded = await gql(server.graphqlUrl, EmbedDocument, { input: { text: 'two green stars' } });
    const vector = embedded.body.data!.embed.vector;
    const byVector = await search({ collection: 'shapes', query: { vector }, k: 10 });
    const byText = await search({ collection: 'shapes', query: { text: 'two green stars' }, k: 10 });
    expect(byVector.body.data!.search.request).toBeNull();
    const ids = (r: typeof byText) => r.body.data!.search.items.map((h) => h.id);
    expect(ids(byVector)).toEqual(ids(byText));
    byVector.body.data!.search.items.forEach((h, i) => expect(h.score).toBeCloseTo(byText.body.data!.search.items[i].score, 5));
  });

  it('lists, finds and deletes collections', async () => {
    await gql(server.graphqlUrl, CreateCollectionDocument, { input: { name: 'scratch', model: 'tessera-clip' } });
    expect((await gql(server.graphqlUrl, CollectionsDocument, {})).body.data!.collections).toEqual([
      { name: 'scratch', model: 'tessera-clip', dimension: 128, itemCount: 0 },
      { name: 'shapes', model: 'tessera-clip', dimension: 128, itemCount: GALLERY },
    ]);
    expect((await gql(server.graphqlUrl, DeleteCollectionDocument, { name: 'scratch' })).body.data!.deleteCollection).toBe(true);
    expect((await gql(server.graphqlUrl, DeleteCollectionDocument, { name: 'scratch' })).body.data!.deleteCollection).toBe(false);
    expect((await gql(server.graphqlUrl, CollectionByNameDocument, { name: 'scratch' })).body.data!.collection).toBeNull();
  });

  it('refuses bad input with a stable code and keeps serving', async () => {
    const add = (items: { text?: string; image?: { base64: string }; metadata?: unknown }[], collection = 'shapes') =>
      gql(server.graphqlUrl, AddToCollectionDocument, { input: { collection, items } });
    const image = { base64: images.get(sceneKey('red', 'circle', 'white'))! };
    const cases: [string, Promise<{ body: { errors?: { extensions?: { code?: string } }[] } }>, string][] = [
      ['vector of another dimension', search({ collection: 'shapes', query: { vector: [1, 0, 0] } }), 'BAD_USER_INPUT'],
      ['k = 0', search({ collection: 'shapes', query: { text: 'a red circle' }, k: 0 }), 'BAD_USER_INPUT'],
      ['k = 1001', search({ collection: 'shapes', query: { text: 'a red circle' }, k: 1001 }), 'BAD_USER_INPUT'],
      ['text and vector', search({ collection: 'shapes', query: { text: 'a red circle', vector: [1] } }), 'BAD_USER_INPUT'],
      ['no query', search({ collection: 'shapes', query: {} }), 'BAD_USER_INPUT'],
      ['unknown collection (search)', search({ collection: 'nope', query: { text: 'a red circle' } }), 'NOT_FOUND'],
      ['unknown collection (add)', add([{ text: 'a red circle' }], 'nope'), 'NOT_FOUND'],
      ['empty items', add([]), 'BAD_USER_INPUT'],
      ['257 items', add(Array.from({ length: 257 }, () => ({ text: 'a red circle' }))), 'BAD_USER_INPUT'],
      ['text and image in one item', add([{ text: 'a red circle', image }]), 'BAD_USER_INPUT'],
      ['blank text', add([{ text: '  ' }]), 'BAD_USER_INPUT'],
      ['bytes that are not an image', add([{ image: { base64: Buffer.from('not an image at all').toString('base64') } }]), 'UNSUPPORTED_MEDIA_TYPE'],
      ['duplicate name', gql(server.graphqlUrl, CreateCollectionDocument, { input: { name: 'shapes' } }), 'BAD_USER_INPUT'],
      ['unknown model', gql(server.graphqlUrl, CreateCollectionDocument, { input: { name: 'other', model: 'nope' } }), 'MODEL_NOT_FOUND'],
    ];
    for (const [what, pending, code] of cases) expect(codeOf((await pending).body), what).toBe(code);
    // No item of a refused call was stored (the undecodable image's request is FAILED), and the server still answers.
    expect((await gql(server.graphqlUrl, CollectionByNameDocument, { name: 'shapes' })).body.data!.collection).toEqual({ name: 'shapes', itemCount: GALLERY });
    expect((await gql(server.graphqlUrl, CollectionByNameDocument, { name: 'other' })).body.data!.collection).toBeNull();
  });
});
