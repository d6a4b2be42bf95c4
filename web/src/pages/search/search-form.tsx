import { useState } from 'preact/hooks';
import { request } from '../../api';
import type { EmbeddingModality } from '../../gql/graphql';
import { DropZone } from '../../components/drop-zone';
import { storeArtifact } from '../../lib/artifacts';
import { usePreview } from '../../lib/use-preview';
import { SearchCollection } from './documents';
import type { Hits } from './hit-list';

interface Props {
  collection: string;
  /** The page's busy label, shown beside the button. */
  busy: string | null;
  notice: string | null;
  act(label: string, work: () => Promise<void>): Promise<void>;
  onHits(hits: Hits | null): void;
}

/** A query by text or by image, k results, optionally one modality only. */
export function SearchForm({ collection, busy, notice, act, onHits }: Props) {
  const [mode, setMode] = useState<'text' | 'image'>('text');
  const [query, setQuery] = useState('');
  const queryImage = usePreview();
  const [k, setK] = useState('8');
  const [only, setOnly] = useState<'' | EmbeddingModality>('');

  const search = () =>
    act('Searching…', async () => {
      onHits(null);
      let source: { text: string } | { image: { artifactId: string } };
      if (mode === 'text') source = { text: query };
      else {
        if (!queryImage.file) return;
        source = { image: { artifactId: (await storeArtifact(queryImage.file, queryImage.file.name)).id } };
      }
      const result = await request(SearchCollection, { input: { collection, query: source, k: Number(k) || undefined, modality: only || undefined } });
      onHits(result.search);
    });

  return (
    <form
      class="panel"
      onSubmit={(event) => {
        event.preventDefault();
        void search();
      }}
    >
      <h2>Search</h2>
      <div class="row">
        <div class="segmented" role="radiogroup" aria-label="Query">
          {(['text', 'image'] as const).map((value) => (
            <label key={value}>
              <input type="radio" name="query-mode" value={value} checked={mode === value} onChange={() => setMode(value)} />
              <span>{value === 'text' ? 'By text' : 'By image'}</span>
            </label>
          ))}
        </div>
        <label class="field">
          <span>Results</span>
          <input type="number" name="k" min="1" max="1000" value={k} onInput={(e) => setK(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Only</span>
          <select name="modality" value={only} onChange={(e) => setOnly(e.currentTarget.value as '' | EmbeddingModality)}>
            <option value="">texts and images</option>
            <option value="IMAGE">images</option>
            <option value="TEXT">texts</option>
          </select>
        </label>
      </div>
      {mode === 'text' ? (
        <label class="field">
          <span>Query text</span>
          <input type="search" name="query" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </label>
      ) : (
        <div class="image-pick">
          <DropZone accept="image/*" label="Choose a query image" disabled={busy != null} onFile={queryImage.pick} />
          {queryImage.url && <img class="thumb" src={queryImage.url} alt={`Query image ${queryImage.file?.name ?? ''}`} />}
        </div>
      )}
      <div class="actions">
        <button type="submit" disabled={!collection || busy != null || (mode === 'text' ? query.trim() === '' : !queryImage.file)}>
          Search
        </button>
        {busy && (
          <span class="spinner" role="status">
            {busy}
          </span>
        )}
        {notice && (
          <span class="muted small" role="status" data-testid="search-notice">
            {notice}
          </span>
        )}
      </div>
    </form>
  );
}
