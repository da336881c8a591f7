// The local twin runs the real site step (ONNX sessions at each site, each round): a long
// exact-gradient run takes ~40 s on an idle core, and much longer on a loaded machine.
module.exports = require('../../jest.preset.cjs')(__dirname, { testTimeout: 600000 });
