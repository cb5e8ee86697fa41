/**
 * The lab's subscriber population: subscriber `i` has identities derived from `i` alone, so the lab, the
 * tests and the synthetic generator agree on who is who without sharing state.
 *
 * - IMSI (TS 23.003 §2.2): MCC 001, MNC 01 (the test network), then `i` in 10 digits.
 * - MSISDN (E.164, TS 23.003 §3.3): `4479` then `i` in 8 digits (so `i` < 10^8).
 * - IMEI (TS 23.003 §6.2.1): TAC `3569` + `i` in 10 digits (14 digits) + Luhn check digit.
 * - IMPU (TS 23.003 §13.4): `sip:+<msisdn>@ims.lab.lix` and `tel:+<msisdn>`.
 * - IMPI (TS 23.003 §13.3): `<imsi>@ims.mnc001.mcc001.3gppnetwork.org`.
 */
export const POPULATION = {
  mcc: '001',
  mnc: '01',
  imsiDigits: 10,
  msisdnPrefix: '4479',
  msisdnDigits: 8,
  imeiPrefix: '3569',
  imeiDigits: 10,
  imsDomain: 'ims.lab.lix',
  /** 10^msisdnDigits: the population cannot be larger. */
  maxSubscribers: 100_000_000,
} as const;

export interface LabSubscriber {
  readonly index: number;
  /** 15 digits. */
  readonly imsi: string;
  /** E.164 digits without '+'. */
  readonly msisdn: string;
  /** 15 digits, the last a Luhn check digit. */
  readonly imei: string;
  /** `sip:+<msisdn>@ims.lab.lix` */
  readonly sipUri: string;
  /** `tel:+<msisdn>` */
  readonly telUri: string;
  /** `<imsi>@ims.mnc001.mcc001.3gppnetwork.org` */
  readonly impi: string;
}

/** Luhn check digit of a digit string (ISO/IEC 7812-1 Annex B; TS 23.003 Annex B for the IMEI). */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let k = 0; k < digits.length; k++) {
    // Doubling starts with the rightmost digit of the payload (it sits left of the check digit).
    let d = digits.charCodeAt(digits.length - 1 - k) - 48;
    if (k % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** Home network domain of an IMSI's PLMN (TS 23.003 §13.2). */
export const homeDomain = (): string =>
  `ims.mnc${POPULATION.mnc.padStart(3, '0')}.mcc${POPULATION.mcc}.3gppnetwork.org`;

/** Subscriber `index` (an integer in [0, 10^8)); throws RangeError outside that. */
export function labSubscriber(index: number): LabSubscriber {
  if (!Number.isInteger(index) || index < 0 || index >= POPULATION.maxSubscribers)
    throw new RangeError(`subscriber index ${index} outside [0, ${POPULATION.maxSubscribers})`);
  const imsi = POPULATION.mcc + POPULATION.mnc + String(index).padStart(POPULATION.imsiDigits, '0');
  const msisdn = POPULATION.msisdnPrefix + String(index).padStart(POPULATION.msisdnDigits, '0');
  const body = POPULATION.imeiPrefix + String(index).padStart(POPULATION.imeiDigits, '0');
  return {
    index,
    imsi,
    msisdn,
    imei: body + String(luhnCheckDigit(body)),
    sipUri: `sip:+${msisdn}@${POPULATION.imsDomain}`,
    telUri: `tel:+${msisdn}`,
    impi: `${imsi}@${homeDomain()}`,
  };
}
