import { useState } from 'react';
import type { ChatClient } from '../lib/client.ts';
import { useT } from '../lib/prefs.ts';
import type { PublicUser } from '../lib/types.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorLine, useAction } from './useAction.tsx';
import { Avatar } from './Avatar.tsx';
import { SearchForm } from './SearchForm.tsx';

/** Find people by username, name or phone; message them, add them as contacts, or pick them for a group. */
export function NewChatDialog({ client, onClose }: { client: ChatClient; onClose: () => void }) {
  const t = useT();
  const [results, setResults] = useState<PublicUser[] | null>(null);
  const [picked, setPicked] = useState<PublicUser[]>([]);
  const [groupName, setGroupName] = useState('');
  const { error, run } = useAction();
  const [added, setAdded] = useState<Set<number>>(new Set());

  const search = (query: string) =>
    run(async () => {
      setResults(await client.searchUsers(query));
    });

  const message = (u: PublicUser) =>
    run(async () => {
      const id = await client.startChatWith(u.id);
      client.openChat(id);
      onClose();
    });

  return (
    <Dialog title={t('newChat')} onClose={onClose}>
      <SearchForm label={t('searchUsers')} autoFocus onSearch={search} />
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
              <Avatar name={u.nickname || u.username} small />
              <span className="grow">
                {u.nickname} {u.username && <small>@{u.username}</small>}
              </span>
            </label>
            <button type="button" className="primary" onClick={() => void message(u)}>
              {t('message')}
            </button>
            {!u.is_contact && !added.has(u.id) ? (
              <button type="button" className="secondary" onClick={() => void run(async () => {
                await client.addContact(u.id);
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
