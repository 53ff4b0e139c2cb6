/**
 * Facts a grade-school solution uses without the problem stating them (60 minutes in an hour, 12 in
 * a dozen, 100 cents in a dollar). When a step uses such a number, the Abel target names the fact
 * ("By the definition of an hour (1 hour = 60 minutes), …"): Abel's knowledge-gap fill-in, where
 * the target states the knowledge it relies on (METHODS.md §1.2).
 */

/** A unit fact: the number it supplies and the words that must be around for it to apply. */
export interface Definition {
  /** Canonical value the fact supplies. */
  readonly value: string;
  /** What is defined, as in "the definition of an hour". */
  readonly name: string;
  /** The fact, as in "1 hour = 60 minutes". */
  readonly fact: string;
  /** Every pattern must match the step or the problem (lower-cased). */
  readonly needs: readonly RegExp[];
}

const definition = (value: number, name: string, fact: string, ...needs: RegExp[]): Definition => ({
  value: String(value),
  name,
  fact,
  needs,
});

const minute = /\bminutes?\b|\bmins?\b/;
const hour = /\bhours?\b|\bhrs?\b|\bhourly\b/;
const day = /\bdays?\b|\bdaily\b/;
const week = /\bweeks?\b|\bweekly\b/;
const month = /\bmonths?\b|\bmonthly\b/;
const year = /\byears?\b|\byearly\b|\bannual(?:ly)?\b/;
const foot = /\bf(?:oo|ee)t\b|\bft\b/;
const dollar = /\bdollars?\b|\$/;
const cents = /\bcents?\b|¢/;

/** Ordered: the first definition whose value and words match is cited. */
export const DEFINITIONS: readonly Definition[] = [
  definition(60, 'an hour', '1 hour = 60 minutes', minute, hour),
  definition(60, 'a minute', '1 minute = 60 seconds', /\bseconds?\b|\bsecs?\b/, minute),
  definition(3600, 'an hour', '1 hour = 3600 seconds', /\bseconds?\b/, hour),
  definition(24, 'a day', '1 day = 24 hours', hour, day),
  definition(7, 'a week', '1 week = 7 days', day, week),
  definition(52, 'a year', '1 year = 52 weeks', week, year),
  definition(12, 'a year', '1 year = 12 months', month, year),
  definition(365, 'a year', '1 year = 365 days', day, year),
  definition(4, 'a month', '1 month = 4 weeks', week, month),
  definition(30, 'a month', '1 month = 30 days', day, month),
  definition(10, 'a decade', '1 decade = 10 years', /\bdecades?\b/),
  definition(100, 'a century', '1 century = 100 years', /\bcentur(?:y|ies)\b/),
  definition(12, 'a dozen', '1 dozen = 12', /\bdozens?\b/),
  definition(12, 'a foot', '1 foot = 12 inches', /\binch(?:es)?\b/, foot),
  definition(3, 'a yard', '1 yard = 3 feet', foot, /\byards?\b/),
  definition(5280, 'a mile', '1 mile = 5280 feet', foot, /\bmiles?\b/),
  definition(100, 'percent', 'x% = x/100', /%|\bpercent(?:age)?\b/),
  definition(0.01, 'percent', '1% = 0.01', /%|\bpercent(?:age)?\b/),
  definition(100, 'a dollar', '1 dollar = 100 cents', cents, dollar),
  definition(25, 'a quarter', '1 quarter = 25 cents', /\bquarters?\b/, cents),
  definition(4, 'a dollar', '1 dollar = 4 quarters', /\bquarters?\b/, dollar),
  definition(10, 'a dime', '1 dime = 10 cents', /\bdimes?\b/),
  definition(5, 'a nickel', '1 nickel = 5 cents', /\bnickels?\b/),
  definition(100, 'a meter', '1 meter = 100 centimeters', /\bcentimet(?:er|re)s?\b|\bcm\b/, /\bmet(?:er|re)s?\b/),
  definition(1000, 'a kilometer', '1 kilometer = 1000 meters', /\bkilomet(?:er|re)s?\b|\bkm\b/, /\bmet(?:er|re)s?\b/),
  definition(1000, 'a kilogram', '1 kilogram = 1000 grams', /\bkilograms?\b|\bkgs?\b/, /\bgrams?\b/),
  definition(1000, 'a liter', '1 liter = 1000 milliliters', /\bli(?:ter|tre)s?\b/, /\bmillili(?:ter|tre)s?\b|\bml\b/),
  definition(16, 'a pound', '1 pound = 16 ounces', /\bounces?\b|\boz\b/, /\bpounds?\b|\blbs?\b/),
  definition(2000, 'a ton', '1 ton = 2000 pounds', /\btons?\b/, /\bpounds?\b/),
  definition(4, 'a gallon', '1 gallon = 4 quarts', /\bquarts?\b/, /\bgallons?\b/),
  definition(8, 'a gallon', '1 gallon = 8 pints', /\bpints?\b/, /\bgallons?\b/),
  definition(128, 'a gallon', '1 gallon = 128 ounces', /\bounces?\b/, /\bgallons?\b/),
  definition(2, 'a pair', '1 pair = 2', /\bpairs?\b/),
];

/** The first definition supplying `value` whose words all occur in `context` (lower-cased text). */
export function definitionFor(value: string, context: string): Definition | undefined {
  return DEFINITIONS.find((entry) => entry.value === value && entry.needs.every((pattern) => pattern.test(context)));
}
