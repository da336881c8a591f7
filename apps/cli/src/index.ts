export { reportAndExit, CliError, CliUsageError } from './errors.js';
