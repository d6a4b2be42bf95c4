import { useEffect } from 'preact/hooks';
import { Link, useLocation } from './router';
import { GeneratePage } from './pages/generate';
import { OcrPage } from './pages/ocr';
import { SpeechPage } from './pages/speech';
import { TranscribePage } from './pages/transcribe';
import { VisionPage } from './pages/vision';
import { SearchPage } from './pages/search';
import { PipelinesPage } from './pages/pipelines';
import { SpeakPage } from './pages/speak';
import { HistoryPage } from './pages/history';
import { RequestDetailPage } from './pages/request-detail';
import { ModelsPage } from './pages/models';
import { ApiKeySettings } from './components/api-key-settings';

const TABS = [
  { href: '/generate', label: 'Generate', match: (path: string) => path === '/' || path === '/generate' },
  { href: '/ocr', label: 'OCR', match: (path: string) => path === '/ocr' },
  { href: '/speech', label: 'Speech', match: (path: string) => path === '/speech' },
  { href: '/speak', label: 'Speak', match: (path: string) => path === '/speak' },
  { href: '/transcribe', label: 'Transcribe', match: (path: string) => path === '/transcribe' },
  { href: '/vision', label: 'Vision', match: (path: string) => path === '/vision' },
  { href: '/search', label: 'Search', match: (path: string) => path === '/search' },
  { href: '/pipelines', label: 'Pipelines', match: (path: string) => path === '/pipelines' },
  { href: '/history', label: 'History', match: (path: string) => path === '/history' || path.startsWith('/requests/') },
  { href: '/models', label: 'Models', match: (path: string) => path === '/models' },
];

function route(path: string) {
  const detail = /^\/requests\/([^/]+)\/?$/.exec(path);
  if (detail) return <RequestDetailPage key={detail[1]} id={decodeURIComponent(detail[1])} />;
  switch (path) {
    case '/':
    case '/generate':
      return <GeneratePage />;
    case '/ocr':
      return <OcrPage />;
    case '/speech':
      return <SpeechPage />;
    case '/speak':
      return <SpeakPage />;
    case '/transcribe':
      return <TranscribePage />;
    case '/vision':
      return <VisionPage />;
    case '/search':
      return <SearchPage />;
    case '/pipelines':
      return <PipelinesPage />;
    case '/history':
      return <HistoryPage />;
    case '/models':
      return <ModelsPage />;
    default:
      return (
        <section class="page">
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{path}</code>. <Link href="/">Back to Generate</Link>
          </p>
        </section>
      );
  }
}

export function App() {
  const { path } = useLocation();
  const current = TABS.find((tab) => tab.match(path));
  useEffect(() => {
    document.title = current ? `${current.label} · Tessera` : 'Tessera';
  }, [current]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand" aria-label="Tessera home">
          <img src="/favicon.svg" alt="" width={20} height={20} />
          Tessera
        </Link>
        <nav aria-label="Tasks">
          {TABS.map((tab) => (
            <Link key={tab.href} href={tab.href} aria-current={tab === current ? 'page' : undefined}>
              {tab.label}
            </Link>
          ))}
        </nav>
        <ApiKeySettings />
        <a class="graphiql" href="/graphql">
          GraphiQL
        </a>
      </header>
      <main id="main" tabIndex={-1}>
        {route(path)}
      </main>
    </>
  );
}
