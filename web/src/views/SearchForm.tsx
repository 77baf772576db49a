import { useState } from 'react';
import { useT } from '../lib/prefs.ts';

/** A search box and its button; `onSearch` gets the trimmed text when the form is sent. */
export function SearchForm({ label, placeholder = label, button = 'primary', autoFocus, onSearch }: { label: string; placeholder?: string; button?: 'primary' | 'secondary'; autoFocus?: boolean; onSearch: (query: string) => unknown }) {
  const t = useT();
  const [query, setQuery] = useState('');
  return (
    <form
      className="search-row"
      onSubmit={(e) => {
        e.preventDefault();
        void onSearch(query.trim());
      }}
    >
      <input type="search" className="grow" aria-label={label} placeholder={placeholder} value={query} onChange={(e) => setQuery(e.target.value)} autoFocus={autoFocus} required />
      <button type="submit" className={button}>
        {t('search')}
      </button>
    </form>
  );
}
