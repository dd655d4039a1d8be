// Sizes in the stack file: `512kb`, `10mb`, `1gb` (powers of 1024), or a plain number of bytes.

const UNIT_BYTES = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 } as const;
const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(b|kb?|mb?|gb?)?$/i;

/** Parses a size into bytes; undefined when it is not one. */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text >= 0 ? text : undefined;
  const match = SIZE_PATTERN.exec(text.trim());
  if (match === null) return undefined;
  const [, amount, rawUnit] = match;
  const unit = (rawUnit ?? 'b').toLowerCase() as keyof typeof UNIT_BYTES;
  const bytes = Math.floor(Number(amount) * UNIT_BYTES[unit]);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
