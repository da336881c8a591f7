export type { ErrorContext } from './errorContext.js';
export type { ErrorKind } from './errorKind.js';
export { FedRadError, ERROR_CODE_PATTERN, isFedRadError, type FedRadErrorOptions } from './fedRadError.js';
export { LOCAL_PATH, localReason, toErrorReport, UNEXPECTED_ERROR_MESSAGE, withoutLocalPaths, type ErrorReportOptions } from './toErrorReport.js';
export { exitCodeFor, EXIT_CODE_BY_KIND } from './exitCode.js';
export { toApiError, API_STATUS_BY_KIND, type ApiError, type ApiStatus } from './toApiError.js';
