/**
 * Following a request that is still running: a generation's tokens replay from its log and
 * then stream on; a pipeline's steps are re-read as each one starts or ends. Either way the
 * stored request is read again when the stream ends.
 */
import { useEffect } from 'preact/hooks';
import { appendText, clearText } from '../../components/stream-text';
import { useStream } from '../../lib/use-stream';
import { FollowPipeline, FollowRequest } from './documents';

export function useFollow(id: string, follow: { tokens: boolean; steps: boolean }, output: { current: HTMLPreElement | null }, reload: () => void) {
  const onSettle = (status: string) => status !== 'stopped' && reload();
  const tokens = useStream(
    FollowRequest,
    (_: object, { requestEvents: event }) => {
      if (event.__typename === 'GenerationToken') appendText(output.current, event.text);
    },
    { onSettle },
  );
  const steps = useStream(
    FollowPipeline,
    (_: object, { pipelineEvents: event }) => {
      // Tokens need no reload; a step starting or ending does.
      if (event.__typename !== 'PipelineToken' && event.__typename !== 'PipelineStepSegment') reload();
    },
    { onSettle },
  );

  useEffect(() => {
    if (!follow.tokens) return;
    clearText(output.current);
    void tokens.start({}, { id });
    return () => tokens.stop();
  }, [follow.tokens, id]);

  useEffect(() => {
    if (!follow.steps) return;
    void steps.start({}, { id });
    return () => steps.stop();
  }, [follow.steps, id]);

  return { streaming: tokens.running, error: tokens.error ?? steps.error };
}
