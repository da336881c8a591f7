import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PixelCodec } from './transferSyntax.js';

/**
 * Decoders of compressed frames, from maintained npm packages (never hand-written codecs):
 * - JPEG Lossless (process 14, any selection value): jpeg-lossless-decoder-js (pure JS);
 * - JPEG-LS: @cornerstonejs/codec-charls (CharLS compiled to WebAssembly);
 * - JPEG 2000: @cornerstonejs/codec-openjpeg (OpenJPEG compiled to WebAssembly);
 * - RLE Lossless: daikon's RLE decoder (pure JS, the PS3.5 Annex G PackBits segments).
 * Each is loaded on the first frame that needs it. The WebAssembly ships inside the package and
 * is compiled synchronously from node_modules (Node allows it for any size), so the readers stay
 * synchronous and nothing is fetched at run time.
 */

export interface DecodedFrame {
  /** Samples in little-endian byte order, 1 byte per sample up to 8 bits, 2 up to 16. */
  bytes: Uint8Array;
  width: number;
  height: number;
  bitsPerSample?: number;
}

const require = createRequire(import.meta.url);

/** Node's WebAssembly global (the TypeScript lib here carries no WebAssembly declarations). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface EmscriptenDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  delete(): void;
}
type DecoderModule = Record<string, new () => EmscriptenDecoder>;

/**
 * Instantiates an Emscripten (MODULARIZE) codec synchronously: its `instantiateWasm` hook is
 * given an instance compiled here, so the module is ready when the factory returns (the factory's
 * promise is then already settled and ignored).
 */
function loadEmscripten(jsEntry: string, wasmEntry: string, className: string): DecoderModule {
  const factory = require(jsEntry) as (arg: object) => Promise<unknown>;
  const wasm = new wasmApi.Module(readFileSync(require.resolve(wasmEntry)));
  const mod: Record<string, unknown> = {
    // OpenJPEG logs "[INFO] …" per frame to stdout, which would corrupt a CLI's piped output;
    // a failed decode throws, which is what the readers report.
    print: () => undefined,
    printErr: () => undefined,
    instantiateWasm(imports: object, receive: (instance: object, module: object) => void) {
      const instance = new wasmApi.Instance(wasm, imports);
      receive(instance, wasm);
      return instance.exports;
    },
  };
  void factory(mod).catch(() => undefined);
  if (typeof mod[className] !== 'function') throw new Error(`${jsEntry} did not initialise synchronously`);
  return mod as unknown as DecoderModule;
}

let charls: DecoderModule | undefined;
let openjpeg: DecoderModule | undefined;

function decodeWithEmscripten(mod: DecoderModule, className: string, encoded: Uint8Array): DecodedFrame {
  const decoder = new mod[className]();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    // The decoded buffer is a view into the module's memory: copy it before the next frame.
    return { bytes: decoder.getDecodedBuffer().slice(), width: info.width, height: info.height, bitsPerSample: info.bitsPerSample };
  } finally {
    decoder.delete();
  }
}

/**
 * A copy of the bytes in an ArrayBuffer of their own: both JS decoders read `.buffer` from 0,
 * and a Node Buffer (what files are read into) is a view into a larger pool, whose slice() is
 * another view, not a copy.
 */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

/** The part of jpeg-lossless-decoder-js's Decoder used here (the package ships no typings). */
interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number): Uint8Array | Uint16Array;
  xDim: number;
  yDim: number;
  precision: number;
}

function jpegLossless(encoded: Uint8Array): DecodedFrame {
  const { Decoder } = require('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder };
  const decoder = new Decoder();
  const buffer = ownBuffer(encoded);
  const out = decoder.decode(buffer, 0, buffer.byteLength);
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  return { bytes, width: decoder.xDim, height: decoder.yDim, bitsPerSample: decoder.precision };
}

interface RleDecoder {
  decode(data: ArrayBuffer, littleEndian: boolean, numElements: number): DataView;
}

function rle(encoded: Uint8Array, width: number, height: number): DecodedFrame {
  const Rle = require('daikon/src/rle.js') as new () => RleDecoder;
  const view = new Rle().decode(ownBuffer(encoded), true, width * height);
  return { bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength), width, height };
}

/** Decodes one compressed frame; `width`/`height` are the data set's Columns/Rows. */
export function decodeCompressedFrame(codec: Exclude<PixelCodec, 'native'>, encoded: Uint8Array, width: number, height: number): DecodedFrame {
  switch (codec) {
    case 'jpeg-lossless':
      return jpegLossless(encoded);
    case 'jpeg-ls':
      charls ??= loadEmscripten('@cornerstonejs/codec-charls/decodewasmjs', '@cornerstonejs/codec-charls/decodewasm', 'JpegLSDecoder');
      return decodeWithEmscripten(charls, 'JpegLSDecoder', encoded);
    case 'jpeg2000':
      openjpeg ??= loadEmscripten('@cornerstonejs/codec-openjpeg/decodewasmjs', '@cornerstonejs/codec-openjpeg/decodewasm', 'J2KDecoder');
      return decodeWithEmscripten(openjpeg, 'J2KDecoder', encoded);
    case 'rle':
      return rle(encoded, width, height);
  }
}
