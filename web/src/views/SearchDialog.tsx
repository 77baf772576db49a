import { useState, type FormEvent } from 'react';
import { api } from '../lib/api.ts';
import type { ChatClient } from '../lib/client.ts';
import { shortTime } from '../lib/format.ts';
import { useLocale, useT } from '../lib/prefs.ts';
import type { Message } from '../lib/types.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorLine, useAction } from './useAction.tsx';
import { previewOf } from './preview.ts';

/** Messages across all my chats; choosing one opens its chat. */
export function SearchDialog({ client, onClose }: { client: ChatClient; onClose: () => void }) {
  const t = useT();
  const locale = useLocale();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Message[] | null>(null);
  const { error, run } = useAction();
  const chats = client.snapshot().chats;

  async function search(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      const page = await api<{ messages: Message[] }>('GET', `/api/messages/search?q=${encodeURIComponent(query.trim())}&limit=50`);
      setResults(page.messages);
    });
  }

  return (
    <Dialog title={t('searchMessages')} onClose={onClose}>
      <form className="search-row" onSubmit={(e) => void search(e)}>
        <input type="search" className="grow" aria-label={t('searchMessages')} placeholder={t('searchMessages')} value={query} onChange={(e) => setQuery(e.target.value)} autoFocus required />
        <button type="submit" className="primary">
          {t('search')}
        </button>
      </form>
      <ErrorLine error={error} />
      {results && results.length === 0 && <p className="empty small">{t('noResults')}</p>}
      <ul className="people">
        {results?.map((m) => (
          <li key={m.id}>
            <button
              type="button"
              className="search-hit"
              onClick={() => {
                client.openChat(m.chat_id);
                onClose();
              }}
            >
              <strong>{chats.find((c) => c.id === m.chat_id)?.name ?? ''}</strong> <small>{shortTime(m.created_at, locale)}</small>
              <span>
                {m.sender?.nickname}: {previewOf(m, t)}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
