import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { verifyModel } from '@fedrad/pki';
import { CliUsageError } from '../errors.js';
import { readDocument, readInputFile, readInputText } from '../commandFiles.js';

export interface VerifyModelOptions {
  model: string;
  card: string;
  signature: string;
  caDir?: string;
  caCert?: string;
  crl?: string;
}

/**
 * `fedrad verify-model`: checks offline that a model and its card are the campaign's locked model,
 * as the coordinator signed them: the signer certificate comes from the campaign CA (and is not in
 * its CRL) with CN "coordinator", the signature verifies over the card, and the ONNX file is the
 * one the card names. Throws the reason otherwise (exit 1).
 */
export function runVerifyModel(o: VerifyModelOptions) {
  if (!o.caDir === !o.caCert) throw new CliUsageError('give the campaign CA as --ca-dir DIR (a `fedrad ca` folder) or --ca-cert FILE, one of the two');
  const caCertPath = o.caCert ?? join(o.caDir!, 'ca.cert.pem');
  const crlPath = o.crl ?? (o.caDir && existsSync(join(o.caDir, 'crl.pem')) ? join(o.caDir, 'crl.pem') : undefined);
  const onnx = new Uint8Array(readInputFile(o.model, 'model'));
  return verifyModel(onnx, readDocument(o.card, 'model card'), readDocument(o.signature, 'model signature'), {
    caCertPem: readInputText(caCertPath, 'campaign CA certificate'),
    ...(crlPath ? { crlPem: readInputText(crlPath, 'campaign CRL') } : {}),
  });
}

export function register(program: Command): void {
  program
    .command('verify-model')
    .description("Check offline that a model and its card are the campaign's locked model, signed by its coordinator under the campaign CA")
    .requiredOption('--model <onnx>', 'the ONNX model (model.onnx of `campaign export`)')
    .requiredOption('--card <json>', 'its model card (model.card.json)')
    .requiredOption('--signature <json>', "the coordinator's signature (model.signature.json)")
    .option('--ca-dir <dir>', 'the campaign CA folder (ca.cert.pem, and crl.pem when present)')
    .option('--ca-cert <pem>', 'the campaign CA certificate')
    .option('--crl <pem>', 'the campaign CRL (a revoked coordinator certificate is refused)')
    .action((opts: VerifyModelOptions) => {
      const signer = runVerifyModel(opts);
      process.stdout.write(`verified: ${opts.model} is the model of ${opts.card}, signed by "${signer.subjectCommonName}" (certificate SHA-256 ${signer.fingerprint}) under the campaign CA\n`);
    });
}
