import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addOperator, CA_FILES, createApiToken, initCaFolder, startCoordinator, type RunningCoordinator } from '@fedrad/coordinator';

export const CONSOLE_DIST = fileURLToPath(new URL('../dist', import.meta.url));

export interface CoordinatorUnderTest {
  coordinator: RunningCoordinator;
  /** http://127.0.0.1:port/ — where the console is served. */
  origin: string;
  caPem: string;
  admin: { username: string; password: string };
  auditor: { username: string; password: string };
  studyLead: { username: string; password: string };
  /** A bearer token of the admin, for the test's own checks. */
  token: string;
}

/**
 * A real coordinator (built dist/, as `fedrad coordinator` runs it) serving the built console; its
 * first admin is created on first start and handed over through onFirstAdmin, as `fedrad simulate` does.
 */
export async function startCoordinatorUnderTest(): Promise<CoordinatorUnderTest> {
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) throw new Error(`The console is not built (${CONSOLE_DIST}): run \`npm run setup\` or \`npm run build -w @fedrad/console\``);
  const dir = mkdtempSync(join(tmpdir(), 'fedrad-console-'));
  const caDir = join(dir, 'ca');
  initCaFolder(caDir, 'console-e2e', 30);
  let admin: { username: string; password: string } | undefined;
  const coordinator = await startCoordinator({ dataDir: join(dir, 'data'), caDir, exportModel: null, tickMs: 100, consoleDir: CONSOLE_DIST, onFirstAdmin: (c) => (admin = c), log: () => undefined });
  if (!admin) throw new Error('the coordinator created no first admin');
  const auditor = await addOperator(coordinator.core.db, 'audrey', 'auditor', 'e2e-setup');
  const studyLead = await addOperator(coordinator.core.db, 'stella', 'study-lead', 'e2e-setup');
  const token = (await createApiToken(coordinator.core.db, admin.username, 'e2e', 'e2e-setup')).token;
  return {
    coordinator,
    origin: `http://127.0.0.1:${coordinator.apiPort}`,
    caPem: readFileSync(join(caDir, CA_FILES.cert), 'utf8'),
    admin,
    auditor: { username: auditor.username, password: auditor.password },
    studyLead: { username: studyLead.username, password: studyLead.password },
    token,
  };
}
