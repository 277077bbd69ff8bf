/**
 * Reads a number the way LSS prints one with printf's %d, %x, %o or %f and any width, precision and flags (`%05d`
 * → `00443`, `%-6d` → `443   `, `%+d` → `+443`, `%#x` → `0x1bb`, `%o` → `673`, `%.2f` → `45.00`) back into JSON
 * number text, digit for digit (no float arithmetic, so integers above 2^53 stay exact).
 */

const DECIMAL = /^([+-]?)0*(\d+?)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const FRACTION_ONLY = /^([+-]?)\.(\d+)(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)(?:0[xX])?([0-9a-fA-F]+)$/;
const HEX_PREFIXED = /^([+-]?)0[xX]([0-9a-fA-F]+)$/;
const OCTAL = /^([+-]?)([0-7]+)$/;

/**
 * JSON number text of `text` printed by `conv` (undefined: not known, so decimal, or hexadecimal with its `0x`), or
 * undefined when it is not such a number. Surrounding spaces (width padding) are ignored.
 */
export function readPrintedNumber(text: string, conv?: 'd' | 'x' | 'o' | 'f'): string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  switch (conv) {
    case 'x': {
      const m = HEX.exec(t);
      return m === null ? undefined : signed(m[1], BigInt(`0x${m[2]}`).toString());
    }
    case 'o': {
      const m = OCTAL.exec(t);
      return m === null ? undefined : signed(m[1], BigInt(`0o${m[2]}`).toString());
    }
    case 'd':
      return integerText(t);
    default: {
      const hex = conv === undefined ? HEX_PREFIXED.exec(t) : null;
      if (hex !== null) return signed(hex[1], BigInt(`0x${hex[2]}`).toString());
      return decimalText(t);
    }
  }
}

/** The integer a decimal text holds, when it has no fraction or only zeros after the point (`443.000000`). */
export function integerText(text: string): string | undefined {
  const m = DECIMAL.exec(text.trim());
  if (m === null || m[4] !== undefined || (m[3] !== undefined && !/^0*$/.test(m[3]))) return undefined;
  return signed(m[1], m[2]);
}

/** Decimal number text as JSON writes it: no `+`, no leading zeros, a digit on both sides of the point. */
function decimalText(text: string): string | undefined {
  const m = DECIMAL.exec(text);
  if (m === null) {
    const f = FRACTION_ONLY.exec(text);
    return f === null ? undefined : signed(f[1], `0.${f[2]}${f[3] === undefined ? '' : `e${f[3]}`}`);
  }
  const [, sign, whole, fraction, exponent] = m;
  let out = whole;
  if (fraction !== undefined && fraction !== '') out += `.${fraction}`;
  if (exponent !== undefined) out += `e${exponent}`;
  return signed(sign, out);
}

function signed(sign: string, digits: string): string {
  return sign === '-' && !/^0(\.0*)?$/.test(digits) ? `-${digits}` : digits;
}
