import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openStore, verifyAuditLog } from '@fedrad/coordinator';
import { CliError, CliUsageError } from '../errors.js';

/** Thrown (exit 3) when the coordinator's audit chain does not verify. */
class AuditChainBrokenError extends CliError {
  constructor(message: string, readonly database: string, readonly seq: number) {
    super('AUDIT_CHAIN_BROKEN', message, { kind: 'tampered', context: { file: database } });
  }
}

/** `fedrad audit verify`: re-walks the coordinator's hash-chained audit log. */
export function register(program: Command): void {
  const audit = program.command('audit').description("The coordinator's append-only, hash-chained audit log");
  audit
    .command('verify')
    .description('Check that no audit row was edited, inserted or deleted (exit 3 if one was)')
    .requiredOption('--data <dir>', "the coordinator's data folder (holding coordinator.sqlite)")
    .action((o: { data: string }) => {
      const path = join(o.data, 'coordinator.sqlite');
      if (!existsSync(path)) throw new CliUsageError(`No coordinator database at ${path}; --data must be the folder given to \`fedrad coordinator start --data\``);
      const db = openStore(path, { readonly: true });
      try {
        const result = verifyAuditLog(db);
        if (!result.ok) throw new AuditChainBrokenError(`Audit log of ${path} is broken at row ${result.seq}: ${result.reason}`, path, result.seq);
        process.stdout.write(`audit log intact: ${result.rows} rows, head ${result.headHash}\n`);
      } finally {
        db.close();
      }
    });
}
