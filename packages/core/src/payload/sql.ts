/**
 * A small SQL tokenizer and statement summary for the PostgreSQL dialect: enough to
 * name the operation, the tables a statement reads or writes, pgvector distance
 * operators, `LIMIT` and the columns a `WHERE` filters on. Not a parser: it reads
 * tokens left to right and never throws; input it cannot place is ignored.
 */

type TokenType = 'word' | 'qident' | 'string' | 'number' | 'param' | 'op' | 'punct';

export interface SqlToken {
  readonly type: TokenType;
  /** Keywords and unquoted identifiers lower-cased; quoted identifiers as written. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** What a statement does to the data: reads it, writes it, removes it, or anything else. */
export type SqlOperation = 'query' | 'upsert' | 'delete' | 'admin';

/** The summary {@link summariseSql} gives of one statement. */
export interface SqlSummary {
  readonly operation: SqlOperation;
  /** The leading keyword, upper-cased (`SELECT`, `INSERT`, `CREATE`, …). */
  readonly command: string;
  /** Tables read or written, schema-qualified when written so, in order of first mention. */
  readonly tables: string[];
  /** Tables written (`INSERT INTO`, `UPDATE`, `DELETE FROM`, `MERGE INTO`, `TRUNCATE`, `COPY … FROM`). */
  readonly written: string[];
  /** pgvector distance operators used: `l2` (`<->`), `cosine` (`<=>`), `inner-product` (`<#>`), `l1` (`<+>`). */
  readonly distances: string[];
  /** The outermost `LIMIT`: a number, or the `$n` parameter it names. */
  readonly limit: number | { param: number } | undefined;
  /** Columns the `WHERE` clauses compare (last part of a qualified name). */
  readonly filterKeys: string[];
}

const MAX_TOKENS = 20_000;
const OP_CHARS = '+-*/<>=~!@#%^&|`?';

/** Splits SQL into tokens, skipping whitespace and comments; stops at {@link MAX_TOKENS}. */
export function tokenizeSql(sql: string): SqlToken[] {
  const out: SqlToken[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n && out.length < MAX_TOKENS) {
    const c = sql[i]!;
    const start = i;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === "'" || ((c === 'E' || c === 'e') && sql[i + 1] === "'")) {
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      while (i < n) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") {
          i++;
          break;
        } else i++;
      }
      out.push({ type: 'string', text: '', start, end: Math.min(i, n) });
    } else if (c === '"') {
      i++;
      let text = '';
      while (i < n) {
        if (sql[i] === '"' && sql[i + 1] === '"') {
          text += '"';
          i += 2;
        } else if (sql[i] === '"') {
          i++;
          break;
        } else text += sql[i++];
      }
      out.push({ type: 'qident', text, start, end: i });
    } else if (c === '$') {
      const param = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      const tag = param ? null : /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66));
      if (param) {
        i += param[0].length;
        out.push({ type: 'param', text: param[1]!, start, end: i });
      } else if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? n : close + tag[0].length;
        out.push({ type: 'string', text: '', start, end: i });
      } else {
        i++;
        out.push({ type: 'punct', text: '$', start, end: i });
      }
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(i, i + 64));
      i += m ? m[0].length : 1;
      out.push({ type: 'number', text: sql.slice(start, i), start, end: i });
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i]!)) i++;
      out.push({ type: 'word', text: sql.slice(start, i).toLowerCase(), start, end: i });
    } else if (OP_CHARS.includes(c)) {
      while (i < n && OP_CHARS.includes(sql[i]!) && !(sql[i] === '-' && sql[i + 1] === '-')) i++;
      out.push({ type: 'op', text: sql.slice(start, i), start, end: i });
    } else if (c === ':' && sql[i + 1] === ':') {
      i += 2;
      out.push({ type: 'op', text: '::', start, end: i });
    } else {
      i++;
      out.push({ type: 'punct', text: c, start, end: i });
    }
  }
  return out;
}

/** Splits a simple-query string into its statements at top-level semicolons; empty ones are dropped. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let from = 0;
  let depth = 0;
  for (const t of tokenizeSql(sql)) {
    if (t.type !== 'punct') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth = Math.max(0, depth - 1);
    else if (t.text === ';' && depth === 0) {
      const s = sql.slice(from, t.start).trim();
      if (s) out.push(s);
      from = t.end;
    }
  }
  const rest = sql.slice(from).trim();
  if (rest) out.push(rest);
  return out;
}

/** The statement with every string and number literal replaced by `?` (parameters `$n` kept). */
export function redactLiterals(sql: string): string {
  let out = '';
  let at = 0;
  for (const t of tokenizeSql(sql)) {
    if (t.type !== 'string' && t.type !== 'number') continue;
    out += `${sql.slice(at, t.start)}?`;
    at = t.end;
  }
  return out + sql.slice(at);
}

const QUERY = new Set(['select', 'with', 'values', 'table', 'show', 'explain', 'fetch']);
const DISTANCES: Record<string, string> = {
  '<->': 'l2',
  '<=>': 'cosine',
  '<#>': 'inner-product',
  '<+>': 'l1',
};
// Words that end a table reference list or cannot be an alias.
const NOT_ALIAS = new Set([
  'where',
  'join',
  'inner',
  'left',
  'right',
  'full',
  'cross',
  'natural',
  'on',
  'using',
  'group',
  'order',
  'limit',
  'offset',
  'having',
  'window',
  'union',
  'except',
  'intersect',
  'returning',
  'set',
  'values',
  'select',
  'default',
  'for',
  'fetch',
  'do',
  'when',
  'then',
  'from',
  'into',
  'lateral',
  'as',
  'tablesample',
  'with',
  'only',
]);
const WHERE_END = new Set([
  'group',
  'order',
  'limit',
  'offset',
  'having',
  'window',
  'union',
  'except',
  'intersect',
  'returning',
  'for',
  'fetch',
]);
const COMPARISON = /^(=|<>|!=|<|>|<=|>=|@>|<@|\?|\?\||\?&|~|~\*|!~|!~\*|~~|~~\*|&&|->>|->|#>|#>>|@@)$/;
const COMPARISON_WORDS = new Set(['like', 'ilike', 'in', 'is', 'between', 'similar', 'not', 'any']);
const RESERVED = new Set([
  'and',
  'or',
  'not',
  'null',
  'true',
  'false',
  'is',
  'in',
  'like',
  'ilike',
  'between',
  'exists',
  'case',
  'when',
  'then',
  'else',
  'end',
  'select',
  'any',
  'all',
  'current_date',
  'current_timestamp',
  'now',
]);

function identText(t: SqlToken | undefined): string | undefined {
  if (!t) return undefined;
  if (t.type === 'qident') return t.text;
  if (t.type === 'word') return t.text;
  return undefined;
}

/**
 * Reads a possibly qualified name (`a`, `a.b`, `"A"."b c"`) at `i`; returns it and
 * the index after it, or undefined when no identifier starts there.
 */
function readName(tokens: readonly SqlToken[], i: number): { name: string; next: number } | undefined {
  const first = identText(tokens[i]);
  if (first === undefined) return undefined;
  const parts = [first];
  let j = i + 1;
  while (tokens[j]?.type === 'punct' && tokens[j]!.text === '.' && identText(tokens[j + 1]) !== undefined) {
    parts.push(identText(tokens[j + 1])!);
    j += 2;
  }
  return { name: parts.join('.'), next: j };
}

/** Names, operators and limits of one statement; see {@link SqlSummary}. Never throws. */
export function summariseSql(sql: string): SqlSummary {
  const tokens = tokenizeSql(sql);
  const first = tokens.find((t) => t.type === 'word');
  const command = (first?.text ?? '').toUpperCase();
  const tables: string[] = [];
  const written: string[] = [];
  const distances: string[] = [];
  const filterKeys: string[] = [];
  const ctes = new Set<string>();
  let limit: SqlSummary['limit'];
  let write = false;
  let remove = false;
  const add = (list: string[], name: string) => {
    if (!list.includes(name)) list.push(name);
  };
  const addTable = (name: string, isWrite: boolean) => {
    if (ctes.has(name)) return;
    add(tables, name);
    if (isWrite) add(written, name);
  };
  // Paren stack: true where the parentheses hold a statement (a subquery), false for calls and lists.
  const parens: boolean[] = [];
  const inStatement = () => parens.every((p) => p);
  let inWhere = false;
  let whereDepth = 0;
  const readTableList = (at: number, isWrite: boolean): number => {
    let i = at;
    for (;;) {
      while (tokens[i]?.type === 'word' && (tokens[i]!.text === 'only' || tokens[i]!.text === 'lateral')) i++;
      const name = readName(tokens, i);
      if (!name) return i;
      i = name.next;
      // A function in FROM (generate_series(...)) is no table; a column list after INTO is.
      if (!isWrite && tokens[i]?.type === 'punct' && tokens[i]!.text === '(') return i;
      addTable(name.name, isWrite);
      if (tokens[i]?.type === 'punct' && tokens[i]!.text === '*') i++;
      if (tokens[i]?.type === 'word' && tokens[i]!.text === 'as') i++;
      const alias = tokens[i];
      if (alias && (alias.type === 'qident' || (alias.type === 'word' && !NOT_ALIAS.has(alias.text)))) i++;
      if (tokens[i]?.type === 'punct' && tokens[i]!.text === ',') {
        i++;
        continue;
      }
      return i;
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    if (t.type === 'punct') {
      if (t.text === '(') {
        const next = tokens[i + 1];
        parens.push(
          next?.type === 'word' && (next.text === 'select' || next.text === 'with' || next.text === 'values'),
        );
      } else if (t.text === ')') {
        parens.pop();
        if (inWhere && parens.length < whereDepth) inWhere = false;
      }
      continue;
    }
    if (t.type === 'op') {
      const d = DISTANCES[t.text];
      if (d) add(distances, d);
      if (inWhere && COMPARISON.test(t.text)) {
        const key = prev && prev.type !== 'param' ? identText(prev) : undefined;
        if (key !== undefined && !RESERVED.has(key)) add(filterKeys, key);
      }
      continue;
    }
    if (t.type !== 'word' || !inStatement()) continue;
    const w = t.text;
    if (inWhere && parens.length === whereDepth && WHERE_END.has(w)) inWhere = false;
    if (inWhere && COMPARISON_WORDS.has(w) && w !== 'not') {
      const key = identText(prev);
      if (key !== undefined && !RESERVED.has(key) && prev?.type !== 'param') add(filterKeys, key);
      else if (prev?.type === 'word' && prev.text === 'not') {
        const k2 = identText(tokens[i - 2]);
        if (k2 !== undefined && !RESERVED.has(k2)) add(filterKeys, k2);
      }
    }
    switch (w) {
      case 'with': {
        // CTE names are not tables: `WITH name [(cols)] AS (`.
        let j = i + 1;
        if (tokens[j]?.text === 'recursive') j++;
        for (;;) {
          const name = identText(tokens[j]);
          if (name === undefined) break;
          let k = j + 1;
          if (tokens[k]?.text === '(') {
            while (k < tokens.length && tokens[k]!.text !== ')') k++;
            k++;
          }
          if (tokens[k]?.text !== 'as') break;
          ctes.add(name);
          // Skip to the matching close paren of this CTE body, then look for `,`.
          k++;
          if (tokens[k]?.text === 'not') k++;
          if (tokens[k]?.text === 'materialized') k++;
          if (tokens[k]?.text !== '(') break;
          let depth = 0;
          for (; k < tokens.length; k++) {
            if (tokens[k]!.type !== 'punct') continue;
            if (tokens[k]!.text === '(') depth++;
            else if (tokens[k]!.text === ')' && --depth === 0) break;
          }
          if (tokens[k + 1]?.text !== ',') break;
          j = k + 2;
        }
        break;
      }
      case 'from': {
        // `DELETE FROM t` and `COPY … FROM` are handled with their statements.
        if (prev?.type === 'word' && prev.text === 'delete') {
          remove = true;
          i = readTableList(i + 1, true) - 1;
        } else if (command !== 'COPY') i = readTableList(i + 1, false) - 1;
        break;
      }
      case 'join':
        i = readTableList(i + 1, false) - 1;
        break;
      case 'into':
        if (prev?.type === 'word' && (prev.text === 'insert' || prev.text === 'merge')) {
          write = true;
          i = readTableList(i + 1, true) - 1;
        }
        break;
      case 'update':
        // `FOR UPDATE` locks; `ON CONFLICT DO UPDATE` writes the table already named.
        if (prev?.text !== 'for' && prev?.text !== 'do' && prev?.text !== 'key') {
          write = true;
          i = readTableList(i + 1, true) - 1;
        }
        break;
      case 'truncate': {
        remove = true;
        let j = i + 1;
        if (tokens[j]?.text === 'table') j++;
        i = readTableList(j, true) - 1;
        break;
      }
      case 'copy': {
        const name = readName(tokens, i + 1);
        if (name) {
          const dir = tokens
            .slice(name.next)
            .find((x) => x.type === 'word' && (x.text === 'from' || x.text === 'to'));
          addTable(name.name, dir?.text === 'from');
          if (dir?.text === 'from') write = true;
        }
        break;
      }
      case 'where':
        inWhere = true;
        whereDepth = parens.length;
        break;
      case 'limit':
        if (parens.length === 0) {
          const v = tokens[i + 1];
          if (v?.type === 'number' && /^\d+$/.test(v.text)) limit = Number(v.text);
          else if (v?.type === 'param') limit = { param: Number(v.text) };
        }
        break;
      default:
        break;
    }
  }
  let operation: SqlOperation;
  const head = command.toLowerCase();
  if (head === 'delete' || head === 'truncate') operation = 'delete';
  else if (head === 'insert' || head === 'update' || head === 'merge' || (head === 'copy' && write))
    operation = 'upsert';
  else if (head === 'copy') operation = 'query';
  else if (QUERY.has(head)) operation = remove ? 'delete' : write ? 'upsert' : 'query';
  else operation = 'admin';
  return { operation, command, tables, written, distances, limit, filterKeys };
}
