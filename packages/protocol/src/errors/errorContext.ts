/**
 * Where a failure happened and what it is about: the one context shape every FedRad error
 * carries. Each field is optional; a thrower fills in what it knows, so that a site operator
 * or a radiologist can find the file, the line, the patient or the round without parsing text.
 */
export interface ErrorContext {
  /** The file or folder the failure is about (an image, a mask, a table, a PEM file, site.yaml). */
  file?: string;
  /** 1-based line of `file` (for a table: the line a record starts on, the header being line 1). */
  line?: number;
  /** Header name of a table column. */
  column?: string;
  /** The document field, option or parameter that is wrong (a JSON pointer, a flag, a setting name). */
  field?: string;
  /**
   * The offending cell's or input's text as written. It can be one patient's data: it stays at
   * the site — `toErrorReport` withholds it from the message and never sends it.
   */
  value?: string;
  /** The case (patient) id at fault: a site's local, pseudonymous id. */
  caseId?: string;
  /** The site the failure is about. */
  siteId?: string;
  /** The campaign the failure is about. */
  campaignId?: string;
  /** The job the failure is about. */
  jobId?: string;
  /** The training round (1-based) the failure is about. */
  round?: number;
  /** The model-update tensor the failure is about. */
  tensor?: string;
  /** The aggregation strategy the failure is about. */
  strategy?: string;
  /** What was expected, in words (a format, a range, a grid). */
  expected?: string;
  /** What was found instead, in words. */
  found?: string;
  /** Whether the same request may succeed if tried again later (a deadline, a peer away). */
  retryable?: boolean;
}
