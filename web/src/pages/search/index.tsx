import { useEffect, useState } from 'preact/hooks';
import { asApiError, request, uploadFiles, type ApiError } from '../api';
import { graphql } from '../gql';
import type { EmbeddingModality, SearchCollectionQuery, SearchPageQuery } from '../gql/graphql';
import { DropZone } from '../components/drop-zone';
import { ErrorBox } from '../components/error-box';
import { storeArtifact } from '../lib/artifacts';
import { Link } from '../router';
import { bytes, shortId } from '../lib/format';

const SearchPage_ = graphql(`
  query SearchPage {
    collections {
      name
      model
      dimension
      itemCount
    }
    dualEncoders: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {
      name
    }
    textEncoders: models(task: TEXT_EMBEDDING) {
      name
    }
  }
`);

const CreateCollection = graphql(`
  mutation CreateCollection($input: CreateCollectionInput!) {
    createCollection(input: $input) {
      name
      model
      dimension
      itemCount
    }
  }
`);

const AddToCollection = graphql(`
  mutation AddToCollection($input: AddToCollectionInput!) {
    addToCollection(input: $input) {
      collection {
        name
        itemCount
      }
      items {
        id
      }
      request {
        id
      }
    }
  }
`);

const SearchCollection = graphql(`
  query SearchCollection($input: SearchInput!) {
    search(input: $input) {
      items {
        id
        score
        modality
        text
        metadata
        image {
          url
        }
      }
      request {
        id
        computeMs
      }
    }
  }
`);

type Collection = SearchPageQuery['collections'][number];
type Hits = SearchCollectionQuery['search'];

/** The file name kept as metadata, so a hit says which upload it was. */
const nameOf = (metadata: unknown) =>
  metadata && typeof metadata === 'object' && 'name' in metadata && typeof metadata.name === 'string' ? metadata.name : null;

export function SearchPage() {
  const [page, setPage] = useState<SearchPageQuery | null>(null);
  const [collection, setCollection] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Adding
  const [images, setImages] = useState<File[]>([]);
  const [texts, setTexts] = useState('');
  // Searching
  const [mode, setMode] = useState<'text' | 'image'>('text');
  const [query, setQuery] = useState('');
  const [queryImage, setQueryImage] = useState<File | null>(null);
  const [queryPreview, setQueryPreview] = useState<string | null>(null);
  const [k, setK] = useState('8');
  const [only, setOnly] = useState<'' | EmbeddingModality>('');
  const [hits, setHits] = useState<Hits | null>(null);

  const refresh = (select?: string) =>
    request(SearchPage_).then(
      (data) => {
        setPage(data);
        setCollection((current) => select ?? (current || data.collections[0]?.name || ''));
      },
      (failure) => setError(asApiError(failure)),
    );

  useEffect(() => {
    void refresh();
  }, []);
  useEffect(() => () => void (queryPreview && URL.revokeObjectURL(queryPreview)), [queryPreview]);

  function chooseQuery(file: File) {
    setQueryImage(file);
    setQueryPreview(URL.createObjectURL(file));
  }

  async function act(label: string, work: () => Promise<void>) {
    setBusy(label);
    setError(null);
    setNotice(null);
    try {
      await work();
    } catch (failure) {
      setError(asApiError(failure));
    } finally {
      setBusy(null);
    }
  }

  const create = (form: HTMLFormElement) =>
    act('Creating…', async () => {
      const name = (form.elements.namedItem('name') as HTMLInputElement).value.trim();
      const model = (form.elements.namedItem('model') as HTMLSelectElement).value || undefined;
      const { createCollection: created } = await request(CreateCollection, { input: { name, model } });
      form.reset();
      setHits(null);
      await refresh(created.name);
      setNotice(`Created ${created.name} (${created.model}, ${created.dimension} dimensions).`);
    });

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
      await refresh(collection);
      setNotice(`Added ${added.items.length} ${added.items.length === 1 ? 'item' : 'items'}; ${added.collection.name} holds ${added.collection.itemCount}.`);
    });

  const search = () =>
    act('Searching…', async () => {
      setHits(null);
      let source: { text: string } | { image: { artifactId: string } };
      if (mode === 'text') source = { text: query };
      else {
        if (!queryImage) return;
        source = { image: { artifactId: (await storeArtifact(queryImage, queryImage.name)).id } };
      }
      const result = await request(SearchCollection, {
        input: { collection, query: source, k: Number(k) || undefined, modality: only || undefined },
      });
      setHits(result.search);
    });

  const models = [...(page?.dualEncoders ?? []), ...(page?.textEncoders ?? [])];
  const current: Collection | undefined = page?.collections.find((c) => c.name === collection);

  return (
    <section class="page" aria-labelledby="search-title">
      <h1 id="search-title">Search a collection</h1>

      <div class="panel">
        <div class="row">
          <label class="field">
            <span>Collection</span>
            <select
              name="collection"
              value={collection}
              onChange={(e) => {
                setCollection(e.currentTarget.value);
                setHits(null);
              }}
            >
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
              void create(event.currentTarget);
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
            <button type="submit" disabled={busy != null}>
              Create
            </button>
          </form>
        </details>
      </div>

      <div class="panel">
        <h2>Add items</h2>
        <div class="image-pick">
          <DropZone accept="image/*" label="Choose images" multiple disabled={busy != null} onFile={(file) => setImages((list) => [...list, file])} />
          <label class="field">
            <span>Texts, one per line</span>
            <textarea name="texts" rows={4} value={texts} onInput={(e) => setTexts(e.currentTarget.value)} />
          </label>
        </div>
        {images.length > 0 && (
          <ul class="muted small" aria-label="Images to add">
            {images.map((file, i) => (
              <li key={i}>
                {file.name} · {bytes(file.size)}
              </li>
            ))}
          </ul>
        )}
        <div class="actions">
          <button type="button" disabled={!collection || busy != null || (images.length === 0 && texts.trim() === '')} onClick={add}>
            Add to collection
          </button>
          {images.length > 0 && (
            <button type="button" class="secondary" disabled={busy != null} onClick={() => setImages([])}>
              Clear images
            </button>
          )}
        </div>
      </div>

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
            <DropZone accept="image/*" label="Choose a query image" disabled={busy != null} onFile={chooseQuery} />
            {queryPreview && <img class="thumb" src={queryPreview} alt={`Query image ${queryImage?.name ?? ''}`} />}
          </div>
        )}
        <div class="actions">
          <button type="submit" disabled={!collection || busy != null || (mode === 'text' ? query.trim() === '' : !queryImage)}>
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

      <ErrorBox error={error} />

      {hits && (
        <div class="panel">
          <p class="muted summary" data-testid="search-summary">
            {hits.items.length} {hits.items.length === 1 ? 'hit' : 'hits'}
            {hits.request && (
              <>
                {' '}
                · <Link href={`/requests/${hits.request.id}`}>request {shortId(hits.request.id)}</Link>
              </>
            )}
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
      )}
    </section>
  );
}
