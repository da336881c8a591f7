// One measured extraction in a fresh process (so peak RSS is this case's): reads the NIfTI image
// and mask, runs the pipeline, prints timings and peak memory as JSON on stdout.
//   node bench/extractCase.mjs IMAGE MASK FAMILIES(comma list|all) RUNS
import { performance } from 'node:perf_hooks';
import { readImage, readMask } from '@fedrad/imaging';
import { extractFeatures } from '../dist/index.js';

const [image, mask, families, runsText] = process.argv.slice(2);
// 'filtered': every family on the image and on 11 response maps — the 8 coif1 wavelet sub-bands
// (level 1) and LoG at σ = 1, 3 and 5 mm, every family but morphology on each (issue 15), the set
// PyRadiomics computes with its wavelet + LoG image types.
const FILTERS = [
  ...['LLL', 'LLH', 'LHL', 'LHH', 'HLL', 'HLH', 'HHL', 'HHH'].map((subband) => ({ family: 'wavelet', wavelet: 'coif1', subband, level: 1, boundary: 'mirror' })),
  ...[1, 3, 5].map((sigma) => ({ family: 'laplacian_of_gaussian', sigma, boundary: 'mirror' })),
];
const config = {
  // No resampling, 32 fixed bins (the benchmark setting of issues 3 and 4), IVH on integer HU.
  discretisation: { intensityHistogram: { method: 'FBN', bins: 32 }, texture: { method: 'FBN', bins: 32 }, ivh: { method: 'none' } },
  ...(families === 'all' ? {} : families === 'filtered'
    ? { filters: FILTERS, filteredFamilies: ['local_intensity', 'intensity_statistics', 'intensity_histogram', 'intensity_volume_histogram', 'glcm', 'glrlm', 'glszm', 'gldzm', 'ngtdm', 'ngldm'], discretisation: { intensityHistogram: { method: 'FBN', bins: 32 }, texture: { method: 'FBN', bins: 32 }, ivh: { method: 'FBN', bins: 1000 } } }
    : { families: families.split(',') }),
};
const runs = Number(runsText ?? 1);
const times = [];
const cpu = [];
let read = 0, features = 0;
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const img = readImage(image);
  const roi = readMask(mask, img, { imagePath: image });
  const t1 = performance.now();
  const out = extractFeatures({ image: img, mask: roi, config });
  const t2 = performance.now();
  times.push(t2 - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  if (r === 0) { read = t1 - t0; features = Object.keys(out.features).length; }
}
process.stdout.write(JSON.stringify({ times, cpu, read, features, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
