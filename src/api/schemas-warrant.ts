/** JSON Schemas of a task's warrant in the REST API (docs/admf.md "Warrant validity"). */

/** The warrant fields of a task's create and modify bodies (checked further by src/admf/warrant.ts). */
export const warrantProps = {
  validFrom: {
    type: 'string',
    maxLength: 64,
    description: 'ISO-8601 start of the warrant, e.g. 2026-12-04T09:00:00Z: the ADMF activates the task then',
  },
  validUntil: {
    type: 'string',
    maxLength: 64,
    description:
      'ISO-8601 end of the warrant (after validFrom, not past): the ADMF deactivates the task then',
  },
  warrantRef: {
    type: 'string',
    minLength: 1,
    maxLength: 50,
    description: 'the warrant reference, a LIID (TS 103 280): sent to the NE in MediationDetails',
  },
} as const;

/** The warrant fields of a task view. */
export const warrantViewProps = {
  validFrom: { type: 'string', format: 'date-time' },
  validUntil: { type: 'string', format: 'date-time' },
  warrantRef: { type: 'string' },
  remainingSeconds: { type: 'integer', minimum: 0, description: 'whole seconds until validUntil' },
  expiring: {
    type: 'boolean',
    description: 'the end is within the expiry-warning lead time (ADMF config warrantExpiryWarning)',
  },
} as const;
