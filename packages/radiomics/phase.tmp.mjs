// time phases of the first run: read, morphologyCoefficients parts
import { performance } from 'node:perf_hooks';
import { readImage, readMask } from '@fedrad/imaging';
import { extractFeatures } from '/work/main/packages/radiomics/dist/index.js';
const t0 = performance.now();
const img = readImage('/tmp/fedrad-bench-case/synthetic-ct.nii.gz');
const roi = readMask('/tmp/fedrad-bench-case/synthetic-roi.nii.gz', img, { imagePath: '/tmp/fedrad-bench-case/synthetic-ct.nii.gz' });
const t1 = performance.now();
const fams = process.argv[2];
const out = extractFeatures({ image: img, mask: roi, config: { discretisation: { intensityHistogram: { method: 'FBN', bins: 32 }, texture: { method: 'FBN', bins: 32 }, ivh: { method: 'none' } }, families: fams.split(',') } });
const t2 = performance.now();
console.log(fams.slice(0,12), 'read', (t1 - t0).toFixed(0), 'extract', (t2 - t1).toFixed(0));
