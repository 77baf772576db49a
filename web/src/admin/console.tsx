import { useEffect, useMemo, useState } from 'react';
import { ApiError, signOut, type Stats } from './api.ts';
import { api, whenSignedOut } from '../lib/api.ts';
import { Chats } from './chats.tsx';
import { userName } from './format.ts';
import { I18n, initialLang, rememberLang, translator, useI18n, type Lang } from './i18n.ts';
import { Overview } from './overview.tsx';
import { localeOf } from '../lib/i18n.ts';
import { loadSession, type Session } from '../lib/session.ts';
import { SignIn } from './sign-in.tsx';
import { Users } from './users.tsx';

const BASE = '/app/admin';
const views = ['overview', 'users', 'chats'] as const;
type View = (typeof views)[number];

function viewOf(pathname: string): View {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length).replace(/^\/+|\/+$/g, '') : '';
  return (views as readonly string[]).includes(rest) ? (rest as View) : 'overview';
}

function LanguageSwitch({ onChange }: { onChange: (l: Lang) => void }) {
  const { lang, t } = useI18n();
  return (
    <label className="lang">
      <span className="visually-hidden">{t('language')}</span>
      <select aria-label={t('language')} value={lang} onChange={(e) => onChange(e.target.value as Lang)}>
        <option value="en">English</option>
        <option value="zh">中文</option>
      </select>
    </label>
  );
}

/** Whether the signed-in account may use the console: unknown until the admin API answers. */
type Access = 'checking' | 'admin' | 'not-admin';

export function Console() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const i18n = useMemo(() => ({ lang, t: translator(lang) }), [lang]);
  const [session, setSession] = useState<Session | null>(loadSession);
  const [access, setAccess] = useState<Access>('checking');
  const [view, setView] = useState<View>(() => viewOf(location.pathname));
  const { t } = i18n;

  useEffect(() => {
    document.title = t('title');
    document.documentElement.lang = localeOf(lang);
  }, [t, lang]);

  useEffect(() => {
    whenSignedOut(() => setSession(null));
    const back = () => setView(viewOf(location.pathname));
    // Another tab (the chat client) signing in or out changes the shared session; a refreshed
    // token of the same person changes nothing here (api() reads the token at each call).
    const shared = (e: StorageEvent) => {
      if (e.key !== 'parley.session') return;
      const next = loadSession();
      setSession((cur) => (next?.user.id === cur?.user.id ? cur : next));
    };
    window.addEventListener('popstate', back);
    window.addEventListener('storage', shared);
    return () => {
      window.removeEventListener('popstate', back);
      window.removeEventListener('storage', shared);
    };
  }, []);

  useEffect(() => {
    if (!session) return;
    setAccess('checking');
    api<Stats>('GET', '/api/admin/stats').then(
      () => setAccess('admin'),
      (err: unknown) => setAccess(err instanceof ApiError && err.status === 403 ? 'not-admin' : 'admin'),
    );
  }, [session]);

  const changeLang = (l: Lang) => {
    rememberLang(l);
    setLang(l);
  };
  const go = (v: View) => {
    history.pushState(null, '', v === 'overview' ? `${BASE}/` : `${BASE}/${v}`);
    setView(v);
  };
  const leave = async () => {
    await signOut();
    setSession(null);
  };

  let body;
  if (!session) body = <SignIn onSignedIn={setSession} />;
  else if (access === 'checking') body = <p aria-busy="true">{t('loading')}</p>;
  else if (access === 'not-admin') {
    body = (
      <main className="narrow">
        <h1>{t('notAdminTitle')}</h1>
        <p>{t('notAdminText', { name: userName(session.user) })}</p>
        <p>
          <a href="/app/">{t('openChat')}</a> · <button onClick={() => void leave()}>{t('signOut')}</button>
        </p>
      </main>
    );
  } else {
    body = (
      <>
        <header className="top">
          <strong className="brand">{t('title')}</strong>
          <nav aria-label={t('title')}>
            {views.map((v) => (
              <a
                key={v}
                href={v === 'overview' ? `${BASE}/` : `${BASE}/${v}`}
                aria-current={view === v ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  go(v);
                }}
              >
                {t(v)}
              </a>
            ))}
          </nav>
          <span className="me">{userName(session.user)}</span>
          <LanguageSwitch onChange={changeLang} />
          <button onClick={() => void leave()}>{t('signOut')}</button>
        </header>
        <main>
          {view === 'overview' && <Overview />}
          {view === 'users' && <Users me={session.user.id} />}
          {view === 'chats' && <Chats />}
        </main>
      </>
    );
  }

  return (
    <I18n.Provider value={i18n}>
      {!(session && access === 'admin') && (
        <div className="corner">
          <LanguageSwitch onChange={changeLang} />
        </div>
      )}
      {body}
    </I18n.Provider>
  );
}
