import { useState, type FormEvent } from 'react';
import { ApiError, type ChatReport, type MessageReport } from './api.ts';
import { api } from '../lib/api.ts';
import { ConfirmDialog, type Pending } from './confirm.tsx';
import { userName, when } from './format.ts';
import { useI18n } from './i18n.ts';

const idOf = (text: string) => (/^\s*\d{1,15}\s*$/.test(text) ? Number(text) : null);

/** A chat or a message, found by the id a user reported: shown, and deleted after a question. */
export function Chats() {
  const { t, lang } = useI18n();
  const [chatText, setChatText] = useState('');
  const [messageText, setMessageText] = useState('');
  const [chat, setChat] = useState<ChatReport | null>(null);
  const [message, setMessage] = useState<MessageReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);

  const failed = (err: unknown) => setError(err instanceof ApiError && err.status === 404 ? `${t('notFound')} (${err.message})` : (err as Error).message);

  /** Looks up what the id in `text` names and shows it with `show`, or the error. */
  const lookup = async <T,>(e: FormEvent, text: string, path: string, show: (found: T | null) => void) => {
    e.preventDefault();
    const id = idOf(text);
    if (id === null) return;
    setNotice(null);
    try {
      show(await api<T>('GET', `${path}/${id}`));
      setError(null);
    } catch (err) {
      show(null);
      failed(err);
    }
  };

  /** Asks first, then deletes at `path`; `done` clears the report and says what happened. */
  const removal = <T,>(text: string, path: string, done: (answer: T) => string) =>
    setPending({
      text,
      danger: true,
      run: async () => {
        try {
          setNotice(done(await api<T>('DELETE', path)));
          setError(null);
        } catch (err) {
          failed(err);
        }
      },
    });

  const find = (e: FormEvent) => lookup(e, chatText, '/api/admin/chats', setChat);
  const findMessage = (e: FormEvent) => lookup(e, messageText, '/api/admin/messages', setMessage);
  const removeChat = (c: ChatReport) =>
    removal<{ members: number }>(t('confirmDeleteChat', { id: c.id, n: c.messages_count }), `/api/admin/chats/${c.id}`, (r) => {
      setChat(null);
      return t('chatDeleted', { id: c.id, n: r.members });
    });
  const removeMessage = (m: MessageReport) =>
    removal(t('confirmDeleteMessage', { id: m.id }), `/api/admin/messages/${m.id}`, () => {
      setMessage(null);
      return t('messageDeleted', { id: m.id });
    });

  return (
    <section aria-labelledby="chats-title">
      <h2 id="chats-title">{t('chats')}</h2>
      <div className="finders">
        <form className="toolbar" onSubmit={(e) => void find(e)} aria-label={t('findChat')}>
          <label>
            {t('chatId')}
            <input inputMode="numeric" pattern="\d+" required value={chatText} onChange={(e) => setChatText(e.target.value)} />
          </label>
          <button className="primary">{t('find')}</button>
        </form>
        <form className="toolbar" onSubmit={(e) => void findMessage(e)} aria-label={t('findMessage')}>
          <label>
            {t('messageId')}
            <input inputMode="numeric" pattern="\d+" required value={messageText} onChange={(e) => setMessageText(e.target.value)} />
          </label>
          <button className="primary">{t('find')}</button>
        </form>
      </div>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {message && (
        <article className="report" aria-label={`${t('message')} ${message.id}`}>
          <h3>
            {t('message')} #{message.id} <span className="tag">{message.type}</span>
          </h3>
          <blockquote className="content">{message.is_encrypted ? t('encrypted') : message.content || message.caption || '—'}</blockquote>
          <dl>
            <dt>{t('sender')}</dt>
            <dd>{message.sender_id === null ? '—' : `${message.sender_nickname ?? ''} #${message.sender_id}`}</dd>
            <dt>{t('chatId')}</dt>
            <dd>{message.chat_id}</dd>
            <dt>{t('created')}</dt>
            <dd>{when(message.created_at, lang)}</dd>
            {message.deleted_at && (
              <>
                <dt>{t('deletedAt')}</dt>
                <dd>{when(message.deleted_at, lang)}</dd>
              </>
            )}
          </dl>
          <button className="danger" onClick={() => removeMessage(message)}>
            {t('deleteMessage')}
          </button>
        </article>
      )}
      {chat && (
        <article className="report" aria-label={chat.name || `#${chat.id}`}>
          <h3>
            {chat.name || `#${chat.id}`} <span className="tag">{t(chat.type === 'group' ? 'group' : 'private')}</span>
          </h3>
          <dl>
            <dt>ID</dt>
            <dd>{chat.id}</dd>
            <dt>{t('messagesTotal')}</dt>
            <dd>{chat.messages_count}</dd>
            <dt>{t('created')}</dt>
            <dd>{when(chat.created_at, lang)}</dd>
            <dt>{t('lastActivity')}</dt>
            <dd>{when(chat.last_activity_at, lang)}</dd>
            {chat.announcement && (
              <>
                <dt>{t('announcement')}</dt>
                <dd>{chat.announcement}</dd>
              </>
            )}
          </dl>
          <h4>
            {t('members')} ({chat.members_count})
          </h4>
          <ul className="members">
            {chat.members.map((m) => (
              <li key={m.id}>
                {userName(m)} <span className="muted">#{m.id}</span> <span className="tag">{m.role}</span>
              </li>
            ))}
          </ul>
          <button className="danger" onClick={() => removeChat(chat)}>
            {t('deleteChat')}
          </button>
        </article>
      )}
      <ConfirmDialog pending={pending} onClose={() => setPending(null)} />
    </section>
  );
}
