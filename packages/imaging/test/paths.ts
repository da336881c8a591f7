import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Committed test files of this package. */
export const FIXTURES = join(here, 'fixtures');
/** Read-only reference data shared by all workspaces (/work/shared), next to the repo root. */
export const SHARED = join(here, '../../../../shared');
export const IBSI_PHANTOM_DIR = join(SHARED, 'ibsi/ibsi1/digital_phantom');
export const STS_DICOM = join(SHARED, 'sts-dicom');
