/**
 * i18next for the window: Chinese by default, English on request. The choice
 * is kept in localStorage (`desk.lang`) and mirrored on <html lang> so that
 * screen readers, hyphenation and the CJK font stack follow it.
 *
 * Imported once from main.tsx before the first render; the dictionaries are
 * bundled, so initialisation is synchronous and no text ever flashes in the
 * wrong language.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { zh } from './zh.js';
import { en } from './en.js';
import { LANGUAGES, type Language } from './messages.js';

// Type-checked keys and interpolation variables for every t() in renderer/.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof zh };
    strictInterpolationChecks: true;
  }
}

export const LANGUAGE_KEY = 'desk.lang';
const HTML_LANG: Record<Language, string> = { zh: 'zh-CN', en: 'en' };

function isLanguage(x: unknown): x is Language {
  return typeof x === 'string' && (LANGUAGES as readonly string[]).includes(x);
}

function savedLanguage(): Language {
  try {
    const saved = localStorage.getItem(LANGUAGE_KEY);
    return isLanguage(saved) ? saved : 'zh';
  } catch {
    // Storage can be unavailable (privacy settings); the window still works, in Chinese.
    return 'zh';
  }
}

function apply(language: Language): void {
  document.documentElement.lang = HTML_LANG[language];
  document.title = i18next.t('app.documentTitle');
}

i18next.on('languageChanged', (lng) => {
  if (isLanguage(lng)) apply(lng);
});

void i18next.use(initReactI18next).init({
  resources: { zh: { translation: zh }, en: { translation: en } },
  lng: savedLanguage(),
  fallbackLng: 'zh',
  supportedLngs: [...LANGUAGES],
  initAsync: false,
  // React escapes what it renders; escaping here too would show &quot; in messages.
  interpolation: { escapeValue: false },
});

/** Switches the window's language and remembers it for the next start. */
export function setLanguage(language: Language): void {
  try {
    localStorage.setItem(LANGUAGE_KEY, language);
  } catch {
    // Not persisted; the choice holds until the window is reloaded.
  }
  void i18next.changeLanguage(language);
}

export { i18next };
