import type { FeatureDefinition } from '../featureDefinition.js';
import { ellipsoidSurfaceArea } from './ellipsoid.js';
import type { MorphologyCoefficients as C } from './morphologyCoefficients.js';
import type { RoiFeatureFamily } from '../featureFamily.js';
import { morphologyCoefficients } from './morphologyCoefficients.js';

// IBSI 1 §3.1 (morphological features, family HCUG). V = mesh volume, A = mesh area.

/** Volume (mesh), RNU0: V = |Σ_k a_k·(b_k × c_k)/6|. */
export const volume = (c: C): number => c.meshVolume;
/** Volume (voxel counting), YEKZ: Σ_k V_k over morphological-mask voxels. */
export const approximateVolume = (c: C): number => c.voxelVolume;
/** Surface area (mesh), C0JK: A = Σ_k |ab × ac|/2. */
export const surfaceArea = (c: C): number => c.meshArea;
/** Surface to volume ratio, 2PR5: A/V. */
export const surfaceToVolumeRatio = (c: C): number => c.meshArea / c.meshVolume;
/** Compactness 1, SKGS: V / (π^{1/2} A^{3/2}). */
export const compactness1 = (c: C): number => c.meshVolume / (Math.sqrt(Math.PI) * c.meshArea ** 1.5);
/** Compactness 2, BQWJ: 36π V²/A³. */
export const compactness2 = (c: C): number => (36 * Math.PI * c.meshVolume ** 2) / c.meshArea ** 3;
/** Spherical disproportion, KRCK: A / (36π V²)^{1/3}. */
export const sphericalDisproportion = (c: C): number => c.meshArea / Math.cbrt(36 * Math.PI * c.meshVolume ** 2);
/** Sphericity, QCFX: (36π V²)^{1/3} / A. */
export const sphericity = (c: C): number => Math.cbrt(36 * Math.PI * c.meshVolume ** 2) / c.meshArea;
/** Asphericity, 25C7: (A³/(36π V²))^{1/3} − 1. */
export const asphericity = (c: C): number => Math.cbrt(c.meshArea ** 3 / (36 * Math.PI * c.meshVolume ** 2)) - 1;
/** Centre of mass shift, KLMA: ‖CoM_geom − CoM_gl‖₂. */
export const centreOfMassShift = (c: C): number => c.centreOfMassShift;
/** Maximum 3D diameter, L0JK: largest distance between mesh (hull) vertices. */
export const maximum3dDiameter = (c: C): number => c.maxDiameter;
/** Major axis length, TDIC: 4√λ_major. */
export const majorAxisLength = (c: C): number => 4 * Math.sqrt(c.eigenvalues[0]);
/** Minor axis length, P9VJ: 4√λ_minor. */
export const minorAxisLength = (c: C): number => 4 * Math.sqrt(c.eigenvalues[1]);
/** Least axis length, 7J51: 4√λ_least. */
export const leastAxisLength = (c: C): number => 4 * Math.sqrt(c.eigenvalues[2]);
/** Elongation, Q3CK: √(λ_minor/λ_major). */
export const elongation = (c: C): number => Math.sqrt(c.eigenvalues[1] / c.eigenvalues[0]);
/** Flatness, N17B: √(λ_least/λ_major). */
export const flatness = (c: C): number => Math.sqrt(c.eigenvalues[2] / c.eigenvalues[0]);
/** Volume density (AABB), PBX1: V / V_aabb. */
export const volumeDensityAabb = (c: C): number => c.meshVolume / c.aabbVolume;
/** Area density (AABB), R59B: A / A_aabb. */
export const areaDensityAabb = (c: C): number => c.meshArea / c.aabbArea;
/** Volume density (OMBB), ZH1A: V / V_ombb (approximate OMBB). */
export const volumeDensityOmbb = (c: C): number => c.meshVolume / c.ombbVolume;
/** Area density (OMBB), IQYR: A / A_ombb. */
export const areaDensityOmbb = (c: C): number => c.meshArea / c.ombbArea;

const aeeSemiAxes = (c: C): [number, number, number] => [2 * Math.sqrt(c.eigenvalues[0]), 2 * Math.sqrt(c.eigenvalues[1]), 2 * Math.sqrt(c.eigenvalues[2])];
/** Volume density (AEE), 6BDE: 3V / (4π abc), semi-axes a = 2√λ_major etc. */
export const volumeDensityAee = (c: C): number => {
  const [a, b, cc] = aeeSemiAxes(c);
  return (3 * c.meshVolume) / (4 * Math.PI * a * b * cc);
};
/** Area density (AEE), RDD2: A / A_aee, A_aee by the Legendre series (ν ≤ 20). */
export const areaDensityAee = (c: C): number => {
  const [a, b, cc] = aeeSemiAxes(c);
  return c.meshArea / ellipsoidSurfaceArea(a, b, cc);
};
/** Volume density (MVEE), SWZ1: V / (4π abc/3), Khachiyan MVEE with τ = 0.001. */
export const volumeDensityMvee = (c: C): number => {
  const [a, b, cc] = c.mveeSemiAxes;
  return (3 * c.meshVolume) / (4 * Math.PI * a * b * cc);
};
/** Area density (MVEE), BRI8: A / A_mvee. */
export const areaDensityMvee = (c: C): number => c.meshArea / ellipsoidSurfaceArea(...c.mveeSemiAxes);
/** Volume density (convex hull), R3ER: V / V_convex. */
export const volumeDensityConvexHull = (c: C): number => c.meshVolume / c.hullVolume;
/** Area density (convex hull), 7T7F: A / A_convex. */
export const areaDensityConvexHull = (c: C): number => c.meshArea / c.hullArea;
/** Integrated intensity, 99N0: V · mean(X_gl). */
export const integratedIntensity = (c: C): number => c.meshVolume * c.meanIntensity;
/** Moran's I index, N365: (N/ΣΣw) ΣΣ w (X₁−μ)(X₂−μ) / Σ(X−μ)², w = 1/‖x₁−x₂‖₂. */
export const moransI = (c: C): number => c.moranI;
/** Geary's C measure, NPT7: ((N−1)/(2ΣΣw)) ΣΣ w (X₁−X₂)² / Σ(X−μ)². */
export const gearysC = (c: C): number => c.gearyC;

export const MORPHOLOGY_FEATURES: ReadonlyArray<FeatureDefinition<C>> = [
  { tag: 'morph_volume', code: 'RNU0', name: 'Volume (mesh)', compute: volume },
  { tag: 'morph_vol_approx', code: 'YEKZ', name: 'Volume (voxel counting)', compute: approximateVolume },
  { tag: 'morph_area_mesh', code: 'C0JK', name: 'Surface area (mesh)', compute: surfaceArea },
  { tag: 'morph_av', code: '2PR5', name: 'Surface to volume ratio', compute: surfaceToVolumeRatio },
  { tag: 'morph_comp_1', code: 'SKGS', name: 'Compactness 1', compute: compactness1 },
  { tag: 'morph_comp_2', code: 'BQWJ', name: 'Compactness 2', compute: compactness2 },
  { tag: 'morph_sph_dispr', code: 'KRCK', name: 'Spherical disproportion', compute: sphericalDisproportion },
  { tag: 'morph_sphericity', code: 'QCFX', name: 'Sphericity', compute: sphericity },
  { tag: 'morph_asphericity', code: '25C7', name: 'Asphericity', compute: asphericity },
  { tag: 'morph_com', code: 'KLMA', name: 'Centre of mass shift', compute: centreOfMassShift },
  { tag: 'morph_diam', code: 'L0JK', name: 'Maximum 3D diameter', compute: maximum3dDiameter },
  { tag: 'morph_pca_maj_axis', code: 'TDIC', name: 'Major axis length', compute: majorAxisLength },
  { tag: 'morph_pca_min_axis', code: 'P9VJ', name: 'Minor axis length', compute: minorAxisLength },
  { tag: 'morph_pca_least_axis', code: '7J51', name: 'Least axis length', compute: leastAxisLength },
  { tag: 'morph_pca_elongation', code: 'Q3CK', name: 'Elongation', compute: elongation },
  { tag: 'morph_pca_flatness', code: 'N17B', name: 'Flatness', compute: flatness },
  { tag: 'morph_vol_dens_aabb', code: 'PBX1', name: 'Volume density (axis-aligned bounding box)', compute: volumeDensityAabb },
  { tag: 'morph_area_dens_aabb', code: 'R59B', name: 'Area density (axis-aligned bounding box)', compute: areaDensityAabb },
  { tag: 'morph_vol_dens_ombb', code: 'ZH1A', name: 'Volume density (oriented minimum bounding box)', compute: volumeDensityOmbb },
  { tag: 'morph_area_dens_ombb', code: 'IQYR', name: 'Area density (oriented minimum bounding box)', compute: areaDensityOmbb },
  { tag: 'morph_vol_dens_aee', code: '6BDE', name: 'Volume density (approximate enclosing ellipsoid)', compute: volumeDensityAee },
  { tag: 'morph_area_dens_aee', code: 'RDD2', name: 'Area density (approximate enclosing ellipsoid)', compute: areaDensityAee },
  { tag: 'morph_vol_dens_mvee', code: 'SWZ1', name: 'Volume density (minimum volume enclosing ellipsoid)', compute: volumeDensityMvee },
  { tag: 'morph_area_dens_mvee', code: 'BRI8', name: 'Area density (minimum volume enclosing ellipsoid)', compute: areaDensityMvee },
  { tag: 'morph_vol_dens_conv_hull', code: 'R3ER', name: 'Volume density (convex hull)', compute: volumeDensityConvexHull },
  { tag: 'morph_area_dens_conv_hull', code: '7T7F', name: 'Area density (convex hull)', compute: areaDensityConvexHull },
  { tag: 'morph_integ_int', code: '99N0', name: 'Integrated intensity', compute: integratedIntensity },
  { tag: 'morph_moran_i', code: 'N365', name: "Moran's I index", compute: moransI },
  { tag: 'morph_geary_c', code: 'NPT7', name: "Geary's C measure", compute: gearysC },
];

/** The morphological family (IBSI 1 §3.1, HCUG), on the ROI's box: both masks and the intensities. */
export const MORPHOLOGY_FAMILY: RoiFeatureFamily<C> = {
  kind: 'roi',
  name: 'morphology',
  ibsiCode: 'HCUG',
  features: MORPHOLOGY_FEATURES,
  coefficients: ({ box, spacing, kernels }) => morphologyCoefficients({
    morphologicalMask: box.morphologicalMask, intensityMask: box.intensityMask, intensities: box.values, dims: box.dims, spacing,
  }, kernels),
};
