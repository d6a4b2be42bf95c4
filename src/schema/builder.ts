import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { Context } from '../contracts/context.js';

export type Scalars = {
  DateTime: { Input: Date; Output: Date };
  JSON: { Input: unknown; Output: unknown };
  File: { Input: File; Output: never };
};

const ARTIFACT_ID = /^[0-9a-f]{64}$/;

export const builder = new SchemaBuilder<{ Context: Context; Scalars: Scalars; DefaultFieldNullability: false }>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // Request ids are time-ordered UUIDs and artifact ids are sha256 digests: both are
    // globally unique already, so they serve as global ids unchanged (friendlier in URLs).
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => ({
      typename: ARTIFACT_ID.test(globalID) ? 'Artifact' : 'InferenceRequest',
      id: globalID,
    }),
    nodesQueryOptions: false,
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
