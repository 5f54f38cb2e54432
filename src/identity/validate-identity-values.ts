// §4.2: identity values end up in upstream request headers, so they must be safe as header values.

export const MAX_PRINCIPAL_ID_LENGTH = 256;
export const MAX_EMAIL_LENGTH = 320;
export const MAX_GROUPS = 100;
export const MAX_GROUP_LENGTH = 256;

const PRINCIPAL_ID = /^[A-Za-z0-9@._\-:+/]+$/;
// Printable ASCII only: control characters could split headers, and bytes above 0x7e are not
// portable header values across HTTP/1 gateways.
const HEADER_SAFE = /^[\x20-\x7e]*$/;

export function isValidPrincipalId(value: string): boolean {
  return value.length > 0 && value.length <= MAX_PRINCIPAL_ID_LENGTH && PRINCIPAL_ID.test(value);
}

export function isValidEmail(value: string): boolean {
  return value.length > 0 && value.length <= MAX_EMAIL_LENGTH && HEADER_SAFE.test(value);
}

/** A group must also be free of commas: groups travel comma-joined in one header. */
export function isValidGroup(value: string): boolean {
  return value.length > 0 && value.length <= MAX_GROUP_LENGTH && HEADER_SAFE.test(value) && !value.includes(',');
}

export function isValidScope(value: string): boolean {
  return value.length > 0 && value.length <= MAX_GROUP_LENGTH && HEADER_SAFE.test(value) && !value.includes(' ');
}

export function isHeaderSafe(value: string): boolean {
  return HEADER_SAFE.test(value);
}
