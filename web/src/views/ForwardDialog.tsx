import { useT } from '../lib/prefs.ts';
import type { Chat } from '../lib/types.ts';
import { Dialog } from './Dialog.tsx';
import { Avatar } from './Avatar.tsx';

export function ForwardDialog({ chats, onPick, onClose }: { chats: Chat[]; onPick: (chatId: number) => void; onClose: () => void }) {
  const t = useT();
  return (
    <Dialog title={t('forwardTo')} onClose={onClose}>
      <ul className="people">
        {chats.map((c) => (
          <li key={c.id}>
            <button type="button" className="search-hit row" onClick={() => onPick(c.id)}>
              <Avatar name={c.name} small />
              {c.name}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
