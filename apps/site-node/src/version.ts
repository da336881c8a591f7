/** This site node's software version: in its hello, its enrolment request and its extraction journals. */
export const SOFTWARE_VERSION = '0.1.0';
