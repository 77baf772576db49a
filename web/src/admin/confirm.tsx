import { useEffect, useRef } from 'react';
import { useI18n } from './i18n.ts';

export interface Pending {
  text: string;
  /** Whether the action destroys something (its button is red). */
  danger?: boolean;
  run: () => Promise<void>;
}

/** A modal question before an action that cannot be taken back; Esc or Cancel leaves it. */
export function ConfirmDialog({ pending, onClose }: { pending: Pending | null; onClose: () => void }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (pending && !dialog.open) dialog.showModal();
    if (!pending && dialog.open) dialog.close();
  }, [pending]);
  return (
    <dialog ref={ref} onClose={onClose} aria-labelledby="confirm-text">
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          const run = pending?.run;
          onClose();
          void run?.();
        }}
      >
        <p id="confirm-text">{pending?.text}</p>
        <div className="buttons">
          <button type="button" onClick={onClose}>
            {t('cancel')}
          </button>
          <button type="submit" className={pending?.danger ? 'danger' : 'primary'} autoFocus>
            {t('confirm')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
