/** The request as the page reads it, and the small rules the page's parts share. */
import type { RequestDetailQuery } from '../../gql/graphql';

export type Detail = NonNullable<RequestDetailQuery['request']>;
export type Result = NonNullable<Detail['result']>;
export type ResultOf<T extends Result['__typename']> = Extract<Result, { __typename: T }>;
export type StoredArtifact = Detail['artifacts'][number]['artifact'];

export const active = (status: string) => status === 'QUEUED' || status === 'RUNNING';
/** Tasks whose output streams token by token and replays through requestEvents. */
export const streamsTokens = (task: string) => task === 'TEXT_GENERATION' || task === 'IMAGE_CAPTIONING';

/** A generation's or a caption's finish and timings, under either result's field names. */
export function generationOf(result: Detail['result']) {
  if (result?.__typename === 'GenerationResult') return result;
  if (result?.__typename === 'CaptionResult') return { finishReason: result.captionFinish, timings: result.captionTimings };
  return null;
}
