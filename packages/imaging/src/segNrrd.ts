import { EmptyMaskError, UnknownRoiError, UnsupportedLayoutError } from './errors.js';
import { readNrrdArray, type NrrdArray } from './nrrd.js';
import { selectByName } from './roiSelect.js';
import type { MaskVolume, Volume } from './volume.js';

/**
 * 3D Slicer segmentation (.seg.nrrd): an NRRD whose `SegmentN_*:=` key/values name the segments
 * (Slicer developer guide, "Segmentation labelmap file format"). Non-overlapping segments share
 * one 3D labelmap (SegmentN_LabelValue); overlapping ones sit in layers along a leading list axis
 * (SegmentN_Layer). Files from before label values existed store one segment per layer, value 1.
 */
export interface SlicerSegment {
  index: number;
  id: string;
  name: string;
  labelValue: number;
  layer: number;
}

export function isSlicerSegmentation(keyValues: Record<string, string>): boolean {
  return Object.keys(keyValues).some((k) => /^Segment\d+_(ID|Name)$/.test(k));
}

export function slicerSegments(a: NrrdArray): SlicerSegment[] {
  const kv = a.header.keyValues;
  const out: SlicerSegment[] = [];
  for (let n = 0; kv[`Segment${n}_ID`] !== undefined || kv[`Segment${n}_Name`] !== undefined; n++) {
    const label = Number(kv[`Segment${n}_LabelValue`]);
    const layer = Number(kv[`Segment${n}_Layer`]);
    const legacyLayered = kv[`Segment${n}_Layer`] === undefined && a.sizes.length === 4;
    out.push({
      index: n,
      id: kv[`Segment${n}_ID`] ?? `Segment_${n}`,
      name: kv[`Segment${n}_Name`] ?? kv[`Segment${n}_ID`] ?? `Segment ${n}`,
      labelValue: Number.isFinite(label) ? label : 1,
      layer: Number.isFinite(layer) ? layer : legacyLayered ? n : 0,
    });
  }
  return out;
}

/**
 * One segment of a .seg.nrrd as a binary mask on the file's own grid. Select it by name (or ID)
 * with `roi`, or by its label value with `label`; with neither, the file must hold one segment.
 */
export function readSegNrrd(path: string, select: { roi?: string; label?: number } = {}): MaskVolume & { segmentName: string } {
  const a = readNrrdArray(path);
  const segments = slicerSegments(a);
  const describe = () => segments.map((s) => `${s.name} (label ${s.labelValue}${s.layer ? `, layer ${s.layer}` : ''})`);
  let seg: SlicerSegment | undefined;
  if (select.roi !== undefined) {
    const byName = segments.map((s) => ({ name: s.name, value: s }));
    const byId = segments.filter((s) => s.id !== s.name).map((s) => ({ name: s.id, value: s }));
    try {
      seg = selectByName(path, select.roi, byName).value;
    } catch (e) {
      if (!(e instanceof UnknownRoiError) || byId.length === 0) throw e;
      try {
        seg = selectByName(path, select.roi, byId).value;
      } catch {
        throw new UnknownRoiError(path, `segment "${select.roi}"`, describe());
      }
    }
  } else if (select.label !== undefined) {
    const matches = segments.filter((s) => s.labelValue === select.label);
    if (matches.length !== 1) {
      throw new UnknownRoiError(path, `segment with label value ${select.label}${matches.length > 1 ? ' (one per layer: name it instead)' : ''}`, describe());
    }
    seg = matches[0];
  } else if (segments.length === 1) {
    seg = segments[0];
  } else {
    throw new UnknownRoiError(path, 'a segment (give a segment name or label value)', describe());
  }

  const spatial = a.spatialAxes;
  const listAxes = a.sizes.map((_, i) => i).filter((i) => !spatial.includes(i));
  if (listAxes.length > 1) throw new UnsupportedLayoutError(path, 'at most one layer axis', `${listAxes.length} non-spatial axes`);
  const dims = spatial.map((ax) => (ax >= 0 ? a.sizes[ax] : 1)) as Volume['dims'];
  const n = dims[0] * dims[1] * dims[2];
  const layers = listAxes.length ? a.sizes[listAxes[0]] : 1;
  if (seg.layer >= layers) {
    throw new UnsupportedLayoutError(path, `layer ${seg.layer} for segment "${seg.name}"`, `${layers} layer(s)`);
  }
  // Layer axis position: Slicer writes it first (fastest); strides handle any position.
  const strides: number[] = [];
  a.sizes.reduce((acc, s, i) => ((strides[i] = acc), acc * s), 1);
  const layerStride = listAxes.length ? strides[listAxes[0]] : 0;
  const [sx, sy, sz] = spatial.map((ax) => (ax >= 0 ? strides[ax] : 0));
  const data = new Uint8Array(n);
  let count = 0;
  const base = seg.layer * layerStride;
  for (let k = 0, p = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++, p++) {
        if (a.data[base + i * sx + j * sy + k * sz] === seg.labelValue) {
          data[p] = 1;
          count++;
        }
      }
  // Slicer saves an empty segmentation as a single voxel (developer guide): no geometry at all.
  if (count === 0 || a.data.length === 1) {
    throw new EmptyMaskError(path, `voxels of segment "${seg.name}" (label ${seg.labelValue})`);
  }
  return { data, dims, ...a.geometry, segmentName: seg.name };
}
