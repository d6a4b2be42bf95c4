import type { SearchCollectionQuery } from '../../gql/graphql';
import { SummaryRequest } from '../../components/request-link';

export type Hits = SearchCollectionQuery['search'];

/** The file name kept as metadata, so a hit says which upload it was. */
const nameOf = (metadata: unknown) =>
  metadata && typeof metadata === 'object' && 'name' in metadata && typeof metadata.name === 'string' ? metadata.name : null;

/** Hits best first: a thumbnail or the text, with its cosine score. */
export function HitList({ hits }: { hits: Hits }) {
  return (
    <div class="panel">
      <p class="muted summary" data-testid="search-summary">
        {hits.items.length} {hits.items.length === 1 ? 'hit' : 'hits'}
        <SummaryRequest id={hits.request?.id} />
      </p>
      <ol class="hits" aria-label="Search results">
        {hits.items.map((hit) => (
          <li key={hit.id} class="hit" data-modality={hit.modality} data-name={nameOf(hit.metadata) ?? undefined}>
            {hit.image ? <img src={hit.image.url} alt={nameOf(hit.metadata) ?? 'A stored image'} loading="lazy" /> : <p class="hit-text">{hit.text}</p>}
            {hit.image && nameOf(hit.metadata) && <span class="muted small">{nameOf(hit.metadata)}</span>}
            <span class="hit-score">{hit.score.toFixed(3)}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
