/**
 * The button that switches between Chinese and English. It names the language
 * it switches to, written in that language ("English" / "中文"), so a person
 * who cannot read the current one can still find it; its `lang` attribute
 * tells a screen reader how to pronounce it.
 */
import { useTranslation } from 'react-i18next';
import { setLanguage } from './index.js';
import { useLanguage } from './useLanguage.js';

export function LanguageToggle({ className = 'link' }: { className?: string }) {
  const { t } = useTranslation();
  const other = useLanguage() === 'zh' ? 'en' : 'zh';
  return (
    <button
      type="button"
      className={`${className} lang-toggle`}
      lang={other === 'zh' ? 'zh-CN' : 'en'}
      title={t('lang.toggleTitle')}
      data-testid="lang-toggle"
      onClick={() => setLanguage(other)}
    >
      {t('lang.toggle')}
    </button>
  );
}
