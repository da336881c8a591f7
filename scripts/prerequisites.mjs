#!/usr/bin/env node
// `npm run setup` runs this before `npm ci`: it checks the system programs that the install, the
// build and the tests need, and on Debian or Ubuntu as root installs the missing ones with apt-get.
// Otherwise it prints the one install line and stops before anything is built, so a newcomer never
// meets a half-built tree or a test that fails for want of a package.
//
//   node scripts/prerequisites.mjs           check, install when root on Debian/Ubuntu, else explain
//   node scripts/prerequisites.mjs --check   check and explain only; never installs
//
// FEDRAD_SYSTEM_PYTHON names the interpreter the ONNX-checker tests call (default /usr/bin/python3:
// Debian's python3-onnx installs for that one, not for a pyenv or venv python on PATH).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const systemPython = () => process.env.FEDRAD_SYSTEM_PYTHON ?? '/usr/bin/python3';

/** Whether `name` is an executable on PATH. */
function onPath(name) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, name)));
}

function runs(command, args) {
  try {
    return spawnSync(command, args, { stdio: 'ignore', timeout: 60_000 }).status === 0;
  } catch {
    return false;
  }
}

/**
 * Every prerequisite: what needs it, how to tell it is there, and the Debian package that brings it.
 * node-gyp (the radiomics kernels, better-sqlite3 without a prebuilt binary) needs g++, make and python3;
 * the tests' independent references need the ONNX checker, nibabel and the openssl CLI.
 */
export const PREREQUISITES = [
  { name: 'g++', why: 'compiles the radiomics C++ kernels (node-gyp)', debian: 'g++', present: () => onPath('g++') },
  { name: 'make', why: 'runs node-gyp builds', debian: 'make', present: () => onPath('make') },
  { name: 'python3', why: 'node-gyp is a Python program', debian: 'python3', present: () => onPath('python3') },
  {
    name: 'python3-onnx',
    why: `the official ONNX checker, called by the tests through ${systemPython()}`,
    debian: 'python3-onnx',
    present: () => existsSync(systemPython()) && runs(systemPython(), ['-c', 'import onnx']),
  },
  { name: 'openssl', why: 'the tests check certificates and CRLs with the openssl CLI', debian: 'openssl', present: () => onPath('openssl') },
  {
    name: 'python3-nibabel',
    why: `nibabel, the independent NIfTI reader the tests check fedrad's NIfTI writer with, called through ${systemPython()}`,
    debian: 'python3-nibabel',
    present: () => existsSync(systemPython()) && runs(systemPython(), ['-c', 'import nibabel']),
  },
  {
    name: 'chromium',
    why: 'the study report is tested in a real browser (playwright-core drives Debian\'s chromium; it downloads none)',
    debian: 'chromium',
    present: () => existsSync(process.env.FEDRAD_CHROMIUM ?? '/usr/bin/chromium'),
  },
];

/** The prerequisites not found on this machine. */
export function missingPrerequisites(list = PREREQUISITES) {
  return list.filter((p) => !p.present());
}

/** The single command that installs `missing` on Debian or Ubuntu. */
export function installLine(missing) {
  const packages = [...new Set(missing.map((p) => p.debian))].join(' ');
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages}`;
}

const isDebian = () => existsSync('/etc/debian_version');
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function explain(missing) {
  const lines = ['FedRad setup: missing system prerequisites (nothing has been installed or built):'];
  for (const p of missing) lines.push(`  - ${p.name}: ${p.why}`);
  lines.push('Install them with:', `  ${installLine(missing)}`, 'then run `npm run setup` again.');
  return lines.join('\n');
}

function aptInstall(missing) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const packages = [...new Set(missing.map((p) => p.debian))];
  console.log(`FedRad setup: installing ${packages.join(', ')} with apt-get (running as root on Debian/Ubuntu)`);
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) return false;
  return spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env }).status === 0;
}

/** Returns the process exit code: 0 when everything is (now) present, 1 otherwise. */
export function main(argv = process.argv.slice(2)) {
  const checkOnly = argv.includes('--check');
  let missing = missingPrerequisites();
  if (missing.length === 0) return 0;
  if (!checkOnly && isRoot() && isDebian()) {
    if (aptInstall(missing)) missing = missingPrerequisites();
    if (missing.length === 0) return 0;
  }
  console.error(explain(missing));
  return 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
