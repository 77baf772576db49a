import { useEffect, useState } from 'react';
import { api } from '../lib/api.ts';
import type { ChatClient, ContactFlags } from '../lib/client.ts';
import { useT } from '../lib/prefs.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorLine, useAction } from './useAction.tsx';
import { Avatar } from './Avatar.tsx';

interface Contact extends ContactFlags {
  contact_id: number;
  nickname: string;
  contact: { id: number; username: string; nickname: string; online: boolean };
}

/** My contacts: message them, mute, block or remove them. People are found and added from “New chat”. */
export function ContactsDialog({ client, flags, onClose }: { client: ChatClient; flags: Record<number, ContactFlags>; onClose: () => void }) {
  const t = useT();
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const { error, fail, run } = useAction();

  // Reloaded whenever a flag changes (here or on another device, through the socket).
  useEffect(() => {
    api<{ contacts: Contact[] }>('GET', '/api/contacts?limit=200').then(
      (page) => setContacts(page.contacts),
      fail,
    );
  }, [flags]);

  return (
    <Dialog title={t('contacts')} onClose={onClose}>
      <ErrorLine error={error} />
      {contacts?.length === 0 && <p className="empty small">{t('noContacts')}</p>}
      <ul className="people">
        {contacts?.map((c) => (
          <li key={c.contact_id} data-testid="contact">
            <Avatar name={c.nickname || c.contact.nickname} small />
            <span className="grow">
              {c.nickname || c.contact.nickname} {c.contact.online && <small>· {t('online')}</small>}
            </span>
            <button
              type="button"
              className="link"
              onClick={() =>
                void run(async () => {
                  client.openChat(await client.startChatWith(c.contact_id));
                  onClose();
                })
              }
            >
              {t('message')}
            </button>
            <button type="button" className="link" onClick={() => void run(() => client.setContactFlags(c.contact_id, { is_muted: !c.is_muted }))}>
              {c.is_muted ? t('unmute') : t('mute')}
            </button>
            <button type="button" className="link" onClick={() => void run(() => client.setContactFlags(c.contact_id, { is_blocked: !c.is_blocked }))}>
              {c.is_blocked ? t('unblock') : t('block')}
            </button>
            <button type="button" className="link danger-text" onClick={() => void run(() => client.removeContact(c.contact_id))}>
              {t('remove')}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
