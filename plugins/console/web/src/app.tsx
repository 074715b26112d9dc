import { useEffect, useState } from 'preact/hooks';
import { adminKey, api, ApiError, whenDenied } from './api.js';
import type { Traffic } from './types.js';
import { CircuitsView } from './views/circuits.js';
import { ConfigView } from './views/config.js';
import { ExplainView } from './views/explain.js';
import { KeysView } from './views/keys.js';
import { RequestsView } from './views/requests.js';
import { TrafficView } from './views/traffic.js';

const VIEWS = [
  { id: 'traffic', title: 'Traffic' },
  { id: 'circuits', title: 'Circuits' },
  { id: 'explain', title: 'Route explain' },
  { id: 'keys', title: 'Keys' },
  { id: 'config', title: 'Config' },
  { id: 'requests', title: 'Requests' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

const viewOf = (hash: string): ViewId => VIEWS.find((v) => `#/${v.id}` === hash)?.id ?? 'traffic';

type Session =
  | { kind: 'checking' }
  /** Asks for the admin key; `error` says why the last one was refused. */
  | { kind: 'locked'; error?: string }
  | { kind: 'open'; withKey: boolean; refreshMs: number };

/** Tries the admin endpoints with the stored key (or none: loopback callers without admin keys). */
async function probe(): Promise<Session> {
  const withKey = adminKey.get() !== null;
  try {
    const traffic = await api<Traffic>('/admin/console/traffic');
    return { kind: 'open', withKey, refreshMs: traffic.refreshMs };
  } catch (err) {
    const refused = err instanceof ApiError && err.denied;
    if (refused) adminKey.clear();
    // Without a key, a refusal only means "sign in"; with one, say why it was refused.
    if (refused && !withKey) return { kind: 'locked' };
    return { kind: 'locked', error: err instanceof Error ? err.message : String(err) };
  }
}

export function App() {
  const [session, setSession] = useState<Session>({ kind: 'checking' });
  const [view, setView] = useState<ViewId>(viewOf(location.hash));

  useEffect(() => {
    whenDenied((error) => {
      adminKey.clear();
      setSession({ kind: 'locked', error: error.message });
    });
    void probe().then(setSession);
    const onHash = (): void => setView(viewOf(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  if (session.kind === 'checking') return <p class="note center">Connecting…</p>;
  if (session.kind === 'locked') {
    return (
      <SignIn
        error={session.error}
        onKey={(key) => {
          adminKey.set(key);
          setSession({ kind: 'checking' });
          void probe().then(setSession);
        }}
      />
    );
  }
  const signOut = (): void => {
    adminKey.clear();
    setSession({ kind: 'locked' });
  };
  return (
    <div class="layout">
      <header class="top">
        <span class="brand">Switchyard</span>
        <nav>
          {VIEWS.map((v) => (
            <a
              key={v.id}
              href={`#/${v.id}`}
              class={v.id === view ? 'active' : ''}
              aria-current={v.id === view ? 'page' : undefined}
              data-testid={`nav-${v.id}`}
            >
              {v.title}
            </a>
          ))}
        </nav>
        <span class="who" data-testid="access">
          {session.withKey ? 'admin key' : 'loopback access (no admin keys configured)'}
        </span>
        {session.withKey ? (
          <button type="button" class="link" onClick={signOut} data-testid="sign-out">
            Sign out
          </button>
        ) : null}
      </header>
      <main>
        {view === 'traffic' ? <TrafficView refreshMs={session.refreshMs} /> : null}
        {view === 'circuits' ? <CircuitsView refreshMs={session.refreshMs} /> : null}
        {view === 'explain' ? <ExplainView /> : null}
        {view === 'keys' ? <KeysView refreshMs={session.refreshMs} /> : null}
        {view === 'config' ? <ConfigView /> : null}
        {view === 'requests' ? <RequestsView refreshMs={session.refreshMs} /> : null}
      </main>
    </div>
  );
}

function SignIn({ error, onKey }: { error: string | undefined; onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  return (
    <form
      class="signin"
      onSubmit={(e) => {
        e.preventDefault();
        if (key.trim()) onKey(key.trim());
      }}
    >
      <h1>Switchyard console</h1>
      <p>
        This gateway has admin keys: enter one to see its traffic, circuits, keys and config. It is kept in this tab
        only (sessionStorage) and sent as a Bearer token to the admin endpoints.
      </p>
      <label>
        Admin key
        <input
          type="password"
          autocomplete="off"
          value={key}
          data-testid="admin-key"
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit" class="primary" data-testid="sign-in">
        Sign in
      </button>
      {error ? (
        <p class="failure" role="alert" data-testid="signin-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
