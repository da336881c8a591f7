/**
 * One site's part of each feature's univariate Cox score test at β = 0, the site being a stratum
 * (its own risk sets): with β = 0 every patient at risk weighs 1, so for each distinct event time t
 * with d deaths, n at risk, risk-set sums S₁ = Σ x and S₂ = Σ x², and the deaths' sums D₁, D₂,
 *   Breslow: U += D₁ − d S₁/n,  I += d (S₂/n − (S₁/n)²);
 *   Efron (1977): for r = 0 … d − 1 the risk set loses r/d of each death, n_r = n − r,
 *     S₁ᵣ = S₁ − (r/d) D₁, S₂ᵣ = S₂ − (r/d) D₂:  U += D₁ − Σᵣ S₁ᵣ/n_r,  I += Σᵣ (S₂ᵣ/n_r − (S₁ᵣ/n_r)²)
 * (Therneau & Grambsch 2000, §3.3, the score and information of the partial likelihood at β = 0).
 * Summed over the sites these are the score and information of the model stratified by site.
 * `x` is row-major n × p.
 */
export function coxScoreSums(x: Float64Array, p: number, time: Float64Array, event: Float64Array, ties: 'breslow' | 'efron'): { score: number[]; information: number[] } {
  const n = time.length;
  const order = [...Array(n).keys()].sort((a, b) => time[b] - time[a]);
  const score = new Array<number>(p).fill(0);
  const information = new Array<number>(p).fill(0);
  const s1 = new Float64Array(p);
  const s2 = new Float64Array(p);
  let atRisk = 0;
  // Walk times from the latest down: the risk set at t is everyone whose time is ≥ t.
  for (let start = 0; start < n; ) {
    let end = start;
    while (end < n && time[order[end]] === time[order[start]]) end++;
    const d1 = new Float64Array(p);
    const d2 = new Float64Array(p);
    let deaths = 0;
    for (let k = start; k < end; k++) {
      const i = order[k];
      atRisk++;
      for (let j = 0; j < p; j++) {
        const v = x[i * p + j];
        s1[j] += v;
        s2[j] += v * v;
        if (event[i] === 1) {
          d1[j] += v;
          d2[j] += v * v;
        }
      }
      if (event[i] === 1) deaths++;
    }
    if (deaths > 0) {
      for (let j = 0; j < p; j++) {
        if (ties === 'breslow' || deaths === 1) {
          const m = s1[j] / atRisk;
          score[j] += d1[j] - deaths * m;
          information[j] += deaths * (s2[j] / atRisk - m * m);
        } else {
          let u = d1[j];
          let info = 0;
          for (let r = 0; r < deaths; r++) {
            const f = r / deaths;
            const nr = atRisk - r;
            const m = (s1[j] - f * d1[j]) / nr;
            u -= m;
            info += (s2[j] - f * d2[j]) / nr - m * m;
          }
          score[j] += u;
          information[j] += info;
        }
      }
    }
    start = end;
  }
  return { score, information };
}
