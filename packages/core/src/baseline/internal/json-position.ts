// Finds where JSON text first goes wrong, for error messages (Node's JSON.parse
// does not always say). Iterative, so deep nesting cannot overflow the stack.

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/;

// End offset of the JSON string starting at `i` (a double quote), or -1 when it is not one.
function scanString(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return -1;
    if (c === 0x5c) {
      const m = ESCAPE.exec(text.slice(j + 1, j + 6));
      if (!m) return -1;
      j += 1 + m[0].length;
    } else j++;
  }
  return -1;
}

type Want = 'value' | 'key' | 'colon' | 'comma-or-close' | 'value-or-close' | 'key-or-close' | 'end';

/** Offset of the first syntax error in `text` and what was expected there; undefined when it is valid JSON. */
export function jsonErrorAt(text: string): { offset: number; expected: string } | undefined {
  let i = 0;
  const n = text.length;
  // Stack of containers: '[' or '{'. `want` is what the grammar expects next.
  const stack: string[] = [];
  let want: Want = 'value';
  const skip = () => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  for (;;) {
    skip();
    if (i >= n) return want === 'end' ? undefined : { offset: i, expected: describe(want) };
    const c = text[i]!;
    switch (want) {
      case 'end':
        return { offset: i, expected: 'the end of the document' };
      case 'colon':
        if (c !== ':') return { offset: i, expected: "':'" };
        i++;
        want = 'value';
        continue;
      case 'comma-or-close': {
        const top = stack[stack.length - 1];
        if (c === ',') {
          i++;
          want = top === '{' ? 'key' : 'value';
          continue;
        }
        if ((c === ']' && top === '[') || (c === '}' && top === '{')) {
          i++;
          stack.pop();
          want = stack.length === 0 ? 'end' : 'comma-or-close';
          continue;
        }
        return { offset: i, expected: top === '{' ? "',' or '}'" : "',' or ']'" };
      }
      case 'key':
      case 'key-or-close': {
        if (want === 'key-or-close' && c === '}') {
          i++;
          stack.pop();
          want = stack.length === 0 ? 'end' : 'comma-or-close';
          continue;
        }
        const end = text[i] === '"' ? scanString(text, i) : -1;
        if (end < 0) return { offset: i, expected: 'a property name in double quotes' };
        i = end;
        want = 'colon';
        continue;
      }
      default: {
        if (want === 'value-or-close' && c === ']') {
          i++;
          stack.pop();
          want = stack.length === 0 ? 'end' : 'comma-or-close';
          continue;
        }
        if (c === '{') {
          stack.push('{');
          i++;
          want = 'key-or-close';
          continue;
        }
        if (c === '[') {
          stack.push('[');
          i++;
          want = 'value-or-close';
          continue;
        }
        if (c === '"') {
          const end = scanString(text, i);
          if (end < 0) return { offset: i, expected: 'a complete string' };
          i = end;
          want = stack.length === 0 ? 'end' : 'comma-or-close';
          continue;
        }
        for (const lit of ['true', 'false', 'null']) {
          if (text.startsWith(lit, i)) {
            i += lit.length;
            want = stack.length === 0 ? 'end' : 'comma-or-close';
            break;
          }
        }
        if (want !== 'value' && want !== 'value-or-close') continue;
        NUMBER.lastIndex = i;
        if (NUMBER.test(text)) {
          i = NUMBER.lastIndex;
          want = stack.length === 0 ? 'end' : 'comma-or-close';
          continue;
        }
        return { offset: i, expected: 'a value' };
      }
    }
  }
}

function describe(want: string): string {
  switch (want) {
    case 'colon':
      return "':'";
    case 'key':
    case 'key-or-close':
      return 'a property name';
    case 'comma-or-close':
      return "',' or a closing bracket";
    default:
      return 'a value';
  }
}
