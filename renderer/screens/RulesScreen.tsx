/** Installed rule versions per region: effective periods, sample vs published values, signature state, install time. */
import type { RuleVersionSummary } from '../../shared/ipc/contract.js';

export function RulesScreen({ rules }: { rules: RuleVersionSummary[] }) {
  return (
    <section className="result wide-screen" aria-label="规则版本">
      <h2>已安装的规则版本</h2>
      <table className="list" data-testid="rules">
        <thead>
          <tr>
            <th>统筹区</th>
            <th>版本</th>
            <th>生效期间</th>
            <th>依据</th>
            <th>参数</th>
            <th>来源 / 签名</th>
            <th>安装时间</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={`${r.region}-${r.version}`}>
              <td>{r.region_name}</td>
              <td>{r.version}</td>
              <td>
                {r.effective_from} 至 {r.effective_to ?? '长期'}
              </td>
              <td>{r.source}</td>
              <td>{r.uses_sample_values ? '含样例参数' : '医保部门发布'}</td>
              <td>{r.origin === 'bundled' ? '随程序安装' : r.signature === 'verified' ? '医保部门 · 签名已验证' : '未验证'}</td>
              <td>{r.installed_at.slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
