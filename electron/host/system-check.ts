/**
 * What the browser host needs from the machine to print slips: Debian's
 * Chromium (renders the PDF) and a CJK font (without one, every Chinese
 * character prints as a box). Checked at start so IT reads it in the console,
 * not from a cashier's blank slip.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export function missingForPrinting(chromiumPath: string): string[] {
  const missing: string[] = [];
  if (!existsSync(chromiumPath)) missing.push('chromium');
  const fonts = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  if (fonts.status !== 0 || fonts.stdout.trim() === '') missing.push('fonts-noto-cjk');
  return missing;
}

export function missingMessage(missing: readonly string[]): string {
  return (
    `Slips cannot be printed on this machine: missing ${missing.join(', ')}.\n` +
    `  Install: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}   (or run: npm run start:fresh)\n` +
    `  缺少打印所需的系统软件包：${missing.join('、')}；安装后重启。\n`
  );
}
