import { createRequire } from 'node:module';
import { CorruptFileError } from '../errors.js';
import type { DataSet, Element } from './dicomFile.js';

type DicomParser = typeof import('dicom-parser');
let dicomParser: DicomParser | undefined;

/**
 * The compressed bytes of frame `frame` of encapsulated pixel data (PS3.5 §A.4): through the
 * Basic Offset Table when there is one; else one fragment per frame when the counts agree;
 * else all fragments for a single frame; else, for JPEG family streams, the frame boundaries
 * found from the fragments' start-of-image markers (dicom-parser's createJPEGBasicOffsetTable).
 */
export function encapsulatedFrame(ds: DataSet, el: Element, frame: number, frameCount: number, path: string): Uint8Array {
  dicomParser ??= createRequire(import.meta.url)('dicom-parser') as DicomParser;
  const fragments = el.fragments ?? [];
  if (!el.encapsulatedPixelData || fragments.length === 0) {
    throw new CorruptFileError(path, 'encapsulated pixel data (PS3.5 §A.4) for a compressed transfer syntax', 'no pixel data fragments');
  }
  try {
    if (el.basicOffsetTable && el.basicOffsetTable.length > 0) {
      return dicomParser.readEncapsulatedImageFrame(ds, el, frame) as Uint8Array;
    }
    if (frameCount === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length) as Uint8Array;
    if (fragments.length === frameCount) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, frame, 1) as Uint8Array;
    const offsets = dicomParser.createJPEGBasicOffsetTable(ds, el);
    return dicomParser.readEncapsulatedImageFrame(ds, el, frame, offsets) as Uint8Array;
  } catch (e) {
    throw new CorruptFileError(path, `compressed frame ${frame + 1} of ${frameCount}`, e instanceof Error ? e.message : String(e));
  }
}
