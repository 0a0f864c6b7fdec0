/** The window's language as a React value: components using it re-render when it changes. */
import { useTranslation } from 'react-i18next';
import type { Language } from './messages.js';

export function useLanguage(): Language {
  const { i18n } = useTranslation();
  return i18n.language === 'en' ? 'en' : 'zh';
}
