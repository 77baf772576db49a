import { createContext, useContext } from 'react';
import { localeOf, pickLanguage, translate, type Key, type Language } from './i18n.ts';

export type Theme = 'auto' | 'light' | 'dark';

export interface Prefs {
  language: Language;
  theme: Theme;
}

const PREFS_KEY = 'parley.prefs';

export function loadPrefs(): Prefs {
  let stored: Partial<Prefs> = {};
  try {
    stored = JSON.parse(localStorage.getItem(PREFS_KEY) ?? '{}') as Partial<Prefs>;
  } catch {
    // defaults
  }
  return {
    language: stored.language === 'zh' || stored.language === 'en' ? stored.language : pickLanguage(navigator.languages ?? [navigator.language]),
    theme: stored.theme === 'light' || stored.theme === 'dark' ? stored.theme : 'auto',
  };
}

export function savePrefs(prefs: Prefs): void {
  localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  applyPrefs(prefs);
}

/** The theme is an attribute on <html> the CSS variables key on; auto follows the system. */
export function applyPrefs(prefs: Prefs): void {
  document.documentElement.lang = localeOf(prefs.language);
  if (prefs.theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = prefs.theme;
}

export interface PrefsContextValue {
  prefs: Prefs;
  setPrefs: (p: Prefs) => void;
}

export const PrefsContext = createContext<PrefsContextValue>({ prefs: { language: 'en', theme: 'auto' }, setPrefs: () => {} });

/** The translate function for the chosen language. */
export function useT(): (key: Key, vars?: Record<string, string | number>) => string {
  const { prefs } = useContext(PrefsContext);
  return (key, vars) => translate(prefs.language, key, vars);
}

export function useLocale(): string {
  return localeOf(useContext(PrefsContext).prefs.language);
}
