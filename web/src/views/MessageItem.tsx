import { fileLink } from '../lib/api.ts';
import { clockTime, duration, fileSize } from '../lib/format.ts';
import type { OutboxItem } from '../lib/outbox.ts';
import { useLocale, useT } from '../lib/prefs.ts';
import type { Message } from '../lib/types.ts';
import { previewOf } from './preview.ts';

interface Props {
  message: Message;
  mine: boolean;
  showSender: boolean;
  names: Record<number, string>;
  quoted: Message | undefined;
  onReply: () => void;
  onEdit: () => void;
  onDelete: () => void;
  onRecall: () => void;
  onView: () => void;
  onPin: () => void;
  onForward: () => void;
}

export function MessageItem({ message: m, mine, showSender, names, quoted, onReply, onEdit, onDelete, onRecall, onView, onPin, onForward }: Props) {
  const t = useT();
  const locale = useLocale();
  if (m.type === 'call' && m.call) {
    const caller = names[m.call.caller_id] ?? (m.sender?.id === m.call.caller_id ? m.sender.nickname : '…');
    const kind = m.call.call_type === 'video' ? t('callVideo') : t('callAudio');
    return (
      <p className="system-line" data-testid="call-record">
        📞 {m.call.answered ? t('callEnded', { kind, name: caller, duration: duration(m.call.duration) }) : t('callMissed', { kind, name: caller })} · {clockTime(m.created_at, locale)}
      </p>
    );
  }
  if (m.type === 'system') return <p className="system-line">{m.content}</p>;
  const gone = m.is_recalled || m.is_deleted;
  return (
    <div className={`bubble ${mine ? 'mine' : 'theirs'}`} data-testid="message" data-message-id={m.id}>
      {showSender && !mine && <span className="sender">{m.sender?.nickname ?? names[m.sender_id ?? 0] ?? ''}</span>}
      {quoted && <blockquote className="quote">{previewOf(quoted, t)}</blockquote>}
      {m.forward_from && <span className="forwarded">↪</span>}
      {gone ? (
        <em className="gone">{m.is_recalled ? t('recalled') : t('deleted')}</em>
      ) : m.type === 'image' && m.thumbnail ? (
        <button type="button" className="thumb" onClick={onView} aria-label={m.file_name || t('image')}>
          <img src={fileLink(m.thumbnail)} alt={m.file_name || t('image')} width={m.width ? Math.min(240, m.width) : undefined} loading="lazy" data-testid="thumbnail" />
        </button>
      ) : m.file_url ? (
        <a className="file" href={fileLink(m.file_url)} download={m.file_name}>
          📎 {m.file_name} <small>{fileSize(m.file_size)}</small>
        </a>
      ) : null}
      {!gone && m.content && <span className="text">{m.content}</span>}
      <span className="meta">
        {m.is_pinned && <span aria-label="pinned">📌</span>}
        {m.is_edited && <span>{t('edited')}</span>}
        <time dateTime={m.created_at}>{clockTime(m.created_at, locale)}</time>
        {mine && (
          <span className="ticks" aria-label={m.is_read ? t('read') : t('delivered')} data-testid="ticks">
            {m.is_read ? '✓✓' : '✓'}
          </span>
        )}
      </span>
      {!gone && (
        <span className="actions">
          <button type="button" className="icon" onClick={onReply} aria-label={t('reply')} title={t('reply')}>
            ↩
          </button>
          <button type="button" className="icon" onClick={onForward} aria-label={t('forward')} title={t('forward')}>
            ↪
          </button>
          <button type="button" className="icon" onClick={onPin} aria-label={m.is_pinned ? t('unpinMessage') : t('pinMessage')} title={m.is_pinned ? t('unpinMessage') : t('pinMessage')}>
            📌
          </button>
          {mine && m.type === 'text' && (
            <button type="button" className="icon" onClick={onEdit} aria-label={t('edit')} title={t('edit')}>
              ✎
            </button>
          )}
          {mine && (
            <button type="button" className="icon" onClick={onRecall} aria-label={t('recall')} title={t('recall')}>
              ⤺
            </button>
          )}
          <button type="button" className="icon" onClick={onDelete} aria-label={t('delete')} title={t('delete')}>
            🗑
          </button>
        </span>
      )}
    </div>
  );
}

export function PendingItem({ item, onRetry, onDiscard }: { item: OutboxItem; onRetry: () => void; onDiscard: () => void }) {
  const t = useT();
  return (
    <div className={`bubble mine pending ${item.state}`} data-testid="pending-message">
      <span className="text">{item.content || `📎 ${item.fileName ?? ''}`}</span>
      <span className="meta">
        {item.state === 'failed' ? (
          <>
            <span className="error">
              {t('failed')}: {item.error}
            </span>
            <button type="button" className="link" onClick={onRetry}>
              {t('retry')}
            </button>
            <button type="button" className="link" onClick={onDiscard}>
              {t('discard')}
            </button>
          </>
        ) : (
          <span aria-label={t('sending')}>🕓</span>
        )}
      </span>
    </div>
  );
}
