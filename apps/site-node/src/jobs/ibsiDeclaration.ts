import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { radiomicsEngineSha256 } from '@fedrad/extraction';
import { validate, type ExtractResult, type IbsiVerification } from '@fedrad/protocol';
import { SiteConfigError } from '../errors.js';
import { SOFTWARE_VERSION } from '../version.js';

/**
 * What an extract result says of the IBSI phantom verification the site declares (site.yaml
 * ibsiVerification; RQS item 3): the record's hash and counts — never the file — and whether the
 * record was made by this node's software version with the radiomics engine this extraction ran
 * (its hash now), so a record from another installation or an older build earns nothing. A declared
 * record that is not one is refused by name.
 */
export function ibsiDeclaration(file: string | undefined): Pick<ExtractResult, 'ibsiVerification'> {
  if (file === undefined) return {};
  const bytes = readFileSync(file);
  let record: unknown;
  try {
    record = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new SiteConfigError(`The IBSI verification record ${file} (site.yaml ibsiVerification) is not JSON: ${(e as Error).message}`, { file, field: 'ibsiVerification' });
  }
  const checked = validate('ibsi-verification', record);
  if (!checked.valid) throw new SiteConfigError(`The IBSI verification record ${file} (site.yaml ibsiVerification) is not one \`fedrad verify-ibsi\` writes: ${checked.message}`, { file, field: 'ibsiVerification' });
  const r = record as IbsiVerification;
  return {
    ibsiVerification: {
      recordSha256: createHash('sha256').update(bytes).digest('hex'),
      softwareVersion: r.softwareVersion,
      engineSha256: r.engineSha256,
      featuresChecked: r.featuresChecked,
      featuresMatched: r.featuresMatched,
      // A record that says it passed must show every checked feature matched.
      passed: r.passed && r.featuresChecked > 0 && r.featuresMatched === r.featuresChecked,
      ranThisEngine: r.softwareVersion === SOFTWARE_VERSION && r.engineSha256 === radiomicsEngineSha256(),
    },
  };
}
