import type { SearchPageQuery } from '../../gql/graphql';

interface Props {
  page: SearchPageQuery | null;
  collection: string;
  busy: boolean;
  onSelect(name: string): void;
  onCreate(form: HTMLFormElement): void;
}

/** Which collection to work on, its facts, and a form for a new one. */
export function CollectionPanel({ page, collection, busy, onSelect, onCreate }: Props) {
  const models = [...(page?.dualEncoders ?? []), ...(page?.textEncoders ?? [])];
  const current = page?.collections.find((c) => c.name === collection);
  return (
    <div class="panel">
      <div class="row">
        <label class="field">
          <span>Collection</span>
          <select name="collection" value={collection} onChange={(e) => onSelect(e.currentTarget.value)}>
            {page?.collections.length === 0 && <option value="">none yet</option>}
            {page?.collections.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name} ({c.itemCount})
              </option>
            ))}
          </select>
        </label>
        {current && (
          <span class="muted small" data-testid="collection-facts">
            {current.model} · {current.dimension} dimensions · {current.itemCount} {current.itemCount === 1 ? 'item' : 'items'}
          </span>
        )}
      </div>
      <details open={page?.collections.length === 0}>
        <summary>New collection</summary>
        <form
          class="row"
          onSubmit={(event) => {
            event.preventDefault();
            onCreate(event.currentTarget);
          }}
        >
          <label class="field">
            <span>Name</span>
            <input type="text" name="name" required />
          </label>
          <label class="field">
            <span>Embedding model</span>
            <select name="model">
              <option value="">default</option>
              {models.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy}>
            Create
          </button>
        </form>
      </details>
    </div>
  );
}
