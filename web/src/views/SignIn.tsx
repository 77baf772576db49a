import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../lib/api.ts';
import { useT } from '../lib/prefs.ts';
import { saveSession, type Session } from '../lib/session.ts';
import type { SessionUser } from '../lib/types.ts';

interface AuthAnswer {
  user: SessionUser;
  access_token: string;
  refresh_token: string;
}

const isPhone = (s: string) => /^\+?[0-9]{5,20}$/.test(s);

/** Sign in (password or code) and create an account (with a code where the server asks for one). */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice?: string }) {
  const t = useT();
  const [mode, setMode] = useState<'signin' | 'register'>('signin');
  const [withCode, setWithCode] = useState(false);
  const [needCode, setNeedCode] = useState(false);
  const [login, setLogin] = useState('');
  const [nickname, setNickname] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState(notice ?? '');
  const [info, setInfo] = useState('');
  const [busy, setBusy] = useState(false);
  const showCode = mode === 'register' ? needCode : withCode;

  async function sendCode() {
    setError('');
    try {
      const sent = await api<{ expires_in: number }>('POST', '/api/auth/code', { phone: login });
      setInfo(t('codeSent', { minutes: Math.round(sent.expires_in / 60) }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const body =
        mode === 'register'
          ? { phone: login, password, nickname: nickname || undefined, code: code || undefined }
          : { ...(isPhone(login) ? { phone: login } : { username: login }), ...(withCode ? { code } : { password }) };
      const answer = await api<AuthAnswer>('POST', mode === 'register' ? '/api/auth/register' : '/api/auth/login', body);
      const session = { token: answer.access_token, user: answer.user };
      saveSession(session, answer.refresh_token);
      onSignedIn(session);
    } catch (err) {
      if (mode === 'register' && err instanceof ApiError && err.fields.includes('code') && !needCode) {
        setNeedCode(true);
        setError(t('codeRequired'));
      } else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth">
      <form className="auth-card" onSubmit={(e) => void submit(e)} aria-labelledby="auth-title">
        <div className="brand" aria-hidden="true">
          P
        </div>
        <h1 id="auth-title">{mode === 'signin' ? t('signIn') : t('register')}</h1>
        <label>
          {mode === 'register' ? t('phone') : t('phoneOrUsername')}
          <input name="login" autoComplete="username" inputMode={mode === 'register' ? 'tel' : 'text'} required value={login} onChange={(e) => setLogin(e.target.value)} />
        </label>
        {mode === 'register' && (
          <label>
            {t('nickname')}
            <input name="nickname" autoComplete="nickname" value={nickname} onChange={(e) => setNickname(e.target.value)} />
          </label>
        )}
        {(mode === 'register' || !withCode) && (
          <label>
            {t('password')}
            <input
              name="password"
              type="password"
              autoComplete={mode === 'register' ? 'new-password' : 'current-password'}
              required
              minLength={mode === 'register' ? 8 : 1}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
        )}
        {showCode && (
          <div className="code-row">
            <label>
              {t('code')}
              <input name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" required value={code} onChange={(e) => setCode(e.target.value)} />
            </label>
            <button type="button" className="secondary" onClick={() => void sendCode()} disabled={!isPhone(login)}>
              {t('sendCode')}
            </button>
          </div>
        )}
        {info && <p className="info">{info}</p>}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {mode === 'signin' ? t('signIn') : t('register')}
        </button>
        {mode === 'signin' && (
          <button type="button" className="link" onClick={() => setWithCode(!withCode)}>
            {withCode ? t('usePassword') : t('useCode')}
          </button>
        )}
        <button
          type="button"
          className="link"
          onClick={() => {
            setMode(mode === 'signin' ? 'register' : 'signin');
            setError('');
            setInfo('');
          }}
        >
          {mode === 'signin' ? t('noAccount') : t('haveAccount')}
        </button>
      </form>
    </main>
  );
}
