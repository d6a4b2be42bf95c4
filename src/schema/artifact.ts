import type { StoredArtifact } from '../db/artifact-store.js';
import { builder } from './builder.js';
import { uploadArtifact } from '../resolvers/media.js';

export const ArtifactRef = builder.objectRef<StoredArtifact>('Artifact');

builder.node(ArtifactRef, {
  description: 'A stored media file. Its id is the sha256 of its bytes.',
  id: { resolve: (a) => a.id },
  loadOne: (id, ctx) => ctx.artifacts.get(id),
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'byteSize' in value && !('task' in value),
  fields: (t) => ({
    contentType: t.exposeString('contentType'),
    byteSize: t.exposeInt('byteSize'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    url: t.string({ description: 'Where GET serves the bytes, relative to the server.', resolve: (a) => `/artifacts/${a.id}` }),
  }),
});

export const MediaInput = builder.inputType('MediaInput', {
  description: 'Exactly one of: a multipart file upload, base64 bytes, or the id of an artifact stored earlier.',
  fields: (t) => ({
    file: t.field({ type: 'File', required: false }),
    base64: t.string({ required: false }),
    artifactId: t.id({ required: false }),
  }),
});

builder.mutationFields((t) => ({
  uploadArtifact: t.field({
    type: ArtifactRef,
    description: 'Stores media once so later requests can refer to it by artifactId.',
    args: { file: t.arg({ type: MediaInput, required: true }) },
    resolve: (_root, args, ctx) => uploadArtifact(ctx, args.file),
  }),
}));
