import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

function Console() {
  return <h1>Parley admin</h1>;
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Console />
  </StrictMode>,
);
