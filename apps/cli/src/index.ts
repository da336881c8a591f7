export { reportAndExit, CliUsageError } from './errors.js';
