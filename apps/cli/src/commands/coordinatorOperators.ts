import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { addOperator, createApiToken, listApiTokens, listOperators, openStore, resetPassword, revokeApiToken, ROLES, type Role } from '@fedrad/coordinator';
import { CliUsageError } from '../errors.js';

const print = (value: unknown): void => void process.stdout.write(JSON.stringify(value, null, 2) + '\n');

/**
 * `fedrad coordinator user …` and `token …`: operator accounts and API tokens, written straight
 * into the coordinator's store (whoever can write its data folder is its administrator already,
 * as with the CA folder). They work whether the coordinator runs or not; a running one sees a
 * new token or a revocation at its next request. Passwords and tokens are generated and shown
 * once; only their scrypt hash is kept.
 */
export function registerOperatorCommands(coord: Command): void {
  const dataOption = (cmd: Command) => cmd.requiredOption('--data <dir>', "the coordinator's data folder (holding coordinator.sqlite)");
  const actor = `cli:${process.env.USER ?? 'unknown'}`;

  const user = coord.command('user').description('Operator accounts of the API (roles: admin, study-lead, auditor)');
  dataOption(user.command('add').description('Create an operator; prints its generated password once').requiredOption('--username <name>', 'operator name').requiredOption('--role <role>', ROLES.join(' | '))).action(
    async (o: { data: string; username: string; role: string }) => {
      if (!(ROLES as readonly string[]).includes(o.role)) throw new CliUsageError(`--role must be one of ${ROLES.join(', ')}, not ${o.role}`);
      print(await withStore(o.data, (db) => addOperator(db, o.username, o.role as Role, actor)));
    },
  );
  dataOption(user.command('list').description('Operators and their roles')).action((o: { data: string }) => withStore(o.data, (db) => print(listOperators(db))));
  dataOption(user.command('passwd').description("Replace an operator's password with a new generated one (printed once); its sessions end").requiredOption('--username <name>', 'operator name')).action(
    async (o: { data: string; username: string }) => print(await withStore(o.data, (db) => resetPassword(db, o.username, actor))),
  );

  const token = coord.command('token').description('Bearer tokens for scripts and the CLI (--token, FEDRAD_COORDINATOR_TOKEN)');
  dataOption(
    token
      .command('create')
      .description('Issue a token for an operator; prints it once')
      .requiredOption('--username <name>', 'operator the token acts as (with its role)')
      .option('--label <text>', 'what the token is for', 'cli')
      .option('--days <n>', 'expires after this many days (default: until revoked)', (v) => Number(v)),
  ).action(async (o: { data: string; username: string; label: string; days?: number }) => print(await withStore(o.data, (db) => createApiToken(db, o.username, o.label, actor, o.days))));
  dataOption(token.command('list').description('Tokens (ids, owners, labels; never the secrets)')).action((o: { data: string }) => withStore(o.data, (db) => print(listApiTokens(db))));
  dataOption(token.command('revoke').description('Revoke a token at once').requiredOption('--id <tokenId>', 'token id (16 hex digits)')).action((o: { data: string; id: string }) =>
    withStore(o.data, (db) => {
      revokeApiToken(db, o.id, actor);
      process.stdout.write(`revoked token ${o.id}\n`);
    }),
  );
}

async function withStore<T>(dataDir: string, fn: (db: ReturnType<typeof openStore>) => T | Promise<T>): Promise<T> {
  const path = join(dataDir, 'coordinator.sqlite');
  if (!existsSync(path)) throw new CliUsageError(`No coordinator database at ${path}; start the coordinator once with \`fedrad coordinator start --data ${dataDir}\``);
  const db = openStore(path);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}
