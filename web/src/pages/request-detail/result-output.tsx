/** The output panel's drawing of each result kind, over the input media where there is one. */
import { OcrView } from '../../components/ocr-view';
import { ScoreBars } from '../../components/score-bars';
import { Segments } from '../../components/segments';
import { TimedSegments } from '../../components/timed-segments';
import { ms } from '../../lib/format';
import { ArtifactWaveform } from './artifact-preview';
import type { Detail, StoredArtifact } from './detail';
import { PipelineSteps } from './pipeline-steps';
import { CollectionView, EmbeddingView } from './stored-results';

export function ResultOutput({ detail, image, sound }: { detail: Detail; image?: StoredArtifact; sound?: StoredArtifact }) {
  const result = detail.result;
  switch (result?.__typename) {
    case 'OcrResult':
      return image ? <OcrView src={image.url} width={result.width} height={result.height} lines={result.lines} /> : <p class="muted">{result.lines.length} lines</p>;
    case 'SpeechDetectionResult':
      return (
        <>
          <ArtifactWaveform url={sound?.url} duration={result.durationSeconds} segments={result.segments} />
          <Segments segments={result.segments} />
        </>
      );
    case 'TranscriptionResult':
      return (
        <>
          <ArtifactWaveform url={sound?.url} duration={result.durationSeconds} segments={result.segments} />
          <p class="muted summary">
            RTF {result.transcriptionTimings.realTimeFactor.toFixed(3)} · first segment {ms(result.transcriptionTimings.timeToFirstSegmentMs)}
          </p>
          <TimedSegments segments={result.segments} />
        </>
      );
    case 'ClassificationResult':
      return <ScoreBars labels={result.labels} caption="Label scores" />;
    case 'EmbeddingResult':
      return <EmbeddingView {...result} />;
    case 'CollectionResult':
      return <CollectionView {...result} />;
    case 'PipelineResult':
      return <PipelineSteps steps={result.steps} />;
    default:
      // A running pipeline has no result yet; its child requests stand in for the steps.
      if (detail.steps.length === 0) return null;
      return (
        <PipelineSteps
          steps={detail.steps.map((step, index) => ({ index, task: step.task, model: step.model, requestId: step.id, status: step.status, output: step.outputText == null ? null : { text: step.outputText } }))}
        />
      );
  }
}
