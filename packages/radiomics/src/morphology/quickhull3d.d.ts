// quickhull3d's package entry imports its own files without extensions, which Node's ESM loader
// refuses; its self-contained bundle works everywhere, so we import that and declare it here.
declare module 'quickhull3d/dist/quickhull3d.js' {
  export default function quickhull(points: Array<[number, number, number]>, options?: { skipTriangulation?: boolean }): number[][];
}
