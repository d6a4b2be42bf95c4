import { useEffect, useState } from 'preact/hooks';

/** A chosen image and an object URL to show it, revoked when another is chosen or the page goes. */
export function usePreview() {
  const [picked, setPicked] = useState<{ file: File; url: string } | null>(null);
  useEffect(() => () => void (picked && URL.revokeObjectURL(picked.url)), [picked]);
  return { file: picked?.file ?? null, url: picked?.url ?? null, pick: (file: File) => setPicked({ file, url: URL.createObjectURL(file) }) };
}
