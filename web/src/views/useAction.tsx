import { useState } from 'react';

/**
 * Runs a dialog's action, keeping the error it fails with for an alert; `run` resolves to whether
 * the action succeeded. `fail` shows an error caught elsewhere the same way.
 */
export function useAction(): { error: string; setError: (e: string) => void; fail: (err: unknown) => void; run: (action: () => Promise<unknown>) => Promise<boolean> } {
  const [error, setError] = useState('');
  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));
  async function run(action: () => Promise<unknown>) {
    setError('');
    try {
      await action();
      return true;
    } catch (err) {
      fail(err);
      return false;
    }
  }
  return { error, setError, fail, run };
}

export function ErrorLine({ error }: { error: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}
