import { useState } from 'react';

/** Runs a dialog's action, keeping the error it fails with for an alert. */
export function useAction(): { error: string; setError: (e: string) => void; run: (action: () => Promise<unknown>) => Promise<void> } {
  const [error, setError] = useState('');
  async function run(action: () => Promise<unknown>) {
    setError('');
    try {
      await action();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }
  return { error, setError, run };
}

export function ErrorLine({ error }: { error: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}
