import { useContext, useEffect, useState, useSyncExternalStore } from 'react';
import type { ChatClient } from '../lib/client.ts';
import { PrefsContext, useT, type Theme } from '../lib/prefs.ts';
import { ChatList } from './ChatList.tsx';
import { ContactsDialog } from './ContactsDialog.tsx';
import { Conversation } from './Conversation.tsx';
import { NewChatDialog } from './NewChatDialog.tsx';
import { SearchDialog } from './SearchDialog.tsx';
import { Avatar } from './Avatar.tsx';

/** The signed-in layout: chat list beside the open conversation (one at a time on a phone). */
export function ChatApp({ client }: { client: ChatClient }) {
  const state = useSyncExternalStore(client.subscribe, client.snapshot);
  const t = useT();
  const { prefs, setPrefs } = useContext(PrefsContext);
  const [dialog, setDialog] = useState<'new' | 'search' | 'contacts' | null>(null);
  const open = state.chats.find((c) => c.id === state.openChatId) ?? null;

  // Unread messages in the tab's title, as messengers do, muted chats aside.
  const unread = state.chats.reduce((n, c) => n + (c.is_muted ? 0 : c.unread_count), 0);
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Parley` : 'Parley';
  }, [unread]);

  return (
    <div className={`layout ${open ? 'has-open' : ''}`}>
      {state.live !== 'online' && (
        <div className={`banner ${state.live}`} role="status" data-testid="connection-banner">
          {state.live === 'offline' ? t('offline') : t('connecting')}
        </div>
      )}
      <aside className="sidebar" aria-label={t('chats')}>
        <header className="sidebar-head">
          <div className="me">
            <Avatar name={state.me.nickname || state.me.phone} small />
            <span className="me-name">{state.me.nickname || state.me.phone}</span>
          </div>
          <details className="menu">
            <summary aria-label={t('settings')}>⋯</summary>
            <div className="menu-body">
              <label>
                {t('language')}
                <select value={prefs.language} onChange={(e) => setPrefs({ ...prefs, language: e.target.value === 'zh' ? 'zh' : 'en' })}>
                  <option value="en">English</option>
                  <option value="zh">中文</option>
                </select>
              </label>
              <label>
                {t('theme')}
                <select value={prefs.theme} onChange={(e) => setPrefs({ ...prefs, theme: e.target.value as Theme })}>
                  <option value="auto">{t('themeAuto')}</option>
                  <option value="light">{t('themeLight')}</option>
                  <option value="dark">{t('themeDark')}</option>
                </select>
              </label>
              {state.isAdmin && <a href="/app/admin/">{t('admin')}</a>}
              <button type="button" className="secondary" onClick={() => void client.logout()}>
                {t('signOut')}
              </button>
            </div>
          </details>
        </header>
        <div className="sidebar-actions">
          <button type="button" className="primary" onClick={() => setDialog('new')}>
            {t('newChat')}
          </button>
          <button type="button" className="secondary" onClick={() => setDialog('search')}>
            {t('search')}
          </button>
          <button type="button" className="secondary" onClick={() => setDialog('contacts')}>
            {t('contacts')}
          </button>
        </div>
        <ChatList chats={state.chats} contacts={state.contacts} loaded={state.chatsLoaded} openId={state.openChatId} meId={state.me.id} onOpen={(id) => client.openChat(id)} />
      </aside>
      <main className="main">
        {open ? (
          <Conversation key={open.id} client={client} state={state} chat={open} />
        ) : (
          <div className="empty">{t('selectChat')}</div>
        )}
      </main>
      {dialog === 'new' && <NewChatDialog client={client} onClose={() => setDialog(null)} />}
      {dialog === 'search' && <SearchDialog client={client} onClose={() => setDialog(null)} />}
      {dialog === 'contacts' && <ContactsDialog client={client} flags={state.contacts} onClose={() => setDialog(null)} />}
    </div>
  );
}

