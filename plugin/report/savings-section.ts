import { formatMoney, type SavingsReport } from '../savings/savings.js';
import { escapeHtml } from './html-page.js';

const rate = (n: number): string => `$${Number(n.toFixed(6))}`;

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The report's savings section: the inputs first (prices and where they came from), then the figures with their arithmetic. */
export const NO_PRICES_HINT = 'No prices given: add <code>--price amd64=X --price arm64=Y</code> (per vCPU-hour) or <code>--price-file</code> for an estimate.';

/** `hint` (HTML) says how to get an estimate when there is none. */
export function savingsSectionHtml(s: SavingsReport | undefined, hint = NO_PRICES_HINT): string {
  if (!s) return `<h2>Savings estimate</h2><p id="savings" class="muted">${hint}</p>`;
  const inputs = table(['arch', 'price per vCPU-hour', 'basis'], s.prices.map((p) => [p.arch, rate(p.perVcpuHour), p.basis]));
  const terms = s.total.terms.map((t) => `<li>${escapeHtml(`${t.fromArch} → ${s.targetArch}: ${t.arithmetic}`)}</li>`).join('');
  const pools = s.byPool
    ? `<h3>Per node pool, per month (${s.byPool.hoursPerMonth} h)</h3>${table(
        ['pool', 'arch', 'instance types', 'ready workloads', 'vCPU', 'monthly saving', 'arithmetic'],
        s.byPool.pools.map((p) => [p.pool, p.arch, p.instanceTypes.join(', '), String(p.readyWorkloads), String(p.vcpu), p.monthly === null ? 'unpriced' : formatMoney(p.monthly), p.arithmetic || p.basis]),
      )}<p>Total per month: <strong id="savings-monthly">${escapeHtml(formatMoney(s.byPool.monthly))}</strong></p>`
    : '';
  const nc = s.notCounted;
  const notCounted = [
    nc.notReady.workloads > 0 ? `${nc.notReady.workloads} workload(s) not ${s.targetArch}-ready, requesting ${nc.notReady.vcpu} vCPU` : '',
    nc.readyWithoutCpu > 0 ? `${nc.readyWithoutCpu} ready workload(s) requesting no CPU now` : '',
    nc.unpricedArchs.length > 0 ? `pods on ${nc.unpricedArchs.join(', ')} (no price given)` : '',
  ].filter(Boolean);
  return `<h2>Savings estimate: moving ${escapeHtml(s.targetArch)}-ready workloads to ${escapeHtml(s.targetArch)}</h2>
<section id="savings"><p>Inputs (yours, not list prices):</p>${inputs}
<p>Per year (${s.hoursPerYear} h): <strong id="savings-yearly">${escapeHtml(formatMoney(s.total.yearly))}</strong> for ${s.total.vcpu} vCPU</p><ul>${terms}</ul>
${pools}${notCounted.length > 0 ? `<p class="muted">Not counted: ${escapeHtml(notCounted.join('; '))}.</p>` : ''}</section>`;
}
