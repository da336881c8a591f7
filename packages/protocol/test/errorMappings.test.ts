import { describe, expect, it } from '@jest/globals';
import { FedRadError, ProtocolValidationError, TableFormatError, exitCodeFor, toApiError, type ErrorKind } from '../src/index.js';

const ofKind = (kind: ErrorKind) => new FedRadError('SOME_FAILURE', `a ${kind} failure`, { kind });

describe('exitCodeFor: the fedrad command\'s exit code per kind of failure', () => {
  it('exits 2 on a usage error, 3 on a tampered record, 5 on a failed campaign and 1 otherwise', () => {
    expect(exitCodeFor(ofKind('usage'))).toBe(2);
    expect(exitCodeFor(ofKind('tampered'))).toBe(3);
    expect(exitCodeFor(ofKind('campaign-failed'))).toBe(5);
    for (const kind of ['invalid', 'not-found', 'conflict', 'unavailable', 'internal'] as const) expect(exitCodeFor(ofKind(kind))).toBe(1);
    expect(exitCodeFor(new TableFormatError('f.csv: no data rows', { source: 'f.csv' }))).toBe(1);
    expect(exitCodeFor(new Error('plain'))).toBe(1);
    expect(exitCodeFor('thrown text')).toBe(1);
  });
});

describe('toApiError: the operator API\'s error', () => {
  it('maps each kind to its status and keeps the code and message', () => {
    expect(toApiError(ofKind('not-found'))).toEqual({ status: 'NOT_FOUND', code: 'SOME_FAILURE', message: 'a not-found failure' });
    expect(toApiError(ofKind('conflict')).status).toBe('CONFLICT');
    expect(toApiError(ofKind('invalid')).status).toBe('BAD_REQUEST');
    expect(toApiError(ofKind('unavailable')).status).toBe('SERVICE_UNAVAILABLE');
    expect(toApiError(ofKind('internal')).status).toBe('INTERNAL_SERVER_ERROR');
    const invalid = new ProtocolValidationError('campaign-protocol', [{ field: '/testSites', message: 'must be array' }], 'Campaign protocol');
    expect(toApiError(invalid)).toMatchObject({ status: 'BAD_REQUEST', code: 'PROTOCOL_INVALID' });
  });

  it('never returns a stack, not even for an error that is not ours', () => {
    const bug = new TypeError('cannot read properties of undefined');
    const api = toApiError(bug);
    expect(api).toEqual({ status: 'INTERNAL_SERVER_ERROR', code: 'INTERNAL', message: 'cannot read properties of undefined' });
    expect(JSON.stringify(api)).not.toContain(bug.stack!.split('\n')[1].trim());
    const multiline = toApiError(new FedRadError('STORE', 'bad store\n    at open (/srv/store.js:1:1)', { kind: 'internal' }));
    expect(multiline.message).toBe('bad store');
    expect(Object.keys(multiline).sort()).toEqual(['code', 'message', 'status']);
  });
});
