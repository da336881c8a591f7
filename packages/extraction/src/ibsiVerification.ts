import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { IDENTITY_DIRECTION } from '@fedrad/imaging';
import { assertValid, canonicalHash, readCsv, type IbsiVerification } from '@fedrad/protocol';
import { extractFeatures, parseFeatureConfig, recordedFeatureConfig } from '@fedrad/radiomics';
import { contentHash } from './contentHash.js';
import { ExtractionInputError } from './errors.js';

/** The radiomics engine's package folder (its built files and shipped configs), as Node resolves it for this process. */
function radiomicsPackageDir(): string {
  // The package's entry is dist/index.js (its package.json is not exported).
  return dirname(dirname(createRequire(import.meta.url).resolve('@fedrad/radiomics')));
}

/**
 * SHA-256 of the radiomics engine that this process runs: the built files of @fedrad/radiomics
 * (dist/, every file below it by path and content) and its native kernels when built
 * (build/Release/fedrad_radiomics.node). Two processes with the same hash compute the same
 * features; an IBSI verification holds for an extraction only when the hashes agree.
 */
export function radiomicsEngineSha256(): string {
  // Hashed once per process: the engine loaded cannot change under it, and each extract job asks.
  if (engineSha256 !== undefined) return engineSha256;
  const root = radiomicsPackageDir();
  const native = join(root, 'build', 'Release', 'fedrad_radiomics.node');
  const parts = [contentHash(join(root, 'dist')).sha256, existsSync(native) ? contentHash(native).sha256 : 'no native kernels'];
  return (engineSha256 = createHash('sha256').update(parts.join('\n')).digest('hex'));
}
let engineSha256: string | undefined;

/** One IBSI reference value of the digital phantom. */
export interface IbsiReferenceValue {
  tag: string;
  ibsiCode: string;
  value: number;
  tolerance: number;
}

/** The digital phantom's rows of the IBSI 1 reference table (reference_values.csv: dataset, ibsi_code, tag, value, tolerance). */
export function phantomReferenceValues(csvText: string, source: string): IbsiReferenceValue[] {
  const [header, ...records] = readCsv(csvText, source);
  const col = (name: string) => {
    const j = header.cells.indexOf(name);
    if (j < 0) throw new ExtractionInputError(`${source} has no "${name}" column: it is not the IBSI reference table (reference_values.csv).`, { manifest: source });
    return j;
  };
  const [dataset, tag, code, value, tolerance] = ['dataset', 'tag', 'ibsi_code', 'value', 'tolerance'].map(col);
  return records
    .filter((r) => r.cells[dataset] === 'digital_phantom' && r.cells[value] !== '')
    .map((r) => ({ tag: r.cells[tag], ibsiCode: r.cells[code], value: Number(r.cells[value]), tolerance: Number(r.cells[tolerance] || 0) }));
}

/** A value rounded to 3 significant digits: the IBSI digital phantom's reference values are given so. */
const round3 = (x: number) => (x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(3)));

/**
 * Whether a computed value matches its IBSI reference: within the reference's tolerance, or equal
 * once rounded to the 3 significant digits the phantom's values are published with (Zwanenburg et
 * al., IBSI reference manual, arXiv:1612.07003, ch. 5 "Reference values": the digital phantom's
 * values are exact to 3 significant digits and carry no tolerance).
 */
export function matchesIbsi(computed: number | undefined, ref: IbsiReferenceValue): boolean {
  if (computed === undefined || !Number.isFinite(computed)) return false;
  if (Math.abs(computed - ref.value) <= ref.tolerance) return true;
  return ref.value === 0 ? Math.abs(computed) < 1e-12 : round3(computed) === round3(ref.value);
}

/**
 * The IBSI 1 digital phantom run through this process's extraction engine with the shipped phantom
 * configuration (@fedrad/radiomics configs/ibsi-digital-phantom.json: every family, every texture
 * aggregation), each feature with a reference value compared with it: the record RQS item 3 asks for,
 * naming the software version, the engine's hash and the configuration's.
 * `ibsiDir` is the IBSI 1 data folder (digital_phantom/phantom.json, reference_values.csv) or its parent.
 */
export function verifyIbsiPhantom(ibsiDir: string, softwareVersion: string, at: Date = new Date()): IbsiVerification {
  const dir = existsSync(join(ibsiDir, 'ibsi1')) ? join(ibsiDir, 'ibsi1') : ibsiDir;
  const phantomFile = join(dir, 'digital_phantom', 'phantom.json');
  const referenceFile = join(dir, 'reference_values.csv');
  for (const f of [phantomFile, referenceFile]) {
    if (!existsSync(f)) throw new ExtractionInputError(`${f} is missing: --ibsi must name the IBSI 1 data folder (digital_phantom/phantom.json and reference_values.csv).`, { manifest: f });
  }
  const phantom = JSON.parse(readFileSync(phantomFile, 'utf8')) as { dims_xyz: [number, number, number]; spacing_mm_xyz: [number, number, number]; image_flat: number[]; mask_flat: number[] };
  const configFile = join(radiomicsPackageDir(), 'configs', 'ibsi-digital-phantom.json');
  const config = parseFeatureConfig(readFileSync(configFile, 'utf8'), configFile);
  const volume = (data: Float32Array | Uint8Array) => ({ data, dims: phantom.dims_xyz, spacing: phantom.spacing_mm_xyz, origin: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION });
  const { features } = extractFeatures({ image: volume(Float32Array.from(phantom.image_flat)), mask: volume(Uint8Array.from(phantom.mask_flat)), config });
  const referenceText = readFileSync(referenceFile, 'utf8');
  const references = phantomReferenceValues(referenceText, referenceFile);
  const mismatched = references.filter((r) => !matchesIbsi(features[r.tag], r)).map((r) => ({
    tag: r.tag, ibsiCode: r.ibsiCode, value: Number.isFinite(features[r.tag]) ? features[r.tag] : null, reference: r.value, tolerance: r.tolerance,
  }));
  const record: IbsiVerification = {
    type: 'ibsi-verification',
    phantom: 'IBSI 1 digital phantom',
    softwareVersion,
    engineSha256: radiomicsEngineSha256(),
    featureConfigSha256: canonicalHash(recordedFeatureConfig(config)),
    referenceSha256: createHash('sha256').update(referenceText).digest('hex'),
    featuresChecked: references.length,
    featuresMatched: references.length - mismatched.length,
    passed: references.length > 0 && mismatched.length === 0,
    mismatched: mismatched.slice(0, 1000),
    createdAt: at.toISOString(),
  };
  return assertValid<IbsiVerification>('ibsi-verification', record, `IBSI verification from ${dir}`);
}
