import { useState, type FormEvent } from 'react';
import { signIn } from './api.ts';
import { useI18n } from './i18n.ts';
import type { Session } from '../lib/session.ts';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const { t } = useI18n();
  const [account, setAccount] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      onSignedIn(await signIn(account, password));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="narrow">
      <h1>{t('title')}</h1>
      <p>{t('signInLead')}</p>
      <form className="stack" onSubmit={(e) => void submit(e)} aria-label={t('signIn')}>
        <label>
          {t('account')}
          <input name="account" autoComplete="username" required value={account} onChange={(e) => setAccount(e.target.value)} />
        </label>
        <label>
          {t('password')}
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button className="primary" disabled={busy}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
      </form>
    </main>
  );
}
