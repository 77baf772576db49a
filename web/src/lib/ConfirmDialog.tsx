import { useEffect, useRef } from 'react';

export interface Pending {
  text: string;
  /** Whether the action destroys something (its button is red). */
  danger?: boolean;
  run: () => Promise<unknown>;
}

/**
 * A modal question before an action that cannot be taken back; Esc or Cancel leaves it. Shared by
 * the client and the console, each passing its own words for the two buttons.
 */
export function ConfirmDialog({ pending, onClose, labels }: { pending: Pending | null; onClose: () => void; labels: { cancel: string; confirm: string } }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (pending && !dialog.open) dialog.showModal();
    if (!pending && dialog.open) dialog.close();
  }, [pending]);
  return (
    <dialog ref={ref} className="dialog confirm" onClose={onClose} aria-labelledby="confirm-text">
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
            {labels.cancel}
          </button>
          <button type="submit" className={pending?.danger ? 'danger' : 'primary'} autoFocus>
            {labels.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}
