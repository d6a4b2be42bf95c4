/** Result kinds with no media to draw on: an embedding's vector, a collection operation's items. */
import type { ResultOf } from './detail';

export function EmbeddingView({ dimension, modality, vector }: ResultOf<'EmbeddingResult'>) {
  const norm = Math.hypot(...vector);
  return (
    <>
      <p class="muted summary" data-testid="embedding-summary">
        {modality.toLowerCase()} embedding · {dimension} dimensions · norm {norm.toFixed(4)}
      </p>
      <pre class="text-block">{`[${vector
        .slice(0, 16)
        .map((v) => v.toFixed(4))
        .join(', ')}${vector.length > 16 ? ', …' : ''}]`}</pre>
    </>
  );
}

export function CollectionView({ operation, collection, itemIds, scores }: ResultOf<'CollectionResult'>) {
  const searched = operation === 'SEARCH';
  return (
    <>
      <p class="muted summary" data-testid="collection-summary">
        {searched ? 'Searched' : 'Added to'} <strong>{collection}</strong>: {itemIds.length} {itemIds.length === 1 ? 'item' : 'items'}
      </p>
      {searched && (
        <ol class="timed" aria-label="Hits">
          {itemIds.map((id, i) => (
            <li key={id}>
              <time>{scores?.[i] != null ? scores[i].toFixed(3) : '—'}</time>
              <span class="mono small">{id}</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
