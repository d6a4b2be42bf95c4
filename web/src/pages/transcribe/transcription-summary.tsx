import { SummaryRequest } from '../../components/request-link';
import { ms, seconds } from '../../lib/format';
import type { TranscriptionView } from './transcription-view';

/** "done · 2 segments · 1.90 s of audio · 12 ms · RTF 0.006 · first segment … · model · request …" */
export function TranscriptionSummary({ view, phase }: { view: TranscriptionView; phase: string }) {
  return (
    <p class="muted summary" data-testid="transcribe-summary" data-phase={phase}>
      {phase} · {view.segments.length} {view.segments.length === 1 ? 'segment' : 'segments'}
      {view.durationSeconds != null && <> · {seconds(view.durationSeconds)} of audio</>}
      {view.computeMs != null && <> · {ms(view.computeMs)}</>}
      {view.realTimeFactor != null && (
        <>
          {' '}
          · <span data-testid="rtf">RTF {view.realTimeFactor.toFixed(3)}</span>
        </>
      )}
      {view.firstSegmentMs != null && <> · first segment {ms(view.firstSegmentMs)}</>}
      {view.model && <> · {view.model}</>}
      <SummaryRequest id={view.requestId} />
    </p>
  );
}
