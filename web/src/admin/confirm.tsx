import { ConfirmDialog as SharedConfirmDialog, type Pending } from '../lib/ConfirmDialog.tsx';
import { useI18n } from './i18n.ts';

export type { Pending };

/** The shared confirmation in the console's words. */
export function ConfirmDialog({ pending, onClose }: { pending: Pending | null; onClose: () => void }) {
  const { t } = useI18n();
  return <SharedConfirmDialog pending={pending} onClose={onClose} labels={{ cancel: t('cancel'), confirm: t('confirm') }} />;
}
