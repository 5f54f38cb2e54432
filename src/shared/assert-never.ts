/** Marks a switch as exhaustive: adding a union member without handling it fails to compile. */
export function assertNever(value: never, what = 'variant'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
