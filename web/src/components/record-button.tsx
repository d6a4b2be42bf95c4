import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, asApiError } from '../api';
import { startRecording } from '../lib/audio';

interface Props {
  disabled?: boolean;
  /** A 16 kHz mono WAV of what was recorded. */
  onClip(wav: Blob, name: string): void;
  onError(error: ApiError): void;
  /** Called when recording starts, so the page can clear an old error. */
  onStart?(): void;
}

/** Record / Stop recording from the microphone. */
export function RecordButton({ disabled, onClip, onError, onStart }: Props) {
  const [recording, setRecording] = useState(false);
  const recorder = useRef<Awaited<ReturnType<typeof startRecording>> | null>(null);

  useEffect(() => () => recorder.current?.cancel(), []);

  async function toggle() {
    if (recording) {
      const active = recorder.current;
      recorder.current = null;
      setRecording(false);
      if (!active) return;
      try {
        onClip(await active.stop(), `recording-${Date.now()}.wav`);
      } catch (failure) {
        onError(new ApiError('RECORDING_FAILED', asApiError(failure).message));
      }
      return;
    }
    try {
      recorder.current = await startRecording();
      onStart?.();
      setRecording(true);
    } catch (failure) {
      onError(new ApiError('MICROPHONE_UNAVAILABLE', asApiError(failure).message));
    }
  }

  return (
    <button type="button" class={recording ? 'danger' : 'secondary'} onClick={toggle} disabled={disabled && !recording} aria-pressed={recording}>
      {recording ? 'Stop recording' : 'Record'}
    </button>
  );
}
