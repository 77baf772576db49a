import { fileLink } from '../lib/api.ts';
import { useT } from '../lib/prefs.ts';
import type { Message } from '../lib/types.ts';
import { Dialog } from './Dialog.tsx';

export function ImageViewer({ message, onClose }: { message: Message; onClose: () => void }) {
  const t = useT();
  return (
    <Dialog title={message.file_name || t('image')} onClose={onClose} wide>
      <img className="viewer-image" src={fileLink(message.file_url)} alt={message.file_name} />
      <p>
        <a href={fileLink(message.file_url)} download={message.file_name}>
          {t('download')}
        </a>
      </p>
    </Dialog>
  );
}
