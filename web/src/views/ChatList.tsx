import { useLocale, useT } from '../lib/prefs.ts';
import { shortTime } from '../lib/format.ts';
import type { ContactFlags } from '../lib/client.ts';
import type { Chat } from '../lib/types.ts';
import { previewOf } from './preview.ts';
import { Avatar } from './Avatar.tsx';

/** A chat is quiet when muted itself, or when it is the private chat of a muted contact. */
const quiet = (c: Chat, contacts: Record<number, ContactFlags>) => c.is_muted || (c.peer_id !== null && contacts[c.peer_id]?.is_muted === true);

export function ChatList({
  chats,
  contacts,
  loaded,
  openId,
  meId,
  onOpen,
}: {
  chats: Chat[];
  contacts: Record<number, ContactFlags>;
  loaded: boolean;
  openId: number | null;
  meId: number;
  onOpen: (id: number) => void;
}) {
  const t = useT();
  const locale = useLocale();
  if (loaded && chats.length === 0) return <p className="empty small">{t('noChats')}</p>;
  return (
    <ul className="chat-list" data-testid="chat-list">
      {chats.map((c) => {
        const muted = quiet(c, contacts);
        return (
          <li key={c.id}>
            <button type="button" className={`chat-item ${c.id === openId ? 'active' : ''}`} aria-current={c.id === openId ? 'true' : undefined} onClick={() => onOpen(c.id)} data-chat-id={c.id}>
              <Avatar name={c.name} />
              <span className="chat-text">
                <span className="chat-top">
                  <span className="chat-name">
                    {c.is_pinned && <span aria-label="pinned">📌 </span>}
                    {c.name}
                    {muted && <span aria-label="muted"> 🔕</span>}
                  </span>
                  {c.last_message && <time className="chat-time">{shortTime(c.last_message.created_at, locale)}</time>}
                </span>
                <span className="chat-bottom">
                  <span className="chat-last">{c.last_message ? `${c.last_message.sender_id === meId ? `${t('you')}: ` : ''}${previewOf(c.last_message, t)}` : ''}</span>
                  {c.unread_count > 0 && (
                    <span className={`unread ${muted ? 'muted' : ''}`} aria-label={`${c.unread_count} unread`} data-testid="unread">
                      {c.unread_count}
                    </span>
                  )}
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
