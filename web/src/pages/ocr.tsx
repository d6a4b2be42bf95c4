import { useState } from 'preact/hooks';
import { asApiError, upload, type ApiError } from '../api';
import { graphql } from '../gql';
import type { RecognizeTextMutation } from '../gql/graphql';
import { DropZone } from '../components/drop-zone';
import { ErrorBox } from '../components/error-box';
import { OcrView } from '../components/ocr-view';
import { FileFacts } from '../components/file-facts';
import { RequestLink } from '../components/request-link';
import { usePreview } from '../lib/use-preview';
import { ms } from '../lib/format';

const RecognizeText = graphql(`
  mutation RecognizeText($input: RecognizeTextInput!) {
    recognizeText(input: $input) {
      width
      height
      text
      lines {
        text
        confidence
        box {
          x
          y
        }
      }
      request {
        id
        computeMs
      }
    }
  }
`);

type Result = RecognizeTextMutation['recognizeText'];

export function OcrPage() {
  const { file, url: preview, pick } = usePreview();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function recognize(image: File) {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const data = await upload(RecognizeText, { input: { image: { file: null } } }, 'input.image.file', image, image.name);
      setResult(data.recognizeText);
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(false);
    }
  }

  function choose(image: File) {
    pick(image);
    void recognize(image);
  }

  return (
    <section class="page" aria-labelledby="ocr-title">
      <h1 id="ocr-title">Read text in an image</h1>
      <div class="panel">
        <DropZone accept="image/*" label="Choose an image" disabled={busy} onFile={choose} />
        {file && (
          <div class="actions">
            <FileFacts name={file.name} size={file.size} />
            <button type="button" class="secondary" disabled={busy} onClick={() => recognize(file)}>
              Run again
            </button>
            {busy && <span class="spinner" role="status">Reading…</span>}
          </div>
        )}
      </div>
      <ErrorBox error={error} />
      {result && preview && (
        <div class="panel">
          <p class="muted summary" data-testid="ocr-summary">
            {result.lines.length} {result.lines.length === 1 ? 'line' : 'lines'} · {result.width}×{result.height} px · {ms(result.request.computeMs)} · <RequestLink id={result.request.id} />
          </p>
          <OcrView src={preview} width={result.width} height={result.height} lines={result.lines} />
        </div>
      )}
      {!result && preview && !error && (
        <div class="panel">
          <img class="preview" src={preview} alt="The chosen image" />
        </div>
      )}
    </section>
  );
}
