import { useEffect, useState } from 'preact/hooks';
import { decodeAudio, type DecodedAudio } from './audio';

export interface AudioClip {
  blob: Blob;
  name: string;
  /** An object URL for the <audio> player, revoked when the clip is replaced. */
  url: string;
}

/** The clip a page works on, and its samples decoded for the waveform. */
export function useAudioClip() {
  const [clip, setClip] = useState<AudioClip | null>(null);
  const [audio, setAudio] = useState<DecodedAudio | null>(null);
  useEffect(() => () => void (clip && URL.revokeObjectURL(clip.url)), [clip]);

  function pick(blob: Blob, name: string) {
    setClip({ blob, name, url: URL.createObjectURL(blob) });
    setAudio(null);
    // The browser may not decode every format the server does (ffmpeg); the axis still shows the segments.
    blob
      .arrayBuffer()
      .then((data) => decodeAudio(data, 8000))
      .then(setAudio, () => setAudio(null));
  }

  return { clip, audio, pick };
}
