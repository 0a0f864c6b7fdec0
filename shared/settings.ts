/**
 * The terminal's settings (data folder/config.json) and what the settings
 * screen may change. One schema for the file, the IPC request and the screen.
 * The insurer's terminal secret is never sent to the window: the view says
 * whether one is set, and an empty secret on save keeps the stored one.
 */
import { z } from 'zod';

const en = (code: string, english: string) => ({ params: { code, en: english } });

export const terminalSettings = z.strictObject({
  code: z.string().regex(/^[A-Z0-9]{2,12}$/, {
    message: '终端编号为2-12位大写字母或数字',
    ...en('invalid_field', 'terminal code: 2-12 capital letters or digits'),
  }),
  hospital_code: z.string().trim().min(1).max(30),
  hospital_name: z.string().trim().min(1).max(100),
});

export const printerSettings = z.strictObject({
  /** The system printer's name; '' = the default printer. */
  device_name: z.string().trim().max(200).default(''),
  dpi: z.number().int().min(72).max(1200).default(203),
  layout: z.enum(['a5', 'receipt80']).default('a5'),
  /** Show the slip in a window instead of printing silently. */
  preview: z.boolean().default(false),
});

const insurerUrl = z
  .string()
  .url({ message: '须为完整网址，如 https://ybj.example.cn/desk', ...en('invalid_field', 'must be a full URL') });
const pinnedKeys = z.array(z.string().trim().min(40).max(200)).min(1).max(2);

export const terminalConfig = z
  .strictObject({
    terminal: terminalSettings,
    lock_after_minutes: z.number().int().min(1).max(240).default(15),
    /** The insurer (docs/sync.md): absent = no sync, the window works offline. */
    insurer: z
      .strictObject({
        url: insurerUrl,
        secret: z.string().min(16).max(200),
        pinned_keys_spki_base64: pinnedKeys,
        interval_seconds: z.number().int().min(5).max(3600).default(60),
      })
      .optional(),
    /**
     * The national interface (docs/nhsa.md) instead of our own protocol: present = this terminal settles
     * with the NHSA gateway; `insurer` must then be absent. Edited in config.json by IT (the passToken is
     * never sent to the window).
     */
    nhsa: z
      .strictObject({
        /** The single-URL form (infno in the body), e.g. https://…/fsi/api/rsfComIfsService/callService. */
        gateway_url: insurerUrl.optional(),
        /** Or one path per transaction under this base (paths: infno → path; DEFAULT_PATHS otherwise). */
        base_url: insurerUrl.optional(),
        paths: z.record(z.string().regex(/^\d{4}$/), z.string().regex(/^\/[\w/.-]{1,200}$/)).default({}),
        paasid: z.string().trim().min(1).max(100),
        pass_token: z.string().min(8).max(200),
        fixmedins_code: z.string().regex(/^[A-Z0-9]{12}$/, {
          message: '定点医药机构编号须为 12 位大写字母或数字',
          ...en('invalid_field', 'fixmedins_code: 12 capital letters or digits'),
        }),
        fixmedins_name: z.string().trim().min(1).max(200),
        mdtrtarea_admvs: z.string().regex(/^\d{6}$/),
        infver: z.string().trim().min(1).max(6).default('V1.0'),
        recer_sys_code: z.string().trim().min(1).max(10).default('YBXT'),
        dev_no: z.string().trim().max(100).default(''),
        /** This terminal's digit of the msgid sequence, unique among the hospital's terminals (docs/nhsa.md §7.5). */
        terminal_slot: z.number().int().min(0).max(9),
        /** Fee lines per 2301 request. */
        batch_size: z.number().int().min(1).max(100).default(50),
        interval_seconds: z.number().int().min(5).max(3600).default(60),
        /** err_msg phrases, per region (docs/nhsa.md §4.2, unconfirmed wording). */
        phrases: z
          .strictObject({
            sign_no_invalid: z.array(z.string().min(1).max(100)).default(['签到编号无效']),
            original_not_found: z.array(z.string().min(1).max(100)).default(['原交易不存在', '原交易已冲正']),
          })
          .default({ sign_no_invalid: ['签到编号无效'], original_not_found: ['原交易不存在', '原交易已冲正'] }),
      })
      .refine((n) => (n.gateway_url === undefined) !== (n.base_url === undefined), {
        message: '须给出 gateway_url 或 base_url 之一',
        path: ['gateway_url'],
      })
      .optional(),
    printer: printerSettings.default({ device_name: '', dpi: 203, layout: 'a5', preview: false }),
    /** Where backups go ('' = the data folder's backups/); a second disk or a network share is better. */
    backup: z.strictObject({ folder: z.string().trim().max(500).default('') }).default({ folder: '' }),
  })
  .refine((c) => !(c.insurer && c.nhsa), {
    message: '医保连接只能选一种：insurer（本系统协议）或 nhsa（国家医保接口）',
    path: ['nhsa'],
  });
export type TerminalConfig = z.output<typeof terminalConfig>;
export type NhsaConfig = NonNullable<TerminalConfig['nhsa']>;

export const DEFAULT_CONFIG: TerminalConfig = {
  terminal: { code: 'T01', hospital_code: 'H000000000', hospital_name: '演示医院（请在设置中修改）' },
  lock_after_minutes: 15,
  printer: { device_name: '', dpi: 203, layout: 'a5', preview: false },
  backup: { folder: '' },
};

/** The settings screen's request: the insurer's secret may be left empty to keep the stored one. */
export const settingsInput = z.strictObject({
  terminal: terminalSettings,
  lock_after_minutes: z.number().int().min(1).max(240),
  insurer: z
    .strictObject({
      url: insurerUrl,
      secret: z
        .string()
        .max(200)
        .refine((s) => s === '' || s.length >= 16, {
          message: '终端密钥至少16位（留空则保持不变）',
          ...en('invalid_field', 'the terminal secret has at least 16 characters (empty keeps it)'),
        }),
      pinned_keys_spki_base64: pinnedKeys,
      interval_seconds: z.number().int().min(5).max(3600),
    })
    .nullable(),
  printer: printerSettings,
  backup_folder: z.string().trim().max(500),
});
export type SettingsInput = z.input<typeof settingsInput>;

export interface SettingsView {
  terminal: TerminalConfig['terminal'];
  lock_after_minutes: number;
  insurer: { url: string; has_secret: boolean; pinned_keys_spki_base64: string[]; interval_seconds: number } | null;
  printer: TerminalConfig['printer'];
  backup_folder: string;
  /** Where the data is, and why it is not the per-machine folder (null when it is). */
  data_folder: string;
  data_folder_note: string | null;
  /** The backups folder actually used, and its newest files. */
  backups_in: string;
  backups: { file: string; bytes: number; modified: string }[];
  /** Settings read at start (terminal, hospital, insurer) apply after a restart. */
  restart_pending: boolean;
}

/** A printer the operating system offers (Electron app); the browser host prints through the browser's dialog instead. */
export interface PrinterInfo {
  /** The name printing uses (deviceName). */
  name: string;
  display_name: string;
}

export interface PrinterList {
  /** False where this process cannot list printers (the browser host). */
  available: boolean;
  printers: PrinterInfo[];
}

export interface OperatorListItem {
  code: string;
  name: string;
  role: 'cashier' | 'claims_clerk' | 'supervisor';
  active: boolean;
  created_at: string;
}

/** The settings view of a configuration (the secret stays behind). */
export function settingsView(
  config: TerminalConfig,
): Pick<SettingsView, 'terminal' | 'lock_after_minutes' | 'insurer' | 'printer' | 'backup_folder'> {
  return {
    terminal: config.terminal,
    lock_after_minutes: config.lock_after_minutes,
    insurer: config.insurer
      ? {
          url: config.insurer.url,
          has_secret: config.insurer.secret.length > 0,
          pinned_keys_spki_base64: config.insurer.pinned_keys_spki_base64,
          interval_seconds: config.insurer.interval_seconds,
        }
      : null,
    printer: config.printer,
    backup_folder: config.backup.folder,
  };
}

/** The new configuration from the screen's input: an empty secret keeps the stored one; a new insurer needs one. */
export function applySettings(
  current: TerminalConfig,
  request: SettingsInput,
): { config: TerminalConfig } | { field: string; message: string; message_en: string } {
  const input = settingsInput.parse(request);
  let insurer: TerminalConfig['insurer'];
  if (input.insurer && current.nhsa)
    return {
      field: 'insurer.url',
      message: '本终端已配置国家医保接口（config.json 的 nhsa），不能再配置本系统协议',
      message_en: 'this terminal speaks the national interface (nhsa in config.json): no second insurer',
    };
  if (input.insurer) {
    const secret = input.insurer.secret || current.insurer?.secret || '';
    if (!secret)
      return {
        field: 'insurer.secret',
        message: '首次配置医保连接须填写终端密钥',
        message_en: 'a new insurer connection needs the terminal secret',
      };
    insurer = {
      url: input.insurer.url,
      secret,
      pinned_keys_spki_base64: input.insurer.pinned_keys_spki_base64,
      interval_seconds: input.insurer.interval_seconds,
    };
  }
  return {
    config: {
      terminal: input.terminal,
      lock_after_minutes: input.lock_after_minutes,
      ...(insurer ? { insurer } : {}),
      // The NHSA connection is IT's, in config.json: the screen keeps it as it is.
      ...(current.nhsa ? { nhsa: current.nhsa } : {}),
      printer: input.printer,
      backup: { folder: input.backup_folder },
    },
  };
}
