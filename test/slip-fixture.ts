/** A slip's data as the service builds it, for layout tests. */
import QRCode from 'qrcode';
import type { SlipData } from '../shared/slip/slip.js';

export async function sampleSlip(overrides: Partial<SlipData> = {}): Promise<SlipData> {
  return {
    kind: 'original',
    reprint: 0,
    hospital: { name: '测试市第一人民医院', code: 'H510100001' },
    number: 'T01-S20260320-000001',
    reverses: null,
    patient: {
      name: '张三',
      gender: 'M',
      id_masked: '510102********1014',
      scheme: '职工基本医疗保险',
      person_type: '在职',
    },
    stay: {
      inpatient_no: 'ZY2026000123',
      ward: '心内科一病区',
      bed: '12',
      admission_date: '2026-03-02',
      discharge_date: '2026-03-20',
      days: 18,
      diagnosis: '急性心肌梗死',
    },
    costs: {
      medfee_sumamt: '180000.00',
      fulamt_ownpay_amt: '6000.00',
      overlmt_selfpay: '0.00',
      preselfpay_amt: '4000.00',
      inscp_scp_amt: '170000.00',
    },
    funds: [
      { name: '职工基本医疗保险统筹基金', field: 'hifp_pay', amount: '143735.00' },
      { name: '大额医疗费用补助基金', field: 'hifob_pay', amount: '16023.75' },
    ],
    act_pay_dedc: '900.00',
    fund_pay_sumamt: '159758.75',
    psn_cash_pay: '20241.25',
    rules: { region_name: '达州市', versions: '2023.2', sample: true },
    offline: false,
    platform: null,
    platform_pending: false,
    cashier: { code: 'cash1', name: '李收费' },
    settled_at: '2026-03-20T02:00:00.000Z',
    printed_at: '2026-03-20T02:01:00.000Z',
    qr_svg: await QRCode.toString('DD1|T01-S20260320-000001|180000.00|159758.75|0123456789abcdef', {
      type: 'svg',
      margin: 0,
      errorCorrectionLevel: 'M',
    }),
    ...overrides,
  };
}
