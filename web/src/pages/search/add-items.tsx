import { useState } from 'preact/hooks';
import { uploadFiles } from '../../api';
import { DropZone } from '../../components/drop-zone';
import { FileFacts } from '../../components/file-facts';
import { AddToCollection } from './documents';

interface Props {
  collection: string;
  busy: boolean;
  /** Runs the work with the page's busy label and error handling. */
  act(label: string, work: () => Promise<void>): Promise<void>;
  onAdded(message: string): Promise<void>;
}

/** Images (their file names kept as metadata) and texts, embedded into the collection in one call. */
export function AddItems({ collection, busy, act, onAdded }: Props) {
  const [images, setImages] = useState<File[]>([]);
  const [texts, setTexts] = useState('');

  const add = () =>
    act('Embedding…', async () => {
      const lines = texts
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      const items = [...images.map((file) => ({ image: { file: null }, metadata: { name: file.name } })), ...lines.map((text) => ({ text }))];
      const files = images.map((file, i) => ({ path: `input.items.${i}.image.file`, file, name: file.name }));
      const { addToCollection: added } = await uploadFiles(AddToCollection, { input: { collection, items } }, files);
      setImages([]);
      setTexts('');
      await onAdded(`Added ${added.items.length} ${added.items.length === 1 ? 'item' : 'items'}; ${added.collection.name} holds ${added.collection.itemCount}.`);
    });

  return (
    <div class="panel">
      <h2>Add items</h2>
      <div class="image-pick">
        <DropZone accept="image/*" label="Choose images" multiple disabled={busy} onFile={(file) => setImages((list) => [...list, file])} />
        <label class="field">
          <span>Texts, one per line</span>
          <textarea name="texts" rows={4} value={texts} onInput={(e) => setTexts(e.currentTarget.value)} />
        </label>
      </div>
      {images.length > 0 && (
        <ul class="muted small" aria-label="Images to add">
          {images.map((file, i) => (
            <li key={i}>
              <FileFacts name={file.name} size={file.size} class="" />
            </li>
          ))}
        </ul>
      )}
      <div class="actions">
        <button type="button" disabled={!collection || busy || (images.length === 0 && texts.trim() === '')} onClick={add}>
          Add to collection
        </button>
        {images.length > 0 && (
          <button type="button" class="secondary" disabled={busy} onClick={() => setImages([])}>
            Clear images
          </button>
        )}
      </div>
    </div>
  );
}
