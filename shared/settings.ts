/**
 * The terminal's settings (data folder/config.json) and what the settings
 * screen may change. One schema for the file, the IPC request and the screen.
 * A terminal speaks one insurance protocol: none, our own (`insurer`) or the
 * national interface (`nhsa`). Their secrets (the insurer's terminal secret,
 * the NHSA passToken) are never sent to the window: the view says whether one
 * is set, and an empty one on save keeps the stored one.
 */
import { z } from 'zod';
import { fromZodError } from './errors.js';

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

/** The regional err_msg phrases when config.json names none (docs/nhsa.md §4.2, unconfirmed wording). */
export const DEFAULT_NHSA_PHRASES = {
  sign_no_invalid: ['签到编号无效'],
  original_not_found: ['原交易不存在', '原交易已冲正'],
  /**
   * A refused 2405 出院撤销 / 2404 入院撤销 (or 2302) whose err_msg says the state is already undone: a resent undo
   * step counts as done (docs/nhsa.md §7.3). Defaults: the reference gateway's fixed wording.
   */
  already_undone: ['出院已撤销', '入院已撤销'],
  /** A refused 2302 of named fee lines whose err_msg says they are not there: nothing left to cancel (steps.ts). */
  line_not_found: ['不存在'],
};
const nhsaPhrases = z
  .strictObject({
    sign_no_invalid: z.array(z.string().min(1).max(100)).default(DEFAULT_NHSA_PHRASES.sign_no_invalid),
    original_not_found: z.array(z.string().min(1).max(100)).default(DEFAULT_NHSA_PHRASES.original_not_found),
    already_undone: z.array(z.string().min(1).max(100)).default(DEFAULT_NHSA_PHRASES.already_undone),
    line_not_found: z.array(z.string().min(1).max(100)).default(DEFAULT_NHSA_PHRASES.line_not_found),
  })
  .default(DEFAULT_NHSA_PHRASES);
const INFNO = /^\d{4}$/;
const NHSA_PATH = /^\/[\w/.-]{1,200}$/;

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
     * with the NHSA gateway; `insurer` must then be absent. Set on the settings screen or in config.json by
     * IT (the passToken is never sent to the window; the err_msg `phrases` only in config.json).
     */
    nhsa: z
      .strictObject({
        /** The single-URL form (infno in the body), e.g. https://…/fsi/api/rsfComIfsService/callService. */
        gateway_url: insurerUrl.optional(),
        /** Or one path per transaction under this base (paths: infno → path; DEFAULT_PATHS otherwise). */
        base_url: insurerUrl.optional(),
        paths: z.record(z.string().regex(INFNO), z.string().regex(NHSA_PATH)).default({}),
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
        phrases: nhsaPhrases,
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

/** A text the screen names, checked after trimming; the messages name the field as the screen does. */
const text = (min: number, max: number, zh: string, english: string) =>
  z
    .string()
    .trim()
    .refine((s) => s.length >= min && s.length <= max, { message: zh, ...en('invalid_field', english) });
/** A whole number typed on the screen (which sends NaN, i.e. null, for anything else). */
const whole = (min: number, max: number, zh: string, english: string) =>
  z.custom<number>((n) => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max, {
    message: zh,
    ...en('invalid_field', english),
  });
/** One URL form of the gateway: null = the other form. */
const nhsaUrl = (zh: string, english: string) =>
  z
    .string()
    .trim()
    .refine((s) => z.url().safeParse(s).success, {
      message: `${zh}须为完整网址，如 https://ybj.example.cn/fsi/api/rsfComIfsService/callService`,
      ...en('invalid_field', `${english} must be a full URL`),
    })
    .nullable();

/** The settings screen's NHSA parameters: an empty passToken keeps the stored one. */
export const nhsaInput = z.strictObject({
  /** The single-URL form; null when the base URL (one path per transaction) is used. */
  gateway_url: nhsaUrl('网关地址', 'the gateway URL'),
  base_url: nhsaUrl('基础地址', 'the base URL'),
  /** infno → path under base_url; {} = the usual paths (docs/nhsa.md §2). */
  paths: z
    .record(z.string(), z.string())
    .refine((p) => Object.entries(p).every(([infno, path]) => INFNO.test(infno) && NHSA_PATH.test(path)), {
      message: '交易路径每行为 4 位交易号和以 / 开头的路径，如 2304 /fsi/api/hospSettService/settV2',
      ...en('invalid_field', 'transaction paths: a 4-digit infno and a path starting with /, one per line'),
    }),
  paasid: text(1, 100, '须填写 paasid（网关分配的账号），至多 100 位', 'paasid: 1-100 characters'),
  pass_token: z
    .string()
    .max(200)
    .refine((s) => s === '' || s.length >= 8, {
      message: '网关密钥 passToken 为 8-200 位（留空则保持不变）',
      ...en('invalid_field', 'the passToken has 8-200 characters (empty keeps it)'),
    }),
  fixmedins_code: z.string().refine((s) => /^[A-Z0-9]{12}$/.test(s), {
    message: '定点医药机构编号须为 12 位大写字母或数字',
    ...en('invalid_field', 'fixmedins_code: 12 capital letters or digits'),
  }),
  fixmedins_name: text(1, 200, '须填写定点医药机构名称（至多 200 字）', 'fixmedins_name: 1-200 characters'),
  mdtrtarea_admvs: z.string().refine((s) => /^\d{6}$/.test(s), {
    message: '就医地医保区划须为 6 位数字，如 511702',
    ...en('invalid_field', 'mdtrtarea_admvs: 6 digits, e.g. 511702'),
  }),
  infver: text(1, 6, '接口版本号为 1-6 位，如 V1.0', 'infver: 1-6 characters, e.g. V1.0'),
  recer_sys_code: text(1, 10, '接收方系统代码为 1-10 位，如 YBXT', 'recer_sys_code: 1-10 characters, e.g. YBXT'),
  dev_no: text(0, 100, '设备编号至多 100 位', 'dev_no: at most 100 characters'),
  terminal_slot: whole(
    0,
    9,
    '终端序号为 0-9 的一位数字，本院各终端不可重复',
    "terminal_slot: one digit 0-9, different on each of the hospital's terminals",
  ),
  batch_size: whole(1, 100, '每批明细条数为 1-100', 'fee lines per upload: 1-100'),
  interval_seconds: whole(5, 3600, '同步间隔为 5-3600 秒', 'sync interval: 5-3600 seconds'),
  /** The err_msg phrases; absent keeps the stored ones (IT sets them in config.json). */
  phrases: nhsaPhrases.optional(),
});

/** The settings screen's request: one protocol, its section filled and the other null; empty secrets keep the stored ones. */
export const settingsInput = z.strictObject({
  terminal: terminalSettings,
  lock_after_minutes: z.number().int().min(1).max(240),
  /** none: work offline; desk: our own protocol (`insurer`); nhsa: the national interface (`nhsa`). */
  protocol: z.enum(['none', 'desk', 'nhsa']),
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
  nhsa: nhsaInput.nullable(),
  printer: printerSettings,
  backup_folder: z.string().trim().max(500),
});
export type SettingsInput = z.input<typeof settingsInput>;
export type Protocol = z.output<typeof settingsInput>['protocol'];

/** The NHSA parameters as the window sees them: everything but the passToken. */
export interface NhsaView {
  gateway_url: string | null;
  base_url: string | null;
  paths: Record<string, string>;
  paasid: string;
  has_pass_token: boolean;
  fixmedins_code: string;
  fixmedins_name: string;
  mdtrtarea_admvs: string;
  infver: string;
  recer_sys_code: string;
  dev_no: string;
  terminal_slot: number;
  batch_size: number;
  interval_seconds: number;
  phrases: NhsaConfig['phrases'];
}

export interface SettingsView {
  terminal: TerminalConfig['terminal'];
  lock_after_minutes: number;
  protocol: Protocol;
  insurer: { url: string; has_secret: boolean; pinned_keys_spki_base64: string[]; interval_seconds: number } | null;
  nhsa: NhsaView | null;
  printer: TerminalConfig['printer'];
  backup_folder: string;
  /** Where the data is, and why it is not the per-machine folder (null when it is). */
  data_folder: string;
  data_folder_note: string | null;
  /** The backups folder actually used, and its newest files. */
  backups_in: string;
  backups: { file: string; bytes: number; modified: string }[];
  /** Settings read at start (terminal, hospital, protocol and its parameters) apply after a restart. */
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

/** The settings view of a configuration (the secrets stay behind). */
export function settingsView(
  config: TerminalConfig,
): Pick<
  SettingsView,
  'terminal' | 'lock_after_minutes' | 'protocol' | 'insurer' | 'nhsa' | 'printer' | 'backup_folder'
> {
  const n = config.nhsa;
  return {
    terminal: config.terminal,
    lock_after_minutes: config.lock_after_minutes,
    protocol: n ? 'nhsa' : config.insurer ? 'desk' : 'none',
    insurer: config.insurer
      ? {
          url: config.insurer.url,
          has_secret: config.insurer.secret.length > 0,
          pinned_keys_spki_base64: config.insurer.pinned_keys_spki_base64,
          interval_seconds: config.insurer.interval_seconds,
        }
      : null,
    // Field by field, so that nothing secret added to the config later reaches the window by itself.
    nhsa: n
      ? {
          gateway_url: n.gateway_url ?? null,
          base_url: n.base_url ?? null,
          paths: n.paths,
          paasid: n.paasid,
          has_pass_token: n.pass_token.length > 0,
          fixmedins_code: n.fixmedins_code,
          fixmedins_name: n.fixmedins_name,
          mdtrtarea_admvs: n.mdtrtarea_admvs,
          infver: n.infver,
          recer_sys_code: n.recer_sys_code,
          dev_no: n.dev_no,
          terminal_slot: n.terminal_slot,
          batch_size: n.batch_size,
          interval_seconds: n.interval_seconds,
          phrases: n.phrases,
        }
      : null,
    printer: config.printer,
    backup_folder: config.backup.folder,
  };
}

type Refusal = { field: string; message: string; message_en: string };

/**
 * The new configuration from the screen's input. The protocol chosen keeps its section and drops the other
 * (one protocol per terminal); an empty secret or passToken keeps the stored one; a new connection needs one.
 */
export function applySettings(current: TerminalConfig, request: SettingsInput): { config: TerminalConfig } | Refusal {
  const input = settingsInput.parse(request);
  const { protocol } = input;
  if ((protocol === 'desk') !== (input.insurer !== null))
    return {
      field: 'insurer',
      message: protocol === 'desk' ? '选择本系统协议须填写医保服务地址等设置' : '未选择本系统协议时 insurer 须为 null',
      message_en:
        protocol === 'desk'
          ? 'our own protocol needs its settings (insurer)'
          : 'insurer must be null unless our own protocol is chosen',
    };
  if ((protocol === 'nhsa') !== (input.nhsa !== null))
    return {
      field: 'nhsa',
      message: protocol === 'nhsa' ? '选择国家医保接口须填写其参数' : '未选择国家医保接口时 nhsa 须为 null',
      message_en:
        protocol === 'nhsa'
          ? 'the national interface needs its parameters (nhsa)'
          : 'nhsa must be null unless the national interface is chosen',
    };

  let insurer: TerminalConfig['insurer'];
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

  let nhsa: TerminalConfig['nhsa'];
  if (input.nhsa) {
    const { gateway_url, base_url, pass_token, phrases, ...rest } = input.nhsa;
    if ((gateway_url === null) === (base_url === null))
      return {
        field: 'nhsa.gateway_url',
        message: '须填写网关地址（单一地址）或基础地址（按交易分路径）之一',
        message_en: 'give either the gateway URL (one URL) or the base URL (one path per transaction)',
      };
    const token = pass_token || current.nhsa?.pass_token || '';
    if (!token)
      return {
        field: 'nhsa.pass_token',
        message: '首次配置国家医保接口须填写网关密钥 passToken',
        message_en: 'a new NHSA connection needs the passToken',
      };
    nhsa = {
      ...(gateway_url !== null ? { gateway_url } : {}),
      ...(base_url !== null ? { base_url } : {}),
      ...rest,
      pass_token: token,
      phrases: phrases ?? current.nhsa?.phrases ?? DEFAULT_NHSA_PHRASES,
    };
  }

  const next = terminalConfig.safeParse({
    terminal: input.terminal,
    lock_after_minutes: input.lock_after_minutes,
    ...(insurer ? { insurer } : {}),
    ...(nhsa ? { nhsa } : {}),
    printer: input.printer,
    backup: { folder: input.backup_folder },
  });
  // The input's checks cover the file's; should they ever differ, the field is still named.
  if (!next.success) {
    const { field, message, message_en } = fromZodError(next.error).body;
    return { field, message, message_en };
  }
  return { config: next.data };
}
