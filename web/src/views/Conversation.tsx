import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ChatClient, ClientState } from '../lib/client.ts';
import { ConfirmDialog, type Pending } from '../lib/ConfirmDialog.tsx';
import { clockTime, dayLabel } from '../lib/format.ts';
import { useLocale, useT } from '../lib/prefs.ts';
import { dayKey, groupByDay } from '../lib/timeline.ts';
import type { Chat, Message } from '../lib/types.ts';
import { Composer } from './Composer.tsx';
import { ForwardDialog } from './ForwardDialog.tsx';
import { GroupDialog } from './GroupDialog.tsx';
import { ImageViewer } from './ImageViewer.tsx';
import { MessageItem, PendingItem } from './MessageItem.tsx';
import { ErrorLine, useAction } from './useAction.tsx';

/** The open chat: header with presence or typing, the history (paged upward as it scrolls), the composer. */
export function Conversation({ client, state, chat }: { client: ChatClient; state: ClientState; chat: Chat }) {
  const t = useT();
  const locale = useLocale();
  // Failures of what is done to a message (delete, recall) show here rather than vanish.
  const { error, run } = useAction();
  const timeline = state.timelines[chat.id];
  const messages = timeline?.messages ?? [];
  const listRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const heightBeforeOlder = useRef<number | null>(null);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [editing, setEditing] = useState<Message | null>(null);
  const [viewing, setViewing] = useState<Message | null>(null);
  const [forwarding, setForwarding] = useState<Message | null>(null);
  const [groupOpen, setGroupOpen] = useState(false);
  // Deleting and recalling cannot be taken back: each asks first.
  const [confirming, setConfirming] = useState<Pending | null>(null);
  const blocked = chat.peer_id ? state.contacts[chat.peer_id]?.is_blocked === true : false;

  // Derived from the messages alone: not rebuilt by typing ticks and upload progress.
  const { confirmed, byId, days } = useMemo(
    () => ({ confirmed: new Set(messages.map((m) => m.client_id).filter(Boolean)), byId: new Map(messages.map((m) => [m.id, m])), days: groupByDay(messages) }),
    [messages],
  );
  const pending = state.outbox.filter((i) => i.chatId === chat.id && !confirmed.has(i.clientId));
  const uploads = state.uploads.filter((u) => u.chatId === chat.id);

  // Keeps the view where the person is: at the bottom for new messages, in place when older ones arrive above.
  useLayoutEffect(() => {
    const el = listRef.current;
    if (!el) return;
    if (heightBeforeOlder.current !== null) {
      el.scrollTop += el.scrollHeight - heightBeforeOlder.current;
      heightBeforeOlder.current = null;
    } else if (stickToBottom.current) el.scrollTop = el.scrollHeight;
  }, [messages.length, pending.length, uploads.length]);

  useEffect(() => {
    const focusBack = () => client.markRead(chat.id);
    document.addEventListener('visibilitychange', focusBack);
    return () => document.removeEventListener('visibilitychange', focusBack);
  }, [client, chat.id]);

  function onScroll() {
    const el = listRef.current;
    if (!el) return;
    stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 200 && timeline?.hasMore && !timeline.loading && timeline.loaded) {
      heightBeforeOlder.current = el.scrollHeight;
      void client.loadOlder(chat.id);
    }
  }

  // Typing entries expire by time; a tick re-renders once they have.
  const [, setTick] = useState(0);
  const typingNow = Object.entries(state.typing[chat.id] ?? {}).filter(([, until]) => until > Date.now());
  useEffect(() => {
    if (typingNow.length === 0) return;
    const timer = setTimeout(() => setTick((n) => n + 1), 1000);
    return () => clearTimeout(timer);
  });

  const presence = chat.peer_id ? state.presence[chat.peer_id] : undefined;
  // "Last seen" names the local day, as the clock time beside it is local (a UTC slice is a day off near midnight).
  const subtitle =
    typingNow.length > 0
      ? t('typing', { name: typingNow.map(([id]) => state.names[Number(id)] ?? '…').join(', ') })
      : chat.type === 'group'
        ? (chat.members_count === 1 ? t('oneMember') : t('members', { count: chat.members_count }))
        : presence
          ? presence.online
            ? t('online')
            : t('lastSeen', { time: `${dayLabel(dayKey(presence.lastSeen), locale, { today: t('today'), yesterday: t('yesterday') })} ${clockTime(presence.lastSeen, locale)}` })
          : '';

  return (
    <section className="conversation" aria-label={chat.name}>
      <header className="conv-head">
        <button type="button" className="icon back" aria-label={t('back')} onClick={() => client.openChat(null)}>
          ←
        </button>
        <div className="conv-title">
          <h2>{chat.name}</h2>
          <p className={`subtitle ${typingNow.length > 0 ? 'typing' : ''}`} data-testid="subtitle">
            {subtitle}
          </p>
        </div>
        <button type="button" className="secondary" onClick={() => void client.setChatFlags(chat.id, { is_pinned: !chat.is_pinned })}>
          {chat.is_pinned ? t('unpin') : t('pin')}
        </button>
        <button type="button" className="secondary" onClick={() => void client.setChatFlags(chat.id, { is_muted: !chat.is_muted })}>
          {chat.is_muted ? t('unmute') : t('mute')}
        </button>
        {chat.peer_id !== null && chat.type === 'private' && (
          <button type="button" className="secondary" onClick={() => void client.setContactFlags(chat.peer_id!, { is_blocked: !blocked })}>
            {blocked ? t('unblock') : t('block')}
          </button>
        )}
        {chat.type === 'group' && (
          <button type="button" className="secondary" onClick={() => setGroupOpen(true)}>
            {t('group')}
          </button>
        )}
      </header>
      {chat.announcement && <p className="announcement">📢 {chat.announcement}</p>}
      <div className="messages" ref={listRef} onScroll={onScroll} data-testid="messages" role="log" aria-live="polite">
        {timeline?.loaded && !timeline.hasMore && <p className="history-edge">{t('beginning')}</p>}
        {timeline?.loading && <p className="history-edge">{t('loadingOlder')}</p>}
        {days.map((group) => (
          <div key={group.day} className="day">
            <div className="day-separator" role="separator">
              <span>{dayLabel(group.day, locale, { today: t('today'), yesterday: t('yesterday') })}</span>
            </div>
            {group.items.map((m) => (
              <MessageItem
                key={m.id}
                message={m}
                mine={m.sender_id === state.me.id}
                showSender={chat.type === 'group'}
                names={state.names}
                quoted={m.reply_to_id ? byId.get(m.reply_to_id) : undefined}
                onReply={() => {
                  setEditing(null);
                  setReplyTo(m);
                }}
                onEdit={() => {
                  setReplyTo(null);
                  setEditing(m);
                }}
                onDelete={() => setConfirming({ text: t('confirmDelete'), danger: true, run: () => run(() => client.remove(m)) })}
                onRecall={() => setConfirming({ text: t('confirmRecall'), danger: true, run: () => run(() => client.recall(m.id)) })}
                onView={() => setViewing(m)}
                onPin={() => void client.setMessagePinned(m.id, !m.is_pinned)}
                onForward={() => setForwarding(m)}
              />
            ))}
          </div>
        ))}
        {pending.map((item) => (
          <PendingItem key={item.clientId} item={item} onRetry={() => client.retry(item.clientId)} onDiscard={() => client.discard(item.clientId)} />
        ))}
        {uploads.map((u) => (
          <div key={u.key} className="bubble mine pending upload" data-testid="upload">
            <span>📎 {u.name}</span>
            {u.error ? (
              <span className="error">
                {u.error}{' '}
                <button type="button" className="link" onClick={() => client.dismissUpload(u.key)}>
                  {t('discard')}
                </button>
              </span>
            ) : (
              <progress max={1} value={u.progress} aria-label={t('uploading', { percent: Math.round(u.progress * 100) })} />
            )}
          </div>
        ))}
      </div>
      <ErrorLine error={error} />
      <Composer
        key={editing?.id ?? 'new'}
        chatId={chat.id}
        client={client}
        replyTo={replyTo}
        editing={editing}
        names={state.names}
        onDone={() => {
          setReplyTo(null);
          setEditing(null);
          stickToBottom.current = true;
        }}
      />
      {viewing && <ImageViewer message={viewing} onClose={() => setViewing(null)} />}
      {forwarding && (
        <ForwardDialog
          chats={state.chats}
          onPick={(to) => {
            client.forward(forwarding, to);
            setForwarding(null);
          }}
          onClose={() => setForwarding(null)}
        />
      )}
      {groupOpen && <GroupDialog client={client} chat={chat} meId={state.me.id} onClose={() => setGroupOpen(false)} />}
      <ConfirmDialog pending={confirming} onClose={() => setConfirming(null)} labels={{ cancel: t('cancel'), confirm: t('confirm') }} />
    </section>
  );
}
