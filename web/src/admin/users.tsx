import { useCallback, useEffect, useState } from 'react';
import { ApiError, type AdminUser, type UserPage } from './api.ts';
import { api } from '../lib/api.ts';
import { ConfirmDialog, type Pending } from './confirm.tsx';
import { userName, when } from './format.ts';
import { useI18n } from './i18n.ts';

const PAGE = 20;

/** Finding accounts and acting on them: each action asks first, then says what it did. */
export function Users({ me }: { me: number }) {
  const { t, lang } = useI18n();
  const [query, setQuery] = useState('');
  const [onlyDisabled, setOnlyDisabled] = useState(false);
  const [onlyAdmins, setOnlyAdmins] = useState(false);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<UserPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);

  const load = useCallback(async () => {
    const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (query.trim()) params.set('q', query.trim());
    if (onlyDisabled) params.set('disabled', 'true');
    if (onlyAdmins) params.set('admin', 'true');
    try {
      const found = await api<UserPage>('GET', `/api/admin/users?${params}`);
      // An action that emptied the last page (its only user deleted, or filtered out by a
      // disable) steps back to the last page that still has users.
      if (found.users.length === 0 && offset > 0 && found.total > 0) {
        setOffset(Math.floor((found.total - 1) / PAGE) * PAGE);
        return;
      }
      setPage(found);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [query, onlyDisabled, onlyAdmins, offset]);

  // Typing settles for a moment before the search runs.
  useEffect(() => {
    const timer = setTimeout(() => void load(), 250);
    return () => clearTimeout(timer);
  }, [load]);

  const act = (text: string, danger: boolean, action: () => Promise<string>) =>
    setPending({
      text,
      danger,
      run: async () => {
        try {
          setNotice(await action());
          setError(null);
        } catch (err) {
          setError(err instanceof ApiError ? err.message : String(err));
        }
        await load();
      },
    });

  const actions = (u: AdminUser) => {
    const name = userName(u);
    const base = `/api/admin/users/${u.id}`;
    const ended = (r: { sessions_ended: number }) => t('sessionsEnded', { n: r.sessions_ended });
    const list: { label: string; run: () => void; danger?: boolean }[] = [];
    if (u.is_disabled) list.push({ label: t('enable'), run: () => act(`${t('enable')} ${name}?`, false, async () => (await api('POST', `${base}/enable`), `${t('enable')}: ${name}`)) });
    else if (u.id !== me) list.push({ label: t('disable'), danger: true, run: () => act(t('confirmDisable', { name }), true, async () => `${t('disabled')}: ${name}; ${ended(await api('POST', `${base}/disable`))}`) });
    // Resetting one's own password or signing oneself out everywhere would end this console's
    // session too, taking the new password with it: the operator's CLI does those.
    if (u.id !== me) {
      list.push({
        label: t('resetPassword'),
        run: () =>
          act(t('confirmReset', { name }), true, async () => {
            const r = await api<{ password: string; sessions_ended: number }>('POST', `${base}/reset-password`, {});
            return `${t('newPassword', { name, password: r.password })} · ${ended(r)}`;
          }),
      });
      list.push({ label: t('revokeSessions'), run: () => act(t('confirmRevoke', { name }), false, async () => `${name}: ${ended(await api('POST', `${base}/revoke-sessions`))}`) });
    }
    if (!u.is_admin) list.push({ label: t('makeAdmin'), run: () => act(t('confirmMakeAdmin', { name }), false, async () => (await api('PUT', `${base}/admin`), `${t('admin')}: ${name}`)) });
    else if (u.id !== me) list.push({ label: t('revokeAdmin'), run: () => act(t('confirmRevokeAdmin', { name }), true, async () => (await api('DELETE', `${base}/admin`), `${t('revokeAdmin')}: ${name}`)) });
    if (u.id !== me) list.push({ label: t('deleteUser'), danger: true, run: () => act(t('confirmDeleteUser', { name }), true, async () => (await api('DELETE', base), `${t('deleteUser')}: ${name}`)) });
    return list;
  };

  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">{t('users')}</h2>
      <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span className="visually-hidden">{t('search')}</span>
          <input
            type="search"
            aria-label={t('search')}
            placeholder={t('searchPlaceholder')}
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setOffset(0);
            }}
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={onlyDisabled} onChange={(e) => (setOnlyDisabled(e.target.checked), setOffset(0))} /> {t('onlyDisabled')}
        </label>
        <label className="check">
          <input type="checkbox" checked={onlyAdmins} onChange={(e) => (setOnlyAdmins(e.target.checked), setOffset(0))} /> {t('onlyAdmins')}
        </label>
      </form>
      {notice && (
        <p role="status" className="notice">
          {notice} <button onClick={() => setNotice(null)}>{t('done')}</button>
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {page && page.users.length === 0 && <p>{t('none')}</p>}
      {page && page.users.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('name')}</th>
                <th scope="col">{t('contact')}</th>
                <th scope="col">{t('status')}</th>
                <th scope="col">{t('lastSeen')}</th>
                <th scope="col">{t('actions')}</th>
              </tr>
            </thead>
            <tbody>
              {page.users.map((u) => (
                <tr key={u.id} aria-label={userName(u)}>
                  <td>
                    <strong>{userName(u)}</strong>
                    {u.id === me && <span className="tag">{t('you')}</span>}
                    <div className="muted">
                      #{u.id}
                      {u.username ? ` · @${u.username}` : ''}
                    </div>
                  </td>
                  <td>
                    {u.phone ?? ''}
                    {u.phone && u.email ? <br /> : null}
                    {u.email ?? ''}
                  </td>
                  <td>
                    <span className={`tag ${u.is_disabled ? 'bad' : 'good'}`}>{t(u.is_disabled ? 'disabled' : 'active')}</span>
                    {u.is_admin && <span className="tag">{t('admin')}</span>}
                  </td>
                  <td>{when(u.last_seen ?? u.last_login_at, lang)}</td>
                  <td>
                    <div className="actions">
                      {actions(u).map((a) => (
                        <button key={a.label} className={a.danger ? 'danger' : undefined} onClick={a.run} aria-label={`${a.label}: ${userName(u)}`}>
                          {a.label}
                        </button>
                      ))}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page && page.total > PAGE && (
        <nav className="pager" aria-label={t('users')}>
          <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            {t('previous')}
          </button>
          <span>{t('shown', { from: offset + 1, to: offset + page.users.length, total: page.total })}</span>
          <button disabled={!page.has_more} onClick={() => setOffset(offset + PAGE)}>
            {t('next')}
          </button>
        </nav>
      )}
      <ConfirmDialog pending={pending} onClose={() => setPending(null)} />
    </section>
  );
}
