// Logic tests and the end-to-end test (a real coordinator serving the built console, driven in
// Debian's chromium). The e2e test runs the coordinator's built dist/, like `fedrad coordinator`.
module.exports = require('../../jest.preset.cjs')(__dirname, { testTimeout: 180000 });
