/**
 * What kind of failure an error is, as the three mappings need to know it: the CLI's exit code
 * (`exitCodeFor`) and the API's status (`toApiError`) are read from it, never from the code's text.
 *
 * - `invalid`: an input (a file, a table, a document, an option) is not what it must be. The default.
 * - `usage`: the command line itself is wrong (a missing flag, two flags that exclude each other).
 * - `not-found`: the thing asked for does not exist (a campaign, a site, an enrolment).
 * - `conflict`: the request clashes with what already exists (a campaign id taken, a wrong state).
 * - `unavailable`: a peer or resource cannot be reached or did not answer in time; retrying may help.
 * - `tampered`: a record that must never change was altered (the audit log's hash chain).
 * - `campaign-failed`: a campaign the caller waited for ended failed or did not end in time.
 * - `internal`: a bug or an impossible state inside FedRad (a graph built with wrong shapes).
 */
export type ErrorKind = 'invalid' | 'usage' | 'not-found' | 'conflict' | 'unavailable' | 'tampered' | 'campaign-failed' | 'internal';
