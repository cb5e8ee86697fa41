/**
 * fast-check generators of valid X1 messages: every request and response type of the model, every target
 * identifier kind and delivery address, respecting the TS 103 280 patterns. Strings are XML-representable;
 * `xs:token` values carry no leading, trailing or doubled white space (the decoder collapses them).
 */
import fc from 'fast-check';
import type {
  DeliveryAddress,
  DestinationDetails,
  ErrorInformation,
  Extension,
  MessageHeader,
  TargetIdentifier,
  TaskDetails,
  TaskStatus,
  X1Request,
  X1Response,
} from '../../src/x1/model.js';
import {
  CALL_PARTY_ROLES,
  DELIVERY_TYPES,
  MEDIATION_DELIVERY_TYPES,
  NE_ISSUE_TYPES,
  OK_RESPONSE_TYPES,
  PROVISIONING_STATUSES,
  REQUEST_MESSAGE_TYPES,
  SERVICE_TYPES,
  TASK_REPORT_TYPES,
} from '../../src/x1/model.js';

const rec = <T>(shape: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(shape, { noNullPrototype: true });
const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
export const uuidArb = fc.uuid().map((u) => u.toLowerCase());
const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/);
/** xs:string content: printable, no carriage return, no control characters. */
const text = fc.string({
  unit: fc.constantFrom(...'abc XYZ 019 <>&"\'\u00e9\u4e2d\ud83d\ude00\n\t'.split(/(?=[\s\S])/u)),
  maxLength: 24,
});
const uriChars = fc.stringMatching(/^([a-zA-Z0-9@.+_~-]|%[0-9A-F]{2}){1,20}$/);
const pad2 = (n: number) => String(n).padStart(2, '0');

export const timestampArb = fc
  .record({
    ms: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }),
    micros: fc.integer({ min: 0, max: 999_999 }),
    offset: fc.oneof(
      fc.constant('Z'),
      fc
        .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 13 }), fc.constantFrom(0, 30, 45))
        .map(([s, h, m]) => `${s}${pad2(h)}:${pad2(m)}`),
    ),
  })
  .map(
    ({ ms, micros, offset }) =>
      `${new Date(ms).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}${offset}`,
  );

const ipv4 = fc.ipV4();
const ipv6 = fc.array(hex(4), { minLength: 8, maxLength: 8 }).map((g) => g.join(':'));

const extensionArb = (withContent: boolean): fc.Arbitrary<Extension> =>
  rec<Extension>({
    owner: word,
    content: withContent
      ? fc.array(
          rec({
            ns: fc.constant('urn:example:ext'),
            name: fc.constantFrom('a', 'b', 'note'),
            attrs: fc.constant([]),
            children: fc.array(word, { maxLength: 1 }),
          }),
          { maxLength: 2 },
        )
      : fc.constant([]),
  });

export function targetArb(withExtensionContent: boolean): fc.Arbitrary<TargetIdentifier> {
  const s = <K extends TargetIdentifier['kind']>(kind: K, v: fc.Arbitrary<unknown>) =>
    v.map((value) => ({ kind, value }) as TargetIdentifier);
  return fc.oneof(
    s('e164Number', digits(1, 15)),
    s('imsi', digits(6, 15)),
    s('imei', digits(14, 14)),
    s(
      'macAddress',
      fc.array(hex(2), { minLength: 6, maxLength: 6 }).map((g) => g.join(':')),
    ),
    s('ipv4Address', ipv4),
    s('ipv6Address', ipv6),
    s(
      'ipv4Cidr',
      fc.oneof(
        fc
          .tuple(ipv4, fc.integer({ min: 0, max: 32 }))
          .map(([a, p]) => ({ family: 'IPv4CIDR', value: `${a}/${p}` })),
        fc
          .tuple(ipv6, fc.integer({ min: 1, max: 128 }))
          .map(([a, p]) => ({ family: 'IPv6CIDR', value: `${a}/${p}` })),
      ),
    ),
    s(
      'ipv6Cidr',
      fc.tuple(ipv6, fc.integer({ min: 1, max: 128 })).map(([a, p]) => `${a}/${p}`),
    ),
    s('tcpPort', fc.integer({ min: 2, max: 65535 })),
    s('udpPort', fc.integer({ min: 0, max: 65535 })),
    s(
      'tcpPortRange',
      rec({ start: fc.integer({ min: 2, max: 65535 }), end: fc.integer({ min: 2, max: 65535 }) }),
    ),
    s(
      'udpPortRange',
      rec({ start: fc.integer({ min: 0, max: 65535 }), end: fc.integer({ min: 0, max: 65535 }) }),
    ),
    s('tcpPortList', fc.array(fc.integer({ min: 2, max: 65535 }), { minLength: 1, maxLength: 3 })),
    s('udpPortList', fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 3 })),
    s(
      'emailAddress',
      fc.tuple(word, word).map(([a, b]) => `${a}@${b.replace(/[._-]/g, 'x')}.example`),
    ),
    s(
      'internationalizedEmailAddress',
      fc.tuple(word, word).map(([a, b]) => `${a}@${b}`),
    ),
    s(
      'sipUri',
      uriChars.map((u) => `sip:${u}`),
    ),
    s(
      'telUri',
      digits(1, 15).map((d) => `tel:+${d}`),
    ),
    s(
      'h323Uri',
      uriChars.map((u) => `h323:${u}`),
    ),
    s('impu', uriChars),
    s('impi', word),
    s('nai', word),
    s(
      'radiusAttribute',
      fc.array(hex(2), { maxLength: 4 }).map((g) => g.join('')),
    ),
    s('gtpuTunnelId', fc.integer({ min: 0, max: 4294967296 })),
    s('gtpcTunnelId', fc.integer({ min: 0, max: 4294967296 })),
    s('callPartyRole', fc.constantFrom(...CALL_PARTY_ROLES)),
    s('nonLocalIdentifier', fc.constantFrom('Local', 'NonLocal')),
    s('supiimsi', digits(6, 15)),
    s('supinai', word),
    s(
      'suci',
      fc.array(hex(2), { maxLength: 4 }).map((g) => g.join('')),
    ),
    s('peiImei', digits(14, 14)),
    s('peiImeiCheckDigit', digits(15, 15)),
    s('peiImeisv', digits(16, 16)),
    s('gpsiMsisdn', digits(1, 15)),
    s('gpsiNai', word),
    s(
      'eui64',
      fc.array(hex(2), { minLength: 8, maxLength: 8 }).map((g) => g.join(':')),
    ),
    s('serviceAccessIdentifier', word),
    s('hashedIdentifier', rec({ hashContextID: uuidArb, targetIdentityType: word, hashDigest: hex(8) })),
    s('targetIdentifierExtension', extensionArb(withExtensionContent)),
    s('vrf', word),
  );
}

const didsArb = rec({
  dIds: fc.array(uuidArb, { maxLength: 2 }),
  dSIds: fc.array(uuidArb, { maxLength: 1 }),
});
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** Drops properties whose value is undefined (exactOptionalPropertyTypes; the decoder never sets them). */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function taskDetailsArb(ext: boolean): fc.Arbitrary<TaskDetails> {
  return fc
    .record(
      {
        xId: uuidArb,
        targetIdentifiers: fc.array(targetArb(ext), { minLength: 1, maxLength: 3 }),
        deliveryType: fc.constantFrom(...DELIVERY_TYPES),
        listOfDIDs: didsArb,
        listOfMediationDetails: opt(
          fc.array(
            fc
              .record(
                {
                  LIID: fc.stringMatching(/^[!-~]{1,25}$/).filter((s) => !/[<&]/.test(s)),
                  deliveryType: fc.constantFrom(...MEDIATION_DELIVERY_TYPES),
                  StartTime: opt(timestampArb),
                  EndTime: opt(timestampArb),
                  listOfDIDs: opt(didsArb),
                  mediationDetailsExtensions: fc.array(extensionArb(ext), { maxLength: 1 }),
                  serviceScopingOptions: opt(
                    fc.array(
                      fc
                        .record(
                          {
                            serviceType: opt(
                              fc.array(fc.constantFrom(...SERVICE_TYPES), { minLength: 1, maxLength: 2 }),
                            ),
                            locationType: opt(
                              fc.oneof(
                                fc.constant({ kind: 'doNotReport' as const }),
                                fc
                                  .array(
                                    rec({
                                      beginningAndEnd: opt(fc.boolean()),
                                      uponChange: opt(fc.boolean()),
                                      LALS: opt(fc.boolean()),
                                    }).map(compact),
                                    { maxLength: 2 },
                                  )
                                  .map((locationTypes) => ({
                                    kind: 'listOfLocationTypes' as const,
                                    locationTypes,
                                  })),
                              ),
                            ),
                            suspendOnOutboundInternationalRoaming: opt(fc.boolean()),
                            reportPostDialledDigits: opt(fc.boolean()),
                          },
                          { noNullPrototype: true },
                        )
                        .map(compact),
                      { maxLength: 2 },
                    ),
                  ),
                  listOfTrafficPolicyReferences: opt(fc.array(uuidArb, { maxLength: 2 })),
                  listOfIRIPolicyReferences: opt(fc.array(uuidArb, { maxLength: 2 })),
                },
                { noNullPrototype: true },
              )
              .map(compact),
            { maxLength: 2 },
          ),
        ),
        correlationID: opt(fc.integer({ min: 0, max: 2 ** 40 })),
        implicitDeactivationAllowed: opt(fc.boolean()),
        productID: opt(uuidArb),
        listOfServiceTypes: opt(fc.array(fc.constantFrom(...SERVICE_TYPES), { minLength: 1, maxLength: 3 })),
        taskDetailsExtensions: fc.array(extensionArb(ext), { maxLength: 2 }),
        listOfTrafficPolicyReferences: opt(fc.array(uuidArb, { maxLength: 2 })),
        listOfIRIPolicyReferences: opt(fc.array(uuidArb, { maxLength: 2 })),
      },
      { noNullPrototype: true },
    )
    .map(compact) as fc.Arbitrary<TaskDetails>;
}

const addressArb: fc.Arbitrary<DeliveryAddress> = fc.oneof(
  fc
    .tuple(
      fc.oneof(
        ipv4.map((value) => ({ family: 'IPv4Address' as const, value })),
        ipv6.map((value) => ({ family: 'IPv6Address' as const, value })),
      ),
      fc.constantFrom('TCPPort' as const, 'UDPPort' as const),
      fc.integer({ min: 2, max: 65535 }),
    )
    .map(([address, protocol, port]) => ({
      kind: 'ipAddressAndPort' as const,
      address,
      port: { protocol, port },
    })),
  digits(1, 15).map((value) => ({ kind: 'e164Number' as const, value })),
  fc
    .tuple(fc.constantFrom('eep+udp', 'eep+tcp', 'gre-pcapng+udp'), fc.integer({ min: 1, max: 65535 }))
    .map(([s, p]) => ({ kind: 'uri' as const, value: `${s}://127.0.0.1:${p}` })),
  fc
    .tuple(word, word)
    .map(([a, b]) => ({ kind: 'emailAddress' as const, value: `${a}@${b.replace(/[._-]/g, 'x')}.example` })),
);

export function destinationArb(ext: boolean): fc.Arbitrary<DestinationDetails> {
  return fc
    .record(
      {
        dId: uuidArb,
        friendlyName: opt(text),
        deliveryType: fc.constantFrom(...DELIVERY_TYPES),
        deliveryAddress: addressArb,
        destinationDetailsExtensions: fc.array(extensionArb(ext), { maxLength: 1 }),
      },
      { noNullPrototype: true },
    )
    .map(compact) as fc.Arbitrary<DestinationDetails>;
}

const faultArb: fc.Arbitrary<ErrorInformation> = rec({
  errorCode: fc.integer({ min: 0, max: 99999 }),
  errorDescription: text,
});

function statusArb(ext: boolean): fc.Arbitrary<TaskStatus> {
  return fc
    .record(
      {
        provisioningStatus: fc.constantFrom(...PROVISIONING_STATUSES),
        listOfFaults: fc.array(faultArb, { maxLength: 2 }),
        timeOfLastIntercept: opt(timestampArb),
        amountOfX2Data: opt(fc.integer({ min: 0, max: 2 ** 45 })),
        amountOfX3Data: opt(fc.integer({ min: 0, max: 2 ** 45 })),
        timeOfLastModification: opt(timestampArb),
        numberOfModifications: opt(fc.nat(1000)),
        taskStatusExtensions: fc.array(extensionArb(ext), { maxLength: 1 }),
      },
      { noNullPrototype: true },
    )
    .map(compact) as fc.Arbitrary<TaskStatus>;
}

export const headerArb: fc.Arbitrary<MessageHeader> = rec({
  admfIdentifier: word,
  neIdentifier: word,
  messageTimestamp: timestampArb,
  version: fc.tuple(fc.nat(30), fc.nat(9)).map(([a, b]) => `v1.${a}.${b}`),
  x1TransactionId: uuidArb,
});

export function requestArb(ext: boolean): fc.Arbitrary<X1Request> {
  const m = <T extends X1Request['type']>(type: T, body: fc.Arbitrary<object> = fc.constant({})) =>
    fc.tuple(headerArb, body).map(([header, b]) => ({ type, header, ...b }) as X1Request);
  return fc.oneof(
    m(
      'ActivateTaskRequest',
      taskDetailsArb(ext).map((taskDetails) => ({ taskDetails })),
    ),
    m(
      'ModifyTaskRequest',
      taskDetailsArb(ext).map((taskDetails) => ({ taskDetails })),
    ),
    m(
      'DeactivateTaskRequest',
      uuidArb.map((xId) => ({ xId })),
    ),
    m('DeactivateAllTasksRequest'),
    m(
      'CreateDestinationRequest',
      destinationArb(ext).map((destinationDetails) => ({ destinationDetails })),
    ),
    m(
      'ModifyDestinationRequest',
      destinationArb(ext).map((destinationDetails) => ({ destinationDetails })),
    ),
    m(
      'RemoveDestinationRequest',
      uuidArb.map((dId) => ({ dId })),
    ),
    m('RemoveAllDestinationsRequest'),
    m(
      'GetTaskDetailsRequest',
      uuidArb.map((xId) => ({ xId })),
    ),
    m(
      'GetDestinationDetailsRequest',
      uuidArb.map((dId) => ({ dId })),
    ),
    m('GetNEStatusRequest'),
    m('GetAllDetailsRequest'),
    m('GetAllTaskDetailsRequest'),
    m('GetAllDestinationDetailsRequest'),
    m('ListAllDetailsRequest'),
    m(
      'ReportTaskIssueRequest',
      fc
        .record(
          {
            xId: uuidArb,
            taskReportType: fc.constantFrom(...TASK_REPORT_TYPES),
            taskIssueErrorCode: opt(fc.nat(99999)),
            taskIssueDetails: opt(text),
            taskIssueExtensions: fc.array(extensionArb(ext), { maxLength: 1 }),
          },
          { noNullPrototype: true },
        )
        .map(compact),
    ),
    m(
      'ReportDestinationIssueRequest',
      fc
        .record(
          {
            dId: uuidArb,
            destinationReportType: fc.constantFrom(...TASK_REPORT_TYPES),
            destinationIssueErrorCode: opt(fc.nat(99999)),
            destinationIssueDetails: opt(text),
          },
          { noNullPrototype: true },
        )
        .map(compact),
    ),
    m(
      'ReportNEIssueRequest',
      fc
        .record(
          {
            typeOfNeIssueMessage: fc.constantFrom(...NE_ISSUE_TYPES),
            description: text,
            issueCode: opt(fc.nat(99999)),
            nEIssueExtensions: fc.array(extensionArb(ext), { maxLength: 1 }),
          },
          { noNullPrototype: true },
        )
        .map(compact),
    ),
    m('PingRequest'),
    m('KeepaliveRequest'),
    m('DeleteAllObjectsRequest', fc.constant({ body: [] })),
    m(
      'GetObjectRequest',
      uuidArb.map((id) => ({
        body: [{ ns: 'http://uri.etsi.org/03221/X1/2017/10', name: 'objectId', attrs: [], children: [id] }],
      })),
    ),
  );
}

export function responseArb(ext: boolean): fc.Arbitrary<X1Response> {
  const m = (type: X1Response['type'], body: fc.Arbitrary<object> = fc.constant({})) =>
    fc.tuple(headerArb, body).map(([header, b]) => ({ type, header, ...b }) as X1Response);
  const trd = rec({ taskDetails: taskDetailsArb(ext), taskStatus: statusArb(ext) });
  const drd = rec({
    destinationDetails: destinationArb(ext),
    destinationStatus: rec({
      destinationDeliveryStatus: fc.constantFrom('activeAndWorking' as const, 'deliveryFault' as const),
      listOfFaults: fc.array(faultArb, { maxLength: 2 }),
    }),
  });
  const nes = rec({
    neStatus: fc.constantFrom('OK' as const, 'Faults' as const),
    listOfFaults: fc.array(faultArb, { maxLength: 2 }),
  });
  return fc.oneof(
    fc.constantFrom(...OK_RESPONSE_TYPES).chain((type) =>
      m(
        type,
        fc
          .constantFrom(
            ...(type === 'ReportNEIssueResponse'
              ? (['AcknowledgedAndCompleted'] as const)
              : (['AcknowledgedAndCompleted', 'Acknowledged'] as const)),
          )
          .map((oK) => ({ oK })),
      ),
    ),
    m(
      'GetTaskDetailsResponse',
      trd.map((taskResponseDetails) => ({ taskResponseDetails })),
    ),
    m(
      'GetDestinationDetailsResponse',
      drd.map((destinationResponseDetails) => ({ destinationResponseDetails })),
    ),
    m(
      'GetNEStatusResponse',
      nes.map((neStatusDetails) => ({ neStatusDetails })),
    ),
    m(
      'GetAllDetailsResponse',
      rec({
        neStatusDetails: nes,
        listOfTaskResponseDetails: fc.array(trd, { maxLength: 2 }),
        listOfDestinationResponseDetails: fc.array(drd, { maxLength: 2 }),
      }),
    ),
    m(
      'GetAllTaskDetailsResponse',
      fc
        .record(
          { listOfTaskResponseDetails: opt(fc.array(trd, { maxLength: 2 })) },
          { noNullPrototype: true },
        )
        .map(compact),
    ),
    m(
      'GetAllDestinationDetailsResponse',
      fc
        .record(
          { listOfDestinationResponseDetails: opt(fc.array(drd, { maxLength: 2 })) },
          { noNullPrototype: true },
        )
        .map(compact),
    ),
    m(
      'ListAllDetailsResponse',
      fc
        .record(
          {
            ListOfXIDs: fc.array(uuidArb, { maxLength: 3 }),
            ListOfDIDs: didsArb,
            ListOfGenericObjectIDs: opt(fc.array(uuidArb, { maxLength: 2 })),
          },
          { noNullPrototype: true },
        )
        .map(compact),
    ),
    m(
      'ErrorResponse',
      rec({
        requestMessageType: fc.constantFrom(...REQUEST_MESSAGE_TYPES),
        errorInformation: faultArb,
      }).chain((b) =>
        opt(
          rec({ extensionSpecification: fc.constant('TS133128' as const), extendedRequestMessageType: word }),
        ).map((extensionInformation) => compact({ ...b, extensionInformation })),
      ),
    ),
  );
}
