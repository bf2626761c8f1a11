import { VigilError } from '../errors/vigil-error.js';
import { yamlModule } from './yaml-module.js';

// Lexer markers that are not source text.
const DOCUMENT = '\x02';
const SCALAR = '\x1f';
const FLOW_END = '\x18';
const BOM = '\ufeff';

/**
 * Runs the YAML lexer over a text — tokens only, no tree — and throws when it
 * nests deeper, holds more values or more documents than the limits allow, so
 * the parser never builds an over-deep or over-large tree. Flow nesting
 * (`[[[…`) is counted exactly; block nesting is estimated from the columns
 * of open collections (aliases can add depth, which the caller checks after
 * composing, with alias expansion bounded).
 */
export function guardYaml(
  text: string,
  file: string,
  limits: { maxDepth: number; maxNodes: number; maxDocuments: number },
  firstLine = 1,
): void {
  let flow = 0;
  let nodes = 0;
  let docStarts = 0;
  let contentBeforeFirstStart = false;
  let line = firstLine;
  let col = 0;
  let lineStart = true;
  let contentCol: number | undefined;
  // Open block collections: column and kind.
  const cols: number[] = [];
  const kinds: ('seq' | 'map')[] = [];
  const fail = (what: string): never => {
    throw new VigilError('INPUT_INVALID', `YAML ${what} (the limit for this input)`, {
      location: { file, line, column: col + 1 },
    });
  };
  const push = (c: number, kind: 'seq' | 'map') => {
    const top = cols.length - 1;
    if (top >= 0 && cols[top] === c && kinds[top] === kind) return;
    cols.push(c);
    kinds.push(kind);
    if (cols.length + flow > limits.maxDepth) fail(`nests deeper than ${limits.maxDepth} levels`);
  };
  for (const tok of new (yamlModule().Lexer)().lex(text)) {
    if (tok === DOCUMENT || tok === SCALAR || tok === BOM) {
      if (tok === SCALAR && ++nodes > limits.maxNodes) fail(`holds more than ${limits.maxNodes} values`);
      continue;
    }
    if (tok === FLOW_END) {
      if (flow > 0) flow--;
      continue;
    }
    const nl = tok.lastIndexOf('\n');
    const first = tok.charCodeAt(0);
    const isSpace = first === 0x20 || first === 0x09;
    if (tok === '\n' || tok === '\r\n' || tok === '') {
      line++;
      col = 0;
      lineStart = true;
      contentCol = undefined;
      continue;
    }
    if (!isSpace && first !== 0x23 /* # */) {
      if (tok === '---') {
        docStarts++;
        flow = 0;
        cols.length = 0;
        kinds.length = 0;
        if (docStarts > limits.maxDocuments) fail(`holds more than ${limits.maxDocuments} documents`);
      } else {
        if (docStarts === 0) contentBeforeFirstStart = true;
        if (lineStart && flow === 0) {
          while (cols.length > 0 && cols[cols.length - 1]! > col) {
            cols.pop();
            kinds.pop();
          }
          if (
            tok !== '-' &&
            cols.length > 0 &&
            cols[cols.length - 1] === col &&
            kinds[kinds.length - 1] === 'seq'
          ) {
            cols.pop();
            kinds.pop();
          }
        }
        lineStart = false;
        switch (tok) {
          case '[':
          case '{':
            if (++flow + cols.length > limits.maxDepth) fail(`nests deeper than ${limits.maxDepth} levels`);
            if (++nodes > limits.maxNodes) fail(`holds more than ${limits.maxNodes} values`);
            contentCol ??= col;
            break;
          case ']':
          case '}':
            if (flow > 0) flow--;
            break;
          case '-':
            if (flow === 0) {
              push(col, 'seq');
              contentCol = undefined;
            }
            break;
          case '?':
            if (flow === 0) {
              push(col, 'map');
              contentCol = undefined;
            }
            break;
          case ':':
            if (flow === 0) push(contentCol ?? col, 'map');
            break;
          default:
            if (first === 0x2a /* * alias */ && ++nodes > limits.maxNodes)
              fail(`holds more than ${limits.maxNodes} values`);
            contentCol ??= col;
        }
      }
    }
    if (nl >= 0) {
      for (let i = tok.indexOf('\n'); i >= 0; i = tok.indexOf('\n', i + 1)) line++;
      col = tok.length - nl - 1;
      if (col === 0) {
        lineStart = true;
        contentCol = undefined;
      }
    } else col += tok.length;
  }
  const documents = docStarts + (contentBeforeFirstStart ? 1 : 0);
  if (documents > limits.maxDocuments) fail(`holds more than ${limits.maxDocuments} documents`);
}
