import { useEffect, useState } from 'preact/hooks';
import { asApiError, request, type ApiError } from '../../api';
import type { SearchPageQuery } from '../../gql/graphql';
import { ErrorBox } from '../../components/error-box';
import { AddItems } from './add-items';
import { CollectionPanel } from './collection-panel';
import { CreateCollection, SearchPage_ } from './documents';
import { HitList, type Hits } from './hit-list';
import { SearchForm } from './search-form';

export function SearchPage() {
  const [page, setPage] = useState<SearchPageQuery | null>(null);
  const [collection, setCollection] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
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

  return (
    <section class="page" aria-labelledby="search-title">
      <h1 id="search-title">Search a collection</h1>
      <CollectionPanel
        page={page}
        collection={collection}
        busy={busy != null}
        onSelect={(name) => {
          setCollection(name);
          setHits(null);
        }}
        onCreate={(form) => void create(form)}
      />
      <AddItems
        collection={collection}
        busy={busy != null}
        act={act}
        onAdded={async (message) => {
          await refresh(collection);
          setNotice(message);
        }}
      />
      <SearchForm collection={collection} busy={busy} notice={notice} act={act} onHits={setHits} />
      <ErrorBox error={error} />
      {hits && <HitList hits={hits} />}
    </section>
  );
}
