import { useEffect, useState } from 'react';
import { api } from '../lib/api.ts';
import type { ChatClient } from '../lib/client.ts';
import { useT } from '../lib/prefs.ts';
import type { Chat, PublicUser } from '../lib/types.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorLine, useAction } from './useAction.tsx';
import { Avatar } from './Avatar.tsx';
import { SearchForm } from './SearchForm.tsx';

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
  const [found, setFound] = useState<PublicUser[]>([]);
  const { error, fail, run: attempt } = useAction();
  const [version, setVersion] = useState(0);
  const myRole = members.find((m) => m.id === meId)?.role ?? chat.role;
  const manages = myRole === 'owner' || myRole === 'admin';

  useEffect(() => {
    api<{ members: Member[] }>('GET', `/api/chats/${chat.id}`).then(
      (detail) => setMembers(detail.members),
      fail,
    );
  }, [chat.id, version]);

  const run = (method: string, path: string, body?: unknown) =>
    attempt(async () => {
      await client.changeGroup(method, path, body);
      setVersion((v) => v + 1);
    });

  async function search(query: string) {
    const users = await client.searchUsers(query).catch(() => []);
    setFound(users.filter((u) => !members.some((m) => m.id === u.id)));
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
            <Avatar name={m.nickname || m.username} small />
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
          <SearchForm label={t('addMembers')} placeholder={t('searchUsers')} button="secondary" onSearch={search} />
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
            void run('DELETE', `/api/chats/${chat.id}/members/${meId}`).then((left) => left && onClose());
          }}
        >
          {t('leave')}
        </button>
      </p>
    </Dialog>
  );
}
