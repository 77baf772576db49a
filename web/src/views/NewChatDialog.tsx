import { useState, type FormEvent } from 'react';
import { api } from '../lib/api.ts';
import type { ChatClient } from '../lib/client.ts';
import { useT } from '../lib/prefs.ts';
import type { PublicUser } from '../lib/types.ts';
import { initial } from './ChatApp.tsx';
import { Dialog } from './Dialog.tsx';
import { ErrorLine, useAction } from './useAction.tsx';

/** Find people by username, name or phone; message them, add them as contacts, or pick them for a group. */
export function NewChatDialog({ client, onClose }: { client: ChatClient; onClose: () => void }) {
  const t = useT();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<PublicUser[] | null>(null);
  const [picked, setPicked] = useState<PublicUser[]>([]);
  const [groupName, setGroupName] = useState('');
  const { error, run } = useAction();
  const [added, setAdded] = useState<Set<number>>(new Set());

  async function search(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const page = await api<{ users: PublicUser[] }>('GET', `/api/users/search?q=${encodeURIComponent(query.trim())}`);
      setResults(page.users);
    });
  }

  const message = (u: PublicUser) =>
    run(async () => {
      const id = await client.startChatWith(u.id);
      client.openChat(id);
      onClose();
    });

  return (
    <Dialog title={t('newChat')} onClose={onClose}>
      <form className="search-row" onSubmit={(e) => void search(e)}>
        <label className="grow">
          <span className="sr-only">{t('searchUsers')}</span>
          <input type="search" placeholder={t('searchUsers')} aria-label={t('searchUsers')} value={query} onChange={(e) => setQuery(e.target.value)} autoFocus required />
        </label>
        <button type="submit" className="primary">
          {t('search')}
        </button>
      </form>
      <ErrorLine error={error} />
      {results && results.length === 0 && <p className="empty small">{t('noResults')}</p>}
      <ul className="people">
        {results?.map((u) => (
          <li key={u.id} data-testid="user-result">
            <label className="person">
              <input
                type="checkbox"
                checked={picked.some((p) => p.id === u.id)}
                onChange={(e) => setPicked(e.target.checked ? [...picked, u] : picked.filter((p) => p.id !== u.id))}
                aria-label={`${t('newGroup')}: ${u.nickname}`}
              />
              <span className="avatar small" aria-hidden="true">
                {initial(u.nickname || u.username)}
              </span>
              <span className="grow">
                {u.nickname} {u.username && <small>@{u.username}</small>}
              </span>
            </label>
            <button type="button" className="primary" onClick={() => void message(u)}>
              {t('message')}
            </button>
            {!u.is_contact && !added.has(u.id) ? (
              <button type="button" className="secondary" onClick={() => void run(async () => {
                await api('POST', '/api/contacts', { user_id: u.id });
                setAdded(new Set([...added, u.id]));
              })}>
                {t('addContact')}
              </button>
            ) : (
              <small>{t('contactAdded')}</small>
            )}
          </li>
        ))}
      </ul>
      {picked.length > 0 && (
        <form
          className="search-row"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              const id = await client.createGroup(groupName.trim(), picked.map((p) => p.id));
              client.openChat(id);
              onClose();
            });
          }}
        >
          <label className="grow">
            <span className="sr-only">{t('groupName')}</span>
            <input placeholder={t('groupName')} aria-label={t('groupName')} value={groupName} onChange={(e) => setGroupName(e.target.value)} required />
          </label>
          <button type="submit" className="primary">
            {t('newGroup')} ({picked.length})
          </button>
        </form>
      )}
    </Dialog>
  );
}
