// The example app's shell: which client's page is shown (#/apollo or #/urql), the API key, and where the
// gateway is (settings.ts).
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ApolloPage } from './apollo/ApolloPage';
import { loadSettings, type Settings, saveApiKey } from './settings';
import './styles.css';
import { UrqlPage } from './urql/UrqlPage';

type Route = 'apollo' | 'urql';

function currentRoute(): Route {
  return window.location.hash === '#/urql' ? 'urql' : 'apollo';
}

function App() {
  const [route, setRoute] = useState<Route>(currentRoute);
  const [settings, setSettings] = useState<Settings>(loadSettings);
  const [draftKey, setDraftKey] = useState(settings.apiKey);

  useEffect(() => {
    const onHashChange = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);

  return (
    <>
      <header>
        <h1>jobs-gateway</h1>
        <nav>
          <a href="#/apollo" className={route === 'apollo' ? 'current' : ''} data-testid="nav-apollo">
            Apollo Client
          </a>
          <a href="#/urql" className={route === 'urql' ? 'current' : ''} data-testid="nav-urql">
            urql
          </a>
        </nav>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            saveApiKey(draftKey);
            setSettings({ ...settings, apiKey: draftKey });
          }}
        >
          <label>
            API key{' '}
            <input
              value={draftKey}
              onChange={(event) => setDraftKey(event.target.value)}
              data-testid="api-key"
            />
          </label>{' '}
          <button type="submit">Use</button>
        </form>
        <span className="gateway" data-testid="gateway-url">
          {settings.httpUrl}
        </span>
      </header>
      <main data-testid={`page-${route}`}>
        {route === 'apollo' ? (
          <ApolloPage key={settings.apiKey} settings={settings} />
        ) : (
          <UrqlPage key={settings.apiKey} settings={settings} />
        )}
      </main>
    </>
  );
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
