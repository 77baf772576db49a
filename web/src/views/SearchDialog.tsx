import { useState } from 'react';
import { api } from '../lib/api.ts';
import type { ChatClient } from '../lib/client.ts';
import { shortTime } from '../lib/format.ts';
import { useLocale, useT } from '../lib/prefs.ts';
import type { Message } from '../lib/types.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorLine, useAction } from './useAction.tsx';
import { previewOf } from './preview.ts';
import { SearchForm } from './SearchForm.tsx';

/** Messages across all my chats; choosing one opens its chat. */
export function SearchDialog({ client, onClose }: { client: ChatClient; onClose: () => void }) {
  const t = useT();
  const locale = useLocale();
  const [results, setResults] = useState<Message[] | null>(null);
  const { error, run } = useAction();
  const chats = client.snapshot().chats;

  const search = (query: string) =>
    run(async () => {
      const page = await api<{ messages: Message[] }>('GET', `/api/messages/search?q=${encodeURIComponent(query)}&limit=50`);
      setResults(page.messages);
    });

  return (
    <Dialog title={t('searchMessages')} onClose={onClose}>
      <SearchForm label={t('searchMessages')} autoFocus onSearch={search} />
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
