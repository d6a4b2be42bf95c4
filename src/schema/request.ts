import type { RequestRow, RequestStatus } from '../db/request-store.js';
import type { DeletionReport } from '../history/delete-requests.js';
import { builder } from './builder.js';
import { ModalityEnum, RequestStatusEnum, TaskEnum } from './enums.js';
import { ArtifactRef } from './artifact.js';
import { RequestResultUnion, type ResultShape } from './results.js';
import { EXACT_COUNT_LIMIT, type RequestCount } from '../db/request-store.js';
import { cancelRequest, deleteRequest, deleteRequests, getRequest, listRequests } from '../resolvers/requests.js';

type CountedConnection = { count: () => Promise<RequestCount> };

export const InferenceRequestRef = builder.objectRef<RequestRow>('InferenceRequest');

const RequestErrorRef = builder.objectRef<{ code: string; message: string }>('RequestError').implement({
  fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
});

const RequestArtifactRef = builder
  .objectRef<{ role: string; artifact: { id: string; contentType: string; byteSize: number; createdAt: Date } }>('RequestArtifact')
  .implement({
    fields: (t) => ({
      role: t.exposeString('role', { description: '"input" or "output".' }),
      artifact: t.field({ type: ArtifactRef, resolve: (a) => a.artifact }),
    }),
  });

builder.node(InferenceRequestRef, {
  description: 'One accepted inference request, persisted before its work started.',
  id: { resolve: (r) => r.id },
  loadOne: (id, ctx) => ctx.requests.get(id),
  // The relay plugin's type brand is missing when one node is selected twice; the row's shape says it.
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'task' in value && 'status' in value,
  fields: (t) => ({
    task: t.field({ type: TaskEnum, resolve: (r) => r.task as never }),
    model: t.exposeString('model'),
    status: t.field({ type: RequestStatusEnum, resolve: (r) => r.status as RequestStatus }),
    parameters: t.field({ type: 'JSON', resolve: (r) => r.parameters }),
    inputModalities: t.field({
      type: [ModalityEnum],
      resolve: (r) => (r.inputModalities ? (r.inputModalities.split(',') as never[]) : []),
    }),
    inputText: t.exposeString('inputText', { nullable: true, description: 'The text input, where there is one (a prompt).' }),
    artifacts: t.field({
      type: [RequestArtifactRef],
      description: 'Media that went in (role "input") or came out (role "output").',
      resolve: (r, _args, ctx) => ctx.requests.artifactsOf(r.id),
    }),
    result: t.field({
      type: RequestResultUnion,
      nullable: true,
      resolve: (r) => (r.result as ResultShape | null) ?? null,
    }),
    outputText: t.exposeString('outputText', { nullable: true, description: 'The text output, where the task produces text.' }),
    error: t.field({
      type: RequestErrorRef,
      nullable: true,
      resolve: (r) => (r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? '' } : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    firstOutputAt: t.expose('firstOutputAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    queueMs: t.exposeInt('queueMs', { nullable: true }),
    computeMs: t.exposeInt('computeMs', { nullable: true }),
    batchSize: t.exposeInt('batchSize', { nullable: true }),
    promptTokens: t.exposeInt('promptTokens', { nullable: true }),
    completionTokens: t.exposeInt('completionTokens', { nullable: true }),
    parent: t.field({
      type: InferenceRequestRef,
      nullable: true,
      resolve: (r, _args, ctx) => (r.parentId ? ctx.requests.get(r.parentId) : null),
    }),
  }),
});

const RequestFilterInput = builder.inputType('RequestFilter', {
  fields: (t) => ({
    task: t.field({ type: TaskEnum, required: false }),
    model: t.string({ required: false }),
    status: t.field({ type: RequestStatusEnum, required: false }),
    since: t.field({ type: 'DateTime', required: false, description: 'Created at or after.' }),
    until: t.field({ type: 'DateTime', required: false, description: 'Created at or before.' }),
    text: t.string({
      required: false,
      description:
        'Substring of the input or output text, any case. Three characters or more use the text index (any script, Chinese included); shorter text is matched by scanning newest first.',
    }),
  }),
});

builder.queryFields((t) => ({
  request: t.field({
    type: InferenceRequestRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => getRequest(ctx, String(args.id)),
  }),
  requests: t.connection(
    {
      type: InferenceRequestRef,
      description: 'The request history, newest first. Pages are stable while new requests arrive.',
      args: { filter: t.arg({ type: RequestFilterInput, required: false }) },
      resolve: (_root, args, ctx) => listRequests(ctx, args),
    },
    {
      name: 'InferenceRequestConnection',
      fields: (c) => ({
        totalCount: c.int({
          description: `Requests matching the filter: exact up to ${EXACT_COUNT_LIMIT.toLocaleString('en')}, an estimate past that (see totalCountIsEstimate). Computed only when selected.`,
          resolve: async (connection) => (await (connection as CountedConnection).count()).count,
        }),
        totalCountIsEstimate: c.boolean({
          description: `True when totalCount is an estimate (more than ${EXACT_COUNT_LIMIT.toLocaleString('en')} matches).`,
          resolve: async (connection) => (await (connection as CountedConnection).count()).isEstimate,
        }),
      }),
    },
    { name: 'InferenceRequestEdge' },
  ),
}));

const DeletionReportRef = builder.objectRef<DeletionReport>('DeleteRequestsPayload').implement({
  description: 'What a deletion removed.',
  fields: (t) => ({
    deletedCount: t.exposeInt('deleted', { description: 'Requests deleted (their pipeline steps go with them, uncounted).' }),
    artifactsRemoved: t.exposeInt('artifactsRemoved', { description: 'Stored files removed because nothing references them any more.' }),
  }),
});

builder.mutationFields((t) => ({
  deleteRequest: t.field({
    type: DeletionReportRef,
    description:
      'Deletes one finished request you can see (any, for an admin), its pipeline steps and the files only it referenced. A queued or running request is refused with REQUEST_ACTIVE.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => deleteRequest(ctx, String(args.id)),
  }),
  deleteRequests: t.field({
    type: DeletionReportRef,
    description:
      'Deletes every finished top-level request you can see that matches the filter, in small batches; queued and running requests are left alone.',
    args: { filter: t.arg({ type: RequestFilterInput, required: true }) },
    resolve: (_root, args, ctx) => deleteRequests(ctx, args.filter),
  }),
  cancelRequest: t.field({
    type: InferenceRequestRef,
    description: 'Cancels a queued or running request; a finished one is returned unchanged.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => cancelRequest(ctx, String(args.id)),
  }),
}));
