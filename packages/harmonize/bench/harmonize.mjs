#!/usr/bin/env node
// Times the coordinator half of federated ComBat and ICC against the target of issue #12 and
// rewrites this package's section of BENCHMARKS.md (other sections untouched). Run after
// `npm run build -w @fedrad/harmonize`.
//   federated ComBat and ICC, 10 sites × 500 patients × 1,000 features: < 2 s of coordinator time
// The sites' steps are timed too (each site runs its own in parallel in a campaign; the table gives one site's).
import { SeededRandom } from '@fedrad/numeric';
import { medianTime as time, writeBenchSection } from '../../../scripts/benchSection.mjs';
import { combatCovariateFit, combatEstimate, combatSiteApply, combatSiteMoments, combatSiteResiduals, iccCombine, iccSiteSummary } from '../dist/index.js';

const SECTION = '@fedrad/harmonize';
const SITES = 10;
const PATIENTS = 500;
const FEATURES = 1000;

const rng = new SeededRandom(12);
const uniform = () => (rng.nextUint32() + 0.5) / 4294967296;
const gaussian = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());

const featureNames = Array.from({ length: FEATURES }, (_, f) => `f${f}`);
/** One site's rows: features on their own scales, a site shift in location and scale, a 0/1 label to preserve. */
function site(s) {
  const shift = gaussian();
  const scale = 0.6 + uniform();
  const ids = Array.from({ length: PATIENTS }, (_, i) => `s${s}-${i}`);
  const label = Float64Array.from(ids, () => (uniform() < 0.3 ? 1 : 0));
  const values = new Float64Array(PATIENTS * FEATURES);
  const second = new Float64Array(PATIENTS * FEATURES);
  for (let i = 0; i < PATIENTS; i++) {
    for (let f = 0; f < FEATURES; f++) {
      const truth = 10 * (f + 1) + (f + 1) * (shift + scale * gaussian() + 0.5 * label[i]);
      values[i * FEATURES + f] = truth;
      second[i * FEATURES + f] = truth + 0.2 * (f + 1) * gaussian();
    }
  }
  return { ids, featureNames, values, covariateNames: ['label'], covariates: label, second: { ids, featureNames, values: second } };
}

const sites = new Map(Array.from({ length: SITES }, (_, s) => [`site-${s}`, site(s)]));
const ctx = (siteId) => ({ siteId });
const rows = [];

const [momentsMs, firstMoments] = time(() => combatSiteMoments(sites.get('site-0'), ctx('site-0')));
const moments = new Map([...sites].map(([s, r]) => [s, s === 'site-0' ? firstMoments : combatSiteMoments(r, ctx(s))]));
const [fitMs, fit] = time(() => combatCovariateFit(moments));
const [residualMs] = time(() => combatSiteResiduals(sites.get('site-0'), fit, ctx('site-0')));
const residuals = new Map([...sites].map(([s, r]) => [s, combatSiteResiduals(r, fit, ctx(s))]));
const [estimateMs, adjustments] = time(() => combatEstimate(moments, residuals, fit));
const [nonParametricMs] = time(() => combatEstimate(moments, residuals, fit, { nonParametric: true }), 1);
const [applyMs] = time(() => combatSiteApply(sites.get('site-0'), adjustments.get('site-0'), 'site-0'));
rows.push(['ComBat coordinator (covariate fit + parametric EB estimate), one covariate', fitMs + estimateMs, 2000]);
rows.push(['ComBat coordinator, non-parametric prior (p² likelihoods per batch; 1 run)', fitMs + nonParametricMs, 2000]);
rows.push(['ComBat, one site\'s three steps (moments, residuals, apply)', momentsMs + residualMs + applyMs, null]);

const [iccSiteMs, firstSummary] = time(() => iccSiteSummary([sites.get('site-0'), sites.get('site-0').second], ctx('site-0')));
const summaries = new Map([...sites].map(([s, r]) => [s, s === 'site-0' ? firstSummary : iccSiteSummary([r, r.second], ctx(s))]));
const [iccMs] = time(() => iccCombine(summaries));
rows.push(['ICC coordinator (pooled ANOVA + six forms with CIs), 2 readers', iccMs, 2000]);
rows.push(['ICC, one site\'s summary, 2 readers', iccSiteMs, null]);

writeBenchSection(SECTION, 'Harmonisation and reproducibility (packages/harmonize/bench/harmonize.mjs)', {
  timing: 'medians of 3 runs after a warm-up (unless noted)',
  data: `Seeded synthetic data: ${SITES} sites × ${PATIENTS} patients × ${FEATURES.toLocaleString('en')} features with site shifts in location and scale; for the ICC a second reading with noise.`,
}, rows);
