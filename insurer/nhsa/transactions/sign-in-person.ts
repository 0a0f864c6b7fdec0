/** 9001 签到 (issues a sign_no) and 1101 人员信息获取 (by 身份证, mdtrt_cert_type 02). */
import { randomInt } from 'node:crypto';
import { beijingDateTime, beijingStamp } from '../../../shared/nhsa/envelope.js';
import { jsonNumber } from '../../../shared/nhsa/numbers.js';
import { findPerson } from '../../persons.js';
import { refuse } from '../context.js';
import { admdvsOf, ageOn, birthDateOf, insutypeOf, psnNoOf } from '../insured.js';
import type { Handler } from './types.js';

export const signIn: Handler<'9001'> = (ctx, input) => {
  // Region (6) + Beijing time (14) + 10 random digits: not guessable from the request's row id.
  const random = `${randomInt(100_000)}`.padStart(5, '0') + `${randomInt(100_000)}`.padStart(5, '0');
  const signNo = `${ctx.account.mdtrtarea_admvs}${beijingStamp(ctx.now)}${random}`;
  ctx.db
    .prepare('INSERT INTO nhsa_sign_ins (sign_no, paasid, opter_no, request_id, signed_at) VALUES (?, ?, ?, ?, ?)')
    .run(signNo, ctx.account.paasid, input.signIn.opter_no, ctx.requestId, ctx.now.toISOString());
  return { output: { signinoutb: { sign_time: beijingDateTime(ctx.now), sign_no: signNo } } };
};

/** 人员类别 (psn_type): 11 在职, 12 退休 (职工); 15 城乡居民. */
const psnType = (scheme: string, retired: boolean) => (scheme === 'resident' ? '15' : retired ? '12' : '11');

export const personInfo: Handler<'1101'> = (ctx, input) => {
  const d = input.data;
  if (d.mdtrt_cert_type !== '02') refuse(`就诊凭证类型 ${d.mdtrt_cert_type} 暂不支持，请使用 02（居民身份证）查询`);
  const person = findPerson(ctx.db, d.mdtrt_cert_no.toUpperCase());
  if (!person) refuse(`未查询到证件号码 ${d.mdtrt_cert_no} 的参保信息`);
  if (d.certno !== '' && d.certno.toUpperCase() !== person.id_number)
    refuse('人员证件号码 certno 与就诊凭证编号 mdtrt_cert_no 不一致');
  if (d.psn_cert_type !== '' && d.psn_cert_type !== '01') refuse(`人员证件类型 ${d.psn_cert_type} 与证件号码不符`);
  if (d.psn_name !== '' && d.psn_name !== person.name) refuse('人员姓名与证件号码不符');

  const brdy = birthDateOf(person.id_number);
  const today = beijingDateTime(ctx.now).slice(0, 10);
  const year = today.slice(0, 4);
  return {
    output: {
      baseinfo: {
        psn_no: psnNoOf(person),
        psn_cert_type: '01',
        certno: person.id_number,
        psn_name: person.name,
        gend: person.gender === 'F' ? '2' : person.gender === 'M' ? '1' : '9',
        naty: '01',
        brdy,
        age: jsonNumber(`${ageOn(brdy, today)}.0`),
      },
      insuinfo: [
        {
          balc: jsonNumber('0.00'),
          insutype: insutypeOf(person),
          psn_type: psnType(person.scheme, person.retired),
          psn_insu_stas: person.suspended_years.includes(year) ? '2' : '1',
          psn_insu_date: null,
          paus_insu_date: null,
          cvlserv_flag: '0',
          insuplc_admdvs: admdvsOf(person),
          emp_name: '',
        },
      ],
      idetinfo: person.medical_assistance
        ? [{ psn_idet_type: '2302', psn_type_lv: '', memo: '医疗救助对象', begntime: null, endtime: null }]
        : [],
    },
  };
};
