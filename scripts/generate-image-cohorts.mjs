#!/usr/bin/env node
// Seeded synthetic image cohorts for the from-images demo, `fedrad simulate` and the tests (#13).
//
// Five hospitals: three training sites and two independent test sites. Each patient is one
// NIfTI volume with one lesion and its mask. The lesion's texture depends on the binary label
// (label 1: brighter, coarser and more heterogeneous, as a high-grade sarcoma tends to be),
// and each site adds its own scanner effect: an intensity gain and offset, its own noise level
// and its own slice thickness (partial-volume averaging along z, then sampled at that
// thickness). A model trained on raw features therefore meets shifted feature distributions
// at the test sites: the situation ComBat exists for. Nothing here is real patient data; the
// same seed always gives byte-identical files.
//
// Usage: node scripts/generate-image-cohorts.mjs --out DIR [--seed 2026] [--patients 30] [--readers 1]
//   writes DIR/<site>/{images/<id>.nii.gz, masks/<id>.nii.gz, manifest.csv, outcome.csv}
//   (manifest: id,image,mask with paths relative to the site folder; outcome: id,label)
//   and prints a JSON summary (sites, roles, scanner effects, patients, events) on stdout.
//   --readers R (R ≥ 2) adds R − 1 further readers' segmentations for the reproducibility step:
//   masks<r>/<id>.nii.gz, the lesion mask eroded or dilated by one voxel (6-connected; which one
//   drawn per patient and reader from a stream of its own, so the default output is unchanged),
//   and manifest columns mask2 … mask<R>.
//   --clinical yes also writes clinical.csv (id,age,size_cm,deep): covariates related to the label
//   (a high-grade lesion tends to be larger and deep, its patient older), drawn from a stream of
//   their own so the default output is unchanged; about 1 in 20 values is left empty (NA), as
//   a real registry has gaps.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
// Needs `npm run build` (the demo and the tests run after it).
import { mulberry32 } from '@fedrad/numeric';
import { writeNifti } from '@fedrad/imaging';

/** Each site's role, case mix (prevalence of label 1) and scanner: gain and offset of the intensities, noise SD, slice thickness (mm). */
export const IMAGE_SITES = [
  { siteId: 'site-a', role: 'training', prevalence: 0.3, gain: 1.0, offset: 0, noise: 6, sliceThickness: 2 },
  { siteId: 'site-b', role: 'training', prevalence: 0.6, gain: 1.3, offset: 40, noise: 14, sliceThickness: 3 },
  { siteId: 'site-c', role: 'training', prevalence: 0.45, gain: 0.8, offset: -30, noise: 9, sliceThickness: 2.5 },
  { siteId: 'site-d', role: 'test', prevalence: 0.4, gain: 1.15, offset: 25, noise: 16, sliceThickness: 4 },
  { siteId: 'site-e', role: 'test', prevalence: 0.5, gain: 0.9, offset: -20, noise: 5, sliceThickness: 3 },
];

// The patient lives on a 1 mm isotropic "true anatomy" grid; the scanner then samples it.
const FIELD = [48, 48, 40]; // mm: x, y, z
const IN_PLANE_SPACING = 1;

/** Standard normal deviates by the Box–Muller transform. */
function normal(rand) {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** In-place box blur of radius r along one axis of an nx×ny×nz field (three passes approximate a Gaussian). */
function boxBlurAxis(f, dims, axis, r) {
  if (r < 1) return;
  const [nx, ny, nz] = dims;
  const stride = [1, nx, nx * ny][axis];
  const n = dims[axis];
  const line = new Float64Array(n);
  const starts = [];
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const at = [i, j, k];
    if (at[axis] === 0) starts.push(i + nx * (j + ny * k));
  }
  for (const s of starts) {
    for (let t = 0; t < n; t++) line[t] = f[s + t * stride];
    for (let t = 0; t < n; t++) {
      let sum = 0, count = 0;
      for (let u = Math.max(0, t - r); u <= Math.min(n - 1, t + r); u++) sum += line[u], count++;
      f[s + t * stride] = sum / count;
    }
  }
}

/** A smooth random field with unit standard deviation and correlation length ≈ r voxels. */
function randomField(rand, dims, r) {
  const f = new Float64Array(dims[0] * dims[1] * dims[2]);
  for (let i = 0; i < f.length; i++) f[i] = normal(rand);
  for (let pass = 0; pass < 3; pass++) for (let axis = 0; axis < 3; axis++) boxBlurAxis(f, dims, axis, r);
  let mean = 0;
  for (const v of f) mean += v;
  mean /= f.length;
  let sd = 0;
  for (const v of f) sd += (v - mean) ** 2;
  sd = Math.sqrt(sd / f.length) || 1;
  for (let i = 0; i < f.length; i++) f[i] = (f[i] - mean) / sd;
  return f;
}

/**
 * One patient's true anatomy (1 mm grid): soft tissue around an ellipsoidal lesion whose mean,
 * heterogeneity and grain depend on the label. Returns the intensities and the lesion mask.
 */
function anatomy(rand, label) {
  const [nx, ny, nz] = FIELD;
  const n = nx * ny * nz;
  const radii = [9 + 4 * rand(), 9 + 4 * rand(), 8 + 4 * rand()];
  const centre = [nx / 2 + 3 * (rand() - 0.5), ny / 2 + 3 * (rand() - 0.5), nz / 2 + 3 * (rand() - 0.5)];
  // Label 1: brighter, coarser grain, larger amplitude; both classes overlap (biology is noisy).
  const lesionMean = 45 + 8 * label + 8 * normal(rand);
  const amplitude = Math.max(2, 10 + 4 * label + 3 * normal(rand));
  const grain = label === 1 ? 2 : 1;
  const texture = randomField(rand, FIELD, grain);
  const background = randomField(rand, FIELD, 4);
  const values = new Float64Array(n);
  const mask = new Uint8Array(n);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const idx = i + nx * (j + ny * k);
    const d = ((i - centre[0]) / radii[0]) ** 2 + ((j - centre[1]) / radii[1]) ** 2 + ((k - centre[2]) / radii[2]) ** 2;
    if (d <= 1) {
      mask[idx] = 1;
      values[idx] = lesionMean + amplitude * texture[idx];
    } else {
      values[idx] = 20 + 6 * background[idx];
    }
  }
  return { values, mask };
}

/**
 * The scanner: averages `thickness` mm of anatomy into each slice (partial volume), applies its
 * gain and offset, adds its noise. The mask is sampled at the slice centre.
 */
function scan(rand, { values, mask }, site) {
  const [nx, ny, nz] = FIELD;
  const thickness = site.sliceThickness;
  const slices = Math.floor(nz / thickness);
  const image = new Float32Array(nx * ny * slices);
  const roi = new Uint8Array(nx * ny * slices);
  for (let s = 0; s < slices; s++) {
    const z0 = s * thickness, z1 = z0 + thickness;
    const centre = Math.min(nz - 1, Math.floor((z0 + z1) / 2));
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
      // Weighted average of the 1 mm planes this slice covers (fractional overlap at its edges).
      let sum = 0, weight = 0;
      for (let z = Math.floor(z0); z < Math.ceil(z1) && z < nz; z++) {
        const w = Math.min(z + 1, z1) - Math.max(z, z0);
        sum += w * values[i + nx * (j + ny * z)];
        weight += w;
      }
      const out = i + nx * (j + ny * s);
      image[out] = Math.round(site.gain * (sum / weight) + site.offset + site.noise * normal(rand));
      roi[out] = mask[i + nx * (j + ny * centre)];
    }
  }
  const volume = (data) => ({
    data,
    dims: [nx, ny, slices],
    spacing: [IN_PLANE_SPACING, IN_PLANE_SPACING, thickness],
    origin: [0, 0, thickness / 2],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  });
  return { image: volume(image), mask: volume(roi) };
}

/**
 * Another reader's segmentation of the same lesion: the mask eroded (a voxel leaves when one of its
 * 6 neighbours is outside, or off the grid) or dilated (a voxel joins when one of them is inside)
 * by one voxel. A reader outlines the same lesion a little tighter or looser.
 */
function oneVoxelOutline(mask, erode) {
  const [nx, ny, nz] = mask.dims;
  const out = new Uint8Array(mask.data.length);
  const at = (i, j, k) => (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz ? 0 : mask.data[i + nx * (j + ny * k)]);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const around = [at(i - 1, j, k), at(i + 1, j, k), at(i, j - 1, k), at(i, j + 1, k), at(i, j, k - 1), at(i, j, k + 1)];
    const self = at(i, j, k);
    out[i + nx * (j + ny * k)] = erode ? (self && around.every((v) => v) ? 1 : 0) : (self || around.some((v) => v) ? 1 : 0);
  }
  return { ...mask, data: out };
}

/** A seed per site derived from the run's seed, so adding a site never changes another's cases. */
function siteSeed(seed, siteId) {
  let h = seed >>> 0;
  for (const ch of siteId) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/** Writes every site's cohort under `out`; returns the summary. */
export function generateImageCohorts({ out, seed = 2026, patients = 30, readers = 1, clinical = false, sites = IMAGE_SITES }) {
  const root = resolve(out);
  const summary = { generator: 'scripts/generate-image-cohorts.mjs', seed, patientsPerSite: patients, ...(readers > 1 ? { readers } : {}), ...(clinical ? { clinical: true } : {}), sites: [] };
  const further = Array.from({ length: readers - 1 }, (_, r) => r + 2);
  for (const site of sites) {
    const rand = mulberry32(siteSeed(seed, site.siteId));
    // The further readers draw from their own stream: the images and first masks stay byte-identical.
    const readerRand = mulberry32(siteSeed(seed, `${site.siteId}/readers`));
    const clinicalRand = mulberry32(siteSeed(seed, `${site.siteId}/clinical`));
    const clinicalRows = ['id,age,size_cm,deep'];
    const dir = join(root, site.siteId);
    mkdirSync(join(dir, 'images'), { recursive: true });
    mkdirSync(join(dir, 'masks'), { recursive: true });
    for (const r of further) mkdirSync(join(dir, `masks${r}`), { recursive: true });
    const manifest = [['id,image,mask', ...further.map((r) => `mask${r}`)].join(',')];
    const outcome = ['id,label'];
    let events = 0;
    for (let p = 1; p <= patients; p++) {
      const id = `${site.siteId}-p${String(p).padStart(3, '0')}`;
      const label = rand() < site.prevalence ? 1 : 0;
      events += label;
      const { image, mask } = scan(rand, anatomy(rand, label), site);
      writeNifti(image, join(dir, 'images', `${id}.nii.gz`), `fedrad synthetic ${id}`);
      writeNifti(mask, join(dir, 'masks', `${id}.nii.gz`), `fedrad synthetic mask ${id}`);
      for (const r of further) writeNifti(oneVoxelOutline(mask, readerRand() < 0.5), join(dir, `masks${r}`, `${id}.nii.gz`), `fedrad synthetic mask ${id} reader ${r}`);
      manifest.push([`${id},images/${id}.nii.gz,masks/${id}.nii.gz`, ...further.map((r) => `masks${r}/${id}.nii.gz`)].join(','));
      outcome.push(`${id},${label}`);
      if (clinical) clinicalRows.push(clinicalRow(clinicalRand, id, label));
    }
    if (clinical) writeFileSync(join(dir, 'clinical.csv'), clinicalRows.join('\n') + '\n');
    writeFileSync(join(dir, 'manifest.csv'), manifest.join('\n') + '\n');
    writeFileSync(join(dir, 'outcome.csv'), outcome.join('\n') + '\n');
    summary.sites.push({ ...site, dir, patients, events });
  }
  return summary;
}

/** One patient's covariates: age (years), lesion size (cm) and depth (1 deep, 0 superficial), each shifted by the label; ~5 % of cells empty. */
function clinicalRow(rand, id, label) {
  const age = Math.round(52 + 6 * label + 12 * normal(rand));
  const size = Math.max(1, 6 + 2.5 * label + 2.5 * normal(rand)).toFixed(1);
  const deep = rand() < (label === 1 ? 0.75 : 0.4) ? 1 : 0;
  const gap = (v) => (rand() < 0.05 ? '' : String(v));
  return [id, gap(age), gap(size), gap(deep)].join(',');
}

function parseArgs(argv) {
  const args = { seed: 2026, patients: 30, readers: 1, clinical: false };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--out') args.out = value;
    else if (flag === '--seed') args.seed = Number(value);
    else if (flag === '--patients') args.patients = Number(value);
    else if (flag === '--readers') args.readers = Number(value);
    else if (flag === '--clinical') args.clinical = value === 'yes' ? true : value === 'no' ? false : (() => { throw new Error('--clinical takes yes or no'); })();
    else throw new Error(`unknown option ${flag} (known: --out, --seed, --patients, --readers, --clinical)`);
  }
  if (!args.out) throw new Error('--out DIR is required');
  if (!Number.isInteger(args.patients) || args.patients < 1) throw new Error('--patients must be a positive integer');
  if (!Number.isInteger(args.seed)) throw new Error('--seed must be an integer');
  if (!Number.isInteger(args.readers) || args.readers < 1 || args.readers > 9) throw new Error('--readers must be an integer from 1 to 9 (segmentations per patient)');
  return args;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(JSON.stringify(generateImageCohorts(parseArgs(process.argv.slice(2))), null, 2) + '\n');
  } catch (e) {
    process.stderr.write(`generate-image-cohorts: ${e.message}\n`);
    process.exit(2);
  }
}
