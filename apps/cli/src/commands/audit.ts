import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openStore, verifyAgainstHeads, verifyAuditLog } from '@fedrad/coordinator';
import { loadPem } from '@fedrad/pki';
import { readAuditHeads } from '@fedrad/site-node';
import { CliError, CliUsageError } from '../errors.js';

/** Thrown (exit 3) when the coordinator's audit chain does not verify. */
class AuditChainBrokenError extends CliError {
  constructor(message: string, readonly database: string, readonly seq: number) {
    super('AUDIT_CHAIN_BROKEN', message, { kind: 'tampered', context: { file: database } });
  }
}

/** `fedrad audit verify`: re-walks the coordinator's hash-chained audit log, and checks it against the signed heads sites kept. */
export function register(program: Command): void {
  const audit = program.command('audit').description("The coordinator's append-only, hash-chained audit log");
  audit
    .command('verify')
    .description('Check that no audit row was edited, inserted or deleted (exit 3 if one was)')
    .requiredOption('--data <dir>', "the coordinator's data folder (holding coordinator.sqlite)")
    .option('--site-heads <file...>', "a site's coordinator-audit-heads.jsonl (beside its site.sqlite): the log must still hold every head the coordinator signed and sent it")
    .option('--ca-cert <file>', 'the campaign CA certificate the heads are checked against (needed with --site-heads)')
    .action((o: { data: string; siteHeads?: string[]; caCert?: string }) => {
      const path = join(o.data, 'coordinator.sqlite');
      if (!existsSync(path)) throw new CliUsageError(`No coordinator database at ${path}; --data must be the folder given to \`fedrad coordinator start --data\``);
      if (o.siteHeads && !o.caCert) throw new CliUsageError('--site-heads needs --ca-cert (the campaign CA certificate the sites pinned)');
      const db = openStore(path, { readonly: true });
      try {
        const result = verifyAuditLog(db);
        if (!result.ok) throw new AuditChainBrokenError(`Audit log of ${path} is broken at row ${result.seq}: ${result.reason}`, path, result.seq);
        process.stdout.write(`audit log intact: ${result.rows} rows, head ${result.headHash}\n`);
        for (const file of o.siteHeads ?? []) {
          if (!existsSync(file)) throw new CliUsageError(`No audit-heads file at ${file}`);
          const heads = verifyAgainstHeads(db, readAuditHeads(file), loadPem(o.caCert!, 'certificate'));
          if (!heads.ok) throw new AuditChainBrokenError(`Audit log of ${path} does not match the heads in ${file} at row ${heads.seq}: ${heads.reason}`, path, heads.seq);
          process.stdout.write(`matches the ${heads.checked} signed heads in ${file}\n`);
        }
      } finally {
        db.close();
      }
    });
}
