import { useEffect, useMemo, useState } from 'react';
import { whenSignedOut } from '../lib/api.ts';
import { ChatClient } from '../lib/client.ts';
import { loadPrefs, PrefsContext, savePrefs, useT, type Prefs } from '../lib/prefs.ts';
import { clearSession, loadSession, type Session } from '../lib/session.ts';
import { ChatApp } from './ChatApp.tsx';
import { SignIn } from './SignIn.tsx';

export function App() {
  const [prefs, setPrefsState] = useState<Prefs>(loadPrefs);
  const prefsValue = useMemo(
    () => ({
      prefs,
      setPrefs: (p: Prefs) => {
        savePrefs(p);
        setPrefsState(p);
      },
    }),
    [prefs],
  );
  return (
    <PrefsContext.Provider value={prefsValue}>
      <Root />
    </PrefsContext.Provider>
  );
}

/** Signed in or not; a session the server ended (revoked, disabled) lands back on sign-in with a notice. */
function Root() {
  const t = useT();
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState('');

  useEffect(() => {
    whenSignedOut(() => {
      setNotice(t('signedOutRevoked'));
      setSession(null);
    });
  }, [t]);

  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          setNotice('');
          setSession(s);
        }}
      />
    );
  }
  return (
    <SignedIn
      key={session.user.id}
      session={session}
      onSignedOut={(revoked, storageIsOurs = true) => {
        if (storageIsOurs) clearSession();
        setNotice(revoked ? t('signedOutRevoked') : '');
        setSession(null);
      }}
    />
  );
}

function SignedIn({ session, onSignedOut }: { session: Session; onSignedOut: (revoked: boolean, storageIsOurs?: boolean) => void }) {
  const [client] = useState(() => new ChatClient(session, onSignedOut));
  useEffect(() => {
    client.start();
    return () => client.stop();
  }, [client]);
  return <ChatApp client={client} />;
}
