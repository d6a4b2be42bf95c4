/**
 * An <audio> player for a stored artifact. Artifacts need the API key when auth is on, which
 * a plain src cannot carry, so the bytes are fetched with the key and played from a blob URL.
 */
import { useEffect, useState } from 'preact/hooks';
import { fetchWithKey } from '../api';

export function ArtifactAudio({ url, label }: { url: string; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    let objectUrl: string | null = null;
    fetchWithKey(url, { signal: controller.signal })
      .then((response) => response.blob())
      .then((blob) => {
        objectUrl = URL.createObjectURL(blob);
        setSrc(objectUrl);
      })
      .catch(() => setSrc(null));
    return () => {
      controller.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url]);
  return src ? <audio controls src={src} aria-label={label} data-testid="artifact-audio" /> : <p class="muted">Loading audio…</p>;
}
