/** The caption of the chosen image, streamed token by token over graphql-ws. */
import { useRef } from 'preact/hooks';
import { ApiError } from '../../api';
import { SummaryRequest } from '../../components/request-link';
import { StreamText, appendText, clearText } from '../../components/stream-text';
import { useStream } from '../../lib/use-stream';
import { ms, rate } from '../../lib/format';
import type { StoredMedia } from '../../lib/artifacts';
import { CaptionStream } from './documents';

interface CaptionView {
  outcome?: 'done' | 'failed';
  requestId?: string;
  tokens: number;
  finishReason?: string;
  firstTokenMs?: number | null;
  tokensPerSecond?: number | null;
}

export function useCaption() {
  const text = useRef<HTMLPreElement>(null);
  const run = useStream(CaptionStream, (view: CaptionView, { captionImage: event }, control) => {
    if (event.__typename === 'GenerationStarted') view.requestId = event.requestId;
    else if (event.__typename === 'GenerationToken') {
      view.tokens++;
      appendText(text.current, event.text);
    } else if (event.__typename === 'GenerationCompleted') {
      Object.assign(view, {
        outcome: event.error ? 'failed' : 'done',
        requestId: event.requestId,
        finishReason: event.finishReason,
        tokens: event.usage.completionTokens,
        firstTokenMs: event.timings.timeToFirstTokenMs,
        tokensPerSecond: event.timings.tokensPerSecond,
      });
      if (event.error) control.fail(new ApiError(event.error.code, event.error.message));
    }
  });
  return {
    run,
    text,
    streaming: run.running && !run.view?.outcome,
    /** The image is stored first (or already was); the stream names it by id. */
    describe(media: () => Promise<StoredMedia | null>) {
      clearText(text.current);
      void run.start({ tokens: 0 }, async () => {
        const stored = await media();
        if (!stored) throw new ApiError('NO_IMAGE', 'Choose an image first.');
        return { input: { image: { artifactId: stored.id } } };
      });
    },
    clear() {
      run.reset();
      clearText(text.current);
    },
  };
}

export function CaptionPanel({ caption }: { caption: ReturnType<typeof useCaption> }) {
  const { run, text, streaming } = caption;
  const view = run.view;
  const phase = streaming ? 'streaming' : (view?.outcome ?? (run.status === 'completed' ? 'done' : 'failed'));
  return (
    <div class="panel" hidden={!view}>
      <h2>Caption</h2>
      <div class={`stream${streaming ? ' streaming' : ''}`} aria-busy={streaming}>
        <StreamText target={text} label="Caption" />
      </div>
      {view && (
        <p class="muted summary" data-testid="caption-summary">
          {streaming ? 'streaming' : (view.finishReason ?? phase)} · {view.tokens} tokens · first token {ms(view.firstTokenMs)} · {rate(view.tokensPerSecond)}
          <SummaryRequest id={view.requestId} />
        </p>
      )}
    </div>
  );
}
