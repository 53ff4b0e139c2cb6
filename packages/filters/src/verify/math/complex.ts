/**
 * Complex floating-point arithmetic for the numeric path of the strict grader: expressions are
 * evaluated at random points in ℂ-safe arithmetic, so `\sqrt{-4}` and `2i` agree and a logarithm of a
 * negative number is a value, not an exception.
 */

/** `re + im·i`. */
export interface Complex {
  readonly re: number;
  readonly im: number;
}

/** `re + im·i`. */
export const complex = (re: number, im = 0): Complex => ({ re, im });

/** The imaginary unit. */
export const I: Complex = complex(0, 1);

/** Whether both parts are finite (not NaN, not ±Infinity). */
export function isFiniteComplex(z: Complex): boolean {
  return Number.isFinite(z.re) && Number.isFinite(z.im);
}

/** `a + b`. */
export function cAdd(a: Complex, b: Complex): Complex {
  return complex(a.re + b.re, a.im + b.im);
}

/** `a - b`. */
export function cSub(a: Complex, b: Complex): Complex {
  return complex(a.re - b.re, a.im - b.im);
}

/** `-a`. */
export function cNeg(a: Complex): Complex {
  return complex(-a.re, -a.im);
}

/** `a · b`. */
export function cMul(a: Complex, b: Complex): Complex {
  if (a.im === 0 && b.im === 0) return complex(a.re * b.re);
  return complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}

/** `a / b` (NaN or ±Infinity for a zero divisor). */
export function cDiv(a: Complex, b: Complex): Complex {
  if (a.im === 0 && b.im === 0) return complex(a.re / b.re);
  const scale = b.re * b.re + b.im * b.im;
  return complex((a.re * b.re + a.im * b.im) / scale, (a.im * b.re - a.re * b.im) / scale);
}

/** `|a|`. */
export function cAbs(a: Complex): number {
  return Math.hypot(a.re, a.im);
}

/** `e^a`. */
export function cExp(a: Complex): Complex {
  const magnitude = Math.exp(a.re);
  if (a.im === 0) return complex(magnitude);
  return complex(magnitude * Math.cos(a.im), magnitude * Math.sin(a.im));
}

/** Principal logarithm. */
export function cLog(a: Complex): Complex {
  if (a.im === 0 && a.re > 0) return complex(Math.log(a.re));
  return complex(Math.log(cAbs(a)), Math.atan2(a.im, a.re));
}

/** Principal power; real results stay real (`(-8)^(1/3)` is the principal complex root, `(-2)^3` is -8). */
export function cPow(base: Complex, exponent: Complex): Complex {
  if (base.im === 0 && exponent.im === 0) {
    const value = base.re ** exponent.re;
    if (!Number.isNaN(value)) return complex(value);
  }
  if (base.re === 0 && base.im === 0) {
    return exponent.re > 0 ? complex(0) : complex(Number.NaN, Number.NaN);
  }
  if (exponent.im === 0 && Number.isInteger(exponent.re) && Math.abs(exponent.re) <= 64) {
    // Repeated multiplication keeps i² = -1 exact.
    let result = complex(1);
    const steps = Math.abs(exponent.re);
    for (let index = 0; index < steps; index++) result = cMul(result, base);
    return exponent.re < 0 ? cDiv(complex(1), result) : result;
  }
  return cExp(cMul(exponent, cLog(base)));
}

/** Principal square root. */
export function cSqrt(a: Complex): Complex {
  if (a.im === 0) return a.re >= 0 ? complex(Math.sqrt(a.re)) : complex(0, Math.sqrt(-a.re));
  const magnitude = cAbs(a);
  const re = Math.sqrt((magnitude + a.re) / 2);
  const im = Math.sign(a.im) * Math.sqrt((magnitude - a.re) / 2);
  return complex(re, im);
}

/** `sin a`. */
export function cSin(a: Complex): Complex {
  if (a.im === 0) return complex(Math.sin(a.re));
  return complex(Math.sin(a.re) * Math.cosh(a.im), Math.cos(a.re) * Math.sinh(a.im));
}

/** `cos a`. */
export function cCos(a: Complex): Complex {
  if (a.im === 0) return complex(Math.cos(a.re));
  return complex(Math.cos(a.re) * Math.cosh(a.im), -Math.sin(a.re) * Math.sinh(a.im));
}

/** Whether two values agree within a relative tolerance (or a tiny absolute one near zero). */
export function closeTo(a: Complex, b: Complex, relative: number, absolute: number): boolean {
  const difference = Math.hypot(a.re - b.re, a.im - b.im);
  if (difference <= absolute) return true;
  return difference <= relative * Math.max(cAbs(a), cAbs(b));
}
