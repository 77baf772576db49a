import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../lib/api.ts';
import type { ChatClient } from '../lib/client.ts';
import { useT } from '../lib/prefs.ts';
import type { Chat, PublicUser } from '../lib/types.ts';
import { initial } from './ChatApp.tsx';
import { Dialog } from './Dialog.tsx';
import { ErrorLine, useAction } from './useAction.tsx';

interface Member {
  id: number;
  username: string;
  nickname: string;
  role: string;
}

/** A group's name, announcement and members; what each control allows follows my role (owner, admin, member). */
export function GroupDialog({ client, chat, meId, onClose }: { client: ChatClient; chat: Chat; meId: number; onClose: () => void }) {
  const t = useT();
  const [members, setMembers] = useState<Member[]>([]);
  const [name, setName] = useState(chat.name);
  const [announcement, setAnnouncement] = useState(chat.announcement);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<PublicUser[]>([]);
  const { error, setError, run: attempt } = useAction();
  const [version, setVersion] = useState(0);
  const myRole = members.find((m) => m.id === meId)?.role ?? chat.role;
  const manages = myRole === 'owner' || myRole === 'admin';

  useEffect(() => {
    api<{ members: Member[] }>('GET', `/api/chats/${chat.id}`).then(
      (detail) => setMembers(detail.members),
      (err: unknown) => setError(String(err)),
    );
  }, [chat.id, version]);

  const run = (method: string, path: string, body?: unknown) =>
    attempt(async () => {
      await client.changeGroup(method, path, body);
      setVersion((v) => v + 1);
    });

  async function search(e: FormEvent) {
    e.preventDefault();
    const page = await api<{ users: PublicUser[] }>('GET', `/api/users/search?q=${encodeURIComponent(query.trim())}`).catch(() => ({ users: [] }));
    setFound(page.users.filter((u) => !members.some((m) => m.id === u.id)));
  }

  return (
    <Dialog title={t('group')} onClose={onClose}>
      <ErrorLine error={error} />
      <form
        className="group-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run('PUT', `/api/chats/${chat.id}`, { name: name.trim(), announcement });
        }}
      >
        <label>
          {t('groupName')}
          <input value={name} onChange={(e) => setName(e.target.value)} disabled={!manages} required />
        </label>
        <label>
          {t('announcement')}
          <textarea value={announcement} onChange={(e) => setAnnouncement(e.target.value)} disabled={!manages} rows={2} />
        </label>
        {manages && (
          <button type="submit" className="primary">
            {t('save')}
          </button>
        )}
      </form>
      <h3>{members.length === 1 ? t('oneMember') : t('members', { count: members.length })}</h3>
      <ul className="people">
        {members.map((m) => (
          <li key={m.id}>
            <span className="avatar small" aria-hidden="true">
              {initial(m.nickname || m.username)}
            </span>
            <span className="grow">
              {m.nickname} {m.role !== 'member' && <small>({m.role === 'owner' ? t('roleOwner') : t('roleAdmin')})</small>}
            </span>
            {myRole === 'owner' && m.id !== meId && (
              <button type="button" className="link" onClick={() => void run('PUT', `/api/chats/${chat.id}/members/${m.id}`, { role: m.role === 'admin' ? 'member' : 'admin' })}>
                {m.role === 'admin' ? t('makeMember') : t('makeAdmin')}
              </button>
            )}
            {manages && m.id !== meId && m.role !== 'owner' && (
              <button type="button" className="link" onClick={() => void run('DELETE', `/api/chats/${chat.id}/members/${m.id}`)}>
                {t('remove')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {manages && (
        <>
          <form className="search-row" onSubmit={(e) => void search(e)}>
            <input type="search" className="grow" aria-label={t('addMembers')} placeholder={t('searchUsers')} value={query} onChange={(e) => setQuery(e.target.value)} required />
            <button type="submit" className="secondary">
              {t('search')}
            </button>
          </form>
          <ul className="people">
            {found.map((u) => (
              <li key={u.id}>
                <span className="grow">{u.nickname}</span>
                <button
                  type="button"
                  className="primary"
                  onClick={() => {
                    setFound(found.filter((f) => f.id !== u.id));
                    void run('POST', `/api/chats/${chat.id}/members`, { members: [u.id] });
                  }}
                >
                  {t('addMembers')}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <p>
        <button
          type="button"
          className="secondary danger"
          onClick={() => {
            void run('DELETE', `/api/chats/${chat.id}/members/${meId}`).then(onClose);
          }}
        >
          {t('leave')}
        </button>
      </p>
    </Dialog>
  );
}
