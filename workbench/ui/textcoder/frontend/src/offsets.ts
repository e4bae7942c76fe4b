// Offsets: Python counts code points, the DOM counts UTF-16 code units. An emoji outside the
// Basic Multilingual Plane is one code point and two units; æøå and combining marks are one of each.

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The UTF-16 index of code point ``cp`` of ``text`` (clamped to the text). */
export function cpToUnit(text: string, cp: number): number {
  let unit = 0;
  for (let n = 0; n < cp && unit < text.length; n++) {
    unit += isHigh(text.charCodeAt(unit)) && isLow(text.charCodeAt(unit + 1)) ? 2 : 1;
  }
  return unit;
}

/** The code point offset of UTF-16 index ``unit``; an index inside a surrogate pair moves to the
 *  pair's start, or to its end with ``roundUp``, so a selection never splits a character. */
export function unitToCp(text: string, unit: number, roundUp = false): number {
  let cp = 0;
  let i = 0;
  const stop = Math.max(0, Math.min(unit, text.length));
  while (i < stop) {
    const pair = isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1));
    if (pair && i + 1 === stop && !roundUp) break; // stop inside the pair: round down
    i += pair ? 2 : 1;
    cp++;
  }
  return cp;
}

/** [start, end) in units with leading and trailing white space left out (start === end: empty). */
export function trimRange(text: string, start: number, end: number): [number, number] {
  const space = /\s/u;
  while (start < end && space.test(text[start])) start++;
  while (end > start && space.test(text[end - 1])) end--;
  return [start, end];
}

/** A Norwegian decimal number: 0.8234 -> "0,82". */
export function decimal(value: number, digits = 2): string {
  return value.toFixed(digits).replace(".", ",");
}
