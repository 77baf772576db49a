import { useRef, useState, type KeyboardEvent } from 'react';
import type { ChatClient } from '../lib/client.ts';
import { useT } from '../lib/prefs.ts';
import type { Message } from '../lib/types.ts';
import { previewOf } from './preview.ts';
import { ErrorLine, useAction } from './useAction.tsx';

interface Props {
  chatId: number;
  client: ChatClient;
  replyTo: Message | null;
  editing: Message | null;
  names: Record<number, string>;
  onDone: () => void;
}

/** Enter sends, Shift+Enter breaks the line, Escape drops a reply or an edit. */
export function Composer({ chatId, client, replyTo, editing, names, onDone }: Props) {
  const t = useT();
  const [text, setText] = useState(editing?.content ?? '');
  const fileInput = useRef<HTMLInputElement>(null);

  const { error, run } = useAction();

  function submit() {
    const content = text.trim();
    if (!content) return;
    if (editing) {
      // An edit is not queued like a send: on failure the text stays, to try again.
      const id = editing.id;
      void run(async () => {
        await client.edit(id, content);
        setText('');
        onDone();
      });
      return;
    }
    client.sendText(chatId, content, replyTo?.id);
    setText('');
    onDone();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape' && (replyTo || editing)) {
      e.preventDefault();
      setText('');
      onDone();
    }
  }

  const context = editing ?? replyTo;
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <ErrorLine error={error} />
      {context && (
        <div className="composer-context">
          <span>
            {editing ? t('edit') : t('reply')}: {replyTo ? `${names[replyTo.sender_id ?? 0] ?? ''} — ` : ''}
            {previewOf(context, t)}
          </span>
          <button type="button" className="icon" aria-label={t('cancel')} onClick={onDone}>
            ✕
          </button>
        </div>
      )}
      <div className="composer-row">
        <button type="button" className="icon attach" aria-label={t('attach')} title={t('attach')} onClick={() => fileInput.current?.click()}>
          📎
        </button>
        <input
          ref={fileInput}
          type="file"
          hidden
          data-testid="file-input"
          onChange={(e) => {
            for (const file of e.target.files ?? []) void client.sendFile(chatId, file);
            e.target.value = '';
          }}
          multiple
        />
        <textarea
          aria-label={t('typeMessage')}
          placeholder={t('typeMessage')}
          rows={1}
          value={text}
          autoFocus
          onKeyDown={onKeyDown}
          onChange={(e) => {
            setText(e.target.value);
            if (e.target.value) client.typing(chatId);
          }}
        />
        <button type="submit" className="primary" disabled={!text.trim()}>
          {editing ? t('save') : t('send')}
        </button>
      </div>
    </form>
  );
}
