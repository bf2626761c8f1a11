// Finds where JSON text first goes wrong, for error messages (Node's JSON.parse
// does not always say). Iterative, so deep nesting cannot overflow the stack.

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

type Want = 'value' | 'key' | 'colon' | 'comma-or-close' | 'value-or-close' | 'key-or-close' | 'end';

/** Offset of the first syntax error in `text` and what was expected there; undefined when it is valid JSON. */
export function jsonErrorAt(text: string): { offset: number; expected: string } | undefined {
  let i = 0;
  const n = text.length;
  // Stack of containers: '[' or '{'. `want` is what the grammar expects next.
  const stack: string[] = [];
  let want: 'value' | 'key' | 'colon' | 'comma-or-close' | 'value-or-close' | 'key-or-close' | 'end' =
    'value';
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
        STRING.lastIndex = i;
        if (!STRING.test(text)) return { offset: i, expected: 'a property name in double quotes' };
        i = STRING.lastIndex;
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
          STRING.lastIndex = i;
          if (!STRING.test(text)) return { offset: i, expected: 'a complete string' };
          i = STRING.lastIndex;
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
