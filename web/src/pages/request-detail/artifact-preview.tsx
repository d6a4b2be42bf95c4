import { useEffect, useState } from 'preact/hooks';
import { fetchWithKey } from '../../api';
import { Waveform } from '../../components/waveform';
import { decodeAudio, type DecodedAudio } from '../../lib/audio';
import { bytes } from '../../lib/format';
import type { StoredArtifact } from './detail';

/** `captionOnly` when the media is already shown with the output drawn over it. */
export function ArtifactPreview({ artifact, captionOnly }: { artifact: StoredArtifact; captionOnly?: boolean }) {
  const { contentType, url } = artifact;
  const caption = (
    <figcaption class="muted small">
      <a href={url} target="_blank" rel="noreferrer">
        {contentType}
      </a>{' '}
      · {bytes(artifact.byteSize)}
    </figcaption>
  );
  if (captionOnly) return <figure class="artifact">{caption}</figure>;
  if (contentType.startsWith('image/')) {
    return (
      <figure class="artifact">
        <img class="preview" src={url} alt="Input image" loading="lazy" />
        {caption}
      </figure>
    );
  }
  if (contentType.startsWith('audio/') || contentType.startsWith('video/')) {
    return (
      <figure class="artifact">
        <audio controls preload="none" src={url} class="player" />
        {caption}
      </figure>
    );
  }
  return <figure class="artifact">{caption}</figure>;
}

export function ArtifactWaveform({ url, duration, segments }: { url?: string; duration: number; segments: readonly { start: number; end: number }[] }) {
  const [audio, setAudio] = useState<DecodedAudio | null>(null);
  useEffect(() => {
    if (!url) return;
    const controller = new AbortController();
    fetchWithKey(url, { signal: controller.signal })
      .then((response) => response.arrayBuffer())
      .then((data) => decodeAudio(data, 8000))
      .then(setAudio, () => setAudio(null));
    return () => controller.abort();
  }, [url]);
  return <Waveform audio={audio} duration={duration} segments={segments} />;
}
